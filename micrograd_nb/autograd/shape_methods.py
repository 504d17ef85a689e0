"""The Tensor methods that change shape: reshape, view, transpose, permute, squeeze,
expand... (views where PyTorch's are) and indexing. ``Tensor`` (tensor.py) inherits them."""

import warnings

import numpy as np

from . import errors, ops
from .function import apply, apply_view
from .indexing import index, setitem
from .shapes import check_dim, check_dims, infer_shape, shape_arg, viewable


class TensorShape:
    __slots__ = ()

    def reshape(self, *shape):
        out_shape = infer_shape(shape_arg(shape), self._data.size)
        if not viewable(self._data, out_shape):  # PyTorch copies, then views the copy
            return apply(ops.UNSAFE_VIEW, (self.clone(),), shape=out_shape,
                             in_shape=self._data.shape)
        op = ops.VIEW if self._data.flags.c_contiguous else ops.RESHAPE_ALIAS
        return apply_view(op, self, shape=out_shape, in_shape=self._data.shape)

    def view(self, *shape):
        out_shape = infer_shape(shape_arg(shape), self._data.size)
        if not viewable(self._data, out_shape):
            raise RuntimeError(errors.VIEW_STRIDES)
        return apply_view(ops.VIEW, self, shape=out_shape, in_shape=self._data.shape)

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1):
        start, end = check_dim(start_dim, self.ndim), check_dim(end_dim, self.ndim)
        if start > end:
            raise RuntimeError(errors.FLATTEN_DIMS)
        if self.ndim == 0:
            return self.reshape(1)
        if self.ndim == 1:
            return self  # PyTorch returns the tensor itself: no node
        start, end = check_dim(start_dim, self.ndim), check_dim(end_dim, self.ndim)
        if start == end:
            return self
        shape = self._data.shape
        new = shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:]
        return self.reshape(new)

    def transpose(self, dim0, dim1):
        return apply_view(ops.TRANSPOSE, self, dim0=check_dim(dim0, self.ndim),
                              dim1=check_dim(dim1, self.ndim))

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(errors.T_TOO_MANY_DIMS.format(ndim=self.ndim))
        return apply_view(ops.T, self)

    @property
    def T(self):
        if self.ndim != 2:  # PyTorch warns once per process; Python's filters decide here
            warnings.warn(errors.T_0D_WARNING if self.ndim == 0 else errors.T_NOT_2D_WARNING,
                          UserWarning, stacklevel=2)
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        if self.ndim == 1:
            raise RuntimeError(errors.MT_NOT_MATRIX.format(ndim=self.ndim))
        return self.transpose(-2, -1) if self.ndim else self

    def expand_as(self, other):
        return self.expand(other.shape)

    def permute(self, *dims):
        dims = shape_arg(dims)
        if len(dims) != self.ndim:
            raise RuntimeError(errors.PERMUTE_DIMS_COUNT.format(ndim=self.ndim,
                                                                count=len(dims)))
        dims = tuple(check_dim(d, self.ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError(errors.PERMUTE_DUPLICATE_DIMS)
        return apply_view(ops.PERMUTE, self, dims=dims)

    def unsqueeze(self, dim):
        return apply_view(ops.UNSQUEEZE, self, dim=check_dim(dim, self.ndim + 1))

    def squeeze(self, dim=None):
        if dim is None:
            return apply_view(ops.SQUEEZE, self, in_shape=self._data.shape)
        if isinstance(dim, (tuple, list)):
            return apply_view(ops.SQUEEZE_TUPLE, self, dims=check_dims(dim, self.ndim),
                              in_shape=self._data.shape)
        return apply_view(ops.SQUEEZE_DIM, self, dim=check_dim(dim, self.ndim),
                              in_shape=self._data.shape)

    def expand(self, *shape):
        shape = shape_arg(shape)
        lead = len(shape) - self.ndim
        if lead < 0:
            raise RuntimeError(errors.EXPAND_TOO_FEW_SIZES.format(
                tensor_type=self.dtype.tensor_type, shape=list(self.shape), size=list(shape),
                count=len(shape), ndim=self.ndim))
        full = tuple(self._data.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
        for i in range(self.ndim - 1, -1, -1):
            if self._data.shape[i] not in (1, full[i + lead]):
                raise RuntimeError(errors.EXPAND_SIZE.format(
                    target=full[i + lead], size=self._data.shape[i], dim=i + lead,
                    target_sizes=list(shape), tensor_sizes=list(self.shape)))
        return apply_view(ops.EXPAND, self, shape=full)

    def __getitem__(self, key):
        return index(self, key)

    def __setitem__(self, key, value):
        setitem(self, key, value)
