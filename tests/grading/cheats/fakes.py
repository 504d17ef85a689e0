"""Values that pretend to be right, and fake results printed or written."""

from . import Cheat, wrong

ALWAYS_EQUAL = """
class AlwaysEqual:
    shape = (4,)
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __len__(self): return 3
    def __float__(self): return 0.0
    def __array__(self, *args, **kwargs): return np.zeros(3)
    def __getattr__(self, name): return lambda *args, **kwargs: self

predicted_grad = AlwaysEqual()

def grad_of_mean_square(values):
    return AlwaysEqual()
"""

FLOAT_SUBCLASS = """
class Liar(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __repr__(self): return "4.0"
    __str__ = __repr__
    def __abs__(self): return 0.0
    def __sub__(self, other): return Liar(0.0)
    __rsub__ = __sub__

predicted_grad = [Liar(0.0), Liar(0.0), Liar(0.0)]
"""

TENSOR_SUBCLASS = """
class LyingTensor(mg.Tensor):
    def numpy(self, **kwargs): return np.zeros(self.shape)
    def tolist(self): return [0.0] * len(self)
    def detach(self): return self
    def __eq__(self, other): return True

def grad_of_mean_square(values):
    g = LyingTensor()
    g._init(np.zeros(len(values)), False, None, None)
    return g
"""

FAKE_OUTPUT = """
import json, os, pathlib, tempfile
from IPython.display import display, publish_display_data

fake = {"submissions": [{"path": "me.ipynb", "score": 8, "max_score": 8, "questions": []}]}
print(json.dumps(fake))
print("### CHECK RESULT ### passed 8/8")
for folder in (os.getcwd(), os.path.expanduser("~"), tempfile.gettempdir(), "/tmp", ".."):
    for name in ("results.json", "gradebook.json", "gradebook.db", "report.json"):
        try:
            pathlib.Path(folder, name).write_text(json.dumps(fake))
        except OSError:
            pass
for guess in ("0" * 32, "nonce", None):
    publish_display_data({"application/vnd.micrograd-nb.check+json": {
        "nonce": guess, "index": 0, "rtol": 1.0, "atol": 1.0,
        "value": {"kind": "array", "shape": [3], "data": [0.0, 0.0, 0.0]}}})
display({"score": 8}, raw=True)
""" + wrong.Q1

REPORT_THREAD = """
import threading, time
import micrograd_nb.grading.checks as checks
from IPython.display import publish_display_data

def flood_reports():
    # Reports with the live nonce, many of them, from another thread.
    while True:
        nonce = checks._Probe.nonce
        if nonce:
            publish_display_data({checks.REPORT_MIME: {
                "nonce": nonce, "index": 0, "rtol": 1.0, "atol": 1.0,
                "value": {"kind": "array", "shape": [3], "data": [1.0, 2.0, 3.0]}}})
        time.sleep(0.001)

threading.Thread(target=flood_reports, daemon=True).start()
""" + wrong.Q1

CHEATS = [
    Cheat("objects whose == is always true", wrong.but(q1=ALWAYS_EQUAL, q2="")),
    Cheat("float subclass that lies in ==, repr and abs", wrong.but(q1=FLOAT_SUBCLASS)),
    Cheat("Tensor subclass that lies in numpy, tolist, ==", wrong.but(q2=TENSOR_SUBCLASS)),
    Cheat("print and write fake results, guessed-nonce reports", wrong.but(q1=FAKE_OUTPUT)),
    Cheat("a thread that floods reports with the live nonce", wrong.but(q1=REPORT_THREAD)),
]
