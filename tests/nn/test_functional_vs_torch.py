"""``nn.functional`` against ``torch.nn.functional``: every loss with every reduction
and option, every activation; values, first and second derivatives (float64), and the
graph each records, node for node."""

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.nn import functional as F

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(size=(5, 4)) * 2
LOGITS_3D = RNG.normal(size=(3, 4, 2))
PROBS = 1 / (1 + np.exp(-RNG.normal(size=(5, 4))))
TARGET_PROBS = RNG.uniform(size=(5, 4))
SOFT_TARGET = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)
REGRESSION = RNG.normal(size=(5, 4)) * 2
CLASSES = np.array([0, 3, 1, 3, 2])
CLASSES_IGNORED = np.array([0, -100, 1, 3, -100])
CLASSES_3D = np.array([[0, 3], [1, 1], [2, 0]])
WEIGHT = np.array([0.5, 2.0, 1.0, 0.25])


def _cases():
    """(id, function name, float inputs, constant arguments, keyword options); the
    floats get gradients, the constants (class indices, weights) do not."""
    cases = []
    for reduction in ("mean", "sum", "none"):
        r = {"reduction": reduction}
        cases += [
            ("mse", "mse_loss", [REGRESSION, TARGET_PROBS], [], r),
            ("l1", "l1_loss", [REGRESSION, TARGET_PROBS], [], r),
            ("smooth_l1", "smooth_l1_loss", [REGRESSION, TARGET_PROBS], [], r),
            ("smooth_l1_beta", "smooth_l1_loss", [REGRESSION, TARGET_PROBS], [],
             {**r, "beta": 0.5}),
            ("smooth_l1_beta0", "smooth_l1_loss", [REGRESSION, TARGET_PROBS], [],
             {**r, "beta": 0.0}),
            ("huber", "huber_loss", [REGRESSION, TARGET_PROBS], [], r),
            ("huber_delta", "huber_loss", [REGRESSION, TARGET_PROBS], [], {**r, "delta": 2.5}),
            ("bce", "binary_cross_entropy", [PROBS, TARGET_PROBS], [], r),
            ("bce_weight", "binary_cross_entropy", [PROBS, TARGET_PROBS], [WEIGHT], r),
            ("bce_logits", "binary_cross_entropy_with_logits", [LOGITS, TARGET_PROBS], [], r),
            ("bce_logits_weight", "binary_cross_entropy_with_logits", [LOGITS, TARGET_PROBS],
             [WEIGHT], r),
            ("bce_logits_pos_weight", "binary_cross_entropy_with_logits",
             [LOGITS, TARGET_PROBS], [None], {**r, "pos_weight": WEIGHT}),
            ("nll", "nll_loss", [LOGITS], [CLASSES], r),
            ("nll_weight_ignore", "nll_loss", [LOGITS], [CLASSES_IGNORED, WEIGHT], r),
            ("nll_3d", "nll_loss", [LOGITS_3D], [CLASSES_3D], r),
            ("ce", "cross_entropy", [LOGITS], [CLASSES], r),
            ("ce_weight", "cross_entropy", [LOGITS], [CLASSES, WEIGHT], r),
            ("ce_ignore", "cross_entropy", [LOGITS], [CLASSES_IGNORED], r),
            ("ce_ignore_other", "cross_entropy", [LOGITS], [CLASSES], {**r, "ignore_index": 3}),
            ("ce_smoothing", "cross_entropy", [LOGITS], [CLASSES],
             {**r, "label_smoothing": 0.2}),
            ("ce_smoothing_weight_ignore", "cross_entropy", [LOGITS], [CLASSES_IGNORED, WEIGHT],
             {**r, "label_smoothing": 0.1}),
            ("ce_3d", "cross_entropy", [LOGITS_3D], [CLASSES_3D], r),
            ("ce_probabilities", "cross_entropy", [LOGITS, SOFT_TARGET], [], r),
            ("ce_probabilities_weight_smoothing", "cross_entropy", [LOGITS, SOFT_TARGET],
             [WEIGHT], {**r, "label_smoothing": 0.3}),
        ]
    return [pytest.param(*case, id=f"{case[0]}-{case[4]['reduction']}") for case in cases]


