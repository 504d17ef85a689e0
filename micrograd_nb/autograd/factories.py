"""Making tensors: ``tensor``, ``zeros``, ``arange``... with PyTorch's defaults (float32)
and errors. The random ones (``rand``, ``randn``...) live in random.py."""

import numpy as np

from . import dtypes, errors
from .tensor import Tensor


def _infer_dtype(array, data):
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        return dtypes.from_numpy_dtype(array.dtype)
    kind = array.dtype.kind
    if kind == "f" or kind == "O":
        return dtypes.get_default_dtype()
    if kind in "iu":
        return dtypes.int64
    if kind == "b":
        return dtypes.bool_
    raise RuntimeError(errors.INFER_DTYPE.format(type_name=type(data).__name__))


def _leaf(array, requires_grad):
    t = Tensor._make(array)
    if requires_grad:
        if not dtypes.from_numpy_dtype(array.dtype).is_floating_point:
            raise RuntimeError(errors.CREATE_INT_REQUIRING_GRAD)
        t._requires_grad = True
    return t


def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (``torch.tensor``)."""
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, (list, tuple)):
        data = _unwrap_nested(data)
    array = np.array(data)
    if array.dtype == object:
        odd = _first_non_number(data)
        raise RuntimeError(errors.INFER_DTYPE.format(type_name=type(odd).__name__))
    dt = dtype or _infer_dtype(array, data)
    return _leaf(array.astype(dt.numpy, copy=False).copy(), requires_grad)


def _first_non_number(data):
    """What PyTorch names when it cannot make a tensor: the first element that is not a
    number, in reading order."""
    pending = [data]
    while pending:
        item = pending.pop(0)
        if isinstance(item, (list, tuple)):
            pending[:0] = item
        elif not isinstance(item, (int, float, np.number, np.bool_)):
            return item
    return data


def _unwrap_nested(data):
    return [_unwrap_nested(d) if isinstance(d, (list, tuple))
            else (d.item() if isinstance(d, Tensor) else d) for d in data]


def as_tensor(data, dtype=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtype):
        return data
    return tensor(data, dtype=dtype)


def from_numpy(array):
    return Tensor._make(array)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _filled(fill, size, dtype, requires_grad):
    dt = dtype or dtypes.get_default_dtype()
    return _leaf(np.full(_size(size), fill, dtype=dt.numpy), requires_grad)


def zeros(*size, dtype=None, requires_grad=False):
    return _filled(0, size, dtype, requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _filled(1, size, dtype, requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _filled(0, size, dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = dtypes.scalar_dtype(fill_value)
    return _filled(fill_value, (tuple(size),), dtype, requires_grad)


def _like(t, fill, dtype, requires_grad):
    return _leaf(np.full(t._data.shape, fill, dtype=(dtype or t.dtype).numpy), requires_grad)


def zeros_like(input, dtype=None, requires_grad=False):
    return _like(input, 0, dtype, requires_grad)


def ones_like(input, dtype=None, requires_grad=False):
    return _like(input, 1, dtype, requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad=False):
    return _like(input, fill_value, dtype, requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    dt = dtype or dtypes.get_default_dtype()
    return _leaf(np.eye(n, m, dtype=dt.numpy), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = dtypes.get_default_dtype() if is_float else dtypes.int64
    return _leaf(np.arange(start, end, step).astype(dtype.numpy), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    dt = dtype or dtypes.get_default_dtype()
    return _leaf(np.linspace(start, end, steps).astype(dt.numpy), requires_grad)
