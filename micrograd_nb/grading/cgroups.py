"""Memory and task limits per kernel with cgroup v2, where the machine allows it.

RLIMIT_AS bounds what a process maps, not what it holds: pages of memfd or shared
files that are no longer mapped are not counted. A cgroup's ``memory.max`` counts
every page its processes charge, shared ones included, and ``pids.max`` every task;
this is what Docker's ``--memory`` and ``--pids-limit`` set. Each kernel gets a cgroup
of its own inside one cgroup per grading run, under the grader's own cgroup; killing a
kernel's cgroup kills exactly its processes, never another run's.

It needs a cgroup v2 hierarchy with the memory and pids controllers, and a grader's
cgroup that may hand them down (no process of its own besides the root's). Elsewhere
``KernelGroups.open`` says why not, and the rlimits are the only bound.
"""

import os
import secrets
import signal
import time
from pathlib import Path

CONTROLLERS = ("memory", "pids")


class KernelGroups:
    """The grading run's cgroup and one child per kernel."""

    def __init__(self, run_group):
        self.run_group = run_group
        self._count = 0

    @classmethod
    def open(cls, mountinfo="/proc/self/mountinfo", own="/proc/self/cgroup"):
        """(KernelGroups, None) when the machine allows it, else (None, why not)."""
        mount = _cgroup2_mount(mountinfo)
        if mount is None:
            return None, "no cgroup v2 hierarchy is mounted"
        base = mount / _own_cgroup(own).lstrip("/")
        available = _read(base / "cgroup.controllers").split()
        missing = [c for c in CONTROLLERS if c not in available]
        if missing:
            return None, (f"the cgroup v2 hierarchy offers no {' and '.join(missing)} "
                          f"controller here ({base})")
        try:
            _enable_controllers(base)
            run_group = base / f"micrograd-nb-{os.getpid()}-{secrets.token_hex(4)}"
            run_group.mkdir(mode=0o755)
            _enable_controllers(run_group)
        except OSError as e:
            return None, f"cannot delegate the controllers of {base} ({e.strerror})"
        return cls(run_group), None

    def new_group(self, memory_bytes, tasks):
        """A cgroup for one kernel: its path, for the launcher to enter."""
        self._count += 1
        group = self.run_group / f"kernel-{self._count}"
        group.mkdir(mode=0o755)
        (group / "memory.max").write_text(str(memory_bytes))
        if (group / "memory.swap.max").exists():
            (group / "memory.swap.max").write_text("0")
        (group / "pids.max").write_text(str(tasks))
        return str(group)

    @staticmethod
    def kill(group):
        """Kill every process in ``group`` and remove it."""
        group = Path(group)
        for _ in range(100):
            if not group.exists():
                return
            if (group / "cgroup.kill").exists():
                (group / "cgroup.kill").write_text("1")
            else:
                for pid in _read(group / "cgroup.procs").split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            try:
                group.rmdir()
                return
            except OSError:
                time.sleep(0.01)  # processes still exiting

    def close(self):
        for group in sorted(self.run_group.glob("kernel-*")):
            self.kill(group)
        try:
            self.run_group.rmdir()
        except OSError:
            pass


def _cgroup2_mount(mountinfo):
    for line in _read(mountinfo).splitlines():
        left, _, right = line.partition(" - ")
        if right.split(" ", 1)[0] == "cgroup2":
            return Path(left.split()[4])
    return None


def _own_cgroup(own):
    for line in _read(own).splitlines():
        if line.startswith("0::"):
            return line[3:]
    return "/"


def _enable_controllers(group):
    enabled = _read(group / "cgroup.subtree_control").split()
    wanted = [f"+{c}" for c in CONTROLLERS if c not in enabled]
    if wanted:
        (group / "cgroup.subtree_control").write_text(" ".join(wanted))


def _read(path):
    try:
        return Path(path).read_text()
    except OSError:
        return ""
