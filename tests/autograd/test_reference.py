"""Every behaviour of ../shared/reference/pytorch_autograd.md, on micrograd_nb and on
PyTorch (when installed): the same exception class, the same text, the same numbers."""

import re
import warnings

import numpy as np
import pytest

from micrograd_nb.autograd import errors

from .conftest import message


def ones3(lib):
    return lib.ones(3, requires_grad=True)


def f64(lib, data, requires_grad=True):
    return lib.tensor(data, dtype=lib.float64, requires_grad=requires_grad)


def raises(lib, exc, text):
    return pytest.raises(exc, match="^" + re.escape(message(lib, text)) + "$")


# --- errors ------------------------------------------------------------------------------

def test_implicit_grad_needs_a_scalar_output(lib):
    x = ones3(lib)
    with raises(lib, RuntimeError, errors.NON_SCALAR_OUTPUT):
        (x * 2).backward()
    with raises(lib, RuntimeError, errors.NON_SCALAR_OUTPUT):
        lib.autograd.grad(x * 2, x)
    empty = lib.ones(0, requires_grad=True)
    with raises(lib, RuntimeError, errors.NON_SCALAR_OUTPUT):
        (empty * 2).backward()
    assert x.grad is None


def test_one_element_outputs_of_any_shape_are_scalars(lib):
    x = ones3(lib)
    (x.sum() * lib.ones(1, 1)).backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_backward_twice_through_saved_values(lib):
    x = ones3(lib)
    y = (x * x).sum()
    y.backward()
    with raises(lib, RuntimeError, errors.BACKWARD_TWICE):
        y.backward()


@pytest.mark.parametrize("build", [lambda x: x * 2, lambda x: x.sum() * 3, lambda x: x.exp()])
def test_backward_twice_raises_where_a_node_saved_something(lib, build):
    x = ones3(lib)
    y = build(x).sum()
    y.backward()
    with raises(lib, RuntimeError, errors.BACKWARD_TWICE):
        y.backward()


def test_backward_twice_without_saved_values_accumulates(lib):
    x = ones3(lib)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_output_without_grad_fn(lib):
    text = errors.NO_GRAD_FN.format(index=0)
    with raises(lib, RuntimeError, text):
        lib.ones(3).mul(2).sum().backward()
    x = ones3(lib)
    with raises(lib, RuntimeError, text):
        (x * 2).detach().sum().backward()
    with lib.no_grad():
        y = (x * 2).sum()
    with raises(lib, RuntimeError, text):
        y.backward()
    with raises(lib, RuntimeError, text):
        x.argmax().backward()
    with raises(lib, RuntimeError, errors.NO_GRAD_FN.format(index=1)):
        lib.autograd.backward([x.sum(), lib.ones(3).sum()])
    assert x.grad is None


def test_gradient_shape_must_equal_output_shape(lib):
    x = ones3(lib)
    text = errors.SHAPE_MISMATCH.format(index=0, grad_shape="torch.Size([4])",
                                        output_shape="torch.Size([3])")
    with raises(lib, RuntimeError, text):
        (x * 2).backward(lib.ones(4))
    with raises(lib, RuntimeError, text):
        lib.autograd.grad(x * 2, x, grad_outputs=lib.ones(4))
    scalar = f64(lib, 2.0)
    with raises(lib, RuntimeError, errors.SHAPE_MISMATCH.format(
            index=0, grad_shape="torch.Size([1])", output_shape="torch.Size([])")):
        (scalar * 2).backward(lib.ones(1, dtype=lib.float64))
    assert x.grad is None and scalar.grad is None


def test_count_of_gradients(lib):
    a, b = ones3(lib).sum(), ones3(lib).sum()
    with raises(lib, RuntimeError, errors.COUNT_MISMATCH.format(outputs=2, grads=1)):
        lib.autograd.backward([a, b], [lib.tensor(1.0)])


def test_inplace_change_of_a_saved_output(lib):
    x = ones3(lib)
    c = (x * 2).sigmoid()
    c.add_(1)
    text = errors.MODIFIED_INPLACE.format(
        type_name="torch.FloatTensor", shape="3",
        which=errors.MODIFIED_INPLACE_WHICH.format(op="Sigmoid"), version=1, expected=0)
    with raises(lib, RuntimeError, text):
        c.sum().backward()


