"""Start one kernel inside the sandbox: run as ``python -I -S launcher.py`` with a JSON
plan on stdin, it sets up the process and then execs the kernel.

It is a script of its own (standard library only, single-threaded) so that nothing
of the grader's threads or imports is around when it forks and changes user.

With ``isolate`` (the grader is root), it unshares mount, PID, network and IPC
namespaces and builds a new root: a small tmpfs holding read-only bind mounts of the
interpreter and the packages the kernel imports, a private /tmp and home (size-capped
tmpfs), /dev/null and friends, a fresh /proc. The kernel is PID 1 of the new PID
namespace, so killing it kills every process the student started, including ones that
left the process group; it runs as the slot's unprivileged user, chrooted, without
network. Without ``isolate`` it only applies the resource limits.

The first line on stdout is JSON: ``{"pid": ...}`` (the kernel's pid as the grader
sees it) or ``{"error": ...}``.
"""

import ctypes
import json
import os
import resource
import signal
import sys

CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
CLONE_NEWNET, CLONE_NEWIPC = 0x40000000, 0x08000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG = 1
DEVICES = ("null", "zero", "random", "urandom")

_libc = ctypes.CDLL(None, use_errno=True)


def _call(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data=None):
    encode = lambda s: None if s is None else s.encode()
    _call(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags),
                      encode(data)), f"mount {target}")


