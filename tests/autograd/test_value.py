"""``Value``: micrograd's scalar engine, with PyTorch's behaviour where micrograd is
wrong."""

import gc
import math
import sys

import pytest

from micrograd_nb import Value
from micrograd_nb.autograd import errors, grad, record

micrograd = pytest.importorskip("micrograd.engine", reason="pip install micrograd==0.1.0")


def micrograd_sanity(V):
    # micrograd's own test_sanity_check and test_more_ops expressions.
    x = V(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    first = (x, y)

    a = V(-4.0)
    b = V(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return first, (a, b, g)


def test_same_numbers_as_micrograd():
    (x, y), (a, b, g) = micrograd_sanity(Value)
    (mx, my), (ma, mb, mg) = micrograd_sanity(micrograd.Value)
    assert (x.grad, y.data) == (mx.grad, my.data)
    assert g.data == pytest.approx(mg.data, rel=1e-12)
    assert (a.grad, b.grad) == pytest.approx((ma.grad, mb.grad), rel=1e-12)
    # The values micrograd's tests check against PyTorch:
    assert g.data == pytest.approx(24.70408163265306)
    assert (a.grad, b.grad) == pytest.approx((138.83381924198252, 645.5772594752186))


def test_micrograd_surface():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert c._op == "*" and set(c._prev) == {a, b}
    assert (a ** 2)._op == "**2"
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0)"
    for out in (a + 1, 1 + a, a - 1, 1 - a, a * 2, 2 * a, a / 2, 2 / a, -a, a ** 2, 2 ** a,
                a ** b):
        assert isinstance(out, Value)
    assert (2 ** a).data == 4.0 and (a ** b).data == 8.0


def test_parents_in_argument_order():
    a, b = Value(2.0), Value(3.0)
    assert (a * b)._prev == (a, b) and (b + a)._prev == (b, a) and (a * a)._prev == (a, a)
    assert a.relu()._prev == (a,) and (a ** 2)._prev == (a,) and a._prev == ()
    assert (2 * a)._prev[0] is a  # micrograd's __rmul__: self * other


def test_micrograd_constructor_takes_the_children():
    a, b = Value(2.0), Value(3.0)
    assert Value(6.0, (a, b), "*")._prev == (a, b)
    assert Value(2.0, (a,), "ReLU")._prev == (a,)
    assert Value(1.0, [], "")._prev == ()
    with pytest.raises(ValueError, match="at most two parents"):
        Value(1.0, (a, b, a), "f")


def test_an_op_adds_one_object_for_the_garbage_collector():
    # The collector walks every object a graph holds: a node with a tuple of parents
    # would be two.
    a, b = Value(2.0), Value(3.0)
    gc.disable()
    try:
        before = len(gc.get_objects())
        c = a * b
        after = len(gc.get_objects())
    finally:
        gc.enable()
    assert after - before == 1 and gc.is_tracked(c)


def test_every_node_gets_its_grad():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    e = d.tanh()
    e.backward()
    assert e.grad == 1.0
    assert d.grad == pytest.approx(1 - math.tanh(-4.0) ** 2)
    assert c.grad == pytest.approx(d.grad)
    assert a.grad == pytest.approx(d.grad * (b.data + 1))


def finite_difference(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize("name,fn", [
    ("tanh", lambda v: v.tanh()), ("exp", lambda v: v.exp()), ("log", lambda v: v.log()),
    ("relu", lambda v: v.relu()), ("pow", lambda v: v ** 3.5), ("rpow", lambda v: 2.0 ** v),
    ("self_pow", lambda v: v ** v), ("div", lambda v: 1.0 / (v * v + 1)),
    ("mixed", lambda v: (v * v).exp().log() - v.tanh() * 3),
])
@pytest.mark.parametrize("at", [0.3, 1.7])
def test_first_and_second_derivatives_match_finite_differences(name, fn, at):
    x = Value(at)
    y = fn(x)
    y.backward(create_graph=True)
    first = x.grad
    expected_first = finite_difference(lambda t: fn(Value(t)).data, at)
    assert float(getattr(first, "data", first)) == pytest.approx(expected_first, rel=1e-6,
                                                                  abs=1e-8)
    if not isinstance(first, Value):
        return  # relu: the derivative is a constant
    (second,) = grad(first, x, allow_unused=True, materialize_grads=True)
    expected_second = finite_difference(
        lambda t: finite_difference(lambda s: fn(Value(s)).data, t, 1e-4), at, 1e-4)
    assert float(getattr(second, "data", second)) == pytest.approx(expected_second, rel=1e-4,
                                                                    abs=1e-6)


def test_second_backward_through_saved_values_raises():
    x = Value(3.0)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="^" + errors.BACKWARD_TWICE.replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.") + "$"):
        y.backward()
    assert x.grad == 6.0  # the failed pass added nothing


def test_retain_graph_accumulates_like_pytorch():
    x = Value(3.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == 12.0
    x = Value(1.0)
    y = x + 1  # nothing saved: a second pass is allowed, as in PyTorch
    y.backward()
    y.backward()
    assert x.grad == 2.0


def test_create_graph_makes_differentiable_gradients():
    x = Value(2.0)
    y = x * x * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 12.0
    g = x.grad
    x.grad = 0
    g.backward()
    assert x.grad == 12.0  # d(3x^2)/dx = 6x
    x = Value(2.0)
    (x * x * x).backward(create_graph=True)
    x.grad.backward()
    assert x.grad.data == 24.0  # not cleared: 12 + 12, as in PyTorch


def test_explicit_gradient_and_inputs():
    x, w = Value(2.0), Value(5.0)
    y = x * w
    y.backward(gradient=0.5, inputs=[x])
    assert (x.grad, w.grad, y.grad) == (2.5, 0, 0)


def test_grad_returns_without_accumulating():
    x = Value(2.0)
    (g,) = grad(x ** 3, x)
    assert g == 12.0 and x.grad == 0


def test_a_million_node_chain_at_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(500_000):
        y = y * 1.0000001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0000001 ** 500_000, rel=1e-9)


def test_pass_order_is_deterministic():
    def ops_in_order():
        a, b = Value(1.0), Value(2.0)
        out = (a * b + a.exp() * b.tanh()).relu()
        with record() as passes:
            out.backward()
        return [step.node._op for step in passes[0].steps if step.kind == "visit"]

    assert ops_in_order() == ops_in_order() == ["ReLU", "+", "*", "tanh", "exp", "*"]
