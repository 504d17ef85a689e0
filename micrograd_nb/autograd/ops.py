"""Every tensor op, defined once: its forward on numpy arrays and its backward rule
(vector-Jacobian product) per input, side by side, in the style of HIPS autograd's
``defvjp``.

A rule has the form ``lambda F, g, ans, x, y, **ctx: ...``: ``g`` is the gradient of
the output, ``ans`` the output, ``x, y`` the inputs (``None`` where the op did not save
them). Rules use operators and ``F`` only. During a normal backward pass ``F`` is
``NUMPY_NS`` and everything is a numpy array: the fast path. With
``create_graph=True`` it is ``TENSOR_NS`` and everything is a ``Tensor``, so the
gradient is computed by recorded ops and can itself be differentiated. Broadcasting is
undone once, for every op, by ``F.sum_to`` in ``Function._apply``.
"""

import re

import numpy as np

from . import errors, function, graph, tensor

ANS = "ans"


class Op:
    """An op: PyTorch's grad_fn ``name``, the numpy ``forward`` and one rule per input.

    ``saves`` lists what the rules read (input positions and/or ``ANS``); a rule for
    input i saves only when that input needs a gradient, as in PyTorch. ``saves_ctx``
    marks ops that keep data of their own (a mask, indices), so a second pass fails.
    """

    __slots__ = ("name", "forward", "rules", "saves", "saves_ctx", "variadic", "_node_type")

    def __init__(self, name, forward, *rules, saves=(), saves_ctx=False, variadic=None):
        self.name = name
        self.forward = forward
        self.rules = rules
        self.saves = saves  # per input: tuple of what its rule reads
        self.saves_ctx = saves_ctx
        self.variadic = variadic  # rule(i, F, g, **ctx) for ops with any number of inputs
        self._node_type = None

    @property
    def node_type(self):
        """The class of this op's nodes: a ``Function`` named as PyTorch names it, so
        ``type(y.grad_fn).__name__`` is ``MulBackward0`` here too."""
        if self._node_type is None:
            name = self.name.rsplit("::", 1)[-1]
            self._node_type = type(name, (function.Function,), {"__slots__": ()})
        return self._node_type

    def vjp(self, i, F, g, ans, args, ctx):
        if self.variadic is not None:
            return self.variadic(i, F, g, **ctx)
        return self.rules[i](F, g, ans, *args, **ctx)


def defop(name, forward, *rules, saves=(), saves_ctx=False):
    return Op(name, forward, *rules, saves=saves, saves_ctx=saves_ctx)


# ---------------------------------------------------------------------------------------
# Recording an op.

def apply(op, inputs, compute_dtype=None, **ctx):
    """Run ``op`` forward on the inputs' arrays and, in grad mode, record its node."""
    Tensor = tensor.Tensor
    try:
        if compute_dtype is None:
            data = op.forward(*[t._data for t in inputs], **ctx)
        else:
            data = op.forward(*[t._data if t._data.dtype == compute_dtype
                                else t._data.astype(compute_dtype) for t in inputs], **ctx)
    except (ValueError, IndexError) as error:
        raise pytorch_error(error, [t._data.shape for t in inputs]) from None
    if data.__class__ is not np.ndarray:
        data = np.asarray(data)  # numpy returns scalars for 0-d results
    if graph._GradMode.enabled:
        for t in inputs:
            if t._requires_grad:
                break
        else:
            return Tensor._make(data)
    else:
        return Tensor._make(data)
    prev = tuple(t._grad_node() if t._requires_grad else None for t in inputs)
    out = Tensor._make(data, True)
    saved = {}
    if op.saves:
        for i, parent in enumerate(prev):
            if parent is not None:
                for key in op.saves[i]:
                    if key not in saved:
                        is_output = key == ANS
                        kept = out if is_output else inputs[key]
                        saved[key] = function.SavedTensor(kept, is_output)
    out._grad_fn = op.node_type(op, inputs, prev, ctx, saved, data.shape)
    return out


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
        out._version = x._version
        out._view_of_leaf = x._view_of_leaf or (x.is_leaf and x.requires_grad)
        out._base = x if x._base is None else x._base
        out._view_chain = x._view_chain + ((op, ctx),)
        out._base_fn = out._base._grad_fn
    return out