CASES = _cases()

ACTIVATIONS = [
    ("relu", {}), ("tanh", {}), ("sigmoid", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
    ("silu", {}), ("elu", {}), ("elu", {"alpha": 0.5}), ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.2}), ("softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 1.0}), ("hardtanh", {}),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("softmax", {"dim": 1}),
    ("log_softmax", {"dim": 0}),
]


def _tensors(lib, floats, constants):
    inputs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in floats]
    fixed = []
    for c in constants:
        if c is None:
            fixed.append(None)
        elif c.dtype.kind == "i":
            fixed.append(lib.tensor(c))
        else:
            fixed.append(lib.tensor(c, dtype=lib.float64))
    return inputs, fixed


def _call(lib, functional, name, floats, constants, options):
    inputs, fixed = _tensors(lib, floats, constants)
    options = {k: (lib.tensor(v, dtype=lib.float64) if isinstance(v, np.ndarray) else v)
               for k, v in options.items()}
    return inputs, getattr(functional, name)(*inputs, *fixed, **options)


def _tree(node):
    """A node and everything under it, by PyTorch's names (leaves as AccumulateGrad)."""
    if node is None:
        return None
    name = type(node).__name__ if not hasattr(node, "name") else node.name()
    name = name.rsplit("::", 1)[-1]
    return (name, [_tree(child) for child, _ in node.next_functions])


def _first_and_second(lib, inputs, output):
    """d(sum(output * v))/d inputs, and d(sum(those * u))/d inputs (create_graph)."""
    v = lib.tensor(np.linspace(0.5, 1.5, int(np.prod(output.shape))).reshape(tuple(output.shape)),
                   dtype=lib.float64)
    grads = lib.autograd.grad((output * v).sum(), inputs, create_graph=True)
    if not any(g.requires_grad for g in grads):
        # A gradient that does not depend on the inputs (nll_loss is linear): PyTorch
        # still links it to them, this engine does not; the second derivative is 0.
        return [g.detach().numpy() for g in grads], [None] * len(inputs)
    total = sum((g * lib.tensor(np.cos(np.arange(int(np.prod(g.shape)))).reshape(
        tuple(g.shape)), dtype=lib.float64)).sum() for g in grads)
    second = lib.autograd.grad(total, inputs, allow_unused=True)
    return ([g.detach().numpy() for g in grads],
            [None if s is None else s.detach().numpy(force=True) for s in second])


@pytest.mark.parametrize(("case", "name", "floats", "constants", "options"), CASES)
def test_loss_values_gradients_and_second_order_match_torch(torch, case, name, floats,
                                                            constants, options):
    ours_in, ours = _call(mg, F, name, floats, constants, options)
    their_in, theirs = _call(torch, torch.nn.functional, name, floats, constants, options)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    (ours_g, ours_gg), (their_g, their_gg) = (_first_and_second(mg, ours_in, ours),
                                              _first_and_second(torch, their_in, theirs))
    for a, b in zip(ours_g, their_g):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    for a, b in zip(ours_gg, their_gg):
        # PyTorch's double-backward formulas are arranged differently: a few ulps more.
        np.testing.assert_allclose(0 if a is None else a, 0 if b is None else b,
                                   rtol=1e-7, atol=1e-11)


@pytest.mark.parametrize(("case", "name", "floats", "constants", "options"), CASES)
def test_loss_graph_has_torchs_node_names(torch, case, name, floats, constants, options):
    _, ours = _call(mg, F, name, floats, constants, options)
    _, theirs = _call(torch, torch.nn.functional, name, floats, constants, options)
    assert _tree(ours.grad_fn) == _tree(theirs.grad_fn)


