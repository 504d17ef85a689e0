"""One long-lived ``dot -Tsvg`` process for every SVG a Python process renders.

A fresh ``dot`` spends most of a small picture's time starting up (loading its plugins,
initialising fontconfig): about 30 ms, against a few ms for laying out 100 nodes. ``dot``
reads graph after graph from its standard input and writes each SVG when the graph is
complete, so one process serves them all. Its output is the one-shot output byte for
byte, but for the ``id`` of the top ``<g>``: from the second graph of a stream on, dot
names it ``page0,1_graph0`` instead of ``graph0``, which is put back.

Where dot exits instead of answering (a graph it cannot read), the process is ended and
None returned: the caller renders with a one-shot ``dot``, which reports the error. A
render slower than ``timeout`` ends the process and raises ``TimeoutExpired``, as a
one-shot run does.
"""

import atexit
import os
import re
import selectors
import subprocess
import threading
import time

ONE_GRAPH = "digraph autograd {\n"  # how to_dot's source starts
END = b"</svg>\n"  # the last line of an SVG; text in labels is escaped (&lt;/svg&gt;)
_LATER_GRAPH_ID = re.compile(rb'<g id="page\d+,\d+_graph(\d+)"')

_lock = threading.Lock()
_process = None  # (Popen, (executable, env), pid of the Python process that started it)


def render_svg(executable, dot_source, timeout, env=None):
    """The SVG bytes of ``dot_source`` from the long-lived process of ``executable`` run
    in ``env`` (None: this process's), or None where it cannot give them (the caller
    falls back to a one-shot run). Only for
    the pictures' own DOT (dot.py's ``to_dot``: one graph): a source of two graphs would
    leave the second SVG to the next caller."""
    if not dot_source.startswith(ONE_GRAPH):
        return None
    with _lock:
        process = _running(executable, env)
        if process is None:
            return None
        try:
            process.stdin.write(dot_source.encode("utf-8") + b"\n")
            process.stdin.flush()
            svg = _read_svg(process, timeout)
        except OSError:
            svg = None
        except subprocess.TimeoutExpired:
            _stop()
            raise
        if svg is None:
            _stop()
            return None
        return _LATER_GRAPH_ID.sub(rb'<g id="graph\1"', svg, count=1)


def _running(executable, env):
    global _process
    if _process is not None:
        process, started_with, pid = _process
        if (pid == os.getpid() and started_with == (executable, env)
                and process.poll() is None):
            return process
        if pid == os.getpid():
            _stop()
        else:
            _process = None  # a forked child: the process belongs to the parent
    try:
        # Warnings go nowhere: an unread stderr pipe would fill and block dot; a one-shot
        # run shows them where a render fails.
        process = subprocess.Popen([executable, "-Tsvg"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    except OSError:
        return None
    _process = (process, (executable, env), os.getpid())
    return process


def _read_svg(process, timeout):
    deadline = time.monotonic() + timeout
    chunks, tail = [], b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise subprocess.TimeoutExpired(process.args, timeout)
            chunk = os.read(process.stdout.fileno(), 1 << 16)
            if not chunk:
                return None  # dot exited (a graph it could not read)
            chunks.append(chunk)
            tail = (tail + chunk)[-len(END):]  # the end may straddle two reads
            if tail == END:
                return b"".join(chunks)


def _stop():
    global _process
    if _process is None:
        return
    process = _process[0]
    _process = None
    try:
        process.stdin.close()
    except OSError:
        pass
    try:
        process.wait(timeout=1)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stdout.close()


def stop():
    """End the long-lived process (at exit; tests)."""
    with _lock:
        _stop()


atexit.register(stop)