def constant(array):
    return tensor.Tensor._make(np.asarray(array))


# ---------------------------------------------------------------------------------------
# The two namespaces rules are written against.

def broadcast_dims(g_shape, shape):
    """The dimensions of a gradient of shape ``g_shape`` that broadcasting added to an
    input of shape ``shape``: the leading ones, and those where the input had size 1.
    Summing over them (keeping dims) and reshaping undoes the broadcast."""
    lead = len(g_shape) - len(shape)
    return tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g_shape[i + lead] != 1)


def _sum_to_array(g, shape):
    if g.shape == shape:
        return g
    dims = broadcast_dims(g.shape, shape)
    if dims:
        g = g.sum(axis=dims, keepdims=True)
    return g.reshape(shape)


def _expand_array(x, shape):
    # A filled copy: np.broadcast_to is several times slower on the small arrays of a
    # backward pass, and its read-only result would need copying later anyway.
    out = np.empty(shape, dtype=x.dtype)
    out[...] = x
    return out


def _scatter_array(g, shape, key):
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(key):
        out[key] = g
    else:
        np.add.at(out, key, g)
    return out


class NUMPY_NS:
    """Rules on raw arrays: the fast path of every backward pass."""

    @staticmethod
    def view_of(x, chain):
        return _array_view(x, chain)

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sign = staticmethod(np.sign)
    zeros_like = staticmethod(np.zeros_like)
    matmul = staticmethod(np.matmul)
    outer = staticmethod(np.multiply.outer)
    where = staticmethod(np.where)
    sum_to = staticmethod(_sum_to_array)
    scatter = staticmethod(_scatter_array)

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

    @staticmethod
    def sum(x, dim, keepdim=False):
        return x.sum(axis=dim, keepdims=keepdim)

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    expand = staticmethod(_expand_array)

    @staticmethod
    def permute(x, dims):
        return x.transpose(dims)

    @staticmethod
    def transpose(x, d0, d1):
        return np.swapaxes(x, d0, d1)


class TENSOR_NS:
    """The same functions on Tensors, recorded: for create_graph=True."""

    @staticmethod
    def view_of(x, chain):
        for op, ctx in chain:
            x = apply(op, (x,), **ctx)
        return x

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
        return apply(SIGN, (x,))

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
        return tensor.where(cond, a, b)

    @staticmethod
    def sum_to(g, shape):
        if tuple(g.shape) == tuple(shape):
            return g
        dims = broadcast_dims(tuple(g.shape), shape)
        if dims:
            g = g.sum(dim=dims, keepdim=True)
        return g.reshape(shape)

    @staticmethod
    def scatter(g, shape, key):
        return apply(SCATTER, (g,), shape=shape, key=key)

    @staticmethod
    def dtype_of(x):
        return x._data.dtype

    @staticmethod
    def cast(x, dt):
        return apply(TO_COPY, (x,), dtype=dt)

    @staticmethod
    def array_of(x):
        return x._data

    @staticmethod
    def mT(x):
        return x.transpose(-1, -2)

    @staticmethod
    def sum(x, dim, keepdim=False):
        return x.sum(dim=dim, keepdim=keepdim)

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def expand(x, shape):
        return x.expand(shape)

    @staticmethod
    def permute(x, dims):
        return x.permute(dims)

    @staticmethod
    def transpose(x, d0, d1):
        return x.transpose(d0, d1)


# ---------------------------------------------------------------------------------------
# Forward helpers.

def _is_basic(key):
    items = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, np.integer, slice))
               for k in items)


def _unsqueeze_reduced(g, shape, dim, keepdim):
    """Give a reduction's gradient back its reduced dimensions (size 1)."""
    if dim is None:
        return g.reshape((1,) * len(shape)) if len(shape) else g
    if keepdim:
        return g
    kept = tuple(1 if i in dim else n for i, n in enumerate(shape))
    return g.reshape(kept)


def _reduce_mask(x, ans):
    """Where ``x`` equals the extreme ``ans``, split evenly among ties (as PyTorch's
    ``max()``/``min()`` with no dim)."""
    mask = x == ans
    return (mask / mask.sum()).astype(x.dtype)


