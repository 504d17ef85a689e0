"""``PassStepper``: step through one recorded backward pass, node by node, in the browser.

    with record() as passes:
        loss.backward()
    PassStepper(draw(passes[0]))

The graph is laid out and rendered once, as the final picture. The stepper's output
carries everything it needs: its ``text/html`` is the still picture (an ``<img>`` holding
the SVG), one small JSON record per frame (``Frame`` of ``viz.model``), the stylesheet and
the script (stepper.js) that turns the picture into the stepper and restyles the SVG for
each frame. So:

- wherever an output's scripts run (a trusted notebook in JupyterLab 4 or Notebook 7,
  saved and reopened with or without widget state, nbconvert's HTML offline, VS Code,
  Colab), it steps, with no kernel and no widget manager;
- wherever they do not (an untrusted notebook, a sanitizing viewer), the sanitized HTML
  still shows the picture; without HTML, ``image/svg+xml`` and a line of text remain.

It is not a Jupyter widget on purpose: a widget's output shows only through the widget
manager, which shows "Error displaying widget: model not found" wherever the model was
not saved (JupyterLab's default), and an empty box offline. Stepping needs nothing from
the kernel, so nothing is lost.

``frame_states()`` computes, in Python, what each frame shows (the same function as
stepper.js's ``frameState``), so the stepper can be checked without a browser.
"""

import functools
import hashlib
import html
import json
import pathlib
import xml.etree.ElementTree as ET

from ..autograd.record import RecordedPass
from ..viz.graph import AutogradGraph, draw, still_html
from ..viz.model import edge_ends
from ..viz.render import RendererUnavailable
from .predict import STILL_NOTE, hide_gradients

HERE = pathlib.Path(__file__).parent
JS = HERE / "stepper.js"
CSS = HERE / "stepper.css"
PREDICT_JS = HERE / "predict.js"  # practice mode (predict.py), added only where asked for
PREDICT_CSS = HERE / "predict.css"
NO_GRAD = "—"  # the grad text of a node the pass has not reached yet
SEED = "seed"  # the DOT name of the seed note (viz/dot.py)
_SVG = "{http://www.w3.org/2000/svg}"


class PassStepper:
    """A backward pass, one step at a time: ⏮ ◀ ▶ ▶| ⏭, a slider, ← → keys.

    ``PassStepper(draw(recorded_pass))``; a ``RecordedPass`` is drawn with default
    settings. ``step`` is the frame shown first (0 is the seed). ``predict`` turns on
    practice mode (predict.py): True, or the ``RecordedPass`` itself, whose saved values
    (``record(saved=True)``) give the hints their numbers.
    """

    def __init__(self, graph, *, step=0, predict=False):
        if isinstance(graph, RecordedPass):
            if predict is True:
                predict = graph
            graph = draw(graph)
        if not isinstance(graph, AutogradGraph):
            raise TypeError(f"PassStepper takes draw(recorded_pass), not a "
                            f"{type(graph).__name__}")
        if not graph.model.frames:
            raise ValueError("this picture has no steps to go through: draw a recorded pass "
                             "(with micrograd_nb.autograd.record() as passes: ...; "
                             "draw(passes[0]))")
        try:
            self.svg = _svg_element(graph.svg())
        except RendererUnavailable:
            self.svg = ""
        self.graph = graph
        self.frames = frames_json(graph.model)
        self.title = graph.model.title or "backward pass"
        self.step = step
        self.predict = None
        if predict is not False and predict is not None:
            from .predict import questions

            self.predict = questions(graph, predict if isinstance(predict, RecordedPass)
                                     else None)

    @property
    def step(self):
        return self._step

    @step.setter
    def step(self, value):
        self._step = min(max(int(value), 0), max(len(self.frames) - 1, 0))

    def frame_states(self):
        """What each frame shows: see ``frame_states``."""
        return frame_states(self)

    def __repr__(self):
        return (f"<PassStepper {self.title}: {len(self.graph.model.nodes)} nodes, "
                f"{len(self.frames) - 1} steps after the seed>")

    @functools.cached_property
    def still_svg(self):
        """The picture shown before the script runs (and where it never runs): in practice
        mode with its gradients hidden. Worked out once for the HTML and the SVG output."""
        return self.svg if self.predict is None else hide_gradients(self.svg)

    def _repr_html_(self):
        return stepper_html(self.still_svg, self.frames, self.title, self.step, self.predict)

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"text/html": self._repr_html_(), "text/plain": repr(self)}
        if self.svg:
            data["image/svg+xml"] = self.still_svg
        else:
            data["text/plain"] += f"\n\n{self.graph.dot()}"
        return data


