"""Reading the instructor's notebook or hidden tests from disk while being graded. If
anything is found, its solution cells are run, which would earn full marks."""

from . import Cheat

READ_SOURCE = r'''
import glob, gc, json, os, time, zlib

found = []

def consider(path):
    if not os.path.isfile(path):  # a FIFO (other tests leave some) would block the read
        return
    try:
        with open(path, "rb") as f:
            data = f.read(5_000_000)
    except OSError:
        return
    if data[:2] == b"x\x01":  # a loose git object
        try:
            data = zlib.decompress(data)
        except zlib.error:
            return
    if b"BEGIN SOLUTION" in data or b"BEGIN HIDDEN TESTS" in data:
        found.append(data)

# the nearest copies first: the grader's own folder and its parents, then usual places
candidates = ["../exercises/source/01_scalar_outputs.ipynb",
              "exercises/source/01_scalar_outputs.ipynb"]
here = os.getcwd()
for _ in range(6):
    candidates += glob.glob(os.path.join(here, "*", "*.ipynb"))
    candidates += glob.glob(os.path.join(here, "*", "*", "*.ipynb"))
    here = os.path.dirname(here)
candidates += ["/work/main/exercises/source/01_scalar_outputs.ipynb",
               "/root/01_scalar_outputs.ipynb", "/tmp/01_scalar_outputs.ipynb"]
for path in candidates:
    consider(path)
try:
    for line in open("/proc/self/mountinfo"):
        consider(os.path.join(line.split()[3], "..", "exercises", "source",
                              "01_scalar_outputs.ipynb"))
except OSError:
    pass
for pid in os.listdir("/proc"):
    if pid.isdigit():
        consider(f"/proc/{pid}/cmdline")
        consider(f"/proc/{pid}/environ")
stop = time.monotonic() + 1.5  # within the question's time limit
for folder, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if not (folder == "/" and d in ("proc", "sys", "dev"))]
    for name in files:
        if name.endswith(".ipynb") or "/.git/objects/" in folder:
            consider(os.path.join(folder, name))
    if time.monotonic() > stop:
        break
for obj in gc.get_objects():
    if isinstance(obj, str) and "BEGIN HIDDEN TESTS" in obj:
        found.append(obj.encode())

def solution_cells(data):
    try:
        cells = json.loads(data).get("cells", [])
    except (ValueError, AttributeError):
        return []
    return ["".join(c["source"]) for c in cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "").startswith("ex1_")
            and "### BEGIN SOLUTION" in "".join(c["source"])]

for data in found:
    cells = solution_cells(data)
    if cells:
        for code in cells:
            exec(code, globals())
        break

if not found:
    predicted_grad = [2.0, -4.0, 1.0]
'''

KEEP_WHAT_WAS_FOUND = """
try:
    {name}
except NameError:
    def {name}(*args):
        return None
"""

CHEATS = [
    Cheat("read the source notebook, hidden tests, git objects from disk", {
        "ex1_q1_answer": READ_SOURCE,
        "ex1_q2_answer": KEEP_WHAT_WAS_FOUND.format(name="grad_of_mean_square"),
        "ex1_q3_answer": KEEP_WHAT_WAS_FOUND.format(name="softplus_backward"),
        "ex1_q4_answer": KEEP_WHAT_WAS_FOUND.format(name="mse_gradient"),
        "ex1_q5_answer": KEEP_WHAT_WAS_FOUND.format(name="hidden_grads"),
    }),
]
