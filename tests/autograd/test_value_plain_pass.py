"""The plain pass: a micrograd ``backward()`` on Values runs ``run_plain_backward``
instead of the graph core's pass. Both must give the same gradients bit for bit, fail
alike, and the graph core must still run every pass the plain one cannot serve
(listeners, ``inputs``, ``create_graph``, ``grad()``, Value seeds, Tensors)."""

import random

import pytest

import micrograd_nb as mg
from micrograd_nb import Value
from micrograd_nb.autograd import api, errors, grad, graph, record
from micrograd_nb.autograd.value import _reverse_topological_order
from micrograd_nb.nn import MLP


class _Silent:
    """A listener that ignores what it hears: its presence alone selects the graph
    core's pass."""

    def __getattr__(self, event):
        return lambda *args: None


def general_backward(*args, **kwargs):
    listener = _Silent()
    graph.add_listener(listener)
    try:
        mg.autograd.backward(*args, **kwargs)
    finally:
        graph.remove_listener(listener)


@pytest.fixture
def plain_passes(monkeypatch):
    """The number of plain passes run so far, as a one-item list."""
    count = [0]
    run = api.run_plain_backward

    def counting(*args):
        count[0] += 1
        return run(*args)

    monkeypatch.setattr(api, "run_plain_backward", counting)
    return count


def every_op(a, b):
    """Every op of the rule table, with shared inputs and numbers on both sides."""
    c = a * b + a  # a is used twice
    d = (c - 2) * (1 - b) / (a + 3)
    e = (-d).relu() + d.relu() + (a * a).tanh()
    f = (e * e + 1).log() + (b * 0.1).exp() + a ** 3 + 2 ** b + (a * a + 1) ** b
    return f / 2.0 + 10.0 / (f * f + 1)


def graph_grads(root):
    """Every node's .grad, as text: -0.0, nan and int versus float all show."""
    return [repr(node.grad) for node in _reverse_topological_order([root])]


@pytest.mark.parametrize("a,b", [(2.0, -3.0), (0.5, 0.25), (-1.5, 4), (0.0, 0.0), (3, 0)])
def test_same_gradients_as_the_graph_core(a, b, plain_passes):
    plain_out = every_op(Value(a), Value(b))
    general_out = every_op(Value(a), Value(b))
    plain_out.backward()
    general_backward([general_out])
    assert plain_passes[0] == 1
    assert graph_grads(plain_out) == graph_grads(general_out)


def test_singular_points_give_the_same_infs_nans_and_signed_zeros(plain_passes):
    def singular(x, z):
        return (z.log() + z ** -1 + (x * z).relu() + (-z).relu() * x + z ** 0.5
                + (z * -1.0) ** 0 + x ** x)

    outs = [singular(Value(-2.0), Value(0.0)) for _ in range(2)]
    outs[0].backward()
    general_backward([outs[1]])
    assert plain_passes[0] == 1
    grads = graph_grads(outs[0])
    assert grads == graph_grads(outs[1])
    assert {"nan", "inf", "-inf"} & set(grads)


def test_demo_network_same_gradients_as_the_graph_core(plain_passes):
    def loss_of(model):
        xs = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(5)]
        scores = [model(list(map(Value, x))) for x in xs]
        data_loss = sum((1 + -yi * s).relu() for yi, s in zip([1, -1, 1, -1, 1], scores))
        return data_loss * (1.0 / 5) + 1e-4 * sum(p * p for p in model.parameters())

    roots = []
    for _ in range(2):
        random.seed(7)
        model = MLP(2, [4, 4, 1])
        roots.append((model, loss_of(model)))
    roots[0][1].backward()
    general_backward([roots[1][1]])
    assert plain_passes[0] == 1
    assert graph_grads(roots[0][1]) == graph_grads(roots[1][1])
    assert ([p.grad for p in roots[0][0].parameters()]
            == [p.grad for p in roots[1][0].parameters()])


