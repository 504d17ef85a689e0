"""``torch.optim.SGD``: stochastic gradient descent with PyTorch's momentum form."""

from micrograd_nb.autograd import errors

from . import kernels
from .optimizer import Optimizer, check, check_non_negative, check_not_fused


class SGD(Optimizer):
    """The momentum buffer starts as the first gradient, then
    ``buf = momentum * buf + (1 - dampening) * grad``; only momentum keeps state."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        check(not nesterov or (momentum > 0 and dampening == 0),
              errors.NESTEROV_NEEDS_MOMENTUM)
        super().__init__(params, defaults)
        check_not_fused(fused, differentiable)

    _foreach_differentiable = True

    def _update(self, param, grad, state, group):
        if group["weight_decay"] != 0:
            grad = kernels.add_scaled(grad, param, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf[...] = kernels.add_scaled(buf, grad, 1 - group["dampening"])
            grad = kernels.add_scaled(grad, buf, momentum) if group["nesterov"] else buf
        param[...] = kernels.add_scaled(param, grad, -group["lr"])

    def _update_tensors(self, param, grad, state, group):
        # _single_tensor_sgd, line for line (lr may be a tensor).
        if group["weight_decay"] != 0:
            grad = grad.add(param, alpha=group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:  # PyTorch's first buffer is detached from the graph
                buf = state["momentum_buffer"] = grad.detach().clone()
            else:
                buf.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
            grad = grad.add(buf, alpha=momentum) if group["nesterov"] else buf
        param.sub_(grad * group["lr"])
