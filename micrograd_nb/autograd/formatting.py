"""``repr`` of a tensor, formatted as PyTorch prints it: ``tensor([0.2000, 4.0000])``."""

import numpy as np

from . import dtypes

_PREFIX = "tensor("


def _float_formatter(values):
    finite = values[np.isfinite(values)]
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        fmt = lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)  # integral: "2."
    else:
        nonzero = np.abs(finite[finite != 0])
        scientific = nonzero.size and (nonzero.max() >= 1e8 or nonzero.min() < 1e-4
                                       or nonzero.max() / nonzero.min() > 1000)
        fmt = (lambda v: f"{v:.4e}") if scientific else (lambda v: f"{v:.4f}")
    width = max((len(fmt(v)) for v in values.flat), default=0)
    return lambda v: fmt(v).rjust(width)


def format_array(array):
    if array.dtype.kind == "f":
        formatter = {"float_kind": _float_formatter(array.astype(np.float64))}
    elif array.dtype.kind == "b":
        width = 5 if (~array).any() else 4
        formatter = {"bool": lambda v: str(bool(v)).rjust(width)}
    else:
        formatter = None
    if array.size == 0:
        return "[]" if array.ndim == 1 else f"size={tuple(array.shape)}"
    return np.array2string(array, separator=", ", prefix=_PREFIX, formatter=formatter,
                           threshold=1000, edgeitems=3, max_line_width=80)


def format_tensor(t):
    parts = [format_array(t._data)]
    dt = t.dtype
    if dt not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
        parts.append(f"dtype={dt!r}")
    if t.grad_fn is not None:
        parts.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        parts.append("requires_grad=True")
    return _PREFIX + ", ".join(parts) + ")"
