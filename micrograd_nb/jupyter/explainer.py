"""A short card under the traceback of the classic autograd errors.

After ``%load_ext micrograd_nb``, when a cell fails with one of the errors every autograd
learner meets (``backward()`` on a non-scalar, backward twice, an in-place change of a
saved value...), IPython prints the traceback as usual (the engine's own frames hidden,
so the user's line is what shows) and then this card: what happened in this cell (the
output's name and shape, the versions, the op), why autograd refuses, and the standard
fixes as code.

``explain(exc)`` matches the message against the catalog (errors.py), so the same errors
raised by real PyTorch tensors are explained too. The cards are data (cards.py); the facts
about the cell come from the objects the engine attached to the exception and from the
user's frame (scene.py). The card is shown from IPython's ``post_run_cell`` event: the
shell's own exception handling is left alone.
"""

import html
import re
import textwrap
import weakref
from dataclasses import dataclass, field

from . import cards
from .scene import Scene

__all__ = ["Explanation", "explain", "install", "uninstall"]


# ---------------------------------------------------------------------------------------
# The card.

HINTS_NOTE = ("The fixes are hidden in this notebook (an exercise: finding the fix is the "
              "question).")

@dataclass
class Explanation:
    """One card: a title, what happened in the cell, why, and fixes as code.

    ``happened`` and ``why`` may quote code between backticks (shown as code in HTML).
    ``fixes`` is a list of (what it does, code) pairs. ``graph`` is the picture of the
    offending output (an ``AutogradGraph``), for micrograd_nb tensors and Values only.
    """

    kind: str
    title: str
    happened: str
    why: str
    fixes: list = field(default_factory=list)
    graph: object = None
    graph_caption: str = ""
    message: str = ""
    fixes_hidden: bool = False  # hints mode: the fixes would give an exercise away

    def text(self, width=88):
        """The card as plain text."""
        out = [f"autograd: {self.title}"]

        def para(label, body):
            out.append(textwrap.fill(f"{label}: {body}", width, subsequent_indent="  "))

        para("In this cell", self.happened)
        para("Why", self.why)
        if self.fixes:
            out.append("Fixes:")
            for label, code in self.fixes:
                out.append(textwrap.fill(label, width, initial_indent="  - ",
                                         subsequent_indent="    "))
                out.extend("      " + line for line in code.splitlines())
        if self.fixes_hidden:
            out.append(HINTS_NOTE)
        return "\n".join(out)

    def html(self):
        """The card as an HTML fragment (the graph inline where it can be rendered)."""
        parts = [
            '<div class="micrograd-nb-explainer" style="border-left:4px solid #d9822b;'
            "padding:6px 12px;margin:8px 0;background:rgba(217,130,43,0.07);"
            'font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:13px;'
            'line-height:1.45;max-width:820px">',
            '<div style="font-size:11px;opacity:0.7;text-transform:uppercase;'
            'letter-spacing:0.04em">autograd explainer</div>',
            f'<div style="font-weight:600;font-size:14px;margin:2px 0 6px 0">'
            f"{html.escape(self.title)}</div>",
            f"<div><b>In this cell:</b> {_inline_html(self.happened)}</div>",
            f'<div style="margin-top:4px"><b>Why:</b> {_inline_html(self.why)}</div>',
        ]
        if self.fixes:
            parts.append('<div style="margin-top:6px"><b>Fixes:</b></div>')
            for label, code in self.fixes:
                parts.append(f'<div style="margin-top:4px">{_inline_html(label)}</div>')
                parts.append('<pre style="margin:2px 0 4px 0;padding:4px 8px;'
                             'background:rgba(127,127,127,0.12);border-radius:3px">'
                             f"{html.escape(code)}</pre>")
        if self.fixes_hidden:
            parts.append(f'<div style="margin-top:6px;opacity:0.8"><i>{html.escape(HINTS_NOTE)}'
                         "</i></div>")
        svg = self._svg()
        if svg:
            parts.append('<details open style="margin-top:6px"><summary>'
                         f"{html.escape(self.graph_caption or 'the graph')}</summary>"
                         f'<div style="overflow:auto;max-height:420px">{svg}</div></details>')
        parts.append("</div>")
        return "\n".join(parts)

    def _svg(self):
        if self.graph is None:
            return None
        try:
            svg = self.graph.svg()
        except Exception:  # no renderer here, or a picture that failed: the card is enough
            return None
        start = svg.find("<svg")
        return svg[start:] if start >= 0 else None

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html(), "text/plain": self.text()}

    def __str__(self):
        return self.text()

    def __repr__(self):
        return f"<Explanation {self.kind}: {self.title}>"


def _inline_html(text):
    escaped = html.escape(text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def _graph(obj, name):
    """The picture of the output's graph, micrograd_nb's or torch's; None on any failure."""
    if obj is None or type(obj).__module__.split(".")[0] not in ("micrograd_nb", "torch"):
        return None
    try:
        from ..viz import draw

        return draw(obj, names={id(obj): name} if name else None, max_nodes=60)
    except Exception:
        return None


def explain(exc):
    """The card for ``exc``, or None when it is not one of the autograd errors known here.

    Matches on the message text, so PyTorch's own errors are explained as well as
    micrograd_nb's."""
    if not isinstance(exc, BaseException):
        return None
    try:
        message = str(exc)
    except Exception:
        return None
    scene = None
    for card, m in cards.matches(message):
        scene = scene or Scene(exc)
        fields = card.facts(m, scene)
        if fields is None:
            continue
        name = fields.get("graph_name")
        return Explanation(card.kind, fields.get("title", card.title), fields["happened"],
                           fields.get("why", card.why), cards.fixes(card, fields),
                           _graph(fields.get("graph"), name),
                           f"the graph of {name}" if name else "the graph of the output",
                           m.string)
    return None


# ---------------------------------------------------------------------------------------
# IPython: the card after the traceback, from the post_run_cell event.

MODES = ("full", "hints", "off")


class _Settings:
    """One shell's explainer: its callback and what the cards show."""

    __slots__ = ("callback", "mode")

    def __init__(self):
        self.mode = "full"
        self.callback = self._show_card

    def _show_card(self, result):
        error = getattr(result, "error_in_exec", None)
        if error is None or self.mode == "off":
            return
        try:
            card = explain(error)
            if card is not None:
                from IPython.display import display

                if self.mode == "hints":
                    card.fixes, card.fixes_hidden = [], True
                display(card)
        except Exception:  # the explainer must never turn one error into two
            pass


_installed = weakref.WeakKeyDictionary()  # shell -> its _Settings


def install(ip):
    """Show a card after the traceback of the classic autograd errors in ``ip``.
    Idempotent; ``uninstall(ip)`` removes exactly the callback it registered."""
    if ip in _installed:
        return
    settings = _installed[ip] = _Settings()
    ip.events.register("post_run_cell", settings.callback)


def uninstall(ip):
    """Remove what ``install(ip)`` added."""
    settings = _installed.pop(ip, None)
    if settings is not None:
        ip.events.unregister("post_run_cell", settings.callback)


def set_mode(ip, mode):
    """``full`` cards, ``hints`` (what happened and why, no fixes: for graded exercises,
    where a fix would be the answer) or ``off``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if ip not in _installed:
        install(ip)
    _installed[ip].mode = mode
