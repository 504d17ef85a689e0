"""The tensor graph: how an op of ops.py is recorded, and how its node runs backward.

``apply(op, inputs)`` (below) runs an op's forward and, when an input requires grad,
makes its node: a ``Function`` (``MulBackward0``...) holding its parents, what it saved
and the op's rules. ``Function._apply`` runs the rules in the backward pass, written
against one of two namespaces: ``NUMPY_NS`` (arrays, the fast path) or ``TENSOR_NS``
(recorded tensors, for ``create_graph=True``). ``AccumulateGrad`` ends every path at a
leaf that requires grad and adds the arriving gradient into ``leaf.grad``. Nodes follow
the protocol of graph.py, which drives the pass.
"""

import re
from operator import attrgetter

import numpy as np

from . import arrays, dtypes, errors, graph, ops, tensor
from .involved import attach
from .op import ANS

_FREED = object()  # a node's saved values after a pass without retain_graph


class SavedTensor:
    """A tensor an op keeps for its backward rule, with the version it had then, so
    that an in-place change made since is caught instead of giving a wrong gradient.
    ``key`` says which one it is to the rules: an input position or ``ANS``."""

    __slots__ = ("key", "tensor", "array", "version", "saved_version", "is_output")

    def __init__(self, tensor, is_output, key=None, keep_tensor=True):
        # An output is kept as its array alone: holding the tensor would make a cycle
        # (tensor -> grad_fn -> saved tensor). An input outside any graph may be kept so
        # too (keep_tensor=False): its array is all a rule reads, even with create_graph.
        self.key = key
        self.is_output = is_output
        self.tensor = tensor if keep_tensor and not is_output else None
        self.array = tensor._data
        self.version = tensor._version_counter
        self.saved_version = self.version.value

    def check(self, node):
        if self.version.value != self.saved_version:
            # The explainer names the user's tensor: the one sharing this version counter.
            raise attach(RuntimeError(_modified_message(self, node)),
                         changed=lambda t, version=self.version: t._version_counter is version)

    def unpack(self, node, as_tensor):
        __tracebackhide__ = True
        if self.version.value != self.saved_version:
            self.check(node)
        if not as_tensor:
            return self.array
        if self.tensor is not None:
            return self.tensor
        if self.is_output:  # rebuilt as a tensor with this node as its grad_fn
            return tensor.Tensor._make(self.array, True, node, self.version)
        return tensor.Tensor._make(self.array, False, None, self.version)


def saved_arrays(node):
    """What a node of the ops table saved for its rules, as ``((key, array), ...)`` in
    the order its rules ask for them; None for any other node, or once a pass freed it."""
    if not isinstance(node, Function) or not isinstance(node._saved, tuple):
        return None
    if not all(isinstance(item, SavedTensor) for item in node._saved):
        return None  # a custom Function's node keeps (saved, node) pairs
    return tuple((item.key, item.array) for item in node._saved)


def _op_name(grad_fn):
    """How PyTorch names a node in that message: AddBackward0 is "Add", ClampBackward1
    "Clamp1", a custom MyExpBackward "MyExp"; torch::autograd::CopySlices stays as it is."""
    return re.sub(r"Backward(\d*)$", lambda m: m[1] if m[1] != "0" else "", grad_fn.name())


