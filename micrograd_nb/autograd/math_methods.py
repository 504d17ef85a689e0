"""The Tensor methods that compute elementwise or reduce: each is one op of ops.py,
with PyTorch's defaults, dtype rules and checks. ``Tensor`` (tensor.py) inherits them;
they are here so that the surface reads in two screens instead of four."""

import warnings
from collections import namedtuple

import numpy as np

from . import dtypes, errors, functions, ops, tensor
from .function import apply
from .inplace import inplace_of
from .promotion import as_tensor, binary, scalar_of
from .shapes import all_dims, check_dim, check_dims, numpy_names, reduced_count, shape_arg

_max_result = namedtuple("max", ["values", "indices"])
_min_result = namedtuple("min", ["values", "indices"])


def _floating_unary(op):
    """A method that applies ``op`` elementwise, in floating point."""
    return lambda self: apply(op, (self._floating(),))


def _step(op, kernel=None):
    """A method for a step function (floor...): an integer tensor stays as it is; a bool
    one is refused where PyTorch has no ``kernel`` for it."""

    def method(self):
        if self.dtype.is_floating_point:
            return apply(op, (self,))
        if kernel is not None and self._data.dtype == np.bool_:
            raise NotImplementedError(errors.KERNEL_NOT_FOR_DTYPE.format(kernel=kernel,
                                                                         dtype="Bool"))
        return tensor.Tensor._make(self._data.copy())

    return method


_round = _step(ops.ROUND, "round_vml_cpu")


