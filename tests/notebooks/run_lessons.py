"""Run the lesson notebooks and save them with their outputs.

    .venv/bin/python tests/notebooks/run_lessons.py               # every lesson
    .venv/bin/python tests/notebooks/run_lessons.py notebooks/02_*.ipynb

The saved outputs are what ``test_lessons.py`` (nbval) compares a fresh run against, so run
this after changing a lesson, and commit the notebooks it wrote. Each notebook runs in a
fresh kernel of this Python, from its own folder. A stepper's output carries its own frames
and script, so nothing else is saved with it; cells are numbered ``cell-00``, ``cell-01``...,
printed text is kept in one output per stream, and no timings are stored, so running a
lesson twice writes the same file.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def execute(path, timeout=600):
    """Run the notebook at ``path`` top to bottom in a fresh kernel; return it with outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    client.execute()
    return nb


def stable(nb):
    """The same file for the same run: cells numbered in order (not random ids), and each
    run of printed text in one output, however the kernel happened to flush it."""
    nb.metadata.pop("widgets", None)  # no widget state: steppers need none
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"
        merged = []
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (out.output_type == "stream" and last is not None
                    and last.output_type == "stream" and last.name == out.name):
                last.text += out.text
            else:
                merged.append(out)
        if cell.cell_type == "code":
            cell.outputs = merged
    return nb


def main(paths):
    paths = [Path(p) for p in paths] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    for path in paths:
        start = time.perf_counter()
        nb = stable(execute(path))
        nbformat.write(nb, path)
        took = time.perf_counter() - start
        total += took
        print(f"{path.name}: {took:.1f} s")
    print(f"all: {total:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
