"""Where submissions and their sources are: nbgrader's course layout, Gradescope's
submission folder, or plain files next to ``exercises/source/``.

nbgrader keeps ``<course>/source/<assignment>/<notebook>.ipynb`` and
``<course>/submitted/<student>/<assignment>/<notebook>.ipynb``; a submission in that
layout is named by its student id, and its source is found in the same course. Files
of an upload are looked at without following links: a link (or a folder link) that
leads out of the student's own folder is refused.
"""

import os
import stat
from pathlib import Path

from .notebooks import GradingInputError

DEFAULT_SOURCE_FOLDER = Path("exercises") / "source"
SUBMITTED = "submitted"


def nbgrader_place(submission):
    """(course folder, student id, assignment name) when ``submission`` lies at
    ``<course>/submitted/<student>/<assignment>/<file>``, else None."""
    parts = Path(os.path.abspath(submission)).parts
    if len(parts) >= 5 and parts[-4] == SUBMITTED:
        return Path(*parts[:-4]), parts[-3], parts[-2]
    return None


def default_assignment(submission):
    """The source notebook of a submission: in an nbgrader course, the notebook of the
    same name in ``source/<assignment>/``; otherwise the one in exercises/source/."""
    place = nbgrader_place(submission)
    if place:
        course, _, assignment = place
        return course / "source" / assignment / Path(submission).name
    return DEFAULT_SOURCE_FOLDER / Path(submission).name


def identity(submission, source):
    """What names a submission in the results: its nbgrader student id, assignment
    and submission time when it lies in nbgrader's layout."""
    place = nbgrader_place(submission)
    if not place:
        return {"student": None, "nbgrader_assignment": Path(source).stem, "timestamp": None}
    course, student, assignment = place
    try:
        with open(Path(submission).parent / "timestamp.txt", "rb") as f:
            timestamp = f.read(100).decode("utf-8", errors="replace").strip()
    except OSError:
        timestamp = None
    return {"student": student, "nbgrader_assignment": assignment, "timestamp": timestamp}


def check_inside_student_folder(submission):
    """In nbgrader's layout, refuse a submission whose real path leaves
    ``submitted/<student>/`` (a folder link to the instructor's files)."""
    place = nbgrader_place(submission)
    if not place:
        return
    course, student, _ = place
    folder = os.path.realpath(course / SUBMITTED / student)
    real = os.path.realpath(submission)
    if not real.startswith(folder.rstrip("/") + "/"):
        raise GradingInputError(f"{submission}: leads out of the student's folder "
                                f"{SUBMITTED}/{student}/ (a link), not graded")


def only_notebook(folder):
    """The one notebook uploaded to ``folder`` (Gradescope's submission folder),
    whatever its name: regular ``.ipynb`` files found without following links,
    Jupyter's checkpoints left out. Raises GradingInputError unless there is exactly
    one."""
    found = []
    for parent, folders, files in os.walk(folder, followlinks=False):
        folders[:] = sorted(f for f in folders if not f.startswith(".")
                            and f != "__MACOSX")
        for name in sorted(files):
            path = os.path.join(parent, name)
            if name.endswith(".ipynb") and not name.startswith(".") and stat.S_ISREG(
                    os.lstat(path).st_mode):
                found.append(Path(path))
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        raise GradingInputError(f"upload exactly one notebook (.ipynb); found {len(found)}: "
                                f"{names}")
    return found[0]
