"""autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) and gradcheck.

Reference values are derived by hand and hold for micrograd_nb and PyTorch alike (the
``lib`` fixture runs them on both); other results are compared with finite differences
in float64 and, where torch is installed, with torch.autograd itself."""

import re

import numpy as np
import pytest

import micrograd_nb as mg
import micrograd_nb.autograd.functional as AF
from micrograd_nb.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck


def f64(lib, data, requires_grad=False):
    return lib.tensor(data, dtype=lib.float64, requires_grad=requires_grad)


def cubic(x):
    """sum(x^3) + x0 x1: grad = 3x^2 + (x1, x0, 0), H = diag(6x) + [[0,1,0],[1,0,0],[0,0,0]]."""
    return (x ** 3).sum() + x[0] * x[1]


X = [1.0, 2.0, 3.0]
GRAD = [5.0, 13.0, 27.0]
HESSIAN = [[6.0, 1.0, 0.0], [1.0, 12.0, 0.0], [0.0, 0.0, 18.0]]


# --- reference numbers, on both libraries -----------------------------------------------

def test_vjp_of_a_scalar_function_is_its_gradient(lib):
    value, g = lib.autograd.functional.vjp(cubic, f64(lib, X))
    assert value.item() == 38.0
    assert g.tolist() == GRAD
    assert not g.requires_grad and not value.requires_grad


def test_hessian_and_its_products(lib):
    F = lib.autograd.functional
    x = f64(lib, X)
    ones = lib.ones(3, dtype=lib.float64)
    assert F.hessian(cubic, x).tolist() == HESSIAN
    assert F.hvp(cubic, x, ones)[1].tolist() == [7.0, 13.0, 18.0]
    assert F.vhp(cubic, x, ones)[1].tolist() == [7.0, 13.0, 18.0]
    e2 = f64(lib, [0.0, 1.0, 0.0])
    assert F.hvp(cubic, x, e2)[1].tolist() == [1.0, 12.0, 0.0]
    grad_fn = lambda x: lib.autograd.grad(cubic(x), x, create_graph=True)[0]
    assert F.jacobian(grad_fn, x).tolist() == HESSIAN


def test_jacobian_and_jvp_of_a_vector_function(lib):
    F = lib.autograd.functional
    x = f64(lib, X)
    square_then_sum = lambda x: x * x
    assert F.jacobian(square_then_sum, x).tolist() == [[2.0, 0, 0], [0, 4.0, 0], [0, 0, 6.0]]
    out, jv = F.jvp(square_then_sum, x, f64(lib, [1.0, 0.0, -1.0]))
    assert out.tolist() == [1.0, 4.0, 9.0] and jv.tolist() == [2.0, 0.0, -6.0]
    out, vj = F.vjp(square_then_sum, x, f64(lib, [1.0, 0.0, -1.0]))
    assert vj.tolist() == [2.0, 0.0, -6.0]


def test_return_structures(lib):
    F = lib.autograd.functional
    x, y = f64(lib, [1.0, 2.0]), f64(lib, [3.0, 4.0, 5.0])
    one_in_one_out = F.jacobian(lambda a: a * 2, x)
    assert isinstance(one_in_one_out, lib.Tensor) and tuple(one_in_one_out.shape) == (2, 2)
    two_in = F.jacobian(lambda a, b: a.sum() * b, (x, y))
    assert isinstance(two_in, tuple) and [tuple(j.shape) for j in two_in] == [(3, 2), (3, 3)]
    two_out = F.jacobian(lambda a: (a * 2, a.sum()), x)
    assert [tuple(j.shape) for j in two_out] == [(2, 2), (2,)]
    both = F.jacobian(lambda a, b: (a * 2, b.sum()), (x, y))
    assert [[tuple(j.shape) for j in row] for row in both] == [[(2, 2), (2, 3)], [(2,), (3,)]]
    assert both[0][1].tolist() == [[0.0] * 3] * 2  # unused input: zeros, not None
    one_tuple = F.jacobian(lambda a: a * 2, (x,))
    assert isinstance(one_tuple, tuple) and len(one_tuple) == 1
    h = F.hessian(lambda a, b: (a.sum() * b).sum(), (x, y))
    assert [[tuple(j.shape) for j in row] for row in h] == [[(2, 2), (2, 3)], [(3, 2), (3, 3)]]
    assert h[0][1].tolist() == [[1.0] * 3] * 2
    value, vj = F.vjp(lambda a, b: a.sum() * b.sum(), (x, y))
    assert isinstance(vj, tuple) and [v.tolist() for v in vj] == [[12.0, 12.0], [3.0] * 3]
    value, jv = F.jvp(lambda a: (a.sum(), a * 3), x, f64(lib, [1.0, 1.0]))
    assert isinstance(value, tuple) and [j.tolist() for j in jv] == [2.0, [3.0, 3.0]]
    matrix = F.jacobian(lambda m: m.sum(1), f64(lib, [[1.0, 2.0], [3.0, 4.0]]))
    assert tuple(matrix.shape) == (2, 2, 2)


