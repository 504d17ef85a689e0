"""What ``scripts/workshop.sh`` installs and serves, without installing or serving it:
``--dry-run`` prints pip's own resolution of the workshop's packages (from the package
index, in a throwaway environment) and the folder JupyterLab would serve.

- no torch and no CUDA (nvidia-*) package unless ``--with-torch`` asks for it, and then
  PyTorch's CPU build;
- the served folder holds the lessons and the release exercises, and no solutions.

Needs the package index: where pip cannot resolve, the test skips (fails in CI).
"""

import re
import subprocess

import pytest

from .support import REPO, unavailable

SCRIPT = REPO / "scripts" / "workshop.sh"


def dry_run(*args):
    done = subprocess.run(["bash", str(SCRIPT), "--dry-run", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=600)
    if done.returncode != 0:
        unavailable(f"workshop.sh --dry-run failed (no package index?):\n"
                    f"{(done.stdout + done.stderr)[-2000:]}")
    return done.stdout


@pytest.fixture(scope="module")
def plain():
    """The dry run of the plain command (one resolution for the tests that read it)."""
    return dry_run()


def _sections(out):
    packages = re.findall(r"^  ([A-Za-z0-9_.-]+)==(\S+)$", out, re.M)
    served = out.split("would serve ", 1)[1].splitlines()[1:]
    return {name.lower().replace("_", "-") for name, _ in packages}, \
        [line.strip() for line in served]


def test_the_workshop_installs_no_torch(plain):
    out = plain
    packages, _ = _sections(out)
    assert {"micrograd-nb", "jupyterlab", "ipykernel", "numpy"} <= packages, sorted(packages)
    assert "torch" not in packages
    assert not [p for p in packages if p.startswith(("nvidia-", "triton"))], sorted(packages)
    assert "\nno torch\n" in out


def test_with_torch_asks_for_the_cpu_build():
    out = dry_run("--with-torch")
    (line,) = [ln for ln in out.splitlines() if ln.startswith("then: ")]
    assert "torch==2.13.0" in line
    if subprocess.run(["uname", "-s"], capture_output=True, text=True).stdout.strip() == "Linux":
        assert "--index-url https://download.pytorch.org/whl/cpu" in line


def test_the_workshop_serves_lessons_and_release_exercises_only(plain):
    _, served = _sections(plain)
    lessons = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    released = sorted(p.name for p in (REPO / "exercises" / "release").glob("*.ipynb"))
    assert lessons and released
    for name in lessons:
        assert f"./notebooks/{name}" in served, served
    for name in released:
        assert f"./exercises/release/{name}" in served, served
    top = {line.split("/")[1] for line in served}
    assert top == {"notebooks", "exercises"}, served
    assert not [line for line in served if "source" in line.split("/")], served
    assert not [line for line in served if line.startswith("./exercises/")
                and not line.startswith(("./exercises/release", "./exercises"))]
    assert {line for line in served if line.count("/") == 2 and
            line.startswith("./exercises/")} == {"./exercises/release"}, served
