"""``torch.autograd.Function``: an op whose forward and backward the user writes.

    class MyExp(Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    y = MyExp.apply(x)  # y.grad_fn is a MyExpBackward node

As in PyTorch, ``ctx`` *is* the backward node: every class gets a node class named
``<ClassName>Backward`` whose instances hold what ``forward`` (or ``setup_context``) put
on ``ctx``. The node speaks the graph core's protocol (graph.py) like any recorded op, so
hooks, ``retain_grad``, the record hook and the pictures see it as they see
``MulBackward0``. Its backward runs the user's ``backward`` on tensors, in grad mode when
``create_graph=True``: a backward written with differentiable ops is differentiable again.
"""

import functools
import inspect
import warnings

import numpy as np

from . import dtypes, errors, function, graph
from .tensor import Tensor

_FREED = object()  # the saved tensors after a pass without retain_graph


class FunctionCtx:
    """What ``forward`` and ``setup_context`` may call on ``ctx``."""

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(errors.SAVE_FOR_BACKWARD_TYPE.format(
                    index=i, type_name=type(t).__name__))
        self._to_save = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)


class BackwardCFunction(FunctionCtx, function.Function):
    """The node of one ``Function.apply`` call (and its ``ctx``). Subclassed per Function
    class as ``<ClassName>Backward``; without ``__slots__``, so ``ctx.anything = ...``
    works as in PyTorch."""

    _forward_cls = None  # the user's Function class, set on each subclass

    def __init__(self):
        # Only what a node needs before forward runs; apply() fills the rest, and gives
        # it its place in the creation order once its parents exist.
        _init_node(self, (), None, seq=None)
        self._saved = ()
        self._to_save = ()
        self._dirty = ()
        self._non_differentiable = ()
        self._materialize_grads = True
        self._outputs_meta = ()  # (shape, dtype) per forward output; None for non-tensors
        self._inputs = ()  # per forward input: (shape, dtype) of a tensor, else None
        self._slot_grads = None  # gradients of outputs 1.. (see _OutputNode)
        self._output_edges = ()  # output k > 0 flows in through _output_edges[k]
        self._placeholder = None
        self.needs_input_grad = ()

    # --- PyTorch's public face ---------------------------------------------------------

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<micrograd_nb.autograd.function.{self.name()} object at {hex(id(self))}>"

    @property
    def saved_tensors(self):
        if self._saved is _FREED:
            raise RuntimeError(errors.BACKWARD_TWICE)
        return tuple(None if saved is None else saved.unpack(node, True)
                     for saved, node in self._saved)

    # --- graph-core protocol -----------------------------------------------------------

    def _apply(self, grad, create_graph):
        if grad is self._placeholder:  # only later outputs received a gradient
            grad = None
        grads = [grad] + list(self._slot_grads or [None] * (len(self._outputs_meta) - 1))
        self._slot_grads, self._placeholder = None, None
        grads = [self._incoming(g, meta) for g, meta in zip(grads, self._outputs_meta)]
        result = self._forward_cls.backward(self, *grads)
        return self._check_gradients(result, create_graph)

    def _incoming(self, g, meta):
        if meta is None:  # a non-tensor output: PyTorch passes None
            return None
        if g is None:
            if not self._materialize_grads:
                return None
            shape, dtype = meta
            return Tensor._make(np.zeros(shape, dtype=dtype))
        return g if isinstance(g, Tensor) else Tensor._make(g)

    def _check_gradients(self, result, create_graph):
        """The user's gradients as the engine needs them, checked as PyTorch checks them."""
        if not isinstance(result, tuple):
            result = (result,)
        expected = len(self._inputs)
        if len(result) > expected and all(g is None for g in result[expected:]):
            result = result[:expected]  # trailing Nones are allowed
        if len(result) != expected:
            raise RuntimeError(errors.CUSTOM_GRAD_COUNT.format(
                name=self.name(), expected=expected, got=len(result)))
        grads = []
        for i, (g, meta, parent) in enumerate(zip(result, self._inputs, self._prev)):
            if g is None:
                grads.append(None)
                continue
            if meta is None:
                raise RuntimeError(errors.CUSTOM_GRAD_FOR_NON_TENSOR.format(
                    name=self.name(), index=i + 1))  # PyTorch counts from 1 here
            if not isinstance(g, Tensor):
                raise RuntimeError(errors.CUSTOM_GRAD_TYPE.format(type_name=type(g).__name__))
            if parent is None:
                grads.append(None)
                continue
            shape, dtype = meta
            if g._data.shape != shape:
                g = _sum_to_input(g, shape, self.name(), i)
            if g._data.dtype != dtype:
                g = g.to(dtypes.from_numpy_dtype(dtype))
            grads.append(g if create_graph else g._data)
        return grads

    def _release(self):
        if self._saved:
            self._saved = _FREED


