"""The backward nodes of tensors: what ``tensor.grad_fn`` is.

``Function`` is one recorded op (``MulBackward0``...): its parents, what it saved and
the op's rule. ``AccumulateGrad`` ends every path at a leaf that requires grad and adds
the arriving gradient into ``leaf.grad``. Both implement the node protocol of graph.py.
"""

import re

import numpy as np

from . import dtypes, errors, graph, ops, tensor
from .involved import attach

_FREED = object()  # a node's saved values after a pass without retain_graph


class SavedTensor:
    """A tensor an op keeps for its backward rule, with the version it had then, so
    that an in-place change made since is caught instead of giving a wrong gradient."""

    __slots__ = ("tensor", "array", "version", "saved_version")

    def __init__(self, tensor, is_output):
        # An output is kept as its array alone: holding the tensor would make a cycle
        # (tensor -> grad_fn -> saved tensor).
        self.tensor = None if is_output else tensor
        self.array = tensor._data
        self.version = tensor._version
        self.saved_version = tensor._version.value

    def check(self, node):
        if self.version.value != self.saved_version:
            # The explainer names the user's tensor: the one sharing this version counter.
            raise attach(RuntimeError(_modified_message(self, node)),
                         changed=lambda t, version=self.version: t._version is version)

    def unpack(self, node, as_tensor):
        __tracebackhide__ = True
        self.check(node)
        if not as_tensor:
            return self.array
        if self.tensor is not None:
            return self.tensor
        # An output is rebuilt as a tensor with this node as its grad_fn.
        return tensor.Tensor._make(self.array, True, node, self.version)


def _op_name(grad_fn):
    """How PyTorch names a node in that message: AddBackward0 is "Add", ClampBackward1
    "Clamp1"; torch::autograd::CopySlices stays as it is."""
    return re.sub(r"Backward(\d+)$", lambda m: "" if m[1] == "0" else m[1], grad_fn.name())


def _modified_message(saved, node):
    if saved.tensor is None:  # an output of ``node`` itself
        which = errors.MODIFIED_INPLACE_WHICH.format(op=_op_name(node))
        dtype = dtypes.from_numpy_dtype(saved.array.dtype)
    else:
        grad_fn = saved.tensor.grad_fn
        which = errors.MODIFIED_INPLACE_WHICH.format(op=_op_name(grad_fn)) if grad_fn else ""
        dtype = saved.tensor.dtype
    return errors.MODIFIED_INPLACE.format(
        type_name=f"micrograd_nb.{dtype.tensor_type}",
        shape=", ".join(str(d) for d in saved.array.shape),
        which=which,
        version=saved.version.value,
        expected=saved.saved_version,
    )


