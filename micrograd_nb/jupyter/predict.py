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
"""

import ast
import operator
import re

import numpy as np

from ..autograd.function import AccumulateGrad
from ..autograd.hints import hint_for
from ..autograd.value import Value
from ..viz.model import caption_name, short

RTOL = 1e-3  # relative tolerance of a right answer, shown to the student
MISSING = "(not recorded)"  # a number the pass did not keep (record(saved=True) keeps it)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+@?)\}")


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
        for name, value in sorted((getattr(node, "_ctx", None) or {}).items()):
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
    numbers = {}
    for wanted in sorted(set(_PLACEHOLDER.findall(template))):
        numbers[wanted] = _number(wanted, node, name_of, g, answer, index, at)
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
