"""``repr`` of a tensor, formatted as PyTorch prints it: ``tensor([0.2000, 4.0000])``.

PyTorch's torch/_tensor_str.py with its default print options: 4 digits, lines of 80
characters, and beyond 1000 elements only the 3 first and last items of each dimension
around a ``...``.
"""

import math

import numpy as np

from . import dtypes

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80
_PREFIX = "tensor("


class _Formatter:
    """One notation and one width for every element. Floats are integral (``2.``),
    fixed (``0.2000``) or scientific (``1.0000e-05``), chosen from the nonzero finite
    elements only, as is the width."""

    def __init__(self, array):
        self.floating = array.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        # On Python floats (exactly the elements' values): a print shows at most a few
        # thousand, and numpy's cost per call was most of the time for the few numbers of
        # a picture's labels.
        values = array.reshape(-1).tolist()
        if not self.floating:
            self.width = max([1] + [len(f"{v}") for v in values])
            return
        values = [v for v in values if v != 0 and math.isfinite(v)]
        if not values:
            return
        magnitudes = [abs(v) for v in values]
        big, small = max(magnitudes), min(magnitudes)
        self.int_mode = all(v == math.ceil(v) for v in values)
        self.sci_mode = big / small > 1000.0 or big > 1.0e8 or small < 1.0e-4
        if self.sci_mode:
            widths = [len(f"{v:.{PRECISION}e}") for v in values]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in values]
        else:
            widths = [len(f"{v:.{PRECISION}f}") for v in values]
        self.width = max([1] + widths)

    def format(self, value):
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _summarized(array):
    """The elements a summarised print shows: the formatter is chosen from them."""
    if array.ndim == 0:
        return array
    if array.shape[0] > 2 * EDGEITEMS:
        rows = list(array[:EDGEITEMS]) + list(array[-EDGEITEMS:])
    elif array.ndim == 1:
        return array
    else:
        rows = list(array)
    if array.ndim == 1:
        return np.asarray(rows, dtype=array.dtype)
    return np.stack([_summarized(row) for row in rows])


def _vector(array, indent, summarize, formatter):
    per_line = max(1, math.floor((LINEWIDTH - indent) / (formatter.width + 2)))
    if summarize and array.shape[0] > 2 * EDGEITEMS:
        items = ([formatter.format(v) for v in array[:EDGEITEMS].tolist()] + [" ..."]
                 + [formatter.format(v) for v in array[-EDGEITEMS:].tolist()])
    else:
        items = [formatter.format(v) for v in array.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(array, indent, summarize, formatter):
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarize, formatter)
    n = array.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        rows = [_nested(array[i], indent + 1, summarize, formatter) for i in range(EDGEITEMS)]
        rows += ["..."] + [_nested(array[i], indent + 1, summarize, formatter)
                           for i in range(n - EDGEITEMS, n)]
    else:
        rows = [_nested(row, indent + 1, summarize, formatter) for row in array]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def format_array(array, indent=7):  # len("tensor(")
    """The elements of ``array`` as PyTorch prints them, from ``[`` to ``]``."""
    if array.size == 0:
        return "[]"
    summarize = array.size > THRESHOLD
    formatter = _Formatter(_summarized(array) if summarize else array)
    return _nested(array, indent, summarize, formatter)


def _add_suffixes(text, suffixes, indent):
    """``, dtype=...``, ``, grad_fn=<...>``: on the last line, or on a new one where
    the line would pass 80 characters."""
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"


def format_tensor(t):
    array = t._data
    dt = t.dtype
    suffixes = []
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dt is not dtypes.get_default_dtype():
            suffixes.append(f"dtype={dt!r}")
    elif dt not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
        suffixes.append(f"dtype={dt!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name().rsplit('::', 1)[-1]}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(_PREFIX + format_array(array), suffixes, len(_PREFIX))
