"""The record hook: a listener sees every backward pass as it runs."""

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb import Value
from micrograd_nb.autograd import grad, record


def visits(recorded):
    return [s.node.name() for s in recorded.steps if s.kind == "visit"]


def test_records_a_tensor_pass_step_by_step():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    w = mg.tensor([3.0, 4.0], requires_grad=True)
    with record() as passes:
        loss = (x * w).sum()
        loss.backward()
    (p,) = passes
    assert (p.kind, p.implicit, p.create_graph, p.finished, p.error) == (
        "backward", [True], False, True, None)
    assert p.outputs == [loss] and p.seeds[0].tolist() == 1.0
    assert visits(p) == ["SumBackward0", "MulBackward0"]
    mul = p.steps[1]
    assert mul.grad_in.tolist() == [1.0, 1.0]
    assert [g.tolist() for g in mul.grads_out] == [[3.0, 4.0], [1.0, 2.0]]
    accumulated = {id(s.node.variable): s.grad_in.tolist() for s in p.steps
                   if s.kind == "accumulate"}
    assert accumulated == {id(x): [3.0, 4.0], id(w): [1.0, 2.0]}


def test_recorded_gradients_are_snapshots():
    x = mg.tensor([1.0], requires_grad=True)
    with record() as passes:
        (x * 2).sum().backward()
        (x * 2).sum().backward()
    assert x.grad.tolist() == [4.0]
    assert [p.steps[-1].grad_in.tolist() for p in passes] == [[2.0], [2.0]]


def test_explicit_seed_and_grad_passes():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    v = mg.tensor([0.5, 2.0])
    with record() as passes:
        y.backward(gradient=v, retain_graph=True)
        grad(y.sum(), x)
    assert [p.kind for p in passes] == ["backward", "grad"]
    assert passes[0].implicit == [False] and passes[0].seeds[0].tolist() == [0.5, 2.0]
    assert passes[1].implicit == [True]


def test_create_graph_pass_marks_the_nodes_it_made():
    x = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    y = x ** 3
    with record() as passes:
        (g,) = grad(y, x, create_graph=True)
    (p,) = passes
    assert p.create_graph
    assert p.made_by_pass(g.grad_fn)
    assert not p.made_by_pass(y.grad_fn)


def test_failed_pass_is_reported():
    x = mg.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with record() as passes, pytest.raises(RuntimeError):
        y.backward()
    assert passes[0].error is not None and not passes[0].finished


def test_value_passes_are_recorded_too():
    a = Value(2.0)
    b = a * a + a
    with record() as passes:
        b.backward()
    (p,) = passes
    assert [s.node._op for s in p.steps if s.kind == "visit"] == ["+", "*"]
    # Every Value accumulates (micrograd fills every .grad).
    assert sum(1 for s in p.steps if s.kind == "accumulate") == 3


def test_listener_is_removed_after_the_block():
    from micrograd_nb.autograd import graph

    with record():
        assert len(graph._listeners) == 1
    assert graph._listeners == []


def test_custom_listener():
    events = []

    class Listener:
        def pass_started(self, info):
            events.append("start")

        def node_visited(self, info, node, grad_in, grads_out):
            events.append(node.name())

        def leaf_accumulated(self, info, node, grad_in):
            events.append("leaf")

        def pass_ended(self, info, error):
            events.append("end")

    x = mg.tensor([1.0], requires_grad=True)
    with record(Listener()):
        x.exp().sum().backward()
    assert events == ["start", "SumBackward0", "ExpBackward0", "leaf", "end"]
    assert np.allclose(x.grad.tolist(), [np.e])
