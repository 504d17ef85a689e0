"""The composite ops of ``torch.nn.functional``, one row each, as PyTorch records them.

PyTorch computes ``mse_loss``, ``nll_loss``, ``binary_cross_entropy`` and friends in one
kernel each, so a network's graph ends in one ``MseLossBackward0`` node, not in the
``sub``, ``pow`` and ``mean`` the formula is made of. Each row here is such a kernel:
its forward on numpy arrays and its backward rule per input, written against ``F`` as
in ops.py, so ``create_graph=True`` differentiates them again.

Losses take ``reduction`` ("none", "mean", "sum") in ``ctx``; the gradient of a reduced
loss is the scalar ``g`` spread over the elements (divided by their count for "mean").
Class weights, ``pos_weight`` and target indices travel in ``ctx`` as arrays: they get
no gradient, as in PyTorch, whose loss kernels refuse a weight that requires one.
"""

import numpy as np

from .arrays import silently
from .op import Op, defop

# Built once: numpy's error state set around each call (arrays, or tensors under create_graph).
_quiet_mean, _quiet_divide = silently(np.mean), silently(lambda a, b: a / b)


def _reduce(loss, reduction):
    if reduction == "mean":
        return _quiet_mean(loss) if loss.size else np.asarray(np.nan, loss.dtype)
    if reduction == "sum":
        return loss.sum()
    return loss


def _spread(g, reduction, count):
    """The gradient of each element of a loss reduced by ``reduction``."""
    return g / count if reduction == "mean" else g


def _broadcast_count(a, b):
    return np.broadcast_shapes(np.shape(a), np.shape(b))


def _numel(shape):
    return int(np.prod(shape, dtype=np.int64))


# --- regression losses ----------------------------------------------------------------

def _mse_rule(sign):
    def rule(F, g, ans, x, t, reduction):
        diff = x - t
        return _spread(g, reduction, _numel(_broadcast_count(F.array_of(x),
                                                             F.array_of(t)))) * 2 * diff * sign
    return rule


MSE_LOSS = defop("MseLossBackward0",
                 silently(lambda x, t, reduction: _reduce((x - t) ** 2, reduction)),
                 _mse_rule(1), _mse_rule(-1), saves=((0, 1), (0, 1)))


def _smooth_l1(x, t, beta):
    d = x - t
    return np.where(np.abs(d) < beta, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)


def _smooth_l1_rule(sign):
    # Inside |d| < beta the loss is a parabola (slope d / beta), outside a line (slope ±1).
    def rule(F, g, ans, x, t, reduction, beta):
        d = x - t
        arr = F.array_of(d)
        g = _spread(g, reduction, _numel(arr.shape))
        inside = np.abs(arr) < beta
        return F.where(inside, g * d / beta, g * np.sign(arr).astype(arr.dtype)) * sign
    return rule


SMOOTH_L1_LOSS = defop("SmoothL1LossBackward0",
                       silently(lambda x, t, reduction, beta: _reduce(_smooth_l1(x, t, beta),
                                                                      reduction)),
                       _smooth_l1_rule(1), _smooth_l1_rule(-1), saves=((0, 1), (0, 1)))


def _huber_rule(sign):
    def rule(F, g, ans, x, t, reduction, delta):
        d = x - t
        arr = F.array_of(d)
        g = _spread(g, reduction, _numel(arr.shape))
        inside = np.abs(arr) <= delta
        return F.where(inside, g * d, g * (delta * np.sign(arr)).astype(arr.dtype)) * sign
    return rule


HUBER_LOSS = defop("HuberLossBackward0",
                   silently(lambda x, t, reduction, delta: _reduce(np.where(
                       np.abs(x - t) < delta, 0.5 * (x - t) ** 2,
                       delta * (np.abs(x - t) - 0.5 * delta)), reduction)),
                   _huber_rule(1), _huber_rule(-1), saves=((0, 1), (0, 1)))


# --- binary cross entropy -------------------------------------------------------------

def _clamped_log(x):
    # PyTorch clamps log(0) to -100, so a confident wrong answer costs 100, not inf.
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(x), -100)


def _bce(x, t, weight, reduction):
    loss = -(t * _clamped_log(x) + (1 - t) * _clamped_log(1 - x))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _weighted(g, weight):
    return g if weight is None else g * weight


def _at_least(F, v, low):
    return F.where(F.array_of(v) > low, v, v * 0 + low)


def _bce_input_rule(F, g, ans, x, t, weight, reduction):
    # d/dx = (x - t) / (x (1 - x)), the denominator kept above 1e-12 as in PyTorch.
    g = _spread(_weighted(g, weight), reduction, _numel(F.array_of(x).shape))
    return g * (x - t) / _at_least(F, (1 - x) * x, 1e-12)


def _bce_target_rule(F, g, ans, x, t, weight, reduction):
    g = _spread(_weighted(g, weight), reduction, _numel(F.array_of(x).shape))
    return g * (_at_least(F, F.log(1 - x), -100) - _at_least(F, F.log(x), -100))


BINARY_CROSS_ENTROPY = defop("BinaryCrossEntropyBackward0", _bce,
                             _bce_input_rule, _bce_target_rule, saves=((0, 1), (0,)))


