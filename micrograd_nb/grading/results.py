"""Grades and the files they are written to: the JSON gradebook, a CSV, Gradescope's
results.json, and the short table printed per submission."""

import csv
import json
from dataclasses import dataclass, field

STATUSES = ("passed", "failed", "error", "timeout", "missing")


@dataclass(frozen=True)
class QuestionResult:
    grade_id: str
    score: float
    max_score: float
    status: str  # one of STATUSES
    message: str = ""


@dataclass
class SubmissionResult:
    path: str
    assignment: str
    max_score: float
    questions: list[QuestionResult] = field(default_factory=list)
    error: str | None = None  # set when the submission could not be graded

    @property
    def score(self):
        return sum(q.score for q in self.questions)

    def as_json(self):
        entry = {"path": self.path, "assignment": self.assignment, "score": _number(self.score),
                 "max_score": _number(self.max_score),
                 "questions": [{"grade_id": q.grade_id, "score": _number(q.score),
                                "max_score": _number(q.max_score), "status": q.status,
                                "message": q.message} for q in self.questions]}
        if self.error:
            entry["error"] = self.error
        return entry


def _number(x):
    return int(x) if float(x).is_integer() else x


def write_json(results, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"submissions": [r.as_json() for r in results]}, f, indent=2)
        f.write("\n")


def write_csv(results, path):
    """One row per submission, one column per question (scores)."""
    grade_ids = list(dict.fromkeys(q.grade_id for r in results for q in r.questions))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "assignment", "score", "max_score", "error", *grade_ids])
        for r in results:
            scores = {q.grade_id: _number(q.score) for q in r.questions}
            writer.writerow([r.path, r.assignment, _number(r.score), _number(r.max_score),
                             r.error or "", *(scores.get(g, "") for g in grade_ids)])


def write_gradescope(result, path):
    """Gradescope's autograder results.json for one submission."""
    tests = [{"name": q.grade_id, "number": str(i), "score": _number(q.score),
              "max_score": _number(q.max_score),
              "status": "passed" if q.status == "passed" else "failed",
              "output": f"{q.status}: {q.message}" if q.message else q.status}
             for i, q in enumerate(result.questions, 1)]
    report = {"score": _number(result.score), "tests": tests}
    if result.error:
        report["output"] = f"This submission could not be graded: {result.error}"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")


def format_table(result):
    if result.error:
        return f"{result.path}: not graded (see the error below)"
    width = max((len(q.grade_id) for q in result.questions), default=0)
    lines = [f"{result.path}: {_number(result.score)} / {_number(result.max_score)}"]
    for q in result.questions:
        score = f"{_number(q.score)} / {_number(q.max_score)}"
        lines.append(f"  {q.grade_id:<{width}}  {score:>9}  {q.status:<7}  {q.message}".rstrip())
    return "\n".join(lines)
