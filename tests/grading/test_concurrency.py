"""Several graders on one machine at once: each run owns its sandbox users (taken under
a lock), so none kills another's kernels, and none leaves a process behind."""

import json
import os
import pwd
import shutil
import subprocess
import sys

import pytest

from micrograd_nb.grading.sandbox import STUDENT_USER, Sandbox, processes_of

from .cheats import wrong
from .submissions import ROOT, fill, solutions, source_path
from .unprivileged import NOBODY, nobody_can_start_kernels, shared_folder

NAME = "01_scalar_outputs"
GRADERS = 3


def _submissions(folder, run):
    """Per run: the reference, a wrong one, a blank one, and one that forks a child
    and leaves it running (which the run's sweep must kill, and only that)."""
    sleeper = ("import subprocess, sys\n"
               "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'],"
               " start_new_session=True)\n" + solutions(NAME)["ex1_q1_answer"])
    answers = [solutions(NAME), wrong.ALL, {}, {**solutions(NAME), "ex1_q1_answer": sleeper}]
    return [fill(NAME, a, folder / f"run{run}-{i}.ipynb") for i, a in enumerate(answers)]


def _start(folder, run, user=None):
    paths = _submissions(folder, run)
    command = [sys.executable, "-m", "micrograd_nb.cli", "grade", *map(str, paths),
               "--assignment", str(source_path(NAME)), "--jobs", "2", "--timeout", "20",
               "--json", str(folder / f"run{run}.json")]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
                   *command]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "HOME": "/tmp"})


def _check_runs(folder, processes):
    for run, process in enumerate(processes):
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, err
        assert "did not start" not in err and "died" not in out
        results = json.loads((folder / f"run{run}.json").read_text())["submissions"]
        assert [r["score"] for r in results] == [10, 0, 0, 10], out


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox users exist only as root")
def test_three_graders_at_once_as_root(tmp_path):
    processes = [_start(tmp_path, run) for run in range(GRADERS)]
    _check_runs(tmp_path, processes)
    uids = [u.pw_uid for u in pwd.getpwall() if u.pw_name.startswith(STUDENT_USER)]
    assert len(uids) >= GRADERS * 3  # each run held jobs + 1 users of its own
    assert [pid for uid in uids for pid in processes_of(uid)] == []


def test_three_graders_at_once_as_an_unprivileged_user():
    if not nobody_can_start_kernels():
        pytest.skip("nobody cannot run this interpreter here (it lies under /root)")
    folder = shared_folder()
    try:
        processes = [_start(folder, run, user=NOBODY) for run in range(GRADERS)]
        _check_runs(folder, processes)
    finally:
        shutil.rmtree(folder)
    # Not root, there is no user of the run's own to sweep (the README's "none" level):
    # a child that left the kernel's process group may outlive it. This test started
    # those sleepers, so it ends them.
    for pid in processes_of(NOBODY):
        if "time.sleep(600)" in _cmdline(pid):
            os.kill(pid, 9)


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox users exist only as root")
def test_two_sandboxes_never_share_a_user():
    first = Sandbox(slots=3)
    second = Sandbox(slots=3)
    try:
        mine = {u.pw_uid for u in first.users}
        theirs = {u.pw_uid for u in second.users}
        assert len(mine) == len(theirs) == 3 and not mine & theirs
    finally:
        first.close()
        second.close()
    again = Sandbox(slots=3)  # released: the first users are free again
    try:
        assert {u.pw_uid for u in again.users} == mine
    finally:
        again.close()