def _die_with_parent():
    # Cleared by a change of user, so it is set again after setuid.
    _call(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")


def build_root(plan):
    """The new root, in the new mount namespace (still root here)."""
    root = plan["root"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    os.makedirs(root, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
    # The private /tmp and home first, the read-only binds after: a bind below /tmp (a
    # virtual environment in a clone under /tmp, as CI makes) must land on top of the
    # private /tmp, not be hidden under it.
    size = f"size={plan['tmpfs_mb']}m"
    home, tmp = root + plan["home"], root + "/tmp"
    for path in (home, tmp, root + "/proc", root + "/dev"):
        os.makedirs(path, mode=0o755, exist_ok=True)
    _mount("tmpfs", home, "tmpfs", MS_NOSUID | MS_NODEV,
           f"mode=700,uid={plan['uid']},gid={plan['gid']},{size}")
    _mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,{size}")
    for path in plan["binds"]:
        target = root + path
        os.makedirs(target, mode=0o755, exist_ok=True)
        _mount(path, target, None, MS_BIND | MS_REC)
        _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for path, points_to in plan["links"].items():
        os.makedirs(os.path.dirname(root + path), mode=0o755, exist_ok=True)
        os.symlink(points_to, root + path)
    for name in DEVICES:
        device = f"{root}/dev/{name}"
        open(device, "w").close()
        _mount(f"/dev/{name}", device, None, MS_BIND)
    _write_files(home, plan, owner=(plan["uid"], plan["gid"]))


def _write_files(home, plan, owner=None):
    for name, text in plan["files"].items():
        path = os.path.join(home, name)
        with open(path, "w") as f:
            f.write(text)
        if owner:
            os.chown(path, *owner)


def become_student(plan):
    """In the new PID namespace: own /proc, chroot, then the unprivileged user."""
    root = plan["root"]
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chroot(root)
    os.chdir(plan["home"])
    os.setgroups([])
    os.setgid(plan["gid"])
    os.setuid(plan["uid"])


# Shared memory that no rlimit counts once it is unmapped: memfd files (each under
# RLIMIT_FSIZE, but as many as RLIMIT_NOFILE) and System V segments. Denied by a
# seccomp filter, with the syscalls of any other ABI (32-bit, x32), which the kernel
# never makes. {machine: (AUDIT_ARCH, (memfd_create, memfd_secret, shmget))}
SECCOMP_DENIED = {"x86_64": (0xC000003E, (319, 447, 29)),
                  "aarch64": (0xC00000B7, (279, 447, 194))}
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
X32_BIT = 0x40000000


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def deny_shared_memory():
    """Install the seccomp filter; False where this machine's ABI is not known."""
    machine = os.uname().machine
    if machine not in SECCOMP_DENIED:
        return False
    arch, numbers = SECCOMP_DENIED[machine]
    load, jump_eq, jump_ge, ret = 0x20, 0x15, 0x35, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO|EPERM
    program = [(load, 0, 0, 4), (jump_eq, 1, 0, arch), (ret, 0, 0, deny),
               (load, 0, 0, 0), (jump_ge, len(numbers) + 1, 0, X32_BIT)]
    program += [(jump_eq, len(numbers) - i, 0, n) for i, n in enumerate(numbers)]
    program += [(ret, 0, 0, allow), (ret, 0, 0, deny)]
    filters = (_SockFilter * len(program))(*[_SockFilter(*f) for f in program])
    fprog = _SockFprog(len(program), filters)
    _call(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl no_new_privs")
    _call(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0),
          "seccomp")
    return True


def apply_limits(plan):
    for name, value in plan["limits"].items():
        resource.setrlimit(getattr(resource, name), (value, value))
    deny_shared_memory()
    # Children are reaped at once: a killed fork bomb leaves no zombies that would
    # keep counting against RLIMIT_NPROC (an ignored SIGCHLD survives exec).
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)


def _exec_kernel(plan):
    # stderr stays the grader's log (its last line explains a kernel that did not
    # start; RLIMIT_FSIZE bounds it); stdin and stdout are /dev/null.
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    os.execve(plan["argv"][0], plan["argv"], plan["env"])


def _say(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def run_isolated(plan):
    _call(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC), "unshare")
    build_root(plan)
    pid = os.fork()
    if pid == 0:
        try:
            become_student(plan)
            _die_with_parent()
            apply_limits(plan)
            _exec_kernel(plan)
        except BaseException as e:  # reported on stderr, which the grader logs
            os.write(2, f"sandbox: {e}\n".encode())
        finally:
            os._exit(127)
    _say({"pid": pid})
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    # Reap the kernel, and whatever of its namespace is reparented here as it dies;
    # exit as a shell reports the kernel's end (128 + signal when killed).
    kernel_status = 0
    while True:
        try:
            child, status = os.wait()
        except ChildProcessError:
            break
        if child == pid:
            kernel_status = status
    code = os.waitstatus_to_exitcode(kernel_status)
    sys.exit(128 - code if code < 0 else code & 0xFF)


def run_plain(plan):
    """No namespaces: the kernel runs in its home folder, as the slot's user when the
    grader is root (then it can read whatever that user may read)."""
    os.chdir(plan["home"])
    if plan["uid"] is not None:
        _write_files(plan["home"], plan, owner=(plan["uid"], plan["gid"]))
        os.chown(plan["home"], plan["uid"], plan["gid"])
        os.setgroups([])
        os.setgid(plan["gid"])
        os.setuid(plan["uid"])
        _die_with_parent()
    else:
        _write_files(plan["home"], plan)
    apply_limits(plan)
    _say({"pid": os.getpid()})
    _exec_kernel(plan)


def can_isolate():
    """Exit status 0 when this process may create the namespaces (root, and not
    forbidden by a container)."""
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
    sys.exit(0 if _libc.unshare(flags) == 0 else 1)


def main():
    if sys.argv[1:] == ["--can-isolate"]:
        can_isolate()
    plan = json.loads(sys.stdin.read())
    try:
        _die_with_parent()
        if plan.get("cgroup"):
            # Before any fork: the kernel and all it starts are born in this cgroup.
            with open(os.path.join(plan["cgroup"], "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        if plan["isolate"]:
            run_isolated(plan)
        else:
            run_plain(plan)
    except OSError as e:
        _say({"error": str(e)})
        sys.exit(1)


if __name__ == "__main__":
    main()
