"""What a student kernel can see and do, asked through the same report channel the
grader uses, so these are the kernel's own answers."""

import os
import shutil
import tempfile
import time
from types import SimpleNamespace

import pytest

from micrograd_nb.grading import sandbox as sandbox_module
from micrograd_nb.grading.batch import grade_batch
from micrograd_nb.grading.kernel import Kernel
from micrograd_nb.grading.sandbox import SANDBOX_HOME, STUDENT_USER, Limits, Sandbox

from .cheats.disk import CHEATS as DISK_CHEATS
from .submissions import ROOT, fill, points, source_path

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root")


def run(kernel, code):
    result = kernel.run(code, time.monotonic() + 10)
    assert result.status == "ok" and result.error is None, result.error


def ask(kernel, *expressions):
    """The values of ``expressions`` in the kernel, as check() reports them."""
    run(kernel, "__import__('micrograd_nb.grading.checks', fromlist=['x']).start_probe('n', 0)")
    code = "\n".join(f"check({e})" for e in expressions)
    result = kernel.run(code, time.monotonic() + 10, nonce="n")
    assert result.error is None, result.error
    return [getattr(r.value, "array", r.value) for r in result.reports]


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(slots=2)
    yield box
    box.close()


def start(sandbox, slot):
    kernel = Kernel(sandbox, slot, cpu_seconds=60).start()
    run(kernel, "import os, resource, socket\nimport micrograd_nb as mg\n"
                "from micrograd_nb.grading import check")
    return kernel


@pytest.fixture
def kernel(sandbox):
    k = start(sandbox, 0)
    yield k
    k.close()


def test_the_kernel_runs_isolated_as_an_unprivileged_user(sandbox, kernel):
    import pwd
    import stat

    student = pwd.getpwnam(STUDENT_USER)
    assert sandbox.level == "isolated"
    assert stat.S_IMODE(sandbox.workdir.stat().st_mode) == 0o700  # the grader's own files
    uid, gid, groups, cwd, home, pid = ask(kernel, "os.getuid()", "os.getgid()",
                                           "os.getgroups()", "os.getcwd()",
                                           "os.environ['HOME']", "os.getpid()")
    assert (uid, gid) == (student.pw_uid, student.pw_gid)
    assert groups == [] and cwd == home == SANDBOX_HOME
    assert pid == 1  # of its own PID namespace: its death takes every child with it


def test_instructor_files_are_not_there(kernel):
    source = str(source_path("01_scalar_outputs"))
    exists, repo, top, package = ask(
        kernel, f"os.path.exists({source!r})", f"sorted(os.listdir({str(ROOT)!r}))",
        "sorted(os.listdir('/'))", "sorted(os.listdir(os.path.dirname(mg.__file__)))")
    assert exists is False
    assert repo == [".venv", "micrograd_nb"]  # the package, not the exercises or tests
    assert "exercises" not in top and "tests" not in top
    assert "grading" in package


def test_no_network_no_shared_tmp_and_a_minimal_environment(sandbox, kernel):
    run(kernel, "open('/tmp/note', 'w').write('hi')\n"
                "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=1)\n"
                "    network = True\nexcept OSError:\n    network = False")
    network, env = ask(kernel, "network", "sorted(os.environ)")
    assert network is False
    assert "PWD" not in env and not any("PYTEST" in k for k in env)
    other = start(sandbox, 1)
    try:
        assert ask(other, "os.path.exists('/tmp/note')") == [False]
    finally:
        other.close()


def test_limits_are_set(kernel):
    limits = Limits()
    memory, processes, file_size = ask(kernel, "resource.getrlimit(resource.RLIMIT_AS)[0]",
                                       "resource.getrlimit(resource.RLIMIT_NPROC)[0]",
                                       "resource.getrlimit(resource.RLIMIT_FSIZE)[0]")
    assert memory == limits.memory_mb * 2**20
    assert processes == limits.processes
    assert file_size == limits.file_size_mb * 2**20


def test_reading_the_source_works_without_the_sandbox(tmp_path, monkeypatch):
    """The disk cheat is real: as the grader's own user, with no sandbox, it finds the
    source notebook and earns full marks. The sandbox is what stops it."""
    [cheat] = DISK_CHEATS
    submission = fill("01_scalar_outputs", cheat.tricks, tmp_path / "cheat.ipynb")
    monkeypatch.setattr(sandbox_module.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(sandbox_module.pwd, "getpwuid", lambda uid: SimpleNamespace(
        pw_name="someone"))
    # The grader works in a folder of tmp_path, beside a copy of this checkout's source,
    # the first copy the cheat finds (not an older one elsewhere on the machine).
    grader_tmp = tmp_path / "grader"
    (grader_tmp / "source").mkdir(parents=True)
    shutil.copy(source_path("01_scalar_outputs"), grader_tmp / "source")
    monkeypatch.setattr(tempfile, "tempdir", str(grader_tmp))
    warnings = []
    # the time limit only guards against a hang: the cheat walks the disk, slowly on a
    # loaded machine
    [result] = grade_batch([submission], source_path("01_scalar_outputs"), timeout=120,
                           warn=warnings.append)
    assert result.score == result.max_score == sum(points("01_scalar_outputs").values())
    warnings = [w for w in warnings if w.startswith("warning:")]
    assert len(warnings) == 1 and "no filesystem sandbox" in warnings[0]
