"""``differentiable=True``: the step is recorded, so the gradient of a loss after a few
steps reaches the initial weights and a tensor ``lr``, equal to PyTorch's; the
combinations PyTorch refuses are refused with its errors."""

import numpy as np
import pytest

import micrograd_nb as mg

CASES = [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"maximize": True, "weight_decay": 0.05}),
    ("Adam", {}), ("Adam", {"weight_decay": 0.1}), ("Adam", {"amsgrad": True}),
    ("Adam", {"betas": (0.8, 0.9), "maximize": True}),
    ("AdamW", {}), ("AdamW", {"amsgrad": True, "weight_decay": 0.3}),
    ("RMSprop", {}), ("RMSprop", {"centered": True}), ("RMSprop", {"momentum": 0.5}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1}),
]


def _meta(lib, name, options, lr_is_tensor, steps=3):
    """A few steps on a copy of ``w0`` with the gradients set by hand (create_graph),
    then d(loss after the steps) / d(w0, lr)."""
    w0 = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=lib.float64, requires_grad=True)
    x = lib.tensor(np.linspace(0.3, 2, 9).reshape(3, 3), dtype=lib.float64)
    lr = lib.tensor(0.05, dtype=lib.float64, requires_grad=True) if lr_is_tensor else 0.05
    p = w0 * 1.0
    opt = getattr(lib.optim, name)([p], lr=lr, differentiable=True, **options)
    for _ in range(steps):
        loss = ((p @ x).tanh() ** 2).sum()
        p.grad, = lib.autograd.grad(loss, p, create_graph=True)
        opt.step()
    final = ((p @ x) ** 2).sum()
    grads = lib.autograd.grad(final, [w0, lr] if lr_is_tensor else [w0])
    return [p.detach().numpy()] + [g.numpy() for g in grads]


def _outcome(lib, *args):
    try:
        return _meta(lib, *args)
    except (RuntimeError, TypeError) as error:
        # PyTorch names its fused node (Addcmul, Lerp) where ours is the Add it is made of.
        return type(error), str(error).split(", which is output 0 of")[0].replace(
            lib.__name__, "lib")


@pytest.mark.parametrize("lr_is_tensor", [False, True], ids=["lr", "tensor-lr"])
@pytest.mark.parametrize(("name", "options"), CASES, ids=str)
def test_steps_are_differentiated_as_in_pytorch(torch, name, options, lr_is_tensor):
    ours = _outcome(mg, name, options, lr_is_tensor)
    theirs = _outcome(torch, name, options, lr_is_tensor)
    if isinstance(theirs, tuple):  # PyTorch refuses it (a buffer updated in place...)
        assert ours == theirs
        return
    assert isinstance(ours, list), ours
    for mine, expected in zip(ours, theirs):
        np.testing.assert_allclose(mine, expected, rtol=1e-12, atol=1e-15)


def test_the_gradient_through_a_step_matches_finite_differences():
    # d(loss after one SGD step)/d(lr) = -grad(w1) . grad(w0), checked numerically.
    def after_step(lr_value):
        lr = mg.tensor(lr_value, dtype=mg.float64, requires_grad=True)
        w0 = mg.tensor([0.3, -0.7, 1.1], dtype=mg.float64, requires_grad=True)
        p = w0 * 1.0
        p.grad, = mg.autograd.grad((p.sin() * p).sum(), p, create_graph=True)
        mg.optim.SGD([p], lr=lr, differentiable=True).step()
        return (p.cos() * p).sum(), lr

    loss, lr = after_step(0.1)
    analytic, = mg.autograd.grad(loss, lr)
    h = 1e-6
    numeric = (after_step(0.1 + h)[0].item() - after_step(0.1 - h)[0].item()) / (2 * h)
    np.testing.assert_allclose(float(analytic), numeric, rtol=1e-7)


def _refusal(action):
    try:
        action()
    except Exception as error:  # noqa: BLE001 - the class is compared with PyTorch's
        return type(error), str(error)
    return None


def _params(lib):
    return [lib.tensor([1.0, 2.0], requires_grad=True) * 1.0]


REFUSED = {
    "fused SGD": lambda lib: lib.optim.SGD(_params(lib), lr=0.1, fused=True,
                                           differentiable=True),
    "fused Adam": lambda lib: lib.optim.Adam(_params(lib), fused=True, differentiable=True),
    "fused AdamW": lambda lib: lib.optim.AdamW(_params(lib), fused=True, differentiable=True),
    "non-leaf without differentiable": lambda lib: lib.optim.Adam(_params(lib)),
}


def _step_with(lib, make):
    params = _params(lib)
    params[0].grad = lib.ones(2)
    make(lib, params).step()


STEP_REFUSED = {
    "foreach Adam": lambda lib, p: lib.optim.Adam(p, foreach=True, differentiable=True),
    "foreach RMSprop": lambda lib, p: lib.optim.RMSprop(p, foreach=True, differentiable=True),
    "a leaf parameter": lambda lib, p: lib.optim.SGD(
        [lib.tensor([1.0, 2.0], requires_grad=True)], lr=0.1, differentiable=True),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_when_made_as_in_pytorch(torch, case):
    assert _refusal(lambda: REFUSED[case](mg)) == _refusal(lambda: REFUSED[case](torch))
    assert _refusal(lambda: REFUSED[case](mg)) is not None


def _leaf_step(lib):
    leaf = lib.tensor([1.0, 2.0], requires_grad=True)
    leaf.grad = lib.ones(2)
    lib.optim.SGD([leaf], lr=0.1, differentiable=True).step()


@pytest.mark.parametrize("case", sorted(STEP_REFUSED))
def test_refused_when_stepped_as_in_pytorch(torch, case):
    if case == "a leaf parameter":  # an in-place update of a leaf that requires grad
        ours, theirs = _refusal(lambda: _leaf_step(mg)), _refusal(lambda: _leaf_step(torch))
    else:
        ours = _refusal(lambda: _step_with(mg, STEP_REFUSED[case]))
        theirs = _refusal(lambda: _step_with(torch, STEP_REFUSED[case]))
    assert ours == theirs and ours is not None


def test_foreach_sgd_is_differentiable_as_in_pytorch(torch):
    results = []
    for lib in (mg, torch):
        w0 = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        p = w0 * 1.0
        p.grad = p * p
        lib.optim.SGD([p], lr=0.1, momentum=0.5, foreach=True, differentiable=True).step()
        results.append(lib.autograd.grad((p ** 3).sum(), w0)[0].numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_a_step_count_that_requires_grad_is_refused(torch):
    def run(lib):
        p = _params(lib)
        p[0].grad = lib.ones(2)
        opt = lib.optim.Adam(p, differentiable=True)
        opt.step()
        opt.state[p[0]]["step"].requires_grad_(True)
        opt.step()
    assert _refusal(lambda: run(mg)) == _refusal(lambda: run(torch)) != None  # noqa: E711


@pytest.mark.parametrize("name", ["Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"])
def test_optimizers_without_a_recorded_step_say_so(name):
    p = _params(mg)
    p[0].grad = mg.ones(2)
    opt = getattr(mg.optim, name)(p, differentiable=True)
    with pytest.raises(NotImplementedError, match=rf"{name}\(differentiable=True\)"):
        opt.step()
    np.testing.assert_array_equal(p[0].detach().numpy(), [1.0, 2.0])  # nothing changed


def test_without_differentiable_the_step_is_not_recorded():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    p.grad = mg.ones(2)
    mg.optim.Adam([p]).step()
    assert p.grad_fn is None and p.is_leaf