def _argextreme_mask(x, indices, dim):
    """One-hot along ``dim`` at ``indices`` (``max(dim)`` gives its gradient to the first
    of tied elements, as PyTorch does)."""
    if x.ndim == 0:
        return np.ones((), dtype=bool)
    positions = np.arange(x.shape[dim]).reshape([-1 if i == dim else 1 for i in range(x.ndim)])
    return positions == np.expand_dims(indices, dim)


def _within(x, low, high):
    """Where clamp lets the gradient through: low <= x <= high, ends included."""
    mask = np.ones(x.shape, dtype=bool)
    if low is not None:
        mask &= x >= low
    if high is not None:
        mask &= x <= high
    return mask


def _take_at(x, indices, dim, keepdim):
    if x.ndim == 0:  # a 0-d tensor is its own max and min along dim 0
        return x.copy()
    values = np.take_along_axis(x, np.expand_dims(indices, dim), dim)
    return values if keepdim else values.squeeze(dim)


def _contiguous(a):
    """Where PyTorch's kernel writes a fresh contiguous result whatever the input's
    layout (reductions over a dim, softmax, cat, scalar ** x). The layout shows in the
    node reshape() records and in whether view() can be used."""
    return a if a.flags.c_contiguous else a.copy()


def _softmax(x, dim):
    shifted = np.exp(x - x.max(axis=dim, keepdims=True))
    return _contiguous(shifted / shifted.sum(axis=dim, keepdims=True))


def _log_softmax(x, dim):
    shifted = x - x.max(axis=dim, keepdims=True)
    return _contiguous(shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True)))


def _pow(a, b):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.power(a, b)


def _safe(fn):
    """numpy warns on log(0), 1/0, sqrt(-1); PyTorch returns inf/nan silently."""

    def wrapped(*args, **ctx):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return fn(*args, **ctx)

    return wrapped


# ---------------------------------------------------------------------------------------
# The table. One entry per op: forward, then the rule for each input.

ADD = defop("AddBackward0", lambda a, b, alpha=1: a + alpha * b if alpha != 1 else a + b,
            lambda F, g, ans, a, b, alpha=1: g,
            lambda F, g, ans, a, b, alpha=1: g * alpha if alpha != 1 else g)
SUB = defop("SubBackward0", lambda a, b, alpha=1: a - alpha * b if alpha != 1 else a - b,
            lambda F, g, ans, a, b, alpha=1: g,
            lambda F, g, ans, a, b, alpha=1: -g * alpha if alpha != 1 else -g)
RSUB = defop("RsubBackward1", lambda a, b: b - a,  # scalar - tensor
             lambda F, g, ans, a, b: -g,
             lambda F, g, ans, a, b: g)
MUL = defop("MulBackward0", np.multiply,
            lambda F, g, ans, a, b: g * b,
            lambda F, g, ans, a, b: g * a,
            saves=((1,), (0,)))
DIV = defop("DivBackward0", _safe(np.true_divide),
            lambda F, g, ans, a, b: g / b,
            lambda F, g, ans, a, b: -g * a / (b * b),
            saves=((1,), (0, 1)))
RECIPROCAL = defop("ReciprocalBackward0", _safe(np.reciprocal),
                   lambda F, g, ans, x: -g * ans * ans,
                   saves=((ANS,),))
NEG = defop("NegBackward0", np.negative, lambda F, g, ans, x: -g)
# x ** k for a constant k (PowBackward0); d/dx = k x^(k-1), and 0 where k == 0.
POW = defop("PowBackward0", lambda x, exponent: _pow(x, exponent),
            lambda F, g, ans, x, exponent: (g * exponent * x ** (exponent - 1)
                                            if exponent != 0 else F.zeros_like(x)),
            saves=((0,),))
# x ** y for tensors (PowBackward1); the y-rule is masked to 0 where x == 0 and y >= 0.
POW_TENSOR = defop(
    "PowBackward1", _pow,
    lambda F, g, ans, x, y: F.where(F.array_of(y) == 0, g * 0, g * y * x ** (y - 1)),
    lambda F, g, ans, x, y: F.where((F.array_of(x) == 0) & (F.array_of(y) >= 0), g * 0,
                                    g * ans * F.log(x)),
    saves=((0, 1), (0, ANS)))