def _modified_message(saved, node):
    if saved.is_output:  # an output of ``node`` itself
        which = errors.MODIFIED_INPLACE_WHICH.format(op=_op_name(node))
    else:
        grad_fn = saved.tensor.grad_fn if saved.tensor is not None else None
        which = errors.MODIFIED_INPLACE_WHICH.format(op=_op_name(grad_fn)) if grad_fn else ""
    dtype = dtypes.from_numpy_dtype(saved.array.dtype)
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

    def __init__(self, op, prev, meta, ctx, saved, shape):
        self._op = op
        self._shape = shape  # of the output: what a picture of the graph shows
        self._prev = prev
        self._ctx = ctx
        self._saved = saved  # a SavedTensor for each input position or ANS a rule reads
        # Shape and dtype of each input that needs a gradient (None for the others): the
        # rule's result is summed back over broadcast dimensions and cast to that dtype.
        self._meta = meta
        self._seq = graph.next_seq()
        self._pre_hooks = ()
        # _tensor_hooks, _retains and _metadata are set when first needed: few nodes have
        # them, and every node is made on the hot path.

    @property
    def metadata(self):
        if getattr(self, "_metadata", None) is None:
            self._metadata = {}
        return self._metadata

    # --- PyTorch's public face ---------------------------------------------------------

    def name(self):
        return self._op.name

    @property
    def next_functions(self):
        # An edge into output k of a node with several outputs reads as (node, k).
        return tuple(getattr(p, "edge", (p, 0)) for p in self._prev)

    def __repr__(self):
        return f"<{self._op.name} object at {hex(id(self))}>"

    def __call__(self, *grads):
        raise RuntimeError("calling a grad_fn directly is not supported; use backward()")

    # --- hooks (registered through Tensor.register_hook / retain_grad) ------------------

    def _add_tensor_hook(self, hook):
        if getattr(self, "_tensor_hooks", None) is None:
            self._tensor_hooks = []
        self._tensor_hooks.append(hook)
        self._rebuild_pre_hooks()

    def _remove_tensor_hook(self, hook):
        hooks = getattr(self, "_tensor_hooks", None)
        if hooks and hook in hooks:
            hooks.remove(hook)
            self._rebuild_pre_hooks()

    def _set_retains(self, retain_hook):
        self._retains = retain_hook
        self._rebuild_pre_hooks()

    def _rebuild_pre_hooks(self):
        # retain_grad sees the gradient after every other hook, as in PyTorch.
        hooks = list(getattr(self, "_tensor_hooks", None) or ())
        retains = getattr(self, "_retains", None)
        if retains is not None:
            hooks.append(retains)
        self._pre_hooks = tuple(hooks)

    # --- graph-core protocol -----------------------------------------------------------

    def _apply(self, grad, create_graph):
        __tracebackhide__ = True
        saved = self._saved
        if saved is _FREED:
            raise attach(RuntimeError(errors.BACKWARD_TWICE), node=self.name())
        if create_graph:
            F = TENSOR_NS
            if not isinstance(grad, tensor.Tensor):
                grad = constant(grad)
        else:
            F = NUMPY_NS
        prev = self._prev
        args = [None] * len(prev)
        ans = None
        for item in saved:
            if create_graph or item.version.value != item.saved_version:
                value = item.unpack(self, create_graph)
            else:
                value = item.array  # what unpack gives, without its call
            if item.is_output:
                ans = value
            else:
                args[item.key] = value
        op, ctx, meta, to_input = self._op, self._ctx, self._meta, F.to_input
        grads = []
        for i, parent in enumerate(prev):
            if parent is None:
                grads.append(None)
            else:
                grads.append(to_input(op.vjp(i, F, grad, ans, args, ctx), meta[i]))
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
            target._grad = apply(ops.COPY_GRAD, (grad,))
        else:
            target._grad = current + grad
        return
    if current is None:
        target._grad = Tensor._make(np.array(grad, dtype=target._data.dtype, copy=True))
    else:
        np.add(current._data, grad, out=current._data, casting="unsafe")
        current._version_counter.value += 1


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


# ---------------------------------------------------------------------------------------
# Recording an op: its forward, then its node.

def apply(op, inputs, compute_dtype=None, **ctx):
    """Run ``op`` forward on the inputs' arrays and, in grad mode, record its node."""
    Tensor = tensor.Tensor
    try:
        if compute_dtype is None:
            if ctx:
                data = op.forward(*map(_array_of, inputs), **ctx)
            elif len(inputs) == 2:  # most ops: a call without an argument tuple to build
                data = op.forward(inputs[0]._data, inputs[1]._data)
            else:
                data = op.forward(*map(_array_of, inputs))
        else:
            data = op.forward(*[t._data if t._data.dtype == compute_dtype
                                else t._data.astype(compute_dtype) for t in inputs], **ctx)
    except (ValueError, IndexError) as error:
        raise pytorch_error(error, [t._data.shape for t in inputs]) from None
    if data.__class__ is not np.ndarray:
        data = np.asarray(data)  # numpy returns scalars for 0-d results
    recording = False
    if graph._GradMode.enabled:
        for t in inputs:
            if t._requires_grad:
                recording = True
                break
    out = Tensor._make(data, recording)
    if recording:
        # Per input: the node its gradient flows into and its layout, or None for an input
        # outside any graph. The tuples of layouts are shared: a graph has few, and each one
        # the garbage collector tracks costs every later collection some time.
        prev, meta = [], []
        for t in inputs:
            if t._requires_grad:
                prev.append(t._grad_node())
                meta.append((t._data.shape, t._data.dtype))
            else:
                prev.append(None)
                meta.append(None)
        meta = tuple(meta)
        meta = _layouts.setdefault(meta, meta)
        if op.saves:
            # (An input outside any graph is kept as its array: the node holds no tensor for
            # it; a Python number's shared tensor has its SavedTensors made once, and a
            # node that saves nothing else shares their tuple too.)
            saved, shared = [], True
            for key in op.saved_keys(meta):
                if key == ANS:
                    saved.append(SavedTensor(out, True, key))
                    shared = False
                else:
                    t = inputs[key]
                    item = _SAVED_NUMBERS.get((id(t), key))
                    if item is None:
                        item = SavedTensor(t, False, key, keep_tensor=t._requires_grad)
                        shared = False
                    saved.append(item)
            saved = tuple(saved)
            if shared:
                saved = _shared_saved.setdefault(saved, saved)
        else:
            saved = ()
        # The shape is shared as the layouts are: one tuple fewer per node to collect.
        shape = data.shape
        out._grad_fn = (op._node_type or op.node_type)(op, tuple(prev), meta, ctx or _NO_CTX,
                                                       saved, _shapes.setdefault(shape, shape))
    if tracer is not None:
        tracer.op_applied(op, inputs, compute_dtype, ctx, out)
    return out


