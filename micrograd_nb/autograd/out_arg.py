"""``out=``: ``torch.add(a, b, out=c)`` writes the result into ``c``, as PyTorch does it.

Autograd does not follow such a write: PyTorch refuses it when grad mode is on and an
argument (or ``out``) requires grad. Otherwise the result is computed, checked against
``out``'s dtype (by the function's own rule), written into ``out`` (resized, with
PyTorch's warning, when its shape differs and it has elements) and ``out`` is returned.
"""

import functools
import warnings

import numpy as np

from . import dtypes, errors, function, graph
from .functions import c_type
from .tensor import Tensor


def _tensors(args):
    for a in args:
        if isinstance(a, Tensor):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from _tensors(a)


def _cast(name, result, out):
    if not dtypes.can_cast(result.dtype, out.dtype):
        raise RuntimeError(errors.INPLACE_RESULT_TYPE.format(
            result=result.dtype.scalar_type, out=out.dtype.scalar_type))


def _exact(name, result, out):
    if result.dtype is not out.dtype:
        raise RuntimeError(errors.OUT_DTYPE.format(expected=c_type(result), got=c_type(out)))


def _cat(name, result, out):
    if not dtypes.can_cast(result.dtype, out.dtype):
        raise TypeError(errors.CAT_OUT_DTYPE.format(out=out.dtype.scalar_type))


# How each function checks out's dtype: pointwise ops cast along the usual rules,
# matmul wants it exactly, cat (and stack, which is a cat) has its own message.
DTYPE_RULES = {"cast": _cast, "exact": _exact, "cat": _cat}


def with_out(name, fn, dtype_rule="cast"):
    """``fn`` taking ``out=`` too: PyTorch's ``name(..., out=)``."""
    check_dtype = DTYPE_RULES[dtype_rule]

    @functools.wraps(fn)
    def wrapped(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if graph._GradMode.enabled and any(
                t.requires_grad for t in (*_tensors(args), *_tensors(kwargs.values()), out)):
            raise RuntimeError(errors.OUT_NO_AUTOGRAD.format(name=name))
        with graph.no_grad():
            result = fn(*args, **kwargs)
        check_dtype(name, result, out)
        write_out(out, result)
        return out

    return wrapped


def write_out(out, result):
    if function.tracer is not None:
        function.tracer.refuse("inplace", what="out=")
    shape = result._data.shape
    if out._data.shape != shape:
        if out._data.size:
            warnings.warn(errors.OUT_RESIZED.format(
                shape=list(out._data.shape), required=list(shape)), UserWarning, stacklevel=3)
        out._data = np.empty(shape, dtype=out._data.dtype)
    np.copyto(out._data, result._data, casting="unsafe")
    out._version_counter.value += 1
