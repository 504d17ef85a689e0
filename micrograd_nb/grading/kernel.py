"""One student kernel: start it in the sandbox, run cells with a deadline, collect the
``check()`` reports of a test cell, kill it.

The grader speaks Jupyter's protocol itself, over two ZeroMQ sockets (shell and iopub)
with JSON-only sessions: messages are never unpickled, a message over MAX_MESSAGE is
dropped by ZeroMQ before Python sees it, and the iopub queue is short, so an output
flood costs the flooder its own time and nothing else. Whatever the kernel sends is
data: a malformed message is ignored, a report is validated by ``reports.decode``.
"""

import contextlib
import json
import os
import secrets
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field

import zmq
from jupyter_client.session import Session

from .reports import MalformedReport, decode
from .sandbox import processes_of

MAX_MESSAGE = 4 * 1024 * 1024
IOPUB_QUEUE = 100
BATCH = 200  # messages read per poll and socket
STARTUP_SECONDS = 60
ERROR_TEXT = 200


class KernelStartError(RuntimeError):
    """The sandbox or the kernel did not come up (an infrastructure failure)."""


@dataclass
class CellRun:
    """What running one cell gave. ``status``: ok, error, timeout or died."""

    status: str
    error: str | None = None
    reports: list = field(default_factory=list)
    malformed: bool = False