def _svg_element(svg):
    """The ``<svg>`` element alone: no XML declaration, DOCTYPE or leading comment."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _script_text(text):
    """Text that may sit inside a <script> element: no "</" to end it early."""
    return text.replace("</", "<\\/")


class SideBySide:
    """Steppers (or anything with ``_repr_html_``) in one row that wraps where the column
    is too narrow for them: ``SideBySide(PassStepper(ours), PassStepper(torchs))``."""

    def __init__(self, *items):
        self.items = items

    def _repr_html_(self):
        cells = "".join(f'<div style="flex:1 1 380px;min-width:0">{item._repr_html_()}</div>'
                        for item in self.items)
        return f'<div style="display:flex;flex-wrap:wrap;gap:8px">{cells}</div>'

    def __repr__(self):
        return f"<SideBySide of {len(self.items)}>"


def stepper_html(svg, frames, title, step=0, predict=None):
    """A stepper output's HTML: the still picture ``svg`` (an <img> with the SVG as a data
    URL, which sanitizers keep; in practice mode its gradients are hidden already), the
    frames as JSON, the stylesheet, and the script that turns the picture into the stepper
    (stepper.js, run once the output is on the page). The same pass gives the same text
    (no random ids). ``predict`` (predict.py's questions) adds
    practice mode: its data, predict.js and its stylesheet."""
    record = {"frames": frames, "title": title, "step": step}
    if predict is not None:
        record["predict"] = predict
    data = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    key = hashlib.sha256((svg + data).encode("utf-8")).hexdigest()[:16]
    parts = [f'<div class="mgnb-output" data-mgnb-stepper="{key}">']
    if svg and predict is not None:
        # the answers stay out of the picture (still_svg) until the stepper asks for them
        parts.append(f'<p class="mgnb-still-note">{html.escape(STILL_NOTE)}</p>')
        parts.append(still_html(svg, f"{title}: the graph of the backward pass, its gradients "
                                "hidden for practice"))
    elif svg:
        parts.append(still_html(svg, f"{title}: the picture after the backward pass"))
    else:
        parts.append(f"<pre>{html.escape(title)}: no Graphviz renderer was available</pre>")
    parts.append(f'<script type="application/json" class="mgnb-data">{_script_text(data)}'
                 "</script>")
    parts.append(f"<style>{_asset(CSS)}</style>")
    script = _asset(JS)
    if predict is not None:
        parts.append(f"<style>{_asset(PREDICT_CSS)}</style>")
        script += "\n" + _asset(PREDICT_JS)
    parts.append(f"<script>(function () {{\n{_script_text(script)}\nmountAll(document);\n}})();"
                 "</script>")
    parts.append("</div>")
    return "".join(parts)


@functools.cache
def _asset(path):
    """The text of a stylesheet or script shipped with the package, read once."""
    return path.read_text(encoding="utf-8")


def frames_json(model):
    """The ``frames`` trait: each ``Frame`` of a picture model as JSON, as
    ``dataclasses.asdict`` gives it (its dicts copied), built directly: asdict's deep
    copy of every string was most of the time a stepper took besides its layout."""
    return [{"active": f.active, "kind": f.kind, "grads": dict(f.grads),
             "edges": dict(f.edges), "caption": f.caption} for f in model.frames]


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
