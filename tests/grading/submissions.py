"""Build submissions for the tests: a release notebook with some answer cells filled."""

import json
from pathlib import Path

from micrograd_nb.grading.notebooks import Assignment, nbgrader_metadata

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "exercises" / "source"
RELEASES = ROOT / "exercises" / "release"
NAMES = tuple(sorted(p.stem for p in SOURCES.glob("[0-9][0-9]_*.ipynb")))


def source_path(name):
    return SOURCES / f"{name}.ipynb"


def solutions(name):
    """{answer grade_id: the reference solution's code}."""
    return Assignment.load(source_path(name)).solutions()


def points(name):
    return {q.grade_id: q.points for q in Assignment.load(source_path(name)).questions}


def fill(name, answers, path, edit=None):
    """Write the release notebook of ``name`` to ``path`` with ``answers``
    ({grade_id: code}) in its answer cells; ``edit(notebook_dict)`` may change it further."""
    notebook = json.loads((RELEASES / f"{name}.ipynb").read_text())
    for cell in notebook["cells"]:
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    if edit:
        edit(notebook)
    Path(path).write_text(json.dumps(notebook))
    return Path(path)
