"""Ending or killing the kernel, and escaping its process group. Each also answers
other questions correctly: those marks are earned, and must still be given."""

from . import Cheat, wrong

ALL = ("ex1_q1_answer", "ex1_q2_answer", "ex1_q3_answer", "ex1_q4_answer")


def honest_but(question):
    return tuple(a for a in ALL if a != f"ex1_{question}_answer")


SYS_EXIT = "import sys\nsys.exit(0)\n" + wrong.Q1

OS_EXIT = "import os\nos._exit(0)\n" + wrong.Q2

KILL_KERNEL = """
import os, signal
for kill in (lambda: os.kill(os.getpid(), signal.SIGKILL), lambda: os.killpg(0, signal.SIGKILL),
             lambda: os.kill(-1, signal.SIGKILL), lambda: os.kill(1, signal.SIGKILL)):
    try:
        kill()
    except OSError:
        pass
""" + wrong.Q3

ESCAPE_GROUP = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:  # a daemon that outlives the kernel if nothing kills it
            time.sleep(0.01)
    os._exit(0)
""" + wrong.Q1

CHEATS = [
    Cheat("sys.exit", {"ex1_q1_answer": SYS_EXIT}, honest=honest_but("q1")),
    Cheat("os._exit", {"ex1_q2_answer": OS_EXIT}, honest=honest_but("q2"),
          statuses={"ex1_q2_test": "error"}),
    Cheat("kill the kernel, its group, everything", {"ex1_q3_answer": KILL_KERNEL},
          honest=honest_but("q3")),
    Cheat("a daemon that leaves the process group", {"ex1_q1_answer": ESCAPE_GROUP},
          honest=honest_but("q1")),
]
