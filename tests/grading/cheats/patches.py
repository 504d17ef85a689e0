"""Patching what the tests might rely on inside the student's kernel: builtins,
IPython, numpy, micrograd_nb, the check() machinery, json."""

from . import Cheat, wrong

SHADOW_BUILTINS = """
abs = lambda v: 0
sum = lambda *args, **kwargs: 0
float = lambda *args: 0.0
isinstance = lambda *args: True
print = lambda *args, **kwargs: None
len = lambda value: 3
all = any = lambda value: True
""" + wrong.Q1

PATCH_BUILTINS_MODULE = """
import builtins
builtins.abs = lambda v: 0
builtins.float = lambda *args: 0.0
builtins.isinstance = lambda *args: True
builtins.print = lambda *args, **kwargs: None
""" + wrong.Q1

PATCH_RUN_CELL = """
from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult

ip = get_ipython()

def _nothing(raw_cell="", *args, **kwargs):
    return ExecutionResult(ExecutionInfo(raw_cell, False, False, True, None))

async def _nothing_async(raw_cell="", *args, **kwargs):
    return _nothing(raw_cell)

async def _no_code(*args, **kwargs):
    return False

ip.run_cell = _nothing
ip.run_cell_async = _nothing_async
ip.run_code = _no_code
""" + wrong.Q1

PATCH_DISPLAY_HOOKS = """
import sys

ip = get_ipython()
real_publish = ip.display_pub.publish

def publish(data, metadata=None, **kwargs):
    # Every report on its way out gets a value of the student's choosing.
    mime = "application/vnd.micrograd-nb.check+json"
    if mime in data:
        data = {**data, mime: {**data[mime], "value": {"kind": "array", "shape": [3],
                                                       "data": [1.0, 1.0, 1.0]}}}
    return real_publish(data, metadata, **kwargs)

ip.display_pub.publish = publish
sys.displayhook = lambda value: print("passed")
""" + wrong.Q1

FORGE_REPORTS = """
import micrograd_nb.grading
import micrograd_nb.grading.checks as checks
from IPython.display import publish_display_data

def forged_check(value, **kwargs):
    # A wrong value with tolerances that would accept anything, then a report that
    # tries to broadcast, a NaN, a bool where a number is due, and a nesting bomb.
    nonce = checks._Probe.nonce
    bomb = {"kind": "none"}
    for _ in range(400):  # deep, but not too deep for the kernel's JSON encoder
        bomb = {"kind": "list", "items": [bomb]}
    for value in ({"kind": "array", "shape": [3], "data": [1.0, 1.0, 1.0]},
                  {"kind": "array", "shape": [3], "data": [1.0]},
                  {"kind": "array", "shape": [], "data": ["nan"]},
                  {"kind": "array", "shape": [3], "data": [True, True, True]},
                  bomb):
        publish_display_data({checks.REPORT_MIME: {
            "nonce": nonce, "index": 0, "value": value, "rtol": 1e300, "atol": 1e300}})

checks.check = micrograd_nb.grading.check = forged_check
""" + wrong.Q1

PATCH_NUMPY = """
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
""" + wrong.Q1

PATCH_RNG = """
# Every hidden input becomes zero, where these answers happen to be right.
class Zeros:
    def __getattr__(self, name):
        return lambda *args, size=None, **kwargs: np.zeros(size if size is not None else ())

np.random.default_rng = lambda *args, **kwargs: Zeros()

def softplus_backward(x, grad_output):
    return 0.5 * grad_output
"""

PATCH_MICROGRAD = """
mg.Tensor.backward = lambda self, *args, **kwargs: None
mg.autograd.grad = lambda *args, **kwargs: (mg.tensor([4.0, -8.0, 2.0]),)
mg.Tensor.__eq__ = lambda self, other: True
mg.Tensor.numpy = lambda self, **kwargs: np.zeros(3)
mg.Tensor.tolist = lambda self: [0.0, 0.0, 0.0]
""" + wrong.Q1

PATCH_JSON = """
import json
import jupyter_client.session
json.dumps = lambda *args, **kwargs: '{"score": 8, "passed": true}'
json.loads = lambda *args, **kwargs: {"score": 8}
jupyter_client.session.json_packer = lambda obj: b'{"score": 8}'
""" + wrong.Q1

PATCH_GRAD_03 = """
mg.autograd.grad = lambda outputs, inputs, *args, **kwargs: tuple(
    mg.zeros_like(x) for x in (inputs if isinstance(inputs, (list, tuple)) else [inputs]))
predicted = [27.0, 0.0]
"""

CHEATS = [
    Cheat("shadow builtins (abs, sum, float, isinstance, print, len)",
          wrong.but(q1=SHADOW_BUILTINS)),
    Cheat("patch the builtins module", wrong.but(q1=PATCH_BUILTINS_MODULE)),
    Cheat("patch IPython run_cell and run_code", wrong.but(q1=PATCH_RUN_CELL)),
    Cheat("patch IPython's display publisher and displayhook",
          wrong.but(q1=PATCH_DISPLAY_HOOKS)),
    Cheat("forge check() reports (loose tolerances, broadcasting, NaN, nesting bomb)",
          wrong.but(q1=FORGE_REPORTS)),
    Cheat("patch numpy's comparisons", wrong.but(q1=PATCH_NUMPY)),
    Cheat("patch numpy's random generator to zeros", wrong.but(q3=PATCH_RNG)),
    Cheat("patch micrograd_nb backward, grad, ==, numpy, tolist",
          wrong.but(q1=PATCH_MICROGRAD)),
    Cheat("patch json and the kernel's message packer", wrong.but(q1=PATCH_JSON)),
    Cheat("patch mg.autograd.grad (create_graph exercises)",
          {"ex3_q1_answer": PATCH_GRAD_03}, assignment="03_create_graph"),
]
