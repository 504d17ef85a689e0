"""``PassStepper``: step through one recorded backward pass, node by node, in the browser.

    with record() as passes:
        loss.backward()
    PassStepper(draw(passes[0]))

The graph is laid out and rendered once, as the final picture; the widget's state holds
that SVG and one small JSON record per frame (``Frame`` of ``viz.model``), and the
browser restyles the SVG for each frame (stepper.js). Stepping never waits for the
kernel, so a notebook opened later, from its saved widget state, still steps. Where no
widget can be shown (nbviewer, GitHub, text comparisons), the display falls back to the
final picture as SVG and a line of text.

``frame_states()`` computes, in Python, what each frame shows (the same function as
stepper.js's ``frameState``), so the widget can be checked without a browser.
"""

import pathlib
import xml.etree.ElementTree as ET
from dataclasses import asdict

import anywidget
import traitlets

from ..autograd.record import RecordedPass
from ..viz.graph import AutogradGraph, draw
from ..viz.model import edge_ends
from ..viz.render import RendererUnavailable

HERE = pathlib.Path(__file__).parent
NO_GRAD = "—"  # the grad text of a node the pass has not reached yet
SEED = "seed"  # the DOT name of the seed note (viz/dot.py)
_SVG = "{http://www.w3.org/2000/svg}"


class PassStepper(anywidget.AnyWidget):
    """A backward pass, one step at a time: ⏮ ◀ ▶ ▶| ⏭, a slider, ← → keys.

    ``PassStepper(draw(recorded_pass))``; a ``RecordedPass`` is drawn with default
    settings. ``step`` is the frame shown (0 is the seed).
    """

    _esm = HERE / "stepper.js"
    _css = HERE / "stepper.css"

    svg = traitlets.Unicode("").tag(sync=True)
    frames = traitlets.List(traitlets.Dict()).tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(self, graph, *, step=0, **kwargs):
        if isinstance(graph, RecordedPass):
            graph = draw(graph)
        if not isinstance(graph, AutogradGraph):
            raise TypeError(f"PassStepper takes draw(recorded_pass), not a "
                            f"{type(graph).__name__}")
        if not graph.model.frames:
            raise ValueError("this picture has no steps to go through: draw a recorded pass "
                             "(with micrograd_nb.autograd.record() as passes: ...; "
                             "draw(passes[0]))")
        try:
            svg = _svg_element(graph.svg())
        except RendererUnavailable:
            svg = ""
        super().__init__(svg=svg, frames=frames_json(graph.model),
                         title=graph.model.title or "backward pass", step=step, **kwargs)
        self.graph = graph

    @traitlets.validate("step")
    def _valid_step(self, proposal):
        return min(max(int(proposal["value"]), 0), max(len(self.frames) - 1, 0))

    def frame_states(self):
        """What each frame shows: see ``frame_states``."""
        return frame_states(self)

    def __repr__(self):
        nodes = len(self.graph.model.nodes) if hasattr(self, "graph") else "?"
        return (f"<PassStepper {self.title}: {nodes} nodes, {len(self.frames) - 1} steps "
                f"after the seed>")

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
        data = dict(data)
        data["text/plain"] = repr(self)
        if self.svg:
            data["image/svg+xml"] = self.svg
        elif hasattr(self, "graph"):
            data["text/plain"] += f"\n\n{self.graph.dot()}"
        return data, metadata


