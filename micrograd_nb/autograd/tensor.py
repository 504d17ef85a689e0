"""``Tensor``: a numpy array with PyTorch's autograd.

Every method that computes something calls one op of ops.py; this module is the
PyTorch-shaped surface (names, defaults, type promotion, errors), the ops module is the
math.
"""

import weakref
from collections import namedtuple

import numpy as np

from . import dtypes, errors, function, graph, ops
from .dtypes import Size
from .involved import attach, involving


class _Version:
    """The version counter PyTorch keeps per storage: views and ``detach()`` share it,
    in-place ops bump it, saved tensors compare against it."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class RemovableHandle:
    def __init__(self, remove):
        self._remove = remove

    def remove(self):
        self._remove()


_max_result = namedtuple("max", ["values", "indices"])
_min_result = namedtuple("min", ["values", "indices"])


class Tensor:
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
        if value and self.grad_fn is None and not self.dtype.is_floating_point:
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
            self._refresh_view_history()
        return self._grad_fn

    def _refresh_view_history(self):
        """The base was changed in place since this view was made: as in PyTorch, the
        view's history becomes the view ops applied to the base's new history."""
        base = self._base
        with graph.enable_grad():
            view = base
            for op, ctx in self._view_chain:
                view = ops.apply(op, (view,), **ctx)
        self._grad_fn = view._grad_fn
        self._requires_grad = self._requires_grad or view._requires_grad
        self._base_fn = base._grad_fn

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
        return "cpu"

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def item(self):
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

    def to(self, dtype):
        return self._cast(dtype)

    def float(self):
        return self._cast(dtypes.float32)

    def double(self):
        return self._cast(dtypes.float64)

    def long(self):
        return self._cast(dtypes.int64)

    def int(self):
        return self._cast(dtypes.int32)

    def bool(self):
        return self._cast(dtypes.bool_)

    def _cast(self, dt):
        if dt is self.dtype:
            return self
        out = ops.apply(ops.TO_COPY, (self,), dtype=dt.numpy)
        if not dt.is_floating_point:
            out._grad_fn, out._requires_grad = None, False
        return out

    def clone(self):
        return ops.apply(ops.CLONE, (self,))

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
            raise RuntimeError(errors.BOOL_AMBIGUOUS)
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError(errors.INDEX_CONVERSION)
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self):
        from .formatting import format_tensor

        return format_tensor(self)

    # --- arithmetic --------------------------------------------------------------------

    def __add__(self, other):
        return _binary(ops.ADD, self, other)

    def __radd__(self, other):
        return _binary(ops.ADD, other, self)

    def add(self, other, *, alpha=1):
        if alpha == 1:
            return _binary(ops.ADD, self, other)
        return _binary(ops.ADD, self, other, alpha=alpha)

    def __sub__(self, other):
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other):
        if isinstance(other, Tensor):
            return _binary(ops.SUB, other, self)
        return _binary(ops.RSUB, self, other)

    def sub(self, other, *, alpha=1):
        if alpha == 1:
            return _binary(ops.SUB, self, other)
        return _binary(ops.SUB, self, other, alpha=alpha)

    def __mul__(self, other):
        return _binary(ops.MUL, self, other)

    __rmul__ = __mul__

    def mul(self, other):
        return _binary(ops.MUL, self, other)

    def __truediv__(self, other):
        return _binary(ops.DIV, self, other, floating=True)

    def __rtruediv__(self, other):
        if isinstance(other, Tensor):
            return _binary(ops.DIV, other, self, floating=True)
        return self._floating().reciprocal() * other  # as PyTorch: MulBackward0 of 1/x

    def div(self, other):
        return self / other

    def reciprocal(self):
        return ops.apply(ops.RECIPROCAL, (self._floating(),))

    def __neg__(self):
        return ops.apply(ops.NEG, (self,))

    neg = __neg__

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            return _binary(ops.POW_TENSOR, self, exponent)
        if isinstance(exponent, np.ndarray):
            return _binary(ops.POW_TENSOR, self, Tensor._make(exponent))
        base = self
        if not self.dtype.is_floating_point and isinstance(exponent, float):
            base = self._cast(dtypes.get_default_dtype())
        return ops.apply(ops.POW, (base,), exponent=exponent)

    pow = __pow__

    def __rpow__(self, base):
        return ops.apply(ops.RPOW, (self._floating(),), base=base)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(_as_tensor(other), self)

    matmul = __matmul__

    def mm(self, other):
        for name, t in (("self", self), ("mat2", other)):
            if t.ndim != 2:
                raise RuntimeError(errors.MM_NOT_MATRIX.format(name=name))
        if self.shape[1] != other.shape[0]:
            raise RuntimeError(_matmul_shape_error(self, other))
        return ops.apply(ops.MM, (self, other))

    def _floating(self):
        return self if self.dtype.is_floating_point else self._cast(dtypes.get_default_dtype())

    # --- comparisons: tensors of bools, outside the graph ------------------------------

    def _compare(self, other, fn):
        other = other._data if isinstance(other, Tensor) else other
        return Tensor._make(np.asarray(fn(self._data, other)))

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
        return self._compare(other, np.logical_and)

    def __or__(self, other):
        return self._compare(other, np.logical_or)

    def __invert__(self):
        return Tensor._make(~self._data)

    def all(self, dim=None, keepdim=False):
        return Tensor._make(np.asarray(np.all(self._data, axis=dim, keepdims=keepdim)))

    def any(self, dim=None, keepdim=False):
        return Tensor._make(np.asarray(np.any(self._data, axis=dim, keepdims=keepdim)))

    def equal(self, other):
        """Same shape and elements (``torch.equal``): a Python bool."""
        return self._data.shape == other._data.shape and bool(np.all(self._data == other._data))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bool(np.allclose(self._data, _as_tensor(other)._data, rtol=rtol, atol=atol,
                                equal_nan=equal_nan))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return Tensor._make(np.isclose(self._data, _as_tensor(other)._data, rtol=rtol,
                                       atol=atol, equal_nan=equal_nan))

    def argmax(self, dim=None, keepdim=False):
        dim = None if dim is None else _dim(dim, self.ndim)
        return Tensor._make(np.asarray(_arg(np.argmax, self._data, dim, keepdim)))

    def argmin(self, dim=None, keepdim=False):
        dim = None if dim is None else _dim(dim, self.ndim)
        return Tensor._make(np.asarray(_arg(np.argmin, self._data, dim, keepdim)))

    # --- elementwise functions ---------------------------------------------------------

    def exp(self):
        return ops.apply(ops.EXP, (self._floating(),))

    def log(self):
        return ops.apply(ops.LOG, (self._floating(),))

    def sqrt(self):
        return ops.apply(ops.SQRT, (self._floating(),))

    def abs(self):
        return ops.apply(ops.ABS, (self,))

    __abs__ = abs

    def tanh(self):
        return ops.apply(ops.TANH, (self._floating(),))

    def sigmoid(self):
        return ops.apply(ops.SIGMOID, (self._floating(),))

    def relu(self):
        return ops.apply(ops.RELU, (self,))

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError(errors.CLAMP_NO_BOUNDS)
        return ops.apply(ops.CLAMP, (self,), min=_scalar(min), max=_scalar(max))

    clip = clamp

    def softmax(self, dim):
        return ops.apply(ops.SOFTMAX, (self._floating(),), dim=_dim(dim, self.ndim))

    def log_softmax(self, dim):
        return ops.apply(ops.LOG_SOFTMAX, (self._floating(),), dim=_dim(dim, self.ndim))

    # --- reductions --------------------------------------------------------------------

    def sum(self, dim=None, keepdim=False):
        x = self if self.dtype.is_floating_point else self._cast(dtypes.int64)
        if dim is None:
            return ops.apply(ops.SUM, (x,), shape=self._data.shape)
        return ops.apply(ops.SUM_DIM, (x,), dim=_dims(dim, self.ndim), keepdim=keepdim,
                         shape=self._data.shape)

    def mean(self, dim=None, keepdim=False):
        if not self.dtype.is_floating_point:
            raise RuntimeError(errors.MEAN_DTYPE.format(
                type_name=self.dtype.tensor_type[:-len('Tensor')]))
        if dim is None:
            return ops.apply(ops.MEAN, (self,), shape=self._data.shape)
        return ops.apply(ops.MEAN_DIM, (self,), dim=_dims(dim, self.ndim), keepdim=keepdim,
                         shape=self._data.shape)

    def max(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, ops.MAX_ALL, ops.MAX_DIM, np.argmax, _max_result)

    def min(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, ops.MIN_ALL, ops.MIN_DIM, np.argmin, _min_result)

    def _extreme(self, dim, keepdim, op_all, op_dim, arg, result):
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(errors.REDUCE_EMPTY.format(op=result.__name__))
            return ops.apply(op_all, (self,))
        if isinstance(dim, Tensor):  # max(other): elementwise, not supported as such
            raise TypeError("use micrograd_nb.where(a > b, a, b) for an elementwise maximum")
        dim = _dim(dim, self.ndim)
        indices = arg(self._data, axis=dim) if self.ndim else np.zeros((), dtype=np.int64)
        values = ops.apply(op_dim, (self,), dim=dim, keepdim=keepdim, indices=indices)
        if keepdim and self.ndim:
            indices = np.expand_dims(indices, dim)
        return result(values, Tensor._make(np.asarray(indices, dtype=np.int64)))

    # --- shape -------------------------------------------------------------------------

    def reshape(self, *shape):
        out_shape = _infer_shape(_shape_arg(shape), self._data.size)
        if not _viewable(self._data, out_shape):  # PyTorch copies, then views the copy
            return ops.apply(ops.UNSAFE_VIEW, (self.clone(),), shape=out_shape,
                             in_shape=self._data.shape)
        op = ops.VIEW if self._data.flags.c_contiguous else ops.RESHAPE_ALIAS
        return ops.apply_view(op, self, shape=out_shape, in_shape=self._data.shape)

    def view(self, *shape):
        out_shape = _infer_shape(_shape_arg(shape), self._data.size)
        if not _viewable(self._data, out_shape):
            raise RuntimeError(errors.VIEW_STRIDES)
        return ops.apply_view(ops.VIEW, self, shape=out_shape, in_shape=self._data.shape)

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        if self.ndim == 1:
            return self  # PyTorch returns the tensor itself: no node
        start, end = _dim(start_dim, self.ndim), _dim(end_dim, self.ndim)
        if start == end:
            return self
        shape = self._data.shape
        new = shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:]
        return self.reshape(new)

    def transpose(self, dim0, dim1):
        return ops.apply_view(ops.TRANSPOSE, self, dim0=_dim(dim0, self.ndim),
                              dim1=_dim(dim1, self.ndim))

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(errors.T_TOO_MANY_DIMS.format(ndim=self.ndim))
        return ops.apply_view(ops.T, self)

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def permute(self, *dims):
        dims = _shape_arg(dims)
        if len(dims) != self.ndim:
            raise RuntimeError(errors.PERMUTE_DIMS_COUNT.format(ndim=self.ndim,
                                                                count=len(dims)))
        dims = tuple(_dim(d, self.ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError(errors.PERMUTE_DUPLICATE_DIMS)
        return ops.apply_view(ops.PERMUTE, self, dims=dims)

    def unsqueeze(self, dim):
        return ops.apply_view(ops.UNSQUEEZE, self, dim=_dim(dim, self.ndim + 1))

    def squeeze(self, dim=None):
        if dim is None:
            return ops.apply_view(ops.SQUEEZE, self, in_shape=self._data.shape)
        return ops.apply_view(ops.SQUEEZE_DIM, self, dim=_dim(dim, self.ndim),
                              in_shape=self._data.shape)

    def expand(self, *shape):
        shape = _shape_arg(shape)
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
        return ops.apply_view(ops.EXPAND, self, shape=full)

    def __getitem__(self, key):
        return _index(self, key)

    def __setitem__(self, key, value):
        through_view = _writes_through_a_view(key, self._data.shape)
        _check_inplace(self, view=through_view)
        np_key = _numpy_key(key, self._data.shape)
        value = value if isinstance(value, Tensor) else Tensor._make(
            np.asarray(value, dtype=self._data.dtype))
        if through_view:
            op = ops.COPY_SLICES
        elif not ops._is_basic(np_key):
            op = ops.INDEX_PUT
        elif value.ndim == 0 and self.ndim:  # PyTorch fills with a 0-d value, else copies
            op = ops.FILL_ALL
        else:
            op = ops.COPY
        old = self._before_inplace()
        self._commit_inplace(ops.apply(op, (old, value), key=np_key))

    # --- in-place ----------------------------------------------------------------------

    def _before_inplace(self):
        # The tensor as it was: a snapshot carries the old history, so the node of the
        # in-place op can point to it, and a saved copy is not changed by the op.
        return Tensor._make(self._data.copy(), self._requires_grad, self.grad_fn)

    def _commit_inplace(self, result):
        if self._base is not None and (result._grad_fn is not None
                                       or self._base._requires_grad):
            return self._write_through_view(result)
        np.copyto(self._data, result._data, casting="unsafe")
        self._version.value += 1
        if result.grad_fn is not None:
            if self._retains_grad:
                result.grad_fn._set_retains(function.RetainGrad(weakref.ref(self)))
            self._grad_fn = result._grad_fn
            self._requires_grad = True
        return self

    def _write_through_view(self, result):
        """An in-place op on a view: the base's history gets a CopySlices node (the old
        base outside the view, the op's result inside it), and the view's history
        becomes a view of that."""
        base = self._base
        old_base = base._before_inplace()
        np.copyto(self._data, result._data, casting="unsafe")
        self._version.value += 1
        rebased = ops.apply(ops.COPY_VIEW, (old_base, result), chain=self._view_chain)
        if rebased._grad_fn is not None:
            base._grad_fn = rebased._grad_fn
            base._requires_grad = True
        self._refresh_view_history()
        return self

    def _inplace(self, op, other=None, **ctx):
        _check_inplace(self)
        old = self._before_inplace()
        if other is None:
            result = ops.apply(op, (old,), **ctx)
        else:
            result = _binary(op, old, other, **ctx)
        return self._commit_inplace(result)

    def add_(self, other, *, alpha=1):
        return self._inplace(ops.ADD, other, **({} if alpha == 1 else {"alpha": alpha}))

    def sub_(self, other, *, alpha=1):
        return self._inplace(ops.SUB, other, **({} if alpha == 1 else {"alpha": alpha}))

    def mul_(self, other):
        return self._inplace(ops.MUL, other)

    def div_(self, other):
        return self._inplace(ops.DIV, other)

    def zero_(self):
        return self._inplace(ops.ZERO)

    def fill_(self, value):
        return self._inplace(ops.FILL, value=_scalar(value))

    def clamp_(self, min=None, max=None):
        return self._inplace(ops.CLAMP, min=_scalar(min), max=_scalar(max))

    def copy_(self, src):
        src = _as_tensor(src)
        self[...] = src
        return self

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_


# ---------------------------------------------------------------------------------------
# Helpers shared by the methods above.

def _scalar(x):
    return x.item() if isinstance(x, Tensor) else x


def _dim(dim, ndim):
    """A dim in range, as PyTorch checks it (0-d tensors accept dim 0 and -1)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(errors.DIM_OUT_OF_RANGE.format(low=-n, high=n - 1, dim=dim))
    return dim % n if ndim else 0


