"""Tensor behaviour beyond the reference table: dtypes, factories, grad mode, hooks,
in-place ops, inputs=, and depth."""

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.autograd import backward, grad


def test_defaults_are_pytorch_defaults():
    assert mg.tensor([1.0, 2.0]).dtype is mg.float32
    assert mg.tensor([1, 2]).dtype is mg.int64
    assert mg.tensor(np.array([1.0])).dtype is mg.float64
    assert mg.zeros(2, 3).shape == (2, 3) and repr(mg.zeros(2, 3).shape) == \
        "micrograd_nb.Size([2, 3])"
    assert mg.arange(3).dtype is mg.int64 and mg.arange(0.0, 1.0, 0.5).tolist() == [0.0, 0.5]
    assert mg.full((2,), 7).dtype is mg.int64 and mg.full((2,), 7.0).dtype is mg.float32
    assert mg.ones_like(mg.ones(2, dtype=mg.float64)).dtype is mg.float64


@pytest.mark.parametrize("a,b,expected", [
    (mg.ones(2, dtype=mg.int64), 2.5, mg.float32),
    (mg.ones(2, dtype=mg.int64), mg.ones(2), mg.float32),
    (mg.ones(2), mg.ones(2, dtype=mg.float64), mg.float64),
    (mg.ones(2), mg.tensor(1.0, dtype=mg.float64), mg.float32),
    (mg.ones(2, dtype=mg.int64), 3, mg.int64),
    (mg.ones(2, dtype=mg.int64), mg.ones(2, dtype=mg.int64), mg.int64),
])
def test_type_promotion(a, b, expected):
    assert (a * b).dtype is expected and (b * a).dtype is expected


def test_integer_division_gives_float():
    assert (mg.tensor([3, 4]) / 2).dtype is mg.float32


def test_seeded_random_is_reproducible():
    mg.manual_seed(0)
    a = mg.randn(3).tolist()
    mg.manual_seed(0)
    assert mg.randn(3).tolist() == a


def test_grad_mode_managers_and_decorators():
    x = mg.ones(2, requires_grad=True)

    @mg.no_grad()
    def doubled(t):
        return t * 2

    assert not doubled(x).requires_grad
    with mg.no_grad():
        with mg.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    mg.set_grad_enabled(False)
    assert not mg.is_grad_enabled()
    mg.set_grad_enabled(True)
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mg.is_grad_enabled()


def test_retain_grad_fills_a_non_leaf_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    assert y.grad.tolist() == [6.0, 12.0] and x.grad.tolist() == [18.0, 36.0]


def test_backward_inputs_accumulates_only_there():
    x = mg.tensor([1.0], requires_grad=True)
    w = mg.tensor([2.0], requires_grad=True)
    y = x * w
    (y * y).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [4.0]
    z = x * w
    (z * z).sum().backward(inputs=[z])
    assert z.grad.tolist() == [4.0] and x.grad is None


def test_setitem_on_a_non_leaf_routes_gradients():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = mg.tensor(10.0, requires_grad=True)
    z = x * 2
    z[1] = v * 3
    assert z.grad_fn.name() == "torch::autograd::CopySlices" and z.tolist() == [2.0, 30.0, 6.0]
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 2.0] and v.grad.tolist() == 3.0


def test_inplace_ops_record_history_and_bump_versions():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    z = x * 2
    z.mul_(3).add_(1)
    assert type(z._version) is int and z._version == 2 and z.grad_fn.name() == "AddBackward0"
    z.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    z = x * 2
    z.zero_()
    assert z.grad_fn.name() == "ZeroBackward0"


def test_detach_shares_the_version_counter_data_does_not():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.detach().mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    y = x.exp()
    y.data.mul_(2)  # silent, and the gradient is now wrong (as in PyTorch)
    y.sum().backward()
    assert np.allclose(x.grad.tolist(), 2 * np.exp([1.0, 2.0]))


def test_grad_fn_graph_is_navigable():
    x = mg.tensor([1.0], requires_grad=True)
    y = (x * 2).exp()
    exp = y.grad_fn
    mul = exp.next_functions[0][0]
    assert exp.name() == "ExpBackward0" and mul.name() == "MulBackward0"
    acc, const = mul.next_functions
    assert acc[0].name() == "torch::autograd::AccumulateGrad" and acc[0].variable is x
    assert const == (None, 0)


def test_hook_handles_remove():
    x = mg.tensor([1.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    handle.remove()
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0]


def test_backward_and_grad_with_several_outputs():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    a, b = (x * x).sum(), (x * 3).sum()
    backward([a, b])
    assert x.grad.tolist() == [5.0, 7.0]
    gx, = grad([x.sum(), (2 * x).sum()], [x])
    assert gx.tolist() == [3.0, 3.0]


def test_float32_gradients_stay_float32():
    x = mg.ones(3, requires_grad=True)
    (x * mg.ones(3, dtype=mg.float64)).sum().backward()
    assert x.grad.dtype is mg.float32


def test_a_million_node_tensor_chain():
    x = mg.tensor([1.0], dtype=mg.float64, requires_grad=True)
    y = x
    for i in range(1_000_000):
        y = y * 1.0000001 if i % 2 else y + 0.5
    y.sum().backward()
    expected = 1.0000001 ** 500_000
    assert x.grad.item() == pytest.approx(expected, rel=1e-9)
