"""One submission never costs another its grade, the instructor sees the truth, and a
fault of the instructor's (a failing solution, the grader erring) is never a student's
0: items of text a submission controls (huge numbers, lone surrogates, escape
sequences, bidirectional overrides, file names that are not UTF-8 or look like
formulas) reach every output harmlessly."""

import csv
import json
import os
import subprocess
import sys
import unicodedata

import pytest

from micrograd_nb.grading import grader as grader_module
from micrograd_nb.grading.batch import grade_batch
from micrograd_nb.grading.results import (
    STUDENT_GRADING_FAILED,
    SubmissionResult,
    gradescope_report,
)
from micrograd_nb.grading.text import clean, path_text, spreadsheet_cell

from .cheats import wrong
from .submissions import ROOT, fill, solutions, source_path

NAME = "01_scalar_outputs"
FORGED = ("import micrograd_nb.grading.checks as c\n"
          "c.encode = lambda value, depth=0: {'kind': 'array', 'shape': [], "
          "'data': [10 ** 400]}\n"
          "predicted_grad = [4.0, -8.0, 2.0]\n")
FAKE_PASS = "\x1b[2K\r\x1b[1A8 / 8 all passed\u202e"
HOSTILE_ANSWERS = {
    "huge integer report": {"ex1_q1_answer": FORGED},
    "lone surrogate in the answer": {"ex1_q1_answer": "predicted_grad = '\ud800'\n"},
    "surrogate and escapes in an error": {
        "ex1_q1_answer": f"raise ValueError(chr(0xd800) + chr(0xdcff) + {FAKE_PASS!r})\n"},
    "escapes in an error": {"ex1_q2_answer": f"raise RuntimeError({FAKE_PASS!r})\n"},
}
UNSAFE_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}
BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def _is_unsafe(ch):
    return unicodedata.category(ch) in UNSAFE_CATEGORIES or ord(ch) in BIDI_CONTROLS


def test_clean_leaves_no_unsafe_character_of_any_code_point():
    every = "".join(map(chr, range(0x110000)))
    cleaned = clean(every)
    cleaned.encode("utf-8")  # no lone surrogate left
    assert not [c for c in cleaned if _is_unsafe(c)]
    assert clean("plain text, é, 漢字") == "plain text, é, 漢字"


def test_file_names_of_any_bytes_become_text():
    text = path_text(b"/tmp/\xff\xfe\x1b[31m.ipynb")
    text.encode("utf-8")
    assert "\x1b" not in text and "\\xff" in text
    path_text("/tmp/\ud800.ipynb").encode("utf-8")  # not from a file system, still text


@pytest.mark.parametrize("start", list("=+-@\t\r\n") + ["\uff1d", "\uff0b"])
def test_formula_like_cells_are_escaped(start):
    cell = spreadsheet_cell(f'{start}HYPERLINK("http://evil","x")')
    # a visible start gets OWASP's apostrophe; a control character is escaped first
    assert cell.startswith("'" if start.isprintable() else "\\x")
    assert spreadsheet_cell("alice") == "alice" and spreadsheet_cell(8) == 8


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    """One CLI batch: an honest classmate among every hostile submission."""
    folder = tmp_path_factory.mktemp("hostile")
    names = []
    for i, answers in enumerate(HOSTILE_ANSWERS.values()):
        names.append(fill(NAME, answers, folder / f"hostile{i}.ipynb").name)
    formula = '=HYPERLINK("evil.example","8 of 8").ipynb'
    fill(NAME, {}, folder / formula)
    names.append(formula)
    undecodable = os.fsencode(folder) + b"/\xff\xfe\x1b[1m.ipynb"
    fill(NAME, {}, os.fsdecode(undecodable))
    honest = fill(NAME, solutions(NAME), folder / "honest.ipynb").name
    args = [sys.executable, "-m", "micrograd_nb.cli", "grade", *names,
            os.path.basename(undecodable), honest, "--assignment", str(source_path(NAME)),
            "--jobs", "2", "--timeout", "10", "--json", "out.json", "--csv", "out.csv"]
    done = subprocess.run(args, cwd=folder, capture_output=True, timeout=600,
                          env={**os.environ, "PYTHONIOENCODING": "ascii"})
    return done, folder


