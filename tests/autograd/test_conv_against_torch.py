"""Convolution and pooling against PyTorch: values, first and second order gradients,
node names, errors; gradcheck in float64; the nn layers' weights from a seed and reprs."""

import re

import numpy as np
import pytest

import micrograd_nb as mg
import micrograd_nb.nn.functional as F
from micrograd_nb.autograd import gradcheck, gradgradcheck

X = (2, 4, 9, 8)  # N, C, H, W

# (name, input shapes, our call, torch.nn.functional's name, keyword arguments)
CONV_CASES = [
    ("conv2d", [X, (6, 4, 3, 2), (6,)], {}),
    ("conv2d", [X, (6, 4, 3, 2), (6,)], {"stride": 2}),
    ("conv2d", [X, (6, 4, 3, 3), (6,)], {"padding": 1}),
    ("conv2d", [X, (6, 4, 3, 2), (6,)], {"padding": (2, 1), "dilation": (2, 1)}),
    ("conv2d", [X, (6, 2, 3, 2), (6,)], {"groups": 2}),
    ("conv2d", [X, (6, 2, 3, 2), (6,)], {"stride": (2, 3), "groups": 2, "dilation": 2,
                                         "padding": 1}),
    ("conv2d", [X, (6, 4, 3, 3)], {"padding": "same"}),
    ("conv2d", [X, (6, 4, 2, 4), (6,)], {"padding": "same"}),  # uneven: padded first
    ("conv2d", [X, (6, 4, 3, 2), (6,)], {"padding": "valid"}),
    ("conv2d", [X[1:], (6, 4, 3, 2), (6,)], {}),  # unbatched
    ("conv1d", [X[:3], (6, 4, 3), (6,)], {"stride": 2, "padding": 1}),
    ("conv1d", [X[:3], (4, 1, 3)], {"groups": 4, "dilation": 2}),
    ("max_pool2d", [X], {"kernel_size": 2}),
    ("max_pool2d", [X], {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("max_pool2d", [X], {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    ("max_pool2d", [X], {"kernel_size": (2, 3), "stride": (1, 2), "dilation": (2, 1),
                         "padding": 1}),
    ("max_pool2d", [X[1:]], {"kernel_size": 2}),
    ("avg_pool2d", [X], {"kernel_size": 2}),
    ("avg_pool2d", [X], {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("avg_pool2d", [X], {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool2d", [X], {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                         "count_include_pad": False}),
    ("avg_pool2d", [X], {"kernel_size": (3, 2), "divisor_override": 3, "padding": 1}),
    ("adaptive_avg_pool2d", [X], {"output_size": 3}),
    ("adaptive_avg_pool2d", [X], {"output_size": (4, 5)}),
    ("adaptive_avg_pool2d", [X], {"output_size": (None, 3)}),
    ("adaptive_avg_pool2d", [X], {"output_size": (10, 11)}),
    ("adaptive_avg_pool2d", [X], {"output_size": 1}),
]


# An empty batch goes through, as in PyTorch.
EMPTY_BATCH_CASES = [
    ("conv2d", [(0,) + X[1:], (6, 4, 3, 2), (6,)], {"padding": 1}),
    ("max_pool2d", [(0,) + X[1:]], {"kernel_size": 2}),
    ("avg_pool2d", [(0,) + X[1:]], {"kernel_size": 2}),
    ("adaptive_avg_pool2d", [(0,) + X[1:]], {"output_size": 3}),
]


def _arrays(shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _ids(case):
    name, shapes, kwargs = case
    return f"{name}-{len(shapes[0])}d-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def _close(ours, theirs, dtype):
    # float32 sums in another order than PyTorch's: an error relative to the largest value.
    expected = theirs.detach().numpy()
    tol = 1e-10 if dtype == np.float64 else 2e-5
    scale = max(1.0, float(np.abs(expected).max())) if expected.size else 1.0
    np.testing.assert_allclose(ours.detach().numpy(), expected, rtol=tol, atol=tol * scale)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV_CASES + EMPTY_BATCH_CASES, ids=_ids)
def test_values_and_gradients_match_torch(torch, case, dtype):
    name, shapes, kwargs = case
    arrays = _arrays(shapes, dtype)
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = getattr(F, name)(*ours, **kwargs), getattr(torch.nn.functional, name)(*theirs,
                                                                                   **kwargs)
    assert tuple(y.shape) == tuple(yt.shape)
    assert y.dtype.scalar_type == str(yt.dtype).removeprefix("torch.").capitalize() or (
        y.dtype.numpy == dtype)
    assert y.grad_fn.name() == yt.grad_fn.name()
    assert len(y.grad_fn.next_functions) == len(yt.grad_fn.next_functions)
    _close(y, yt, dtype)
    seed = _arrays([tuple(yt.shape)], dtype, seed=1)[0]
    grads = mg.autograd.grad(y, ours, mg.tensor(seed), create_graph=True)
    grads_t = torch.autograd.grad(yt, theirs, torch.tensor(seed), create_graph=True)
    for g, gt in zip(grads, grads_t):
        _close(g, gt, dtype)
    # Second order: the gradient of the gradients' squared norm (linked to the inputs).
    # The bias' gradient (a sum of g) is a constant here: it adds nothing to the result.
    linked = [(g, gt) for g, gt in zip(grads, grads_t) if gt.requires_grad]
    if not linked:
        return
    ours_linked = [g for g, _ in linked if g.requires_grad]
    assert len(ours_linked) >= min(len(linked), 2)
    total = sum((g * g).sum() for g in ours_linked)
    total_t = sum((gt * gt).sum() for _, gt in linked)
    second = mg.autograd.grad(total, ours, allow_unused=True)
    second_t = torch.autograd.grad(total_t, theirs, allow_unused=True)
    for g, gt in zip(second, second_t):
        if gt is None:
            assert g is None or not g.detach().numpy().any()
        else:
            _close(g, gt, dtype)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", [c for c in CONV_CASES if c[0] != "max_pool2d"], ids=_ids)
def test_gradcheck_in_float64(case):
    name, shapes, kwargs = case
    small = [tuple(min(n, 6) if i >= 2 or len(s) < 4 else n for i, n in enumerate(s))
             if len(s) > 1 and s is shapes[0] else s for s in shapes]
    inputs = [mg.tensor(a, requires_grad=True) for a in _arrays(small, np.float64)]
    fn = lambda *xs: getattr(F, name)(*xs, **kwargs)  # noqa: E731
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_max_pool_gradcheck_away_from_ties():
    # Distinct values, well apart: finite differences do not cross a tie.
    x = mg.tensor(np.random.default_rng(0).permutation(64).reshape(1, 1, 8, 8) / 8.0,
                  requires_grad=True)
    assert gradcheck(lambda t: F.max_pool2d(t, 3, 2, 1), [x])
    assert gradgradcheck(lambda t: F.max_pool2d(t, 3, 2, 1), [x])


def test_max_pool_indices_match_torch(torch):
    a = _arrays([X], np.float32)[0]
    a[0, 0, :2, :2] = np.nan  # a NaN is the maximum of its window, as in PyTorch
    y, indices = F.max_pool2d(mg.tensor(a), 3, 2, 1, return_indices=True, ceil_mode=True)
    yt, indices_t = torch.nn.functional.max_pool2d(torch.tensor(a), 3, 2, 1,
                                                   return_indices=True, ceil_mode=True)
    assert indices.dtype is mg.int64
    np.testing.assert_array_equal(indices.numpy(), indices_t.numpy())
    np.testing.assert_array_equal(y.numpy(), yt.numpy())


# --- errors: the same class and text as PyTorch -------------------------------------------

ERROR_CASES = [
    ("conv2d", [X, (6, 4, 3, 3)], {"padding": "foo"}),
    ("conv2d", [X, (6, 4, 3, 3)], {"padding": "same", "stride": 2}),
    ("conv2d", [(8, 8), (6, 4, 3, 3)], {}),
    ("conv2d", [X, (6, 2, 3, 3)], {}),
    ("conv2d", [X, (6, 4, 3, 3), (5,)], {}),
    ("conv2d", [X, (6, 4, 10, 3)], {}),
    ("conv2d", [X, (5, 2, 3, 3)], {"groups": 2}),
    ("conv2d", [X, (6, 4, 3, 3)], {"groups": 0}),
    ("conv2d", [X, (6, 4, 3, 3)], {"stride": 0}),
    ("conv2d", [X, (6, 4, 3, 3)], {"stride": (1, 2, 3)}),
    ("conv2d", [X, (6, 4, 3, 3)], {"padding": -1}),
    ("max_pool2d", [X], {"kernel_size": 2, "padding": 2}),
    ("max_pool2d", [X], {"kernel_size": 10}),
    ("max_pool2d", [(8, 8)], {"kernel_size": 2}),
    ("max_pool2d", [X], {"kernel_size": 2, "stride": 0}),
    ("max_pool2d", [(2, 0, 4, 4)], {"kernel_size": 2}),
    ("max_pool2d", [(0, 4, 4)], {"kernel_size": 2}),
    ("avg_pool2d", [X], {"kernel_size": 2, "padding": 2}),
    ("avg_pool2d", [X], {"kernel_size": 10}),
    ("avg_pool2d", [(8, 8)], {"kernel_size": 2}),
    ("avg_pool2d", [X], {"kernel_size": 2, "divisor_override": 0}),
    ("adaptive_avg_pool2d", [(8, 8)], {"output_size": 2}),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=_ids)
def test_errors_match_torch(torch, case):
    name, shapes, kwargs = case
    arrays = _arrays(shapes, np.float32)
    with pytest.raises(Exception) as theirs:
        getattr(torch.nn.functional, name)(*map(torch.tensor, arrays), **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        getattr(F, name)(*map(mg.tensor, arrays), **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("bias_dtype", [np.float32, np.float64, None])
def test_dtype_mismatch_matches_torch(torch, bias_dtype):
    x, w, b = _arrays([X, (6, 4, 3, 3), (6,)], np.float64)
    w = w.astype(np.float32)
    b = None if bias_dtype is None else b.astype(bias_dtype)
    tb = None if b is None else torch.tensor(b)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), tb)
    with pytest.raises(RuntimeError, match="") as ours:
        F.conv2d(mg.tensor(x), mg.tensor(w), None if b is None else mg.tensor(b))
    assert str(ours.value) == str(theirs.value)


# --- the layers ---------------------------------------------------------------------------

LAYERS = [
    ("Conv2d", (1, 6, 5), {}),
    ("Conv2d", (3, 6, (3, 5)), {"stride": 2, "padding": 1, "dilation": 2, "groups": 3,
                                "bias": False}),
    ("Conv1d", (2, 4, 3), {"padding": "same"}),
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", ((2, 3),), {"stride": 1, "padding": 1, "return_indices": True,
                              "ceil_mode": True}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True,
                         "count_include_pad": False, "divisor_override": 2}),
    ("AdaptiveAvgPool2d", ((None, 7),), {}),
    ("AdaptiveAvgPool2d", (1,), {}),
]


@pytest.mark.parametrize("name, args, kwargs", LAYERS)
def test_layers_repr_and_parameters_match_torch(torch, name, args, kwargs):
    torch.manual_seed(3)
    mg.manual_seed(3)
    theirs, ours = getattr(torch.nn, name)(*args, **kwargs), getattr(mg.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    named = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(named)
    for n, p in ours.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), named[n].detach().numpy())


def test_lenet_trains_as_torch_does(torch):
    """The blitz tutorial's network: one SGD step gives PyTorch's loss and weights."""
    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                             nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 10))

    results = []
    for lib in (torch, mg):
        lib.manual_seed(0)
        net = build(lib)
        x, target = lib.randn(2, 1, 32, 32), lib.randn(2, 10)
        optimizer = lib.optim.SGD(net.parameters(), lr=0.1)
        losses = []
        for _ in range(2):
            optimizer.zero_grad()
            loss = lib.nn.functional.mse_loss(net(x), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        results.append((losses, [p.detach().numpy().copy() for p in net.parameters()]))
    (losses_t, params_t), (losses, params) = results
    np.testing.assert_allclose(losses, losses_t, rtol=1e-5)
    for p, pt in zip(params, params_t):
        np.testing.assert_allclose(p, pt, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"groups": 0}, {"groups": 4}, {"groups": 3},
                                    {"padding": "foo"}, {"padding": "same", "stride": 2}])
def test_layer_arguments_are_checked_as_torch_does(torch, kwargs):
    with pytest.raises(ValueError) as theirs:
        torch.nn.Conv2d(6, 4, 3, **kwargs)
    with pytest.raises(ValueError) as ours:
        mg.nn.Conv2d(6, 4, 3, **kwargs)
    assert _sets_sorted(str(ours.value)) == _sets_sorted(str(theirs.value))


def _sets_sorted(text):
    """PyTorch prints a Python set of choices: its order changes from run to run."""
    return re.sub(r"\{([^}]*)\}", lambda m: "{" + ", ".join(sorted(m[1].split(", "))) + "}",
                  text)
