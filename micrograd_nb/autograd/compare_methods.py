"""The Tensor methods that compare: ``==``, ``<``..., the logical and bitwise operators,
``all``/``any``/``equal``/``allclose`` and ``argmax``/``argmin``. Their results are
tensors of bools or indices, outside the graph. ``Tensor`` (tensor.py) inherits them."""

import numpy as np

from . import dtypes, errors, function, ops, tensor
from .promotion import as_tensor, binary
from .shapes import arg_along, check_dim, numpy_names


class TensorCompare:
    __slots__ = ()

    def _compare(self, other, fn):
        other = other._data if isinstance(other, tensor.Tensor) else other
        if isinstance(other, np.ndarray) and other.shape != self._data.shape:
            mismatch = function.broadcast_mismatch([self._data.shape, other.shape])
            if mismatch:
                raise RuntimeError(mismatch)
        return tensor.Tensor._make(np.asarray(fn(self._data, other)))

    def _logical(self, other, fn, kernel):
        if isinstance(other, tensor.Tensor):
            mismatch = function.broadcast_mismatch([self._data.shape, other._data.shape])
            if mismatch:
                raise RuntimeError(mismatch)
            dt = dtypes.promote(self.dtype, 2, other.dtype, 2)
        else:
            dt = self.dtype
        if dt.is_floating_point:
            raise NotImplementedError(errors.KERNEL_NOT_FOR_DTYPE.format(
                kernel=kernel, dtype=dt.scalar_type))
        if self._data.dtype != np.bool_ or (isinstance(other, tensor.Tensor)
                                           and other._data.dtype != np.bool_):
            return binary(ops.BITWISE[kernel], self, other)
        return self._compare(other, fn)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__
    __hash__ = object.__hash__  # == is elementwise: a tensor hashes by identity

    def __and__(self, other):
        return self._logical(other, np.logical_and, "bitwise_and_cpu")

    def __or__(self, other):
        return self._logical(other, np.logical_or, "bitwise_or_cpu")

    def __xor__(self, other):
        return self._logical(other, np.logical_xor, "bitwise_xor_cpu")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__
    logical_and, logical_or, logical_xor = __and__, __or__, __xor__

    def __invert__(self):
        if self.dtype.is_floating_point:
            raise TypeError(errors.INVERT_DTYPE)
        return tensor.Tensor._make(~self._data)

    logical_not = bitwise_not = __invert__

    def all(self, dim=None, keepdim=False):
        return tensor.Tensor._make(np.asarray(np.all(self._data, axis=dim, keepdims=keepdim)))

    def any(self, dim=None, keepdim=False):
        return tensor.Tensor._make(np.asarray(np.any(self._data, axis=dim, keepdims=keepdim)))

    def equal(self, other):
        """Same shape and elements (``torch.equal``): a Python bool."""
        return self._data.shape == other._data.shape and bool(np.all(self._data == other._data))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bool(np.allclose(self._data, as_tensor(other)._data, rtol=rtol, atol=atol,
                                equal_nan=equal_nan))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return tensor.Tensor._make(np.isclose(self._data, as_tensor(other)._data, rtol=rtol,
                                       atol=atol, equal_nan=equal_nan))

    @numpy_names
    def argmax(self, dim=None, keepdim=False):
        return self._arg(np.argmax, "argmax", dim, keepdim)

    @numpy_names
    def argmin(self, dim=None, keepdim=False):
        return self._arg(np.argmin, "argmin", dim, keepdim)

    def _arg(self, fn, name, dim, keepdim):
        if self._data.dtype == np.bool_:
            raise RuntimeError(errors.ARG_BOOL.format(name=name))
        dim = None if dim is None else check_dim(dim, self.ndim)
        if self._data.size == 0:
            if dim is None:
                raise IndexError(errors.ARG_EMPTY.format(name=name))
            if self._data.shape[dim] == 0:
                raise IndexError(errors.ARG_EMPTY_DIM.format(name=name, dim=dim))
        return tensor.Tensor._make(np.asarray(arg_along(fn, self._data, dim, keepdim)))
