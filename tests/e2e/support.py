"""Helpers for the end-to-end tests: what they need from the machine, and what they do
when it is missing.

They skip, with the reason, where a browser, Playwright, JupyterLab or repo2docker is
not there; with MICROGRAD_NB_REQUIRE_E2E=1 (set by .ci/run) the same reason fails the
test instead, so CI always runs them.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Chromium on a machine whose only open doors are the package registries: without the
# background-networking flags it keeps trying to reach its own services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def required():
    return os.environ.get("MICROGRAD_NB_REQUIRE_E2E") == "1"


def unavailable(reason):
    """Skip with ``reason``; fail with it where the end-to-end tests are required."""
    if required():
        pytest.fail(f"{reason} (MICROGRAD_NB_REQUIRE_E2E=1: required here)", pytrace=False)
    pytest.skip(reason)


def find_chromium():
    """The browser binary: $MICROGRAD_NB_CHROMIUM, else the first Chromium on PATH."""
    explicit = os.environ.get("MICROGRAD_NB_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def venv_python(venv):
    return Path(venv) / "bin" / "python"


def make_venv(path, *packages, timeout=600):
    """A fresh virtual environment at ``path`` with ``packages`` pip-installed; returns
    its python, or None with pip's output where the install failed."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    python = venv_python(path)
    if packages:
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
             *map(str, packages)],
            capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            return None, done.stdout + done.stderr
    return python, ""


def save_artifact(path):
    """Copy a file the tests made to test-artifacts/e2e/ (git-ignored) for people and CI
    to look at; returns the copy."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / Path(path).name
    shutil.copyfile(path, target)
    return target
