"""``torch.optim.Optimizer``: parameter groups, per-parameter state, ``state_dict``.

Everything an optimizer shares lives here; a subclass names its defaults, checks its
hyper-parameters with ``check`` and writes one short ``_update`` for one parameter.

``_update(param, grad, state, group)`` works on numpy arrays, in place, in the order
of PyTorch's single-tensor CPU kernels (``_single_tensor_adam`` and friends), so the
numbers are PyTorch's, rounding included: the multiply-adds PyTorch's vectorised CPU
builds fuse (``add(alpha=)``, ``addcmul_``, ``lerp_``) are fused here too, exactly
(``fused.fma``), and its portable build's are not (``cpu_capability``). Only the square
root differs now and then: PyTorch's is within 1 ulp, numpy's correctly rounded.
``param`` is a copy of the parameter's values that is written
back with ``copy_`` (bumping its version, as PyTorch's in-place update does), ``grad``
the gradient, ``state`` the parameter's state as arrays sharing memory with the state
tensors. An entry the rule adds (SGD's momentum buffer) becomes a state tensor.

``differentiable=True`` runs the step with grad enabled, as PyTorch's
``_use_grad_for_differentiable`` does, through ``_update_tensors``: the same rule written
with tensor operations on the parameter and state tensors themselves, so a step of
non-leaf parameters is part of the graph (the gradient of a later loss reaches the
initial weights, and a tensor ``lr``). SGD, Adam, AdamW and RMSprop have it; the other
optimizers refuse ``differentiable=True`` when they step.

Differences from PyTorch: ``foreach``, ``fused`` and ``capturable`` are accepted and
listed in ``param_groups`` as PyTorch lists them, but every update runs the
single-tensor path (they change speed on GPUs, not results); tensor-valued ``betas``
and named parameters are not supported.
"""

import copy
import warnings
from collections import defaultdict
from itertools import chain

import numpy as np

from micrograd_nb.autograd import dtypes, errors, factories, graph
from micrograd_nb.autograd.tensor import Tensor
from micrograd_nb.nn.modules import typename, zero_grads


def check(valid, message, **fields):
    """Raise PyTorch's ``ValueError`` for an invalid hyper-parameter."""
    if not valid:
        raise ValueError(message.format(**fields))


# The hyper-parameters PyTorch requires to be >= 0, each with its message.
_NON_NEGATIVE = {"lr": errors.INVALID_LR, "eps": errors.INVALID_EPS,
                 "momentum": errors.INVALID_MOMENTUM, "alpha": errors.INVALID_ALPHA,
                 "weight_decay": errors.INVALID_WEIGHT_DECAY, "lr_decay": errors.INVALID_LR_DECAY,
                 "initial_accumulator_value": errors.INVALID_INITIAL_ACCUMULATOR,
                 "momentum_decay": errors.INVALID_MOMENTUM_DECAY}


def check_non_negative(**values):
    """``check`` each named hyper-parameter is >= 0, in the order PyTorch checks them."""
    for name, value in values.items():
        check(value >= 0.0, _NON_NEGATIVE[name], **{name: value})


def zero_state(state, p, *names):
    """The float32 step count and a zero tensor like ``p`` for each name."""
    state["step"] = scalar_step()
    for name in names:
        state[name] = factories.zeros_like(p)


def check_betas(betas):
    check(0.0 <= betas[0] < 1.0, errors.INVALID_BETA, index=0, beta=betas[0])
    check(0.0 <= betas[1] < 1.0, errors.INVALID_BETA, index=1, beta=betas[1])


def array_of(t):
    """The numpy array under a tensor, shared (writes show in the tensor)."""
    return t.detach().numpy()


def check_not_fused(fused, differentiable):
    if fused and differentiable:
        raise RuntimeError(errors.FUSED_NOT_DIFFERENTIABLE)


def scalar_step():
    """The ``state["step"]`` PyTorch keeps: a float32 0-d tensor, counted in place."""
    return factories.tensor(0.0, dtype=dtypes.float32)