def _dims(dim, ndim):
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    dims = [_dim(d, ndim) for d in dims]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(errors.DIM_REPEATED.format(dim=d))
    return tuple(sorted(dims)) if ndim else ()


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        return tuple(shape[0])
    return tuple(shape)


def _infer_shape(shape, size):
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


def _viewable(array, shape):
    """Can ``array`` be seen in ``shape`` without a copy (the strides allow it)?"""
    try:
        np.reshape(array, shape, copy=False)
    except ValueError:
        return False
    return True


def _arg(fn, data, dim, keepdim):
    if dim is None:
        return fn(data)
    out = fn(data, axis=dim)
    return np.expand_dims(out, dim) if keepdim else out


def _writes_through_a_view(key, shape):
    """Does ``x[key] = value`` write through a view of x, as PyTorch does it? Yes where
    the key selects, adds a dimension or slices part of one; an Ellipsis, whole slices
    and advanced indexes (lists, masks) write into x itself."""
    items = [_numpy_index_part(k) for k in (key if isinstance(key, tuple) else (key,))]

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


def _check_inplace(t, view=False):
    if not graph._GradMode.enabled:
        return
    if t._requires_grad and t.grad_fn is None:
        raise attach(RuntimeError(errors.INPLACE_ON_LEAF_VIEW if view else errors.INPLACE_ON_LEAF),
                     tensor=t)
    if t._view_of_leaf:
        raise attach(RuntimeError(errors.INPLACE_ON_LEAF_VIEW), tensor=t)


