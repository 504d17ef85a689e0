"""torch.nn on micrograd_nb: Module bookkeeping, Parameter, Linear, Sequential,
activations and losses. Values are checked by hand and with gradcheck (finite
differences, float64); the ``torch`` fixture compares with PyTorch itself."""

import math
import re
import warnings

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb import nn
from micrograd_nb.autograd.gradcheck import gradcheck
from micrograd_nb.nn import functional as F


def f64(data, requires_grad=False):
    return mg.tensor(data, dtype=mg.float64, requires_grad=requires_grad)


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(2, 3)
        self.act = nn.Tanh()
        self.second = nn.Linear(3, 1)
        self.scale = nn.Parameter(mg.ones(1))

    def forward(self, x):
        return self.second(self.act(self.first(x))) * self.scale


# --- Parameter -------------------------------------------------------------------------

def test_parameter_is_a_leaf_sharing_storage():
    data = mg.zeros(2)
    p = nn.Parameter(data)
    assert isinstance(p, mg.Tensor) and isinstance(p, nn.Parameter)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    with mg.no_grad():
        data.add_(1.0)
    assert p.tolist() == [1.0, 1.0]
    assert not nn.Parameter(mg.zeros(1), requires_grad=False).requires_grad


def test_parameter_of_a_computed_tensor_is_a_leaf():
    x = mg.ones(2, requires_grad=True) * 2
    p = nn.Parameter(x)
    assert p.is_leaf and p.requires_grad
    (p * 3).sum().backward()
    assert p.grad.tolist() == [3.0, 3.0]


def test_parameter_repr_and_results_of_ops():
    p = nn.Parameter(mg.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\n" + repr(mg.tensor([1.0, 2.0], requires_grad=True))
    assert type(p * 2) is mg.Tensor
    assert nn.Parameter().shape == (0,)


# --- Module ----------------------------------------------------------------------------

def test_parameters_in_registration_order_recursively():
    model = TwoLayer()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "first.weight", "first.bias", "second.weight", "second.bias"]
    assert [p is q for p, (_, q) in zip(model.parameters(), model.named_parameters())] == [
        True] * 5
    assert [name for name, _ in model.named_parameters(recurse=False)] == ["scale"]
    assert list(model.children()) == [model.first, model.act, model.second]
    assert len(list(model.modules())) == 4 and next(model.modules()) is model


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3
    assert len(list(model.children())) == 2


def test_bias_false_registers_none():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_zero_grad():
    model = TwoLayer()
    model(mg.ones(4, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    grads = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=False)
    # Zeroed in place, as PyTorch does: the same tensors, now all zeros.
    assert [p.grad for p in model.parameters()] == grads
    assert all(np.all(p.grad.numpy() == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_zero_grad_detaches_a_gradient_with_a_graph():
    p = nn.Parameter(mg.tensor([1.0, 2.0]))
    (p ** 3).sum().backward(create_graph=True)
    assert p.grad.requires_grad
    module = nn.Module()
    module.p = p
    module.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0, 0.0] and not p.grad.requires_grad


def test_train_eval_recursive():
    model = TwoLayer()
    assert model.training and model.first.training
    assert model.eval() is model
    assert not model.training and not model.first.training and not model.act.training
    model.train()
    assert model.second.training
    with pytest.raises(ValueError, match="^training mode is expected to be boolean$"):
        model.train(1)


def test_registration_errors_and_lookups():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=re.escape(
            "cannot assign 'micrograd_nb.FloatTensor' as parameter 'weight' "
            "(torch.nn.Parameter or None expected)")):
        layer.weight = mg.ones(2, 2)
    with pytest.raises(TypeError, match=re.escape("cannot assign 'int' as parameter 'weight'")):
        layer.weight = 3
    with pytest.raises(AttributeError, match="^'Linear' object has no attribute 'nothing'$"):
        layer.nothing  # noqa: B018

    class Early(nn.Module):
        def __init__(self):
            self.p = nn.Parameter(mg.ones(1))

    with pytest.raises(AttributeError,
                       match=re.escape("cannot assign parameters before Module.__init__() call")):
        Early()

    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError,
                       match=re.escape('Module [NoForward] is missing the required "forward" '
                                       'function')):
        NoForward()(1)
    layer.weight = None
    assert [name for name, _ in layer.named_parameters()] == ["bias"]
    layer.note = "plain attribute"
    assert layer.note == "plain attribute"
    del layer.bias
    assert list(layer.parameters()) == []


