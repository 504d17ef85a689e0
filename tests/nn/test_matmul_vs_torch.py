"""``matmul`` records PyTorch 2.13's graph for every pair of ranks, every choice of which
operand requires grad, and layouts that decide between folding to ``mm`` and ``bmm``;
values and gradients (first and second order) agree with PyTorch's."""

import numpy as np
import pytest

import micrograd_nb as mg

RNG = np.random.default_rng(7)

SHAPES = [
    ((5, 2, 4), (4, 3)), ((2, 3, 2, 4), (4, 3)), ((5, 2, 4), (4,)), ((2, 3, 2, 4), (4,)),
    ((4, 3), (5, 3, 2)), ((2, 4), (3, 4, 5)), ((4,), (5, 4, 2)), ((3,), (2, 3, 3, 2)),
    ((5, 2, 4), (5, 4, 3)), ((1, 2, 4), (5, 4, 3)), ((5, 2, 4), (1, 4, 3)),
    ((2, 1, 2, 4), (3, 4, 3)), ((5, 2, 4), (2, 1, 4, 3)), ((0, 2, 4), (4, 3)),
    ((3, 4), (4,)), ((4,), (4, 3)), ((4,), (4,)), ((2, 4), (4, 3)),
]
GRADS = [(True, True), (True, False), (False, True)]

# Layouts: (shape of the array made, the permutation taken of it).
LAYOUTS = [
    ((2, 4, 5), (1, 0, 2)),  # batch dims not mergeable: bmm
    ((2, 4, 5), (0, 2, 1)),  # last two swapped: bmm
    ((4, 2, 3), (1, 2, 0)),  # batch and rows mergeable, columns strided: folded
]


def _tree(node):
    if node is None:
        return None
    return (node.name().rsplit("::", 1)[-1], [_tree(child) for child, _ in node.next_functions])


def _run(lib, arrays, grads, permute=None):
    leaves = [lib.tensor(x, dtype=lib.float64, requires_grad=g) for x, g in zip(arrays, grads)]
    a, b = leaves
    if permute is not None:
        a = a.permute(*permute)
    out = a @ b
    wanted = [t for t in leaves if t.requires_grad]
    v = lib.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)),
                   dtype=lib.float64)
    first = lib.autograd.grad((out * out * v).sum(), wanted, create_graph=True)
    second = lib.autograd.grad(sum((g * g).sum() for g in first), wanted, allow_unused=True)
    return (_tree(out.grad_fn), out.detach().numpy(), [g.detach().numpy() for g in first],
            [None if g is None else g.numpy() for g in second])


def _compare(torch, arrays, grads, permute=None):
    ours, theirs = _run(mg, arrays, grads, permute), _run(torch, arrays, grads, permute)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-14)
    for mine, expected in zip(ours[2] + ours[3], theirs[2] + theirs[3]):
        assert (mine is None) == (expected is None)
        if mine is not None:
            np.testing.assert_allclose(mine, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("grads", GRADS, ids=["both", "left", "right"])
@pytest.mark.parametrize(("a_shape", "b_shape"), SHAPES, ids=str)
def test_matmul_records_torchs_graph(torch, a_shape, b_shape, grads):
    _compare(torch, [RNG.normal(size=a_shape), RNG.normal(size=b_shape)], grads)


@pytest.mark.parametrize("grads", GRADS, ids=["both", "left", "right"])
@pytest.mark.parametrize(("made", "permute"), LAYOUTS, ids=str)
def test_the_layout_decides_between_mm_and_bmm(torch, made, permute, grads):
    shape = tuple(made[d] for d in permute)
    _compare(torch, [RNG.normal(size=made), RNG.normal(size=(shape[-1], 3))], grads, permute)


def test_a_matmul_without_grad_records_nothing():
    a, b = mg.randn(5, 2, 4), mg.randn(4, 3)
    out = a @ b
    assert out.grad_fn is None
    np.testing.assert_allclose(out.numpy(), a.numpy() @ b.numpy(), rtol=1e-6)


REFUSED = [
    ((5, 2, 4), (3, 3)), ((2, 4), (3, 5, 5)), ((5, 2, 4), (3,)), ((4,), (5, 3, 2)),
    ((5, 2, 4), (5, 3, 3)), ((1, 2, 4), (5, 3, 3)), ((5, 2, 4), (3, 4, 3)), ((3,), (4,)),
    ((2, 3), (4,)), ((3,), (4, 2)), ((2, 3), (4, 2)), ((), (3,)),
]


def _refusal(lib, a_shape, b_shape, grads, dtypes):
    a = lib.zeros(a_shape, dtype=getattr(lib, dtypes[0]), requires_grad=grads[0])
    b = lib.zeros(b_shape, dtype=getattr(lib, dtypes[1]), requires_grad=grads[1])
    with pytest.raises(Exception) as caught:
        a @ b
    return type(caught.value), str(caught.value)


@pytest.mark.parametrize("grads", [(True, True), (False, False)], ids=["grad", "no-grad"])
@pytest.mark.parametrize(("a_shape", "b_shape"), REFUSED, ids=str)
def test_sizes_are_refused_in_the_words_of_the_kernel_reached(torch, a_shape, b_shape, grads):
    dtypes = ("float64", "float64")
    assert (_refusal(mg, a_shape, b_shape, grads, dtypes)
            == _refusal(torch, a_shape, b_shape, grads, dtypes))


@pytest.mark.parametrize("grads", [(True, False), (False, False)], ids=["grad", "no-grad"])
@pytest.mark.parametrize(("a_shape", "b_shape"), [s for s in SHAPES if 0 not in s[0]], ids=str)
def test_dtypes_are_refused_in_the_words_of_the_kernel_reached(torch, a_shape, b_shape, grads):
    dtypes = ("float64", "float32")
    assert (_refusal(mg, a_shape, b_shape, grads, dtypes)
            == _refusal(torch, a_shape, b_shape, grads, dtypes))
