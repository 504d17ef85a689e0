"""Grades are what the answers earned: reference solutions get full marks, a blank
release gets 0, partly right and wrong answers get what they earned, and the rebuilt
notebook ignores everything but the answer cells."""

import shutil
import time

import pytest

from micrograd_nb.grading.batch import grade_batch
from micrograd_nb.grading.kernel import Kernel
from micrograd_nb.grading.notebooks import Assignment, nbgrader_metadata
from micrograd_nb.grading.sandbox import Sandbox

from .cheats import wrong
from .submissions import NAMES, RELEASES, fill, points, solutions, source_path

TIMEOUT = 10.0


def _correct(name, **replacements):
    answers = solutions(name)
    answers.update(replacements)
    return answers


def _cells_with(grade_id):
    return lambda cell: nbgrader_metadata(cell).get("grade_id") == grade_id


def _drop(*grade_ids):
    def edit(notebook):
        notebook["cells"] = [c for c in notebook["cells"]
                             if nbgrader_metadata(c).get("grade_id") not in grade_ids]
    return edit


def _reverse(notebook):
    notebook["cells"].reverse()


def _vandalise_locked_cells(notebook):
    for cell in notebook["cells"]:
        meta = nbgrader_metadata(cell)
        if meta.get("grade") or meta.get("locked"):
            cell["source"] = "pass  # the test was here"
            meta["points"] = 100


def _retag(notebook):
    """The q2 answer claims to be q1's test cell; a new cell claims 100 points."""
    for cell in notebook["cells"]:
        meta = nbgrader_metadata(cell)
        if meta.get("grade_id") == "ex1_q2_answer":
            meta["grade_id"] = "ex1_q1_test"
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "outputs": [],
                              "source": "predicted_grad = [0.0]",
                              "metadata": {"nbgrader": {"grade_id": "bonus", "grade": True,
                                                        "points": 100, "solution": True}}})


def _extra_cell_with_the_answer(notebook):
    notebook["cells"].insert(3, {"cell_type": "code", "execution_count": None, "outputs": [],
                                 "metadata": {}, "source": "predicted_grad = [4.0, -8.0, 2.0]"})


def _duplicate_answer(notebook):
    right = {"cell_type": "code", "execution_count": None, "outputs": [],
             "metadata": {"nbgrader": {"grade_id": "ex1_q1_answer", "solution": True}},
             "source": "predicted_grad = [4.0, -8.0, 2.0]"}
    index = next(i for i, c in enumerate(notebook["cells"]) if _cells_with("ex1_q1_answer")(c))
    notebook["cells"].insert(index + 1, right)


CLOSE_BUT_WRONG = {
    "ex1_q3_answer": "def softplus_backward(x, grad_output):\n"
                     "    return grad_output / (1.0 + np.exp(-1.001 * x))\n",
    "ex1_q4_answer": "def mse_gradient(X, y, w):\n"
                     "    return 2 / len(y) * X.T @ (X @ w - y) * 1.001\n",
}

# name: (assignment, answers or None for the file as it is, edit, score, {test id: status})
CASES = {
    "blank release 01": ("01_scalar_outputs", {}, None, 0,
                         dict.fromkeys(["ex1_q1_test", "ex1_q2_test"], "error")),
    "partly right": ("01_scalar_outputs", _correct(
        "01_scalar_outputs", ex1_q2_answer=wrong.Q2, ex1_q4_answer=wrong.Q4), None, 6,
        {"ex1_q1_test": "passed", "ex1_q2_test": "failed", "ex1_q4_test": "failed"}),
    "close but wrong": ("01_scalar_outputs", _correct("01_scalar_outputs", **CLOSE_BUT_WRONG),
                        None, 5, {"ex1_q3_test": "failed", "ex1_q4_test": "failed"}),
    "cells reversed": ("01_scalar_outputs", _correct("01_scalar_outputs"), _reverse, 10, {}),
    "locked cells deleted": ("01_scalar_outputs", _correct("01_scalar_outputs"),
                             _drop("ex1_setup", "ex1_q1_test", "ex1_q2_broken"), 10, {}),
    "locked cells vandalised, right answers": (
        "01_scalar_outputs", _correct("01_scalar_outputs"), _vandalise_locked_cells, 10, {}),
    "locked cells vandalised, wrong answers": (
        "01_scalar_outputs", wrong.ALL, _vandalise_locked_cells, 0, {}),
    "re-tagged cells": ("01_scalar_outputs", _correct("01_scalar_outputs"), _retag, 8,
                        {"ex1_q2_test": "missing"}),
    "answer cell deleted": ("01_scalar_outputs", _correct("01_scalar_outputs"),
                            _drop("ex1_q4_answer"), 8, {"ex1_q4_test": "missing"}),
    "answer in an extra cell": ("01_scalar_outputs", {}, _extra_cell_with_the_answer, 0,
                                {"ex1_q1_test": "error"}),
    "the first of two answer cells counts": (
        "01_scalar_outputs", {"ex1_q1_answer": wrong.Q1}, _duplicate_answer, 0,
        {"ex1_q1_test": "failed"}),
    "blank release 02": ("02_gradient_argument", {}, None, 0, {}),
    "partly right 02": ("02_gradient_argument", _correct(
        "02_gradient_argument", ex2_q4_answer="def jacobian_by_rows(f, x):\n"
        "    return np.eye(len(x))\n"), None, 6, {"ex2_q4_test": "failed"}),
    "blank release 03": ("03_create_graph", {}, None, 0, {}),
    "partly right 03": ("03_create_graph", _correct(
        "03_create_graph", ex3_q2_answer="def second_derivative(f, x0):\n    return 0.0\n",
        ex3_q1_answer="predicted = [27.0, 27.0]\n"), None, 6,
        {"ex3_q1_test": "failed", "ex3_q2_test": "failed"}),
    "blank release 04": ("04_in_place_and_no_grad", {}, None, 0, {}),
    "blank release 05": ("05_custom_functions", {}, None, 0, {}),
}

