"""Exhausting time, memory, processes, output and disk."""

from . import Cheat, wrong
from .exits import honest_but

INFINITE_LOOP = "while True:\n    pass\n"

HANG_WHEN_CALLED = """
def softplus_backward(x, grad_output):
    while True:
        pass
"""

MEMORY_BOMB = """
try:
    hog = bytearray(10 ** 11)
except MemoryError:
    pass
hog = []
while True:
    hog.append(bytearray(10 ** 8))
"""

FORK_BOMB = """
import os
while True:
    os.fork()
"""

OUTPUT_FLOOD = """
import os, sys
sys.stdout.write("x" * 100_000_000)
os.write(1, b"y" * 50_000_000)
while True:
    print("flood " * 1000)
"""

DISK_FILL = """
import os
block = b"0" * 10 ** 6
for folder in (os.path.expanduser("~"), "/tmp", os.getcwd()):
    with open(os.path.join(folder, "fill"), "wb") as f:
        for _ in range(1000):
            f.write(block)
"""

CHEATS = [
    Cheat("infinite loop", {"ex1_q2_answer": INFINITE_LOOP}, honest=honest_but("q2"),
          slow=True, statuses={"ex1_q2_test": "timeout"}),
    Cheat("a function that hangs when the hidden test calls it",
          {"ex1_q3_answer": HANG_WHEN_CALLED}, honest=honest_but("q3"), slow=True,
          statuses={"ex1_q3_test": "timeout"}),
    Cheat("memory bomb", {"ex1_q1_answer": MEMORY_BOMB}, honest=honest_but("q1")),
    Cheat("fork bomb", {"ex1_q4_answer": FORK_BOMB}, honest=honest_but("q4")),
    Cheat("output flood (150 MB and more)", {"ex1_q2_answer": OUTPUT_FLOOD},
          honest=honest_but("q2"), slow=True),
    Cheat("fill the disk", {"ex1_q3_answer": DISK_FILL}, honest=honest_but("q3")),
    Cheat("all answers wrong, no trick", wrong.ALL),
]