def _as_tensor(x, dt=None):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._make(x if dt is None else x.astype(dt.numpy, copy=False))
    dt = dt or dtypes.scalar_dtype(x)
    return Tensor._make(np.asarray(x, dtype=dt.numpy))


def _rank(x):
    """2 for a tensor with dimensions, 1 for a 0-d tensor, 0 for a Python scalar."""
    if isinstance(x, Tensor):
        return 2 if x._data.ndim else 1
    if isinstance(x, np.ndarray):
        return 2 if x.ndim else 1
    return 0


def _dtype_of(x):
    if isinstance(x, Tensor):
        return dtypes.from_numpy_dtype(x._data.dtype)
    if isinstance(x, np.ndarray):
        return dtypes.from_numpy_dtype(x.dtype)
    return dtypes.scalar_dtype(x)


_PYTHON_NUMBERS = (float, int)


def _binary(op, a, b, floating=False, **ctx):
    """A binary op with PyTorch's type promotion; Python scalars become 0-d tensors of
    the result type."""
    # Fast paths: same-dtype tensors, and a float tensor with a Python number.
    if a.__class__ is Tensor:
        if b.__class__ is Tensor:
            if a._data.dtype == b._data.dtype and (a._data.dtype.kind == "f" or not floating):
                return ops.apply(op, (a, b), **ctx)
        elif b.__class__ in _PYTHON_NUMBERS and a._data.dtype.kind == "f":
            return ops.apply(op, (a, Tensor._make(np.asarray(b, a._data.dtype))), **ctx)
    elif a.__class__ in _PYTHON_NUMBERS and b.__class__ is Tensor and b._data.dtype.kind == "f":
        return ops.apply(op, (Tensor._make(np.asarray(a, b._data.dtype)), b), **ctx)
    a_dt, b_dt = _dtype_of(a), _dtype_of(b)
    dt = a_dt if a_dt is b_dt else dtypes.promote(a_dt, _rank(a), b_dt, _rank(b))
    if floating and not dt.is_floating_point:
        dt = dtypes.get_default_dtype()
    a, b = _as_tensor(a, dt), _as_tensor(b, dt)
    if a._data.dtype != dt.numpy or b._data.dtype != dt.numpy:
        return ops.apply(op, (a, b), compute_dtype=dt.numpy, **ctx)
    return ops.apply(op, (a, b), **ctx)