# A typical wrong answer to each question of exercises 04 and 05 (and to the later
# questions of 01), one submission each: it loses exactly that question's points.
EX1_WRONG = {"ex1_q5_answer": wrong.Q5}
_EPOCH = ("def train_epoch(w, batches, lr=0.1):\n"
          "    total = 0.0\n"
          "    for X, y in batches:\n"
          "        loss = ((X @ w - y) ** 2).mean()\n"
          "        loss.backward()\n"
          "        with mg.no_grad():\n"
          "            w -= lr * w.grad\n"
          "        w.grad = None\n"
          "        {add}\n"
          "    return total\n")
EX4_WRONG = {
    "ex4_q1_answer": "predicted = [1, True, True]\n",
    "ex4_q2_answer": ("def fit_line(X, y, lr=0.1, steps=20):\n"
                      "    X, y = mg.tensor(X), mg.tensor(y)\n"
                      "    w = mg.zeros(X.shape[1], requires_grad=True)\n"
                      "    for _ in range(steps):\n"
                      "        loss = ((X @ w - y) ** 2).mean()\n"
                      "        loss.backward()\n"
                      "        with mg.no_grad():\n"
                      "            w -= lr * w.grad  # the gradient is never reset\n"
                      "    return w.detach()\n"),
    "ex4_q3_answer": ("def weighted_loss(w, X, y, weights):\n"
                      "    errors = (X @ w - y) ** 2\n"
                      "    total = sum(k * e for k, e in zip(weights, errors.tolist()))\n"
                      "    return mg.tensor(total)\n"),
    "ex4_q4_answer": "def round_ste(x):\n    return x.round()\n",
    "ex4_q5_answer": _EPOCH.format(add="total += loss  # the tensor: every graph kept"),
}
EX5_WRONG = {
    "ex5_q1_answer": "predicted_grad = [0.5, -3.0, 2.0]\n",
    "ex5_q2_answer": ("class ScaleBy(Function):\n    @staticmethod\n    def forward(ctx, x, c):\n"
                      "        ctx.c = c\n        return x * c\n\n    @staticmethod\n"
                      "    def backward(ctx, grad_output):\n        return grad_output * ctx.c\n"),
    "ex5_q3_answer": ("class Softsign(Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                      "        ctx.save_for_backward(x)\n        return x / (1 + x.abs())\n\n"
                      "    @staticmethod\n    def backward(ctx, grad_output):\n"
                      "        (x,) = ctx.saved_tensors\n"
                      "        return grad_output / (1 + x.abs())\n"),
    "ex5_q4_answer": ("class Cube(Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                      "        ctx.save_for_backward(x)\n        return x ** 3\n\n"
                      "    @staticmethod\n    def backward(ctx, grad_output):\n"
                      "        (x,) = ctx.saved_tensors\n"
                      "        return grad_output * mg.tensor(3 * x.detach().numpy() ** 2)\n"),
}


for _name, _wrong in (("01_scalar_outputs", EX1_WRONG), ("04_in_place_and_no_grad", EX4_WRONG),
                      ("05_custom_functions", EX5_WRONG)):
    for _answer, _code in _wrong.items():
        _test = _answer.replace("_answer", "_test")
        CASES[f"{_name}: wrong {_answer}"] = (
            # its public self-check may catch it first (an error), or the hidden test
            _name, _correct(_name, **{_answer: _code}), None, None, {_test: ("failed", "error")})

