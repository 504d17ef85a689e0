"""The exercises' public self-checks: each accepts the reference solution and rejects the
typical wrong answers listed here (a check that passes a likely wrong answer tells a
student they are on track when they are not).

Each answer is put into the answer cell of the source notebook in place of its solution,
then the release notebook's test cell (the public checks a student sees, no hidden test)
runs on it, in-process, after the setup cell. Rejected means the checks raise (an
``AssertionError`` with a hint, or the error the wrong code itself raises)."""

import contextlib
import io
import re
import warnings
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "exercises" / "source"
RELEASES = ROOT / "exercises" / "release"

# answer cell grade_id -> the code that replaces its solution, one entry per wrong answer.
WRONG = {
    "01_scalar_outputs": {
        "ex1_q1_answer": {
            "one pass only": "predicted_grad = [2.0, -4.0, 1.0]",
            "x itself": "predicted_grad = [1.0, -2.0, 0.5]",
            "each pass doubles what is there": "predicted_grad = [8.0, -16.0, 4.0]",
            "x squared twice": "predicted_grad = [2.0, 8.0, 0.5]",
        },
        "ex1_q2_answer": {
            "sum instead of mean": "y = (x ** 2).sum()",
            "mean of x, not of its squares": "y = x.mean() ** 2",
            "divided by a fixed length": "y = (x ** 2).sum() / 4",
            "mean over the first row only": "y = (x ** 2).reshape(-1)[:2].mean()",
        },
        "ex1_q3_answer": {
            "the sigmoid alone": "return 1.0 / (1.0 + np.exp(-x))",
            "softplus itself": "return grad_output * np.log1p(np.exp(x))",
            "sign of the exponent": "return grad_output / (1.0 + np.exp(x))",
            "ignores grad_output": "return np.ones_like(x) / (1.0 + np.exp(-x))",
        },
        "ex1_q4_answer": {
            "sum instead of mean": (
                "w = mg.tensor(w, requires_grad=True)\n"
                "loss = ((mg.tensor(X) @ w - mg.tensor(y)) ** 2).sum()\n"
                "loss.backward()\n"
                "return w.grad.numpy()"),
            "no square": (
                "w = mg.tensor(w, requires_grad=True)\n"
                "loss = (mg.tensor(X) @ w - mg.tensor(y)).mean()\n"
                "loss.backward()\n"
                "return w.grad.numpy()"),
            "the weights back": "return np.asarray(w)",
            "half the gradient": (
                "w = mg.tensor(w, requires_grad=True)\n"
                "loss = ((mg.tensor(X) @ w - mg.tensor(y)) ** 2).mean() / 2\n"
                "loss.backward()\n"
                "return w.grad.numpy()"),
        },
        "ex1_q5_answer": {
            "requires_grad_ instead of retain_grad": "h.requires_grad_()",
            "retain_grad on the leaf": "w.retain_grad()",
            "nothing asked: the leaf's grad only": "pass",
            "h made a new leaf, graph cut": "h = h.detach().requires_grad_()\n"
                                            "loss = (h ** 2).mean()",
        },
    },
    "02_gradient_argument": {
        "ex2_q1_answer": {
            "seed ignored": "predicted_grad = [12.0, 3.0, 27.0]",
            "seed times x cubed": "predicted_grad = [8.0, -0.5, -54.0]",
            "derivative 3x instead of 3x^2": "predicted_grad = [6.0, -1.5, -18.0]",
        },
        "ex2_q2_answer": {
            "lesson 2's fix 1, sum()": "y.sum().backward()",
            "mean()": "y.mean().backward()",
            "seed of ones": "y.backward(gradient=mg.ones_like(y))",
            "seed through a sum of the seed": "(y * mg.tensor(v)).mean().backward()",
        },
        "ex2_q3_answer": {
            "boundaries excluded": "return grad_output * ((x > lo) & (x < hi))",
            "the mask alone": "return ((x >= lo) & (x <= hi)).astype(float)",
            "the clamped values": "return grad_output * np.clip(x, lo, hi)",
            "gradient everywhere": "return grad_output",
        },
        "ex2_q4_answer": {
            "one graph, x.grad never reset": (
                "x_t = mg.tensor(x, requires_grad=True)\n"
                "y = f(x_t)\n"
                "rows = []\n"
                "for i in range(y.shape[0]):\n"
                "    seed = np.zeros(y.shape[0])\n"
                "    seed[i] = 1.0\n"
                "    y.backward(gradient=mg.tensor(seed), retain_graph=True)\n"
                "    rows.append(x_t.grad.numpy().copy())\n"
                "return np.stack(rows)"),
            "columns instead of rows": (
                "rows = []\n"
                "m = f(mg.tensor(x)).shape[0]\n"
                "for i in range(m):\n"
                "    x_t = mg.tensor(x, requires_grad=True)\n"
                "    seed = np.zeros(m)\n"
                "    seed[i] = 1.0\n"
                "    f(x_t).backward(gradient=mg.tensor(seed))\n"
                "    rows.append(x_t.grad.numpy())\n"
                "return np.stack(rows).T"),
            "a seed of ones for every row": (
                "rows = []\n"
                "m = f(mg.tensor(x)).shape[0]\n"
                "for i in range(m):\n"
                "    x_t = mg.tensor(x, requires_grad=True)\n"
                "    f(x_t).backward(gradient=mg.ones(m))\n"
                "    rows.append(x_t.grad.numpy())\n"
                "return np.stack(rows)"),
        },
    },
    "03_create_graph": {
        "ex3_q1_answer": {
            "x.grad is the first derivative": "predicted = [27.0, 27.0]",
            "grad() filled x.grad too": "predicted = [27.0, 45.0]",
            "nothing reaches x.grad": "predicted = [27.0, 0.0]",
            "the third derivative": "predicted = [27.0, 6.0]",
        },
        "ex3_q2_answer": {
            "no create_graph (the broken call)": "(g,) = mg.autograd.grad(y, x)",
            "retain_graph instead": "(g,) = mg.autograd.grad(y, x, retain_graph=True)",
            "g detached": "(g,) = mg.autograd.grad(y, x, create_graph=True)\ng = g * 1.0\n"
                          "g = mg.tensor(g.item(), requires_grad=True)",
        },
        "ex3_q3_answer": {
            "the gradient, not H v": (
                "x = mg.tensor(x, requires_grad=True)\n"
                "(g,) = mg.autograd.grad(f(x), x)\n"
                "return g.numpy()"),
            "v left out": (
                "x = mg.tensor(x, requires_grad=True)\n"
                "(g,) = mg.autograd.grad(f(x), x, create_graph=True)\n"
                "(hv,) = mg.autograd.grad(g.sum(), x)\n"
                "return hv.numpy()"),
            "g times v, not its gradient": (
                "x = mg.tensor(x, requires_grad=True)\n"
                "(g,) = mg.autograd.grad(f(x), x, create_graph=True)\n"
                "return (g * mg.tensor(v)).detach().numpy()"),
        },
        "ex3_q4_answer": {
            "tanh dropped": (
                "w = mg.tensor(w, requires_grad=True)\n"
                "x = mg.tensor(x, requires_grad=True)\n"
                "f = (w * x).sum()\n"
                "(df_dx,) = mg.autograd.grad(f, x, create_graph=True)\n"
                "(df_dx ** 2).sum().backward()\n"
                "return w.grad.numpy()"),
            "the gradient in w, not in x": (
                "w = mg.tensor(w, requires_grad=True)\n"
                "x = mg.tensor(x, requires_grad=True)\n"
                "f = (w * x).sum().tanh()\n"
                "(df_dw,) = mg.autograd.grad(f, w, create_graph=True)\n"
                "(df_dw ** 2).sum().backward()\n"
                "return w.grad.numpy()"),
            "the gradient of f, not of P": (
                "w = mg.tensor(w, requires_grad=True)\n"
                "f = (w * mg.tensor(x)).sum().tanh()\n"
                "f.backward()\n"
                "return w.grad.numpy()"),
            "penalty not squared": (
                "w = mg.tensor(w, requires_grad=True)\n"
                "x = mg.tensor(x, requires_grad=True)\n"
                "f = (w * x).sum().tanh()\n"
                "(df_dx,) = mg.autograd.grad(f, x, create_graph=True)\n"
                "df_dx.sum().backward()\n"
                "return w.grad.numpy()"),
        },
    },
}

SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION\n?",
                      re.MULTILINE | re.DOTALL)


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _cells(path):
    return {_grade_id(c): c for c in nbformat.read(path, as_version=4).cells if _grade_id(c)}


def _answered(answer_cell, code=None):
    """The answer cell's code with ``code`` in place of its solution (None: the solution)."""
    def put(match):
        indent = match.group(1)
        body = match.group(2) if code is None else "".join(
            f"{indent}{line}\n" if line else "\n" for line in code.split("\n"))
        return body
    return SOLUTION.sub(put, answer_cell.source)


def _run(name, answer_id, code=None):
    """Setup cell, the answer cell (with ``code``), then the public test cell that follows
    it in the release; returns what the test cell printed."""
    source, release = _cells(SOURCES / f"{name}.ipynb"), _cells(RELEASES / f"{name}.ipynb")
    prefix = answer_id.rsplit("_answer", 1)[0]
    setup = next(c for gid, c in release.items() if gid.endswith("_setup"))
    test = release[f"{prefix}_test"]
    assert "HIDDEN" not in test.source
    namespace = {}
    printed = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(printed):
        warnings.simplefilter("ignore")
        # without its IPython magics (%load_ext, %autograd_cards: cards only)
        plain = "\n".join(line for line in setup.source.splitlines()
                           if not line.lstrip().startswith("%"))
        exec(compile(plain, "setup", "exec"), namespace)
        exec(compile(_answered(source[answer_id], code), answer_id, "exec"), namespace)
        exec(compile(test.source, f"{prefix}_test", "exec"), namespace)
    return printed.getvalue()


CASES = [(name, answer_id, label) for name, questions in WRONG.items()
         for answer_id, answers in questions.items() for label in answers]


def test_every_question_has_wrong_answers():
    for name in WRONG:
        answers = {gid for gid in _cells(SOURCES / f"{name}.ipynb") if gid.endswith("_answer")}
        assert answers == set(WRONG[name]), name
        assert all(len(wrong) >= 3 for wrong in WRONG[name].values()), name


@pytest.mark.parametrize("name, answer_id", sorted({(n, a) for n, a, _ in CASES}))
def test_public_checks_accept_the_solution(name, answer_id):
    printed = _run(name, answer_id)
    assert "Self-check passed" in printed


@pytest.mark.parametrize("name, answer_id, label", CASES)
def test_public_checks_reject_a_typical_wrong_answer(name, answer_id, label):
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any error is a rejection
        _run(name, answer_id, WRONG[name][answer_id][label])
    if isinstance(caught.value, AssertionError):
        assert str(caught.value), "a failing self-check says what to look at"