def _init_node(node, prev, shape, seq=True):
    """The fields of function.Function that the graph core, hooks and pictures read (the
    nodes here run no op of the table, so they skip its constructor)."""
    node._prev = prev
    node._seq = graph.next_seq() if seq else None
    node._pre_hooks = ()
    node._tensor_hooks = None
    node._retains = None
    node._metadata = None
    node._shape = shape
    node._op = None


def _sum_to_input(g, shape, name, index):
    """A gradient of a broadcast shape is summed back, as PyTorch's engine does; any other
    shape is the user's mistake."""
    try:
        fits = np.broadcast_shapes(shape, g._data.shape) == g._data.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(errors.CUSTOM_GRAD_SHAPE.format(
            name=name, index=index, got=list(g._data.shape), expected=list(shape)))
    return function.TENSOR_NS.sum_to(g, shape)


class _OutputNode(function.Function):
    """The edge from output k >= 1 of a Function with several outputs into their node.
    Every output's ``grad_fn`` is that one node, as in PyTorch; but the graph core moves
    one gradient per node, so a gradient for output k enters through this edge (the
    tensor's ``_grad_node()``), which hands it to the shared node (stored there, by
    position); the first hands the shared node a placeholder, so that it runs even when
    output 0 gets no gradient. ``next_functions`` shows it as ``(node, k)``."""

    __slots__ = ("_main", "_index")

    def __init__(self, main, index):
        self._main = main
        self._index = index
        _init_node(self, (main,), main._outputs_meta[index][0])

    def name(self):
        return self._main.name()

    @property
    def edge(self):
        return self._main, self._index

    def __repr__(self):
        return repr(self._main)

    def __getattr__(self, attribute):  # ctx attributes, saved_tensors, needs_input_grad
        return getattr(self._main, attribute)

    @property
    def next_functions(self):
        return self._main.next_functions

    def _apply(self, grad, create_graph):
        main = self._main
        first = main._slot_grads is None
        if first:
            main._slot_grads = [None] * (len(main._outputs_meta) - 1)
            shape, dtype = main._outputs_meta[0] or ((), np.float32)
            main._placeholder = np.zeros(shape, dtype=dtype)
        main._slot_grads[self._index - 1] = grad
        return [main._placeholder if first else None]

    def _release(self):
        pass


class FunctionMeta(type):
    """Gives each Function class its node class, ``<ClassName>Backward``."""

    def __init__(cls, name, bases, namespace):
        backward_cls = type(f"{name}Backward", (BackwardCFunction,), {"_forward_cls": cls})
        backward_cls.__module__ = "micrograd_nb.autograd.function"
        cls._backward_cls = backward_cls
        super().__init__(name, bases, namespace)