# The same sum, leaked only where the public check does not look (it uses five batches):
# the hidden test tells it from the fix by the result's graph, as its value is right.
CASES["04_in_place_and_no_grad: a leak the public check misses"] = (
    "04_in_place_and_no_grad", _correct("04_in_place_and_no_grad", ex4_q5_answer=_EPOCH.format(
        add="total += loss.item() if len(batches) == 5 else loss")),
    None, None, {"ex4_q5_test": "failed"})



@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    results = {}
    for name in NAMES:
        cases = {case: spec for case, spec in CASES.items() if spec[0] == name}
        # A copy: the source file itself is refused as a submission (a link to it would
        # be full marks for nothing).
        reference = folder / f"{name}-reference.ipynb"
        shutil.copy(source_path(name), reference)
        paths = [reference]
        for i, (answers, edit) in enumerate((s[1], s[2]) for s in cases.values()):
            paths.append(fill(name, answers, folder / f"{name}-{i}.ipynb", edit))
        batch = grade_batch(paths, source_path(name), jobs=2, timeout=TIMEOUT,
                            warn=lambda line: None)
        results[f"solution {name}"] = batch[0]
        results.update(zip(cases, batch[1:]))
    return results


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_solution_gets_full_marks(graded, name):
    result = graded[f"solution {name}"]
    assert result.error is None
    assert [q.status for q in result.questions] == ["passed"] * len(points(name))
    assert result.score == result.max_score > 0


@pytest.mark.parametrize("case", CASES)
def test_a_submission_gets_what_it_earned(graded, case):
    name, _, _, score, statuses = CASES[case]
    result = graded[case]
    assert result.error is None, result.error
    if score is None:  # one wrong answer: everything but that question's points
        worth = points(name)
        score = sum(worth.values()) - sum(worth[test] for test in statuses)
    assert result.score == score, [(q.grade_id, q.status, q.message) for q in result.questions]
    got = {q.grade_id: q.status for q in result.questions}
    allowed = {k: v if isinstance(v, tuple) else (v,) for k, v in statuses.items()}
    assert all(got[k] in allowed[k] for k in statuses), (got, statuses)


def test_a_blank_release_says_what_is_missing(graded):
    messages = [q.message for q in graded["blank release 01"].questions]
    assert all("NotImplementedError" in m for m in messages)


def test_messages_never_show_the_expected_values(graded):
    """A student reads the messages: they describe the submission's value, not the
    solution's."""
    for result in graded.values():
        for q in result.questions:
            for expected in ("4.0", "-8.0", "12.0", "27.0", "18.0"):
                assert expected not in q.message


def test_release_notebooks_are_what_students_open():
    assert sorted(p.stem for p in RELEASES.glob("*.ipynb")) == list(NAMES)


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(slots=1)
    yield box
    box.close()


@pytest.mark.parametrize("name", NAMES)
def test_a_source_notebook_runs_top_to_bottom_when_its_author_skips_checks(sandbox, name):
    """As its author runs it in Jupyter with MICROGRAD_NB_CHECK=skip: check() reports
    nothing, grading_rng() is seeded with 0, and every cell passes."""
    kernel = Kernel(sandbox, 0, cpu_seconds=60).start()
    try:
        run = kernel.run("import os\nos.environ['MICROGRAD_NB_CHECK'] = 'skip'",
                         time.monotonic() + 30)
        assert run.status == "ok"
        for cell in Assignment.load(source_path(name)).cells:
            if cell["cell_type"] == "code":
                run = kernel.run(cell["source"], time.monotonic() + 30, nonce="any")
                assert (run.status, run.error, run.reports) == ("ok", None, [])
    finally:
        kernel.close()


@pytest.mark.parametrize("name", NAMES)
def test_hidden_tests_fail_loudly_outside_the_grader(sandbox, name):
    """As nbgrader autograde or a plain Jupyter run would run the source: every test
    cell fails, naming micrograd-nb grade; none passes without being compared."""
    kernel = Kernel(sandbox, 0, cpu_seconds=60).start()
    try:
        assignment = Assignment.load(source_path(name))
        tests = {q.grade_id for q in assignment.questions}
        failed = set()
        for cell in assignment.cells:
            if cell["cell_type"] == "code":
                run = kernel.run(cell["source"], time.monotonic() + 30)
                grade_id = nbgrader_metadata(cell).get("grade_id")
                if grade_id in tests:
                    assert run.error.startswith("NotGradedHere"), run.error
                    assert "micrograd-nb grade" in run.error
                    failed.add(grade_id)
                else:
                    assert run.error is None, run.error
        assert failed == tests
    finally:
        kernel.close()
