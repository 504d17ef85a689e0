"""Grades and the files they are written to: the JSON gradebook, a CSV, Gradescope's
results.json, and the short table printed per submission.

Every text a submission can influence is made safe (``text.clean``) when a result is
built, so each output shows the same, harmless text; files are written before the
table is printed, and each output is written whatever the text holds.
"""

import csv
import json
from dataclasses import dataclass, field

from .text import clean, path_text, spreadsheet_cell

STATUSES = ("passed", "failed", "error", "timeout", "missing")
# Who must act when a submission is not graded: the student (a file that is not a
# notebook of this assignment) or the instructor (a failing solution, a grader error).
FAULTS = ("submission", "instructor")

STUDENT_GRADING_FAILED = (
    "Your submission could not be graded because of a problem on the course's side, not "
    "in your work. Your instructor has been told and will grade it; there is no need to "
    "submit again.")


@dataclass(frozen=True)
class QuestionResult:
    grade_id: str
    score: float
    max_score: float
    status: str  # one of STATUSES
    message: str = ""

    def __post_init__(self):
        object.__setattr__(self, "grade_id", clean(self.grade_id))
        object.__setattr__(self, "message", clean(self.message))


@dataclass
class SubmissionResult:
    path: str
    assignment: str
    max_score: float
    questions: list[QuestionResult] = field(default_factory=list)
    error: str | None = None  # set when the submission could not be graded
    fault: str | None = None  # one of FAULTS, with an error
    student: str | None = None  # the nbgrader student id, when the layout gives one
    seconds: float = 0.0  # wall time spent grading it
    nbgrader_assignment: str | None = None  # the assignment folder, in nbgrader's layout
    timestamp: str | None = None  # nbgrader's timestamp.txt of the submission, if any

    def __post_init__(self):
        self.path, self.assignment = path_text(self.path), path_text(self.assignment)
        for name in ("student", "nbgrader_assignment", "timestamp"):
            if getattr(self, name) is not None:
                setattr(self, name, clean(getattr(self, name)))
        if self.error:
            self.fail(self.error, self.fault or "submission")

    def fail(self, error, fault):
        """Mark the submission not graded: ``error`` for the instructor, ``fault``
        saying whose problem it is."""
        self.error, self.fault, self.questions = clean(error), fault, []

    @property
    def score(self):
        return sum(q.score for q in self.questions)

    def as_json(self):
        entry = {"path": self.path, "assignment": self.assignment, "score": _number(self.score),
                 "max_score": _number(self.max_score),
                 "questions": [{"grade_id": q.grade_id, "score": _number(q.score),
                                "max_score": _number(q.max_score), "status": q.status,
                                "message": q.message} for q in self.questions]}
        if self.student is not None:
            entry["student"] = self.student
        if self.error:
            entry["error"] = self.error
            entry["fault"] = self.fault
        return entry


def _number(x):
    x = float(x)
    return int(x) if x.is_integer() else x


def write_json(results, path, sandbox=None):
    document = {"submissions": [r.as_json() for r in results]}
    if sandbox:
        document["sandbox"] = sandbox
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2)
        f.write("\n")


def write_csv(results, path):
    """One row per submission, one column per question (scores). Text cells are
    escaped as OWASP advises against CSV injection."""
    grade_ids = list(dict.fromkeys(q.grade_id for r in results for q in r.questions))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "student", "assignment", "score", "max_score", "error",
                         *map(spreadsheet_cell, grade_ids)])
        for r in results:
            scores = {q.grade_id: _number(q.score) for q in r.questions}
            row = [r.path, r.student or "", r.assignment, _number(r.score),
                   _number(r.max_score), r.error or "", *(scores.get(g, "") for g in grade_ids)]
            writer.writerow([spreadsheet_cell(cell) for cell in row])


def gradescope_report(result):
    """Gradescope's autograder results.json for one submission (its documented format:
    a test per question, visibility, execution time). Students see their own grades
    and messages; when the fault is the instructor's they see that grading failed and
    that the instructor was told, never a 0, and the reason goes to stdout, which
    Gradescope shows to instructors only (``stdout_visibility: hidden``)."""
    report = {"execution_time": max(0, round(result.seconds)), "output_format": "text",
              "visibility": "visible", "stdout_visibility": "hidden"}
    if result.error and result.fault == "instructor":
        report.update(output=STUDENT_GRADING_FAILED, tests=[])
        return report
    if result.error:
        report.update(score=0, tests=[], output=f"Your submission could not be graded: "
                                                f"{result.error}")
        return report
    report["score"] = _number(result.score)
    report["tests"] = [
        {"name": q.grade_id, "number": str(i), "score": _number(q.score),
         "max_score": _number(q.max_score), "visibility": "visible",
         "status": "passed" if q.status == "passed" else "failed",
         "output": f"{q.status}: {q.message}" if q.message else q.status}
        for i, q in enumerate(result.questions, 1)]
    return report


def write_gradescope(result, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(gradescope_report(result), f, indent=2)
        f.write("\n")


def format_table(result):
    who = f"{result.path} ({result.student})" if result.student else result.path
    if result.error:
        return f"{who}: not graded (see the error below)"
    width = max((len(q.grade_id) for q in result.questions), default=0)
    lines = [f"{who}: {_number(result.score)} / {_number(result.max_score)}"]
    for q in result.questions:
        score = f"{_number(q.score)} / {_number(q.max_score)}"
        lines.append(f"  {q.grade_id:<{width}}  {score:>9}  {q.status:<7}  {q.message}".rstrip())
    return "\n".join(lines)


NBGRADER_EXPORT_COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name",
                           "first_name", "email", "raw_score", "late_submission_penalty",
                           "score", "max_score")


def write_nbgrader_csv(results, path):
    """The CSV ``nbgrader export`` writes (its columns, one row per student and
    assignment, notebooks summed), for whatever reads nbgrader's grades. A student with
    a notebook not graded gets empty scores, never a silent 0."""
    rows = {}
    for r in results:
        key = (r.nbgrader_assignment, r.student or r.path)
        row = rows.setdefault(key, {"assignment": key[0], "duedate": "",
                                    "timestamp": r.timestamp or "", "student_id": key[1],
                                    "last_name": "", "first_name": "", "email": "",
                                    "raw_score": 0.0, "late_submission_penalty": 0.0,
                                    "score": 0.0, "max_score": 0.0})
        row["max_score"] += r.max_score
        if r.error or row["score"] == "":
            row["raw_score"] = row["score"] = ""
        else:
            row["raw_score"] += r.score
            row["score"] += r.score
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, NBGRADER_EXPORT_COLUMNS)
        writer.writeheader()
        for key in sorted(rows):
            writer.writerow({k: spreadsheet_cell(v) for k, v in rows[key].items()})
