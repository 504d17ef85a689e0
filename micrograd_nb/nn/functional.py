"""``torch.nn.functional``: activations, layers and losses as functions of tensors.

Where PyTorch runs one kernel (``mse_loss``, ``nll_loss``, ``binary_cross_entropy``,
``linear`` as ``addmm``, the activations), the function records one op of the ops
table (autograd/ops.py, autograd/nn_ops.py), so the graph of a network shows PyTorch's
node names; where PyTorch composes (``l1_loss``, ``cross_entropy`` as ``log_softmax``
then ``nll_loss``, label smoothing), so does the function, op for op.

The losses take ``reduction`` and their options as keywords: PyTorch's deprecated
``size_average`` and ``reduce`` come before them there, so a positional value would
mean something else. Only ``weight`` keeps its position, as the third argument.
"""

import warnings

import numpy as np

from micrograd_nb.autograd import errors, factories, functions, graph, nn_ops, ops, random
from micrograd_nb.autograd.function import apply

# The pointwise activations are the engine's (autograd/functions.py), one op each.
from micrograd_nb.autograd.functions import (  # noqa: F401  (re-exported)
    elu,
    hardtanh,
    leaky_relu,
    silu,
    softplus,
)
from micrograd_nb.autograd.promotion import binary

from .conv_functional import (  # noqa: F401, E402  (re-exported)
    adaptive_avg_pool2d,
    avg_pool2d,
    conv1d,
    conv2d,
    max_pool2d,
)

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction):
    # PyTorch validates when the loss is computed, not when a loss module is built.
    if reduction not in _REDUCTIONS:
        raise ValueError(errors.INVALID_REDUCTION.format(reduction=reduction))


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _array(t):
    return None if t is None else t.detach().numpy()


def _constant(function, argument, t):
    """A class weight's array: PyTorch's loss kernels give weights no gradient, and say
    so when one asks for it."""
    if t is not None and t.requires_grad:
        raise RuntimeError(errors.NOT_DIFFERENTIABLE_ARGUMENT.format(function=function,
                                                                     argument=argument))
    return _array(t)