def test_module_repr():
    assert repr(TwoLayer()) == (
        "TwoLayer(\n"
        "  (first): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (act): Tanh()\n"
        "  (second): Linear(in_features=3, out_features=1, bias=True)\n"
        ")"
    )
    nested = nn.Sequential(nn.Sequential(nn.ReLU()), nn.MSELoss())
    assert repr(nested) == (
        "Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n  (1): MSELoss()\n)"
    )
    assert repr(nn.Linear(4, 2, bias=False)) == "Linear(in_features=4, out_features=2, bias=False)"


def test_reprs_match_torch(torch):
    def build(lib_nn):
        return lib_nn.Sequential(lib_nn.Linear(2, 3), lib_nn.Tanh(), lib_nn.Sigmoid(),
                                 lib_nn.Sequential(lib_nn.ReLU(), lib_nn.Linear(3, 1, bias=False)),
                                 lib_nn.CrossEntropyLoss(), lib_nn.MSELoss())

    assert repr(build(nn)) == repr(build(torch.nn))


# --- Linear ----------------------------------------------------------------------------

def test_linear_shapes_dtype_and_forward():
    layer = nn.Linear(3, 2, dtype=mg.float64)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    assert layer.weight.dtype is mg.float64 and layer.bias.dtype is mg.float64
    x = f64([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])
    expected = x.numpy() @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()
    np.testing.assert_allclose(layer(x).detach().numpy(), expected, rtol=1e-15)
    assert layer(x[0]).shape == (2,)
    assert nn.Linear(3, 2).weight.dtype is mg.float32


def test_linear_init_is_uniform_within_torchs_bound():
    mg.manual_seed(0)
    layer = nn.Linear(64, 200)
    bound = 1 / math.sqrt(64)
    w = layer.weight.detach().numpy()
    b = layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # Uniform, not normal or one-sided: fills the range, centred, with variance bound^2 / 3.
    assert w.min() < -0.98 * bound and w.max() > 0.98 * bound
    assert abs(w.mean()) < 0.02 * bound
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.05)
    assert b.min() < 0 < b.max()


def test_linear_init_follows_manual_seed():
    mg.manual_seed(123)
    a = nn.Linear(3, 4)
    mg.manual_seed(123)
    b = nn.Linear(3, 4)
    c = nn.Linear(3, 4)
    assert a.weight.tolist() == b.weight.tolist() and a.bias.tolist() == b.bias.tolist()
    assert a.weight.tolist() != c.weight.tolist()


def test_linear_gradients_by_finite_differences():
    x = f64(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    w = f64([[0.1, -0.2, 0.3], [0.5, 0.4, -0.6]], requires_grad=True)
    b = f64([0.05, -0.05], requires_grad=True)
    assert gradcheck(F.linear, (x, w, b))
    assert gradcheck(lambda x, w: F.linear(x, w), (x, w))


# --- Sequential ------------------------------------------------------------------------

def test_sequential_container():
    a, b, c = nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c and seq[-3] is a
    with pytest.raises(IndexError, match="^index 3 is out of range$"):
        seq[3]
    with pytest.raises(IndexError, match="^index -4 is out of range$"):
        seq[-4]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    assert repr(tail).startswith("Sequential(\n  (1): Tanh()")
    x = mg.randn(5, 2)
    assert np.array_equal(seq(x).detach().numpy(), c(b(a(x))).detach().numpy())
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)


# --- activations -----------------------------------------------------------------------

