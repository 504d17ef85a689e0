"""Every tensor op's backward rule, checked against finite differences in float64:
first order (gradcheck) and second order (gradgradcheck, through create_graph)."""

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.autograd.gradcheck import gradcheck, gradgradcheck


def leaf(*shape, low=-1.0, high=1.0, seed=0, away_from=None):
    """A float64 leaf of random values; ``away_from`` keeps them clear of a kink."""
    values = np.random.default_rng(seed).uniform(low, high, size=shape)
    if away_from is not None:
        values = np.where(np.abs(values - away_from) < 0.1, values + 0.3, values)
    return mg.tensor(values, dtype=mg.float64, requires_grad=True)


def positive(*shape, seed=0):
    return leaf(*shape, low=0.5, high=2.0, seed=seed)


def distinct(*shape, seed=0):
    """No ties, so max/min have a gradient."""
    n = int(np.prod(shape))
    values = np.random.default_rng(seed).permutation(n).reshape(shape) / n + 0.1
    return mg.tensor(values, dtype=mg.float64, requires_grad=True)


# name -> (function, inputs). Shapes exercise broadcasting where the op allows it.
OPS = {
    "add": (lambda a, b: a + b, lambda: (leaf(3, 1), leaf(4, seed=1))),
    "add_scalar": (lambda a: 2.5 + a, lambda: (leaf(3),)),
    "add_alpha": (lambda a, b: a.add(b, alpha=3), lambda: (leaf(3), leaf(3, seed=1))),
    "sub": (lambda a, b: a - b, lambda: (leaf(2, 3), leaf(3, seed=1))),
    "rsub": (lambda a: 1 - a, lambda: (leaf(3),)),
    "mul": (lambda a, b: a * b, lambda: (leaf(2, 1, 3), leaf(4, 1, seed=1))),
    "div": (lambda a, b: a / b, lambda: (leaf(3), positive(3, seed=1))),
    "rdiv": (lambda a: 2 / a, lambda: (positive(3),)),
    "neg": (lambda a: -a, lambda: (leaf(3),)),
    "pow_scalar": (lambda a: a ** 3, lambda: (leaf(3),)),
    "pow_fraction": (lambda a: a ** 0.5, lambda: (positive(3),)),
    "pow_negative": (lambda a: a ** -2, lambda: (positive(3),)),
    "pow_tensor": (lambda a, b: a ** b, lambda: (positive(3), leaf(3, seed=1))),
    "rpow": (lambda a: 2 ** a, lambda: (leaf(3),)),
    "abs": (lambda a: a.abs(), lambda: (leaf(4, away_from=0.0),)),
    "exp": (lambda a: a.exp(), lambda: (leaf(3),)),
    "log": (lambda a: a.log(), lambda: (positive(3),)),
    "sqrt": (lambda a: a.sqrt(), lambda: (positive(3),)),
    "tanh": (lambda a: a.tanh(), lambda: (leaf(3),)),
    "sigmoid": (lambda a: a.sigmoid(), lambda: (leaf(3),)),
    "relu": (lambda a: a.relu(), lambda: (leaf(5, away_from=0.0),)),
    "clamp": (lambda a: a.clamp(-0.5, 0.5), lambda: (leaf(6, away_from=0.5, seed=3),)),
    "clamp_min": (lambda a: a.clamp(min=0.2), lambda: (leaf(6, away_from=0.2),)),
    "dot": (lambda a, b: a @ b, lambda: (leaf(3), leaf(3, seed=1))),
    "mv": (lambda a, b: a @ b, lambda: (leaf(2, 3), leaf(3, seed=1))),
    "mm": (lambda a, b: a @ b, lambda: (leaf(2, 3), leaf(3, 4, seed=1))),
    "vm": (lambda a, b: a @ b, lambda: (leaf(3), leaf(3, 2, seed=1))),
    "bmm": (lambda a, b: a @ b, lambda: (leaf(2, 2, 3), leaf(2, 3, 4, seed=1))),
    "bmm_broadcast": (lambda a, b: a @ b, lambda: (leaf(2, 2, 3), leaf(3, 4, seed=1))),
    "batched_mv": (lambda a, b: a @ b, lambda: (leaf(2, 2, 3), leaf(3, seed=1))),
    "sum": (lambda a: a.sum(), lambda: (leaf(2, 3),)),
    "sum_dim": (lambda a: a.sum(1), lambda: (leaf(2, 3),)),
    "sum_dims_keepdim": (lambda a: a.sum((0, 2), keepdim=True), lambda: (leaf(2, 3, 2),)),
    "mean": (lambda a: a.mean(), lambda: (leaf(2, 3),)),
    "mean_dim": (lambda a: a.mean(-1, keepdim=True), lambda: (leaf(2, 3),)),
    "max": (lambda a: a.max(), lambda: (distinct(2, 3),)),
    "min": (lambda a: a.min(), lambda: (distinct(2, 3),)),
    "max_dim": (lambda a: a.max(1).values, lambda: (distinct(2, 3),)),
    "min_dim_keepdim": (lambda a: a.min(0, keepdim=True)[0], lambda: (distinct(2, 3),)),
    "reshape": (lambda a: a.reshape(3, 2), lambda: (leaf(2, 3),)),
    "view_infer": (lambda a: a.view(-1), lambda: (leaf(2, 3),)),
    "transpose": (lambda a: a.transpose(0, 2), lambda: (leaf(2, 3, 4),)),
    "T": (lambda a: a.T, lambda: (leaf(2, 3),)),
    "permute": (lambda a: a.permute(2, 0, 1), lambda: (leaf(2, 3, 4),)),
    "unsqueeze": (lambda a: a.unsqueeze(1), lambda: (leaf(2, 3),)),
    "squeeze": (lambda a: a.squeeze(), lambda: (leaf(2, 1, 3),)),
    "squeeze_dim": (lambda a: a.squeeze(1), lambda: (leaf(2, 1, 3),)),
    "flatten": (lambda a: a.flatten(), lambda: (leaf(2, 3, 2),)),
    "expand": (lambda a: a.expand(2, 3), lambda: (leaf(3),)),
    "select": (lambda a: a[1], lambda: (leaf(3, 2),)),
    "slice": (lambda a: a[1:], lambda: (leaf(3, 2),)),
    "select_slice": (lambda a: a[0, 1:], lambda: (leaf(2, 3),)),
    "ellipsis_none": (lambda a: a[..., None, 0], lambda: (leaf(2, 3),)),
    "index_list": (lambda a: a[[0, 2, 0]], lambda: (leaf(3, 2),)),
    "index_mask": (lambda a: a[a > 0], lambda: (leaf(6, away_from=0.0),)),
    "cat": (lambda a, b: mg.cat([a, b], dim=1), lambda: (leaf(2, 3), leaf(2, 1, seed=1))),
    "stack": (lambda a, b: mg.stack([a, b], dim=1), lambda: (leaf(2, 3), leaf(2, 3, seed=1))),
    "where": (lambda a, b: mg.where(a > 0, a, b), lambda: (leaf(4, away_from=0.0),
                                                           leaf(4, seed=1))),
    "softmax": (lambda a: a.softmax(dim=1), lambda: (leaf(2, 4),)),
    "log_softmax": (lambda a: a.log_softmax(dim=0), lambda: (leaf(3, 2),)),
    "setitem": (lambda a, b: _setitem(a, b), lambda: (leaf(4), leaf(2, seed=1))),
    "inplace_chain": (lambda a, b: (a * 1).mul_(b).add_(b, alpha=2).sub_(1),
                      lambda: (leaf(3), leaf(3, seed=1))),
    "clone": (lambda a: a.clone(), lambda: (leaf(3),)),
}


def _setitem(a, b):
    out = a * 2
    out[1:3] = b * b
    return out


@pytest.mark.parametrize("name", sorted(OPS))
def test_first_order(name):
    fn, make = OPS[name]
    assert gradcheck(fn, make())


@pytest.mark.parametrize("name", sorted(OPS))
def test_second_order(name):
    fn, make = OPS[name]
    assert gradgradcheck(fn, make())


def test_gradcheck_catches_a_wrong_rule(monkeypatch):
    from micrograd_nb.autograd import ops
    from micrograd_nb.autograd.gradcheck import GradcheckError

    monkeypatch.setattr(ops.TANH, "rules", (lambda F, g, ans, x: g * (1 + ans * ans),))
    with pytest.raises(GradcheckError):
        gradcheck(lambda a: a.tanh(), (leaf(3),))
