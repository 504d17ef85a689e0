"""PyTorch's graphs and recorded passes as pictures (viz/torch_adapter.py)."""

import numpy as np
import pytest

from micrograd_nb.autograd.record import record
from micrograd_nb.viz import draw, render, torch_names
from micrograd_nb.viz.model import short
from micrograd_nb.viz.torch_adapter import as_array

needs_renderer = pytest.mark.skipif(not render.available_renderers(),
                                    reason="no Graphviz renderer here")
pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")


def mlp_pass(torch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    x = torch.randn(2, 3)
    with record() as passes:
        loss = model(x).pow(2).mean()
        loss.backward()
    return passes[0], {"model": model, "x": x, "loss": loss}


def test_nodes_carry_torchs_names_and_the_notebooks(torch):
    recorded, namespace = mlp_pass(torch)
    graph = draw(recorded, names=torch_names(namespace)).model
    titles = [n.title for n in graph.nodes]
    assert titles[0] == "loss = MeanBackward0"  # n0: the output, discovery order
    assert graph.nodes[0].id == "n0" and graph.nodes[0].kind == "output"
    assert {"model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"} <= set(titles)
    assert titles.count("AddmmBackward0") == 2 and "TanhBackward0" in titles
    leaf = next(n for n in graph.nodes if n.title == "model.0.weight")
    weight = namespace["model"][0].weight
    assert leaf.shape == (4, 3) and leaf.grad == short(as_array(weight.grad))
    assert leaf.data == short(weight.detach().numpy())
    # every op node is titled by torch's own class name
    from micrograd_nb.autograd.torch_passes import graph_nodes

    nodes, _ = graph_nodes([namespace["loss"].grad_fn])
    ops = sorted(type(n).__name__ for n in nodes if type(n).__name__ != "AccumulateGrad")
    drawn = sorted(t.split(" = ")[-1] for t, n in zip(titles, graph.nodes) if n.kind != "leaf")
    assert drawn == ops


def test_values_read_as_ours_do(torch):
    import micrograd_nb as mg

    values = [[0.5, -1.25], [3.0, 2.0]]
    ours, theirs = mg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    ours_pic = draw((ours * ours).sum(), names={id(ours): "x"}).model
    theirs_pic = draw((theirs * theirs).sum(), names={id(theirs): "x"}).model
    leaf = next(n for n in ours_pic.nodes if n.title == "x")
    their_leaf = next(n for n in theirs_pic.nodes if n.title == "x")
    assert (leaf.data, leaf.shape) == (their_leaf.data, their_leaf.shape)


def test_edges_carry_the_gradients_torch_sent(torch):
    recorded, namespace = mlp_pass(torch)
    graph = draw(recorded, names=torch_names(namespace)).model
    by_title = {n.title: n.id for n in graph.nodes}
    w_edge = next(e for e in graph.edges if e.src == by_title["model.2.bias"])
    bias = namespace["model"][2].bias
    assert w_edge.grad == short(as_array(bias.grad))
    assert [f.kind for f in graph.frames] == ["seed"] + [s.kind for s in recorded.steps]
    assert graph.seed == "1.0" and graph.seed_implicit


@needs_renderer
def test_same_cell_same_svg(torch):
    first = draw(mlp_pass(torch)[0]).svg()
    second = draw(mlp_pass(torch)[0]).svg()
    assert first == second and "MeanBackward0" in first


def test_create_graph_nodes_are_drawn_distinctly(torch):
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    with record() as passes:
        (g,) = torch.autograd.grad(x ** 3, x, create_graph=True)
    graph = draw(passes[0], names={id(x): "x"}).model
    made = [n for n in graph.nodes if n.made_by_pass]
    assert made and all(not n.made_by_pass for n in graph.nodes if n.title == "x")
    assert any(e.made_by_pass for e in graph.edges)
    assert "color=purple" in draw(passes[0]).dot()
    assert graph.title == "torch.autograd.grad(create_graph=True)"


def test_a_failed_pass_is_drawn_up_to_the_failing_node(torch):
    x = torch.tensor([0.5, 1.5], requires_grad=True)
    y = x.sigmoid()
    loss = (y * 2).sum()
    y.mul_(3)
    with pytest.raises(RuntimeError):
        with record() as passes:
            loss.backward()
    graph = draw(passes[0]).model
    assert graph.frames[-1].kind == "error"
    failing = graph.node(graph.frames[-1].active)
    assert failing.title == "SigmoidBackward0" and failing.order is None
    assert any("the pass failed in SigmoidBackward0: RuntimeError" in n for n in graph.notes)


def test_saved_values_on_request(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    assert "saved" not in draw(y).dot()
    assert "saved result: [2] [2.7183, 7.3891]" in draw(y, saved=True).dot()
    no_values = draw(y, saved=True, show_values=False).dot()
    assert 'saved result: [2]"' in no_values and "2.718" not in no_values


def test_no_values(torch):
    recorded, _ = mlp_pass(torch)
    graph = draw(recorded, show_values=False).model
    assert all(n.data is None and n.grad is None for n in graph.nodes)


def test_a_tensor_without_a_graph_is_refused(torch):
    with pytest.raises(ValueError, match="does not require grad"):
        draw(torch.ones(2))


def big_model(torch, layers=1000, width=10):
    torch.manual_seed(0)
    blocks = []
    for _ in range(layers):
        blocks += [torch.nn.Linear(width, width), torch.nn.Tanh()]
    return torch.nn.Sequential(*blocks)


def test_a_big_module_collapses_by_module_with_a_note(torch):
    model = big_model(torch)
    assert sum(p.numel() for p in model.parameters()) >= 100_000
    with record() as passes:
        loss = model(torch.randn(1, 10)).sum()
        loss.backward()
    names = torch_names({"model": model, "loss": loss})
    graph = draw(passes[0], names=names, max_nodes=200).model
    assert len(graph.nodes) <= 200
    assert any("modules (the module that made them)" in n for n in graph.notes)
    titles = [n.title for n in graph.nodes]
    assert "⋯ model.1998 (Linear)" in titles and "⋯ model.1999 (Tanh)" not in titles
    assert graph.nodes[0].title == "loss = SumBackward0"


def test_without_a_recording_modules_come_from_parameter_names(torch):
    model = big_model(torch, layers=120)
    loss = model(torch.randn(1, 10)).sum()
    graph = draw(loss, names=torch_names({"model": model}), max_nodes=200).model
    assert len(graph.nodes) <= 200
    assert any("⋯ model.238" == n.title for n in graph.nodes)


def test_save(torch, tmp_path):
    recorded, _ = mlp_pass(torch)
    path = draw(recorded).save(tmp_path / "pass.dot")
    assert "AddmmBackward0" in path.read_text()


def test_names_of_a_namespace(torch):
    model = torch.nn.Linear(2, 1)
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    names = torch_names({"model": model, "x": x, "y": y, "_hidden": x, "n": 3})
    assert names[id(model.weight)] == "model.weight" and names[id(model)] == "model"
    assert names[id(x)] == "x" and names[id(y.grad_fn)] == "y"
    assert np.array_equal(as_array(torch.tensor([1.0, 2.0], dtype=torch.bfloat16)), [1.0, 2.0])


def test_the_same_pass_on_both_engines_is_the_same_picture(torch):
    import micrograd_nb as mg

    def picture(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        loss = (x * w).tanh().sum()
        with record() as passes:
            loss.backward()
        return draw(passes[0], names={id(x): "x", id(w): "w", id(loss): "loss"}).model

    ours, theirs = picture(mg), picture(torch)

    def content(graph):
        by_id = {n.id: n.title for n in graph.nodes}
        return (sorted((n.title, n.shape, n.data, n.grad, n.order) for n in graph.nodes),
                sorted((by_id[e.src], by_id[e.dst], e.grad) for e in graph.edges),
                sorted((f.kind, f.caption) for f in graph.frames), graph.seed)

    assert content(ours) == content(theirs)
    # the visits come in the same order; only the two leaves' accumulations swap
    assert [f.caption for f in ours.frames[:4]] == [f.caption for f in theirs.frames[:4]]
