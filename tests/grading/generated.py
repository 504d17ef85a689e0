"""A generated assignment of any number of questions, for the tests and the benchmark
of grading time against the question count."""

import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from micrograd_nb.grading.assign import release_text
from micrograd_nb.grading.notebooks import Assignment, nbgrader_metadata

DIES = "import os\nos._exit(1)\n"


def _cell(source, grade_id=None, **flags):
    cell = new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "schema_version": 3, "task": False,
                                     "solution": False, "grade": False, "locked": False,
                                     **flags}
    return cell


def write_assignment(folder, questions, work=20_000):
    """A source notebook of ``questions`` questions in ``folder``; each hidden test
    does ``work`` steps of the student's function (the costly part of a test cell)."""
    cells = [_cell("import numpy as np", "setup", locked=True)]
    for k in range(1, questions + 1):
        cells.append(_cell(f"def f{k}(x):\n    ### BEGIN SOLUTION\n    return x * {k}\n"
                           "    ### END SOLUTION\n", f"q{k}_answer", solution=True))
        cells.append(_cell(
            f"assert f{k}(1.0) is not None\n### BEGIN HIDDEN TESTS\n"
            "from micrograd_nb.grading import check, grading_rng\n"
            f"work = sum(f{k}(float(i)) for i in range({work}))\n"
            f"check(f{k}(grading_rng().normal(size=3)))\n### END HIDDEN TESTS",
            f"q{k}_test", grade=True, locked=True, points=1))
    path = Path(folder) / f"generated_{questions}.ipynb"
    path.write_text(nbformat.writes(new_notebook(cells=cells)))
    return path


def write_submission(source, path, dying=()):
    """The release of ``source`` with the solution's answers, except the questions
    numbered in ``dying``, whose answer kills the kernel."""
    assignment = Assignment.load(source)
    answers = assignment.solutions()
    notebook = json.loads(release_text(assignment))
    for cell in notebook["cells"]:
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if grade_id in answers:
            number = int(grade_id[1:].split("_")[0])
            cell["source"] = DIES if number in dying else answers[grade_id]
    Path(path).write_text(json.dumps(notebook))
    return Path(path)
