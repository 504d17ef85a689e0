"""Run the lesson notebooks and save them with their outputs.

    .venv/bin/python tests/notebooks/run_lessons.py               # every lesson
    .venv/bin/python tests/notebooks/run_lessons.py notebooks/02_*.ipynb

The saved outputs are what ``test_lessons.py`` (nbval) compares a fresh run against, so run
this after changing a lesson, and commit the notebooks it wrote. Each notebook runs in a
fresh kernel of this Python, from its own folder. The widget state is saved with it, so the
``%%autograd --step`` steppers still step in a notebook opened later without running it.
Widget model ids are random; they are renamed after the notebook and the widget's position,
and no timings are stored, so running a lesson twice writes the same file.
"""

import hashlib
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def execute(path, timeout=600):
    """Run the notebook at ``path`` top to bottom in a fresh kernel; return it with outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        store_widget_state=True,
        record_timing=False,
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    client.execute()
    return nb


def stable_widget_ids(nb, name):
    """Rename the widget models of ``nb`` to ids derived from ``name`` and their order."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not state:
        return nb
    renames = {}
    for index, model_id in enumerate(state):
        renames[model_id] = hashlib.sha256(f"{name}:{index}".encode()).hexdigest()[:32]
    text = json.dumps(nb)
    for old, new in renames.items():
        text = text.replace(old, new)
    return nbformat.from_dict(json.loads(text))


def main(paths):
    paths = [Path(p) for p in paths] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    for path in paths:
        start = time.perf_counter()
        nb = stable_widget_ids(execute(path), path.stem)
        nbformat.write(nb, path)
        took = time.perf_counter() - start
        total += took
        print(f"{path.name}: {took:.1f} s")
    print(f"all: {total:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