def test_create_graph_gives_differentiable_results(lib):
    F = lib.autograd.functional
    x = f64(lib, X, requires_grad=True)
    jac = F.jacobian(lambda x: x ** 3, x, create_graph=True)
    assert jac.requires_grad
    jac.sum().backward()  # d/dx sum(diag(3x^2)) = 6x
    assert x.grad.tolist() == [6.0, 12.0, 18.0]
    assert not F.jacobian(lambda x: x ** 3, x).requires_grad
    value, g = F.vjp(cubic, x, create_graph=True)
    assert value.requires_grad and g.requires_grad
    (h,) = lib.autograd.grad(g[2], x)
    assert h.tolist() == [0.0, 0.0, 18.0]


def test_grad_mode_is_left_as_found(lib):
    F = lib.autograd.functional
    x = f64(lib, X)
    F.vjp(cubic, x, create_graph=True)
    F.hvp(cubic, x, lib.ones(3, dtype=lib.float64))
    assert lib.is_grad_enabled()
    with lib.no_grad():
        _, g = F.vjp(cubic, x)
        assert not lib.is_grad_enabled()
    assert g.tolist() == GRAD and lib.is_grad_enabled()


STRICT_CASES = [
    ("jacobian", lambda F, x: F.jacobian(lambda a: x.detach() * 2, x, strict=True),
     "Output 0 of the user-provided function does not require gradients. The outputs must be "
     "computed in a differentiable manner from the input when running in strict mode."),
    ("vjp", lambda F, x: F.vjp(lambda a, b: a * 2, (x, x), x, strict=True),
     "The output of the user-provided function is independent of input 1. This is not "
     "allowed in strict mode."),
    ("hessian", lambda F, x: F.hessian(lambda a: (a * 2).sum(), x, strict=True),
     "While computing the hessian, found that the jacobian of the user-provided function "
     "with respect to input 0 is independent of the input. This is not allowed in strict "
     "mode. You should ensure that your function is twice differentiable and that the "
     "jacobian depends on the inputs (this would be violated by a linear function for "
     "example)."),
    ("jacobian-vectorize", lambda F, x: F.jacobian(lambda a: a, x, strict=True, vectorize=True),
     "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
     "supported together. Please either set `strict=False` or `vectorize=False`."),
    ("v-size", lambda F, x: F.vjp(lambda a: a * 2, x, x[:2]),
     "v has invalid size: should be {size3} but got {size2}."),
    ("v-missing", lambda F, x: F.jvp(lambda a: a * 2, x),
     "The vector v can only be None if the input to the user-provided function is a single "
     "Tensor with a single element."),
    ("v-count", lambda F, x: F.jvp(lambda a, b: a * b, (x, x), (x,)),
     "v is a tuple of invalid length: should be 2 but got 1."),
    ("hvp-output", lambda F, x: F.hvp(lambda a: a * 2, x, x),
     "The Tensor returned by the function given to hvp should contain a single element"),
]


