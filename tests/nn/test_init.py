"""nn.init and nn.Linear's initialisation against torch's: the same seed gives the same
weights, the same gains, fans, errors and warnings."""

import math
import warnings

import numpy as np
import pytest
import torch

import micrograd_nb as mg
from micrograd_nb.nn import init

SHAPES = [(3, 5), (17, 20), (8, 4, 3, 3), (64, 128)]


def _same(ours, theirs, ulps=0):
    ours, theirs = ours.detach()._data, theirs.detach().numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    spacing = np.spacing(np.abs(theirs).astype(theirs.dtype)).astype(np.float64)
    off = np.abs(ours.astype(np.float64) - theirs.astype(np.float64)) / spacing
    assert off.max(initial=0) <= ulps


INITS = {
    "uniform_": (lambda t: init.uniform_(t, -0.5, 2.0),
                 lambda t: torch.nn.init.uniform_(t, -0.5, 2.0), 0),
    "normal_": (lambda t: init.normal_(t, 0.1, 0.02),
                lambda t: torch.nn.init.normal_(t, 0.1, 0.02), 1),
    "xavier_uniform_": (lambda t: init.xavier_uniform_(t, gain=2.0),
                        lambda t: torch.nn.init.xavier_uniform_(t, gain=2.0), 0),
    "xavier_normal_": (init.xavier_normal_, torch.nn.init.xavier_normal_, 1),
    "kaiming_uniform_": (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_, 0),
    "kaiming_uniform_(a=sqrt(5))": (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)),
                                    lambda t: torch.nn.init.kaiming_uniform_(t, a=math.sqrt(5)),
                                    0),
    "kaiming_normal_(fan_out, relu)": (
        lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
        lambda t: torch.nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), 1),
    "trunc_normal_": (init.trunc_normal_, torch.nn.init.trunc_normal_, 1),
    "trunc_normal_(std=0.02)": (lambda t: init.trunc_normal_(t, std=0.02),
                                lambda t: torch.nn.init.trunc_normal_(t, std=0.02), 1),
    "constant_": (lambda t: init.constant_(t, 0.3), lambda t: torch.nn.init.constant_(t, 0.3),
                  0),
    "ones_": (init.ones_, torch.nn.init.ones_, 0),
    "zeros_": (init.zeros_, torch.nn.init.zeros_, 0),
}


@pytest.mark.parametrize("dtypes", [(mg.float32, torch.float32), (mg.float64, torch.float64)],
                         ids=["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(INITS))
def test_init_fills_equal_torchs(name, shape, dtypes):
    ours_fn, theirs_fn, ulps = INITS[name]
    ours_dtype, torch_dtype = dtypes
    mg.manual_seed(21)
    torch.manual_seed(21)
    ours = mg.nn.Parameter(mg.empty(*shape, dtype=ours_dtype))
    theirs = torch.nn.Parameter(torch.empty(*shape, dtype=torch_dtype))
    assert ours_fn(ours) is ours  # in place, returned, no error on a leaf that requires grad
    theirs_fn(theirs)
    _same(ours, theirs, ulps if torch_dtype is torch.float32 else 0)
    assert ours.is_leaf and ours.requires_grad
    _same(mg.rand(3), torch.rand(3))  # the generators stay in step


def test_trunc_normal_far_in_a_tail_accepts_and_rejects():
    # [a, b] holding little of the mass takes PyTorch's accept-reject path.
    mg.manual_seed(2)
    torch.manual_seed(2)
    ours = init.trunc_normal_(mg.empty(50, 40), mean=0.0, std=1.0, a=1.5, b=3.0)
    theirs = torch.nn.init.trunc_normal_(torch.empty(50, 40), mean=0.0, std=1.0, a=1.5, b=3.0)
    assert ((ours._data >= 1.5) & (ours._data <= 3.0)).all()
    # PyTorch's log of a float differs from numpy's in the last bit now and then, which
    # can flip an acceptance: nearly all values agree.
    assert (ours._data == theirs.numpy()).mean() > 0.99


def test_a_generator_argument_is_used():
    ours, theirs = mg.empty(6, 7), torch.empty(6, 7)
    init.kaiming_uniform_(ours, generator=mg.Generator().manual_seed(3))
    torch.nn.init.kaiming_uniform_(theirs, generator=torch.Generator().manual_seed(3))
    _same(ours, theirs)


def test_eye_():
    _same(init.eye_(mg.empty(3, 5)), torch.nn.init.eye_(torch.empty(3, 5)))


@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None)])
def test_calculate_gain(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(
        nonlinearity, param)


def _error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.type, str(info.value)


@pytest.mark.parametrize("call", [
    lambda lib, nn_init: nn_init.calculate_gain("leaky_relu", True),
    lambda lib, nn_init: nn_init.calculate_gain("softmax"),
    lambda lib, nn_init: nn_init.eye_(lib.empty(3)),
    lambda lib, nn_init: nn_init.xavier_uniform_(lib.empty(3)),
    lambda lib, nn_init: nn_init.kaiming_normal_(lib.empty(3, 4), mode="fan_sideways"),
], ids=["bool slope", "unknown nonlinearity", "eye of 1-D", "fan of 1-D", "bad mode"])
def test_errors_are_torchs(call):
    assert _error(lambda: call(mg, init)) == _error(lambda: call(torch, torch.nn.init))


def test_zero_element_tensors_warn_and_stay():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        init.kaiming_uniform_(mg.empty(0, 3))
    assert [str(w.message) for w in caught] == ["Initializing zero-element tensors is a no-op"]


@pytest.mark.parametrize("seed", [0, 1, 77])
@pytest.mark.parametrize("features", [(1, 1), (3, 4), (20, 17), (784, 128), (5, 1)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_starts_from_torchs_weights(seed, features, bias):
    mg.manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = mg.nn.Linear(*features, bias=bias), torch.nn.Linear(*features, bias=bias)
    _same(ours.weight, theirs.weight)
    assert (ours.bias is None) == (theirs.bias is None)
    if bias:
        _same(ours.bias, theirs.bias)
    _same(mg.randn(20), torch.randn(20))


def test_a_small_network_starts_as_torchs():
    mg.manual_seed(0)
    torch.manual_seed(0)
    ours = mg.nn.Sequential(mg.nn.Linear(2, 16), mg.nn.Tanh(), mg.nn.Linear(16, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    for a, b in zip(ours.parameters(), theirs.parameters()):
        _same(a, b)
    x = np.random.default_rng(0).random((5, 2)).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).detach()._data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)