class Optimizer:
    """Holds ``param_groups`` (dicts with ``"params"`` and the hyper-parameters) and
    per-parameter ``state``; subclasses implement ``_init_state`` and ``_update``, and
    ``_update_tensors`` to be differentiable."""

    # PyTorch's multi-tensor (foreach) kernels refuse autograd, except SGD's.
    _foreach_differentiable = False
    # ``_update_tensors(param, grad, state, group)``: the rule in tensor operations,
    # defined by the optimizers that can be differentiated.
    _update_tensors = None

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
        if not isinstance(param_group, dict):
            raise TypeError(errors.PARAM_GROUP_NOT_DICT.format(type=type(param_group)))
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(errors.PARAMS_IN_SET)
        param_group["params"] = params = list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(errors.OPTIMIZE_NON_TENSOR.format(type_name=typename(param)))
            # A non-leaf's .grad is never filled by backward(): it could not be trained,
            # unless the steps themselves are to be differentiated (its .grad set by hand).
            if not self.defaults.get("differentiable") and not (
                    param.is_leaf or param.retains_grad):
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

    # --- the update ----------------------------------------------------------------------

    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure``, if given,
        re-evaluates the loss (with grad enabled) and its value is returned."""
        loss = None
        if closure is not None:
            with graph.enable_grad():
                loss = closure()
        # PyTorch's _use_grad_for_differentiable: recorded only when asked to be.
        with graph.set_grad_enabled(bool(self.defaults.get("differentiable"))):
            for group in self.param_groups:
                self._check_differentiable(group)
                step_one = (self._step_differentiable if group.get("differentiable")
                            else self._step_one)
                for p in group["params"]:
                    if p.grad is not None:
                        step_one(p, group)
        self._step_count = getattr(self, "_step_count", 0) + 1
        return loss

    def _step_one(self, p, group):
        state = self.state.get(p, {})  # not self.state[p]: SGD keeps none without momentum
        if not state:
            self._init_state(state, p, group)
        arrays = {key: array_of(value) for key, value in state.items()}
        param = array_of(p).copy()
        grad = array_of(p.grad)
        if group.get("maximize"):
            grad = -grad
        self._update(param, grad, arrays, group)
        for key, value in arrays.items():
            if key not in state:
                state[key] = factories.from_numpy(value)
        if state:
            self.state[p] = state
        p.copy_(factories.from_numpy(param))

    def _check_differentiable(self, group):
        """Refuse a differentiable step this optimizer cannot record, before any update."""
        if not group.get("differentiable"):
            return
        if self._update_tensors is None:
            raise NotImplementedError(errors.DIFFERENTIABLE_NOT_SUPPORTED.format(
                name=type(self).__name__))
        if group.get("foreach") and not self._foreach_differentiable:
            raise AssertionError(errors.FOREACH_NOT_DIFFERENTIABLE)

    def _step_differentiable(self, p, group):
        """The update as tensor operations on ``p`` and its state, recorded in the graph."""
        state = self.state.get(p, {})
        if not state:
            with graph.no_grad():
                self._init_state(state, p, group)
        grad = -p.grad if group.get("maximize") else p.grad
        self._update_tensors(p, grad, state, group)
        if state:
            self.state[p] = state

    def _init_state(self, state, p, group):
        """Fill an empty state the first time ``p`` is updated."""


    def _update(self, param, grad, state, group):
        raise NotImplementedError

    # --- saving and loading --------------------------------------------------------------

    def state_dict(self):
        """``{"state": {index: state}, "param_groups": [group with params as indices]}``,
        parameters numbered in the order the groups list them (PyTorch's layout)."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: value for p, value in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(self.param_groups) != len(saved_groups):
            raise ValueError(errors.OPTIMIZER_GROUP_COUNT)
        if any(len(g["params"]) != len(s["params"])
               for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError(errors.OPTIMIZER_GROUP_SIZE)
        params = {saved: p for saved, p in zip(
            chain.from_iterable(s["params"] for s in saved_groups),
            chain.from_iterable(g["params"] for g in self.param_groups))}
        self.state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in params:
                p = params[key]
                self.state[p] = {name: _cast_state(name, entry, p)
                                 for name, entry in value.items()}
            else:
                self.state[key] = copy.deepcopy(value)
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            group.clear()
            group.update(saved)

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _cast_state(name, value, param):
    """A loaded state tensor in the parameter's dtype, except the step count (as
    PyTorch's ``_process_value_according_to_param_policy``); a fresh copy either way."""
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    if name == "step" or not value.is_floating_point():
        return value.detach().clone()
    return factories.from_numpy(np.array(array_of(value), dtype=array_of(param).dtype))