@pytest.mark.parametrize(("name", "options"), ACTIVATIONS, ids=str)
def test_activations_match_torch(torch, name, options):
    x = np.concatenate([LOGITS.ravel(), [0.0, 1.0, -1.0, 25.0, -25.0]]).reshape(5, 5)
    ours_in, ours = _call(mg, F, name, [x], [], options)
    their_in, theirs = _call(torch, torch.nn.functional, name, [x], [], options)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12,
                               atol=1e-15)
    assert _tree(ours.grad_fn) == _tree(theirs.grad_fn)
    ours_g, _ = _first_and_second(mg, ours_in, ours)
    their_g, _ = _first_and_second(torch, their_in, theirs)
    np.testing.assert_allclose(ours_g[0], their_g[0], rtol=1e-10, atol=1e-13)
    # Second order away from the kinks (at 0 the one-sided rules may differ).
    ours_in, ours = _call(mg, F, name, [LOGITS], [], options)
    their_in, theirs = _call(torch, torch.nn.functional, name, [LOGITS], [], options)
    _, ours_gg = _first_and_second(mg, ours_in, ours)
    _, their_gg = _first_and_second(torch, their_in, theirs)
    np.testing.assert_allclose(0 if ours_gg[0] is None else ours_gg[0],
                               0 if their_gg[0] is None else their_gg[0], rtol=1e-8, atol=1e-11)


@pytest.mark.parametrize(("shape", "bias"), [
    ((4,), True), ((2, 4), True), ((5, 2, 4), True), ((2, 3, 2, 4), True),
    ((4,), False), ((2, 4), False), ((5, 2, 4), False), ((2, 3, 2, 4), False),
])
def test_linear_records_torchs_nodes(torch, shape, bias):
    x = RNG.normal(size=shape)
    w, b = RNG.normal(size=(3, 4)), RNG.normal(size=3)
    results = []
    for lib, functional in ((mg, F), (torch, torch.nn.functional)):
        inputs, _ = _tensors(lib, [x, w, b], [])
        out = functional.linear(inputs[0], inputs[1], inputs[2] if bias else None)
        out.sum().backward()
        results.append((_tree(out.grad_fn), out.detach().numpy(),
                        [t.grad.numpy() for t in inputs[: 3 if bias else 2]]))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
    for a, b in zip(results[0][2], results[1][2]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_embedding_and_one_hot_match_torch(torch):
    weight = RNG.normal(size=(6, 3))
    idx = np.array([[1, 2, 1], [0, 5, 2]])
    results = []
    for lib, functional in ((mg, F), (torch, torch.nn.functional)):
        w = lib.tensor(weight, dtype=lib.float64, requires_grad=True)
        out = functional.embedding(lib.tensor(idx), w, padding_idx=2)
        (out * lib.arange(3, dtype=lib.float64)).sum().backward()
        results.append((out.detach().numpy(), w.grad.numpy(), _tree(out.grad_fn),
                        functional.one_hot(lib.tensor([0, 3, 1])).numpy()))
    for a, b in zip(results[0], results[1]):
        if isinstance(a, tuple):
            assert a == b
        else:
            np.testing.assert_array_equal(a, b)


def test_dropout_scales_the_kept_elements_and_records_one_mul(torch):
    x = mg.ones(200, 10, requires_grad=True)
    out = F.dropout(x, 0.25)
    assert _tree(out.grad_fn) == _tree(torch.nn.functional.dropout(
        torch.ones(2, 2, requires_grad=True), 0.25).grad_fn)
    values = np.unique(out.detach().numpy())
    np.testing.assert_allclose(values, [0.0, 1 / 0.75])
    assert 0.2 < (out.detach().numpy() == 0).mean() < 0.3
    assert F.dropout(x, 0.5, training=False) is x and F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).detach().numpy().any()


ERRORS = [
    ("gelu", [LOGITS], [], {"approximate": "exact"}),
    ("dropout", [LOGITS], [], {"p": 1.5}),
    ("smooth_l1_loss", [LOGITS, LOGITS], [], {"beta": -1.0}),
    ("huber_loss", [LOGITS, LOGITS], [], {"delta": 0.0}),
    ("binary_cross_entropy", [PROBS, PROBS[:, 0]], [], {}),
    ("binary_cross_entropy", [LOGITS, PROBS], [], {}),
    ("binary_cross_entropy_with_logits", [LOGITS, PROBS[:, 0]], [], {}),
    ("nll_loss", [LOGITS], [CLASSES, WEIGHT[:2]], {}),
    ("nll_loss", [LOGITS], [CLASSES + 1], {}),
    ("cross_entropy", [LOGITS], [CLASSES], {"label_smoothing": 1.5}),
    ("cross_entropy", [LOGITS], [CLASSES], {"reduction": "avg"}),
]