def _svg_element(svg):
    """The ``<svg>`` element alone: no XML declaration, DOCTYPE or leading comment."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def frames_json(model):
    """The ``frames`` trait: each ``Frame`` of a picture model as JSON."""
    return [asdict(frame) for frame in model.frames]


# ---------------------------------------------------------------------------------------
# What the browser shows, computed here: mirrors indexSvg/pictureOf/frameState in
# stepper.js.

def edge_key(title):
    """An edge's key from its SVG title: "nA->nB_op" (into a Value's op circle) is the
    edge "nA->nB" of the picture model. A second edge with the same title (``x * x``: one
    edge per operand) is "nA->nB#2" (``picture_of`` counts them)."""
    if "->" not in title:
        return None
    src, dst = title.split("->", 1)
    if not src.endswith("_op") and dst.endswith("_op"):
        dst = dst[: -len("_op")]
    return f"{src}->{dst}"


def _is_visit_text(text):
    if text.startswith("visited "):
        text = text[len("visited "):]
    return text.startswith("#") and text[1:].isdigit()


def picture_of(svg):
    """What the SVG offers to restyle: node ids (each ``<g class="node">``'s title), the
    nodes with a "grad ..." text and with a visit text, edge keys, and the edges with a
    gradient label. The same as stepper.js's ``pictureOf(indexSvg(svg))``."""
    root = ET.fromstring(_svg_element(svg))
    nodes, grad_nodes, visit_nodes, edges, labelled = [], [], [], [], []
    uses = {}  # edge key -> how many edges had its title so far (Graphviz keeps DOT order)
    for group in root.iter(f"{_SVG}g"):
        classes = (group.get("class") or "").split()
        title = (group.findtext(f"{_SVG}title") or "").strip()
        texts = ["".join(t.itertext()).strip() for t in group.iter(f"{_SVG}text")]
        if "node" in classes:
            nodes.append(title)
            if any(t.startswith("grad ") for t in texts):
                grad_nodes.append(title)
            if any(_is_visit_text(t) for t in texts):
                visit_nodes.append(title)
        elif "edge" in classes:
            key = edge_key(title)
            if key is not None:
                uses[key] = uses.get(key, 0) + 1
                key = key if uses[key] == 1 else f"{key}#{uses[key]}"
                edges.append(key)
                if texts:
                    labelled.append(key)
    return {"nodes": nodes, "gradNodes": grad_nodes, "visitNodes": visit_nodes,
            "edges": edges, "labelledEdges": labelled}


def _picture_of_model(model):
    """The same as ``picture_of`` for a picture that could not be rendered: what the SVG
    would hold (viz/dot.py draws a grad text where a node has a grad, and so on)."""
    nodes, grad_nodes, visit_nodes = [], [], []
    for n in model.nodes:
        nodes.append(n.id)
        if n.op:
            nodes.append(f"{n.id}_op")
        if n.kind != "collapsed" and n.grad is not None:
            grad_nodes.append(n.id)
        if n.kind != "collapsed" and n.order is not None:
            visit_nodes.append(n.id)
    edges = [f"{n.id}_op->{n.id}" for n in model.nodes if n.op]
    edges += [e.key for e in model.edges]
    labelled = [e.key for e in model.edges if e.grad is not None]
    if model.seed_target is not None:
        nodes.append(SEED)
        edges.append(f"{model.seed_target}->{SEED}")
    return {"nodes": nodes, "gradNodes": grad_nodes, "visitNodes": visit_nodes,
            "edges": edges, "labelledEdges": labelled}


def _visited_at(frames):
    at = {}
    for i, f in enumerate(frames):
        if f["kind"] == "visit":
            at.setdefault(f["active"], i)
    return at


def frame_state(frames, picture, i, first_visits=None):
    """What frame ``i`` shows (stepper.js's ``frameState``): ``grads`` (node id -> the
    text after "grad ", ``—`` before the node has accumulated anything), ``edges`` (edge
    key -> the gradient label, ``None`` while hidden), ``visited`` (nodes whose visit
    number shows), ``hotNodes``/``hotEdges`` (highlighted) and ``changed`` (the node whose
    grad this frame changed)."""
    first_visits = _visited_at(frames) if first_visits is None else first_visits
    frame = frames[i]
    shown_grads, shown_edges = {}, {}
    for earlier in frames[: i + 1]:  # each frame holds only what its step changed
        shown_grads.update(earlier["grads"])
        shown_edges.update(earlier["edges"])
    grads = {n: shown_grads.get(n, NO_GRAD) for n in picture["gradNodes"]}
    edges = {k: shown_edges.get(k) for k in picture["labelledEdges"]}
    visited = [n for n in picture["visitNodes"] if first_visits.get(n, len(frames)) <= i]
    hot_nodes, hot_edges = [frame["active"]], []
    if frame["kind"] == SEED:
        hot_nodes.append(SEED)
        hot_edges.append(f"{frame['active']}->{SEED}")
    elif frame["kind"] == "visit":
        hot_edges += [k for k in frame["edges"] if edge_ends(k)[1] == frame["active"]]
        op = f"{frame['active']}_op"
        if op in picture["nodes"]:
            hot_nodes.append(op)
            hot_edges.append(f"{op}->{frame['active']}")
    known, known_edges = set(picture["nodes"]), set(picture["edges"])
    return {
        "step": i,
        "kind": frame["kind"],
        "active": frame["active"],
        "caption": frame["caption"],
        "grads": grads,
        "edges": edges,
        "visited": sorted(visited),
        "hotNodes": sorted(n for n in hot_nodes if n in known),
        "hotEdges": sorted(k for k in hot_edges if k in known_edges),
        "changed": [frame["active"]] if frame["kind"] == "accumulate"
        and frame["active"] in grads else [],
    }


def frame_states(source):
    """What every frame of a stepper shows, as ``frame_state`` describes; ``source`` is a
    ``PassStepper``, an ``AutogradGraph`` of a pass or a ``RecordedPass``."""
    if isinstance(source, PassStepper):
        frames, svg, model = source.frames, source.svg, source.graph.model
    else:
        graph = draw(source) if isinstance(source, RecordedPass) else source
        frames, model = frames_json(graph.model), graph.model
        try:
            svg = _svg_element(graph.svg())
        except RendererUnavailable:
            svg = ""
    picture = picture_of(svg) if svg else _picture_of_model(model)
    first_visits = _visited_at(frames)
    return [frame_state(frames, picture, i, first_visits) for i in range(len(frames))]
