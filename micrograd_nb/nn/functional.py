"""``torch.nn.functional``: activations and losses as functions of tensors.

Each is a composition of engine ops, so its gradient comes from the ops' own backward
rules; only the ``grad_fn`` names differ from PyTorch's fused kernels (a loss made of
``sub``, ``pow`` and ``mean`` ends in ``MeanBackward0``, not ``MseLossBackward0``). The
losses take ``reduction`` as a keyword: PyTorch's deprecated ``size_average`` and
``reduce`` come before it there, so a positional value would mean something else.
"""

import warnings

import numpy as np

from micrograd_nb.autograd import errors

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


def _softmax_dim(name, ndim):
    # What PyTorch picks when dim is left out: the class dimension of the usual layouts.
    warnings.warn(errors.IMPLICIT_DIM_WARNING.format(name=name), stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def relu(input):
    return input.relu()


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


def softmax(input, dim=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return input.softmax(dim)


def log_softmax(input, dim=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return input.log_softmax(dim)


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``: weight is ``(out_features, in_features)``."""
    output = input @ weight.T
    return output if bias is None else output + bias


def mse_loss(input, target, *, reduction="mean"):
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            errors.MSE_TARGET_SIZE_WARNING.format(target_size=target.shape,
                                                  input_size=input.shape),
            stacklevel=2,
        )
    return _reduce((input - target) ** 2, reduction)


def _class_indices(input, target):
    """The index that picks ``input[n, target[n], d1, ...]`` for every target element,
    after PyTorch's shape, dtype and range checks."""
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
    bad = classes[(classes < 0) | (classes >= num_classes)]
    if bad.size:
        raise IndexError(errors.NLL_TARGET_OUT_OF_BOUNDS.format(target=bad.flat[0]))
    # Integer arrays for every dimension but the class one, broadcast against target.
    index = list(np.indices(classes.shape, sparse=True))
    index.insert(min(1, input.ndim - 1), classes)
    return tuple(index)


def nll_loss(input, target, *, reduction="mean"):
    """Negative log likelihood: ``-input[n, target[n]]`` for log-probabilities ``input``
    of shape ``(N, C, ...)`` or ``(C,)`` and class indices ``target``."""
    _check_reduction(reduction)
    return _reduce(-input[_class_indices(input, target)], reduction)


def cross_entropy(input, target, *, reduction="mean"):
    """``nll_loss(log_softmax(input, class_dim), target)``. A floating ``target`` of
    the input's shape holds class probabilities instead of indices, as in PyTorch."""
    _check_reduction(reduction)
    class_dim = 0 if input.ndim == 1 else 1
    log_probs = log_softmax(input, class_dim)
    if target.dtype.is_floating_point and tuple(target.shape) == tuple(input.shape):
        return _reduce(-(log_probs * target).sum(class_dim), reduction)
    return nll_loss(log_probs, target, reduction=reduction)
