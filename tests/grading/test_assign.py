"""Authoring in nbgrader's format, and ``assign``: the committed release notebooks are
exactly what ``assign`` writes now, and a release holds no solution or hidden test."""

import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from micrograd_nb.grading.assign import release_notebook, release_text, write_release
from micrograd_nb.grading.notebooks import Assignment, GradingInputError, nbgrader_metadata

from .submissions import NAMES, RELEASES, source_path


def cell(source, grade_id=None, cell_type="code", **flags):
    make = new_code_cell if cell_type == "code" else new_markdown_cell
    c = make(source)
    if grade_id:
        c.metadata["nbgrader"] = {"grade_id": grade_id, "schema_version": 3, "task": False,
                                  "solution": False, "grade": False, "locked": False, **flags}
    return c


ANSWER = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
TEST = ("assert f(1) is not None\n### BEGIN HIDDEN TESTS\nfrom micrograd_nb.grading import "
        "check\ncheck(f(3))\n### END HIDDEN TESTS")


def toy(*cells):
    return new_notebook(cells=list(cells) or [
        cell("import numpy as np", "setup", locked=True),
        cell("Explain.", cell_type="markdown"),
        cell(ANSWER, "a1", solution=True),
        cell(TEST, "t1", grade=True, locked=True, points=2),
        cell("whole answer", "a2", cell_type="markdown", solution=True),
    ])


def load(tmp_path, notebook):
    path = tmp_path / "toy.ipynb"
    path.write_text(nbformat.writes(notebook))
    return Assignment.load(path)


@pytest.mark.parametrize("name", NAMES)
def test_committed_release_is_what_assign_writes(name):
    assert (RELEASES / f"{name}.ipynb").read_text() == release_text(
        Assignment.load(source_path(name)))


@pytest.mark.parametrize("name", NAMES)
def test_release_holds_no_solution_and_no_hidden_test(name):
    text = (RELEASES / f"{name}.ipynb").read_text()
    for secret in ("BEGIN SOLUTION", "HIDDEN TESTS", "grading_rng"):
        assert secret not in text
    assert not re.search(r"(?<![\w.])check\(", text)  # the grader's check(), not gradcheck(
    notebook = json.loads(text)
    assert all(not c.get("outputs") for c in notebook["cells"])


def test_release_stubs_solutions_removes_hidden_tests_and_locks_cells(tmp_path):
    release = release_notebook(load(tmp_path, toy()))
    setup, _, answer, test, written = release.cells
    assert answer.source == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    assert written.source == "YOUR ANSWER HERE"
    assert test.source == "assert f(1) is not None"
    assert (answer.metadata.deletable, "editable" in answer.metadata) == (False, False)
    assert (test.metadata.deletable, test.metadata.editable) == (False, False)
    assert (setup.metadata.deletable, setup.metadata.editable) == (False, False)
    assert all(len(nbgrader_metadata(c)["checksum"]) == 32 for c in (setup, answer, test))


def test_assign_writes_into_the_out_folder(tmp_path):
    target = write_release(source_path(NAMES[0]), tmp_path / "out")
    assert target.read_text() == (RELEASES / f"{NAMES[0]}.ipynb").read_text()


def test_questions_are_test_cells_with_the_cells_before_them(tmp_path):
    [question] = load(tmp_path, toy()).questions
    assert (question.grade_id, question.points, question.answer_ids) == ("t1", 2.0, ("a1",))


@pytest.mark.parametrize("cells, error", [
    ([cell(ANSWER, "a1", solution=True),
      cell(TEST.replace("check(f(3))", "check(f(3) == 6)"), "t1", grade=True, points=1)],
     "not a comparison"),
    ([cell("assert f(3) == 6", "t1", grade=True, points=1)], "never calls check"),
    ([cell("x = 1", "t1", locked=True), cell(TEST, "t1", grade=True, points=1)], "used twice"),
    ([cell(ANSWER, "a1", solution=True)], "not followed by an autograder test"),
    ([cell("### BEGIN SOLUTION\nx = 1", "a1", solution=True),
      cell(TEST, "t1", grade=True, points=1)], "without"),
    ([cell("x = 1", "a1", solution=True, grade=True, points=1)], "manually graded"),
    ([cell("x = 1", "bad id!", locked=True)], "grade_id"),
    ([cell("x = 1")], "no autograder test cell"),
])
def test_authoring_mistakes_are_reported(tmp_path, cells, error):
    with pytest.raises(GradingInputError, match=error):
        load(tmp_path, toy(*cells))


def test_a_wrong_schema_version_is_reported(tmp_path):
    bad = cell("x = 1", "s", locked=True)
    bad.metadata["nbgrader"]["schema_version"] = 1
    with pytest.raises(GradingInputError, match="schema_version"):
        load(tmp_path, toy(bad, cell(TEST, "t1", grade=True, points=1)))


def test_a_missing_or_broken_source_names_the_file(tmp_path):
    with pytest.raises(GradingInputError, match="nothing.ipynb: cannot read"):
        Assignment.load(tmp_path / "nothing.ipynb")
    (tmp_path / "broken.ipynb").write_text("{")
    with pytest.raises(GradingInputError, match="broken.ipynb: not a valid notebook"):
        Assignment.load(tmp_path / "broken.ipynb")


def test_a_release_carries_the_metadata_the_kernel_reports():
    """JupyterLab rewrites kernelspec and language_info with the kernel's once it is up,
    and marks the notebook modified where they differ (tests/e2e/test_workshop.py opens a
    release): a release carries what ipykernel reports, the Python version aside, which
    is the reference Python that Binder pins (binder/runtime.txt)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import start_new_kernel

    from micrograd_nb.grading.assign import KERNELSPEC, LANGUAGE_INFO, REFERENCE_PYTHON

    spec = KernelSpecManager().get_kernel_spec(KERNELSPEC["name"])
    assert KERNELSPEC == {"name": "python3", "display_name": spec.display_name,
                          "language": spec.language}
    manager, client = start_new_kernel(kernel_name=KERNELSPEC["name"])
    try:
        reply = client.kernel_info(reply=True, timeout=120)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    reported = dict(reply["content"]["language_info"])
    assert {k: v for k, v in reported.items() if k != "version"} == {
        k: v for k, v in LANGUAGE_INFO.items() if k != "version"}
    runtime = (RELEASES.parents[1] / "binder" / "runtime.txt").read_text().strip()
    assert REFERENCE_PYTHON.startswith(runtime.removeprefix("python-") + ".")
    for name in NAMES:
        metadata = json.loads((RELEASES / f"{name}.ipynb").read_text())["metadata"]
        assert metadata["kernelspec"] == KERNELSPEC
        assert metadata["language_info"] == LANGUAGE_INFO