class TensorMath:
    __slots__ = ()

    # --- elementwise functions ---------------------------------------------------------

    def exp(self):
        return apply(ops.EXP, (self._floating(),))

    def log(self):
        return apply(ops.LOG, (self._floating(),))

    def sqrt(self):
        return apply(ops.SQRT, (self._floating(),))

    def abs(self):
        if self._data.dtype == np.bool_:
            raise NotImplementedError(errors.KERNEL_NOT_FOR_DTYPE.format(
                kernel="abs_cpu", dtype="Bool"))
        return apply(ops.ABS, (self,))

    __abs__ = abs

    def tanh(self):
        return apply(ops.TANH, (self._floating(),))

    def sigmoid(self):
        return apply(ops.SIGMOID, (self._floating(),))

    def relu(self):
        if self._data.dtype == np.bool_:
            raise RuntimeError(errors.RELU_BOOL)
        return apply(ops.RELU, (self,))

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError(errors.CLAMP_NO_BOUNDS)
        if isinstance(min, tensor.Tensor) or isinstance(max, tensor.Tensor):  # bounds per element
            dt = self._data.dtype
            low = min if min is not None else tensor.Tensor._make(np.asarray(-np.inf, dt))
            high = max if max is not None else tensor.Tensor._make(np.asarray(np.inf, dt))
            return apply(ops.CLAMP_TENSOR, (self, as_tensor(low, self.dtype),
                                            as_tensor(high, self.dtype)))
        return apply(ops.CLAMP, (self,), min=scalar_of(min), max=scalar_of(max))

    clip = clamp

    def clamp_min(self, min):
        return apply(ops.CLAMP_MIN, (self,), min=scalar_of(min))

    def clamp_max(self, max):
        return apply(ops.CLAMP_MAX, (self,), max=scalar_of(max))

    # Pointwise math, in floating point (an integer tensor is read as the default float).
    sin, cos, tan = _floating_unary(ops.SIN), _floating_unary(ops.COS), _floating_unary(ops.TAN)
    asin, acos, atan = (_floating_unary(ops.ASIN), _floating_unary(ops.ACOS),
                        _floating_unary(ops.ATAN))
    arcsin, arccos, arctan = asin, acos, atan
    sinh, cosh = _floating_unary(ops.SINH), _floating_unary(ops.COSH)
    asinh, acosh, atanh = (_floating_unary(ops.ASINH), _floating_unary(ops.ACOSH),
                           _floating_unary(ops.ATANH))
    arcsinh, arccosh, arctanh = asinh, acosh, atanh
    log1p, expm1 = _floating_unary(ops.LOG1P), _floating_unary(ops.EXPM1)
    log2, log10, exp2 = (_floating_unary(ops.LOG2), _floating_unary(ops.LOG10),
                         _floating_unary(ops.EXP2))
    rsqrt, erf = _floating_unary(ops.RSQRT), _floating_unary(ops.ERF)
    # Steps: an integer tensor is returned as it is, copied.
    floor, ceil, trunc = (_step(ops.FLOOR, "floor_vml_cpu"), _step(ops.CEIL, "ceil_vml_cpu"),
                          _step(ops.TRUNC, "trunc_vml_cpu"))
    fix = trunc
    sign = _step(ops.SIGN_STEP)

    def __round__(self, ndigits=None):
        return self.round(decimals=ndigits or 0)

    def round(self, *, decimals=0):
        if decimals:
            return (self * 10 ** decimals).round() / 10 ** decimals
        return _round(self)


    def frac(self):
        return apply(ops.FRAC, (self,))

    def sgn(self):
        if self._data.dtype == np.bool_:
            return tensor.Tensor._make(self._data.copy())
        return apply(ops.SIGN, (self,))

    def square(self):
        return self ** 2

    def atan2(self, other):
        return binary(ops.ATAN2, self, other, floating=True)

    arctan2 = atan2

    def hypot(self, other):
        return binary(ops.HYPOT, self, other, floating=True)

    def maximum(self, other):
        return binary(ops.MAXIMUM, self, other)

    def minimum(self, other):
        return binary(ops.MINIMUM, self, other)

    def remainder(self, other):
        self._refuse_two_bools(other, "remainder_cpu")
        if isinstance(other, tensor.Tensor):
            return binary(ops.REMAINDER, self, other)
        floating = self.dtype.is_floating_point or not isinstance(other, float)
        x = self if floating else self._floating()
        return apply(ops.REMAINDER_SCALAR, (x,), other=other)

    __mod__ = remainder

    def __rmod__(self, other):
        return binary(ops.REMAINDER, other, self)

    def floor_divide(self, other):
        self._refuse_two_bools(other, "div_floor_cpu")
        return binary(ops.FLOOR_DIVIDE, self, other)

    __floordiv__ = floor_divide

    def __rfloordiv__(self, other):
        return binary(ops.FLOOR_DIVIDE, other, self)

    def lerp(self, end, weight):
        if isinstance(end, tensor.Tensor) and end.dtype is not self.dtype:
            raise RuntimeError(errors.LERP_DTYPE.format(
                dtype=functions.c_type(self), end=functions.c_type(end)))
        if not self.dtype.is_floating_point:
            raise NotImplementedError(errors.KERNEL_NOT_FOR_DTYPE.format(
                kernel="lerp_kernel_scalar", dtype=self.dtype.scalar_type))
        if isinstance(weight, tensor.Tensor):
            dt = dtypes.promote(self.dtype, 2, weight.dtype, 2)
            return apply(ops.LERP_TENSOR, (self, as_tensor(end, dt), weight._cast(dt)))
        return binary(ops.LERP, self, end, weight=weight)

    def isnan(self):
        return tensor.Tensor._make(np.isnan(self._data))

    def isinf(self):
        return tensor.Tensor._make(np.isinf(self._data))

    def isfinite(self):
        return tensor.Tensor._make(np.isfinite(self._data))

    def softmax(self, dim):
        dim = check_dim(dim, self.ndim)
        return apply(ops.SOFTMAX, (self._softmax_input(),), dim=dim)

    def log_softmax(self, dim):
        dim = check_dim(dim, self.ndim)
        return apply(ops.LOG_SOFTMAX, (self._softmax_input(),), dim=dim)

    def _softmax_input(self):
        if not self.dtype.is_floating_point:
            raise NotImplementedError(errors.KERNEL_NOT_FOR_DTYPE.format(
                kernel="softmax_kernel_impl", dtype=self.dtype.scalar_type))
        return self

    # --- reductions: ``axis=``/``keepdims=`` are read as ``dim=``/``keepdim=``, as in
    # PyTorch; ``dim=()`` (or ``[]``) means every dimension, as ``dim=None`` -----------

    def sum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        # numpy's names spelled out, not by numpy_names: sum is on every hot path.
        if axis is not None:
            dim = axis
        if keepdims is not None:
            keepdim = keepdims
        if dtype is not None:
            x = self._cast(dtype)
        else:
            x = self if self.dtype.is_floating_point else self._cast(dtypes.int64)
        if dim is None:
            return apply(ops.SUM, (x,), shape=self._data.shape)
        return apply(ops.SUM_DIM, (x,), dim=check_dims(dim, self.ndim), keepdim=keepdim,
                     shape=self._data.shape)

    @numpy_names
    def mean(self, dim=None, keepdim=False, *, dtype=None):
        x = self if dtype is None else self._cast(dtype)
        if not x.dtype.is_floating_point:
            raise RuntimeError(errors.MEAN_DTYPE.format(
                type_name=x.dtype.tensor_type[:-len('Tensor')]))
        if dim is None:
            return apply(ops.MEAN, (x,), shape=self._data.shape)
        return apply(ops.MEAN_DIM, (x,), dim=check_dims(dim, self.ndim), keepdim=keepdim,
                     shape=self._data.shape)

    @numpy_names
    def max(self, dim=None, keepdim=False):
        if isinstance(dim, tensor.Tensor):  # max(other): elementwise, as maximum()
            return self.maximum(dim)
        return self._extreme(dim, keepdim, ops.MAX_ALL, ops.MAX_DIM, np.argmax, _max_result)

    @numpy_names
    def min(self, dim=None, keepdim=False):
        if isinstance(dim, tensor.Tensor):
            return self.minimum(dim)
        return self._extreme(dim, keepdim, ops.MIN_ALL, ops.MIN_DIM, np.argmin, _min_result)

    @numpy_names
    def prod(self, dim=None, keepdim=False, *, dtype=None):
        x = self._cast(dtype) if dtype is not None else (
            self if self.dtype.is_floating_point else self._cast(dtypes.int64))
        if dim is None:
            return apply(ops.PROD, (x,))
        return apply(ops.PROD_DIM, (x,), dim=check_dim(dim, self.ndim), keepdim=keepdim)

    @numpy_names
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return self._spread(ops.VAR, "var", dim, unbiased, keepdim, correction)

    @numpy_names
    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return self._spread(ops.STD, "std", dim, unbiased, keepdim, correction)

    def _spread(self, op, name, dim, unbiased, keepdim, correction):
        if isinstance(dim, bool):  # var(unbiased)
            dim, unbiased = None, dim
        if not self.dtype.is_floating_point:
            raise RuntimeError(errors.VAR_DTYPE)
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        dims = all_dims(dim, self.ndim)
        count = reduced_count(self._data.shape, dims)
        if count - correction <= 0:
            warnings.warn(errors.VAR_NO_DEGREES_OF_FREEDOM.format(name=name), UserWarning,
                          stacklevel=3)
        return apply(op, (self,), dim=dims, correction=correction, keepdim=keepdim)

    @numpy_names
    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        ord = 2 if p in ("fro", None) else p
        return functions.vector_norm(self, ord, dim, keepdim, dtype=dtype)

    @numpy_names
    def logsumexp(self, dim, keepdim=False):
        x = self._floating()
        return apply(ops.LOGSUMEXP, (x,), dim=all_dims(dim, self.ndim), keepdim=keepdim)

    @numpy_names
    def amax(self, dim=(), keepdim=False):
        return self._extreme_of_dims(ops.AMAX, "amax", dim, keepdim)

    @numpy_names
    def amin(self, dim=(), keepdim=False):
        return self._extreme_of_dims(ops.AMIN, "amin", dim, keepdim)

    def _extreme_of_dims(self, op, name, dim, keepdim):
        dims = all_dims(dim, self.ndim)
        if self._data.size == 0 and not dim:
            raise RuntimeError(errors.AMAX_EMPTY.format(name=name))
        return apply(op, (self,), dim=dims, keepdim=keepdim)

    @numpy_names
    def cumsum(self, dim, *, dtype=None):
        x = self._cast(dtype) if dtype is not None else (
            self if self.dtype.is_floating_point else self._cast(dtypes.int64))
        return apply(ops.CUMSUM, (x,), dim=check_dim(dim, self.ndim))

    @numpy_names
    def cumprod(self, dim, *, dtype=None):
        x = self._cast(dtype) if dtype is not None else (
            self if self.dtype.is_floating_point else self._cast(dtypes.int64))
        return apply(ops.CUMPROD, (x,), dim=check_dim(dim, self.ndim))

    def flip(self, *dims):
        dims = tuple(check_dim(d, self.ndim) for d in shape_arg(dims))
        return apply(ops.FLIP, (self,), dims=dims)

    def _extreme(self, dim, keepdim, op_all, op_dim, arg, result):
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(errors.REDUCE_EMPTY.format(op=result.__name__))
            return apply(op_all, (self,))
        dim = check_dim(dim, self.ndim)
        indices = arg(self._data, axis=dim) if self.ndim else np.zeros((), dtype=np.int64)
        values = apply(op_dim, (self,), dim=dim, keepdim=keepdim, indices=indices)
        if keepdim and self.ndim:
            indices = np.expand_dims(indices, dim)
        return result(values, tensor.Tensor._make(np.asarray(indices, dtype=np.int64)))


