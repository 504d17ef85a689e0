"""The Tensor methods that pick, place, repeat and move elements (``split``, ``gather``,
``scatter``, ``masked_fill``, ``repeat``, ``roll``, ``tril``...), with PyTorch's checks
and messages. Each is a row of select_ops.py; ``Tensor`` (tensor.py) inherits them."""

import math

import numpy as np

from . import errors, tensor
from . import select_ops as sel
from .function import apply, apply_view
from .functions import c_type
from .inplace import inplace_of
from .shapes import check_dim, shape_arg


def _shape_text(shape):
    return str(list(shape))


def _index_array(index, name, message=errors.INDEX_DTYPE):
    if not isinstance(index, tensor.Tensor) or index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(message.format(name=name))
    return index._data


def _check_in_bounds(index, dim, size):
    bad = (index < 0) | (index >= size)
    if bad.any():
        raise RuntimeError(errors.INDEX_OUT_OF_BOUNDS.format(
            index=int(index[bad].flat[0]), dim=dim, size=size))


class TensorSelect:
    __slots__ = ()

    # --- views of parts: split, chunk, narrow ---------------------------------------------

    def split(self, split_size, dim=0):
        if self.ndim == 0:
            raise RuntimeError(errors.SPLIT_0D.format(name="split"))
        dim = check_dim(dim, self.ndim)
        n = self._data.shape[dim]
        if isinstance(split_size, (list, tuple)):
            return self._split_with_sizes(tuple(split_size), dim)
        if split_size < 0:
            raise RuntimeError(errors.SPLIT_SIZE_NEGATIVE.format(size=split_size))
        if split_size == 0 and n:
            raise RuntimeError(errors.SPLIT_SIZE_ZERO.format(size=n))
        starts = range(0, n, split_size) if n else (0,)
        return tuple(self._part(sel.SPLIT, dim, a, min(a + split_size, n), output_nr=i)
                     for i, a in enumerate(starts))

    def _split_with_sizes(self, sizes, dim):
        if any(s < 0 for s in sizes):
            raise RuntimeError(errors.SPLIT_SIZES_NEGATIVE.format(sizes=list(sizes)))
        n = self._data.shape[dim]
        if sum(sizes) != n:
            raise RuntimeError(errors.SPLIT_SIZES_SUM.format(size=n, dim=dim, sizes=list(sizes)))
        bounds = np.cumsum((0,) + sizes)
        return tuple(self._part(sel.SPLIT_WITH_SIZES, dim, int(a), int(b), output_nr=i)
                     for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])))

    def chunk(self, chunks, dim=0):
        if self.ndim == 0:
            raise RuntimeError(errors.SPLIT_0D.format(name="chunk"))
        if chunks <= 0:
            raise RuntimeError(errors.CHUNK_NOT_POSITIVE.format(chunks=chunks))
        dim = check_dim(dim, self.ndim)
        n = self._data.shape[dim]
        if n == 0:  # PyTorch gives ``chunks`` empty parts
            return self._split_with_sizes((0,) * chunks, dim)
        return self.split(math.ceil(n / chunks), dim)

    def narrow(self, dim, start, length):
        if self.ndim == 0:
            raise RuntimeError(errors.NARROW_0D)
        dim = check_dim(dim, self.ndim)
        n = self._data.shape[dim]
        if isinstance(start, tensor.Tensor):
            start = start.item()
        if length < 0:
            raise RuntimeError(errors.NARROW_LENGTH_NEGATIVE)
        if not -n <= start <= n:
            raise IndexError(errors.NARROW_START.format(low=-n, high=n, start=start))
        start = start % n if start < 0 else start
        if start + length > n:
            raise RuntimeError(errors.NARROW_BEYOND.format(start=start, length=length, size=n))
        return self._part(sel.NARROW, dim, start, start + length)

    def _part(self, op, dim, start, stop, **ctx):
        return apply_view(op, self, key=sel.slice_along(dim, start, stop),
                          in_shape=self._data.shape, **ctx)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        d1, d2 = check_dim(dim1, self.ndim), check_dim(dim2, self.ndim)
        if d1 == d2:
            raise RuntimeError(errors.DIAGONAL_SAME_DIMS.format(dim1=dim1, dim2=dim2))
        return apply_view(sel.DIAGONAL, self, offset=offset, dim1=d1, dim2=d2,
                          in_shape=self._data.shape)

    # --- copies: repeat, roll, tril/triu ------------------------------------------------

    def repeat(self, *sizes):
        sizes = tuple(int(n) for n in shape_arg(sizes))
        if len(sizes) < self.ndim:
            raise RuntimeError(errors.REPEAT_TOO_FEW)
        padded = (1,) * (len(sizes) - self.ndim) + self._data.shape
        shape = [r * n for r, n in zip(sizes, padded)]
        for size in shape:
            if size < 0:
                raise RuntimeError(errors.NEGATIVE_DIMENSION.format(dim=size, shape=shape))
        return apply(sel.REPEAT, (self,), repeats=sizes, in_shape=self._data.shape)

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        """As PyTorch: a number of repeats is an unsqueeze, expand, clone and view (its
        nodes); a tensor of repeats is an index_select."""
        x = self.flatten() if dim is None else self
        dim = 0 if dim is None else check_dim(dim, x.ndim)
        if isinstance(repeats, tensor.Tensor) and repeats.ndim:
            counts = repeats._data
            if counts.size == 1:
                counts = np.repeat(counts, x._data.shape[dim] if x.ndim else 1)
            if (counts < 0).any():
                raise RuntimeError(errors.REPEATS_NEGATIVE)
            if x.ndim and counts.size != x._data.shape[dim]:
                raise RuntimeError(errors.REPEATS_SIZE.format(
                    count=counts.size, dim=dim, size=x._data.shape[dim]))
            picks = np.repeat(np.arange(counts.size), counts)
            return x.index_select(dim, tensor.Tensor._make(picks.astype(np.int64)))
        n = int(repeats.item() if isinstance(repeats, tensor.Tensor) else repeats)
        if n < 0:
            raise RuntimeError(errors.REPEATS_NEGATIVE)
        if x.ndim == 0:
            x = x.reshape(1)
        shape = list(x.shape)
        wide = x.unsqueeze(dim + 1)
        expanded = wide.expand(*(shape[:dim + 1] + [n] + shape[dim + 1:]))
        shape[dim] *= n
        return expanded.clone().view(*shape)

    def roll(self, shifts, dims=None):
        shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
        if dims is None:
            if len(shifts) != 1:
                raise RuntimeError(errors.ROLL_ALIGN.format(shifts=len(shifts), dims=0))
            return apply(sel.ROLL, (self,), shifts=shifts, dims=None)
        dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
        if len(shifts) != len(dims):
            raise RuntimeError(errors.ROLL_ALIGN.format(shifts=len(shifts), dims=len(dims)))
        if self._data.size == 0:  # PyTorch returns before it looks at the dims
            return apply(sel.ROLL, (self,), shifts=(0,), dims=None)
        if self.ndim == 0:
            raise IndexError(errors.DIM_OF_0D.format(dim=dims[0]))
        dims = tuple(check_dim(d, self.ndim) for d in dims)
        return apply(sel.ROLL, (self,), shifts=shifts, dims=dims)

    def tril(self, diagonal=0):
        return self._triangle(sel.TRIL, "tril", diagonal)

    def triu(self, diagonal=0):
        return self._triangle(sel.TRIU, "triu", diagonal)

    def _triangle(self, op, name, diagonal):
        if self.ndim < 2:
            raise RuntimeError(errors.TRI_NDIM.format(name=name))
        return apply(op, (self,), diagonal=diagonal)

    # --- reading and writing at indices -------------------------------------------------

    def gather(self, dim, index, *, sparse_grad=False):
        dim = check_dim(dim, self.ndim)
        idx = _index_array(index, "gather")
        if idx.ndim != self.ndim and max(idx.ndim, self.ndim) > 1:
            raise RuntimeError(errors.INDEX_NDIM.format(what="input"))
        for d, (m, n) in enumerate(zip(idx.shape, self._data.shape)):
            if d != dim and m > n:
                raise RuntimeError(errors.GATHER_INDEX_SIZE.format(
                    at=d, index=_shape_text(idx.shape), shape=_shape_text(self.shape), dim=dim))
        _check_in_bounds(idx, dim, self._data.shape[dim] if self.ndim else 1)
        key = sel.along(idx, dim) if idx.ndim else ()  # a 0-d x: x itself
        return apply(sel.GATHER, (self,), key=key, in_shape=self._data.shape)

    def index_select(self, dim, index):
        dim = check_dim(dim, self.ndim)
        idx = _index_array(index, "index_select", errors.INDEX_SELECT_DTYPE)
        if idx.ndim > 1:
            raise IndexError(errors.INDEX_SELECT_NOT_VECTOR)
        idx = idx.reshape(-1)
        size = self._data.shape[dim] if self.ndim else 1
        if size == 0 and idx.size and self.ndim > 1:
            raise RuntimeError(errors.INDEX_SELECT_EMPTY_DIM)
        bad = (idx < 0) | (idx >= size)
        if bad.any():
            if self.ndim <= 1:  # PyTorch's kernel for vectors words it so
                raise IndexError(errors.INDEX_OUT_OF_RANGE)
            raise RuntimeError(errors.INDEX_SELECT_OUT_OF_BOUNDS.format(
                index=int(idx[bad][0]), size=size))
        key = (slice(None),) * dim + (idx,) if self.ndim else ()
        return apply(sel.INDEX_SELECT, (self,), key=key, in_shape=self._data.shape)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        if reduce is not None:
            raise NotImplementedError("micrograd_nb: scatter(reduce=...) is not implemented")
        if src is None:
            src = value
        dim, key = self._scatter_key(dim, index, src)
        if isinstance(src, tensor.Tensor):
            part = tuple(slice(0, n) for n in index._data.shape)
            source = src[part] if src._data.shape != index._data.shape else src
            return apply(sel.SCATTER, (self, source), key=key)
        return apply(sel.SCATTER_VALUE, (self,), key=key, value=src)

    def scatter_add(self, dim, index, src):
        if not isinstance(src, tensor.Tensor):
            raise TypeError(errors.SCATTER_ADD_SRC_TYPE.format(type_name=type(src).__name__))
        dim, key = self._scatter_key(dim, index, src)
        part = tuple(slice(0, n) for n in index._data.shape)
        source = src[part] if src._data.shape != index._data.shape else src
        return apply(sel.SCATTER_ADD, (self, source), key=key)

    def _scatter_key(self, dim, index, src):
        dim = check_dim(dim, self.ndim)
        idx = _index_array(index, "scatter")
        if isinstance(src, tensor.Tensor) and src._data.dtype != self._data.dtype:
            raise RuntimeError(errors.SCATTER_SRC_DTYPE)
        if idx.ndim != self.ndim and max(idx.ndim, self.ndim) > 1:
            raise RuntimeError(errors.INDEX_NDIM.format(what="self"))
        shape, index_shape = _shape_text(self.shape), _shape_text(idx.shape)
        too_big = any(d != dim and m > n for d, (m, n) in enumerate(
            zip(idx.shape, self._data.shape)))
        if isinstance(src, tensor.Tensor) and any(
                m > n for m, n in zip(idx.shape, src._data.shape)):
            raise RuntimeError(errors.SCATTER_INDEX_SRC_SIZE.format(
                index=index_shape, shape=shape, dim=dim, src=_shape_text(src.shape)))
        if too_big:
            raise RuntimeError(errors.SCATTER_INDEX_SIZE.format(
                index=index_shape, shape=shape, dim=dim))
        _check_in_bounds(idx, dim, self._data.shape[dim] if self.ndim else 1)
        return dim, sel.along(idx, dim) if self.ndim else ()

    def masked_fill(self, mask, value):
        if mask._data.dtype != np.bool_:
            raise RuntimeError(errors.MASK_NOT_BOOL.format(dtype=c_type(mask)))
        if isinstance(value, tensor.Tensor):
            if value.ndim:
                raise RuntimeError(errors.MASK_VALUE_NOT_0D.format(ndim=value.ndim))
            return apply(sel.MASKED_FILL_TENSOR, (self, value._cast(self.dtype)),
                         mask=mask._data)
        return apply(sel.MASKED_FILL, (self,), mask=mask._data, value=value)

    # The in-place forms: the op above, written into the tensor (inplace.py).
    masked_fill_ = inplace_of("masked_fill")
    scatter_ = inplace_of("scatter")
    scatter_add_ = inplace_of("scatter_add")
    tril_ = inplace_of("tril")
    triu_ = inplace_of("triu")
