"""One edge per operand: an op that uses an input twice (``x * x``) draws two edges from
it, each with the gradient sent along it, so a value used twice visibly gets two
gradients, which its ``.grad`` adds up. For Value and Tensor graphs, in the still
picture, in the frames, in the SVG the stepper reads, and through collapsing."""

import xml.etree.ElementTree as ET

import pytest

import micrograd_nb as mg
from micrograd_nb import Value
from micrograd_nb.autograd import record
from micrograd_nb.jupyter.stepper import picture_of
from micrograd_nb.viz import draw
from micrograd_nb.viz.model import edge_ends, edge_key
from micrograd_nb.viz.render import available_renderers

SVG = "{http://www.w3.org/2000/svg}"


def recorded(output):
    with record() as passes:
        output.backward()
    return passes[0]


def edges_into(model, src_title):
    src = next(n.id for n in model.nodes if n.title == src_title)
    return [e for e in model.edges if e.src == src]


def test_value_used_three_times_draws_three_edges():
    x = Value(3.0)
    y = x * x
    z = y + x
    model = draw(recorded(z), names={id(x): "x", id(y): "y", id(z): "z"}).model
    edges = edges_into(model, "x")
    y_id = next(n.id for n in model.nodes if n.title == "y")
    z_id = next(n.id for n in model.nodes if n.title == "z")
    assert [(e.dst, e.use, e.grad) for e in edges] == [(y_id, 1, "3.0"), (y_id, 2, "3.0"),
                                                       (z_id, 1, "1.0")]
    assert sum(float(e.grad) for e in edges) == x.grad == 7.0
    # y's visit sends one gradient per operand; x accumulates their sum once
    y_visit = next(f for f in model.frames if f.kind == "visit" and f.active == y_id)
    x_id = edges[0].src
    assert y_visit.edges == {f"{x_id}->{y_id}": "3.0", f"{x_id}->{y_id}#2": "3.0"}
    assert [f.grads for f in model.frames if f.active == x_id] == [{x_id: "7.0"}]


def test_value_cubed_by_products_draws_three_edges_into_p():
    p = Value(4.0)
    q = p * p * p  # lesson 1's Q1: 16 + 16 + 16
    model = draw(recorded(q), names={id(p): "p"}).model
    assert [e.grad for e in edges_into(model, "p")] == ["16.0", "16.0", "16.0"]


def test_tensor_square_draws_two_edges_with_their_gradients():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    y = (x * x).sum()
    model = draw(recorded(y), names={id(x): "x"}).model
    edges = edges_into(model, "x")
    assert [(e.use, e.grad) for e in edges] == [(1, "[ 1., -2.]"), (2, "[ 1., -2.]")]
    assert x.grad.tolist() == [2.0, -4.0]


def test_keys_and_ends():
    assert edge_key("n0", "n2") == "n0->n2"
    assert edge_key("n0", "n2", 2) == "n0->n2#2"
    assert edge_ends("n0->n2#2") == ("n0", "n2") == edge_ends("n0->n2")
    assert edge_ends("n3_op->n3") == ("n3_op", "n3")


@pytest.mark.parametrize("renderer", available_renderers() or
                         [pytest.param("none", marks=pytest.mark.skip("no renderer"))])
def test_the_svg_keeps_each_operands_label_on_its_key(renderer):
    # x - x sends +1 and -1 to x: which label is which edge's must survive the layout,
    # since the stepper finds edges by counting repeated titles in the SVG.
    x = mg.tensor(2.0, requires_grad=True)
    graph = draw(recorded(x - x), names={id(x): "x"}, renderer=renderer)
    keys = [e.key for e in graph.model.edges]
    labels = {e.key: e.grad for e in graph.model.edges}
    assert sorted(labels.values()) == ["-1.0", "1.0"]
    picture = picture_of(graph.svg())
    assert set(keys) <= set(picture["edges"]) and set(keys) == set(picture["labelledEdges"])
    texts, counts = {}, {}
    for g in ET.fromstring(graph.svg()[graph.svg().find("<svg"):]).iter(f"{SVG}g"):
        if g.get("class") == "edge":
            title = g.findtext(f"{SVG}title")
            counts[title] = counts.get(title, 0) + 1
            key = title if counts[title] == 1 else f"{title}#{counts[title]}"
            texts[key] = ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
    for key, grad in labels.items():
        assert texts[key] == [f"∂ {grad}"]


def test_collapsing_keeps_both_edges_between_kept_nodes():
    x = mg.tensor([0.5, -1.0], requires_grad=True)
    y = x
    for _ in range(12):
        y = (y * 1.1).tanh()
    out = (y * y).sum()
    graph = draw(recorded(out), max_nodes=8)
    assert graph.model.notes  # it was collapsed
    mul = next(n for n in graph.model.nodes if n.title == "MulBackward0"
               and any(e.dst == n.id and e.use == 2 for e in graph.model.edges))
    into = [e for e in graph.model.edges if e.dst == mul.id]
    assert [e.use for e in into] == [1, 2] and into[0].src == into[1].src
    assert into[0].grad == into[1].grad is not None