def matmul(a, b):
    """``a @ b`` with PyTorch's node names: DotBackward0 (vector . vector), MvBackward0
    (matrix @ vector), MmBackward0 (matrix @ matrix), BmmBackward0 (batched)."""
    a, b = _as_tensor(a), _as_tensor(b)
    a_shape, b_shape = a._data.shape, b._data.shape
    if not a_shape or not b_shape:
        raise RuntimeError(errors.MATMUL_0D.format(a_ndim=a.ndim, b_ndim=b.ndim))
    if a_shape[-1] != b_shape[-2 if len(b_shape) > 1 else 0]:
        raise RuntimeError(_matmul_shape_error(a, b))
    if a._data.dtype != b._data.dtype:
        dt = dtypes.promote(a.dtype, 2, b.dtype, 2)
        a, b = a._cast(dt), b._cast(dt)
    if a.ndim == 2 and b.ndim == 2:
        return ops.apply(ops.MM, (a, b))
    if a.ndim == 1 and b.ndim == 1:
        return ops.apply(ops.DOT, (a, b))
    if a.ndim == 2 and b.ndim == 1:
        return ops.apply(ops.MV, (a, b))
    if a.ndim == 1 and b.ndim == 2:
        row = ops.apply(ops.MM, (a.unsqueeze(0), b))
        return ops.apply_view(ops.SQUEEZE_DIMS, row, dim=0, in_shape=row._data.shape)
    a1 = a.unsqueeze(0) if a.ndim == 1 else a
    b1 = b.unsqueeze(-1) if b.ndim == 1 else b
    out = ops.apply(ops.BMM, (a1, b1))
    if b.ndim == 1:
        out = ops.apply_view(ops.SQUEEZE_DIMS, out, dim=out.ndim - 1, in_shape=out._data.shape)
    if a.ndim == 1:
        out = ops.apply_view(ops.SQUEEZE_DIMS, out, dim=out.ndim - 2, in_shape=out._data.shape)
    return out


