"""PyTorch's type promotion: the dtype of a binary op's result, and Python numbers as
0-d tensors of it."""

import numpy as np

from . import dtypes, function, tensor
from .function import apply


def scalar_of(x):
    return x.item() if isinstance(x, tensor.Tensor) else x


def as_tensor(x, dt=None):
    if isinstance(x, tensor.Tensor):
        return x
    if isinstance(x, np.ndarray):
        return tensor.Tensor._make(x if dt is None else x.astype(dt.numpy, copy=False))
    dt = dt or dtypes.scalar_dtype(x)
    return tensor.Tensor._make(np.asarray(x, dtype=dt.numpy))


def rank(x):
    """2 for a tensor with dimensions, 1 for a 0-d tensor, 0 for a Python scalar."""
    if isinstance(x, tensor.Tensor):
        return 2 if x._data.ndim else 1
    if isinstance(x, np.ndarray):
        return 2 if x.ndim else 1
    return 0


def dtype_of(x):
    if isinstance(x, tensor.Tensor):
        return dtypes.from_numpy_dtype(x._data.dtype)
    if isinstance(x, np.ndarray):
        return dtypes.from_numpy_dtype(x.dtype)
    return dtypes.scalar_dtype(x)


_PYTHON_NUMBERS = (float, int)
_NUMBERS = {}  # (type, number, numpy dtype) -> its 0-d tensor, read-only
_MAX_NUMBERS = 1024


def number_tensor(x, dt):
    """A Python number as a 0-d tensor of numpy dtype ``dt``, for an op's other operand.
    The tensor of a number that comes back (the 2 of ``x * 2``) is made once and shared:
    nobody holds it but the nodes that saved it, and its array is read-only, so sharing
    it cannot be seen. Zeros are not shared (0.0 and -0.0 are one key), nor numbers past
    the first ``_MAX_NUMBERS``."""
    key = (x.__class__, x, dt)
    t = _NUMBERS.get(key)
    if t is None:
        t = tensor.Tensor._make(np.asarray(x, dt))
        if x and len(_NUMBERS) < _MAX_NUMBERS:
            t._data.flags.writeable = False
            _NUMBERS[key] = t
            function.share_saved(t)
    if function.tracer is not None:  # a constant of the trace, not a tensor made in it
        function.tracer.number(t)
    return t


def binary(op, a, b, floating=False, **ctx):
    """A binary op with PyTorch's type promotion; Python scalars become 0-d tensors of
    the result type."""
    # Fast paths: same-dtype tensors, and a float tensor with a Python number.
    Tensor = tensor.Tensor
    if a.__class__ is Tensor and not ctx:  # (apply called without ** is a cheaper call)
        if b.__class__ is Tensor:
            if a._data.dtype == b._data.dtype and (a._data.dtype.kind == "f" or not floating):
                return apply(op, (a, b))
        elif b.__class__ in _PYTHON_NUMBERS and a._data.dtype.kind == "f":
            return apply(op, (a, number_tensor(b, a._data.dtype)))
    elif (a.__class__ in _PYTHON_NUMBERS and b.__class__ is Tensor and not ctx
          and b._data.dtype.kind == "f"):
        return apply(op, (number_tensor(a, b._data.dtype), b))
    a_dt, b_dt = dtype_of(a), dtype_of(b)
    dt = a_dt if a_dt is b_dt else dtypes.promote(a_dt, rank(a), b_dt, rank(b))
    if floating and not dt.is_floating_point:
        dt = dtypes.get_default_dtype()
    a, b = as_tensor(a, dt), as_tensor(b, dt)
    if a._data.dtype != dt.numpy or b._data.dtype != dt.numpy:
        return apply(op, (a, b), compute_dtype=dt.numpy, **ctx)
    return apply(op, (a, b), **ctx)