def _bce_logits(x, t, weight, pos_weight, reduction):
    # log(1 + exp(-|x|)) + max(-x, 0) is log(1 + exp(-x)) without overflow.
    softplus_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
    if pos_weight is None:
        loss = (1 - t) * x + softplus_neg
    else:
        loss = (1 - t) * x + ((pos_weight - 1) * t + 1) * softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _bce_logits_input_rule(F, g, ans, x, t, weight, pos_weight, reduction):
    g = _spread(_weighted(g, weight), reduction, _numel(_broadcast_count(F.array_of(x),
                                                                         F.array_of(t))))
    if pos_weight is None:
        return g * (F.sigmoid(x) - t)
    return g * ((pos_weight * t + 1 - t) * F.sigmoid(x) - pos_weight * t)


def _bce_logits_target_rule(F, g, ans, x, t, weight, pos_weight, reduction):
    # -d/dt of t log s(x) p + (1 - t) log(1 - s(x)), with log(1 - s(x)) = log s(x) - x.
    g = _spread(_weighted(g, weight), reduction, _numel(_broadcast_count(F.array_of(x),
                                                                         F.array_of(t))))
    log_sigmoid = F.log(F.sigmoid(x))
    if pos_weight is None:
        return -g * x
    return g * ((1 - pos_weight) * log_sigmoid - x)


BINARY_CROSS_ENTROPY_WITH_LOGITS = defop(
    "BinaryCrossEntropyWithLogitsBackward0", silently(_bce_logits),
    _bce_logits_input_rule, _bce_logits_target_rule, saves=((0, 1), (0,)))


# --- negative log likelihood over class indices ---------------------------------------

def _nll_coefficients(x, classes, weight, ignore_index):
    """``-weight[target]`` at ``[n, target[n], d1, ...]`` and 0 elsewhere (and where the
    target is ``ignore_index``): the loss is ``sum(coefficients * x)`` before reducing,
    and its gradient ``coefficients`` itself."""
    class_dim = 0 if x.ndim == 1 else 1
    kept = classes != ignore_index
    safe = np.where(kept, classes, 0)
    weights = np.ones(x.shape[class_dim], x.dtype) if weight is None else weight.astype(x.dtype)
    picked = np.where(kept, weights[safe], 0).astype(x.dtype)
    one_hot = np.expand_dims(safe, class_dim) == np.arange(x.shape[class_dim]).reshape(
        (-1,) + (1,) * (x.ndim - class_dim - 1))
    return -np.expand_dims(picked, class_dim) * one_hot, picked.sum()


def _nll(x, classes, weight, ignore_index, reduction):
    coefficients, total_weight = _nll_coefficients(x, classes, weight, ignore_index)
    class_dim = 0 if x.ndim == 1 else 1
    loss = (coefficients * x).sum(axis=class_dim)
    if reduction == "mean":
        return _quiet_divide(loss.sum(), total_weight)
    return _reduce(loss, reduction)


def _nll_rule(F, g, ans, x, classes, weight, ignore_index, reduction):
    arr = F.array_of(x)
    coefficients, total_weight = _nll_coefficients(arr, classes, weight, ignore_index)
    if reduction == "none":
        g = F.reshape(g, np.expand_dims(classes, 0 if arr.ndim == 1 else 1).shape)
    elif reduction == "mean":
        g = _quiet_divide(g, total_weight)
    return F.through(g * coefficients, x)  # linked to x, as PyTorch's kernel is


NLL_LOSS = Op("NllLossBackward0", silently(_nll), _nll_rule, saves=((0,),), saves_ctx=True)
NLL_LOSS_2D = NLL_LOSS.renamed("NllLoss2DBackward0")  # images: (N, C, H, W)


# --- layers ---------------------------------------------------------------------------

def _embedding_rule(F, g, ans, weight, indices, padding_idx, weight_shape):
    # Rows that were looked up several times get the sum of their gradients.
    if padding_idx is not None:
        g = g * np.expand_dims(indices != padding_idx, -1).astype(F.dtype_of(g))
    return F.scatter(g, weight_shape, (indices,))


EMBEDDING = Op("EmbeddingBackward0",
               lambda weight, indices, padding_idx, weight_shape: weight[indices],
               _embedding_rule, saves_ctx=True)

# --- scaling by a number, as PyTorch's C++ composites record it ------------------------
# ``t * 2.0`` from Python is MulBackward0 (the number becomes a tensor); PyTorch's own
# composites (cross_entropy with label smoothing) call mul/div with a Scalar instead.

MUL_SCALAR = defop("MulBackward1", silently(lambda x, other: x * other),
                   lambda F, g, ans, x, other: g * other)
DIV_SCALAR = defop("DivBackward1", silently(lambda x, other: x / other),
                   lambda F, g, ans, x, other: g / other)
ADD_SCALAR = defop("AddBackward1", silently(lambda x, other: x + other),
                   lambda F, g, ans, x, other: g)

# The identity PyTorch puts on a module's inputs and outputs when it has a full backward
# hook, so the hook sees the gradients that cross the module's boundary.
BACKWARD_HOOK = defop("BackwardHookFunctionBackward", lambda x: x.view(),
                      lambda F, g, ans, x: g)

# masked_fill_(mask, value) inside cross_entropy's label smoothing: the gradient is
# stopped where the mask is set.
MASKED_FILL = Op("MaskedFillBackward0",
                 lambda x, mask, value: np.where(mask, np.asarray(value, x.dtype), x),
                 lambda F, g, ans, x, mask, value: F.where(mask, g * 0, g), saves_ctx=True)
