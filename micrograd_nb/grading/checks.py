"""What a hidden test calls: ``check(value)`` and ``grading_rng()``.

This module runs inside the student's kernel, where anything may be patched, so it
decides nothing. ``check`` only turns a value into plain JSON (numbers, lists, strings,
None) and publishes it as a ``display_data`` output of a custom MIME type; the grader
compares it, in its own process, with the value the instructor's solution reported for
the same test. A hidden test therefore passes values, never comparisons, to ``check``::

    ### BEGIN HIDDEN TESTS
    from micrograd_nb.grading import check, grading_rng
    x = grading_rng().normal(size=5)
    check(softplus_backward(x, np.ones(5)))
    ### END HIDDEN TESTS

Outside a grading run (Jupyter, ``nbgrader autograde``) nothing can compare the value
with the solution's, so ``check`` raises NotGradedHere, naming ``micrograd-nb grade``:
a hidden test fails loudly there, it never passes silently. While writing a source
notebook, set the environment variable MICROGRAD_NB_CHECK=skip (``%env
MICROGRAD_NB_CHECK=skip`` in a cell) to run it top to bottom; ``check`` then only
encodes its value. ``grading_rng`` is seeded with 0 outside a grading run.
"""

import math
import os

import numpy as np

REPORT_MIME = "application/vnd.micrograd-nb.check+json"
MAX_ELEMENTS = 100_000
MAX_DEPTH = 8


SKIP_ENV = "MICROGRAD_NB_CHECK"
NOT_GRADED_HERE = (
    "check() grades only under `micrograd-nb grade`, which compares this value with the "
    "instructor's solution; here (nbgrader autograde, Jupyter) nothing can, so this hidden "
    "test fails instead of passing. Grade with: micrograd-nb grade SUBMISSION.ipynb "
    "--assignment SOURCE.ipynb. To run a source notebook while writing it, set "
    f"{SKIP_ENV}=skip.")


class NotGradedHere(RuntimeError):
    """``check()`` called outside ``micrograd-nb grade``."""


class _Probe:
    """The test cell the grader is running, if any."""

    nonce = None
    seed = 0
    reports = 0
    generators = 0


def start_probe(nonce, seed):
    """Called by the grader just before it runs a test cell."""
    _Probe.nonce = nonce
    _Probe.seed = seed
    _Probe.reports = 0
    _Probe.generators = 0


def grading_rng():
    """A numpy Generator for a hidden test's inputs. The grader draws the seed when it
    grades, so no submission can know the inputs in advance; each call in a test cell
    gives a new stream."""
    _Probe.generators += 1
    return np.random.default_rng([_Probe.seed, _Probe.generators])


def check(value, *, rtol=1e-4, atol=1e-6):
    """Have ``value`` graded: it must equal what the solution gives here, within
    ``rtol``/``atol`` for numbers (the solution's tolerances are the ones used). The
    defaults leave room for float32 rounding, micrograd_nb's default dtype as PyTorch's,
    between two correct ways of computing the same thing."""
    encoded = encode(value)
    if _Probe.nonce is None:
        if os.environ.get(SKIP_ENV) == "skip":
            return
        raise NotGradedHere(NOT_GRADED_HERE)
    from IPython.display import publish_display_data

    report = {"nonce": _Probe.nonce, "index": _Probe.reports, "value": encoded,
              "rtol": float(rtol), "atol": float(atol)}
    _Probe.reports += 1
    publish_display_data({REPORT_MIME: report, "text/plain": f"<check {report['index']}>"})


def encode(value, depth=0):
    """``value`` as tagged plain JSON: none, bool, str, array (numbers of any shape,
    from a Tensor, a Value, an ndarray, a number or a nested list), list, dict."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"kind": "bool", "value": bool(value)}
    if isinstance(value, str):
        return {"kind": "str", "value": value[:10_000]}
    array = _as_number_array(value)
    if array is not None:
        if array.size > MAX_ELEMENTS:
            return {"kind": "unsupported", "type": f"array of {array.size} elements"}
        return {"kind": "array", "shape": list(array.shape),
                "data": [_plain_float(x) for x in array.ravel().tolist()]}
    if depth < MAX_DEPTH and isinstance(value, (list, tuple)):
        return {"kind": "list", "items": [encode(v, depth + 1) for v in value[:MAX_ELEMENTS]]}
    if depth < MAX_DEPTH and isinstance(value, dict):
        return {"kind": "dict",
                "items": [[str(k), encode(v, depth + 1)] for k, v in list(value.items())[:1000]]}
    return {"kind": "unsupported", "type": type(value).__name__}


def _as_number_array(value):
    """A float64 array for anything numeric, else None."""
    from micrograd_nb import Tensor, Value

    if isinstance(value, Tensor):
        return np.asarray(value.detach().numpy(), dtype=np.float64)
    if isinstance(value, Value):
        value = value.data
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return np.asarray(float(value))
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.astype(np.float64)
    if isinstance(value, (list, tuple)) and value:
        rows = [_as_number_array(v) for v in value]
        if all(r is not None for r in rows) and len({r.shape for r in rows}) == 1:
            return np.stack(rows)
    return None


def _plain_float(x):
    # JSON has no NaN or infinity; they travel as strings.
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
