"""``Tensor``: a numpy array with PyTorch's autograd.

The PyTorch-shaped surface: names, defaults, checks and errors. Every method that
computes something is one op of ops.py, recorded by function.py's ``apply``; type
promotion is promotion.py, indexing indexing.py, in-place ops and views inplace.py.
"""

import warnings
import weakref
from collections import namedtuple

import numpy as np

from . import devices, dtypes, errors, function, functions, ops, random
from .arrays import int_power
from .dtypes import Size
from .function import apply, apply_view
from .indexing import index, setitem
from .inplace import check_inplace, inplace, refresh_view_history
from .involved import attach, involving
from .math_methods import TensorMath
from .promotion import as_tensor, binary, scalar_of
from .select_methods import TensorSelect
from .shapes import (
    arg_along,
    check_dim,
    check_dims,
    infer_shape,
    numpy_names,
    shape_arg,
    viewable,
)


class _Version:
    """The version counter PyTorch keeps per storage: views and ``detach()`` share it,
    in-place ops bump it, saved tensors compare against it. ``t._version`` reads as the
    int PyTorch shows (``t._version == 1``, ``print(t._version)``)."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0

    def __int__(self):
        return self.value

    __index__ = __int__

    def __eq__(self, other):
        return self.value == (other.value if isinstance(other, _Version) else other)

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):
        return repr(self.value)


class RemovableHandle:
    def __init__(self, remove):
        self._remove = remove

    def remove(self):
        self._remove()


_max_result = namedtuple("max", ["values", "indices"])
_min_result = namedtuple("min", ["values", "indices"])


def _cast_to(dt):
    return lambda self: self._cast(dt)


def _made_like(name):
    """``t.new_zeros(*size)`` and the like: the factory, with ``t``'s dtype by default."""

    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return getattr(factories, name)(*size, dtype=dtype or self.dtype, device=device,
                                        requires_grad=requires_grad)

    method.__name__ = f"new_{name}"
    return method


