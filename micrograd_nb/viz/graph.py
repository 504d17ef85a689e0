"""``draw()`` and the object it returns."""

import base64
import html
import re
from pathlib import Path

from ..autograd.record import RecordedPass
from . import render, torch_adapter
from .dot import left_to_right_width_at_least, to_dot
from .model import graph_of, graph_of_pass

# Pictures scale down to the width they are shown in (the SVG's viewBox, max-width: 100%).
# The smallest text is 9 pt (edge labels), 12 px at full size. A notebook at 1280 px with
# the file browser open has an 848 px output column, about 810 px inside a stepper's
# frame: there the text stays at least 9 px for a picture up to 1080 px, 810 pt, wide
# (800 leaves a margin). A wider left-to-right picture is laid out top to bottom instead
# when that is narrower.
MAX_WIDTH_PT = 800
_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"')


def svg_width_pt(svg):
    """The width Graphviz gave the picture, in points (None if it says otherwise)."""
    found = _SIZE.search(svg)
    return float(found.group(1)) if found else None


def fit_width(svg):
    """Let the picture scale down to its container: max-width 100%, height from the
    viewBox (used where the SVG sits inline in HTML; an <img> needs the same CSS)."""
    return re.sub(r"<svg\b", '<svg style="max-width:100%;height:auto"', svg, count=1)


def still_html(svg, alt):
    """The picture as HTML that fits its column: an <img> holding the SVG as a data URL
    (notebook frontends draw image/svg+xml at its full width, cut off in a narrow
    column; HTML sanitizers keep an <img>)."""
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode()
    alt = html.escape(alt, quote=True)
    return (f'<img class="mgnb-still" alt="{alt}" src="{src}" '
            'style="max-width:100%;height:auto">')


class AutogradGraph:
    """A picture of an autograd graph: SVG in Jupyter, DOT text where no renderer is
    installed."""

    def __init__(self, model, renderer=None):
        self.model = model
        self.renderer = renderer
        self.rankdir = "LR"
        self._dot = None
        self._svg = None

    def dot(self):
        """The DOT source; after ``svg()``, of the layout the picture uses."""
        if self._dot is None:
            self._dot = to_dot(self.model, self.rankdir)
        return self._dot

    def svg(self):
        """The SVG text; raises ``RendererUnavailable`` where nothing can render. Left to
        right, or top to bottom where that fits a column better (``MAX_WIDTH_PT``)."""
        if self._svg is None:
            tall_dot = tall = None
            at_least = left_to_right_width_at_least(self.model)
            if at_least > MAX_WIDTH_PT:
                # Surely too wide left to right: top to bottom first, and where that is
                # narrower than left to right can be, the left-to-right layout is skipped.
                tall_dot = to_dot(self.model, "TB")
                tall = self._render(tall_dot)
                tall_width = svg_width_pt(tall)
                if tall_width is not None and tall_width < at_least:
                    self._dot, self.rankdir = tall_dot, "TB"
                    self._svg = fit_width(tall)
                    return self._svg
            svg = self._render(self.dot())
            width = svg_width_pt(svg)
            if width is not None and width > MAX_WIDTH_PT:
                if tall is None:
                    tall_dot = to_dot(self.model, "TB")
                    tall = self._render(tall_dot)
                if (svg_width_pt(tall) or width) < width:
                    svg, self._dot, self.rankdir = tall, tall_dot, "TB"
            self._svg = fit_width(svg)
        return self._svg

    def _render(self, dot_source):
        data, self.renderer = render.render(dot_source, "svg", self.renderer)
        return data.decode("utf-8")

    def save(self, path):
        """Write ``.svg``, ``.dot`` or (where the renderer can) ``.png`` and others."""
        path = Path(path)
        fmt = path.suffix.lstrip(".").lower()
        if fmt in ("dot", "gv"):
            path.write_text(self.dot(), encoding="utf-8")
        elif fmt == "svg":
            path.write_text(self.svg(), encoding="utf-8")
        else:
            data, _ = render.render(self.dot(), fmt, self.renderer)
            path.write_bytes(data)
        return path

    def _repr_mimebundle_(self, include=None, exclude=None):
        text = self.__repr__()
        try:
            svg = self.svg()
            return {"text/html": still_html(svg, text), "image/svg+xml": svg,
                    "text/plain": text}
        except render.RendererUnavailable as missing:
            return {"text/plain": f"{missing}\n\n{self.dot()}"}

    def __repr__(self):
        m = self.model
        parts = [f"{len(m.nodes)} nodes"]
        if m.title:
            parts.insert(0, m.title)
        if m.frames:  # counted as the stepper and the recorded pass count them
            parts.append(f"{len(m.frames) - 1} steps after the seed")
        return f"<AutogradGraph {', '.join(parts)}>"


def draw(target, *, names=None, show_values=True, max_nodes=200, renderer=None,
         saved=False, predict=False):
    """A picture of ``target``: a ``Value``/``Tensor`` (or a list of them), a PyTorch
    tensor (or a list of them), or a ``RecordedPass`` from
    ``micrograd_nb.autograd.record()`` (of either engine).

    ``names`` maps ``id(obj)`` to a name to print on its node (for torch objects,
    ``torch_names(globals())`` names tensors and every module's parameters);
    ``max_nodes`` bounds the picture (bigger graphs are collapsed, with a note);
    ``renderer`` forces "dot" or "wasm"; ``saved`` shows what each PyTorch node saved
    for its backward.

    ``predict=True`` (a recorded pass only) gives practice mode instead of a picture: a
    stepper (jupyter/stepper.py) that hides every gradient and asks the student for each
    one (jupyter/predict.py); record with ``record(saved=True)`` for hints with every
    number.
    """
    if predict:
        if not isinstance(target, RecordedPass):
            raise TypeError("predict=True steps through a backward pass: draw a recorded pass "
                            "(with micrograd_nb.autograd.record() as passes: ...; "
                            "draw(passes[0], predict=True))")
        from ..jupyter.stepper import PassStepper

        graph = draw(target, names=names, show_values=show_values, max_nodes=max_nodes,
                     renderer=renderer, saved=saved)
        return PassStepper(graph, predict=target)
    options = dict(names=names, show_values=show_values, max_nodes=max_nodes)
    if isinstance(target, RecordedPass):
        if target.engine == "torch":
            model = torch_adapter.graph_of_torch_pass(target, saved=saved, **options)
        else:
            model = graph_of_pass(target, **options)
    elif _is_torch(target):
        model = torch_adapter.graph_of_torch(target, saved=saved, **options)
    else:
        model = graph_of(target, **options)
    return AutogradGraph(model, renderer)


def _is_torch(target):
    items = target if isinstance(target, (list, tuple)) else [target]
    return bool(items) and all(torch_adapter.is_torch_tensor(t) for t in items)