def test_activations():
    x = f64([-2.0, 0.0, 0.5, 3.0])
    data = x.numpy()
    np.testing.assert_allclose(nn.Tanh()(x).numpy(), np.tanh(data))
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp(-data)))
    np.testing.assert_array_equal(nn.ReLU()(x).numpy(), np.maximum(data, 0))
    m = f64([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    soft = F.softmax(m, dim=1).numpy()
    np.testing.assert_allclose(soft.sum(1), [1.0, 1.0])
    np.testing.assert_allclose(soft[1], [1 / 3] * 3)
    np.testing.assert_allclose(F.log_softmax(m, 1).numpy(), np.log(soft))


def test_softmax_without_dim_warns_and_picks_torchs_dim():
    m = f64([[1.0, 2.0], [3.0, 5.0]])
    with pytest.warns(UserWarning, match=re.escape(
            "Implicit dimension choice for softmax has been deprecated. Change the call to "
            "include dim=X as an argument.")):
        out = F.softmax(m)
    np.testing.assert_allclose(out.numpy(), F.softmax(m, 1).numpy())
    with pytest.warns(UserWarning, match="log_softmax"):
        out = F.log_softmax(f64([1.0, 2.0]))
    np.testing.assert_allclose(out.numpy(), F.log_softmax(f64([1.0, 2.0]), 0).numpy())


# --- losses ----------------------------------------------------------------------------

def test_mse_loss_by_hand():
    x = f64([1.0, 2.0], requires_grad=True)
    t = f64([0.0, 0.0])
    assert nn.MSELoss()(x, t).item() == 2.5
    assert nn.MSELoss(reduction="sum")(x, t).item() == 5.0
    assert nn.MSELoss(reduction="none")(x, t).tolist() == [1.0, 4.0]
    nn.MSELoss()(x, t).backward()
    assert x.grad.tolist() == [1.0, 2.0]  # 2 (x - t) / N


def test_cross_entropy_by_hand():
    logits = f64([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], requires_grad=True)
    target = mg.tensor([0, 2])
    loss = nn.CrossEntropyLoss()(logits, target)
    assert loss.item() == pytest.approx(math.log(3), rel=1e-15)
    loss.backward()
    # (softmax - one_hot) / N
    np.testing.assert_allclose(logits.grad.numpy(),
                               [[-1 / 3, 1 / 6, 1 / 6], [1 / 6, 1 / 6, -1 / 3]], rtol=1e-14)
    per_sample = F.cross_entropy(f64([[2.0, 0.0], [0.0, 0.0]]), mg.tensor([0, 0]),
                                 reduction="none")
    np.testing.assert_allclose(per_sample.numpy(),
                               [math.log(1 + math.exp(-2)), math.log(2)], rtol=1e-14)


def test_nll_loss_picks_the_target_log_probability():
    logp = f64([[-1.0, -2.0, -3.0], [-0.5, -0.25, -4.0]], requires_grad=True)
    target = mg.tensor([2, 1])
    assert F.nll_loss(logp, target, reduction="none").tolist() == [3.0, 0.25]
    assert F.nll_loss(logp, target, reduction="sum").item() == 3.25
    loss = F.nll_loss(logp, target)
    assert loss.item() == 1.625
    loss.backward()
    assert logp.grad.tolist() == [[0.0, 0.0, -0.5], [0.0, -0.5, 0.0]]
    assert F.nll_loss(f64([-1.0, -2.0]), mg.tensor(1)).item() == 2.0  # unbatched


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_gradients_by_finite_differences(reduction):
    logits = f64([[0.3, -1.2, 2.0], [1.5, 0.1, -0.7], [0.0, 0.4, 0.2]], requires_grad=True)
    target = mg.tensor([2, 0, 1])
    assert gradcheck(lambda z: F.cross_entropy(z, target, reduction=reduction), (logits,))
    assert gradcheck(lambda z: F.nll_loss(z, target, reduction=reduction), (logits,))
    other = f64(np.ones((3, 3)) * 0.5, requires_grad=True)
    assert gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), (logits, other))
    probs = f64([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.1, 0.1, 0.8]], requires_grad=True)
    assert gradcheck(lambda z, p: F.cross_entropy(z, p, reduction=reduction), (logits, probs))


def test_bad_reduction_fails_when_called_not_when_built():
    loss = nn.MSELoss(reduction="average")
    assert repr(loss) == "MSELoss()"
    with pytest.raises(ValueError, match="^average is not a valid value for reduction$"):
        loss(mg.ones(2), mg.ones(2))
    with pytest.raises(ValueError, match="^bad is not a valid value for reduction$"):
        nn.CrossEntropyLoss(reduction="bad")(mg.ones(2, 3), mg.tensor([0, 1]))


def test_mse_loss_warns_on_broadcasting_target():
    with pytest.warns(UserWarning, match=re.escape(
            "Using a target size (micrograd_nb.Size([2])) that is different to the input size "
            "(micrograd_nb.Size([2, 1])). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.")):
        F.mse_loss(mg.ones(2, 1), mg.ones(2))


CLASS_TARGET_ERRORS = [
    ((2, 3), [0, 3], None, IndexError, "Target 3 is out of bounds."),
    ((2, 3), [0, -1], None, IndexError, "Target -1 is out of bounds."),
    ((2, 3), [0.0, 1.0], "float32", RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    ((2, 3), [0, 1], "int32", RuntimeError,
     "expected target dtype to be Long or Byte, but got Int"),
    ((2, 3), [0, 1, 1], None, ValueError,
     "Expected input batch_size (2) to match target batch_size (3)."),
    ((2, 3), [[0, 1], [1, 1]], None, RuntimeError,
     "0D or 1D target tensor expected, multi-target not supported"),
    ((2, 3, 4), [[0, 1, 2]] * 2, None, RuntimeError, "Expected target size [2, 4], got [2, 3]"),
]


@pytest.mark.parametrize("shape,target,dtype,error,text", CLASS_TARGET_ERRORS)
def test_class_target_errors(shape, target, dtype, error, text):
    kwargs = {} if dtype is None else {"dtype": getattr(mg, dtype)}
    with pytest.raises(error, match="^" + re.escape(text) + "$"):
        F.cross_entropy(mg.ones(*shape), mg.tensor(target, **kwargs))


@pytest.mark.parametrize("shape,target,dtype,error,text", CLASS_TARGET_ERRORS)
def test_class_target_errors_are_torchs(torch, shape, target, dtype, error, text):
    kwargs = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    with pytest.raises(error, match="^" + re.escape(text) + "$"):
        torch.nn.functional.cross_entropy(torch.ones(*shape), torch.tensor(target, **kwargs))


def _pair(torch, array, requires_grad=True):
    return (f64(array, requires_grad=requires_grad),
            torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad))