def test_inplace_change_of_a_saved_input_names_its_current_grad_fn(lib):
    x = ones3(lib)
    b = x * 2
    c = b * b
    b.add_(1)
    text = errors.MODIFIED_INPLACE.format(
        type_name="torch.FloatTensor", shape="3",
        which=errors.MODIFIED_INPLACE_WHICH.format(op="Add"), version=1, expected=0)
    with raises(lib, RuntimeError, text):
        c.sum().backward()


def test_inplace_change_of_a_leaf_under_no_grad(lib):
    x = ones3(lib)
    y = (x * x).sum()
    with lib.no_grad():
        x.add_(1)
    text = errors.MODIFIED_INPLACE.format(type_name="torch.FloatTensor", shape="3", which="",
                                          version=1, expected=0)
    with raises(lib, RuntimeError, text):
        y.backward()


def test_unused_input(lib):
    x, z = ones3(lib), ones3(lib)
    with raises(lib, RuntimeError, errors.UNUSED_INPUT.format(index=1)):
        lib.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = lib.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0, 2.0] and gz is None
    gx, gz = lib.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
    assert gz.tolist() == [0.0, 0.0, 0.0]


def test_grad_inputs_must_require_grad_and_be_given(lib):
    x = ones3(lib)
    y = (x * 2).sum()
    with raises(lib, RuntimeError, errors.INPUT_NOT_REQUIRING_GRAD):
        lib.autograd.grad(y, [lib.ones(3)])
    with raises(lib, RuntimeError, errors.EMPTY_INPUTS):
        lib.autograd.grad(y, [])


def test_inplace_on_leaves(lib):
    x = ones3(lib)
    with raises(lib, RuntimeError, errors.INPLACE_ON_LEAF):
        x.add_(1)
    with raises(lib, RuntimeError, errors.INPLACE_ON_LEAF_VIEW):
        x[0] = 5
    assert x.tolist() == [1.0, 1.0, 1.0]
    with lib.no_grad():
        x.add_(1)
        x[0] = 5
    assert x.tolist() == [5.0, 2.0, 2.0]


def test_requires_grad_flags(lib):
    x = ones3(lib)
    with raises(lib, RuntimeError, errors.REQUIRES_GRAD_NON_LEAF):
        (x * 2).requires_grad_(False)
    with raises(lib, RuntimeError, errors.CREATE_INT_REQUIRING_GRAD):
        lib.tensor([1, 2], requires_grad=True)
    with raises(lib, RuntimeError, errors.SET_INT_REQUIRING_GRAD):
        lib.tensor([1, 2]).requires_grad_()


def test_numpy_retain_grad_and_hooks_need_the_right_tensor(lib):
    x = ones3(lib)
    with raises(lib, RuntimeError, errors.NUMPY_REQUIRES_GRAD):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0, 1.0]
    with raises(lib, RuntimeError, errors.RETAIN_GRAD_NO_GRAD):
        lib.ones(3).retain_grad()
    with raises(lib, RuntimeError, errors.HOOK_NO_GRAD):
        lib.ones(3).register_hook(lambda g: g)


def test_hook_must_keep_the_size(lib):
    x = ones3(lib)
    y = x * 2
    y.register_hook(lambda g: lib.ones(4))
    with raises(lib, RuntimeError, errors.HOOK_CHANGED_SIZE.format(name="<lambda>")):
        y.sum().backward()


def test_assigned_grad_must_have_the_size(lib):
    x = ones3(lib)
    with raises(lib, RuntimeError, errors.GRAD_ASSIGN_SIZE.format(grad_size="[4]",
                                                                  tensor_size="[3]")):
        x.grad = lib.ones(4)
    assert x.grad is None


def test_optimizer_rejects_non_leaf(lib):
    x = ones3(lib)
    optim = lib.optim if lib.__name__ == "torch" else pytest.importorskip("micrograd_nb.optim")
    with raises(lib, ValueError, errors.OPTIMIZE_NON_LEAF):
        optim.SGD([x * 2], lr=0.1)


def test_anomaly_mode_names_the_node_that_made_nan(lib):
    z = lib.zeros(3, requires_grad=True)
    with lib.autograd.set_detect_anomaly(True), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with raises(lib, RuntimeError, errors.ANOMALY_NAN.format(name="SqrtBackward0", index=0)):
            (lib.sqrt(z) * 0).sum().backward()