class Tensor(TensorMath, TensorSelect):
    __slots__ = ("_data", "_requires_grad", "_grad", "_grad_fn", "_version", "_accumulator",
                 "_hooks", "_view_of_leaf", "_retains_grad", "_base", "_view_chain",
                 "_base_fn", "__weakref__")

    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor

    def __init__(self, data=()):
        # Tensor(data) is the legacy constructor: always the default float dtype.
        self._init(np.array(data, dtype=dtypes.get_default_dtype().numpy), False, None, None)

    def _init(self, data, requires_grad, grad_fn, version):
        self._data = data
        self._requires_grad = requires_grad
        self._grad = None
        self._grad_fn = grad_fn
        self._version = _Version() if version is None else version
        self._accumulator = None
        self._hooks = None
        self._view_of_leaf = False
        self._retains_grad = False
        # A view (x[0], x.T, x.view(...)) remembers its base and the view ops that lead
        # there, so that an in-place change through either one updates both histories.
        self._base = None
        self._view_chain = ()
        self._base_fn = None  # the base's grad_fn this view's history was built on

    @classmethod
    def _make(cls, data, requires_grad=False, grad_fn=None, version=None):
        t = object.__new__(cls)
        t._init(data, requires_grad, grad_fn, version)
        return t

    # --- autograd attributes -----------------------------------------------------------

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self.grad_fn is not None:  # PyTorch's setter refuses either way on a non-leaf
            raise RuntimeError(errors.REQUIRES_GRAD_NON_LEAF_SET if value
                               else errors.REQUIRES_GRAD_NON_LEAF)
        if value and not self.dtype.is_floating_point:
            raise RuntimeError(errors.ASSIGN_INT_REQUIRING_GRAD)
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(errors.REQUIRES_GRAD_NON_LEAF)
            return self
        if requires_grad and not self.dtype.is_floating_point:
            raise attach(RuntimeError(errors.SET_INT_REQUIRING_GRAD), tensor=self)
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        base = self._base
        if base is not None and base._grad_fn is not self._base_fn:
            refresh_view_history(self)
        return self._grad_fn

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            import warnings

            warnings.warn(errors.NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(errors.GRAD_ASSIGN_TYPE.format(type_name=type(value).__name__))
            if value.shape != self.shape:
                raise RuntimeError(errors.GRAD_ASSIGN_SIZE.format(
                    grad_size=list(value.shape), tensor_size=list(self.shape)))
        self._grad = value

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError(errors.RETAIN_GRAD_NO_GRAD)
        if self.grad_fn is None or self._retains_grad:
            return  # a leaf keeps its .grad anyway
        self._retains_grad = True
        self.grad_fn._set_retains(function.RetainGrad(weakref.ref(self)))

    def register_hook(self, hook):
        if not self._requires_grad:
            raise RuntimeError(errors.HOOK_NO_GRAD)
        wrapped = function.TensorHook(hook)
        if self.grad_fn is not None:
            node = self.grad_fn
            node._add_tensor_hook(wrapped)
            return RemovableHandle(lambda: node._remove_tensor_hook(wrapped))
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(wrapped)
        return RemovableHandle(lambda: wrapped in self._hooks and self._hooks.remove(wrapped))

    def _grad_node(self):
        """The node a gradient for this tensor flows into: its grad_fn, or for a leaf
        that requires grad its AccumulateGrad (made once, held weakly)."""
        grad_fn = self._grad_fn if self._base is None else self.grad_fn
        if grad_fn is not None:
            return grad_fn
        node = self._accumulator() if self._accumulator is not None else None
        if node is None:
            node = function.AccumulateGrad(self)
            self._accumulator = weakref.ref(node)
        return node

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. the graph leaves
        (``torch.Tensor.backward``)."""
        __tracebackhide__ = True  # IPython and pytest show the user's line, not ours
        from .api import backward

        backward([self], None if gradient is None else [gradient], retain_graph,
                 create_graph, inputs)

    def detach(self):
        return Tensor._make(self._data, False, None, self._version)

    def detach_(self):
        if self._view_of_leaf:
            raise RuntimeError(errors.DETACH_VIEW_INPLACE)
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        # Shares storage but not the version counter: changes through .data are not
        # seen by autograd (and can silently give wrong gradients), as in PyTorch.
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    # --- conversions -------------------------------------------------------------------

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        return self.shape if dim is None else self._data.shape[dim]

    @property
    def dtype(self):
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    @property
    def device(self):
        return devices.CPU

    is_cuda = False
    is_mps = False

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def item(self):
        return self._scalar_item()

    def _scalar_item(self):
        if self._data.size != 1:
            raise RuntimeError(errors.ITEM_NOT_ONE_ELEMENT.format(numel=self._data.size))
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise attach(RuntimeError(errors.NUMPY_REQUIRES_GRAD), tensor=self)
        return self._data

    def __array__(self, dtype=None, copy=None):
        with involving(via="__array__"):  # numpy itself converting the tensor
            array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False, **options):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its dtype
        and device): the tensor itself when nothing changes, unless ``copy=True``."""
        for arg in args:
            if isinstance(arg, dtypes.dtype):
                dtype = arg
            elif isinstance(arg, Tensor):
                dtype = arg.dtype
            else:
                device = arg
        if device is not None:
            devices.resolve(device)
        out = self if dtype is None else self._cast(dtype)
        return out.clone() if copy and out is self else out

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        return self.to(devices.device("cuda"))

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            return f"torch.{self.dtype.tensor_type}"
        return self._cast(dtype)

    def type_as(self, other):
        return self._cast(other.dtype)

    # t.float(), t.long()...: a cast to that dtype (the tensor itself if it has it).
    (half, float, double, byte, char, short, int, long, bool) = (
        _cast_to(d) for d in (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.uint8,
                              dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64,
                              dtypes.bool_))

    def _cast(self, dt):
        if dt is self.dtype:
            return self
        out = apply(ops.TO_COPY, (self,), dtype=dt.numpy)
        if not dt.is_floating_point:
            out._grad_fn, out._requires_grad = None, False
        return out

    def clone(self):
        return apply(ops.CLONE, (self,))

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError(errors.LEN_0D)
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError(errors.ITER_0D)
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(errors.BOOL_AMBIGUOUS if self._data.size
                               else errors.BOOL_AMBIGUOUS_EMPTY)
        return bool(self._data)

    def __float__(self):
        if self._data.size != 1:
            raise ValueError(errors.SCALAR_NOT_ONE_ELEMENT)
        if self._requires_grad:
            warnings.warn(errors.SCALAR_OF_REQUIRES_GRAD_WARNING, UserWarning, stacklevel=2)
        return float(self._scalar_item())

    def __int__(self):
        if self._data.size != 1:
            raise ValueError(errors.SCALAR_NOT_ONE_ELEMENT)
        return int(self._scalar_item())

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError(errors.INDEX_CONVERSION)
        return int(self.item())

    __hash__ = object.__hash__

    def __format__(self, spec):
        """``f"{loss:.4f}"``: a 0-d tensor formats as its number, as in PyTorch; any other
        tensor takes no format spec."""
        if self._data.ndim == 0:
            return self._data.item().__format__(spec)
        if spec:
            raise TypeError(errors.FORMAT_UNSUPPORTED)
        return repr(self)

    # --- making tensors like this one (dtype and device from self) ---------------------

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        if isinstance(data, Tensor):
            warnings.warn(errors.COPY_CONSTRUCT_WARNING.format(call="tensor.new_tensor"),
                          UserWarning, stacklevel=2)
            data = data._data
        return factories.tensor(data, dtype=dtype or self.dtype, device=device,
                                requires_grad=requires_grad)

    new_zeros, new_ones, new_empty = _made_like("zeros"), _made_like("ones"), _made_like("empty")

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return factories.full(size, fill_value, dtype=dtype or self.dtype, device=device,
                              requires_grad=requires_grad)

    def __repr__(self):
        from .formatting import format_tensor

        return format_tensor(self)

    # --- arithmetic --------------------------------------------------------------------

    def __add__(self, other):
        return binary(ops.ADD, self, other)

    def __radd__(self, other):
        return binary(ops.ADD, other, self)

    def add(self, other, *, alpha=1):
        if alpha == 1:
            return binary(ops.ADD, self, other)
        return binary(ops.ADD, self, other, alpha=alpha)

    def __sub__(self, other):
        if self._data.dtype == np.bool_ or isinstance(other, bool) or (
                isinstance(other, Tensor) and other._data.dtype == np.bool_):
            both = self._data.dtype == np.bool_ and isinstance(other, Tensor) and (
                other._data.dtype == np.bool_)
            raise RuntimeError(errors.BOOL_SUBTRACTION_BOTH if both else errors.BOOL_SUBTRACTION)
        return binary(ops.SUB, self, other)

    def __rsub__(self, other):
        if self._data.dtype == np.bool_ or isinstance(other, bool):
            raise RuntimeError(errors.BOOL_SUBTRACTION)
        if isinstance(other, Tensor):
            return binary(ops.SUB, other, self)
        return binary(ops.RSUB, self, other)

    def sub(self, other, *, alpha=1):
        if alpha == 1:
            return binary(ops.SUB, self, other)
        return binary(ops.SUB, self, other, alpha=alpha)

    def __mul__(self, other):
        return binary(ops.MUL, self, other)

    __rmul__ = __mul__

    def mul(self, other):
        return binary(ops.MUL, self, other)

    def __truediv__(self, other):
        return binary(ops.DIV, self, other, floating=True)

    def __rtruediv__(self, other):
        if isinstance(other, Tensor):
            return binary(ops.DIV, other, self, floating=True)
        return self._floating().reciprocal() * other  # as PyTorch: MulBackward0 of 1/x

    def div(self, other):
        return self / other

    def reciprocal(self):
        return apply(ops.RECIPROCAL, (self._floating(),))

    def __neg__(self):
        if self._data.dtype == np.bool_:
            raise RuntimeError(errors.BOOL_NEGATION)
        return apply(ops.NEG, (self,))

    neg = negative = __neg__

    def _refuse_two_bools(self, other, kernel):
        if self._data.dtype == np.bool_ and isinstance(other, Tensor) and (
                other._data.dtype == np.bool_):
            raise NotImplementedError(errors.KERNEL_NOT_FOR_DTYPE.format(
                kernel=kernel, dtype="Bool"))

    def __pow__(self, exponent):
        self._refuse_two_bools(exponent, "pow")
        if isinstance(exponent, Tensor):
            return binary(ops.POW_TENSOR, self, exponent)
        if isinstance(exponent, np.ndarray):
            return binary(ops.POW_TENSOR, self, Tensor._make(exponent))
        base = self
        if not self.dtype.is_floating_point and isinstance(exponent, float):
            base = self._cast(dtypes.get_default_dtype())
        elif not self.dtype.is_floating_point and exponent < 0:
            raise RuntimeError(errors.INT_NEGATIVE_POWER)
        return apply(ops.POW, (base,), exponent=exponent)

    pow = __pow__

    def __rpow__(self, base):
        if not self.dtype.is_floating_point and isinstance(base, int):
            return Tensor._make(int_power(np.asarray(base, dtype=self._data.dtype), self._data))
        return apply(ops.RPOW, (self._floating(),), base=base)

    def __matmul__(self, other):
        return functions.matmul(self, other)

    def __rmatmul__(self, other):
        return functions.matmul(as_tensor(other), self)

    matmul = __matmul__

    def dot(self, other):
        return functions.dot(self, other)

    inner = dot

    def mv(self, vec):
        return functions.mv(self, vec)

    def bmm(self, mat2):
        return functions.bmm(self, mat2)

    def outer(self, vec2):
        return functions.outer(self, vec2)

    ger = outer

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return functions.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def mm(self, other):
        for name, t in (("self", self), ("mat2", other)):
            if t.ndim != 2:
                raise RuntimeError(errors.MM_NOT_MATRIX.format(name=name))
        if self.shape[1] != other.shape[0]:
            raise RuntimeError(functions.matmul_shape_error(self, other))
        return apply(ops.MM, (self, other))

    def _floating(self):
        return self if self.dtype.is_floating_point else self._cast(dtypes.get_default_dtype())

    # --- comparisons: tensors of bools, outside the graph ------------------------------

    def _compare(self, other, fn):
        other = other._data if isinstance(other, Tensor) else other
        if isinstance(other, np.ndarray) and other.shape != self._data.shape:
            mismatch = function.broadcast_mismatch([self._data.shape, other.shape])
            if mismatch:
                raise RuntimeError(mismatch)
        return Tensor._make(np.asarray(fn(self._data, other)))

    def _logical(self, other, fn, kernel):
        if isinstance(other, Tensor):
            mismatch = function.broadcast_mismatch([self._data.shape, other._data.shape])
            if mismatch:
                raise RuntimeError(mismatch)
            dt = dtypes.promote(self.dtype, 2, other.dtype, 2)
        else:
            dt = self.dtype
        if dt.is_floating_point:
            raise NotImplementedError(errors.KERNEL_NOT_FOR_DTYPE.format(
                kernel=kernel, dtype=dt.scalar_type))
        if self._data.dtype != np.bool_ or (isinstance(other, Tensor)
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
        return Tensor._make(~self._data)

    logical_not = bitwise_not = __invert__

    def all(self, dim=None, keepdim=False):
        return Tensor._make(np.asarray(np.all(self._data, axis=dim, keepdims=keepdim)))

    def any(self, dim=None, keepdim=False):
        return Tensor._make(np.asarray(np.any(self._data, axis=dim, keepdims=keepdim)))

    def equal(self, other):
        """Same shape and elements (``torch.equal``): a Python bool."""
        return self._data.shape == other._data.shape and bool(np.all(self._data == other._data))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bool(np.allclose(self._data, as_tensor(other)._data, rtol=rtol, atol=atol,
                                equal_nan=equal_nan))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return Tensor._make(np.isclose(self._data, as_tensor(other)._data, rtol=rtol,
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
        return Tensor._make(np.asarray(arg_along(fn, self._data, dim, keepdim)))

    # --- shape -------------------------------------------------------------------------

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

    # --- in-place ----------------------------------------------------------------------

    def add_(self, other, *, alpha=1):
        return inplace(self, ops.ADD, other, **({} if alpha == 1 else {"alpha": alpha}))

    def sub_(self, other, *, alpha=1):
        if isinstance(other, bool) or self._data.dtype == np.bool_:
            check_inplace(self)
            both = self._data.dtype == np.bool_ and isinstance(other, bool)
            raise RuntimeError(errors.BOOL_SUBTRACTION_BOTH if both else errors.BOOL_SUBTRACTION)
        return inplace(self, ops.SUB, other, **({} if alpha == 1 else {"alpha": alpha}))

    def mul_(self, other):
        return inplace(self, ops.MUL, other)

    def div_(self, other):
        return inplace(self, ops.DIV, other, floating=True)

    def zero_(self):
        return inplace(self, ops.ZERO)

    def fill_(self, value):
        return inplace(self, ops.FILL, value=scalar_of(value))

    # Random fills: random.py draws PyTorch's numbers for them.
    def uniform_(self, from_=0.0, to=1.0, *, generator=None):
        return random.uniform_(self, from_, to, generator=generator)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return random.normal_(self, mean, std, generator=generator)

    def random_(self, from_=0, to=None, *, generator=None):
        return random.random_(self, from_, to, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        return random.bernoulli_(self, p, generator=generator)

    def exponential_(self, lambd=1.0, *, generator=None):
        return random.exponential_(self, lambd, generator=generator)

    def bernoulli(self, p=None, *, generator=None):
        return random.bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return random.multinomial(self, num_samples, replacement, generator=generator)

    def clamp_(self, min=None, max=None):
        return inplace(self, ops.CLAMP, min=scalar_of(min), max=scalar_of(max))

    def copy_(self, src):
        src = as_tensor(src)
        check_inplace(self)
        mismatch = function.broadcast_mismatch([self._data.shape, src._data.shape])
        if mismatch:
            raise RuntimeError(mismatch)
        if np.broadcast_shapes(src._data.shape, self._data.shape) != self._data.shape:
            raise RuntimeError(errors.INPLACE_BROADCAST.format(
                shape=list(self._data.shape),
                broadcast=list(np.broadcast_shapes(src._data.shape, self._data.shape))))
        self[...] = src
        return self

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_


from . import factories  # noqa: E402  (new_ones() and the like; it builds on Tensor)