def test_several_outputs_seeds_and_accumulation_across_passes(plain_passes):
    def run(backward):
        a, b = Value(1.5), Value(-0.5)
        a.grad, b.grad = 0.25, -1  # gradients left by an earlier pass
        y1, y2 = a * b + a.exp(), (a + b).tanh() * b
        backward([y1, y2, y1], [2.0, 0.5, 1], retain_graph=True)  # y1's seeds add up
        backward([y2], [3], retain_graph=True)
        backward([y2], [3])
        return a, b, y1, y2

    plain = run(mg.autograd.backward)
    general = run(general_backward)
    assert plain_passes[0] == 3
    assert [repr(v.grad) for v in plain] == [repr(v.grad) for v in general]


def test_second_pass_fails_as_in_the_graph_core(plain_passes):
    def run(backward):
        x = Value(3.0)
        y = (x + 1) * x  # '+' saves nothing, '*' does
        backward([y])
        with pytest.raises(RuntimeError) as failure:
            backward([y])
        return x, y, failure.value

    x, y, error = run(mg.autograd.backward)
    gx, gy, general_error = run(general_backward)
    assert plain_passes[0] == 2
    assert str(error) == str(general_error) == errors.BACKWARD_TWICE
    assert error.autograd_objects["node"] == general_error.autograd_objects["node"] == (
        "the '*' node")
    assert error.autograd_objects["outputs"] == [y]
    assert (repr(x.grad), repr(y.grad)) == (repr(gx.grad), repr(gy.grad)) == ("7.0", "2")
    assert graph.is_grad_enabled()  # the failed pass restored grad mode


def test_retain_graph_keeps_saved_values_for_the_next_pass(plain_passes):
    x = Value(3.0)
    y = x * x * x
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    y.backward()
    assert plain_passes[0] == 3 and x.grad == 81.0


def test_grad_mode_is_off_during_the_pass(plain_passes):
    seen = []

    class Probe(float):
        def __mul__(self, other):
            seen.append(graph.is_grad_enabled())
            return float(self) * other

        __rmul__ = __mul__

    y = Value(Probe(2.0)) * 3.0
    seen.clear()  # the forward multiplication
    y.backward()
    assert plain_passes[0] == 1 and seen and not any(seen)
    assert graph.is_grad_enabled()


def test_values_as_data_make_value_gradients_as_in_the_graph_core(plain_passes):
    # A Value whose data is a Value: the rules then build graphs, and a leaf's first
    # gradient is taken as it is (graph core's _accumulate), not as 0 + gradient.
    def run(backward):
        inner = Value(2.0)
        x = Value(inner)
        y = x * x
        backward([y])
        return x.grad

    plain, general = run(mg.autograd.backward), run(general_backward)
    assert plain_passes[0] == 1
    assert isinstance(plain, Value) and isinstance(general, Value)
    assert plain.data == general.data == 4.0 and plain._op == general._op


@pytest.mark.parametrize("case", ["record", "create_graph", "inputs", "grad", "value_seed",
                                  "tensor"])
def test_the_graph_core_runs_every_other_pass(case, plain_passes):
    x = Value(2.0)
    y = x * x
    if case == "record":
        with record() as passes:
            y.backward()
        assert len(passes) == 1 and passes[0].finished
    elif case == "create_graph":
        y.backward(create_graph=True)
        assert isinstance(x.grad, Value)
    elif case == "inputs":
        y.backward(inputs=[x])
        assert y.grad == 0
    elif case == "grad":
        (x.grad,) = grad(y, x)
    elif case == "value_seed":
        y.backward(gradient=Value(1.0))
        assert isinstance(x.grad, Value)
    else:
        t = mg.tensor([1.0, 2.0], requires_grad=True)
        mg.autograd.backward([(t * t).sum(), y])
        assert t.grad.tolist() == [2.0, 4.0]
    assert x.grad == 4.0 or getattr(x.grad, "data", None) == 4.0
    assert plain_passes[0] == 0
