"""With real nbgrader (from PyPI), both directions: ``nbgrader autograde`` of our
exercises gives no silent marks (every hidden test fails loudly, naming
``micrograd-nb grade``), and ``micrograd-nb grade`` reads nbgrader's course layout,
names students by their nbgrader id and writes ``nbgrader export``'s CSV.

One course, one assignment, two students: nbgrader's own commands take a few seconds
each (bounded; this is the slow part)."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .cheats import wrong
from .submissions import ROOT, fill, solutions, source_path

pytest.importorskip("nbgrader")

NAME = "01_scalar_outputs"
NBGRADER = Path(sys.executable).with_name("nbgrader")


def nbgrader(course, *args):
    env = {**os.environ, "PATH": f"{NBGRADER.parent}:{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(NBGRADER), *args], cwd=course, capture_output=True, text=True,
                          timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course: source/ps1, its release by nbgrader, alice (one answer right, three
    wrong) and bob (all right) submitted, autograded by nbgrader, exported."""
    root = tmp_path_factory.mktemp("course")
    (root / "source" / "ps1").mkdir(parents=True)
    shutil.copy(source_path(NAME), root / "source" / "ps1" / f"{NAME}.ipynb")
    (root / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root}/gradebook.db'\n")
    nbgrader(root, "generate_assignment", "ps1", "--force", "--create")
    right = solutions(NAME)
    for student, answers in (("alice", {**wrong.ALL, "ex1_q1_answer": right["ex1_q1_answer"]}),
                             ("bob", right)):
        folder = root / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        fill(NAME, answers, folder / f"{NAME}.ipynb")
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    nbgrader(root, "autograde", "ps1", "--create", "--force")
    nbgrader(root, "export", "--to", str(root / "nbgrader-grades.csv"))
    return root


def _rows(path):
    return {row["student_id"]: row for row in csv.DictReader(path.open())}


def test_nbgrader_releases_what_assign_writes(course):
    released = (course / "release" / "ps1" / f"{NAME}.ipynb").read_text()
    assert json.loads(released) == json.loads(
        (ROOT / "exercises" / "release" / f"{NAME}.ipynb").read_text())


def test_nbgrader_autograde_gives_no_silent_marks(course):
    rows = _rows(course / "nbgrader-grades.csv")
    # check() cannot compare there: every hidden test fails, right or wrong
    assert float(rows["alice"]["score"]) == float(rows["bob"]["score"]) == 0.0
    for student in ("alice", "bob"):
        graded = json.loads(
            (course / "autograded" / student / "ps1" / f"{NAME}.ipynb").read_text())
        errors = {c["metadata"]["nbgrader"]["grade_id"]: o for c in graded["cells"]
                  for o in c.get("outputs", []) if o.get("output_type") == "error"
                  and c["metadata"].get("nbgrader", {}).get("grade")}
        assert len(errors) == 5  # every test cell failed
        for error in errors.values():
            # a wrong answer may fail a public assert first; otherwise check() says why
            if student == "bob" or error["ename"] != "AssertionError":
                assert error["ename"] == "NotGradedHere"
                assert "micrograd-nb grade" in error["evalue"]


@pytest.fixture(scope="module")
def graded(course):
    submissions = sorted(str(p) for p in (course / "submitted").glob(f"*/ps1/{NAME}.ipynb"))
    done = subprocess.run(
        [sys.executable, "-m", "micrograd_nb.cli", "grade", *submissions, "--timeout", "10",
         "--json", str(course / "ours.json"), "--csv", str(course / "ours.csv"),
         "--nbgrader-csv", str(course / "ours-nbgrader.csv")],
        cwd=course, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done


def test_grade_reads_the_course_layout_and_names_students(course, graded):
    results = json.loads((course / "ours.json").read_text())["submissions"]
    assert {r["student"]: r["score"] for r in results} == {"alice": 1, "bob": 10}
    assert all(r["assignment"].endswith(f"source/ps1/{NAME}.ipynb") for r in results)
    assert "(alice)" in graded.stdout
    assert {row["student"] for row in csv.DictReader((course / "ours.csv").open())} == {
        "alice", "bob"}


def test_the_nbgrader_csv_has_nbgraders_columns_and_our_grades(course, graded):
    theirs = (course / "nbgrader-grades.csv").read_text().splitlines()[0]
    ours = (course / "ours-nbgrader.csv").read_text().splitlines()[0]
    assert ours == theirs
    rows = _rows(course / "ours-nbgrader.csv")
    assert {s: (float(r["score"]), float(r["max_score"]), r["assignment"])
            for s, r in rows.items()} == {"alice": (1.0, 10.0, "ps1"), "bob": (10.0, 10.0, "ps1")}
    assert rows["alice"]["timestamp"] == "2026-12-01 10:00:00.000000 UTC"
