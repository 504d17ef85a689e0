"""The lesson notebooks run start to finish and show what their saved outputs show.

Each test runs nbval over ``notebooks/`` in a fresh pytest process: every code cell is run
in order in a fresh kernel, and its outputs (text, HTML, and the words of every SVG
picture) must equal the saved ones, up to ``notebooks/nbval_sanitize.cfg``. Cells marked
``# NBVAL_IGNORE_OUTPUT`` (timings, versions) are run but not compared; cells tagged
``raises-exception`` must show the error they were saved with, and the cell after each
asserts that it really was raised.

The pictures are checked once per Graphviz renderer found here (the system ``dot`` and
the in-process one), and once more with ``torch`` hidden, as on a machine where it is not
installed: lesson 5 and the PyTorch ending of every lesson then skip.

After changing a lesson, save its new outputs with
``.venv/bin/python tests/notebooks/run_lessons.py``.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_nb.viz.render import available_renderers

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "nbval_sanitize.cfg"


def _require_nbval():
    # CI installs the "lessons" extra (scripts/test.sh): there a missing nbval is a failure.
    if os.environ.get("CI"):
        import nbval  # noqa: F401
    else:
        pytest.importorskip("nbval", reason="pip install -e '.[lessons]' to test the lessons")


@pytest.fixture(scope="module", autouse=True)
def matplotlib_font_cache():
    """Build matplotlib's font cache first: a kernel that builds it prints a notice,
    which is not in the saved outputs."""
    _require_nbval()
    subprocess.run([sys.executable, "-c", "import matplotlib.pyplot"], check=True,
                   capture_output=True, timeout=300)


def run_nbval(*paths, env=None):
    """Run nbval on ``paths``; return (exit code, its output)."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval",
               "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE), "-q",
               "--color=no", *map(str, paths)]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=1200, check=False)
    return done.returncode, done.stdout + done.stderr


def assert_passed(code, output):
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    assert code == 0 and " passed" in summary and "failed" not in summary, output[-30000:]


def test_every_lesson_is_found():
    lessons = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert lessons[0] == "00_start_here.ipynb" and len(lessons) == 9, lessons


@pytest.mark.parametrize("renderer", available_renderers() or ["none"])
def test_lessons_match_their_saved_outputs(renderer):
    assert_passed(*run_nbval(NOTEBOOKS, env={"MICROGRAD_NB_RENDERER": renderer}))


def test_lessons_without_torch(tmp_path):
    hidden = tmp_path / "torch"
    hidden.mkdir()
    (hidden / "__init__.py").write_text('raise ImportError("torch is hidden by this test")\n')
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    assert_passed(*run_nbval(NOTEBOOKS, env={"PYTHONPATH": path}))