# scalar ** x (PowBackward2); the scalar base travels in ctx.
RPOW = defop("PowBackward2", lambda x, base: _contiguous(_pow(base, x)),
             lambda F, g, ans, x, base: g * ans * float(np.log(base)),
             saves=((ANS,),))
EXP = defop("ExpBackward0", _safe(np.exp), lambda F, g, ans, x: g * ans, saves=((ANS,),))
LOG = defop("LogBackward0", _safe(np.log), lambda F, g, ans, x: g / x, saves=((0,),))
SQRT = defop("SqrtBackward0", _safe(np.sqrt), lambda F, g, ans, x: g / (2 * ans),
             saves=((ANS,),))
ABS = defop("AbsBackward0", np.abs, lambda F, g, ans, x: g * F.sign(x), saves=((0,),))
SIGN = defop("SgnBackward0", np.sign, lambda F, g, ans, x: g * 0)
TANH = defop("TanhBackward0", np.tanh, lambda F, g, ans, x: g * (1 - ans * ans),
             saves=((ANS,),))
SIGMOID = defop("SigmoidBackward0", _safe(lambda x: 1 / (1 + np.exp(-x))),
                lambda F, g, ans, x: g * ans * (1 - ans), saves=((ANS,),))
# As PyTorch's threshold_backward(g, ans): 0 where ans <= 0, and a gradient that is
# part of the graph through ans as well as g.
RELU = defop("ReluBackward0", lambda x: np.maximum(x, 0),
             lambda F, g, ans, x: F.where(F.array_of(ans) > 0, g, ans * 0),
             saves=((ANS,),))
CLAMP = defop("ClampBackward1", lambda x, min=None, max=None: np.clip(x, min, max),
              lambda F, g, ans, x, min=None, max=None: g * _within(F.array_of(x), min, max),
              saves=((0,),))
WHERE = defop("WhereBackward0", lambda a, b, condition: np.where(condition, a, b),
              lambda F, g, ans, a, b, condition: F.where(condition, g, g * 0),
              lambda F, g, ans, a, b, condition: F.where(condition, g * 0, g),
              saves_ctx=True)

MM = defop("MmBackward0", np.matmul,
           lambda F, g, ans, a, b: F.matmul(g, F.mT(b)),
           lambda F, g, ans, a, b: F.matmul(F.mT(a), g),
           saves=((1,), (0,)))
MV = defop("MvBackward0", np.matmul,
           lambda F, g, ans, m, v: F.outer(g, v),
           lambda F, g, ans, m, v: F.matmul(F.mT(m), g),
           saves=((1,), (0,)))
DOT = defop("DotBackward0", np.matmul,
            lambda F, g, ans, a, b: g * b,
            lambda F, g, ans, a, b: g * a,
            saves=((1,), (0,)))
# Batched, broadcasting matmul of operands with at least 2 dimensions.
BMM = defop("BmmBackward0", np.matmul,
            lambda F, g, ans, a, b: F.matmul(g, F.mT(b)),
            lambda F, g, ans, a, b: F.matmul(F.mT(a), g),
            saves=((1,), (0,)))

SUM = defop("SumBackward0", lambda x, shape: x.sum(),
            lambda F, g, ans, x, shape: F.expand(_unsqueeze_reduced(g, shape, None, False),
                                                 shape))
SUM_DIM = defop("SumBackward1",
                lambda x, dim, keepdim, shape: _contiguous(x.sum(axis=dim, keepdims=keepdim)),
                lambda F, g, ans, x, dim, keepdim, shape: F.expand(
                    _unsqueeze_reduced(g, shape, dim, keepdim), shape))
# A sum over the count, not ndarray.mean: the mean of nothing is nan, silently, as in PyTorch.
MEAN = defop("MeanBackward0", _safe(lambda x, shape: np.divide(x.sum(), x.size)),
             lambda F, g, ans, x, shape: F.expand(
                 _unsqueeze_reduced(g, shape, None, False), shape) / max(x_numel(shape), 1))