def _softmax_dim(name, ndim):
    # What PyTorch picks when dim is left out: the class dimension of the usual layouts.
    warnings.warn(errors.IMPLICIT_DIM_WARNING.format(name=name), stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


# --- activations ----------------------------------------------------------------------

def relu(input, inplace=False):
    return input.relu()


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(errors.GELU_APPROXIMATE.format(approximate=approximate))
    return functions.gelu(input, approximate)


def softmax(input, dim=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return input.softmax(dim)


def log_softmax(input, dim=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return input.log_softmax(dim)


# --- layers ---------------------------------------------------------------------------

def linear(input, weight, bias=None):
    """``input @ weight.T + bias``: weight is ``(out_features, in_features)``.

    As PyTorch's ``at::linear``: a matrix with a bias is one ``addmm``; any other
    contiguous input with a bias is flattened to a matrix first (``view``, ``addmm``,
    ``view``); everything else is ``matmul`` (then ``+ bias``)."""
    if bias is not None and input.ndim == 2:
        return apply(ops.ADDMM, (bias, input, weight.t()), beta=1, alpha=1)
    if bias is not None and input.detach().numpy().flags.c_contiguous:
        rows = input.reshape(-1, input.shape[-1])
        out = apply(ops.ADDMM, (bias, rows, weight.t()), beta=1, alpha=1)
        return out.view(*input.shape[:-1], weight.shape[0])
    output = input @ weight.t()
    return output if bias is None else output + bias


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``:
    one multiplication by a scaled mask (``MulBackward0``), as PyTorch's CPU kernel."""
    if p < 0.0 or p > 1.0:
        raise ValueError(errors.DROPOUT_PROBABILITY.format(p=p))
    if p == 0 or not training or input.numel() == 0:
        return input
    mask = random.dropout_mask(input, p)  # PyTorch's numbers from the same seed
    return input.mul_(mask) if inplace else input * mask


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer ``input`` (``EmbeddingBackward0``); the
    row at ``padding_idx`` gets no gradient. With ``max_norm``, the rows looked up are
    first scaled down in place to that norm, as PyTorch's ``embedding_renorm_``."""
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    indices = input.numpy().astype(np.int64)
    if max_norm is not None:
        _renorm_rows(weight, np.unique(indices), max_norm, norm_type)
    return apply(nn_ops.EMBEDDING, (weight,), indices=indices, padding_idx=padding_idx,
                 weight_shape=tuple(weight.shape))


def _renorm_rows(weight, rows, max_norm, norm_type):
    with graph.no_grad():
        table = weight.detach()
        values = table.numpy()[rows]
        norms = np.linalg.norm(values, ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        table[factories.tensor(rows)] = factories.from_numpy(
            (values * scale[:, None]).astype(values.dtype))


def one_hot(tensor, num_classes=-1):
    classes = tensor.numpy().astype(np.int64)
    if num_classes == -1:
        num_classes = int(classes.max()) + 1 if classes.size else 0
    return factories.from_numpy((classes[..., None] == np.arange(num_classes)).astype(np.int64))


# --- regression losses ----------------------------------------------------------------

def _warn_target_size(input, target, stacklevel=3):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(errors.MSE_TARGET_SIZE_WARNING.format(target_size=target.shape,
                                                            input_size=input.shape),
                      stacklevel=stacklevel)


def mse_loss(input, target, *, reduction="mean"):
    _check_reduction(reduction)
    _warn_target_size(input, target)
    # PyTorch promotes the two (a float input and an integer target give a float loss).
    return binary(nn_ops.MSE_LOSS, input, target, reduction=reduction)


def l1_loss(input, target, *, reduction="mean"):
    _check_reduction(reduction)
    _warn_target_size(input, target)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    _check_reduction(reduction)
    _warn_target_size(input, target)
    if beta < 0:
        raise RuntimeError(errors.SMOOTH_L1_NEGATIVE_BETA)
    if beta == 0:  # no parabola left: PyTorch computes l1_loss
        return l1_loss(input, target, reduction=reduction)
    return apply(nn_ops.SMOOTH_L1_LOSS, (input, target), reduction=reduction, beta=beta)


def huber_loss(input, target, *, reduction="mean", delta=1.0):
    _check_reduction(reduction)
    _warn_target_size(input, target)
    if delta <= 0:
        raise RuntimeError(errors.HUBER_DELTA_NOT_POSITIVE)
    return apply(nn_ops.HUBER_LOSS, (input, target), reduction=reduction, delta=delta)


# --- binary cross entropy -------------------------------------------------------------

def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """``-w (t log x + (1 - t) log(1 - x))`` for probabilities ``x``."""
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(errors.BCE_TARGET_SIZE.format(target_size=target.shape,
                                                       input_size=input.shape))
    values = _array(input)
    if values.size and not ((values >= 0) & (values <= 1)).all():
        raise RuntimeError(errors.BCE_INPUT_RANGE)
    weight = _constant("binary_cross_entropy", "weight", weight)
    weight = None if weight is None else np.broadcast_to(weight, values.shape)
    return apply(nn_ops.BINARY_CROSS_ENTROPY, (input, target), weight=weight,
                 reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean",
                                     pos_weight=None):
    """``binary_cross_entropy(sigmoid(input), target)`` computed without overflow; the
    positive examples count ``pos_weight`` times."""
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(errors.BCE_LOGITS_TARGET_SIZE.format(target_size=target.shape,
                                                       input_size=input.shape))
    return apply(nn_ops.BINARY_CROSS_ENTROPY_WITH_LOGITS, (input, target),
                 weight=_constant("binary_cross_entropy_with_logits", "weight", weight),
                 pos_weight=_constant("binary_cross_entropy_with_logits", "pos_weight",
                                      pos_weight),
                 reduction=reduction)


# --- classification over class indices -------------------------------------------------

def _class_indices(input, target, ignore_index):
    """The target's class indices, after PyTorch's shape, dtype and range checks."""
    if input.ndim == 0:
        raise ValueError(errors.NLL_INPUT_0D)
    if input.ndim >= 2:
        batch = target.shape[0] if target.ndim else 0
        if batch != input.shape[0]:
            raise ValueError(errors.NLL_BATCH_SIZE.format(input_batch=input.shape[0],
                                                          target_batch=batch))
    if input.ndim == 2 and target.ndim != 1:
        raise RuntimeError(errors.NLL_MULTI_TARGET)
    expected = tuple(input.shape[:1]) + tuple(input.shape[2:]) if input.ndim >= 2 else ()
    if tuple(target.shape) != expected:
        raise RuntimeError(errors.NLL_TARGET_SIZE.format(expected=list(expected),
                                                         got=list(target.shape)))
    type_name = target.dtype.tensor_type.removesuffix("Tensor")
    if type_name not in ("Long", "Byte"):
        raise RuntimeError(errors.NLL_TARGET_DTYPE.format(type_name=type_name))
    classes = target.numpy().astype(np.int64)
    num_classes = input.shape[0 if input.ndim == 1 else 1]
    bad = classes[((classes < 0) | (classes >= num_classes)) & (classes != ignore_index)]
    if bad.size:
        raise IndexError(errors.NLL_TARGET_OUT_OF_BOUNDS.format(target=bad.flat[0]))
    return classes


def _check_weight(weight, num_classes):
    if weight is not None and tuple(weight.shape) != (num_classes,):
        raise RuntimeError(errors.NLL_WEIGHT_SIZE.format(
            num_classes=num_classes, shape=list(weight.shape)))


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log likelihood: ``-weight[t] * input[n, t]`` for log-probabilities
    ``input`` of shape ``(N, C, ...)`` or ``(C,)`` and class indices ``t``; a mean
    divides by the summed weights of the targets that are not ``ignore_index``."""
    _check_reduction(reduction)
    classes = _class_indices(input, target, ignore_index)
    _check_weight(weight, input.shape[0 if input.ndim == 1 else 1])
    kernel = "nll_loss2d_forward" if input.ndim > 2 else "nll_loss_forward"
    options = {"weight": _constant(kernel, "weight", weight), "ignore_index": ignore_index,
               "reduction": reduction}
    if input.ndim <= 2:
        return apply(nn_ops.NLL_LOSS, (input,), classes=classes, **options)
    if input.ndim == 4:
        return apply(nn_ops.NLL_LOSS_2D, (input,), classes=classes, **options)
    # Other ranks go through the 2-D kernel as (N, C, 1, rest), as in PyTorch.
    n, c = input.shape[:2]
    loss = apply(nn_ops.NLL_LOSS_2D, (input.view(n, c, 1, -1),),
                 classes=classes.reshape(n, 1, -1), **options)
    return loss.view(*target.shape) if reduction == "none" else loss


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """``nll_loss(log_softmax(input, class_dim), target)``. A floating ``target`` of
    the input's shape holds class probabilities instead of indices, as in PyTorch;
    ``label_smoothing`` mixes the target with the uniform distribution."""
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(errors.LABEL_SMOOTHING_RANGE.format(
            label_smoothing=label_smoothing))
    class_dim = 0 if input.ndim == 1 else 1
    num_classes = input.shape[class_dim] if input.ndim else 1
    log_probs = log_softmax(input, class_dim)
    if target.dtype.is_floating_point and tuple(target.shape) == tuple(input.shape):
        return _cross_entropy_probabilities(log_probs, target, weight, reduction,
                                            label_smoothing, class_dim, num_classes)
    loss = nll_loss(log_probs, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return loss
    smooth = _smoothing_term(log_probs, target, weight, ignore_index, reduction, class_dim)
    return _times(loss, 1 - label_smoothing) + _times(smooth, label_smoothing / num_classes)


def _times(t, number):
    return apply(nn_ops.MUL_SCALAR, (t,), other=number)


def _divided(t, number):
    return apply(nn_ops.DIV_SCALAR, (t,), other=number)


def _class_shape(weight, ndim, class_dim):
    return weight.reshape([-1 if d == class_dim else 1 for d in range(ndim)])


def _cross_entropy_probabilities(log_probs, target, weight, reduction, label_smoothing,
                                 class_dim, num_classes):
    if label_smoothing > 0:
        target = apply(nn_ops.ADD_SCALAR, (_times(target, 1 - label_smoothing),),
                       other=label_smoothing / num_classes)
    products = log_probs * target
    if weight is not None:
        _check_weight(weight, num_classes)
        products = products * _class_shape(weight, log_probs.ndim, class_dim)
    if reduction == "none":
        return -products.sum(class_dim)
    if reduction == "sum":
        return -products.sum()
    return _divided(-products.sum(), log_probs.numel() / num_classes)


def _smoothing_term(log_probs, target, weight, ignore_index, reduction, class_dim):
    """The part of the smoothed loss that spreads over all classes: ``-sum_c w_c
    log p_c`` per element, 0 where the target is ``ignore_index``."""
    if weight is None:
        smooth = -log_probs.sum(class_dim)
    else:
        smooth = -(log_probs * _class_shape(weight, log_probs.ndim, class_dim)).sum(class_dim)
    smooth = apply(nn_ops.MASKED_FILL, (smooth,), mask=target.numpy() == ignore_index, value=0.0)
    if reduction == "none":
        return smooth
    if reduction == "sum":
        return smooth.sum()
    kept = target.numpy()[target.numpy() != ignore_index]
    if weight is None:
        return smooth.sum() / float(kept.size)
    return smooth.sum() / float(_array(weight)[kept].sum())