def test_reading_grad_of_a_non_leaf_warns(lib):
    x = ones3(lib)
    y = x * 2
    with pytest.warns(UserWarning) as caught:
        assert y.grad is None
    assert without_torch_origin(caught[0].message) == errors.NON_LEAF_GRAD_WARNING


def without_torch_origin(warning):
    """PyTorch appends where in its C++ source a warning came from."""
    return re.sub(r" \(Triggered internally at .*\)$", "", str(warning))


def test_backward_with_create_graph_warns_of_the_cycle(lib, monkeypatch):
    if lib.__name__ == "micrograd_nb":
        monkeypatch.setattr("micrograd_nb.autograd.api._warned_create_graph", False)
    x = ones3(lib)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (x * x).sum().backward(create_graph=True)
    texts = [without_torch_origin(w.message) for w in caught]
    assert errors.CREATE_GRAPH_CYCLE_WARNING in texts or lib.__name__ == "torch"


# --- numbers -----------------------------------------------------------------------------

def test_gradient_argument_is_a_vector_jacobian_product(lib):
    x = f64(lib, [1.0, 2.0, 3.0])
    (x ** 2).backward(gradient=f64(lib, [0.1, 1.0, 10.0], requires_grad=False))
    np.testing.assert_allclose(x.grad.tolist(), [0.2, 4.0, 60.0])

    rng = np.random.default_rng(0)
    w_np, x_np, v_np = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=4)
    W, xv, v = f64(lib, w_np), f64(lib, x_np), f64(lib, v_np, requires_grad=False)
    (W @ xv).backward(gradient=v)
    np.testing.assert_allclose(xv.grad.tolist(), w_np.T @ v_np)
    np.testing.assert_allclose(W.grad.tolist(), np.outer(v_np, x_np))


def test_gradients_accumulate(lib):
    x = f64(lib, 3.0)
    seen = []
    for _ in range(3):
        (x * x).backward()
        seen.append(x.grad.item())
    assert seen == [6.0, 12.0, 18.0]
    x = f64(lib, 3.0)
    y = x ** 3
    y.backward(retain_graph=True)
    first = x.grad.item()
    y.backward()
    assert (first, x.grad.item()) == (27.0, 54.0)


def test_create_graph_and_the_uncleared_grad(lib):
    x = f64(lib, 2.0)
    (x ** 3).backward(create_graph=True)
    g = x.grad
    assert g.item() == 12.0 and g.grad_fn is not None
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0  # 6x

    x = f64(lib, 2.0)
    (x ** 3).backward(create_graph=True)
    x.grad.backward()
    assert x.grad.item() == 24.0  # 12 + 12: the classic bug


def test_grad_chain(lib):
    x = f64(lib, 2.0)
    y = x ** 3
    values = []
    g = y
    for _ in range(3):
        (g,) = lib.autograd.grad(g, x, create_graph=True)
        values.append(g.item())
    (g4,) = lib.autograd.grad(g, x, allow_unused=True, materialize_grads=True)
    values.append(g4.item())
    assert values == [12.0, 12.0, 6.0, 0.0]
    assert x.grad is None

    t = f64(lib, 0.5)
    g = lib.tanh(t)
    values = []
    for _ in range(3):
        (g,) = lib.autograd.grad(g, t, create_graph=True)
        values.append(round(g.item(), 4))
    assert values == [0.7864, -0.7269, -0.5652]


def test_gradient_and_hessian_of_a_cubic(lib):
    def f(x):
        return (x ** 3).sum() + x[0] * x[1]

    x = f64(lib, [1.0, 2.0, 3.0])
    (g,) = lib.autograd.grad(f(x), x, create_graph=True)
    assert g.tolist() == [5.0, 13.0, 27.0]
    (hv,) = lib.autograd.grad(g, x, grad_outputs=lib.ones(3, dtype=lib.float64),
                              retain_graph=True)
    assert hv.tolist() == [7.0, 13.0, 18.0]
    rows = [lib.autograd.grad(g[i], x, retain_graph=True)[0].tolist() for i in range(3)]
    assert rows == [[6, 1, 0], [1, 12, 0], [0, 0, 18]]


def test_retain_graph_defaults_to_create_graph(lib):
    x = f64(lib, 2.0)
    y = x ** 3
    y.backward(create_graph=True)
    y.backward()  # the graph was retained
    assert x.grad.item() == 24.0