class Function:
    """One recorded op: ``grad_fn`` of the tensor it produced."""

    __slots__ = ("_op", "_prev", "_ctx", "_saved", "_meta", "_seq", "_pre_hooks",
                 "_tensor_hooks", "_retains", "_metadata", "_shape", "__weakref__")

    _accumulates = False

    def __init__(self, op, inputs, prev, ctx, saved, shape):
        self._op = op
        self._shape = shape  # of the output: what a picture of the graph shows
        self._prev = prev
        self._ctx = ctx
        self._saved = saved  # {input index or "ans": SavedTensor}
        # Shape and dtype of each input that needs a gradient: the rule's result is
        # summed back over broadcast dimensions and cast to the input's dtype.
        self._meta = [None if p is None else (t._data.shape, t._data.dtype)
                      for t, p in zip(inputs, prev)]
        self._seq = graph.next_seq()
        self._pre_hooks = ()
        self._tensor_hooks = None
        self._retains = None
        self._metadata = None

    @property
    def metadata(self):
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    # --- PyTorch's public face ---------------------------------------------------------

    def name(self):
        return self._op.name

    @property
    def next_functions(self):
        return tuple((p, 0) for p in self._prev)

    def __repr__(self):
        return f"<{self._op.name} object at {hex(id(self))}>"

    def __call__(self, *grads):
        raise RuntimeError("calling a grad_fn directly is not supported; use backward()")

    # --- hooks (registered through Tensor.register_hook / retain_grad) ------------------

    def _add_tensor_hook(self, hook):
        if self._tensor_hooks is None:
            self._tensor_hooks = []
        self._tensor_hooks.append(hook)
        self._rebuild_pre_hooks()

    def _remove_tensor_hook(self, hook):
        if self._tensor_hooks and hook in self._tensor_hooks:
            self._tensor_hooks.remove(hook)
            self._rebuild_pre_hooks()

    def _set_retains(self, retain_hook):
        self._retains = retain_hook
        self._rebuild_pre_hooks()

    def _rebuild_pre_hooks(self):
        # retain_grad sees the gradient after every other hook, as in PyTorch.
        hooks = list(self._tensor_hooks or ())
        if self._retains is not None:
            hooks.append(self._retains)
        self._pre_hooks = tuple(hooks)

    # --- graph-core protocol -----------------------------------------------------------

    def _apply(self, grad, create_graph):
        __tracebackhide__ = True
        saved = self._saved
        if saved is _FREED:
            raise attach(RuntimeError(errors.BACKWARD_TWICE), node=self.name())
        op = self._op
        if create_graph:
            F = ops.TENSOR_NS
            if not isinstance(grad, tensor.Tensor):
                grad = ops.constant(grad)
        else:
            F = ops.NUMPY_NS
        args = [None] * len(self._prev)
        ans = None
        for key, item in saved.items():
            value = item.unpack(self, create_graph)
            if key == "ans":
                ans = value
            else:
                args[key] = value
        ctx, meta, sum_to = self._ctx, self._meta, F.sum_to
        grads = []
        for i, parent in enumerate(self._prev):
            if parent is None:
                grads.append(None)
                continue
            g = op.vjp(i, F, grad, ans, args, ctx)
            shape, dt = meta[i]
            g = sum_to(g, shape)  # undo broadcasting
            if F.dtype_of(g) != dt:
                g = F.cast(g, dt)
            grads.append(g)
        if graph._GradMode.detect_anomaly:
            for i, g in enumerate(grads):
                if g is not None and np.isnan(F.array_of(g)).any():
                    raise RuntimeError(errors.ANOMALY_NAN.format(name=op.name, index=i))
        return grads

    def _release(self):
        if self._saved or self._op.saves_ctx:
            self._saved = _FREED


class AccumulateGrad:
    """The end of every path at a leaf that requires grad: adds into ``leaf.grad``.
    It holds the leaf; the leaf holds it only weakly (no cycle)."""

    __slots__ = ("variable", "_seq", "metadata", "__weakref__")

    _prev = ()
    _accumulates = True
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable
        self._seq = graph.next_seq()
        self.metadata = {}

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    @property
    def _pre_hooks(self):
        return self.variable._hooks or ()

    def _accumulate(self, grad):
        accumulate_into(self.variable, grad)

    def _release(self):
        pass


def accumulate_into(target, grad):
    """``tensor.grad += grad`` as PyTorch's AccumulateGrad does it. The first gradient
    is stored as a copy (it may be shared with other leaves or be the user's seed): with
    create_graph=True a recorded copy (CopyBackwards), so the gradient keeps its graph.
    Later gradients are added: with create_graph=True out of place, recorded
    (AddBackward0); otherwise in place, unrecorded, even into a gradient that has a
    graph (its grad_fn stays as it was, as in PyTorch)."""
    Tensor = tensor.Tensor
    current = target._grad
    if isinstance(grad, Tensor):  # create_graph=True
        if current is None:
            target._grad = ops.apply(ops.COPY_GRAD, (grad,))
        else:
            target._grad = current + grad
        return
    if current is None:
        target._grad = Tensor._make(np.array(grad, dtype=target._data.dtype, copy=True))
    else:
        np.add(current._data, grad, out=current._data, casting="unsafe")
        current._version.value += 1


class TensorHook:
    """A user's ``register_hook(fn)``: runs ``fn`` on the gradient as a Tensor; its
    return value, if not None, replaces the gradient (same shape required)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, grad):
        Tensor = tensor.Tensor
        as_tensor = grad if isinstance(grad, Tensor) else Tensor._make(grad)
        result = self.fn(as_tensor)
        if result is None:
            return grad
        if tuple(result.shape) != tuple(as_tensor.shape):
            name = getattr(self.fn, "__name__", type(self.fn).__name__)
            raise RuntimeError(errors.HOOK_CHANGED_SIZE.format(name=name))
        return result if isinstance(grad, Tensor) else result._data


class RetainGrad:
    """The hook ``retain_grad()`` adds: accumulates into the non-leaf's ``.grad``."""

    __slots__ = ("tensor_ref",)

    def __init__(self, tensor_ref):
        self.tensor_ref = tensor_ref

    def __call__(self, grad):
        target = self.tensor_ref()
        if target is not None:
            accumulate_into(target, grad)
        return grad