@pytest.mark.parametrize(("name", "floats", "constants", "options"), ERRORS, ids=str)
def test_errors_match_torch(torch, name, floats, constants, options):
    caught = []
    for lib, functional in ((mg, F), (torch, torch.nn.functional)):
        with pytest.raises(Exception) as info:
            _call(lib, functional, name, floats, constants, options)
        caught.append((type(info.value), str(info.value).replace("torch.", "micrograd_nb.")))
    assert caught[0] == caught[1]


@pytest.mark.parametrize("seed", [0, 7, 1234])
@pytest.mark.parametrize("shape, p, dtype", [((5,), 0.5, "float32"), ((17, 3), 0.1, "float32"),
                                             ((100,), 0.75, "float64"), ((4, 4), 0.3, "float64")])
def test_dropout_masks_are_pytorchs_from_the_same_seed(torch, seed, shape, p, dtype):
    outs = []
    for lib in (mg, torch):
        x = lib.ones(*shape, dtype=getattr(lib, dtype), requires_grad=True)
        lib.manual_seed(seed)
        out = lib.nn.functional.dropout(x, p)
        out.sum().backward()
        outs.append((out.detach().numpy(), x.grad.numpy(), lib.rand(3).numpy()))
    for ours, theirs in zip(*outs):
        np.testing.assert_array_equal(ours, theirs)  # and the generators agree after


def test_inplace_dropout_multiplies_the_input_itself(torch):
    names = []
    for lib in (mg, torch):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 1
        out = lib.nn.functional.dropout(y, 0.5, inplace=True)
        assert out is y
        names.append(_tree(out.grad_fn))
    assert names[0] == names[1]


@pytest.mark.parametrize(("case", "name", "floats", "constants", "options"), CASES)
def test_float32_losses_stay_float32_and_match_torch(torch, case, name, floats, constants,
                                                     options):
    results = []
    for lib, functional in ((mg, F), (torch, torch.nn.functional)):
        inputs = [lib.tensor(a, dtype=lib.float32, requires_grad=True) for a in floats]
        fixed = [None if c is None else lib.tensor(c) if c.dtype.kind == "i"
                 else lib.tensor(c, dtype=lib.float32) for c in constants]
        opts = {k: (lib.tensor(v, dtype=lib.float32) if isinstance(v, np.ndarray) else v)
                for k, v in options.items()}
        out = getattr(functional, name)(*inputs, *fixed, **opts)
        out.sum().backward()
        results.append((str(out.dtype).split(".")[-1], out.detach().numpy(),
                        [str(t.grad.dtype).split(".")[-1] for t in inputs],
                        [t.grad.numpy() for t in inputs]))
    assert results[0][0] == results[1][0] == "float32"
    assert results[0][2] == results[1][2]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=2e-5, atol=1e-6)
    for a, b in zip(results[0][3], results[1][3]):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize(("name", "floats", "constants", "options"), [
    ("binary_cross_entropy_with_logits", [LOGITS, PROBS], [WEIGHT], {}),
    ("binary_cross_entropy_with_logits", [LOGITS, PROBS], [None], {"pos_weight": WEIGHT}),
    ("binary_cross_entropy", [PROBS, PROBS], [WEIGHT], {}),
    ("nll_loss", [LOGITS], [CLASSES, WEIGHT], {}),
    ("cross_entropy", [LOGITS_3D], [CLASSES_3D, WEIGHT], {}),
], ids=str)
def test_weights_that_require_grad_are_refused_as_torch(torch, name, floats, constants,
                                                        options):
    texts = []
    for lib, functional in ((mg, F), (torch, torch.nn.functional)):
        inputs, fixed = _tensors(lib, floats, constants)
        fixed = [None if c is None else c.requires_grad_() if c.is_floating_point() else c
                 for c in fixed]
        opts = {k: lib.tensor(v, dtype=lib.float64, requires_grad=True)
                for k, v in options.items()}
        with pytest.raises(RuntimeError) as info:
            getattr(functional, name)(*inputs, *fixed, **opts)
        texts.append(str(info.value))
    assert texts[0] == texts[1]