# While ``micrograd_nb.compile`` traces a function: its recorder (compiled.Trace), told of
# every op applied, every tensor made and every way the function steps off a straight line.
tracer = None

_array_of = attrgetter("_data")
_layouts = {}
_shapes = {}
_shared_saved = {}  # tuples of the shared numbers' SavedTensors (at most two per number)
_NO_CTX = {}  # shared by every node of an op without constants: never written to
_SAVED_NUMBERS = {}  # (id of a shared number's tensor, input position) -> its SavedTensor


def share_saved(number):
    """``number`` (a Python number's tensor, read-only and kept for good by promotion.py)
    is saved by many nodes: one SavedTensor per input position serves them all."""
    for key in (0, 1):
        _SAVED_NUMBERS[id(number), key] = SavedTensor(number, False, key, keep_tensor=False)


def broadcast_mismatch(shapes):
    """PyTorch's message for shapes that do not broadcast together, or None: shapes are
    folded left to right, and dimensions compared from the last one."""
    folded = tuple(shapes[0])
    for shape in shapes[1:]:
        ndim = max(len(folded), len(shape))
        a = (1,) * (ndim - len(folded)) + folded
        b = (1,) * (ndim - len(shape)) + tuple(shape)
        for dim in reversed(range(ndim)):
            if a[dim] != b[dim] and a[dim] != 1 and b[dim] != 1:
                return errors.BROADCAST_MISMATCH.format(a=a[dim], b=b[dim], dim=dim)
        folded = tuple(max(x, y) for x, y in zip(a, b))
    return None


_NUMPY_OUT_OF_BOUNDS = re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)")


def pytorch_error(error, shapes):
    """numpy's shape and index errors in PyTorch's words (the same exception class PyTorch
    raises); any other error unchanged."""
    text = str(error)
    if isinstance(error, ValueError) and "broadcast" in text:
        message = broadcast_mismatch(shapes)
        if message:
            return RuntimeError(message)
    if isinstance(error, IndexError):
        found = _NUMPY_OUT_OF_BOUNDS.search(text)
        if found:
            index, dim, size = found.groups()
            return IndexError(errors.INDEX_OUT_OF_BOUNDS.format(index=index, dim=dim, size=size))
    return error


def apply_view(op, x, **ctx):
    """Like ``apply`` for ops whose result shares memory with ``x`` (views): the result
    also shares ``x``'s version counter, so in-place changes through it are seen."""
    out = apply(op, (x,), **ctx)
    if np.may_share_memory(out._data, x._data):
        out._version_counter = x._version_counter
        out._view_of_leaf = x._view_of_leaf or (x.is_leaf and x.requires_grad)
        out._base = x if x._base is None else x._base
        out._view_chain = x._view_chain + ((op, ctx),)
        out._base_fn = out._base._grad_fn
    return out


def constant(array):
    """A tensor outside any graph: a gradient array lifted for create_graph rules."""
    return tensor.Tensor._make(np.asarray(array))


# ---------------------------------------------------------------------------------------
# The two namespaces rules are written against.

def _sum(x, dim, keepdim=False):
    return x.sum(axis=dim, keepdims=keepdim)  # numpy's names: a Tensor takes them too


def _reshape(x, shape):
    return x.reshape(shape)


