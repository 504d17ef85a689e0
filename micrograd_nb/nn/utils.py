"""``torch.nn.utils``: gradient clipping and parameters as one flat vector."""

import math

from micrograd_nb.autograd import Tensor, cat, errors, graph, stack
from micrograd_nb.autograd.functions import vector_norm

from .modules import typename


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of all the tensors' norms: the norm of everything as one vector."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    with graph.no_grad():
        if not tensors:
            return Tensor(0.0)
        total = vector_norm(stack([vector_norm(t, norm_type) for t in tensors]), norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(errors.CLIP_NORM_NONFINITE.format(norm_type=norm_type))
    return total


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale all gradients together so their total norm is at most ``max_norm``;
    returns the total norm before clipping."""
    grads = _grads(parameters)
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    if grads:
        with graph.no_grad():
            coefficient = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
            for grad in grads:
                grad.mul_(coefficient.to(grad.dtype))
    return total_norm


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    with graph.no_grad():
        for grad in _grads(parameters):
            grad.clamp_(min=-clip_value, max=clip_value)


def parameters_to_vector(parameters):
    """All parameters flattened and joined, in order (a new tensor, in the graph)."""
    return cat([p.view(-1) for p in _tensors(parameters)])


def vector_to_parameters(vec, parameters):
    """Write consecutive slices of ``vec`` into the parameters (their ``.data``)."""
    if not isinstance(vec, Tensor):
        raise TypeError(errors.EXPECTED_TENSOR.format(type_name=typename(vec)))
    pointer = 0
    for param in _tensors(parameters):
        size = param.numel()
        param.data = vec[pointer:pointer + size].view_as(param).data
        pointer += size


def _tensors(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)
