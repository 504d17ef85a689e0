"""``micrograd-nb gradescope`` end to end: the zip unpacked as Gradescope does (into
an /autograder-shaped folder, moved by MICROGRAD_NB_AUTOGRADER_ROOT), run_autograder
run on one upload, results.json checked against Gradescope's documented format
(gradescope-autograders.readthedocs.io, "Autograder Specifications")."""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from micrograd_nb.grading.results import STUDENT_GRADING_FAILED

from .cheats import wrong
from .submissions import ROOT, fill, solutions, source_path

NAME = "01_scalar_outputs"
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
TOP_LEVEL = {"score": (int, float), "execution_time": (int,), "output": (str,),
             "output_format": (str,), "test_output_format": (str,),
             "test_name_format": (str,), "visibility": (str,), "stdout_visibility": (str,),
             "extra_data": (dict,), "tests": (list,), "leaderboard": (list,)}
PER_TEST = {"score": (int, float), "max_score": (int, float), "status": (str,),
            "name": (str,), "name_format": (str,), "number": (str,), "output": (str,),
            "output_format": (str,), "tags": (list,), "visibility": (str,),
            "extra_data": (dict,)}


def spec_problems(report):
    """What in ``report`` breaks Gradescope's results.json format (an empty list if
    nothing): known keys of the documented types, visibilities and formats from the
    documented sets, a score at the top or on every test, statuses passed/failed."""
    problems = []

    def check_fields(obj, fields, where):
        for key, value in obj.items():
            if key not in fields:
                problems.append(f"{where}: unknown key {key!r}")
            elif isinstance(value, bool) or not isinstance(value, fields[key]):
                problems.append(f"{where}: {key} is a {type(value).__name__}")
        for key in ("visibility", "stdout_visibility"):
            if key in obj and obj[key] not in VISIBILITIES:
                problems.append(f"{where}: {key} {obj[key]!r}")
        for key in ("output_format", "test_output_format", "test_name_format", "name_format"):
            if key in obj and obj[key] not in FORMATS:
                problems.append(f"{where}: {key} {obj[key]!r}")

    if not isinstance(report, dict):
        return ["not an object"]
    check_fields(report, TOP_LEVEL, "results")
    tests = report.get("tests", [])
    for i, test in enumerate(tests if isinstance(tests, list) else []):
        if not isinstance(test, dict):
            problems.append(f"test {i}: not an object")
            continue
        check_fields(test, PER_TEST, f"test {i}")
        if "status" in test and test["status"] not in ("passed", "failed"):
            problems.append(f"test {i}: status {test['status']!r}")
    if "score" not in report and not all("score" in t for t in tests):
        problems.append("no score at the top and not on every test")
    return problems


def test_the_spec_check_can_fail():
    assert spec_problems({"score": 1, "tests": [{"status": "ok"}]})
    assert spec_problems({"tests": [{"name": "q"}]})
    assert spec_problems({"score": "8", "visibility": "public"})
    assert spec_problems({"score": 8, "execution_time": 1.5, "extra": 1})
    assert spec_problems({"score": 8, "tests": []}) == []


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gradescope")
    done = subprocess.run([sys.executable, "-m", "micrograd_nb.cli", "gradescope",
                           str(source_path(NAME)), "-o", str(folder / "autograder.zip"),
                           "--timeout", "10"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return folder / "autograder.zip"


def run_autograder(zip_path, root, uploads, source_text=None):
    """Unpack as Gradescope does, put ``uploads`` ({relative path: bytes}) in the
    submission folder, run run_autograder; (results.json, the run's stdout)."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    if source_text is not None:
        (root / "source" / f"{NAME}.ipynb").write_text(source_text)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    for name, data in uploads.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_bytes(data)
    env = {**os.environ, "MICROGRAD_NB_AUTOGRADER_ROOT": str(root),
           "MICROGRAD_NB_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    return json.loads((root / "results" / "results.json").read_text()), done.stdout


def _notebook_bytes(tmp_path, answers):
    return fill(NAME, answers, tmp_path / "filled.ipynb").read_bytes()


def test_the_zip_holds_what_gradescope_needs(autograder):
    with zipfile.ZipFile(autograder) as archive:
        names = set(archive.namelist())
        setup = archive.read("setup.sh").decode()
    assert names == {"setup.sh", "run_autograder", f"{NAME}.ipynb"}
    from importlib.metadata import version
    assert f"micrograd_nb[grading]=={version('micrograd_nb')}" in setup
    assert "apt-get install" in setup and "python3 -m venv" in setup


def test_one_upload_whatever_its_name_gets_a_test_per_question(autograder, tmp_path):
    upload = _notebook_bytes(tmp_path, {**solutions(NAME), "ex1_q2_answer": wrong.Q2})
    report, _ = run_autograder(autograder, tmp_path / "autograder",
                               {"My Homework (final) v2.ipynb": upload})
    assert spec_problems(report) == []
    assert report["score"] == 8
    assert [t["name"] for t in report["tests"]] == [f"ex1_q{i}_test" for i in range(1, 6)]
    assert [t["status"] for t in report["tests"]] == ["passed", "failed", "passed", "passed",
                                                      "passed"]
    assert all(t["visibility"] == "visible" for t in report["tests"])
    assert report["stdout_visibility"] == "hidden" and report["execution_time"] >= 0


def test_no_notebook_or_several_tell_the_student(autograder, tmp_path):
    for uploads in ({"notes.txt": b"hi"}, {"a.ipynb": b"{}", "b/c.ipynb": b"{}"}):
        root = tmp_path / str(len(uploads))
        report, _ = run_autograder(autograder, root, uploads)
        assert spec_problems(report) == []
        assert "upload exactly one notebook" in report["output"]


def test_a_broken_solution_tells_the_student_grading_failed(autograder, tmp_path):
    source = json.loads(source_path(NAME).read_text())
    for cell in source["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "ex1_q1_answer":
            cell["source"] = "### BEGIN SOLUTION\nraise OSError('/srv/course/key')\n" \
                             "### END SOLUTION\n"
    upload = _notebook_bytes(tmp_path, solutions(NAME))
    report, stdout = run_autograder(autograder, tmp_path / "autograder",
                                    {"hw.ipynb": upload}, json.dumps(source))
    assert spec_problems(report) == []
    assert report["output"] == STUDENT_GRADING_FAILED and "score" not in report
    assert "/srv/course/key" not in json.dumps(report)
    assert "/srv/course/key" in stdout  # for the instructor, in the hidden stdout


def test_when_the_grader_cannot_run_the_student_is_still_told(autograder, tmp_path):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    env = {**os.environ, "MICROGRAD_NB_AUTOGRADER_ROOT": str(root),
           "MICROGRAD_NB_PYTHON": "/nonexistent/python"}
    subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True,
                   timeout=60, check=True)
    report = json.loads((root / "results" / "results.json").read_text())
    assert spec_problems(report) == [] and report["output"] == STUDENT_GRADING_FAILED
