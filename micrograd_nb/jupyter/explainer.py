"""A short card under the traceback of the classic autograd errors.

After ``%load_ext micrograd_nb``, when a cell fails with one of the errors every autograd
learner meets (``backward()`` on a non-scalar, backward twice, an in-place change of a
saved value...), IPython prints the traceback as usual and then this card: what happened
in this cell (the output's name and shape, the versions, the op), why autograd refuses,
and the standard fixes as code.

``explain(exc)`` matches on the message text alone, so the same errors raised by real
PyTorch tensors are explained too. The facts about the cell come from the traceback: the
frame of the ``backward``/``grad`` call holds the output (``self``, ``tensors`` or
``outputs``), and the innermost frame of user code holds the names and the source line.
"""

import html
import linecache
import re
import sys
import sysconfig
import textwrap
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from ..autograd import errors

__all__ = ["Explanation", "explain", "install", "uninstall"]


# ---------------------------------------------------------------------------------------
# The card.

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


# ---------------------------------------------------------------------------------------
# What the traceback tells about the cell.

def _library_roots():
    roots = [str(Path(__file__).resolve().parents[1])]  # micrograd_nb itself
    paths = sysconfig.get_paths()
    for key in ("purelib", "platlib", "stdlib", "platstdlib"):
        if paths.get(key):
            roots.append(str(Path(paths[key]).resolve()))
    return tuple(sorted(set(roots)))


_LIBRARY_ROOTS = None


def _is_library(frame):
    global _LIBRARY_ROOTS
    module = frame.f_globals.get("__name__", "") or ""
    if module.split(".")[0] in ("micrograd_nb", "torch", "numpy", "IPython", "ipykernel"):
        return True
    filename = frame.f_code.co_filename
    if filename.startswith("<"):
        return False
    if _LIBRARY_ROOTS is None:
        _LIBRARY_ROOTS = _library_roots()
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, ValueError):
        return False
    return resolved.startswith(_LIBRARY_ROOTS)


# The frames that hold the outputs of a backward pass: (module, function) -> engine.
_BACKWARD_FRAMES = {
    ("micrograd_nb.autograd.tensor", "backward"): "micrograd_nb",
    ("micrograd_nb.autograd.value", "backward"): "micrograd_nb",
    ("micrograd_nb.autograd.api", "backward"): "micrograd_nb",
    ("micrograd_nb.autograd.api", "grad"): "micrograd_nb",
    ("torch._tensor", "backward"): "torch",
    ("torch.autograd", "backward"): "torch",
    ("torch.autograd", "grad"): "torch",
}

_SKIP_NAMES = {"In", "Out", "exit", "quit", "get_ipython"}


class _Context:
    """The frames of a traceback, read once: the user's frame and source line, and the
    backward/grad call (if any) with its outputs, gradients and inputs."""

    def __init__(self, exc):
        self.message = str(exc)
        frames = []
        tb = getattr(exc, "__traceback__", None)
        while tb is not None:
            frames.append((tb.tb_frame, tb.tb_lineno))
            tb = tb.tb_next
        self.frames = frames
        # The innermost run of library frames is where the error was raised; the frame
        # just outside it is the user's code (a cell, or a function the cell called).
        i = len(frames)
        while i > 0 and _is_library(frames[i - 1][0]):
            i -= 1
        self.library = [f for f, _ in frames[i:]]
        self.user_frame, self.user_line = frames[i - 1] if i > 0 else (None, None)
        self.source = ""
        if self.user_frame is not None:
            filename = self.user_frame.f_code.co_filename
            self.source = linecache.getline(filename, self.user_line).strip()
        self.engine = None
        self.call = None  # "backward" or "grad"
        self.outputs, self.gradients, self.inputs = [], None, []
        self._read_backward_frame()

    def _read_backward_frame(self):
        for frame in self.library:  # outermost first: the user's own objects
            key = (frame.f_globals.get("__name__"), frame.f_code.co_name)
            engine = _BACKWARD_FRAMES.get(key)
            if engine is None:
                continue
            loc = frame.f_locals
            self.engine = engine
            self.call = key[1]
            if "self" in loc:
                self.outputs = [loc["self"]]
                g = loc.get("gradient")
                self.gradients = None if g is None else [g]
            elif key[1] == "grad":
                self.outputs = _as_list(loc.get("outputs"))
                self.gradients = _as_list_or_none(loc.get("grad_outputs"))
                self.inputs = _as_list(loc.get("inputs"))
            else:
                self.outputs = _as_list(loc.get("tensors"))
                self.gradients = _as_list_or_none(loc.get("grad_tensors"))
            return
        if any(_module(f).startswith("micrograd_nb.") for f in self.library):
            self.engine = "micrograd_nb"
        elif any(_module(f).split(".")[0] == "torch" for f in self.library):
            self.engine = "torch"

    def frame_local(self, module, function, name):
        """``name`` in the innermost library frame of ``module.function``."""
        for frame in reversed(self.library):
            if _module(frame) == module and frame.f_code.co_name == function:
                return frame.f_locals.get(name)
        return None

    def name_of(self, obj):
        """The user's name for ``obj``: one named in the failing line first, else the
        first in alphabetical order; None for a temporary."""
        if obj is None or self.user_frame is None:
            return None
        found = []
        for namespace in (self.user_frame.f_locals, self.user_frame.f_globals):
            for name, value in list(namespace.items()):
                if value is obj and not name.startswith("_") and name not in _SKIP_NAMES:
                    found.append(name)
            if found:
                break
        if not found:
            return None
        in_line = [w for w in re.findall(r"[A-Za-z_]\w*", self.source) if w in found]
        return in_line[0] if in_line else sorted(found)[0]

    def lookup(self, name):
        """The value bound to ``name`` where the error happened, or None."""
        if self.user_frame is None or not name:
            return None
        if name in self.user_frame.f_locals:
            return self.user_frame.f_locals[name]
        return self.user_frame.f_globals.get(name)

    def alias(self, engine):
        """How the user's code spells the module: ``mg``, ``torch``..."""
        module = sys.modules.get(engine)
        default = "torch" if engine == "torch" else "mg"
        if module is None or self.user_frame is None:
            return default
        names = sorted(n for n, v in self.user_frame.f_globals.items()
                       if v is module and not n.startswith("_"))
        if default in names or not names:
            return default
        return names[0]


