"""Dims and shapes checked as PyTorch checks them, with its messages."""

import functools

import numpy as np

from . import errors
from .dtypes import Size


def check_dim(dim, ndim):
    """A dim in range, as PyTorch checks it (0-d tensors accept dim 0 and -1)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(errors.DIM_OUT_OF_RANGE.format(low=-n, high=n - 1, dim=dim))
    return dim % n if ndim else 0


def check_dims(dim, ndim):
    """Dims in range, sorted, none twice; ``()`` is every dim, as PyTorch reads it."""
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return tuple(range(ndim))
    dims = [check_dim(d, ndim) for d in dims]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(errors.DIM_REPEATED.format(dim=d))
    return tuple(sorted(dims)) if ndim else ()


def shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        return tuple(shape[0])
    return tuple(shape)


def infer_shape(shape, size):
    shape = tuple(int(n) for n in shape)
    if shape.count(-1) > 1:
        raise RuntimeError(errors.SHAPE_TWO_INFERRED)
    known = int(np.prod([n for n in shape if n != -1])) if shape else 1
    if -1 in shape:
        if known == 0 or size % known:
            raise RuntimeError(errors.SHAPE_INVALID_FOR_SIZE.format(shape=list(shape), size=size))
        shape = tuple(size // known if n == -1 else n for n in shape)
    elif known != size:
        raise RuntimeError(errors.SHAPE_INVALID_FOR_SIZE.format(shape=list(shape), size=size))
    return shape


def viewable(array, shape):
    """Can ``array`` be seen in ``shape`` without a copy (the strides allow it)?"""
    try:
        np.reshape(array, shape, copy=False)
    except ValueError:
        return False
    return True


def arg_along(fn, data, dim, keepdim):
    if dim is None:
        return fn(data)
    out = fn(data, axis=dim)
    return np.expand_dims(out, dim) if keepdim else out


def all_dims(dim, ndim):
    """``check_dims``, with ``None`` as every dim too."""
    return tuple(range(ndim)) if dim is None else check_dims(dim, ndim)


def reduced_count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def numpy_names(method):
    """Accept ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``, as PyTorch does."""

    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        if "axis" in kwargs:
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return method(self, *args, **kwargs)

    return wrapped
