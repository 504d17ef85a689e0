"""Run a piece of the grader as an unprivileged user (nobody), for the tests that hold
for graders that are not root. Files it reads live in a world-readable temporary
folder (pytest's are root's own)."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .submissions import ROOT

NOBODY = 65534


def can_drop_privileges():
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


needs_root_to_drop = pytest.mark.skipif(not can_drop_privileges(),
                                        reason="needs root and setpriv to run as nobody")


def shared_folder():
    """A fresh folder nobody may read and write; removed by the caller."""
    folder = Path(tempfile.mkdtemp(prefix="micrograd-nb-test-"))
    folder.chmod(0o777)
    return folder


def as_nobody(args, cwd=ROOT, timeout=600, env=None):
    """``python args...`` as nobody; the CompletedProcess (text)."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp",
                   "LANG": "C.UTF-8", "MICROGRAD_NB_LOCK_DIR": "/tmp/unused", **(env or {})}
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                           "--clear-groups", sys.executable, *map(str, args)],
                          cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=timeout)


def nobody_can_start_kernels():
    """Whether nobody may start this interpreter again (a kernel): not where it lies
    under a folder only root may enter (a pyenv under /root)."""
    if not can_drop_privileges():
        return False
    probe = as_nobody(["-c", "import subprocess, sys\n"
                             "subprocess.run([sys.executable, '-c', ''], check=True)"],
                      timeout=60)
    return probe.returncode == 0
