"""``assign`` never destroys a source; outputs that cannot be written are refused
before any grading; a missing grading extra is one line naming it; ``--version``."""

import os
import shutil
import subprocess
import sys
from importlib.metadata import version

import pytest

from .submissions import RELEASES, ROOT, source_path
from .unprivileged import as_nobody, needs_root_to_drop, shared_folder

NAME = "01_scalar_outputs"


def cli(*args, cwd=ROOT, env=None):
    return subprocess.run([sys.executable, "-m", "micrograd_nb.cli", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def _sources(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("01_scalar_outputs", "02_gradient_argument"):
        shutil.copy(source_path(name), folder / f"{name}.ipynb")
    return [folder / "01_scalar_outputs.ipynb", folder / "02_gradient_argument.ipynb"]


def _unchanged(paths, before):
    return [p.read_bytes() for p in paths] == before


def test_assign_into_the_sources_own_folder_is_refused(tmp_path):
    sources = _sources(tmp_path)
    before = [p.read_bytes() for p in sources]
    for out in (tmp_path, f"{tmp_path}/./", f"{tmp_path}/../{tmp_path.name}"):
        done = cli("assign", *sources, "--out", out)
        assert done.returncode == 2 and "refusing to write" in done.stderr
        assert _unchanged(sources, before)


def test_assign_over_any_file_holding_solutions_is_refused(tmp_path):
    """Another copy of a source, a link to a source, a source renamed: each refused."""
    sources = _sources(tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(sources[0], out / sources[0].name)  # a copy: holds solutions
    os.symlink(sources[1], out / sources[1].name)  # a link to the source itself
    before = [p.read_bytes() for p in [*sources, out / sources[0].name]]
    for source in sources:
        done = cli("assign", source, "--out", out)
        assert done.returncode == 2 and "refusing to write" in done.stderr, done.stderr
    assert _unchanged([*sources, out / sources[0].name], before)


def test_assign_still_writes_and_rewrites_releases(tmp_path):
    sources = _sources(tmp_path / "src")
    out = tmp_path / "release"
    for _ in range(2):  # the second run writes over the release: allowed
        done = cli("assign", *sources, "--out", out)
        assert done.returncode == 0, done.stderr
    assert (out / f"{NAME}.ipynb").read_text() == (RELEASES / f"{NAME}.ipynb").read_text()


@pytest.mark.parametrize("option", ["--json", "--csv", "--nbgrader-csv", "--gradescope"])
def test_unwritable_outputs_are_refused_before_grading(tmp_path, option):
    submission = tmp_path / "s.ipynb"
    shutil.copy(RELEASES / f"{NAME}.ipynb", submission)
    (tmp_path / "a_file").write_text("")
    (tmp_path / "a_folder").mkdir()
    for bad in (tmp_path / "a_file" / "out", tmp_path / "a_folder", submission,
                source_path(NAME)):
        done = cli("grade", submission, "--assignment", source_path(NAME), option, bad)
        assert done.returncode == 2, (bad, done.stderr)
        assert done.stderr.startswith("error:") and "sandbox:" not in done.stderr  # no grading
    assert submission.read_bytes() == (RELEASES / f"{NAME}.ipynb").read_bytes()
    assert list((tmp_path / "a_folder").iterdir()) == []


@needs_root_to_drop
def test_unwritable_outputs_are_refused_for_an_unprivileged_grader():
    folder = shared_folder()
    try:
        shutil.copy(RELEASES / f"{NAME}.ipynb", folder / "s.ipynb")
        locked = folder / "locked"
        locked.mkdir(mode=0o755)  # root's: nobody may not write in it
        for option in ("--json", "--csv"):
            done = as_nobody(["-m", "micrograd_nb.cli", "grade", folder / "s.ipynb",
                              "--assignment", source_path(NAME), option,
                              locked / "out.json"])
            assert done.returncode == 2 and "cannot write" in done.stderr, done.stderr
            assert "sandbox:" not in done.stderr
        done = as_nobody(["-m", "micrograd_nb.cli", "assign", source_path(NAME), "--out",
                          locked])
        assert done.returncode == 2 and "cannot write" in done.stderr, done.stderr
    finally:
        shutil.rmtree(folder)


BLOCKER = """
import sys
class _Missing:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Missing())
"""


@pytest.mark.parametrize("blocked", [("zmq",), ("nbformat", "tqdm"), ("jupyter_client",)])
@pytest.mark.parametrize("command", [["grade", "x.ipynb"], ["assign", "x.ipynb"],
                                     ["gradescope", "x.ipynb", "-o", "a.zip"]])
def test_without_the_grading_extra_the_error_names_it(tmp_path, blocked, command):
    (tmp_path / "sitecustomize.py").write_text(BLOCKER.format(blocked=set(blocked)))
    done = cli(*command, env={"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "pip install 'micrograd_nb[grading]'" in done.stderr
    assert all(name in done.stderr for name in blocked)


def test_version():
    done = cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"micrograd-nb {version('micrograd_nb')}"
