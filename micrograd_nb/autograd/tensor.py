"""``Tensor``: a numpy array with PyTorch's autograd.

The PyTorch-shaped surface: names, defaults, checks and errors. Every method that
computes something is one op of ops.py, recorded by function.py's ``apply``. This file
holds the tensor's autograd attributes, its operators and its in-place methods; the
other methods come from mixins: math_methods.py (elementwise and reductions),
conversions.py (dtypes, numbers, ``new_*``), compare_methods.py (comparisons and
logic), shape_methods.py (views and indexing). Type promotion is promotion.py,
indexing indexing.py, in-place ops and views inplace.py.
"""

import weakref

import numpy as np

from . import dtypes, errors, function, functions, ops, random
from .arrays import int_power
from .compare_methods import TensorCompare
from .conversions import TensorConversions
from .function import apply
from .inplace import check_inplace, inplace, refresh_view_history
from .involved import attach
from .math_methods import TensorMath
from .promotion import as_tensor, binary, scalar_of
from .select_methods import TensorSelect
from .shape_methods import TensorShape


class VersionCounter:
    """The version counter PyTorch keeps per storage: views and ``detach()`` share it,
    in-place ops bump it, saved tensors compare against it. ``t._version`` is its value,
    an int, as in PyTorch."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class RemovableHandle:
    def __init__(self, remove):
        self._remove = remove

    def remove(self):
        self._remove()


class Tensor(TensorConversions, TensorCompare, TensorShape, TensorMath, TensorSelect):
    __slots__ = ("_data", "_requires_grad", "_grad", "_grad_fn", "_counter", "_accumulator",
                 "_hooks", "_view_of_leaf", "_retains_grad", "_base", "_view_chain",
                 "_base_fn", "_output_nr", "__weakref__")

    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor

    def __init__(self, data=()):
        # Tensor(data) is the legacy constructor: always the default float dtype.
        self._init(np.array(data, dtype=dtypes.get_default_dtype().numpy), False, None, None)

    def _init(self, data, requires_grad, grad_fn, version):
        self._data = data
        self._requires_grad = requires_grad
        self._grad = None
        self._grad_fn = grad_fn
        self._counter = version  # made when first asked for: most results never are
        self._accumulator = None
        self._hooks = None
        self._view_of_leaf = False
        self._retains_grad = False
        # A view (x[0], x.T, x.view(...)) remembers its base and the view ops that lead
        # there, so that an in-place change through either one updates both histories.
        self._base = None
        self._view_chain = ()
        self._base_fn = None  # the base's grad_fn this view's history was built on
        self._output_nr = 0  # which output of its grad_fn (a Function with several)
        if function.tracer is not None:
            function.tracer.tensor_made(self)

    @classmethod
    def _make(cls, data, requires_grad=False, grad_fn=None, version=None):
        t = object.__new__(cls)
        t._init(data, requires_grad, grad_fn, version)
        return t

    # --- autograd attributes -----------------------------------------------------------

    @property
    def _version(self):
        return 0 if self._counter is None else self._counter.value

    @property
    def _version_counter(self):
        counter = self._counter
        if counter is None:
            counter = self._counter = VersionCounter()
        return counter

    @_version_counter.setter
    def _version_counter(self, counter):
        self._counter = counter

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
    def output_nr(self):
        return self._output_nr

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
        self._grad_node()._set_retains(function.RetainGrad(weakref.ref(self)))

    def register_hook(self, hook):
        if not self._requires_grad:
            raise RuntimeError(errors.HOOK_NO_GRAD)
        wrapped = function.TensorHook(hook)
        if self.grad_fn is not None:
            node = self._grad_node()  # this output's own edge, for a later output
            node._add_tensor_hook(wrapped)
            return RemovableHandle(lambda: node._remove_tensor_hook(wrapped))
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(wrapped)
        return RemovableHandle(lambda: wrapped in self._hooks and self._hooks.remove(wrapped))

    def _grad_node(self):
        """The node a gradient for this tensor flows into: its grad_fn (for output k > 0
        of a Function with several, that output's edge into it), or for a leaf that
        requires grad its AccumulateGrad (made once, held weakly)."""
        grad_fn = self._grad_fn if self._base is None else self.grad_fn
        if grad_fn is not None:
            return grad_fn if not self._output_nr else grad_fn._output_edges[self._output_nr]
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
        return Tensor._make(self._data, False, None, self._version_counter)

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