@pytest.mark.parametrize("name,call,text", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_errors(lib, name, call, text):
    size = "torch.Size" if lib.__name__ == "torch" else "micrograd_nb.Size"
    text = text.format(size3=f"{size}([3])", size2=f"{size}([2])")
    x = f64(lib, X)
    with pytest.raises(RuntimeError, match="^" + re.escape(text) + "$"):
        call(lib.autograd.functional, x)


def test_type_errors(lib):
    with pytest.raises(TypeError, match="^The inputs given to jacobian must be either a Tensor "
                                        "or a tuple of Tensors but the value at index 1 has type"):
        lib.autograd.functional.jacobian(lambda a, b: a, (f64(lib, X), 2.0))


def test_forward_mode_strategy_needs_vectorize(lib):
    F = lib.autograd.functional
    x = f64(lib, X)
    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        F.jacobian(lambda a: a * 2, x, strategy="forward-mode")
    jac = F.jacobian(lambda a: a * 2, x, vectorize=True, strategy="forward-mode")
    assert jac.tolist() == [[2.0, 0, 0], [0, 2.0, 0], [0, 0, 2.0]]
    assert F.hessian(cubic, x, vectorize=True).tolist() == HESSIAN


# --- finite differences -----------------------------------------------------------------

def finite_difference_jacobian(fn, x, eps=1e-6):
    """Central differences on numpy: (out.size, x.size)."""
    base = x.astype(np.float64)
    columns = []
    for i in range(base.size):
        step = np.zeros_like(base)
        step.flat[i] = eps
        columns.append((fn(base + step) - fn(base - step)).ravel() / (2 * eps))
    return np.stack(columns, axis=1)


def test_jacobian_and_jvp_match_finite_differences():
    def f(x):
        return (x.exp() * x[0]).tanh() + (x * x).sum()

    def f_np(x):
        return np.tanh(np.exp(x) * x[0]) + (x * x).sum()

    x0 = np.array([0.3, -0.2, 0.5, 0.1])
    expected = finite_difference_jacobian(f_np, x0)
    jac = AF.jacobian(f, f64(mg, x0)).numpy()
    np.testing.assert_allclose(jac, expected, rtol=1e-6, atol=1e-8)
    v = np.array([1.0, -2.0, 0.5, 3.0])
    _, jv = AF.jvp(f, f64(mg, x0), f64(mg, v))
    np.testing.assert_allclose(jv.numpy(), expected @ v, rtol=1e-6, atol=1e-8)
    _, vj = AF.vjp(f, f64(mg, x0), f64(mg, v))
    np.testing.assert_allclose(vj.numpy(), v @ expected, rtol=1e-6, atol=1e-8)


def test_hessian_matches_finite_differences_of_the_gradient():
    def f(x):
        return (x.tanh() * x[0]).sum() + (x ** 4).sum()

    def grad_np(x):
        t = np.tanh(x)
        g = x[0] * (1 - t * t) + 4 * x ** 3
        g[0] += t.sum()
        return g

    x0 = np.array([0.7, -0.4, 0.2])
    expected = finite_difference_jacobian(grad_np, x0)
    np.testing.assert_allclose(AF.hessian(f, f64(mg, x0)).numpy(), expected, rtol=1e-6)
    v = np.array([0.5, 1.0, -1.0])
    np.testing.assert_allclose(AF.hvp(f, f64(mg, x0), f64(mg, v))[1].numpy(), expected @ v,
                               rtol=1e-6)


# --- against torch.autograd.functional ----------------------------------------------------

FUNCTIONS = {
    "softmax-matvec": (lambda m, v: (m @ v).softmax(0), [(3, 2), (2,)]),
    "log-sum-exp": (lambda x: x.exp().sum().log(), [(4,)]),
    "pair": (lambda a, b: (a * b.sum(), (a ** 2).mean()), [(3,), (2,)]),
    "matrix": (lambda m: (m @ m.T).tanh(), [(2, 3)]),
}


def _inputs(lib, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(f64(lib, rng.uniform(0.2, 1.0, size=s)) for s in shapes)


def _same(ours, theirs):
    if isinstance(ours, tuple):
        assert isinstance(theirs, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jacobian_vjp_jvp_match_torch(torch, name):
    fn, shapes = FUNCTIONS[name]
    ours_in, torch_in = _inputs(mg, shapes), _inputs(torch, shapes)
    TF = torch.autograd.functional
    _same(AF.jacobian(fn, ours_in), TF.jacobian(fn, torch_in))
    ours_out = fn(*ours_in)
    n_out = len(ours_out) if isinstance(ours_out, tuple) else 1
    out_shapes = [o.shape for o in (ours_out if isinstance(ours_out, tuple) else (ours_out,))]
    v_out = _inputs(mg, out_shapes, seed=1)
    tv_out = _inputs(torch, [tuple(s) for s in out_shapes], seed=1)
    v_out, tv_out = (v_out, tv_out) if n_out > 1 else (v_out[0], tv_out[0])
    _same(AF.vjp(fn, ours_in, v_out), TF.vjp(fn, torch_in, tv_out))
    v_in, tv_in = _inputs(mg, shapes, seed=2), _inputs(torch, shapes, seed=2)
    _same(AF.jvp(fn, ours_in, v_in), TF.jvp(fn, torch_in, tv_in))


@pytest.mark.parametrize("name", ["log-sum-exp", "softmax-matvec", "matrix"])
def test_hessian_hvp_vhp_match_torch(torch, name):
    fn, shapes = FUNCTIONS[name]
    scalar = lambda *xs: (fn(*xs) ** 2).sum()
    ours_in, torch_in = _inputs(mg, shapes), _inputs(torch, shapes)
    TF = torch.autograd.functional
    _same(AF.hessian(scalar, ours_in), TF.hessian(scalar, torch_in))
    v, tv = _inputs(mg, shapes, seed=3), _inputs(torch, shapes, seed=3)
    _same(AF.hvp(scalar, ours_in, v), TF.hvp(scalar, torch_in, tv))
    _same(AF.vhp(scalar, ours_in, v), TF.vhp(scalar, torch_in, tv))


# --- gradcheck ----------------------------------------------------------------------------

def leaf(data):
    return f64(mg, data, requires_grad=True)


def wrong_square(x):
    """x^2 in value, but the gradient only flows through one factor: x, not 2x."""
    return x * x.detach()


def right_first_wrong_second(x):
    """x^3 with the correct first derivative 3x^2 held as a constant: the second
    derivative autograd sees is 0."""
    xd = x.detach()
    return xd ** 3 + 3 * xd ** 2 * (x - xd)


@pytest.mark.parametrize("fn,inputs", [
    (lambda x: (x ** 3).tanh(), ([0.3, -0.8, 1.2],)),
    (lambda x, y: (x @ y).softmax(0), ([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], [1.0, -1.0])),
    (lambda x, y: (x / y, (x * y).sum()), ([1.0, 2.0], [3.0, -0.5])),
    (lambda x: x[1:].exp().log_softmax(0), ([0.2, 0.1, -0.3],)),
    (lambda x: x.reshape(2, 2).T.sum(0) * x.mean(), ([1.0, 2.0, 3.0, 4.0],)),
])
def test_gradcheck_and_gradgradcheck_pass_on_correct_functions(fn, inputs):
    tensors = tuple(leaf(x) for x in inputs)
    assert gradcheck(fn, tensors) is True
    assert gradgradcheck(fn, tensors) is True


def test_gradcheck_reports_a_wrong_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(GradcheckError) as caught:
        gradcheck(wrong_square, (x,))
    assert str(caught.value) == (
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[2.0000, 0.0000],\n        [0.0000, 4.0000]], "
        "dtype=micrograd_nb.float64)\n"
        "analytical:tensor([[1., 0.],\n        [0., 2.]], dtype=micrograd_nb.float64)\n"
    )
    assert isinstance(caught.value, RuntimeError)
    assert gradcheck(wrong_square, (x,), raise_exception=False) is False
    assert x.tolist() == [1.0, 2.0]  # perturbations undone


def test_gradcheck_names_the_output_and_input():
    x, y = leaf([1.0]), leaf([2.0])
    with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 1 with respect to "
                                             "input 1,"):
        gradcheck(lambda a, b: (a * b, a + wrong_square(b)), (x, y))


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = leaf([1.0, 2.0])
    assert gradcheck(right_first_wrong_second, (x,))
    go = leaf([1.0, 1.0])
    with pytest.raises(GradcheckError, match=re.escape(
            "Jacobian mismatch for output 0 with respect to input 0,\n"
            "numerical:tensor([[ 6.0000,  0.0000],\n        [ 0.0000, 12.0000]]")):
        gradgradcheck(right_first_wrong_second, (x,), (go,))


def test_gradcheck_input_checks():
    with pytest.raises(ValueError, match="^gradcheck expects at least one input tensor to "
                                         "require gradient, but none of them have "
                                         "requires_grad=True.$"):
        gradcheck(lambda x: x * 2, (mg.ones(2),))
    with pytest.warns(UserWarning, match=re.escape(
            "Input #0 requires gradient and is not a double precision floating point or "
            "complex. This check will likely fail if all the inputs are not of double "
            "precision floating point or complex. ")):
        # float32 finite differences with eps=1e-6 are too coarse: PyTorch fails here too.
        assert not gradcheck(lambda x: x * 2, (mg.ones(2, requires_grad=True),),
                             raise_exception=False)
    with pytest.warns(UserWarning, match="Input #1 requires gradient"):
        assert gradcheck(lambda x, y: x * y, (leaf([2.0]), mg.ones(1, requires_grad=True)),
                         eps=1e-2, atol=1e-3)


def test_gradcheck_with_outputs_that_need_no_grad():
    x = leaf([1.0, 2.0])
    assert gradcheck(lambda a: a.detach() * 0, (x,))
    with pytest.raises(GradcheckError,
                       match="^Numerical gradient for function expected to be zero$"):
        gradcheck(lambda a: a.detach() * 2, (x,))


def test_gradcheck_detects_backward_not_scaled_by_grad_output():
    x = leaf([1.0, 2.0])

    def ignores_grad_output(a):
        out = a * 1.0
        out.register_hook(lambda g: mg.ones_like(g))
        return out

    with pytest.raises(GradcheckError, match="^backward not multiplied by grad_output$"):
        gradcheck(ignores_grad_output, (x,), atol=10)


def test_gradcheck_agrees_with_torch(torch):
    def wrong(x):
        return x * x.detach()

    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as caught:
        torch.autograd.gradcheck(wrong, (x,))
    with pytest.raises(GradcheckError) as ours:
        gradcheck(wrong, (leaf([1.0, 2.0]),))
    assert str(ours.value) == str(caught.value).replace("torch.float64", "micrograd_nb.float64")
    assert torch.autograd.gradcheck(right_first_wrong_second, (x,))
    go = torch.ones(2, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to "
                                           "input 0"):
        torch.autograd.gradgradcheck(right_first_wrong_second, (x,), (go,))
