"""Pictures: what they show, that they are deterministic, both renderers, big graphs."""

import os
import re
import time

import pytest

import micrograd_nb as mg
from micrograd_nb import Value
from micrograd_nb.autograd import grad, record
from micrograd_nb.viz import draw
from micrograd_nb.viz import render as render_module
from micrograd_nb.viz.render import available_renderers


def small_pass():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = mg.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = (x * w).sum()
    with record() as passes:
        y.backward()
    return passes[0], {id(x): "x", id(w): "w", id(y): "y"}


def test_a_pass_shows_values_gradients_seed_and_order():
    recorded, names = small_pass()
    model = draw(recorded, names=names).model
    by_title = {n.title: n for n in model.nodes}
    assert by_title["x"].kind == "leaf" and by_title["x"].grad == "[0.5000, 1.0000, 2.0000]"
    assert by_title["y = SumBackward0"].kind == "output"
    assert by_title["y = SumBackward0"].order == 1 and by_title["MulBackward0"].order == 2
    assert model.seed == "1.0" and model.seed_implicit
    edge_grads = {(e.src, e.dst): e.grad for e in model.edges}
    x_id, mul_id = by_title["x"].id, by_title["MulBackward0"].id
    assert edge_grads[(x_id, mul_id)] == "[0.5000, 1.0000, 2.0000]"
    # seed, then visit Sum, visit Mul, accumulate x and w
    assert [f.kind for f in model.frames] == ["seed", "visit", "visit", "accumulate",
                                              "accumulate"]


def test_explicit_seed_is_marked():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    with record() as passes:
        y.backward(gradient=mg.tensor([0.1, 10.0]))
    model = draw(passes[0]).model
    assert not model.seed_implicit and model.seed.startswith("[ 0.1")
    assert "seed (gradient=)" in draw(passes[0]).dot()


def test_ids_follow_creation_order_not_memory():
    recorded, names = small_pass()
    ids = [n.id for n in draw(recorded).model.nodes]
    assert ids == [f"n{i}" for i in range(len(ids))]


def test_same_graph_twice_gives_identical_svg():
    first = draw(small_pass()[0]).svg()
    second = draw(small_pass()[0]).svg()
    assert first == second and first.lstrip().startswith("<?xml")


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_both_renderers_produce_svg(renderer, monkeypatch, tmp_path):
    if renderer == "wasm":
        monkeypatch.setenv("PATH", str(tmp_path))  # hide the system dot
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        monkeypatch.setattr(render_module, "_backend", None)  # compile anew, into this cache
        render_module.clear_svg_cache()  # and render anew, not from an earlier test's SVG
        assert render_module.available_renderers() == ["wasm"]
    elif not render_module.shutil.which("dot"):
        if os.environ.get("CI"):
            pytest.fail("the system dot is required in CI (apt-get install graphviz)")
        pytest.skip("no system dot")
    picture = draw(small_pass()[0])
    svg = picture.svg()
    assert picture.renderer == renderer
    assert "<svg" in svg and "MulBackward0" in svg
    # square boxes, as torchviz's: a polygon each (a rounded box is a path of Bezier
    # curves, a seventh of a long chain's render time)
    boxes = re.findall(r'<g id="node\d+" class="node">\s*<title>n\d+</title>\s*<(\w+)', svg)
    assert boxes and set(boxes) == {"polygon"}, boxes
    if renderer == "wasm":
        cached = list((tmp_path / "cache" / "micrograd_nb").glob("*.cwasm"))
        assert cached, "the compiled module is cached for later processes"


def test_without_any_renderer_the_dot_source_is_shown(monkeypatch):
    monkeypatch.setenv("MICROGRAD_NB_RENDERER", "none")
    bundle = draw(small_pass()[0])._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert "no Graphviz renderer found" in bundle["text/plain"]
    assert "digraph" in bundle["text/plain"]


def test_mimebundle_and_save(tmp_path):
    picture = draw(small_pass()[0])
    bundle = picture._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml", "text/plain"}
    # the HTML is the same picture, scaled down to its column
    assert 'style="max-width:100%;height:auto"' in bundle["text/html"]
    assert '<svg style="max-width:100%;height:auto"' in bundle["image/svg+xml"]
    assert picture.save(tmp_path / "g.svg").read_text().startswith("<?xml")
    assert "digraph" in picture.save(tmp_path / "g.dot").read_text()
    if render_module.shutil.which("dot"):
        assert picture.save(tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_value_graph_looks_like_micrograds():
    a, b = Value(2.0), Value(-3.0)
    out = (a * b).tanh()
    dot = draw(out, names={id(a): "a", id(b): "b", id(out): "out"}).dot()
    assert "{ a | data 2.0 | grad 0.0 }" in dot
    assert "shape=circle" in dot and "label=tanh" in dot


def test_create_graph_pass_draws_the_graph_of_the_gradient():
    x = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    y = x ** 3
    with record() as passes:
        (g,) = grad(y, x, create_graph=True)
    model = draw(passes[0]).model
    made = [n for n in model.nodes if n.made_by_pass]
    assert made and all(not n.made_by_pass for n in model.nodes if n.title == "PowBackward0"
                        and n.order is not None)
    assert any(e.made_by_pass for e in model.edges)


def test_a_20000_node_graph_renders_collapsed_in_bounded_time():
    x = mg.tensor([1.0], requires_grad=True)
    y = x
    for i in range(20_000):
        y = y * 1.0 if i % 2 else y + 1.0
    with record() as passes:
        y.sum().backward()
    start = time.perf_counter()
    picture = draw(passes[0], max_nodes=100)
    svg = picture.svg()
    elapsed = time.perf_counter() - start
    assert len(picture.model.nodes) <= 100
    assert any("chain" in note or "farthest" in note or "nearest" in note
               for note in picture.model.notes)
    assert "<svg" in svg
    assert elapsed < 60  # a bound against hanging, not a speed measurement


def test_wide_graphs_keep_the_nodes_nearest_the_output():
    xs = [mg.tensor([float(i)], requires_grad=True) for i in range(300)]
    total = xs[0]
    for t in xs[1:]:
        total = total + t * 2
    picture = draw(total, max_nodes=60)
    assert len(picture.model.nodes) <= 60
    assert any("more nodes" in n.title for n in picture.model.nodes)


@pytest.mark.skipif(not available_renderers(), reason="no Graphviz renderer")
def test_long_chains_are_laid_out_top_to_bottom():
    """A picture wider than MAX_WIDTH_PT left to right (its text would shrink below 9 px
    in a notebook column) is drawn top to bottom; a small one stays left to right."""
    from micrograd_nb.viz.graph import MAX_WIDTH_PT, svg_width_pt

    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x
    for _ in range(12):
        y = (y * 1.5).tanh()
    with record() as passes:
        y.sum().backward()
    long = draw(passes[0])
    wide = svg_width_pt(render_module.render(long.dot(), "svg")[0].decode())
    assert wide > MAX_WIDTH_PT  # left to right it would be too wide
    svg = long.svg()
    assert long.rankdir == "TB" and "rankdir=TB" in long.dot()
    assert svg_width_pt(svg) < wide
    small = draw(small_pass()[0])
    small.svg()
    assert small.rankdir == "LR" and svg_width_pt(small.svg()) <= MAX_WIDTH_PT


def test_an_unnamed_leaf_is_explained():
    """A leaf without a name is titled "leaf"; the picture then says what a leaf is."""
    from micrograd_nb.viz.dot import LEAF_NOTE

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    assert LEAF_NOTE.split(":")[0] in draw(y).dot()
    assert "leaf (blue)" not in draw(y, names={id(x): "x"}).dot()
