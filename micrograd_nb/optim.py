"""``torch.optim``: ``SGD`` and ``Adam`` with PyTorch's update formulas, step for step.

An optimizer only reads ``p.grad`` and changes ``p`` in place under ``no_grad``: the
update is not part of any graph, and every tensor that refers to ``p`` (a model's
layers) sees the new values. Parameters whose ``.grad`` is ``None`` are skipped, so a
parameter that took no part in the loss is left alone, momentum included.

Differences from PyTorch: no ``foreach``/``fused``/``differentiable``/``capturable``
variants (they change speed, not results), and Adam's ``state["step"]`` is a Python
int rather than a one-element tensor.
"""

import warnings
from collections import defaultdict

from micrograd_nb import autograd as mg
from micrograd_nb.autograd import Tensor, errors
from micrograd_nb.nn.modules import typename, zero_grads


class Optimizer:
    """Holds ``param_groups`` (dicts with ``"params"`` and the hyper-parameters) and
    per-parameter ``state``; subclasses implement ``_update`` for one parameter."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(errors.PARAMS_NOT_ITERABLE.format(type_name=typename(params)))
        groups = list(params)
        if not groups:
            raise ValueError(errors.EMPTY_PARAMETER_LIST)
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(errors.PARAMS_IN_SET)
        param_group["params"] = params = list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(errors.OPTIMIZE_NON_TENSOR.format(type_name=typename(param)))
            # A non-leaf's .grad is never filled by backward(): it could not be trained.
            if not (param.is_leaf or param.retains_grad):
                raise ValueError(errors.OPTIMIZE_NON_LEAF)
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        ids = [id(p) for p in params]
        if len(ids) != len(set(ids)):
            warnings.warn(errors.DUPLICATE_PARAMETERS_WARNING, stacklevel=3)
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if not existing.isdisjoint(ids):
            raise ValueError(errors.PARAMETER_IN_TWO_GROUPS)
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure``, if given,
        re-evaluates the loss (with grad enabled) and its value is returned."""
        loss = None
        if closure is not None:
            with mg.enable_grad():
                loss = closure()
        with mg.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p, p.grad, group)
        return loss

    def _update(self, p, grad, group):
        raise NotImplementedError

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's momentum form: the buffer starts as
    the first gradient, then ``buf = momentum * buf + (1 - dampening) * grad``."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False):
        if lr < 0.0:
            raise ValueError(errors.INVALID_LR.format(lr=lr))
        if momentum < 0.0:
            raise ValueError(errors.INVALID_MOMENTUM.format(momentum=momentum))
        if weight_decay < 0.0:
            raise ValueError(errors.INVALID_WEIGHT_DECAY.format(weight_decay=weight_decay))
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(errors.NESTEROV_NEEDS_MOMENTUM)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + p * group["weight_decay"]
        momentum = group["momentum"]
        if momentum != 0:  # only then is there state, as in PyTorch
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = grad.detach().clone()
            else:
                buf = buf * momentum + grad * (1 - group["dampening"])
            state["momentum_buffer"] = buf
            grad = grad + buf * momentum if group["nesterov"] else buf
        p.sub_(grad * group["lr"])


def _lerp(start, end, weight):
    """``torch.lerp``, which switches formula at weight 0.5 to stay accurate near 1."""
    if abs(weight) < 0.5:
        return start + (end - start) * weight
    return end - (end - start) * (1 - weight)


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, in PyTorch's exact arithmetic order;
    ``weight_decay`` is added to the gradient (L2), as in ``torch.optim.Adam``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False):
        if not 0.0 <= lr:
            raise ValueError(errors.INVALID_LR.format(lr=lr))
        if not 0.0 <= eps:
            raise ValueError(errors.INVALID_EPS.format(eps=eps))
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(errors.INVALID_BETA.format(index=0, beta=betas[0]))
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(errors.INVALID_BETA.format(index=1, beta=betas[1]))
        if not 0.0 <= weight_decay:
            raise ValueError(errors.INVALID_WEIGHT_DECAY.format(weight_decay=weight_decay))
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError(errors.BETAS_MIXED_TYPES)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, p, grad, group):
        state = self.state[p]
        if not state:
            state["step"] = 0
            state["exp_avg"] = mg.zeros_like(p)
            state["exp_avg_sq"] = mg.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = mg.zeros_like(p)
        if group["maximize"]:
            grad = -grad
        beta1, beta2 = group["betas"]
        state["step"] += 1
        step = state["step"]
        if group["weight_decay"] != 0:
            grad = grad + p * group["weight_decay"]
        exp_avg = state["exp_avg"] = _lerp(state["exp_avg"], grad, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"] = state["exp_avg_sq"] * beta2 + grad * grad * (1 - beta2)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = group["lr"] / bias_correction1
        if group["amsgrad"]:
            # The running maximum keeps the step size from growing when grads shrink.
            running_max = state["max_exp_avg_sq"]
            exp_avg_sq = state["max_exp_avg_sq"] = mg.where(
                running_max > exp_avg_sq, running_max, exp_avg_sq)
        denom = exp_avg_sq.sqrt() / bias_correction2**0.5 + group["eps"]
        p.sub_(exp_avg * step_size / denom)
