"""Where and as whom student kernels run: limits, users, the view of the filesystem.

Three levels, chosen once per grading run and announced when less than the first:

- ``isolated`` (root, namespaces allowed): each kernel gets its own mount, PID,
  network and IPC namespaces, a chroot holding only read-only copies (bind mounts) of
  what Python needs, a private size-capped home and /tmp, no network, and runs as an
  unprivileged user of its own slot. Instructor files are simply not there.
- ``user`` (root, namespaces refused, as in some containers): the unprivileged user and
  the limits only; world-readable files stay readable.
- ``none`` (not root): the limits only, as the grader's own user.

One user per concurrent slot (``micrograd-nb-student``, ``micrograd-nb-student-1``, ...),
because RLIMIT_NPROC counts all processes of a user: a fork bomb in one slot must not
starve the kernel graded next to it. A grading run owns its users: each is taken under
an exclusive lock (a file in LOCK_DIR, held until the run ends, released by the kernel
if the grader dies), so two graders on one machine never share a user, and the sweep
that kills a user's leftover processes only ever touches the run's own kernels.

Memory and tasks are bounded per kernel by cgroup v2 where the machine allows it
(``cgroups.py``), else by the rlimits alone; ``describe()`` says which.
"""

import fcntl
import importlib.util
import itertools
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .cgroups import KernelGroups

LAUNCHER = Path(__file__).with_name("launcher.py")
STUDENT_USER = "micrograd-nb-student"
SANDBOX_HOME = "/home/student"
SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
LOCK_DIR = Path(os.environ.get("MICROGRAD_NB_LOCK_DIR", "/run/micrograd-nb"))
KERNEL_MODULES = ("micrograd_nb", "numpy", "ipykernel", "IPython", "zmq", "jupyter_client")


@dataclass(frozen=True)
class Limits:
    """Per-kernel limits; the wall-time limit per question is the grader's ``timeout``."""

    memory_mb: int = 2048  # RLIMIT_AS of each process
    processes: int = 64  # RLIMIT_NPROC: processes and threads of the slot's user
    file_size_mb: int = 64  # RLIMIT_FSIZE
    open_files: int = 256  # RLIMIT_NOFILE
    tmpfs_mb: int = 64  # home and /tmp, each (isolated level)

    def rlimits(self, cpu_seconds, tasks_already_running=0):
        """RLIMIT_NPROC counts every task of the user: when the kernel shares the
        grader's user, the tasks that user already runs are added."""
        mb = 1024 * 1024
        return {"RLIMIT_AS": self.memory_mb * mb, "RLIMIT_CPU": int(cpu_seconds),
                "RLIMIT_FSIZE": self.file_size_mb * mb, "RLIMIT_NOFILE": self.open_files,
                "RLIMIT_CORE": 0, "RLIMIT_NPROC": tasks_already_running + self.processes}


