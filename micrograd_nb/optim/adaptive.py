"""Per-coordinate step sizes from the history of squared gradients: ``RMSprop``,
``Adagrad``, ``Adadelta``, in the order of PyTorch's single-tensor CPU kernels."""

import numpy as np

from micrograd_nb.autograd import errors, factories

from . import kernels
from .optimizer import (
    Optimizer,
    check,
    check_non_negative,
    check_not_fused,
    scalar_step,
    zero_state,
)


def _l2(param, grad, weight_decay):
    return kernels.add_scaled(grad, param, weight_decay) if weight_decay != 0 else grad


class RMSprop(Optimizer):
    """Divides by the root of a running mean of squared gradients (Hinton);
    ``centered`` subtracts the squared running mean of the gradient first."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                           alpha=alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        zero_state(state, p, "square_avg")
        if group["momentum"] > 0:
            state["momentum_buffer"] = factories.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = factories.zeros_like(p)

    def _update(self, param, grad, state, group):
        alpha = group["alpha"]
        state["step"] += 1
        grad = _l2(param, grad, group["weight_decay"])
        square_avg = state["square_avg"]
        square_avg *= alpha
        kernels.addcmul_(square_avg, grad, grad, 1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            kernels.lerp_(grad_avg, grad, 1 - alpha)
            avg = square_avg.copy()
            kernels.addcmul_(avg, grad_avg, grad_avg, -1)
            avg = np.sqrt(avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            kernels.addcdiv_(buf, grad, avg)
            param[...] = kernels.add_scaled(param, buf, -group["lr"])
        else:
            kernels.addcdiv_(param, grad, avg, -group["lr"])

    def _update_tensors(self, param, grad, state, group):
        # _single_tensor_rmsprop, line for line.
        alpha, lr = group["alpha"], group["lr"]
        state["step"].add_(1)
        if group["weight_decay"] != 0:
            grad = grad.add(param, alpha=group["weight_decay"])
        square_avg = state["square_avg"]
        kernels.addcmul_t(square_avg.mul_(alpha), grad, grad, 1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            kernels.lerp_t(grad_avg, grad, 1 - alpha)
            avg = (square_avg - grad_avg * grad_avg).sqrt()
        else:
            avg = square_avg.sqrt()
        avg = avg.add(group["eps"])
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            kernels.addcdiv_t(buf.mul_(group["momentum"]), grad, avg)
            kernels.check_number(lr, "add_", "alpha")
            param.sub_(buf * lr)
        else:
            kernels.addcdiv_t(param, grad, avg, -lr)


class Adagrad(Optimizer):
    """Divides by the root of the sum of all squared gradients so far (Duchi et al.);
    the state is made for every parameter when the optimizer is, as in PyTorch."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        check_not_fused(fused, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p, group)

    def _init_state(self, state, p, group):
        state["step"] = scalar_step()
        state["sum"] = factories.full_like(p, group["initial_accumulator_value"])

    def _update(self, param, grad, state, group):
        state["step"] += 1
        step = float(state["step"])
        grad = _l2(param, grad, group["weight_decay"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        kernels.addcmul_(state["sum"], grad, grad, 1)
        std = np.sqrt(state["sum"]) + group["eps"]
        kernels.addcdiv_(param, grad, std, -clr)


class Adadelta(Optimizer):
    """Step sizes from running means of squared gradients and squared updates (Zeiler);
    ``lr`` only scales the result and is 1 by default."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_non_negative(lr=lr)
        check(0.0 <= rho <= 1.0, errors.INVALID_RHO, rho=rho)
        check_non_negative(eps=eps, weight_decay=weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        zero_state(state, p, "square_avg", "acc_delta")

    def _update(self, param, grad, state, group):
        rho, eps = group["rho"], group["eps"]
        state["step"] += 1
        grad = _l2(param, grad, group["weight_decay"])
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        kernels.addcmul_(square_avg, grad, grad, 1 - rho)
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(acc_delta + eps)
        delta /= std
        delta *= grad
        acc_delta *= rho
        kernels.addcmul_(acc_delta, delta, delta, 1 - rho)
        param[...] = kernels.add_scaled(param, delta, -group["lr"])
