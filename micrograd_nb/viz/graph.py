"""``draw()`` and the object it returns."""

from pathlib import Path

from ..autograd.record import RecordedPass
from . import render
from .dot import to_dot
from .model import graph_of, graph_of_pass


class AutogradGraph:
    """A picture of an autograd graph: SVG in Jupyter, DOT text where no renderer is
    installed."""

    def __init__(self, model, renderer=None):
        self.model = model
        self.renderer = renderer
        self._dot = None
        self._svg = None

    def dot(self):
        if self._dot is None:
            self._dot = to_dot(self.model)
        return self._dot

    def svg(self):
        """The SVG text; raises ``RendererUnavailable`` where nothing can render."""
        if self._svg is None:
            data, self.renderer = render.render(self.dot(), "svg", self.renderer)
            self._svg = data.decode("utf-8")
        return self._svg

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
            return {"image/svg+xml": self.svg(), "text/plain": text}
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


def draw(target, *, names=None, show_values=True, max_nodes=200, renderer=None):
    """A picture of ``target``: a ``Value``/``Tensor`` (or a list of them), or a
    ``RecordedPass`` from ``micrograd_nb.autograd.record()``.

    ``names`` maps ``id(obj)`` to a name to print on its node; ``max_nodes`` bounds the
    picture (bigger graphs are collapsed, with a note); ``renderer`` forces "dot" or
    "wasm".
    """
    if isinstance(target, RecordedPass):
        model = graph_of_pass(target, names=names, show_values=show_values,
                              max_nodes=max_nodes)
    else:
        model = graph_of(target, names=names, show_values=show_values, max_nodes=max_nodes)
    return AutogradGraph(model, renderer)