class Sandbox:
    """The grading run's private work folder, level and users."""

    def __init__(self, slots, limits=Limits()):
        self.limits = limits
        self.root = os.geteuid() == 0
        self.level = ("isolated" if _can_isolate() else "user") if self.root else "none"
        self.workdir = Path(tempfile.mkdtemp(prefix="micrograd-nb-grade-"))  # mode 0700
        self._locks = []
        self.users = self._take_users(slots) if self.root else None
        self.groups, self.no_groups_reason = (
            KernelGroups.open() if self.root else (None, "the grader is not root"))
        self.binds, self.links = exposed_paths()
        self._numbers = itertools.count(1)  # next() on it is atomic: workers share it
        self._homes = []

    def _take_users(self, count):
        """``count`` sandbox users no other grading run holds, each locked for this
        run (created when missing)."""
        LOCK_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        users, number = [], 0
        with _locked(LOCK_DIR / "users.lock"):  # one useradd at a time
            while len(users) < count:
                fd = os.open(LOCK_DIR / f"user-{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)  # another run's
                else:
                    self._locks.append(fd)
                    users.append(_ensure_user(number))
                number += 1
        return users

    def describe(self):
        """Which protection this run has, for the output: {"level", "limits", "note"}."""
        limits = self.limits
        if self.groups:
            how = "cgroup v2"
            note = (f"memory and tasks bounded per kernel by cgroup v2 (memory.max "
                    f"{limits.memory_mb} MiB, pids.max {limits.processes})")
        else:
            how = "rlimits"
            note = (f"memory bounded per process by RLIMIT_AS ({limits.memory_mb} MiB, "
                    f"memfd and System V shared memory denied), tasks per user by "
                    f"RLIMIT_NPROC ({limits.processes}); no cgroup v2 limits: "
                    f"{self.no_groups_reason}")
        return {"level": self.level, "limits": how, "note": f"sandbox: {self.level}; {note}"}

    def warnings(self, assignment_paths):
        """What the instructor must know about this run's protection, one line each."""
        if self.level == "none":
            me = pwd.getpwuid(os.geteuid()).pw_name
            return [f"warning: not running as root, so submissions run as {me} with resource "
                    "limits but no separate user and no filesystem sandbox: they can read "
                    f"what {me} can read, the assignment included"]
        if self.level == "user":
            found = [f"warning: cannot create namespaces here, so submissions run as "
                     f"{STUDENT_USER} without a filesystem sandbox"]
            found += [f"warning: {p} is readable by {STUDENT_USER}"
                      for p in assignment_paths if _world_readable(p)]
            return found
        return [f"warning: {p} lies inside {b}, which submissions can read"
                for p in assignment_paths for b in self.binds if _is_within(p, b)]

    def plan(self, slot, files, cpu_seconds):
        """The launcher's plan for a kernel in ``slot`` and the folder (as the grader
        sees it, given the kernel's pid) where the kernel's sockets will be."""
        number = next(self._numbers)
        user = self.users[slot] if self.users else None
        uid, gid = (user.pw_uid, user.pw_gid) if user else (None, None)
        if self.level == "isolated":
            home = SANDBOX_HOME
            host_home = lambda pid: f"/proc/{pid}/root{SANDBOX_HOME}"
        else:
            # Outside the work folder, which the slot's user may not enter; the launcher
            # gives it to that user (mode 0700).
            home = tempfile.mkdtemp(prefix="micrograd-nb-kernel-")
            self._homes.append(home)
            host_home = lambda pid: home
        plan = {
            "isolate": self.level == "isolated", "uid": uid, "gid": gid,
            "root": str(self.workdir / f"root-{number}"), "home": home,
            "binds": self.binds, "links": self.links, "tmpfs_mb": self.limits.tmpfs_mb,
            "files": files(home), "env": _kernel_env(home),
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", f"{home}/kernel.json",
                     "--HistoryManager.enabled=False"],
            "limits": self.limits.rlimits(
                cpu_seconds, 0 if self.root else _tasks_of(os.getuid())),
            "cgroup": self.groups.new_group(self.limits.memory_mb * 2**20,
                                            self.limits.processes) if self.groups else None,
        }
        return plan, host_home

    def launch(self, plan):
        """Start the launcher in a new session (its process group is what a kill
        takes down); its stderr goes to a log the grader reads if the kernel fails."""
        log = open(plan["root"] + ".log", "w+b")
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(LAUNCHER)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=log, start_new_session=True, cwd=self.workdir)
        process.stdin.write(json.dumps(plan).encode())
        process.stdin.close()
        return process, log

    def close(self):
        if self.groups:
            self.groups.close()
        for folder in [self.workdir, *self._homes]:
            shutil.rmtree(folder, ignore_errors=True)
        for fd in self._locks:
            os.close(fd)  # the users are free for the next run
        self._locks = []


class _locked:
    """An exclusive flock on ``path`` for a ``with`` block."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        os.close(self.fd)


def _can_isolate():
    probe = subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), "--can-isolate"],
                           stdin=subprocess.DEVNULL, capture_output=True)
    return probe.returncode == 0


def _ensure_user(slot):
    name = STUDENT_USER if slot == 0 else f"{STUDENT_USER}-{slot}"
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True)
        return pwd.getpwnam(name)


def exposed_paths():
    """(folders bind-mounted read-only, symlinks recreated) for the isolated level:
    the system folders, the interpreter, and the folders of the packages the kernel
    imports. Nothing else of the machine is visible to a submission."""
    binds, links = [], {}
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            links[path] = os.readlink(path)
        elif os.path.isdir(path):
            binds.append(path)
    wanted = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for name in KERNEL_MODULES:
        # The package folder itself, not its parent: an editable install's parent is
        # the whole repository, sources and hidden tests included. Found, not imported
        # (IPython and ipykernel take a while to import).
        wanted.add(os.path.dirname(os.path.abspath(importlib.util.find_spec(name).origin)))
    for path in sorted(wanted, key=len):
        real = os.path.realpath(path)
        if real != path and not any(_is_within(path, b) for b in binds):
            links[path] = real
        if not any(_is_within(real, b) for b in binds):
            binds.append(real)
    return binds, links


def _is_within(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _world_readable(path):
    """Can a user in no group of the owner read ``path`` (every folder on the way
    searchable by others, the file readable by others)?"""
    path = Path(path).resolve()
    for folder in path.parents:
        if not os.stat(folder).st_mode & 0o001:
            return False
    return bool(os.stat(path).st_mode & 0o004)


def _status_of_each_process():
    """(pid, the fields of /proc/PID/status) for every process still there."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                yield int(entry), dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue


def _real_uid(fields):
    return int(fields["Uid"].split()[0])


def processes_of(uid):
    """Live (not zombie) processes whose real user is ``uid``."""
    return [pid for pid, fields in _status_of_each_process()
            if _real_uid(fields) == uid and not fields["State"].strip().startswith("Z")]


def _tasks_of(uid):
    """Processes and threads of ``uid``: what RLIMIT_NPROC counts."""
    return sum(int(fields["Threads"]) for _, fields in _status_of_each_process()
               if _real_uid(fields) == uid)


def _kernel_env(home):
    """A minimal environment: nothing of the grader's (no instructor paths), one BLAS
    thread (threads count against RLIMIT_NPROC)."""
    return {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home, "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1", "IPYTHONDIR": f"{home}/.ipython",
        "JUPYTER_RUNTIME_DIR": f"{home}/.jupyter", "MPLBACKEND": "agg",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
