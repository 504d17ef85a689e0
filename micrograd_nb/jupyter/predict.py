"""Practice mode for the stepper: predict each gradient before it is shown.

    %%autograd --predict             or      draw(passes[0], predict=True)

The stepper (stepper.py) starts with every gradient hidden. At each visit it highlights
the node whose rule runs and asks, for each input edge in turn, what gradient the rule
sends along it; for a tensor, one element, chosen where the rule has most to teach (a
broadcast input, an entry a mask zeroes). This module computes the questions from the
recorded pass: the expected answer (the engine's own gradient), the prompt, and the hint
of the op's rule (autograd/hints.py) with the numbers at hand. They travel in the output
with the frames; predict.js checks answers and fills in hints in the browser, without a
kernel. ``check()`` and ``fill()`` mirror predict.js, so tests can compare the two.

The output's still picture (shown before its script runs, and where scripts never run)
is the graph with every gradient text a "?" (``hide_gradients``), under a note that says
so: the answers are not given away where the stepper cannot ask for them.
"""

import ast
import operator
import re

import numpy as np

from ..autograd.function import AccumulateGrad
from ..autograd.hints import FOCUS, hint_for
from ..autograd.value import Value
from ..viz.model import caption_name, short

RTOL = 1e-3  # relative tolerance of a right answer, shown to the student
MISSING = "(not recorded)"  # a number the pass did not keep (record(saved=True) keeps it)
HIDDEN = "?"  # what the still picture of a practice output shows in place of a gradient
STILL_NOTE = ("Practice mode: the gradients are hidden (grad ?, ∂ ?) until you predict them; "
              "where this output's script runs, a stepper asks for each one.")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+@?)\}")
# A node's "grad ..." text and an edge's "∂ ..." label in Graphviz's SVG (one <text> each)
_GRADIENT_TEXT = re.compile(r"(<text\b[^>]*>)(grad |∂ )[^<]*(</text>)")


def hide_gradients(svg):
    """The SVG of a pass with every gradient text replaced by "?": the still picture of a
    practice output, shown before its script runs and where scripts never run, must not
    give the answers away. Only texts change, so the layout (and the stepper built from
    this picture, which rewrites every gradient text per frame) stays the same."""
    return _GRADIENT_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}{m.group(3)}", svg)


def questions(graph, recorded=None, rtol=RTOL):
    """The practice data of a drawn pass: ``{"rtol": ..., "questions": [...]}``, one
    question per edge a visit sent a gradient along, in the order of the pass.
    ``recorded`` (the ``RecordedPass``) gives what nodes saved, for the hints' numbers."""
    model = getattr(graph, "model", graph)
    replayed = getattr(model, "replayed", None)
    if replayed is None:
        raise ValueError("practice mode needs a recorded pass: draw(passes[0], predict=True)")
    saved = recorded.saved if recorded is not None else {}
    by_id = {n.id: n for n in model.nodes}
    asked = []
    for frame_index, step, positions in replayed:
        frame = model.frames[frame_index]
        if frame.active not in by_id:
            continue
        node = _NodeFacts(step.node, saved)
        g = _array(step.grad_in)
        for key, where in sorted(positions.items(), key=lambda item: item[1][0]):
            src = key.split("->", 1)[0]
            if key not in frame.edges or src not in by_id:
                continue
            answer = sum(_array(step.grads_out[k]) for k in where)
            question = _question(node, where, g, np.asarray(answer, dtype=np.float64))
            if question is None:
                continue
            element = question["element"]
            question.update(frame=frame_index, edge=key,
                            prompt=f"{caption_name(by_id[frame.active])} runs its rule: "
                                   f"what gradient does it send to "
                                   f"{caption_name(by_id[src])}"
                                   f"{f', at element {element}' if element else ''}?",
                            given=short(g), whole=frame.edges[key])
            asked.append(question)
    return {"rtol": rtol, "questions": asked}