MEAN_DIM = defop("MeanBackward1",
                 _safe(lambda x, dim, keepdim, shape: _contiguous(np.divide(
                     x.sum(axis=dim, keepdims=keepdim), x_numel(tuple(shape[d] for d in dim))))),
                 lambda F, g, ans, x, dim, keepdim, shape: F.expand(
                     _unsqueeze_reduced(g, shape, dim, keepdim), shape)
                 / x_numel(tuple(shape[d] for d in dim)))
MAX_ALL = defop("MaxBackward1", lambda x: x.max(),
                lambda F, g, ans, x: g * _reduce_mask(F.array_of(x), F.array_of(ans)),
                saves=((0, ANS),))
MIN_ALL = defop("MinBackward1", lambda x: x.min(),
                lambda F, g, ans, x: g * _reduce_mask(F.array_of(x), F.array_of(ans)),
                saves=((0, ANS),))
# max(dim)/min(dim): the indices are computed first and travel in ctx.
MAX_DIM = defop("MaxBackward0",
                lambda x, dim, keepdim, indices: _take_at(x, indices, dim, keepdim),
                lambda F, g, ans, x, dim, keepdim, indices: (
                    g if keepdim else F.reshape(g, np.expand_dims(indices, dim).shape))
                * _argextreme_mask(F.array_of(x), indices, dim),
                saves=((0,),), saves_ctx=True)
MIN_DIM = Op("MinBackward0", MAX_DIM.forward, *MAX_DIM.rules, saves=MAX_DIM.saves,
             saves_ctx=True)

SOFTMAX = defop("SoftmaxBackward0", lambda x, dim: _softmax(x, dim),
                lambda F, g, ans, x, dim: ans * (g - F.sum(g * ans, dim, keepdim=True)),
                saves=((ANS,),))
LOG_SOFTMAX = defop("LogSoftmaxBackward0", lambda x, dim: _log_softmax(x, dim),
                    lambda F, g, ans, x, dim: g - F.exp(ans) * F.sum(g, dim, keepdim=True),
                    saves=((ANS,),))

# Shape ops: the gradient is the inverse reshaping.
VIEW = defop("ViewBackward0", lambda x, shape, in_shape: x.reshape(shape),
             lambda F, g, ans, x, shape, in_shape: F.reshape(g, in_shape))
# reshape() of a tensor that is not contiguous: a view when the strides allow it
# (PyTorch's _reshape_alias), else a clone, then this (PyTorch's _unsafe_view).
RESHAPE_ALIAS = Op("ReshapeAliasBackward0", VIEW.forward, *VIEW.rules)
UNSAFE_VIEW = Op("UnsafeViewBackward0", VIEW.forward, *VIEW.rules)
SQUEEZE = defop("SqueezeBackward0", lambda x, in_shape: x.squeeze(),
                lambda F, g, ans, x, in_shape: F.reshape(g, in_shape))
SQUEEZE_DIM = defop("SqueezeBackward1", lambda x, dim, in_shape: x.reshape(
    in_shape[:dim] + in_shape[dim + 1:]) if in_shape[dim] == 1 else x,
                    lambda F, g, ans, x, dim, in_shape: F.reshape(g, in_shape))
SQUEEZE_DIMS = defop("SqueezeBackward4", lambda x, dim, in_shape: x.reshape(
    in_shape[:dim] + in_shape[dim + 1:]) if in_shape[dim] == 1 else x,
                     lambda F, g, ans, x, dim, in_shape: F.reshape(g, in_shape))
UNSQUEEZE = defop("UnsqueezeBackward0", lambda x, dim: np.expand_dims(x, dim),
                  lambda F, g, ans, x, dim: F.reshape(g, g.shape[:dim] + g.shape[dim + 1:]))
TRANSPOSE = defop("TransposeBackward0", lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1),
                  lambda F, g, ans, x, dim0, dim1: F.transpose(g, dim0, dim1))
# t(): the transpose of a matrix, the tensor itself (as a view) below 2 dimensions.
T = defop("TBackward0", lambda x: x.T,
          lambda F, g, ans, x: F.permute(g, tuple(range(g.ndim))[::-1]))
PERMUTE = defop("PermuteBackward0", lambda x, dims: x.transpose(dims),
                lambda F, g, ans, x, dims: F.permute(g, tuple(np.argsort(dims))))