class Function(metaclass=FunctionMeta):
    """Base class of custom autograd operations (``torch.autograd.Function``): subclass
    it with static ``forward`` and ``backward`` methods, call ``YourClass.apply(...)``."""

    def __init__(self, *args, **kwargs):
        warnings.warn(errors.FUNCTION_INSTANTIATED.format(cls=type(self)),
                      DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(errors.FUNCTION_LEGACY_CALL)

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError(errors.FUNCTION_NO_FORWARD)

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError(errors.SETUP_CONTEXT_NOT_IMPLEMENTED)

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(errors.FUNCTION_NO_BACKWARD)

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls()
        separate_setup = _overrides(cls, "setup_context")
        if separate_setup:  # PyTorch binds the arguments: setup_context sees them all
            args, kwargs = _bind_with_defaults(cls.forward, args, kwargs), {}
        inputs = args + tuple(kwargs.values())  # one gradient each, from backward
        executable = graph.is_grad_enabled() and any(
            isinstance(a, Tensor) and a.requires_grad for a in inputs)
        ctx.needs_input_grad = tuple(
            executable and isinstance(a, Tensor) and a.requires_grad for a in inputs)
        with graph.no_grad():
            if separate_setup:
                output = cls.forward(*args)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if not executable:
            return output
        return _record(ctx, inputs, output)


def _overrides(cls, name):
    return getattr(cls, name) is not getattr(Function, name)


def _bind_with_defaults(forward, args, kwargs):
    bound = inspect.signature(forward).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.args


def _record(ctx, args, output):
    """Make ``ctx`` the grad_fn of the differentiable outputs and keep what it saved."""
    outputs = output if isinstance(output, tuple) else (output,)
    inputs = [a for a in args if isinstance(a, Tensor)]
    for t in ctx._dirty:
        if not any(t is o for o in outputs):
            raise RuntimeError(errors.DIRTY_NOT_RETURNED)
        if t.is_leaf and t.requires_grad:
            raise RuntimeError(errors.DIRTY_LEAF)
    ctx._prev = tuple(a._grad_node() if isinstance(a, Tensor) and a.requires_grad else None
                      for a in args)
    ctx._seq = graph.next_seq()  # after its parents (a leaf's AccumulateGrad may be new)
    ctx._inputs = tuple((a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None
                        for a in args)
    ctx._outputs_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None
                              for o in outputs)
    first = next((o for o in outputs if isinstance(o, Tensor)), None)
    ctx._shape = None if first is None else first._data.shape
    nodes = [ctx] + [_OutputNode(ctx, k) for k in range(1, len(outputs))]
    ctx._output_edges = nodes
    results = []
    for k, o in enumerate(outputs):
        if not isinstance(o, Tensor) or any(o is t for t in ctx._non_differentiable):
            results.append(o)
            continue
        if any(o is t for t in ctx._dirty):
            o._grad_fn, o._requires_grad = ctx, True  # its history is now this op
        elif o._base is not None or any(o is t for t in inputs) or o._grad_fn is not None:
            # An input returned as it is, or a view: a new tensor on the same storage.
            o = Tensor._make(o._data, True, ctx, o._version_counter)
        else:
            o._grad_fn, o._requires_grad = ctx, True
        o._output_nr = k
        results.append(o)
    ctx._saved = tuple(_saved(t, outputs, results, nodes) for t in ctx._to_save)
    ctx._to_save = ()
    return tuple(results) if isinstance(output, tuple) else results[0]


def _saved(t, outputs, results, nodes):
    """A saved tensor and the node an output is rebuilt with (None for an input)."""
    if t is None:
        return None, None
    for o, result, node in zip(outputs, results, nodes):
        if t is o and isinstance(result, Tensor) and result._grad_fn is nodes[0]:
            # An output: kept as its array (no cycle), rebuilt with its grad_fn on unpack.
            return function.SavedTensor(result, True), node
    return function.SavedTensor(t, False), None


class _DelayedError(function.Function):
    """The grad_fn of what a ``@once_differentiable`` backward returned, when it ran in
    grad mode: differentiating it again raises instead of silently giving zero."""

    __slots__ = ()

    def __init__(self, prev, shape):
        _init_node(self, prev, shape)

    def name(self):
        return "torch::autograd::Error"

    def __repr__(self):
        return f"<Error object at {hex(id(self))}>"

    def _apply(self, grad, create_graph):
        raise RuntimeError(errors.ONCE_DIFFERENTIABLE)

    def _release(self):
        pass


def _delayed_error(result):
    # As PyTorch: the error node's input is a detached copy made to require grad (a leaf).
    counter = result._version_counter
    leaf = Tensor._make(result._data, True, None, counter)
    return Tensor._make(result._data, True, _DelayedError((leaf._grad_node(),),
                                                          result._data.shape), counter)


def once_differentiable(backward):
    """Decorates a ``backward`` that is not differentiable itself (it may use numpy): it
    runs without recording, and a second differentiation through it raises."""

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        with graph.no_grad():
            result = backward(ctx, *grad_outputs)
        if not graph.is_grad_enabled():
            return result
        if not any(isinstance(g, Tensor) and g.requires_grad for g in grad_outputs):
            return result
        results = result if isinstance(result, tuple) else (result,)
        wrapped = tuple(_delayed_error(r) if isinstance(r, Tensor) else r for r in results)
        return wrapped if isinstance(result, tuple) else wrapped[0]

    return wrapper