def _module(frame):
    return frame.f_globals.get("__name__", "") or ""


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _as_list_or_none(x):
    return None if x is None else _as_list(x)


def _is_torch(obj):
    return type(obj).__module__.split(".")[0] == "torch"


def _is_ours(obj):
    return type(obj).__module__.split(".")[0] == "micrograd_nb"


def _shape(obj):
    """A tensor's shape as a tuple; None for a Value or anything else."""
    shape = getattr(obj, "shape", None)
    if shape is None:
        return None
    try:
        return tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        return None


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _dtype_text(obj):
    dt = getattr(obj, "dtype", None)
    return str(dt).replace("torch.", "").replace("micrograd_nb.", "") if dt else None


def _parse_size(text):
    """``torch.Size([4, 2])`` / ``micrograd_nb.Size([])`` -> (4, 2) / ()."""
    inner = text.strip()
    return tuple(int(n) for n in inner.split(",") if n.strip())


def _receiver(source, method):
    """The expression before ``.method(`` in a line: ``(x * 2)`` in
    ``(x * 2).backward()``; None where it cannot be read simply."""
    at = source.rfind(f".{method}(")
    if at <= 0:
        return None
    i, closing = at, {")": "(", "]": "["}
    while i > 0:
        ch = source[i - 1]
        if ch in closing:
            depth, j = 0, i - 1
            while j >= 0:
                if source[j] == ch:
                    depth += 1
                elif source[j] == closing[ch]:
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            if j < 0:
                return None
            i = j
        elif ch.isalnum() or ch in "_.":
            i -= 1
        else:
            break
    expr = source[i:at]
    return expr if expr and not expr[0].isdigit() and expr[0] != "." else None


def _output_text(ctx, name):
    """(text for prose, text for code) of the output of a backward() call: its variable,
    else the expression it was called on, else a placeholder."""
    if name:
        return _code(name), name
    expr = _receiver(ctx.source, "backward") if ctx.call == "backward" else None
    if expr:
        return f"The output {_code(expr)}", expr
    return "The output", "y"


def _bare(expr):
    """``x * 2`` from ``(x * 2)``, to pass as an argument."""
    if not (expr.startswith("(") and expr.endswith(")")):
        return expr
    depth = 0
    for i, ch in enumerate(expr):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(expr) - 1:
            return expr  # (a) * (b): the parentheses are not one pair
    return expr[1:-1]


def _code(name):
    return f"`{name}`"


def _shape_phrase(shape):
    n = _numel(shape)
    if n == 0:
        return f"shape {shape}: no elements"
    return f"shape {shape}: {n} elements"