def _matmul_shape_error(a, b):
    if a.ndim == 1 and b.ndim == 1:
        return errors.DOT_SIZES.format(a=a.shape[0], b=b.shape[0])
    if a.ndim == 2 and b.ndim == 1:
        return errors.MV_SHAPES.format(rows=a.shape[0], cols=a.shape[1], size=b.shape[0])
    if a.ndim <= 2 and b.ndim == 2:
        rows = a.shape[0] if a.ndim == 2 else 1
        return errors.MATMUL_SHAPES.format(rows1=rows, cols1=a.shape[-1], rows2=b.shape[0],
                                           cols2=b.shape[1])
    return errors.BMM_SHAPES.format(batch=b.shape[0] if b.ndim > 2 else 1,
                                    expected=a.shape[-1], got=b.shape[-2])


def cat(tensors, dim=0):
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError(errors.CAT_EMPTY)
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = dtypes.promote(dt, 2, t.dtype, 2)
    tensors = [t._cast(dt) for t in tensors]
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(errors.CAT_ZERO_DIM.format(index=i))
    dim = _dim(dim, tensors[0].ndim)
    first = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != first.ndim:
            raise RuntimeError(errors.CAT_NDIM.format(ndim=first.ndim, other_ndim=t.ndim))
        for d, (m, n) in enumerate(zip(first.shape, t.shape)):
            if d != dim and m != n:
                raise RuntimeError(errors.CAT_SIZES.format(dim=dim, expected=m, got=n, index=i))
    bounds, start = [], 0
    for t in tensors:
        bounds.append((start, start + t._data.shape[dim]))
        start += t._data.shape[dim]
    return ops.apply(ops.CAT, tuple(tensors), dim=dim, bounds=tuple(bounds))


