"""Making tensors: ``tensor``, ``zeros``, ``arange``... with PyTorch's defaults (float32)
and errors. The random ones (``rand``, ``randn``...) live in random.py."""

import warnings

import numpy as np

from . import devices, dtypes, errors
from .involved import attach
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
            raise attach(RuntimeError(errors.CREATE_INT_REQUIRING_GRAD), tensor=t)
        t._requires_grad = True
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of ``data`` (``torch.tensor``)."""
    devices.resolve(device)
    if isinstance(data, Tensor):
        warnings.warn(errors.COPY_CONSTRUCT_WARNING.format(call="torch.tensor"), UserWarning,
                      stacklevel=2)
        data = data._data
    elif isinstance(data, (list, tuple)):
        data = _unwrap_nested(data)
    array = np.array(data)
    if array.dtype == object:
        odd = _first_non_number(data)
        raise RuntimeError(errors.INFER_DTYPE.format(type_name=type(odd).__name__))
    dt = dtype or _infer_dtype(array, data)
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 as float32 is inf, silently
        array = array.astype(dt.numpy, copy=False)
    return _leaf(array.copy(), requires_grad)


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


def as_tensor(data, dtype=None, device=None):
    """``data`` itself when it is a tensor of that dtype; a tensor sharing the memory of
    a numpy array of that dtype; else a copy."""
    devices.resolve(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.numpy):
        return from_numpy(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tensor(data, dtype=dtype)


asarray = as_tensor


def from_numpy(array):
    """A tensor sharing ``array``'s memory: a change to one is seen in the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(errors.FROM_NUMPY_TYPE.format(type_name=type(array).__name__))
    dtypes.from_numpy_dtype(array.dtype)  # PyTorch's error for a type it cannot hold
    return Tensor._make(array)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _filled(fill, size, dtype, device, requires_grad):
    devices.resolve(device)
    dt = dtype or dtypes.get_default_dtype()
    return _leaf(np.full(_size(size), fill, dtype=dt.numpy), requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, **options):
    return _filled(0, options.get("size", size), dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **options):
    return _filled(1, options.get("size", size), dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, **options):
    # Filled with zeros: "uninitialized" memory, deterministic.
    return _filled(0, options.get("size", size), dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = dtypes.scalar_dtype(fill_value)
    return _filled(fill_value, (tuple(size),), dtype, device, requires_grad)


def _like(t, fill, dtype, device, requires_grad):
    devices.resolve(device)
    return _leaf(np.full(t._data.shape, fill, dtype=(dtype or t.dtype).numpy), requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False, **options):
    return _like(input, 0, dtype, device, requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False, **options):
    return _like(input, 1, dtype, device, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False, **options):
    return _like(input, 0, dtype, device, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, **options):
    return _like(input, fill_value, dtype, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    devices.resolve(device)
    dt = dtype or dtypes.get_default_dtype()
    return _leaf(np.eye(n, m, dtype=dt.numpy), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    devices.resolve(device)
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = dtypes.get_default_dtype() if is_float else dtypes.int64
    return _leaf(np.arange(start, end, step).astype(dtype.numpy), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    devices.resolve(device)
    dt = dtype or dtypes.get_default_dtype()
    values = np.linspace(start, end, steps)
    if not dt.is_floating_point:
        values = np.trunc(values)  # PyTorch rounds toward zero
    return _leaf(values.astype(dt.numpy), requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    devices.resolve(device)
    dt = dtype or dtypes.get_default_dtype()
    return _leaf(np.power(float(base), np.linspace(start, end, steps)).astype(dt.numpy),
                 requires_grad)