def _engine(ctx, *objs):
    """"torch" or "micrograd_nb": from the objects, else from the frames."""
    for obj in objs:
        if _is_torch(obj):
            return "torch"
        if _is_ours(obj):
            return "micrograd_nb"
    if ctx.engine:
        return ctx.engine
    if re.search(r"micrograd_nb\.(?:Size|\w+Tensor)\b", ctx.message):
        return "micrograd_nb"
    # micrograd_nb always raises from Python frames; a bare error comes from torch's C++.
    return "torch"


def _graph(obj, name):
    """The picture of the output's graph, micrograd_nb's or torch's; None on any failure."""
    if obj is None or not (_is_ours(obj) or _is_torch(obj)):
        return None
    try:
        from ..viz import draw

        return draw(obj, names={id(obj): name} if name else None, max_nodes=60)
    except Exception:
        return None


# ---------------------------------------------------------------------------------------
# The cards, one per error.

def _non_scalar(m, ctx):
    outputs = ctx.outputs
    out = next((o for o in outputs if _shape(o) is not None and _numel(_shape(o)) != 1
                and getattr(o, "requires_grad", True)), None)
    name = ctx.name_of(out)
    engine = _engine(ctx, out)
    mod = ctx.alias(engine)
    shape = _shape(out)
    if shape is not None:
        if ctx.call == "grad":
            given = _code(name) if name else "an output"
            happened = (f"autograd.grad() was given {given}, which has {_shape_phrase(shape)}, "
                        "so there is no single number to differentiate.")
        else:
            who = _output_text(ctx, name)[0]
            happened = (f"{who} has {_shape_phrase(shape)}, so there is no single number to "
                        "differentiate.")
    else:
        happened = ("The output has more than one element (or none), so there is no single "
                    "number to differentiate.")
    why = ("backward() with no argument computes the derivative of one number: it starts "
           "the backward pass from a seed gradient of 1. A tensor with several elements has "
           "one derivative per element, so you must say how to combine them: reduce it to "
           "a scalar (a loss), or pass the seed yourself, the gradient of some scalar with "
           "respect to each element.")
    y = name or (_output_text(ctx, None)[1] if ctx.call == "backward" else "y")
    n = _numel(shape) if shape else None
    if ctx.call == "grad":
        x = _names(ctx, ctx.inputs) or "x"
        fixes = [
            ("Differentiate one number: the sum (each element then gets gradient 1).",
             f"{mod}.autograd.grad({y}.sum(), {x})"),
            ("Or pass the seed, with the output's shape, as grad_outputs.",
             f"{mod}.autograd.grad({y}, {x}, grad_outputs={mod}.ones_like({y}))"),
        ]
    else:
        mean_note = f" 1/{n}" if n else " 1/n"
        fixes = [
            ("Reduce it to one number first: the sum gives each element gradient 1.",
             f"{y}.sum().backward()"),
            (f"Or the mean: each element gets gradient{mean_note}.", f"{y}.mean().backward()"),
            ("Or pass the seed yourself, with the output's shape (ones: the same as sum).",
             f"{y}.backward(gradient={mod}.ones_like({_bare(y)}))"),
        ]
    return Explanation("non_scalar_output", "backward() needs a scalar output, or a gradient",
                       happened, why, fixes, _graph(out, name), _caption(name), m.string)


def _shape_mismatch(m, ctx):
    index = int(m.group("index"))
    grad_shape = _parse_size(m.group("grad"))
    out_shape = _parse_size(m.group("out"))
    out = ctx.outputs[index] if index < len(ctx.outputs) else None
    grad = ctx.gradients[index] if ctx.gradients and index < len(ctx.gradients) else None
    name, gname = ctx.name_of(out), ctx.name_of(grad)
    engine = _engine(ctx, out, grad)
    mod = ctx.alias(engine)
    who = _code(name) if name else ("the output" if index == 0 else f"output {index}")
    if index and name:
        who = f"output {index} ({who})"
    given = f"the gradient {_code(gname)}" if gname else "the gradient you passed"
    happened = (f"{given[0].upper()}{given[1:]} has shape {grad_shape}, but {who} has shape "
                f"{out_shape}.")
    why = ("The gradient argument is the seed of the backward pass: the derivative of some "
           "scalar with respect to each element of the output. So it needs exactly the "
           "output's shape, element for element; autograd does not broadcast it (even a "
           "(1,) gradient for a 0-d output is refused).")
    y = name or (_output_text(ctx, None)[1] if ctx.call == "backward" else "y")
    g = gname or "g"
    arg = "grad_outputs" if ctx.call == "grad" else "gradient"
    if ctx.call == "grad":
        x = _names(ctx, ctx.inputs) or "x"
        call = lambda seed: f"{mod}.autograd.grad({y}, {x}, grad_outputs={seed})"  # noqa: E731
    else:
        call = lambda seed: f"{y}.backward(gradient={seed})"  # noqa: E731
    fixes = [(f"Build the seed from the output, so the shapes match ({arg}=).",
              call(f"{mod}.ones_like({_bare(y)})"))]
    if _numel(grad_shape) == _numel(out_shape):
        fixes.append(("Same number of elements: reshape the gradient to the output's shape.",
                      call(f"{g}.reshape({y}.shape)")))
    fixes.append(("Or reduce the output to a scalar and let backward() seed it with 1.",
                  f"{y}.sum().backward()"))
    return Explanation("shape_mismatch", "The gradient must have the output's shape",
                       happened, why, fixes, _graph(out, name), _caption(name), m.string)


