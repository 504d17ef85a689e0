"""The student version of a source notebook, as ``nbgrader generate_assignment``
makes it: cells locked (LockCells), solutions replaced by a stub (ClearSolutions),
outputs cleared (ClearOutput), hidden tests removed (ClearHiddenTests), checksums of
the released cells recorded (ComputeChecksums). Its notebook metadata is what the kernel
reports (``KERNELSPEC``, ``LANGUAGE_INFO``), so JupyterLab opens it unmodified."""

import json
import os
import re
from pathlib import Path

import nbformat

from .notebooks import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    CODE_STUB,
    END_HIDDEN,
    END_SOLUTION,
    TEXT_STUB,
    Assignment,
    GradingInputError,
    cut_region,
    nbgrader_checksum,
    nbgrader_metadata,
)

# What JupyterLab 4 writes into a notebook's metadata once its kernel is up: the kernel
# spec (name, display_name, language) and the kernel's language_info. It compares each
# with what the file holds (deep equality) and marks the notebook modified where they
# differ, so a release carries them whole. All of it is ipykernel's and the same on
# every machine but ``version`` (platform.python_version() of the kernel), which no file
# can match on every laptop: it is the project's reference Python (binder/runtime.txt's
# minor version, the Python the lessons are run and saved with), fixed here so that a
# release is the same file wherever ``assign`` runs. On any other Python the notebook
# opens with that one field changed (marked modified; saving writes only metadata).
REFERENCE_PYTHON = "3.11.7"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": REFERENCE_PYTHON,
}


def release_notebook(assignment):
    try:
        notebook = nbformat.reads(assignment.text, as_version=4)
        nbformat.validate(notebook)
    except Exception as e:  # nbformat raises several kinds for a bad file
        raise GradingInputError(f"{assignment.path}: not a valid notebook ({e})") from e
    notebook.metadata.pop("celltoolbar", None)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = json.loads(json.dumps(LANGUAGE_INFO))  # a copy
    for cell in notebook.cells:
        meta = nbgrader_metadata(cell)
        _lock(cell, meta)
        if meta.get("solution"):
            cell.source = _clear_solution(cell)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            for key in ("collapsed", "scrolled"):
                cell.metadata.pop(key, None)
        if meta.get("grade"):
            cell.source = cut_region(cell.source, BEGIN_HIDDEN, END_HIDDEN)
        if meta.get("grade") or meta.get("solution") or meta.get("locked"):
            meta["checksum"] = nbgrader_checksum(cell.source, cell.cell_type, meta)
            meta["cell_type"] = cell.cell_type
    return notebook


def release_text(assignment):
    return nbformat.writes(release_notebook(assignment)) + "\n"


def refused_target(source, out_folder, sources=()):
    """Why the release of ``source`` may not be written into ``out_folder`` (a line),
    or None: it would land on a source of this run, or on a file that holds solutions
    or hidden tests (a source notebook, which a release would destroy)."""
    target = Path(out_folder) / Path(source).name
    if not os.path.lexists(target):
        return None
    for other in dict.fromkeys([source, *sources]):
        try:
            if os.path.samefile(target, other):
                return (f"{target} is the source notebook {other}; refusing to write the "
                        "student version over it (give --out another folder)")
        except OSError:
            continue
    try:
        with open(target, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
    except OSError as e:
        return f"cannot write {target} ({e.strerror})"
    if any(marker in text for marker in (BEGIN_SOLUTION, BEGIN_HIDDEN)):
        return (f"{target} holds solutions or hidden tests (a source notebook?); refusing "
                "to write the student version over it (give --out another folder)")
    return None


def write_release(source, out_folder):
    """Write the student version of ``source`` into ``out_folder``; return its path.
    Refuses (GradingInputError) a target that ``refused_target`` refuses."""
    assignment = Assignment.load(source)
    refused = refused_target(source, out_folder)
    if refused:
        raise GradingInputError(refused)
    target = Path(out_folder) / Path(source).name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(release_text(assignment), encoding="utf-8")
    return target


def _lock(cell, meta):
    # nbgrader's LockCells with its defaults: answers undeletable, tests and read-only
    # cells undeletable and uneditable.
    if meta.get("solution"):
        cell.metadata["deletable"] = False
    elif meta.get("grade") or meta.get("locked"):
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False


def _clear_solution(cell):
    stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
    lines, kept, inside, replaced = cell.source.split("\n"), [], False, False
    for line in lines:
        if BEGIN_SOLUTION in line:
            inside = replaced = True
            indent = re.match(r"\s*", line).group(0)
            kept.extend(indent + s for s in stub.split("\n"))
        elif END_SOLUTION in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept) if replaced else stub
