"""``micrograd-nb assign`` and ``micrograd-nb grade`` as an instructor runs them."""

import csv
import json
import shutil
import subprocess
import sys

import pytest

from micrograd_nb.grading.notebooks import Assignment, GradingInputError, read_answers

from .submissions import RELEASES, ROOT, source_path


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "micrograd_nb.cli", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_help_lists_the_commands():
    done = cli("--help")
    assert done.returncode == 0
    assert "assign" in done.stdout and "grade" in done.stdout


def test_assign_writes_the_release(tmp_path):
    done = cli("assign", source_path("01_scalar_outputs"), "--out", tmp_path)
    assert done.returncode == 0
    written = tmp_path / "01_scalar_outputs.ipynb"
    assert written.read_text() == (RELEASES / "01_scalar_outputs.ipynb").read_text()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    shutil.copy(source_path("01_scalar_outputs"), folder / "reference.ipynb")
    shutil.copy(RELEASES / "01_scalar_outputs.ipynb", folder / "blank.ipynb")
    shutil.copy(RELEASES / "02_gradient_argument.ipynb", folder / "other.ipynb")
    (folder / "notes.ipynb").write_text("my homework, see attached")
    (folder / "truncated.ipynb").write_text((RELEASES / "01_scalar_outputs.ipynb").read_text()[:99])
    (folder / "list.ipynb").write_text("[1, 2, 3]")
    names = ["reference", "notes", "blank", "truncated", "other", "list"]
    done = cli("grade", *[folder / f"{n}.ipynb" for n in names],
               "--assignment", source_path("01_scalar_outputs"), "--jobs", 2, "--timeout", 5,
               "--json", folder / "out" / "results.json", "--csv", folder / "results.csv")
    results = json.loads((folder / "out" / "results.json").read_text())["submissions"]
    return done, dict(zip(names, results)), folder


def test_every_good_submission_is_graded_and_bad_input_is_named(batch):
    done, results, _ = batch
    assert done.returncode == 1  # some submissions could not be graded
    assert results["reference"]["score"] == results["reference"]["max_score"] == 10
    assert results["blank"]["score"] == 0 and "error" not in results["blank"]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 4
    for name, reason in (("notes", "corrupt JSON"), ("truncated", "corrupt JSON"),
                         ("other", "not a notebook of assignment"),
                         ("list", "not a notebook")):
        assert reason in results[name]["error"]
        assert any(f"{name}.ipynb: " in line and reason in line for line in errors)


def test_the_json_has_the_documented_shape(batch):
    _, results, _ = batch
    for entry in results.values():
        assert {"path", "score", "max_score", "questions"} <= set(entry)
    questions = results["blank"]["questions"]
    assert [q["grade_id"] for q in questions] == [f"ex1_q{i}_test" for i in range(1, 6)]
    for q in questions:
        assert set(q) == {"grade_id", "score", "max_score", "status", "message"}
        assert q["status"] in ("passed", "failed", "error", "timeout", "missing")


def test_the_csv_has_a_row_per_submission(batch):
    _, _, folder = batch
    rows = list(csv.DictReader((folder / "results.csv").open()))
    assert len(rows) == 6
    assert rows[0]["score"] == "10" and rows[0]["ex1_q3_test"] == "3"
    assert rows[1]["error"]


def test_a_table_per_submission_and_no_progress_bar_off_a_terminal(batch):
    done, _, _ = batch
    assert "reference.ipynb: 10 / 10" in done.stdout
    assert "blank.ipynb: 0 / 10" in done.stdout
    assert "%|" not in done.stderr


def test_default_assignment_and_gradescope_results(tmp_path):
    submission = tmp_path / "02_gradient_argument.ipynb"
    shutil.copy(RELEASES / "02_gradient_argument.ipynb", submission)
    done = cli("grade", submission, "--gradescope", tmp_path / "results.json", "--timeout", 5)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "results.json").read_text())
    assert report["score"] == 0 and len(report["tests"]) == 4
    for test in report["tests"]:
        assert test["status"] == "failed" and test["max_score"] > 0
        assert {"name", "score", "max_score", "output"} <= set(test)


def test_a_missing_source_is_named(tmp_path):
    submission = tmp_path / "unknown.ipynb"
    shutil.copy(RELEASES / "01_scalar_outputs.ipynb", submission)
    done = cli("grade", submission)
    assert done.returncode == 1
    assert "exercises/source/unknown.ipynb: no such assignment" in done.stderr


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--timeout", "-1"],
                                  ["--gradescope", "out.json", "second.ipynb"]])
def test_usage_errors(args):
    assert cli("grade", "first.ipynb", *args).returncode == 2


def test_same_ids_but_other_content_is_another_assignment(tmp_path):
    assignment = Assignment.load(source_path("01_scalar_outputs"))
    notebook = json.loads((RELEASES / "01_scalar_outputs.ipynb").read_text())
    for cell in notebook["cells"]:
        cell["source"] = "print('another course')"
        cell["metadata"].get("nbgrader", {}).pop("checksum", None)
    path = tmp_path / "other.ipynb"
    path.write_text(json.dumps(notebook))
    with pytest.raises(GradingInputError, match="other.ipynb: a notebook of another"):
        read_answers(path, assignment)
