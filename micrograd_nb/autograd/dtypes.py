"""Dtypes, ``Size`` and PyTorch's type promotion, on numpy."""

import numpy as np

from . import errors


class dtype:
    """A tensor element type, named as PyTorch names it (``micrograd_nb.float32``)."""

    __slots__ = ("name", "numpy", "is_floating_point", "tensor_type", "_rank")

    def __init__(self, name, numpy_type, tensor_type, rank, is_floating_point=False):
        self.name = name
        self.numpy = np.dtype(numpy_type)
        self.tensor_type = tensor_type  # what PyTorch calls torch.FloatTensor
        self.is_floating_point = is_floating_point
        self._rank = rank  # category for promotion: bool < integer < floating

    def __repr__(self):
        return f"micrograd_nb.{self.name}"

    @property
    def itemsize(self):
        return self.numpy.itemsize

    @property
    def is_signed(self):
        return self.numpy.kind in "if"

    def __reduce__(self):
        return (_by_name, (self.name,))


bool_ = dtype("bool", np.bool_, "BoolTensor", 0)
uint8 = dtype("uint8", np.uint8, "ByteTensor", 1)
int8 = dtype("int8", np.int8, "CharTensor", 1)
int16 = dtype("int16", np.int16, "ShortTensor", 1)
int32 = dtype("int32", np.int32, "IntTensor", 1)
int64 = dtype("int64", np.int64, "LongTensor", 1)
float16 = dtype("float16", np.float16, "HalfTensor", 2, is_floating_point=True)
float32 = dtype("float32", np.float32, "FloatTensor", 2, is_floating_point=True)
float64 = dtype("float64", np.float64, "DoubleTensor", 2, is_floating_point=True)

# PyTorch's other names for them (``float``, ``int`` and ``bool`` are given in the
# package namespace only, not to shadow Python's here).
half, double, short, long = float16, float64, int16, int64

_ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NUMPY = {d.numpy: d for d in _ALL}


def _by_name(name):
    return {d.name: d for d in _ALL}[name]


_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    if not d.is_floating_point:
        raise TypeError(errors.DEFAULT_DTYPE_NOT_FLOATING)
    _default_float = d


def from_numpy_dtype(np_dtype):
    try:
        return _FROM_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        kind = np.dtype(np_dtype).kind
        if kind == "f":
            return float64
        if kind in "iu":
            return int64
        if kind == "b":
            return bool_
        raise TypeError(errors.NUMPY_DTYPE_UNSUPPORTED.format(dtype=np_dtype)) from None


def scalar_dtype(value):
    """The dtype PyTorch gives a Python scalar on its own."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return _default_float


def promote(a_dtype, a_dim, b_dtype, b_dim):
    """PyTorch's result type for a binary op. ``*_dim`` is 2 for a tensor with
    dimensions, 1 for a zero-dim tensor, 0 for a Python scalar: within a category the
    higher of these wins, and a Python scalar of a higher category gives the default
    dtype of that category (``int_tensor * 2.5`` is float32)."""
    if a_dtype is b_dtype:
        return a_dtype
    if a_dtype._rank != b_dtype._rank:
        high, high_dim = (a_dtype, a_dim) if a_dtype._rank > b_dtype._rank else (b_dtype, b_dim)
        if high_dim == 0 and high._rank == 2:
            return _default_float
        return high
    if a_dim != b_dim:
        return a_dtype if a_dim > b_dim else b_dtype
    return a_dtype if a_dtype.numpy.itemsize >= b_dtype.numpy.itemsize else b_dtype


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``micrograd_nb.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"micrograd_nb.Size({list(self)})"

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n