class Kernel:
    def __init__(self, sandbox, slot, cpu_seconds):
        self.sandbox = sandbox
        self.slot = slot
        self.cpu_seconds = cpu_seconds
        self.process = None
        self.pid = None
        self.cgroup = None
        self._context = None

    # --- life cycle ------------------------------------------------------------------

    def start(self):
        key = secrets.token_hex(32)
        plan, host_home = self.sandbox.plan(self.slot, lambda home: {
            "kernel.json": _connection_json(home, key)}, self.cpu_seconds)
        self.cgroup = plan["cgroup"]
        if self.sandbox.root:
            self._kill_slot_processes()  # leftovers of a killed grader, if any
        self.process, self._log = self.sandbox.launch(plan)
        status = self._launcher_status()
        self.pid = status["pid"]
        self._connect(f"{host_home(self.pid)}/.kernel", key)
        self._wait_until_ready()
        return self

    def _launcher_status(self):
        ready, _, _ = select.select([self.process.stdout], [], [], STARTUP_SECONDS)
        line = self.process.stdout.readline() if ready else b""
        try:
            status = json.loads(line)
        except ValueError:
            status = {}
        if "pid" not in status:
            self.close()
            reason = status.get("error") or "no reply"
            raise KernelStartError(f"the sandbox did not start: {reason}")
        return status

    def _connect(self, prefix, key):
        self.session = Session(key=key.encode(), signature_scheme="hmac-sha256", packer="json",
                               unpacker="json")
        self._context = zmq.Context()
        self._context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)
        self._context.setsockopt(zmq.LINGER, 0)
        self.shell = self._context.socket(zmq.DEALER)
        self.shell.connect(f"ipc://{prefix}-1")
        self.iopub = self._context.socket(zmq.SUB)
        self.iopub.setsockopt(zmq.RCVHWM, IOPUB_QUEUE)
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.iopub.connect(f"ipc://{prefix}-2")
        self.poller = zmq.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)

    def _wait_until_ready(self):
        """Ask for kernel_info until it answers and iopub is connected (the kernel
        publishes a status message for each request, seen only once subscribed)."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            msg_id = self._send("kernel_info_request", {})
            replied = subscribed = False
            retry = time.monotonic() + 0.5
            while time.monotonic() < retry and not (replied and subscribed):
                if self.process.poll() is not None:
                    break
                for channel, msg in self._receive(0.05):
                    if msg["parent_header"].get("msg_id") == msg_id:
                        replied |= channel == "shell"
                        subscribed |= channel == "iopub"
            if replied and subscribed:
                return
            if self.process.poll() is not None:
                break
        detail = self._launcher_log() or "no answer"
        self.close()
        raise KernelStartError(f"the kernel did not start: {detail}")

    def _launcher_log(self):
        """The last line of the launcher's and the kernel's stderr (read from the end:
        the kernel may have written up to RLIMIT_FSIZE)."""
        self._log.seek(0, os.SEEK_END)
        self._log.seek(max(0, self._log.tell() - 4096))
        lines = self._log.read().decode(errors="replace").strip().splitlines()
        return lines[-1][:ERROR_TEXT] if lines else ""

    def close(self):
        """Kill the kernel's process group (and, isolated, its PID namespace with it)."""
        if self.process is not None:
            if self.pid is not None and self.pid != self.process.pid:
                # Isolated: the launcher reaps the kernel at once; an orphaned kernel
                # would linger as a zombie until the machine's init got to it.
                _kill(self.pid)
                try:
                    self.process.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
            self.process.stdout.close()
            self._log.close()
            # The kernel's stderr went there: gone with the kernel, so a batch never
            # holds more than one RLIMIT_FSIZE of logs per running kernel.
            with contextlib.suppress(OSError):
                os.unlink(self._log.name)
        if self._context is not None:
            self._context.destroy(linger=0)
            self._context = None
        if self.cgroup:
            self.sandbox.groups.kill(self.cgroup)
        if self.sandbox.root:
            self._kill_slot_processes()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    # --- running code ----------------------------------------------------------------

    def run(self, code, deadline, nonce=None):
        """Run one cell. With a ``nonce``, collect the reports of check() that carry it."""
        msg_id = self._send("execute_request", {
            "code": _sendable(code), "silent": False, "store_history": False,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": False})
        run = CellRun("ok")
        replied = idle = False
        while not (replied and idle):
            if not self.alive():
                return CellRun("died", f"the kernel died ({self._exit_text()})")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return CellRun("timeout")
            for channel, msg in self._receive(min(remaining, 0.1)):
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if channel == "shell":
                    replied = kind == "execute_reply"
                elif kind == "status":
                    idle = content.get("execution_state") == "idle"
                elif kind == "error" and run.error is None:
                    run.status = "error"
                    run.error = _error_text(content)
                elif kind == "display_data" and nonce is not None:
                    self._collect(run, content, nonce)
        if self.sandbox.root and not self._alone():
            self._kill_slot_processes(keep=self.pid)
        return run

    def run_all(self, codes, deadline):
        """Run cells one after the other, all sent at once (one round trip, not one per
        cell), for the state they leave; their outputs and errors are ignored. Returns
        ok, timeout or died."""
        pending = {self._send("execute_request", {
            "code": _sendable(code), "silent": True, "store_history": False,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": False})
            for code in codes}
        while pending:
            if not self.alive():
                return "died"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            for channel, msg in self._receive(min(remaining, 0.1)):
                if channel == "shell" and msg["msg_type"] == "execute_reply":
                    pending.discard(msg["parent_header"].get("msg_id"))
        if self.sandbox.root and not self._alone():
            self._kill_slot_processes(keep=self.pid)
        return "ok"

    def _alone(self):
        """Isolated, the kernel is the parent of every other process of its namespace
        (orphans are reparented to it): no child, nothing left running. A cheap test
        before the sweep of /proc."""
        if self.sandbox.level != "isolated":
            return False
        try:
            for thread in os.listdir(f"/proc/{self.pid}/task"):
                with open(f"/proc/{self.pid}/task/{thread}/children") as f:
                    if f.read().strip():
                        return False
        except OSError:
            return False
        return True

    @staticmethod
    def _collect(run, content, nonce):
        try:
            report = decode(content, nonce)
        except MalformedReport:
            run.malformed = True
            return
        if report is not None:
            run.reports.append(report)

    def _send(self, msg_type, content):
        msg = self.session.msg(msg_type, content)
        self.session.send(self.shell, msg)
        return msg["header"]["msg_id"]

    def _receive(self, timeout):
        """Messages ready within ``timeout`` seconds, as (channel, message); anything
        that does not parse as a Jupyter message is dropped."""
        ready = dict(self.poller.poll(int(timeout * 1000)))
        received = []
        for channel, socket in (("shell", self.shell), ("iopub", self.iopub)):
            # Bounded, so that a kernel sending without pause cannot keep the caller
            # from looking at its deadline.
            for _ in range(BATCH if socket in ready else 0):
                try:
                    frames = socket.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                try:
                    _, frames = self.session.feed_identities(frames)
                    msg = self.session.deserialize(frames)
                    if isinstance(msg["parent_header"], dict) and isinstance(
                            msg["content"], dict):
                        received.append((channel, msg))
                except Exception:  # noqa: BLE001  (a forged or broken message is noise)
                    continue
        return received

    def _exit_text(self):
        code = self.process.poll()
        if self.pid != self.process.pid and code > 128:  # the launcher's report, as a shell's
            code = 128 - code
        if code < 0:
            return f"killed by {_signal_name(-code)}"
        return f"exit status {code}"

    def _kill_slot_processes(self, keep=None):
        """Kill every process of this slot's user but ``keep``: what a question left
        running (forked children, even ones that left the process group) stops with
        it. Only as root, where the slot's user runs nothing but this kernel."""
        uid = self.sandbox.users[self.slot].pw_uid
        for _ in range(50):
            strays = [pid for pid in processes_of(uid) if pid != keep]
            if not strays:
                return
            for pid in strays:
                _kill(pid)
            time.sleep(0.01)


def _sendable(code):
    """``code`` as UTF-8 can carry it: a lone surrogate (a notebook's JSON may hold
    one, no UTF-8 text can) becomes "?", which Python reports as the syntax error the
    student's cell has."""
    return code.encode("utf-8", errors="replace").decode("utf-8")


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _connection_json(home, key):
    return json.dumps({"transport": "ipc", "ip": f"{home}/.kernel", "shell_port": 1,
                       "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
                       "key": key, "signature_scheme": "hmac-sha256", "kernel_name": ""})


def _error_text(content):
    name, value = content.get("ename"), content.get("evalue")
    text = f"{name}: {value}" if value else f"{name}"
    return text.splitlines()[0][:ERROR_TEXT] if text.strip() else "an error"