def test_broadcast_gradients_sum_back(lib):
    a = lib.ones(3, 1, requires_grad=True)
    b = lib.ones(4, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.tolist() == [[4.0], [4.0], [4.0]] and b.grad.tolist() == [3.0] * 4
    a = lib.full((3, 1), 2.0, requires_grad=True)
    b = lib.full((4,), 2.0, requires_grad=True)
    (a * b * a).sum().backward()
    # d/da sum(a^2 b) = 2ab summed over b's 4 entries; d/db = a^2 summed over 3 rows.
    assert a.grad.tolist() == [[32.0]] * 3 and b.grad.tolist() == [12.0] * 4


def test_broadcast_reference_numbers(lib):
    a = lib.full((3, 1), 2.0, requires_grad=True)
    b = lib.tensor([1.0, 2.0, 3.0, 0.0], requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.tolist() == [[6.0], [6.0], [6.0]]
    a = lib.ones(3, 1, requires_grad=True)
    b = lib.ones(4, requires_grad=True)
    (a * b).sum().backward()
    assert b.grad.tolist() == [3.0, 3.0, 3.0, 3.0]


def test_kinks_and_ties(lib):
    def grad_of(build, data):
        x = f64(lib, data)
        build(x).sum().backward()
        return x.grad.tolist()

    assert grad_of(lambda x: x.relu(), [0.0]) == [0.0]
    assert grad_of(lambda x: x.abs(), [0.0]) == [0.0]
    assert grad_of(lambda x: x.sqrt(), [0.0]) == [float("inf")]
    assert grad_of(lambda x: x.max(), [2.0, 2.0]) == [0.5, 0.5]
    assert grad_of(lambda x: x.max(dim=0).values, [2.0, 2.0]) == [1.0, 0.0]
    assert grad_of(lambda x: x.clamp(0, 1), [-1.0, 0.0, 1.0]) == [0.0, 1.0, 1.0]


def test_hooks_order_and_return_values(lib):
    x = f64(lib, [1.0, 2.0])
    order = []
    y = x * 3
    x.register_hook(lambda g: order.append("leaf"))
    y.register_hook(lambda g: order.append("non-leaf"))
    y.sum().backward()
    assert order == ["non-leaf", "leaf"]

    x = f64(lib, [1.0, 2.0])
    x.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: None)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [7.0, 7.0]  # (3 * 2) + 1, then kept


def test_no_grad_details(lib):
    with lib.no_grad():
        x = lib.ones(3, requires_grad=True)
        assert x.requires_grad and x.is_leaf
        y = x * 2
        assert not y.requires_grad
    z = (x * x).sum()
    with lib.no_grad():
        z.backward(retain_graph=True)
        (g,) = lib.autograd.grad(z, x)
    assert x.grad.tolist() == [2.0] * 3 and g.tolist() == [2.0] * 3


def test_zero_grad_sets_none(lib):
    optim = lib.optim if lib.__name__ == "torch" else pytest.importorskip("micrograd_nb.optim")
    x = ones3(lib)
    opt = optim.SGD([x], lr=0.1)
    (x * 2).sum().backward()
    opt.zero_grad()
    assert x.grad is None


GRAD_FN_NAMES = [
    ("x + y", "AddBackward0"), ("x - y", "SubBackward0"), ("x * y", "MulBackward0"),
    ("x / y", "DivBackward0"), ("x ** 2", "PowBackward0"), ("x ** x", "PowBackward1"),
    ("M @ M.T", "MmBackward0"), ("x.reshape(3, 1)", "ViewBackward0"),
    ("M.T", "PermuteBackward0"), ("1 - x", "RsubBackward1"), ("x.sum()", "SumBackward0"),
    ("x.mean()", "MeanBackward0"), ("x.tanh()", "TanhBackward0"), ("x.exp()", "ExpBackward0"),
    ("1 / x", "MulBackward0"),
]


@pytest.mark.parametrize("expression,name", GRAD_FN_NAMES)
def test_grad_fn_names(lib, expression, name):
    names = {"x": ones3(lib), "y": ones3(lib), "M": lib.ones(2, 3, requires_grad=True)}
    out = eval(expression, {}, names)
    assert out.grad_fn.name() == name
    assert type(out.grad_fn).__name__ == name