def _backward_twice(m, ctx):
    out = ctx.outputs[0] if ctx.outputs else None
    name = ctx.name_of(out)
    who, y = _output_text(ctx, name)
    if not name:
        who = who.replace("The output", "the output")
    happened = (f"backward() ran through the graph of {who} again, but an earlier backward() "
                "through the same nodes had already freed the values they saved.")
    node = ctx.frame_local("micrograd_nb.autograd.function", "_apply", "self")
    node_name = None
    if node is not None and hasattr(node, "name"):
        try:
            node_name = node.name()
        except Exception:
            node_name = None
    elif ctx.frame_local("micrograd_nb.autograd.value", "_apply", "self") is not None:
        value = ctx.frame_local("micrograd_nb.autograd.value", "_apply", "self")
        node_name = f"the '{getattr(value, '_op', '') or 'op'}' node"
    if node_name:
        happened += f" The first node that found them gone: {node_name}."
    why = ("To compute gradients, ops keep some values from the forward pass (x*x keeps x, "
           "exp keeps its result). backward() frees them as soon as it has used them, to "
           "save memory, so a second pass through the same nodes has nothing to work with. "
           "A common cause is a loop that reuses a value computed before the loop: its graph "
           "is shared by every iteration.")
    fixes = [
        ("Keep the saved values on the first call (the gradients then add up in .grad).",
         f"{y}.backward(retain_graph=True)\n{y}.backward()"),
        ("Or rebuild the graph: redo the forward pass before each backward().",
         f"{y} = ...  # recompute from the inputs\n{y}.backward()"),
        ("In a loop, cut the part computed before the loop out of the graph.",
         "h = h.detach()  # h: the value reused across iterations"),
    ]
    return Explanation("backward_twice", "This graph was already freed by an earlier backward()",
                       happened, why, fixes, _graph(out, name), _caption(name), m.string)


def _no_grad_fn(m, ctx):
    index = int(m.group("index"))
    out = ctx.outputs[index] if index < len(ctx.outputs) else None
    name = ctx.name_of(out)
    engine = _engine(ctx, out)
    mod = ctx.alias(engine)
    who = _code(name) if name else "the output"
    if len(ctx.outputs) > 1:
        who = f"output {index} ({who})" if name else f"output {index}"
    happened = (f"{who[0].upper()}{who[1:]} has requires_grad=False and no grad_fn: nothing "
                "it was computed from required grad, so autograd recorded no graph to go "
                "back through.")
    why = ("Autograd records an op only if one of its inputs requires grad, grad mode is on "
           "(not inside no_grad()), and the op is differentiable (argmax, comparisons and "
           "integer results are not). Otherwise the result is a plain constant, and there "
           "is nothing to differentiate.")
    y = name or "y"
    fixes = [
        ("Ask for gradients on the inputs, before computing the output.",
         f"x = {mod}.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
         f"# or, for an existing tensor: x.requires_grad_()\n{y} = (x * 2).sum()\n"
         f"{y}.backward()"),
        ("Compute the output outside no_grad(), without .detach(), and through "
         "differentiable ops.",
         f"{y} = loss_fn(model(x))  # not under {mod}.no_grad(), no .detach()"),
    ]
    return Explanation("no_grad_fn", "The output does not require grad: there is no graph",
                       happened, why, fixes, None, "", m.string)


