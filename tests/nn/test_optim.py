"""SGD and Adam: hand-derived first steps, PyTorch's trajectories (float64, every
option), parameter groups, and PyTorch's errors."""

import math
import re

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb import nn, optim


def f64(data, requires_grad=True):
    return mg.tensor(data, dtype=mg.float64, requires_grad=requires_grad)


def quadratic_step(opt, params):
    """loss = sum(p^2) / 2, so every gradient is p itself."""
    opt.zero_grad()
    sum((p * p).sum() for p in params).__mul__(0.5).backward()
    opt.step()


# --- hand-derived steps ----------------------------------------------------------------

def test_sgd_plain_step():
    p = f64([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1)
    quadratic_step(opt, [p])
    assert p.tolist() == pytest.approx([0.9, -1.8], abs=1e-15)
    assert len(opt.state) == 0  # no momentum, no state


def test_sgd_momentum_and_weight_decay_by_hand():
    p = f64([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.5, weight_decay=0.1)
    # step 1: g = p + 0.1 p = 1.1; buf = g; p = 1 - 0.11 = 0.89
    quadratic_step(opt, [p])
    assert p.item() == pytest.approx(0.89, abs=1e-15)
    # step 2: g = 1.1 * 0.89 = 0.979; buf = 0.5 * 1.1 + 0.979 = 1.529; p = 0.89 - 0.1529
    quadratic_step(opt, [p])
    assert p.item() == pytest.approx(0.7371, abs=1e-14)
    assert opt.state[p]["momentum_buffer"].item() == pytest.approx(1.529, abs=1e-14)


def test_sgd_nesterov_dampening_maximize_by_hand():
    p = f64([2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    quadratic_step(opt, [p])  # g = 2, buf = 2, step = g + 0.9 buf = 3.8
    assert p.item() == pytest.approx(2.0 - 0.38, abs=1e-15)
    q = f64([1.0])
    opt = optim.SGD([q], lr=0.1, momentum=0.9, dampening=0.5)
    quadratic_step(opt, [q])  # first buffer is the gradient itself, undampened
    assert q.item() == pytest.approx(0.9, abs=1e-15)
    quadratic_step(opt, [q])  # buf = 0.9 * 1 + 0.5 * 0.9 = 1.35
    assert q.item() == pytest.approx(0.9 - 0.135, abs=1e-15)
    r = f64([1.0])
    quadratic_step(optim.SGD([r], lr=0.1, maximize=True), [r])
    assert r.item() == pytest.approx(1.1, abs=1e-15)


def test_adam_first_step_moves_by_lr_times_sign():
    """After one step m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps)."""
    p = f64([3.0, -0.5, 1e-3])
    opt = optim.Adam([p], lr=0.01)
    quadratic_step(opt, [p])
    g = np.array([3.0, -0.5, 1e-3])
    expected = g - 0.01 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-14)
    assert opt.state[p]["step"].item() == 1  # a float32 0-d tensor, as in PyTorch
    quadratic_step(opt, [p])
    assert opt.state[p]["step"].item() == 2


def test_adam_two_steps_by_hand():
    p = f64([1.0])
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    opt = optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    x, m, v = 1.0, 0.0, 0.0
    for step in (1, 2):
        quadratic_step(opt, [p])
        g = x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x -= lr * (m / (1 - b1**step)) / (math.sqrt(v / (1 - b2**step)) + eps)
        assert p.item() == pytest.approx(x, abs=1e-14)


# --- against PyTorch -------------------------------------------------------------------

SGD_CONFIGS = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.05, "momentum": 0.8, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.01},
    {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1, "maximize": True},
]
ADAM_CONFIGS = [
    {},
    {"lr": 0.01},
    {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6},
    {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.01, "amsgrad": True},
    {"lr": 0.01, "maximize": True},
    {"lr": 0.05, "betas": (0.3, 0.9)},  # lerp's other branch (weight >= 0.5)
]


def _trajectory(lib, opt_class, config, start):
    """Five steps on a non-quadratic loss of two parameter tensors; returns the values
    after every step."""
    w = lib.tensor(start[0], dtype=lib.float64, requires_grad=True)
    b = lib.tensor(start[1], dtype=lib.float64, requires_grad=True)
    x = lib.tensor([[1.0, -2.0], [0.5, 0.25], [-1.5, 1.0]], dtype=lib.float64)
    opt = opt_class([w, b], **config)
    history = []
    for _ in range(5):
        opt.zero_grad()
        loss = ((x @ w + b).tanh() ** 2).sum() + (w * w * w).sum()
        loss.backward()
        opt.step()
        history.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
    return np.array(history)


START = ([[0.3, -0.7], [1.1, 0.2]], [0.05, -0.4])


@pytest.mark.parametrize("config", SGD_CONFIGS, ids=str)
def test_sgd_trajectory_matches_torch(torch, config):
    ours = _trajectory(mg, optim.SGD, config, START)
    theirs = _trajectory(torch, torch.optim.SGD, config, START)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("config", ADAM_CONFIGS, ids=str)
def test_adam_trajectory_matches_torch(torch, config):
    ours = _trajectory(mg, optim.Adam, config, START)
    theirs = _trajectory(torch, torch.optim.Adam, config, START)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_param_groups_and_repr_match_torch(torch):
    def build(lib, opt_class, **kwargs):
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(2, requires_grad=True)
        return opt_class([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, **kwargs)

    ours, theirs = build(mg, optim.SGD, momentum=0.9), build(torch, torch.optim.SGD, momentum=0.9)
    for ours_group, their_group in zip(ours.param_groups, theirs.param_groups):
        assert ({k: v for k, v in ours_group.items() if k != "params"}
                == {k: v for k, v in their_group.items() if k != "params"})
    assert [g["lr"] for g in ours.param_groups] == [0.1, 0.5]
    assert repr(build(mg, optim.Adam)) == repr(build(torch, torch.optim.Adam))


# --- behaviour -------------------------------------------------------------------------

def test_params_without_grad_are_skipped():
    used, unused = f64([1.0]), f64([5.0])
    for opt in (optim.SGD([used, unused], lr=0.1, momentum=0.9),
                optim.Adam([used, unused], lr=0.1)):
        (used * 2).sum().backward()
        opt.step()
        opt.zero_grad()
        assert unused.item() == 5.0 and unused not in opt.state
    assert used.item() != 1.0


def test_step_updates_in_place_without_graph():
    model = nn.Linear(2, 1, dtype=mg.float64)
    weight = model.weight
    before = weight.detach().numpy().copy()
    opt = optim.SGD(model.parameters(), lr=0.5)
    model(f64([[1.0, 2.0]], requires_grad=False)).sum().backward()
    opt.step()
    assert model.weight is weight and weight.is_leaf and weight.grad_fn is None
    np.testing.assert_allclose(weight.detach().numpy(), before - 0.5 * np.array([[1.0, 2.0]]))
    assert mg.is_grad_enabled()


def test_zero_grad():
    p = f64([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_closure_is_evaluated_with_grad_and_returned():
    p = f64([2.0])
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0
    assert p.item() == 1.0


def test_training_a_small_model_reduces_the_loss():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    x = mg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = mg.tensor([0, 1, 1, 0])  # XOR
    opt = optim.Adam(model.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    first = loss_fn(model(x), y).item()
    for _ in range(150):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05 * first
    assert model(x).argmax(1).tolist() == [0, 1, 1, 0]


# --- errors ----------------------------------------------------------------------------

def raises(error, text):
    return pytest.raises(error, match="^" + re.escape(text) + "$")


@pytest.mark.parametrize("kwargs,text", [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
    ({"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ({"nesterov": True, "momentum": 0.9, "dampening": 0.1},
     "Nesterov momentum requires a momentum and zero dampening"),
])
def test_sgd_errors(kwargs, text):
    with raises(ValueError, text):
        optim.SGD([f64([1.0])], **kwargs)


@pytest.mark.parametrize("kwargs,text", [
    ({"lr": -1}, "Invalid learning rate: -1"),
    ({"eps": -1}, "Invalid epsilon value: -1"),
    ({"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
    ({"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ({"weight_decay": -1}, "Invalid weight_decay value: -1"),
])
def test_adam_errors(kwargs, text):
    with raises(ValueError, text):
        optim.Adam([f64([1.0])], **kwargs)


def test_param_list_errors():
    x = f64([1.0])
    with raises(ValueError, "can't optimize a non-leaf Tensor"):
        optim.SGD([x * 2])
    with raises(ValueError, "optimizer got an empty parameter list"):
        optim.SGD([])
    with raises(TypeError, "params argument given to the optimizer should be an iterable of "
                           "Tensors or dicts, but got micrograd_nb.DoubleTensor"):
        optim.SGD(x)
    with raises(TypeError, "optimizer can only optimize Tensors, but one of the params is float"):
        optim.SGD([1.0])
    with pytest.raises(TypeError, match="ordering of tensors in sets will change between runs"):
        optim.SGD([{"params": {x}}])
    with raises(ValueError, "some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [x]}, {"params": x}])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([x, x])
    retained = x * 2
    retained.retain_grad()
    optim.SGD([retained])  # a non-leaf whose .grad is kept can be optimized