EXPAND = defop("ExpandBackward0", lambda x, shape: np.broadcast_to(x, shape),
               lambda F, g, ans, x, shape: g)  # sum_to in Function._apply undoes it
# The copy AccumulateGrad makes of a first gradient that has a graph (create_graph).
COPY_GRAD = defop("torch::autograd::CopyBackwards", lambda x: x.copy(), lambda F, g, ans, x: g)
CLONE = defop("CloneBackward0", lambda x: x.copy(order="K"), lambda F, g, ans, x: g)
TO_COPY = defop("ToCopyBackward0", lambda x, dtype: x.astype(dtype), lambda F, g, ans, x, dtype: g)
ALIAS = defop("AliasBackward0", lambda x: x.view(), lambda F, g, ans, x: g)


def _take(x, key, in_shape):
    return x[key]


def _index_rule(F, g, ans, x, key, in_shape):
    return F.scatter(g, in_shape, key)


SELECT = defop("SelectBackward0", _take, _index_rule)
SLICE = defop("SliceBackward0", _take, _index_rule)
INDEX = defop("IndexBackward0", _take, _index_rule, saves_ctx=True)
# The gradient of indexing, recorded (only under create_graph); its own gradient is
# indexing again.
SCATTER = defop("IndexPutBackward0", lambda g, shape, key: _scatter_array(g, shape, key),
                lambda F, g, ans, x, shape, key: g[key])
# x[key] = value, in place (CopySlices): the old x gets the gradient outside key, the
# value the gradient inside it. PyTorch names the node by how it writes: through a view
# of x (CopySlices), at advanced indices (IndexPutBackward0), or into all of x, a tensor
# (copy_: CopyBackwards) or a number (fill_: FillBackward3).
COPY_SLICES = defop("torch::autograd::CopySlices",
                    lambda x, value, key: _copy_into(x, key, value),
                    lambda F, g, ans, x, value, key: g * _outside(F.array_of(g).shape, key),
                    lambda F, g, ans, x, value, key: g[key])
INDEX_PUT = Op("IndexPutBackward0", COPY_SLICES.forward, *COPY_SLICES.rules)
COPY = Op("torch::autograd::CopyBackwards", COPY_SLICES.forward, *COPY_SLICES.rules)
FILL_ALL = Op("FillBackward3", COPY_SLICES.forward, *COPY_SLICES.rules)
# An in-place op through a view, seen from the base: the old base outside the view, the
# op's result inside it. ``chain`` is the view ops that lead from the base to the view.
COPY_VIEW = defop("torch::autograd::CopySlices",
                  lambda base, value, chain: _write_view(base, value, chain),
                  lambda F, g, ans, base, value, chain: g * _outside_view(
                      F.array_of(g).shape, chain),
                  lambda F, g, ans, base, value, chain: F.view_of(g, chain))
ZERO = defop("ZeroBackward0", np.zeros_like, lambda F, g, ans, x: g * 0)
FILL = defop("FillBackward2", lambda x, value: np.full_like(x, value),
             lambda F, g, ans, x, value: g * 0)


def _copy_into(x, key, value):
    out = x.copy()
    out[key] = value
    return out


def _outside(shape, key):
    mask = np.ones(shape, dtype=bool)
    mask[key] = False
    return mask


def _array_view(array, chain):
    for op, ctx in chain:
        array = op.forward(array, **ctx)
    return array


def _write_view(base, value, chain):
    out = base.copy()
    _array_view(out, chain)[...] = value
    return out


def _outside_view(shape, chain):
    mask = np.ones(shape, dtype=bool)
    _array_view(mask, chain)[...] = False
    return mask


def _cat_rule(i, F, g, dim, bounds):
    start, stop = bounds[i]
    return g[(slice(None),) * dim + (slice(start, stop),)]


def _stack_rule(i, F, g, dim):
    return g[(slice(None),) * dim + (i,)]


CAT = Op("CatBackward0", lambda *xs, dim, bounds: _contiguous(np.concatenate(xs, axis=dim)),
         variadic=_cat_rule)
STACK = Op("StackBackward0", lambda *xs, dim: _contiguous(np.stack(xs, axis=dim)),
           variadic=_stack_rule)


def x_numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n