def _assert_same(ours, theirs):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_torch(torch, reduction):
    rng = np.random.default_rng(0)
    cases = [
        ("MSELoss", rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), False),
        ("CrossEntropyLoss", rng.normal(size=(5, 4)), np.array([3, 0, 1, 1, 2]), True),
        ("CrossEntropyLoss", rng.normal(size=(4,)), np.array(2), True),
        ("CrossEntropyLoss", rng.normal(size=(2, 3, 4)), rng.integers(0, 3, size=(2, 4)), True),
        ("CrossEntropyLoss", rng.normal(size=(3, 4)), rng.dirichlet(np.ones(4), size=3), False),
    ]
    for name, x, target, is_index in cases:
        ours_x, torch_x = _pair(torch, x)
        if is_index:
            ours_t, torch_t = mg.tensor(target), torch.tensor(target)
        else:
            ours_t, torch_t = _pair(torch, target)
        ours = getattr(nn, name)(reduction=reduction)(ours_x, ours_t)
        theirs = getattr(torch.nn, name)(reduction=reduction)(torch_x, torch_t)
        _assert_same(ours, theirs)
        seed = np.linspace(-1, 1, ours.numel()).reshape(tuple(ours.shape))
        ours.backward(f64(seed))
        theirs.backward(torch.tensor(seed, dtype=torch.float64))
        _assert_same(ours_x.grad, torch_x.grad)
        if not is_index:
            _assert_same(ours_t.grad, torch_t.grad)


def test_functional_matches_torch(torch):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4))
    w, b = rng.normal(size=(2, 4)), rng.normal(size=2)
    (ox, tx), (ow, tw), (ob, tb) = (_pair(torch, a) for a in (x, w, b))
    tf = torch.nn.functional
    pairs = [
        (F.linear(ox, ow, ob), tf.linear(tx, tw, tb)),
        (F.linear(ox, ow), tf.linear(tx, tw)),
        (F.relu(ox), tf.relu(tx)),
        (F.tanh(ox), tf.tanh(tx)),
        (F.sigmoid(ox), tf.sigmoid(tx)),
        (F.softmax(ox, dim=0), tf.softmax(tx, dim=0)),
        (F.log_softmax(ox, dim=-1), tf.log_softmax(tx, dim=-1)),
        (F.nll_loss(F.log_softmax(ox, 1), mg.tensor([0, 3, 1])),
         tf.nll_loss(tf.log_softmax(tx, 1), torch.tensor([0, 3, 1]))),
    ]
    for ours, theirs in pairs:
        _assert_same(ours, theirs)
        ours.sum().backward()
        theirs.sum().backward()
    for ours, theirs in ((ox, tx), (ow, tw), (ob, tb)):
        _assert_same(ours.grad, theirs.grad)


def test_linear_model_matches_torch(torch):
    """The same weights in both libraries give the same outputs and parameter grads."""
    model = nn.Sequential(nn.Linear(3, 4, dtype=mg.float64), nn.Tanh(),
                          nn.Linear(4, 2, dtype=mg.float64))
    reference = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                    torch.nn.Linear(4, 2)).double()
    with torch.no_grad():
        for p, q in zip(model.parameters(), reference.parameters()):
            q.copy_(torch.tensor(p.detach().numpy()))
    x = np.linspace(-2, 2, 15).reshape(5, 3)
    target = np.array([0, 1, 1, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = nn.CrossEntropyLoss()(model(f64(x)), mg.tensor(target))
    ref_loss = torch.nn.CrossEntropyLoss()(reference(torch.tensor(x)), torch.tensor(target))
    assert loss.item() == pytest.approx(ref_loss.item(), rel=1e-13)
    loss.backward()
    ref_loss.backward()
    for (name, p), (ref_name, q) in zip(model.named_parameters(), reference.named_parameters()):
        assert name == ref_name
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, atol=1e-15)
