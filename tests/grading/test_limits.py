"""Memory and tasks per kernel: cgroup v2 (memory.max, pids.max) where the machine
allows it, the rlimits elsewhere, and the output says which ran."""

import json
import os
import subprocess
import sys
import time

import pytest

from micrograd_nb.grading.cgroups import KernelGroups
from micrograd_nb.grading.kernel import Kernel
from micrograd_nb.grading.sandbox import Limits, Sandbox

from .submissions import RELEASES, ROOT, source_path

MEMFD_3_GIB = """
import os
held = []
for i in range(48):  # 48 x 64 MiB = 3 GiB, each written and unmapped
    fd = os.memfd_create(f"m{i}")
    block = b"x" * (1 << 20)
    for _ in range(64):
        os.write(fd, block)
    held.append(fd)
"""


def _mountinfo(tmp_path, fstype, mount_point):
    info = tmp_path / "mountinfo"
    info.write_text(f"30 25 0:26 / {mount_point} rw,relatime shared:4 - {fstype} {fstype} rw\n")
    own = tmp_path / "cgroup"
    own.write_text("0::/grader\n")
    return str(info), str(own)


def test_without_cgroup_v2_the_reason_is_given(tmp_path):
    groups, why = KernelGroups.open(*_mountinfo(tmp_path, "tmpfs", tmp_path / "none"))
    assert groups is None and "no cgroup v2" in why


def test_without_the_controllers_the_missing_ones_are_named(tmp_path):
    mount = tmp_path / "unified"
    (mount / "grader").mkdir(parents=True)
    (mount / "grader" / "cgroup.controllers").write_text("cpu hugetlb\n")
    groups, why = KernelGroups.open(*_mountinfo(tmp_path, "cgroup2", mount))
    assert groups is None and "memory and pids" in why


def test_with_the_controllers_each_kernel_gets_its_limits(tmp_path, monkeypatch):
    """On a stand-in hierarchy (plain files): the run's group under the grader's own,
    the controllers handed down, and the limits written for each kernel."""
    mount = tmp_path / "unified"
    base = mount / "grader"
    base.mkdir(parents=True)
    (base / "cgroup.controllers").write_text("cpu memory pids\n")
    (base / "cgroup.subtree_control").write_text("")
    original_mkdir = type(base).mkdir

    def mkdir_like_cgroupfs(path, *args, **kwargs):  # cgroupfs fills a new group
        original_mkdir(path, *args, **kwargs)
        for name in ("cgroup.subtree_control", "memory.max", "memory.swap.max",
                     "pids.max", "cgroup.procs"):
            (path / name).write_text("")

    monkeypatch.setattr(type(base), "mkdir", mkdir_like_cgroupfs)
    groups, why = KernelGroups.open(*_mountinfo(tmp_path, "cgroup2", mount))
    assert why is None
    assert (base / "cgroup.subtree_control").read_text() == "+memory +pids"
    first = groups.new_group(2 << 30, 64)
    second = groups.new_group(2 << 30, 64)
    monkeypatch.undo()
    assert first != second and os.path.dirname(first) == str(groups.run_group)
    assert groups.run_group.parent == base
    for group in (first, second):
        assert open(f"{group}/memory.max").read() == str(2 << 30)
        assert open(f"{group}/memory.swap.max").read() == "0"
        assert open(f"{group}/pids.max").read() == "64"


def test_the_output_says_which_level_ran(tmp_path):
    submission = tmp_path / f"{'01_scalar_outputs'}.ipynb"
    submission.write_bytes((RELEASES / "01_scalar_outputs.ipynb").read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "micrograd_nb.cli", "grade", str(submission), "--assignment",
         str(source_path("01_scalar_outputs")), "--timeout", "10", "--json",
         str(tmp_path / "out.json")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    sandbox = json.loads((tmp_path / "out.json").read_text())["sandbox"]
    assert sandbox["limits"] in ("cgroup v2", "rlimits")
    assert sandbox["note"] in done.stderr
    groups, why = KernelGroups.open() if os.geteuid() == 0 else (None, "not root")
    if groups:
        groups.close()
    assert sandbox["limits"] == ("cgroup v2" if groups else "rlimits")
    if not groups:
        assert "no cgroup v2 limits" in sandbox["note"]


def _memfd_outcome(sandbox):
    kernel = Kernel(sandbox, 0, cpu_seconds=60).start()
    try:
        run = kernel.run(MEMFD_3_GIB, time.monotonic() + 120)
        return run, kernel.cgroup
    finally:
        kernel.close()


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(slots=1)
    yield box
    box.close()


def test_memfd_files_cannot_hold_3_gib(sandbox):
    """The attack that RLIMIT_AS alone let through (unmapped shared pages are not
    counted). memfd files and System V segments are denied by the seccomp filter at
    every level; with cgroup v2, memory.max would stop it as well."""
    run, _ = _memfd_outcome(sandbox)
    assert run.status == "error" and "Operation not permitted" in run.error, run


@pytest.mark.parametrize("code", [
    "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
    "assert libc.shmget(0, 1 << 30, 0o1600) == -1, 'a System V segment'",
    "import os\ntry:\n    os.memfd_create('m', os.MFD_CLOEXEC)\n    raise SystemError('memfd')\n"
    "except PermissionError:\n    pass",
    "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
    "assert libc.syscall(0x40000000 | 319, b'm', 0) == -1, 'x32 memfd_create'",
])
def test_each_way_to_shared_memory_is_denied(sandbox, code):
    kernel = Kernel(sandbox, 0, cpu_seconds=60).start()
    try:
        run = kernel.run(code, time.monotonic() + 60)
        assert (run.status, run.error) == ("ok", None)  # each call was refused
    finally:
        kernel.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="cgroups are written by root")
def test_kernels_run_in_a_cgroup_of_their_own_when_the_machine_allows(sandbox):
    if not sandbox.groups:
        pytest.skip(f"no cgroup v2 limits here: {sandbox.no_groups_reason}")
    kernel = Kernel(sandbox, 0, cpu_seconds=60).start()
    try:
        with open(f"/proc/{kernel.pid}/cgroup") as f:
            assert os.path.basename(kernel.cgroup) in f.read()
        with open(f"{kernel.cgroup}/memory.max") as f:
            assert int(f.read()) == Limits().memory_mb << 20
    finally:
        kernel.close()
    assert not os.path.exists(kernel.cgroup)
