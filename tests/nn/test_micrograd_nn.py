"""micrograd's Neuron/Layer/MLP on our Value: same weights, outputs, gradients and
reprs as karpathy's micrograd 0.1.0 (when installed), and correct on their own."""

import math
import random

import pytest

from micrograd_nb import nn
from micrograd_nb.autograd.value import Value
from micrograd_nb.nn.micrograd import MLP, Layer, Neuron, ValueModule


def test_exported_from_nn():
    assert (nn.Neuron, nn.Layer, nn.MLP, nn.ValueModule) == (Neuron, Layer, MLP, ValueModule)
    assert issubclass(MLP, ValueModule) and not issubclass(MLP, nn.Module)


def test_neuron_init_and_repr():
    random.seed(0)
    n = Neuron(3)
    assert all(isinstance(w, Value) and -1 <= w.data <= 1 for w in n.w)
    assert n.b.data == 0
    assert n.parameters() == n.w + [n.b]
    assert repr(n) == "ReLUNeuron(3)"
    assert repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"


def test_neuron_forward_and_backward_by_hand():
    n = Neuron(2, nonlin=False)
    n.w = [Value(0.5), Value(-1.0)]
    n.b = Value(0.25)
    out = n([2.0, 3.0])  # 0.25 + 1 - 3
    assert out.data == pytest.approx(-1.75)
    out.backward()
    assert [w.grad for w in n.w] == [2.0, 3.0]
    assert n.b.grad == 1.0

    n.nonlin = True  # ReLU of a negative pre-activation: output and gradients are 0
    n.zero_grad()
    out = n([2.0, 3.0])
    out.backward()
    assert out.data == 0
    assert [w.grad for w in n.w] == [0.0, 0.0] and n.b.grad == 0.0


def count_nodes(root):
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node._prev)
    return len(seen)


def test_neuron_graph_is_micrograds():
    """The sum starts at the bias, so the graph a notebook draws has micrograd's shape:
    w, b, the inputs wrapped as Values, one * and one + per input, then the ReLU."""
    n = Neuron(2)
    out = n([1.0, 2.0])
    assert out._op == "ReLU"
    assert count_nodes(out) == 3 + 2 + 2 + 2 + 1
    first_add = out._prev[0]._prev[0]  # relu <- (... + w1*x1) <- (b + w0*x0)
    assert first_add._op == "+" and first_add._prev[0] is n.b


def test_layer_returns_a_value_for_one_output_and_a_list_otherwise():
    random.seed(1)
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    out = Layer(2, 3)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3
    assert repr(Layer(2, 2)) == "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"


def test_mlp_structure_parameters_and_repr():
    random.seed(2)
    model = MLP(3, [4, 4, 1])
    assert len(model.parameters()) == 4 * 4 + 4 * 5 + 1 * 5
    assert repr(model) == (
        "MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3), ReLUNeuron(3), ReLUNeuron(3)], "
        "Layer of [ReLUNeuron(4), ReLUNeuron(4), ReLUNeuron(4), ReLUNeuron(4)], "
        "Layer of [LinearNeuron(4)]]"
    )
    assert [layer.neurons[0].nonlin for layer in model.layers] == [True, True, False]


def test_zero_grad_resets_every_parameter():
    random.seed(3)
    model = MLP(2, [3, 1])
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    assert ValueModule().parameters() == []


def test_mlp_gradients_match_finite_differences():
    random.seed(4)
    model = MLP(3, [4, 1])
    x = [0.5, -1.5, 2.0]
    model(x).backward()
    eps = 1e-6
    for p in model.parameters():
        orig = p.data
        p.data = orig + eps
        plus = model(x).data
        p.data = orig - eps
        minus = model(x).data
        p.data = orig
        assert p.grad == pytest.approx((plus - minus) / (2 * eps), abs=1e-6)


def test_training_reduces_the_loss():
    """micrograd's README demo in small: a few steps of gradient descent on 4 points."""
    random.seed(9)  # a seed whose ReLUs do not all die (a known micrograd hazard)
    model = MLP(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]

    def loss():
        return sum(((model(x) - y) ** 2 for x, y in zip(xs, ys)), Value(0.0))

    first = loss().data
    for _ in range(50):
        model.zero_grad()
        total = loss()
        total.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad
    assert loss().data < 0.1 * first
    assert math.isfinite(loss().data)


def test_same_as_karpathy_micrograd():
    micrograd_nn = pytest.importorskip("micrograd.nn")
    random.seed(6)
    ours = MLP(3, [4, 4, 1])
    random.seed(6)
    theirs = micrograd_nn.MLP(3, [4, 4, 1])
    assert repr(ours) == repr(theirs)
    assert count_nodes(ours([1.0, 2.0, 3.0])) == count_nodes(theirs([1.0, 2.0, 3.0]))
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    for x in ([2.0, 3.0, -1.0], [-0.5, 0.25, 1.5]):
        ours.zero_grad()
        theirs.zero_grad()
        a, b = ours(x), theirs(x)
        assert a.data == pytest.approx(b.data, rel=1e-12, abs=1e-12)
        a.backward()
        b.backward()
        for p, q in zip(ours.parameters(), theirs.parameters()):
            assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-12)
