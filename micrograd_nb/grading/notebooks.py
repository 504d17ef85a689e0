"""Assignments in nbgrader's format, and the answer cells of a submission.

An assignment is a source notebook whose cells carry nbgrader's metadata
(``metadata.nbgrader``: ``grade_id``, ``solution``, ``grade``, ``locked``, ``points``,
``schema_version: 3``). It is cut into questions: each autograder test cell (``grade``,
not ``solution``) closes one question, made of the code cells since the previous test
cell. From a submission only the answer cells (``solution``) are taken, matched by
``grade_id``; every other cell comes from the source, so deleting, reordering or
re-tagging cells, or editing locked ones, changes nothing.
"""

import ast
import errno
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
MAX_SUBMISSION_BYTES = 16 * 1024 * 1024
_GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


class GradingInputError(Exception):
    """A file that cannot be used; the message is one line that names the file."""


@dataclass(frozen=True)
class Cell:
    """A code cell of the source: ``role`` is answer, test or given (locked or plain)."""

    role: str
    grade_id: str | None
    source: str


@dataclass(frozen=True)
class Question:
    """An autograder test cell and the code cells that lead to it."""

    grade_id: str
    points: float
    cells: tuple[Cell, ...]  # in notebook order; the last one is the test cell

    @property
    def answer_ids(self):
        return tuple(c.grade_id for c in self.cells if c.role == "answer")


class Assignment:
    """A validated source notebook and its questions."""

    def __init__(self, path, text, cells, questions):
        self.path = Path(path)
        self.name = self.path.stem
        self.text = text  # the file as read, before any student code ran
        self.cells = cells  # {"cell_type", "source", "metadata"}, sources joined
        self.questions = questions
        self.answer_ids = {i for q in questions for i in q.answer_ids}

    @property
    def max_score(self):
        return sum(q.points for q in self.questions)

    @classmethod
    def load(cls, path):
        """Read and check a source notebook. Plain JSON: nbformat (and the schema
        validation it imports, over a second) is for ``assign``, not for grading."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise GradingInputError(f"{path}: cannot read the assignment ({e.strerror})") from e
        try:
            cells = notebook_cells(json.loads(text))
        except (ValueError, RecursionError) as e:
            raise GradingInputError(f"{path}: not a valid notebook ({_first_line(e)})") from e
        try:
            questions = _questions(cells)
        except ValueError as e:
            raise GradingInputError(f"{path}: {e}") from e
        return cls(path, text, cells, questions)

    def released_locked_cells(self):
        """{grade_id: (source, nbgrader checksum)} of the given and test code cells as
        the release shows them."""
        released = {}
        for cell in self.cells:
            meta = nbgrader_metadata(cell)
            if cell["cell_type"] == "code" and meta and not meta.get("solution"):
                source = cut_region(cell["source"], BEGIN_HIDDEN, END_HIDDEN)
                released[meta["grade_id"]] = (source, nbgrader_checksum(source, "code", meta))
        return released

    def solutions(self):
        """The source's own answer cells, by grade_id: what the solution run executes."""
        return {c.grade_id: c.source for q in self.questions for c in q.cells
                if c.role == "answer"}


def notebook_cells(notebook):
    """The cells of a version-4 notebook (parsed JSON), sources joined into strings.
    Raises ValueError for anything else."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError("no list of cells")
    if notebook.get("nbformat") != 4:
        raise ValueError("not nbformat 4")
    cells = []
    for cell in notebook["cells"]:
        source = cell.get("source") if isinstance(cell, dict) else None
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str) or cell.get("cell_type") not in ("code", "markdown",
                                                                         "raw"):
            raise ValueError("a cell without a type or a source")
        metadata = cell.get("metadata")
        cells.append({"cell_type": cell["cell_type"], "source": source,
                      "metadata": metadata if isinstance(metadata, dict) else {}})
    return cells


def nbgrader_metadata(cell):
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbgrader if isinstance(nbgrader, dict) else {}


def _questions(cells):
    questions, pending, seen = [], [], set()
    for index, cell in enumerate(cells):
        meta = nbgrader_metadata(cell)
        role = _role(cell, meta, index)
        grade_id = meta.get("grade_id")
        if grade_id is not None:
            if grade_id in seen:
                raise ValueError(f"grade_id {grade_id!r} is used twice")
            seen.add(grade_id)
        if cell["cell_type"] != "code":
            continue
        if role == "answer":
            _check_markers(cell["source"], BEGIN_SOLUTION, END_SOLUTION, grade_id)
        pending.append(Cell(role, grade_id, cell["source"]))
        if role == "test":
            _check_test_cell(cell["source"], grade_id)
            questions.append(Question(grade_id, float(meta["points"]), tuple(pending)))
            pending = []
    stray = [c.grade_id for c in pending if c.role == "answer"]
    if stray:
        raise ValueError(f"answer cell {stray[0]!r} is not followed by an autograder test cell")
    if not questions:
        raise ValueError("no autograder test cell (nbgrader grade=true, solution=false)")
    return questions


def _role(cell, meta, index):
    if not meta:
        return "given"
    where = f"cell {index} ({meta.get('grade_id', 'no grade_id')})"
    grade_id = meta.get("grade_id")
    if not isinstance(grade_id, str) or not _GRADE_ID.match(grade_id):
        raise ValueError(f"{where}: nbgrader metadata needs a grade_id of letters, digits, _ or -")
    if meta.get("schema_version") != 3:
        raise ValueError(f"{where}: nbgrader schema_version must be 3")
    if meta.get("task"):
        raise ValueError(f"{where}: manually graded tasks are not supported")
    solution, grade = bool(meta.get("solution")), bool(meta.get("grade"))
    if solution and grade:
        raise ValueError(f"{where}: manually graded answers are not supported")
    if grade:
        points = meta.get("points")
        if cell["cell_type"] != "code" or not isinstance(points, (int, float)) or points < 0:
            raise ValueError(f"{where}: an autograder test is a code cell with points >= 0")
        return "test"
    return "answer" if solution else "given"


def _check_markers(source, begin, end, grade_id):
    depth = 0
    for line in source.split("\n"):
        if begin in line:
            depth += 1
        elif end in line:
            depth -= 1
        if depth not in (0, 1):
            raise ValueError(f"cell {grade_id!r}: unbalanced '{begin}' / '{end}'")
    if depth:
        raise ValueError(f"cell {grade_id!r}: '{begin}' without '{end}'")


def _check_test_cell(source, grade_id):
    """A test cell must hand values to ``check()``: an assert would run in the
    student's kernel, where its outcome is whatever the student wants."""
    _check_markers(source, BEGIN_HIDDEN, END_HIDDEN, grade_id)
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        raise ValueError(f"test cell {grade_id!r} is not plain Python ({e.msg})") from e
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_check(n.func)]
    if not calls:
        raise ValueError(f"test cell {grade_id!r} never calls check(value): nothing to grade")
    for call in calls:
        for arg in call.args:
            if isinstance(arg, (ast.Compare, ast.BoolOp)) or (
                    isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.Not)):
                raise ValueError(
                    f"test cell {grade_id!r}, line {arg.lineno}: check() a value, not a "
                    "comparison (the student's kernel would compute the comparison)")