class _NodeFacts:
    """What a node of either engine offers a hint: its name, its inputs' values (None
    where not kept), its output and the numbers it keeps of its own (exponent, alpha)."""

    def __init__(self, node, saved):
        self.extras = {}
        self.ctx = {}  # the node's own arguments (dim, keepdim, ...), as it keeps them
        if isinstance(node, Value):
            self.name = node._op
            self.inputs = [p.data for p in node._prev]
            self.ans = node.data
            if node._op.startswith("**") and len(node._op) > 2:
                self.extras["exponent"] = node._op[2:]
        elif hasattr(node, "next_functions") and not hasattr(node, "_ctx"):  # torch's
            self._torch(node, dict(saved.get(node, ())))
        else:
            self._ours(node, dict(saved.get(node, ())))
        self.hint = hint_for(self.name)

    def _ours(self, node, kept):
        self.name = node.name()
        parents = node._prev
        self.inputs = [kept.get(k, _leaf_data(p)) for k, p in enumerate(parents)]
        self.ans = kept.get("ans")
        self.ctx = dict(getattr(node, "_ctx", None) or {})
        for name, value in sorted(self.ctx.items()):
            if _is_number(value):
                self.extras[name] = short(value)

    def _torch(self, node, kept):
        self.name = node.name()
        parents = [f for f, _ in node.next_functions]
        n = len(parents)
        slots = {"self": 0, "other": 1, "vec": 1, "mat1": n - 2, "mat2": n - 1}
        self.inputs = [_leaf_data(p) for p in parents]
        self.ans = None
        for name, value in kept.items():
            if name == "result":
                self.ans = _array(value)
            elif name in slots and 0 <= slots[name] < n and not _is_number(value):
                self.inputs[slots[name]] = _array(value)
            elif _is_number(value):
                self.extras[name] = short(value)
            if name in ("dim", "keepdim", "condition"):
                self.ctx[name] = value


def _leaf_data(parent):
    if isinstance(parent, AccumulateGrad):
        return parent.variable._data
    variable = getattr(parent, "variable", None)  # torch's AccumulateGrad
    return None if variable is None else _array(variable)


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool)


def _array(value):
    """A gradient or value of either engine as a float64 numpy array."""
    if value is None:
        return None
    if isinstance(value, Value):
        value = value.data
    elif hasattr(value, "_data") and not hasattr(value, "detach"):
        value = value._data  # our Tensor
    elif hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=np.float64)


def _question(node, where, g, answer):
    """The question about one input edge (its positions ``where`` among the inputs)."""
    hint = node.hint
    names = hint.inputs if hint is not None else ()
    name_of = [names[k] if k < len(names) else f"x{k}" for k in range(len(node.inputs))]
    pointwise = bool(hint and hint.pointwise) and _broadcasts(answer.shape, g.shape)
    index = _instructive(answer, g, pointwise, bool(hint and hint.masks))
    expected = float(answer[index]) if answer.ndim else float(answer)
    if not np.isfinite(expected):
        return None
    if hint is None:
        template = "(no hint for this op yet) the rule of " + node.name + "; " \
                   "the incoming gradient is {g}"
    else:
        template = " — plus — ".join(hint.template(k) for k in where)
    at = _position(index, answer.shape, g.shape) if pointwise else None
    copies = g.size // max(answer.size, 1)
    if pointwise and copies > 1:
        template += (f"; and {name_of[where[0]]} was broadcast: its gradient{{at}} adds "
                     f"this up over the {copies} entries it was copied to")
    if answer.ndim and not pointwise and "{at}" not in template:
        template = "for the entry {at}: " + template  # the element the numbers are of
    focused = _focus(hint, node, name_of, where[0], index, g, answer) if hint else {}
    numbers = {}
    for wanted in sorted(set(_PLACEHOLDER.findall(template))):
        numbers[wanted] = focused[wanted] if wanted in focused else _number(
            wanted, node, name_of, g, answer, index, at)
    element = "" if answer.ndim == 0 else "[" + ", ".join(str(i) for i in index) + "]"
    return {"op": node.name, "expected": expected, "answer": short(expected),
            "template": template,
            "numbers": numbers, "element": element}