def test_every_submission_gets_a_result_and_the_honest_one_its_grade(hostile_batch):
    done, folder = hostile_batch
    results = json.loads((folder / "out.json").read_text())["submissions"]
    assert len(results) == len(HOSTILE_ANSWERS) + 3
    honest = results[-1]
    assert honest["score"] == 10 and "error" not in honest
    for result in results[:-1]:
        assert result["score"] == 0, result
    assert done.returncode == 0, done.stderr  # every one was graded (a 0 is graded)


def test_no_output_carries_an_unsafe_character(hostile_batch):
    done, folder = hostile_batch
    for text in (done.stdout.decode("ascii"), done.stderr.decode("ascii"),
                 (folder / "out.json").read_text(encoding="utf-8"),
                 (folder / "out.csv").read_text(encoding="utf-8")):
        assert not [c for c in text if _is_unsafe(c) and c not in "\n\r"]
        assert "8 / 8 all passed" not in text.replace("\\x1b[2K\\r\\x1b[1A", "")
    table = done.stdout.decode("ascii")
    assert table.count(": 0 / 10") == len(HOSTILE_ANSWERS) + 2
    assert "honest.ipynb: 10 / 10" in table


def test_no_csv_cell_is_a_formula(hostile_batch):
    _, folder = hostile_batch
    rows = list(csv.reader((folder / "out.csv").open(encoding="utf-8")))
    for row in rows:
        for cell in row:
            assert not cell.startswith(tuple("=+-@\t\r")), cell
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)


def test_a_failing_solution_is_the_instructors_fault_never_a_students_0(tmp_path):
    source = json.loads(source_path(NAME).read_text())
    for cell in source["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "ex1_q3_answer":
            cell["source"] = ("def softplus_backward(x, grad_output):\n"
                              "    ### BEGIN SOLUTION\n    raise KeyError('instructor bug')\n"
                              "    ### END SOLUTION\n")
    broken = tmp_path / f"{NAME}.ipynb"
    broken.write_text(json.dumps(source))
    submission = fill(NAME, solutions(NAME), tmp_path / "student.ipynb")
    done = subprocess.run(
        [sys.executable, "-m", "micrograd_nb.cli", "grade", str(submission), "--assignment",
         str(broken), "--timeout", "10", "--gradescope", str(tmp_path / "results.json"),
         "--json", str(tmp_path / "out.json")], cwd=ROOT, capture_output=True, text=True,
        timeout=600)
    assert done.returncode == 1
    assert "the solution fails ex1_q3_test" in done.stderr and "KeyError" in done.stderr
    [entry] = json.loads((tmp_path / "out.json").read_text())["submissions"]
    assert entry["fault"] == "instructor" and entry["questions"] == []
    report = json.loads((tmp_path / "results.json").read_text())
    assert "score" not in report and report["tests"] == []
    assert report["output"] == STUDENT_GRADING_FAILED
    assert "KeyError" not in json.dumps(report)


def test_the_grader_erring_on_one_submission_keeps_the_others(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = grader_module.differences

    def fails_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ZeroDivisionError("a bug of the grader's")
        return real(*args, **kwargs)

    monkeypatch.setattr(grader_module, "differences", fails_once)
    paths = [fill(NAME, solutions(NAME), tmp_path / f"s{i}.ipynb") for i in range(2)]
    paths.append(fill(NAME, wrong.ALL, tmp_path / "wrong.ipynb"))
    results = grade_batch(paths, source_path(NAME), jobs=1, timeout=10,
                          warn=lambda line: None)
    first, second, wrong_one = results  # jobs=1: graded in this order
    assert first.fault == "instructor" and first.questions == []
    assert "the grader failed (ZeroDivisionError" in first.error
    assert (second.error, second.score) == (None, 10)
    assert (wrong_one.error, wrong_one.score) == (None, 0)


def test_gradescope_tells_the_student_only_safe_things():
    instructor = SubmissionResult("s.ipynb", "a.ipynb", 8.0,
                                  error="Traceback: /srv/secret/solution.py", fault="instructor")
    report = gradescope_report(instructor)
    assert "secret" not in json.dumps(report) and "score" not in report
    student = SubmissionResult("s.ipynb", "a.ipynb", 8.0, error="s.ipynb: not a notebook")
    assert gradescope_report(student)["score"] == 0