class NUMPY_NS:
    """Rules on raw arrays: the fast path of every backward pass."""

    sin, cos, sinh, cosh = (staticmethod(f) for f in (np.sin, np.cos, np.sinh, np.cosh))
    sqrt, erf = staticmethod(np.sqrt), staticmethod(arrays.erf)
    sigmoid = staticmethod(arrays.sigmoid)
    cumsum, flip = staticmethod(arrays.cumsum), staticmethod(np.flip)
    pow, abs, tanh = staticmethod(np.power), staticmethod(np.abs), staticmethod(np.tanh)

    @staticmethod
    def through(g, *inputs):
        return g
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sign = staticmethod(np.sign)
    zeros_like = staticmethod(np.zeros_like)
    matmul = staticmethod(np.matmul)
    outer = staticmethod(np.multiply.outer)
    where = staticmethod(np.where)
    stack = staticmethod(lambda xs, dim: np.stack(xs, axis=dim))
    sum_to = staticmethod(arrays.sum_to)
    scatter = staticmethod(arrays.scatter)
    view_of, unview = staticmethod(arrays.view_of), staticmethod(arrays.unview)

    @staticmethod
    def to_input(g, layout):
        """A rule's result as its input's gradient: summed back over the dimensions
        broadcasting added, in the input's dtype."""
        shape, dt = layout
        if g.shape != shape:
            g = arrays.sum_to(g, shape)
        return g if g.dtype == dt else g.astype(dt)

    @staticmethod
    def dtype_of(x):
        return x.dtype

    @staticmethod
    def cast(x, dt):
        return x.astype(dt)

    @staticmethod
    def array_of(x):
        return x

    @staticmethod
    def mT(x):
        return np.swapaxes(x, -1, -2)

    sum, reshape = staticmethod(_sum), staticmethod(_reshape)

    expand = staticmethod(arrays.expand)

    @staticmethod
    def permute(x, dims):
        return x.transpose(dims)

    @staticmethod
    def transpose(x, d0, d1):
        return np.swapaxes(x, d0, d1)


def _method(name):
    """``F.name(x, ...)`` as ``x.name(...)``: the Tensor method records the op."""
    return staticmethod(lambda x, *args: getattr(x, name)(*args))


class TENSOR_NS:
    """The same functions on Tensors, recorded: for create_graph=True."""

    sin, cos, sinh, cosh = _method("sin"), _method("cos"), _method("sinh"), _method("cosh")
    sqrt, sigmoid, erf = _method("sqrt"), _method("sigmoid"), _method("erf")
    cumsum, pow, abs, tanh = _method("cumsum"), _method("pow"), _method("abs"), _method("tanh")

    @staticmethod
    def through(g, *inputs):
        """``g``, recorded as depending on ``inputs`` with a zero derivative: PyTorch's
        backward kernels (hardtanh_backward...) take the input too, so the gradient they
        give is part of the graph even where it does not depend on it."""
        for x in inputs:
            g = g + x * 0
        return g
    flip = staticmethod(lambda x, dims: x.flip(dims if isinstance(dims, tuple) else (dims,)))

    @staticmethod
    def view_of(x, chain):
        for op, ctx in chain:
            x = apply(op, (x,), **ctx)
        return x

    @staticmethod
    def unview(g, shape, chain):
        return apply(ops.UNVIEW, (g,), in_shape=shape, chain=chain)

    @staticmethod
    def exp(x):
        return x.exp()

    @staticmethod
    def log(x):
        return x.log()

    @staticmethod
    def sign(x):
        # Recorded, as PyTorch's sgn(): its gradient is zero, but a gradient that used
        # it is part of the graph (abs' second derivative is 0, not None).
        return apply(ops.SIGN, (x,))

    @staticmethod
    def zeros_like(x):
        return constant(np.zeros_like(x._data))

    @staticmethod
    def matmul(a, b):
        return a @ b

    @staticmethod
    def outer(a, b):
        return a.unsqueeze(-1) * b

    @staticmethod
    def where(cond, a, b):
        from .functions import where  # it records through apply, defined here

        return where(cond, a, b)

    @staticmethod
    def stack(xs, dim):
        from .functions import stack

        return stack(xs, dim)

    @staticmethod
    def sum_to(g, shape):
        if tuple(g.shape) == tuple(shape):
            return g
        dims = arrays.broadcast_dims(tuple(g.shape), shape)
        if dims:
            g = g.sum(dim=dims, keepdim=True)
        return g.reshape(shape)

    @staticmethod
    def scatter(g, shape, key):
        return apply(ops.SCATTER, (g,), shape=shape, key=key)

    @staticmethod
    def to_input(g, layout):
        shape, dt = layout
        g = TENSOR_NS.sum_to(g, shape)
        return g if g._data.dtype == dt else TENSOR_NS.cast(g, dt)

    @staticmethod
    def dtype_of(x):
        return x._data.dtype

    @staticmethod
    def cast(x, dt):
        return apply(ops.TO_COPY, (x,), dtype=dt)

    @staticmethod
    def array_of(x):
        return x._data

    @staticmethod
    def mT(x):
        return x.transpose(-1, -2)

    sum, reshape = staticmethod(_sum), staticmethod(_reshape)

    @staticmethod
    def expand(x, shape):
        return x.expand(shape)

    @staticmethod
    def permute(x, dims):
        return x.permute(dims)

    @staticmethod
    def transpose(x, d0, d1):
        return x.transpose(d0, d1)