def _is_check(func):
    return (isinstance(func, ast.Name) and func.id == "check") or (
        isinstance(func, ast.Attribute) and func.attr == "check")


def read_answers(path, assignment):
    """{grade_id: source} of the submission's answer cells that the assignment has.
    Raises GradingInputError for a file that is not a notebook of this assignment."""
    path = Path(path)
    raw = read_submission(path, assignment.path)
    try:
        notebook = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise GradingInputError(f"{path}: not a notebook (corrupt JSON: {_first_line(e)})") from e
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise GradingInputError(f"{path}: not a notebook (no list of cells)")
    answers, locked = {}, {}
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        grade_id = nbgrader_metadata(cell).get("grade_id")
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(grade_id, str) or not isinstance(source, str):
            continue
        if grade_id in assignment.answer_ids and cell.get("cell_type") == "code":
            answers.setdefault(grade_id, source)
        else:
            locked.setdefault(grade_id, (source, nbgrader_metadata(cell).get("checksum")))
    _check_same_assignment(path, assignment, answers, locked)
    return answers


def read_submission(path, source):
    """The bytes of the submission at ``path``: a regular file, opened without
    following a symbolic link and without blocking (a FIFO, a device, a link to
    /dev/stdin or to the source notebook is refused, never read), at most
    MAX_SUBMISSION_BYTES, and not the assignment's own source file (a hard link)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise GradingInputError(f"{path}: a symbolic link, not a notebook file (only "
                                    "regular files are graded)") from e
        raise GradingInputError(f"{path}: cannot read the submission ({e.strerror})") from e
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise GradingInputError(f"{path}: not a regular file (only regular files are "
                                    "graded)")
        try:
            source_info = os.stat(source)
        except OSError:
            source_info = None
        if source_info and (info.st_dev, info.st_ino) == (source_info.st_dev,
                                                          source_info.st_ino):
            raise GradingInputError(f"{path}: is the assignment's source notebook itself "
                                    "(to check the solution, grade a copy of it)")
        chunks, size = [], 0
        while size <= MAX_SUBMISSION_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > MAX_SUBMISSION_BYTES:
        raise GradingInputError(f"{path}: larger than {MAX_SUBMISSION_BYTES >> 20} MiB, "
                                "not graded")
    return b"".join(chunks)


def _check_same_assignment(path, assignment, answers, locked):
    """Grade ids alone do not tell assignments apart (nbgrader lets them repeat across
    notebooks): when the submission has locked cells of the same ids, at least one must
    read as in the release, or keep the release's checksum (a cell edited in place)."""
    released = assignment.released_locked_cells()
    shared = [i for i in locked if i in released]
    if not answers and not shared:
        raise GradingInputError(f"{path}: not a notebook of assignment {assignment.name!r} "
                                "(none of its nbgrader cells is there)")
    if shared and not any(locked[i][0].strip() == released[i][0].strip()
                          or locked[i][1] == released[i][1] for i in shared):
        raise GradingInputError(f"{path}: a notebook of another assignment (its locked cells "
                                f"differ from those of {assignment.name!r})")


def nbgrader_checksum(source, cell_type, meta):
    """nbgrader's ``compute_checksum`` of a cell with this source, type and metadata."""
    solution, grade = bool(meta.get("solution")), bool(meta.get("grade"))
    locked = False if solution else (True if grade else bool(meta.get("locked")))
    digest = hashlib.md5(usedforsecurity=False)
    for part in (source, cell_type, str(grade), str(solution), str(locked),
                 meta["grade_id"]):
        digest.update(part.encode("utf-8"))
    if grade:
        digest.update(str(float(meta["points"])).encode("utf-8"))
    return digest.hexdigest()


def cut_region(source, begin, end):
    """``source`` without its lines from ``begin`` to ``end`` (marker lines included)."""
    kept, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