# The in-place form of every pointwise op (``x.exp_()``...), each made from its method by
# one mechanism (inplace.py): the op's node and checks, the version bump.
POINTWISE = (
    "exp", "log", "sqrt", "abs", "neg", "negative", "tanh", "sigmoid", "relu", "reciprocal",
    "square", "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "log1p", "expm1", "log2", "log10", "exp2", "rsqrt", "erf", "floor",
    "ceil", "round", "trunc", "fix", "frac", "sign", "sgn", "clamp_min", "clamp_max", "clip",
    "lerp", "atan2", "arctan2", "hypot", "remainder", "pow",
)
for _name in POINTWISE:
    setattr(TensorMath, f"{_name}_", inplace_of(_name))
# Where PyTorch records the in-place form as a node of its own: asinh_ (AsinhBackward1,
# no derivative), floor_divide_ (named aten::floor_divide_ when it refuses).
for _name, _op in ops.INPLACE_WITHOUT_DERIVATIVE.items():
    _method = inplace_of(_name, lambda self, op=_op: apply(op, (self._floating(),)))
    setattr(TensorMath, f"{_name}_", _method)
    setattr(TensorMath, f"arc{_name[1:]}_", _method)
del _name, _op, _method
TensorMath.floor_divide_ = inplace_of(
    "floor_divide", lambda self, other: binary(ops.FLOOR_DIVIDE_INPLACE, self, other))
