"""The Adam family: ``Adam``, ``AdamW``, ``Adamax``, ``NAdam``, ``RAdam``.

Each keeps running averages of the gradient (``exp_avg``) and of its square or its
size, with bias correction by ``1 - beta ** step``. The update formulas follow
PyTorch's single-tensor CPU kernels line by line, with their fused multiply-adds, so
trajectories agree bit for bit but where PyTorch's square root (within 1 ulp, not
correctly rounded) rounds the other way.
"""

import numpy as np

from micrograd_nb.autograd import errors, factories

from . import kernels
from .optimizer import (
    Optimizer,
    check,
    check_betas,
    check_non_negative,
    check_not_fused,
    zero_state,
)


def _check_common(lr, eps, betas, weight_decay):
    check_non_negative(lr=lr, eps=eps)
    check_betas(betas)
    check_non_negative(weight_decay=weight_decay)


def _moments(state, grad, beta1, beta2):
    """Count the step and update the running averages of the gradient and its square;
    returns the step number and the two averages."""
    state["step"] += 1
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    kernels.lerp_(exp_avg, grad, 1 - beta1)
    exp_avg_sq *= beta2
    kernels.addcmul_(exp_avg_sq, grad, grad, 1 - beta2)
    return float(state["step"]), exp_avg, exp_avg_sq


def _decay(param, grad, group):
    """Weight decay as L2 on the gradient, or decoupled (AdamW): shrink the weights."""
    weight_decay = group["weight_decay"]
    if weight_decay == 0:
        return grad
    if group.get("decoupled_weight_decay"):
        param *= 1 - group["lr"] * weight_decay
        return grad
    return kernels.add_scaled(grad, param, weight_decay)


class Adam(Optimizer):
    """Adam (Kingma & Ba); ``amsgrad`` divides by the running maximum of ``exp_avg_sq``;
    ``decoupled_weight_decay=True`` is AdamW."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_common(lr, eps, betas, weight_decay)
        check(isinstance(betas[0], float) and isinstance(betas[1], float),
              errors.BETAS_MIXED_TYPES)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        check_not_fused(fused, differentiable)

    def _init_state(self, state, p, group):
        zero_state(state, p, "exp_avg", "exp_avg_sq")
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = factories.zeros_like(p)

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        grad = _decay(param, grad, group)
        step, exp_avg, exp_avg_sq = _moments(state, grad, beta1, beta2)
        step_size = group["lr"] / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if group["amsgrad"]:
            # The running maximum keeps the step size from growing when grads shrink.
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]
        denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt + group["eps"]
        kernels.addcdiv_(param, exp_avg, denom, -step_size)

    def _update_tensors(self, param, grad, state, group):
        # _single_tensor_adam's differentiable branch, line for line: the bias
        # corrections are tensors in the float32 of the step count.
        beta1, beta2 = group["betas"]
        lr, weight_decay = group["lr"], group["weight_decay"]
        step = state["step"]
        if step.requires_grad:
            raise RuntimeError(errors.DIFFERENTIABLE_STEP_REQUIRES_GRAD)
        step.add_(1)
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        kernels.lerp_t(exp_avg, grad, 1 - beta1)
        kernels.addcmul_t(exp_avg_sq.mul_(beta2), grad, grad, 1 - beta2)
        step_size_neg = -(lr / (1 - beta1**step))
        bias_correction2_sqrt = (1 - beta2**step).sqrt()
        if group["amsgrad"]:
            max_exp_avg_sq = state["max_exp_avg_sq"]
            max_exp_avg_sq.copy_(max_exp_avg_sq.clone().maximum(exp_avg_sq))
            exp_avg_sq = max_exp_avg_sq
        denom = (exp_avg_sq.sqrt() / (bias_correction2_sqrt * step_size_neg)).add_(
            group["eps"] / step_size_neg)
        kernels.addcdiv_t(param, exp_avg.clone(), denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), 0.01 by default."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class Adamax(Adam):
    """Adam with the infinity norm: ``exp_inf = max(beta2 * exp_inf, |grad| + eps)``."""

    _update_tensors = None  # Adam's rule is not this one


    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_common(lr, eps, betas, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        Optimizer.__init__(self, params, defaults)

    def _init_state(self, state, p, group):
        zero_state(state, p, "exp_avg", "exp_inf")

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        state["step"] += 1
        grad = _decay(param, grad, group)
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        kernels.lerp_(exp_avg, grad, 1 - beta1)
        exp_inf *= beta2
        np.maximum(exp_inf, np.abs(grad) + group["eps"], out=exp_inf)
        clr = group["lr"] / (1 - beta1 ** float(state["step"]))
        kernels.addcdiv_(param, exp_avg, exp_inf, -clr)


class NAdam(Adam):
    """Adam with Nesterov momentum (Dozat), its momentum decaying by ``momentum_decay``;
    ``mu_product`` is a float32 0-d tensor in the state, as PyTorch keeps it."""

    _update_tensors = None  # Adam's rule is not this one


    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_common(lr, eps, betas, weight_decay)
        check_non_negative(momentum_decay=momentum_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        Optimizer.__init__(self, params, defaults)

    def _init_state(self, state, p, group):
        zero_state(state, p)  # PyTorch's order: step, mu_product, then the averages
        state["mu_product"] = factories.ones(())
        state["exp_avg"] = factories.zeros_like(p)
        state["exp_avg_sq"] = factories.zeros_like(p)

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        lr, decay = group["lr"], group["momentum_decay"]
        grad = _decay(param, grad, group)
        step, exp_avg, exp_avg_sq = _moments(state, grad, beta1, beta2)
        bias_correction2 = 1 - beta2**step
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * decay)))
        state["mu_product"] *= mu
        mu_product = float(state["mu_product"])
        denom = np.sqrt(exp_avg_sq / bias_correction2) + group["eps"]
        kernels.addcdiv_(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product))
        kernels.addcdiv_(param, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product * mu_next))


class RAdam(Adam):
    """Rectified Adam (Liu et al.): plain momentum SGD while the variance estimate is
    unreliable (``rho_t <= 5``), then Adam scaled by the rectification term."""

    _update_tensors = None  # Adam's rule is not this one


    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_common(lr, eps, betas, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        Optimizer.__init__(self, params, defaults)

    def _init_state(self, state, p, group):
        zero_state(state, p, "exp_avg", "exp_avg_sq")

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        lr = group["lr"]
        grad = _decay(param, grad, group)
        step, exp_avg, exp_avg_sq = _moments(state, grad, beta1, beta2)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        corrected = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            # PyTorch's number / tensor is the tensor's reciprocal times the number.
            adaptive_lr = (1 / (np.sqrt(exp_avg_sq) + group["eps"])) * bias_correction2**0.5
            param -= corrected * lr * adaptive_lr * rect
        else:
            param -= corrected * lr
