"""Indexing, decomposed as PyTorch does (``x[0, 1:]`` is a select, then a slice: views),
and writing through an index (``x[key] = value``), named as PyTorch names it."""

import numpy as np

from . import errors, ops, tensor
from .arrays import is_basic
from .function import apply, apply_view
from .inplace import before_inplace, check_inplace, commit_inplace


def is_advanced(k):
    return isinstance(k, (list, np.ndarray, tensor.Tensor, bool, np.bool_))


def numpy_index_part(k):
    if isinstance(k, tensor.Tensor):
        return k._data
    if isinstance(k, list):
        return np.asarray([numpy_index_part(i) for i in k])
    if isinstance(k, np.integer):
        return int(k)
    return k


def numpy_key(key, shape):
    items = key if isinstance(key, tuple) else (key,)
    items = tuple(numpy_index_part(k) for k in items)
    if any(is_advanced(k) for k in items):
        return expand_bool(items, shape)
    return items if isinstance(key, tuple) else items[0]


def expand_bool(items, shape):
    """Boolean masks as integer index arrays, so np.add.at can scatter through them
    (a 0-d mask stays: it adds a dimension, of size 1 or 0). A mask must match the
    dimensions it indexes, checked here with PyTorch's message."""
    out = []
    dim = 0
    for k in items:
        if isinstance(k, np.ndarray) and k.dtype == np.bool_ and k.ndim:
            for j, n in enumerate(k.shape):
                if dim + j < len(shape) and shape[dim + j] != n:
                    raise IndexError(errors.MASK_SHAPE.format(
                        mask_shape=list(k.shape), index=j, shape=list(shape), dim=dim + j))
            out.extend(np.nonzero(k))
            dim += k.ndim
        else:
            out.append(k)
            dim += 0 if k is None or (isinstance(k, np.ndarray) and k.dtype == np.bool_) else 1
    return tuple(out)


def index(x, key):
    items = key if isinstance(key, tuple) else (key,)
    if any(is_advanced(numpy_index_part(k)) for k in items):
        np_key = numpy_key(key, x._data.shape)
        return apply(ops.INDEX, (x,), key=np_key, in_shape=x._data.shape)
    n_real = sum(1 for k in items if k is not None and k is not Ellipsis)
    positions = list(range(len(items)))  # where each item was in the key: for errors
    if Ellipsis in items:
        at = items.index(Ellipsis)
        fill = (slice(None),) * (x.ndim - n_real)
        items = items[:at] + fill + items[at + 1:]
        positions = positions[:at] + [at] * len(fill) + positions[at + 1:]
    if n_real > x.ndim:
        raise IndexError(errors.TOO_MANY_INDICES.format(ndim=x.ndim))
    # x[a:b] is a slice even when it takes all of x; within a tuple, PyTorch skips the
    # slices that take a whole dimension (x[...] and x[:, :] are aliases).
    lone = isinstance(key, slice)
    out, dim = x, 0
    for k, position in zip(items, positions):
        if k is None:
            out = out.unsqueeze(dim)
            dim += 1
        elif isinstance(k, slice):
            size = out._data.shape[dim]
            if not lone and k.indices(size) == (0, size, 1):
                dim += 1
                continue
            full = (slice(None),) * dim + (k,)
            out = apply_view(ops.SLICE, out, key=full, in_shape=out._data.shape)
            dim += 1
        else:
            k = numpy_index_part(k)
            size = out._data.shape[dim]
            if not -size <= k < size:
                raise IndexError(errors.INDEX_OUT_OF_BOUNDS.format(index=k, dim=position,
                                                                   size=size))
            full = (slice(None),) * dim + (k,)
            out = apply_view(ops.SELECT, out, key=full, in_shape=out._data.shape)
    if out is x:  # x[:, :] and the like: PyTorch gives an alias
        out = apply_view(ops.ALIAS, x)
    return out


def writes_through_a_view(key, shape):
    """Does ``x[key] = value`` write through a view of x, as PyTorch does it? Yes where
    the key selects, adds a dimension or slices part of one; an Ellipsis, whole slices
    and advanced indexes (lists, masks) write into x itself."""
    items = [numpy_index_part(k) for k in (key if isinstance(key, tuple) else (key,))]

    def width(k):  # the dimensions of x an item consumes
        if k is None or k is Ellipsis or isinstance(k, (bool, np.bool_)):
            return 0
        return k.ndim if isinstance(k, np.ndarray) and k.dtype == np.bool_ else 1

    dim = 0
    for k in items:
        if k is Ellipsis:
            dim += len(shape) - sum(width(i) for i in items)
            continue
        if k is None or (isinstance(k, (int, np.integer)) and not isinstance(k, bool)):
            return True
        if isinstance(k, np.ndarray) and k.dtype == np.bool_ and k.ndim == 0:
            return True  # a 0-d mask adds a dimension, as None does
        if isinstance(k, slice) and (dim >= len(shape)
                                     or k.indices(shape[dim]) != (0, shape[dim], 1)):
            return True
        dim += width(k)
    return False


def setitem(t, key, value):
    through_view = writes_through_a_view(key, t._data.shape)
    check_inplace(t, view=through_view)
    np_key = numpy_key(key, t._data.shape)
    value = value if isinstance(value, tensor.Tensor) else tensor.Tensor._make(
        np.asarray(value, dtype=t._data.dtype))
    if through_view:
        op = ops.COPY_SLICES
    elif not is_basic(np_key):
        op = ops.INDEX_PUT
    elif value.ndim == 0 and t.ndim:  # PyTorch fills with a 0-d value, else copies
        op = ops.FILL_ALL
    else:
        op = ops.COPY
    old = before_inplace(t)
    commit_inplace(t, apply(op, (old, value), key=np_key))