def _modified_inplace(m, ctx):
    type_name, shape_text = m.group("type"), m.group("shape")
    op, version, expected = m.group("op"), int(m.group("version")), int(m.group("expected"))
    shape = _parse_size(shape_text)
    name = None
    saved = ctx.frame_local("micrograd_nb.autograd.function", "check", "self")
    candidates = _user_tensors(ctx)
    if saved is not None:
        counter = getattr(saved, "version", None)
        named = [n for n, t in candidates if getattr(t, "_version", None) is counter]
    else:
        named = [n for n, t in candidates
                 if _is_torch(t) and getattr(t, "_version", None) == version
                 and _shape(t) == shape and str(t.type()) == type_name]
    if len(named) == 1:
        name = named[0]
    engine = "torch" if type_name.startswith("torch.") else "micrograd_nb"
    mod = ctx.alias(engine)
    what = f"A {type_name} of shape {shape}"
    if name:
        what += f" ({_code(name)})"
    if op:
        what += f", the output 0 of {op},"
    n = version - expected
    changes = f"{n} in-place change{'s' if n != 1 else ''}" if n > 0 else "an in-place change"
    happened = (f"{what} was saved for the backward pass at version {expected} and is now at "
                f"version {version}: {changes} after it was saved.")
    why = ("Ops save what their backward needs (sigmoid and exp keep their output, x*y keeps "
           "x and y). Each in-place op (add_, +=, x[i] = ..., relu_) bumps the tensor's "
           "version counter; when backward unpacks a saved tensor it checks the version and "
           "refuses a changed one, since the gradient would be computed from the wrong "
           "numbers.")
    c = name or "c"
    fixes = [
        ("Use the out-of-place form: it makes a new tensor and leaves the saved one alone.",
         f"{c} = {c} + 1  # instead of {c} += 1 or {c}.add_(1)"),
        ("Or modify a copy.", f"{c} = {c}.clone()\n{c}.add_(1)"),
    ]
    if engine == "torch":
        fixes.append(("To find which op saved it, run the cell again with anomaly detection "
                      "(it shows the forward line).",
                      f"{mod}.autograd.set_detect_anomaly(True)"))
    out = ctx.outputs[0] if ctx.outputs else None
    out_name = ctx.name_of(out)
    return Explanation("modified_inplace", "A value saved for backward was changed in place",
                       happened, why, fixes, _graph(out, out_name), _caption(out_name),
                       m.string)


def _user_tensors(ctx):
    """(name, tensor) for every torch or micrograd_nb tensor in the user's namespace."""
    if ctx.user_frame is None:
        return []
    found = {}
    for namespace in (ctx.user_frame.f_globals, ctx.user_frame.f_locals):
        for n, v in list(namespace.items()):
            if n.startswith("_") or n in _SKIP_NAMES:
                continue
            if (_is_torch(v) or _is_ours(v)) and type(v).__name__ in ("Tensor", "Parameter"):
                found[n] = v
    return sorted(found.items(), key=lambda item: item[0])