def _number(wanted, node, name_of, g, answer, index, at):
    """The text of one placeholder: taken at the output position ``at`` of a pointwise
    rule, else the whole array; ``name@`` is an input at the element asked about."""
    if wanted == "at":
        return "" if answer.ndim == 0 else "[" + ", ".join(str(i) for i in index) + "]"
    if wanted == "count":
        big, small = max(g.size, answer.size), max(min(g.size, answer.size), 1)
        return str(big // small)
    if wanted in node.extras:
        return node.extras[wanted]
    elementwise = wanted.endswith("@")
    name = wanted.rstrip("@")
    if name == "g":
        value = g
    elif name == "ans":
        value = None if node.ans is None else _array(node.ans)
    elif name in name_of:
        value = _array(node.inputs[name_of.index(name)])
    else:
        return MISSING
    if value is None:
        return MISSING
    if elementwise and value.shape == answer.shape:
        return short(value[index])
    if at is not None and _broadcasts(value.shape, g.shape):
        return short(np.broadcast_to(value, g.shape)[at])
    return short(value)


# ---------------------------------------------------------------------------------------
# The numbers a rule that is not pointwise combines at the element asked about: the row and
# the column that meet there (matmul), the entry of g a reduced entry went into (sum, mean),
# the entries of g a broadcast entry reached (expand), the slice along softmax's dim. Each
# placeholder a hint's ``focus`` family offers is named in hints.py's docstring.

def _focus(hint, node, name_of, position, index, g, answer):
    """``{placeholder: text}`` for the element ``index`` of the input at ``position``;
    {} for a rule without a focus or where the numbers are not there."""
    family = _FOCUS.get(hint.focus)
    if family is None or g is None or not answer.ndim:
        return {}
    arrays = {name: None if value is None else _array(value)
              for name, value in zip(name_of, node.inputs)}
    arrays["g"], arrays["ans"] = g, None if node.ans is None else _array(node.ans)
    try:
        found = family(node, name_of, position, index, arrays, answer)
    except (IndexError, ValueError, TypeError):  # shapes this family does not expect
        return {}
    return {name: MISSING if value is None else value if isinstance(value, str)
            else short(value) for name, value in found.items() if name in FOCUS[hint.focus]}


def _batch(array, index):
    """``array`` (a matrix or a stack of them) at the batch positions of ``index`` (an
    entry of an operand of a batched matmul); a broadcast batch dimension (size 1) is taken
    at 0. Where the entry's operand had no batch (it was broadcast over it), the whole
    stack is kept: its gradient sums over the batch."""
    batch = array.ndim - 2
    lead = index[:-2]
    if batch <= 0 or len(lead) < batch:
        return array
    return array[tuple(0 if n == 1 else i for i, n in zip(lead[-batch:], array.shape))]


def _matmul_focus(node, name_of, position, index, arrays, answer):
    # a @ b: entry [i, j] of a's gradient is row i of g times row j of b; of b's, column i
    # of a times column j of g. (addmm: c, a, b; c's gradient is g's column summed)
    a_name, b_name = name_of[-2], name_of[-1]
    a, b, g = arrays[a_name], arrays[b_name], arrays["g"]
    first = len(name_of) - 2
    if position < first:  # addmm's c
        return {"g_col": g[..., index[-1]] if g.ndim > 1 else g}
    i, j = index[-2], index[-1]
    if position == first:
        return {"g_row": _batch(g, index)[..., i, :],
                f"{b_name}_row": None if b is None else _batch(b, index)[..., j, :]}
    return {f"{a_name}_col": None if a is None else _batch(a, index)[..., :, i],
            "g_col": _batch(g, index)[..., :, j]}


def _mv_focus(node, name_of, position, index, arrays, answer):
    m, v, g = arrays[name_of[0]], arrays[name_of[1]], arrays["g"]
    if position == 0:  # m[i, j]: g[i] * v[j]
        return {"g_i": g[index[0]], "v_j": None if v is None else v[index[1]]}
    return {"m_col": None if m is None else m[:, index[0]]}


def _linear_focus(node, name_of, position, index, arrays, answer):
    # y = x @ W.T + b: x[.., i, j] takes g's row i and W's column j; W[i, j] takes g's
    # column i and x's column j; b[j] is g's column j summed
    x, w, g = arrays["input"], arrays["weight"], arrays["g"]
    rows = g.reshape(-1, g.shape[-1])
    if position == 0:
        row = int(np.ravel_multi_index(index[:-1], x.shape[:-1])) if len(index) > 1 else 0
        return {"g_row": rows[row], "weight_col": None if w is None else w[:, index[-1]]}
    if position == 1:
        return {"g_col": rows[:, index[0]], "input_col": None if x is None
                else x.reshape(-1, x.shape[-1])[:, index[1]]}
    return {"g_col": rows[:, index[-1]]}


def _reduced_focus(node, name_of, position, index, arrays, answer):
    # an entry of x went into one entry of the sum (mean): g there
    g = arrays["g"]
    return {"g_at": g[_reduced_position(index, answer.shape, g.shape, node.ctx.get("dim"))]}


def _reduced_position(index, shape, reduced_shape, dims):
    """Where an entry at ``index`` of an array of ``shape`` went in its reduction to
    ``reduced_shape`` over ``dims`` (inferred from the shapes where not given)."""
    if len(reduced_shape) == len(shape):  # keepdim
        return tuple(0 if n == 1 else i for i, n in zip(index, reduced_shape))
    if dims is None:  # the dims whose sizes the reduced shape lacks, from the left
        dims, k = [], 0
        for d, n in enumerate(shape):
            if k < len(reduced_shape) and reduced_shape[k] == n:
                k += 1
            else:
                dims.append(d)
    dims = {d % len(shape) for d in ((dims,) if isinstance(dims, int) else dims)}
    return tuple(i for d, i in enumerate(index) if d not in dims)


def _expand_focus(node, name_of, position, index, arrays, answer):
    # an entry of x was copied to every output entry that broadcasting maps onto it
    g = arrays["g"]
    lead = g.ndim - answer.ndim
    reached = g[tuple([slice(None)] * lead + [slice(None) if n == 1 else slice(i, i + 1)
                                              for i, n in zip(index, answer.shape)])]
    return {"g_reached": reached.ravel()}


def _along_focus(node, name_of, position, index, arrays, answer):
    # softmax and log_softmax mix the entries along their dim: the slice through index
    dim = node.ctx.get("dim", -1) % answer.ndim
    along = tuple(slice(None) if d == dim else i for d, i in enumerate(index))
    g, ans = arrays["g"], arrays["ans"]
    found = {"g_along": g[along], "ans_along": None if ans is None else ans[along],
             "g_sum": g[along].sum()}
    if ans is not None:
        found["softmax_along"] = np.exp(ans[along]) if node.name.startswith("Log") else None
    return found


def _where_focus(node, name_of, position, index, arrays, answer):
    condition = node.ctx.get("condition")
    if condition is None:
        return {"condition_at": None}
    g = arrays["g"]
    at = _position(index, answer.shape, g.shape)
    held = np.broadcast_to(_array(condition) != 0, g.shape)[at]
    return {"condition_at": "True" if held else "False"}


_FOCUS = {"where": _where_focus, "matmul": _matmul_focus, "mv": _mv_focus, "linear": _linear_focus,
          "reduced": _reduced_focus, "expand": _expand_focus, "along": _along_focus}


def _broadcasts(shape, to):
    """Does an array of ``shape`` broadcast to ``to`` (an input of a pointwise op)?"""
    if len(shape) > len(to):
        return False
    return all(s in (1, t) for s, t in zip(shape[::-1], to[::-1]))


def _position(index, shape, out_shape):
    """The first output position an input element at ``index`` reaches."""
    lead = len(out_shape) - len(shape)
    return tuple(0 if d < lead or shape[d - lead] == 1 else index[d - lead]
                 for d in range(len(out_shape)))


def _instructive(answer, g, pointwise, masks):
    """The element to ask about: a broadcast input's first entry (its gradient is a sum);
    where a mask zeroes the gradient, such an entry (the incoming gradient not 0 there);
    else the first entry with a gradient that is not 0."""
    if answer.ndim == 0:
        return ()
    if pointwise and answer.shape != g.shape:
        return (0,) * answer.ndim
    if masks:
        for index in np.ndindex(answer.shape):
            incoming = g[_position(index, answer.shape, g.shape)] if pointwise else g
            if answer[index] == 0 and np.any(incoming != 0):
                return index
    nonzero = np.argwhere(answer != 0)
    return tuple(int(i) for i in nonzero[0]) if len(nonzero) else (0,) * answer.ndim


# ---------------------------------------------------------------------------------------
# What predict.js does with a question, mirrored for the tests.

def fill(template, numbers):
    """A hint's text: the template with its numbers (predict.js's ``fillHint``)."""
    return _PLACEHOLDER.sub(lambda m: numbers.get(m.group(1), MISSING), template)


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.USub: operator.neg, ast.UAdd: operator.pos}


def parse_answer(text):
    """A typed answer: a number or + - * / ( ) of numbers (predict.js's ``parseAnswer``);
    None if it is neither."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
        return float(_evaluate(tree))
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError):
        return None


def _evaluate(node):
    if isinstance(node, ast.Constant) and _is_number(node.value):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.operand))
    raise ValueError("not arithmetic")


def check(question, text, rtol=RTOL):
    """``(right, hint)`` for a typed answer (predict.js's ``checkAnswer``): right within
    ``rtol`` of the expected gradient; the hint is None when right."""
    value = parse_answer(text)
    expected = question["expected"]
    if value is not None and abs(value - expected) <= rtol * abs(expected) + 1e-12:
        return True, None
    return False, fill(question["template"], question["numbers"])