concat = cat


def stack(tensors, dim=0):
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError(errors.STACK_EMPTY)
    shape = tensors[0].shape
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != shape:
            raise RuntimeError(errors.STACK_SIZES.format(shape=list(shape),
                                                         other_shape=list(t.shape), index=i))
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = dtypes.promote(dt, 2, t.dtype, 2)
    tensors = [t._cast(dt) for t in tensors]
    return ops.apply(ops.STACK, tuple(tensors), dim=_dim(dim, tensors[0].ndim + 1))


def where(condition, input, other):
    """``torch.where(condition, input, other)``: elementwise choice; the gradient goes to
    ``input`` where the condition holds and to ``other`` elsewhere."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        name = dtypes.from_numpy_dtype(cond.dtype).name.capitalize()
        raise RuntimeError(errors.WHERE_CONDITION_DTYPE.format(dtype=name))
    a_dt, b_dt = _dtype_of(input), _dtype_of(other)
    dt = a_dt if a_dt is b_dt else dtypes.promote(a_dt, _rank(input), b_dt, _rank(other))
    a, b = _as_tensor(input, dt), _as_tensor(other, dt)
    shapes = [cond.shape, a._data.shape, b._data.shape]
    mismatch = ops.broadcast_mismatch(shapes)
    if mismatch:
        raise RuntimeError(mismatch)
    shape = np.broadcast_shapes(*shapes)
    return ops.apply(ops.WHERE, (a, b), compute_dtype=dt.numpy,
                     condition=np.broadcast_to(cond, shape))


# ---------------------------------------------------------------------------------------
# Indexing, decomposed as PyTorch does: x[0, 1:] is a select, then a slice.

def _is_advanced(k):
    return isinstance(k, (list, np.ndarray, Tensor, bool, np.bool_))


def _numpy_index_part(k):
    if isinstance(k, Tensor):
        return k._data
    if isinstance(k, list):
        return np.asarray([_numpy_index_part(i) for i in k])
    if isinstance(k, np.integer):
        return int(k)
    return k


def _numpy_key(key, shape):
    items = key if isinstance(key, tuple) else (key,)
    items = tuple(_numpy_index_part(k) for k in items)
    if any(_is_advanced(k) for k in items):
        return _expand_bool(items, shape)
    return items if isinstance(key, tuple) else items[0]


def _expand_bool(items, shape):
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


def _index(x, key):
    items = key if isinstance(key, tuple) else (key,)
    if any(_is_advanced(_numpy_index_part(k)) for k in items):
        np_key = _numpy_key(key, x._data.shape)
        return ops.apply(ops.INDEX, (x,), key=np_key, in_shape=x._data.shape)
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
            out = ops.apply_view(ops.SLICE, out, key=full, in_shape=out._data.shape)
            dim += 1
        else:
            k = _numpy_index_part(k)
            size = out._data.shape[dim]
            if not -size <= k < size:
                raise IndexError(errors.INDEX_OUT_OF_BOUNDS.format(index=k, dim=position,
                                                                   size=size))
            full = (slice(None),) * dim + (k,)
            out = ops.apply_view(ops.SELECT, out, key=full, in_shape=out._data.shape)
    if out is x:  # x[:, :] and the like: PyTorch gives an alias
        out = ops.apply_view(ops.ALIAS, x)
    return out