_AUGMENTED = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*(?P<op>\*\*|//|[-+*/@%&|^])=\s*(?P<rhs>.+)$")
_METHOD = re.compile(r"(?P<name>[A-Za-z_]\w*)\.(?P<method>[a-z]\w*_)\((?P<args>.*)\)")
_SETITEM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*\[(?P<key>.*)\]\s*=(?!=)\s*(?P<rhs>.+)$")


def _inplace_on_leaf(m, ctx, view):
    target = ctx.frame_local("micrograd_nb.autograd.tensor", "_check_inplace", "t")
    src = ctx.source
    aug, meth, item = _AUGMENTED.match(src), _METHOD.search(src), _SETITEM.match(src)
    parsed = aug or item or meth
    name = ctx.name_of(target) if target is not None else None
    if name is None and parsed:
        name = parsed.group("name")
        if target is None:
            target = ctx.lookup(name)
    engine = _engine(ctx, target)
    mod = ctx.alias(engine)
    x = name or "x"
    facts = []
    shape = _shape(target)
    if shape is not None:
        facts.append(f"shape {shape}")
    statement = f"`{src}`" if src and parsed else "An in-place op"
    if view and item:
        happened = (f"{statement} writes into part of {_code(x)}, a leaf tensor that requires "
                    "grad")
    elif view and _is_view(target):
        happened = (f"{statement} changes {_code(x)} in place, and {_code(x)} is a view of a "
                    "leaf tensor that requires grad")
    elif view:
        happened = (f"{statement} changes, through a view, a leaf tensor that requires grad "
                    f"({_code(x)})")
    else:
        happened = (f"{statement} changes {_code(x)} in place, and {_code(x)} is a leaf tensor "
                    "with requires_grad=True")
    if facts:
        happened += f" ({', '.join(facts)})"
    happened += "."
    why = ("A leaf that requires grad (a parameter, or an input you want gradients for) is "
           "where the gradients end up, in its .grad. Recording an in-place change would "
           "make it the output of an op instead, with the value the graph started from "
           "lost, so autograd refuses. Changing it is fine when autograd is told not to "
           "record, as optimizers do in their step().")
    if view:
        why = ("An index or a slice of a tensor is a view: it shares the tensor's memory, so "
               "writing into it changes the tensor itself. " + why)
    update = src if (src and parsed) else (f"{x}[0] = 0.0" if view else f"{x} -= 0.1 * {x}.grad")
    fixes = [(f"To update the value itself (a gradient step, an initialisation), don't "
              f"record it: inside {mod}.no_grad().",
              f"with {mod}.no_grad():\n    {update}")]
    if view:
        fixes.append(("To compute with a changed copy, write into a clone: the gradient "
                      f"still flows back to {x} for the elements you did not overwrite.",
                      f"{x}2 = {x}.clone()\n{_rename(update, x, x + '2')}"))
    else:
        fixes.append(("To compute with a changed value, use the out-of-place form: it makes "
                      f"a new tensor and {x} stays the leaf.", _out_of_place(aug, meth, x, mod)))
        fixes.append(("Or change a copy.", f"{x}2 = {x}.clone()\n"
                      f"{_rename(update, x, x + '2') if parsed else x + '2.add_(1)'}"))
    title = ("In-place change of a view of a leaf that requires grad" if view
             else "In-place change of a leaf that requires grad")
    return Explanation("inplace_on_leaf_view" if view else "inplace_on_leaf", title,
                       happened, why, fixes, None, "", m.string)


def _is_view(t):
    if t is None:
        return False
    if getattr(t, "_view_of_leaf", False):
        return True
    is_view = getattr(t, "_is_view", None)
    try:
        return bool(is_view()) if callable(is_view) else False
    except Exception:
        return False


def _rename(code, old, new):
    return re.sub(rf"\b{re.escape(old)}\b", new, code, count=1)


def _out_of_place(aug, meth, x, mod):
    if aug:
        op, rhs = aug.group("op"), aug.group("rhs").strip()
        simple = re.fullmatch(r"[\w.]+", rhs) is not None
        return (f"{x}2 = {x} {op} {rhs if simple else f'({rhs})'}  # instead of "
                f"{x} {op}= {rhs}")
    if meth:
        method, args = meth.group("method"), meth.group("args")
        if method == "zero_":
            return f"{x}2 = {mod}.zeros_like({x})"
        if method == "fill_":
            return f"{x}2 = {mod}.full_like({x}, {args})"
        return f"{x}2 = {x}.{method[:-1]}({args})  # instead of {x}.{method}({args})"
    return f"{x}2 = {x} + 1  # instead of {x} += 1"


def _unused_input(m, ctx):
    index = int(m.group("index"))
    inp = ctx.inputs[index] if index < len(ctx.inputs) else None
    name = ctx.name_of(inp)
    outs = _names(ctx, ctx.outputs)
    engine = _engine(ctx, inp)
    mod = ctx.alias(engine)
    who = f"Input {index}" + (f" ({_code(name)})" if name else "")
    of = f"{_code(outs)}" if outs else "the outputs"
    happened = (f"{who} of autograd.grad() is not in the graph of {of}: the backward pass "
                "never reached it, so the outputs do not depend on it.")
    why = ("autograd.grad() walks back from the outputs and returns the gradient that "
           "arrives at each input. An input it never reaches has no gradient, which usually "
           "means a mistake (the wrong variable, or a detach() or no_grad() that cut the "
           "path); if it is expected, say so.")
    ins = _names(ctx, ctx.inputs) or "inputs"
    y = outs or "y"
    fixes = [
        ("Accept it: the unused input gets None.",
         f"{mod}.autograd.grad({y}, {ins}, allow_unused=True)"),
        ("Or get zeros in its place.",
         f"{mod}.autograd.grad({y}, {ins}, materialize_grads=True)"),
    ]
    return Explanation("unused_input", "An input was not used to compute the output",
                       happened, why, fixes, None, "", m.string)


def _int_requires_grad(m, ctx):
    target = ctx.frame_local("micrograd_nb.autograd.tensor", "requires_grad_", "self")
    if target is None:
        target = ctx.frame_local("micrograd_nb.autograd.factories", "_leaf", "t")
    engine = _engine(ctx, target)
    mod = ctx.alias(engine)
    src = ctx.source
    called = re.search(r"([A-Za-z_]\w*)\.requires_grad_\(", src)
    if target is None and called:
        target = ctx.lookup(called.group(1))
    name = ctx.name_of(target)
    dtype = _dtype_text(target)
    dtype_text = f"dtype {dtype}" if dtype else "an integer dtype"
    if m.group(0) == errors.SET_INT_REQUIRING_GRAD:
        who = _code(name) if name else "The tensor"
        happened = f"{who} has {dtype_text}, and requires_grad_() was called on it."
    else:
        made = f"`{src}` makes" if src else "The call makes"
        if dtype:
            happened = (f"{made} a tensor with {dtype_text} and asks for "
                        "requires_grad=True.")
        else:
            happened = (f"{made} a tensor with an integer dtype (int64 from Python ints) and "
                        "asks for requires_grad=True.")
    why = ("Gradients are rates of change, and need values that can change by a tiny "
           "amount: a small step from an integer is not an integer. Integer and bool "
           "tensors can appear in a graph as indices or constants, but cannot require grad; "
           "write the numbers as floats or choose a floating dtype.")
    fixes = []
    if "requires_grad=True" in src and "dtype=" not in src:
        fixes.append(("Ask for a floating dtype where the tensor is made.",
                      src.replace("requires_grad=True",
                                  f"dtype={mod}.float32, requires_grad=True", 1)))
    fixes.append(("Write the numbers as floats.",
                  f"x = {mod}.tensor([1.0, 2.0], requires_grad=True)"))
    x = name or "x"
    fixes.append(("Or convert an existing tensor first.", f"{x} = {x}.float().requires_grad_()"))
    return Explanation("int_requires_grad", "Only floating-point tensors can require gradients",
                       happened, why, fixes, None, "", m.string)


def _numpy_requires_grad(m, ctx):
    target = _first_not_none(
        ctx.frame_local("micrograd_nb.autograd.tensor", "numpy", "self"),
        ctx.frame_local("torch._tensor", "__array__", "self"),
        ctx.frame_local("micrograd_nb.autograd.tensor", "__array__", "self"))
    if target is None:
        parsed = re.search(r"([A-Za-z_]\w*)\.numpy\(", ctx.source)
        target = ctx.lookup(parsed.group(1)) if parsed else None
    via_array = any(f.f_code.co_name == "__array__" for f in ctx.library)
    name = ctx.name_of(target)
    x = name or "x"
    shape = _shape(target)
    who = _code(name) if name else "The tensor"
    facts = f" (shape {shape})" if shape is not None else ""
    happened = f"{who}{facts} requires grad, and numpy() was called on it"
    if via_array:
        happened += (", by numpy itself: np.array(), np.asarray() or a plotting function "
                     "converting the tensor")
    happened += "."
    why = ("A numpy array is outside autograd: nothing done with it is recorded, and a "
           "write into it would change the tensor behind the graph's back. So you are asked "
           "to leave the graph explicitly: detach() gives a tensor with the same data and no "
           "history.")
    fixes = [
        ("Detach first.", f"{x}.detach().numpy()"),
        ("Or take plain Python numbers.", f"{x}.tolist()  # {x}.item() for one element"),
    ]
    if via_array:
        fixes.append(("For numpy and plotting functions, pass the detached tensor.",
                      f"plt.plot({x}.detach())"))
    return Explanation("numpy_requires_grad", "numpy() on a tensor that requires grad",
                       happened, why, fixes, None, "", m.string)


def _first_not_none(*items):
    return next((i for i in items if i is not None), None)


def _names(ctx, objs):
    """``x`` or ``[x, z]`` from the user's names; None if one of them has no name."""
    names = [ctx.name_of(o) for o in objs]
    if not names or any(n is None for n in names):
        return None
    return names[0] if len(names) == 1 else f"[{', '.join(names)}]"


def _caption(name):
    return f"the graph of {name}" if name else "the graph of the output"


def _pattern(template, **groups):
    """A regex matching ``template`` (an errors.py message), with named groups."""
    marker = "\x00{}\x00"
    text = template.format(**{k: marker.format(k) for k in groups})
    out = re.escape(text)
    for key, regex in groups.items():
        out = out.replace(re.escape(marker.format(key)), f"(?P<{key}>{regex})")
    return re.compile(out)


_SIZE = r"(?:torch|micrograd_nb)\.Size\(\[(?P<{}>[^\]]*)\]\)"

_CARDS = [
    (re.compile("^" + re.escape(errors.NON_SCALAR_OUTPUT) + "$"), _non_scalar),
    (re.compile(r"Mismatch in shape: grad_output\[(?P<index>\d+)\] has a shape of "
                + _SIZE.format("grad") + r" and output\[(?P=index)\] has a shape of "
                + _SIZE.format("out") + r"\."), _shape_mismatch),
    (re.compile(re.escape(errors.BACKWARD_TWICE[:60])), _backward_twice),
    (_pattern(errors.NO_GRAD_FN, index=r"\d+"), _no_grad_fn),
    (re.compile(r"one of the variables needed for gradient computation has been modified by "
                r"an inplace operation: \[(?P<type>[\w.]+) \[(?P<shape>[\d, ]*)\]\]"
                r"(?:, which is output 0 of (?P<op>\w+),)? is at version (?P<version>\d+); "
                r"expected version (?P<expected>\d+) instead"), _modified_inplace),
    (re.compile("^" + re.escape(errors.INPLACE_ON_LEAF)),
     lambda m, ctx: _inplace_on_leaf(m, ctx, view=False)),
    (re.compile("^" + re.escape(errors.INPLACE_ON_LEAF_VIEW)),
     lambda m, ctx: _inplace_on_leaf(m, ctx, view=True)),
    (_pattern(errors.UNUSED_INPUT, index=r"\d+"), _unused_input),
    (re.compile(re.escape(errors.CREATE_INT_REQUIRING_GRAD) + "|"
                + re.escape(errors.SET_INT_REQUIRING_GRAD)), _int_requires_grad),
    (re.compile(re.escape(errors.NUMPY_REQUIRES_GRAD)), _numpy_requires_grad),
]


def explain(exc):
    """The card for ``exc``, or None when it is not one of the autograd errors known here.

    Matches on the message text, so PyTorch's own errors are explained as well as
    micrograd_nb's. The cell's facts come from ``exc.__traceback__``.
    """
    if not isinstance(exc, BaseException):
        return None
    try:
        message = str(exc)
    except Exception:
        return None
    for pattern, card in _CARDS:
        m = pattern.search(message)
        if m:
            return card(m, _Context(exc))
    return None


# ---------------------------------------------------------------------------------------
# IPython: the card under the traceback.

class _Installed:
    __slots__ = ("previous_tb", "previous_exceptions", "ours")

    def __init__(self, previous_tb, previous_exceptions):
        self.previous_tb = previous_tb
        self.previous_exceptions = previous_exceptions
        self.ours = None


_installed = weakref.WeakKeyDictionary()


def _running_code(tb):
    # IPython's normal path for an error raised while the cell ran passes
    # running_compiled_code=True (it changes how a SyntaxError raised by code is shown);
    # the compile-time path (a cell that does not parse) does not.
    from IPython.core.interactiveshell import InteractiveShell

    return tb is not None and tb.tb_frame.f_code is InteractiveShell.run_code.__code__


def _handler(self, etype, value, tb, tb_offset=None):
    """IPython's CustomTB: the usual traceback (or the previous custom handler's), then
    the card. IPython discards the return value (run_code never reads it); the contract
    allows None, and the traceback has already been shown through showtraceback(), which
    is also what ipykernel relies on to send the error to the frontend."""
    state = _installed.get(self)
    stb = None
    if state is not None and state.previous_exceptions and \
            isinstance(value, state.previous_exceptions):
        stb = state.previous_tb(etype, value, tb, tb_offset=tb_offset)
    else:
        self.showtraceback((etype, value, tb), tb_offset=tb_offset,
                           running_compiled_code=_running_code(tb))
    try:
        card = explain(value)
        if card is not None:
            from IPython.display import display

            display(card)
    except Exception:  # the explainer must never take the traceback handler down with it
        pass
    return stb


def install(ip):
    """Show a card under the traceback of the classic autograd errors in ``ip``.

    Idempotent; ``uninstall(ip)`` restores the previous handler exactly. A handler that
    was there before keeps handling its own exceptions (the card is shown after it)."""
    state = _installed.get(ip)
    if state is not None and ip.CustomTB is state.ours:
        return
    state = _Installed(ip.CustomTB, ip.custom_exceptions)
    _installed[ip] = state
    ip.set_custom_exc((BaseException,), _handler)
    state.ours = ip.CustomTB


def uninstall(ip):
    """Remove what ``install(ip)`` added: ``ip.CustomTB`` and ``ip.custom_exceptions``
    are what they were before."""
    state = _installed.pop(ip, None)
    if state is None:
        return
    if ip.CustomTB is state.ours:
        ip.CustomTB = state.previous_tb
        ip.custom_exceptions = state.previous_exceptions
