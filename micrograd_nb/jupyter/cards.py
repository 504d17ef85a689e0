"""The explainer's cards, as data: one row per error of the catalog (``errors.py``) a
learner meets, with its title, why autograd refuses, and the fixes as code templates.

A row's ``facts(m, scene)`` reads the error (``m``, the message matched against the
catalog template) and the scene (``scene.Scene``: the objects involved, the user's names)
and returns the fields the texts use: ``happened``, and the names the fix templates
need (``{y}``, ``{mod}``...). A fix whose template needs a field the facts did not give
is left out, so one row serves the variants of its error. Facts may also give ``title``
and ``why`` (a variant of the error with its own explanation), and ``graph`` (the object
to draw) with ``graph_name``.

To add a card: the message goes into errors.py, a row goes here; the pattern is derived
from the template, never written twice.
"""

import re
import string
import warnings
from dataclasses import dataclass

from ..autograd import errors
from .scene import is_ours, is_torch, is_view


@dataclass(frozen=True)
class Card:
    kind: str
    messages: tuple  # ((errors.py template, {field: regex}), ...)
    title: str
    why: str
    fixes: tuple  # ((label template, code template[, facts key it needs]), ...)
    facts: object  # (m, scene) -> dict, or None where the card does not apply

    def patterns(self):
        return [pattern(template, **groups) for template, groups in self.messages]


def pattern(template, **groups):
    """A regex matching the catalog ``template``, its fields as named groups (a field
    used twice must repeat its first value). A template cut with ``...`` matches a
    prefix: PyTorch's hints after it vary between versions."""
    prefix = template.endswith("...")
    text = template[:-3] if prefix else template
    out, seen = [], set()
    for literal, field, _, _ in string.Formatter().parse(text):
        out.append(re.escape(literal))
        if field is None:
            continue
        if field in seen:
            out.append(f"(?P={field})")
        else:
            out.append(f"(?P<{field}>{groups.get(field, '.*?')})")
            seen.add(field)
    return re.compile("^" + "".join(out) + ("" if prefix else "$"))


def fill(template, fields):
    """``template`` with ``fields``; None where it needs a field that is not there."""
    needed = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    if not needed <= fields.keys():
        return None
    return template.format(**fields)


def fixes(card, fields):
    """The card's fixes that apply here, as (label, code) pairs."""
    found = []
    for label, code_template, *when in card.fixes:
        if when and not fields.get(when[0]):
            continue
        pair = fill(label, fields), fill(code_template, fields)
        if None not in pair:
            found.append(pair)
    return found


# ---------------------------------------------------------------------------------------
# Helpers for the facts.

_SIZE = r"(?:torch|micrograd_nb)\.Size\(\[[^\]]*\]\)"


def shape(obj):
    """A tensor's shape as a tuple; None for a Value or anything else."""
    value = getattr(obj, "shape", None)
    if value is None:
        return None
    try:
        return tuple(int(n) for n in value)
    except (TypeError, ValueError):
        return None


def numel(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def shape_phrase(dims):
    n = numel(dims)
    return f"shape {dims}: no elements" if n == 0 else f"shape {dims}: {n} elements"


def parse_size(text):
    """``torch.Size([4, 2])`` / ``micrograd_nb.Size([])`` / ``4, 2`` -> (4, 2)."""
    inner = text[text.find("[") + 1:text.rfind("]")] if "[" in text else text
    return tuple(int(n) for n in inner.split(",") if n.strip())


def code(name):
    return f"`{name}`"


def capital(text):
    return text[:1].upper() + text[1:]


def receiver(source, method):
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


def bare(expr):
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


def output_texts(scene, name):
    """(text for prose, text for code) of the output of a backward() call: its variable,
    else the expression it was called on, else a placeholder."""
    if name:
        return code(name), name
    expr = receiver(scene.source, "backward") if scene.call == "backward" else None
    if expr:
        return f"The output {code(expr)}", expr
    return "The output", "y"


def output_code(scene, name):
    return name or (output_texts(scene, None)[1] if scene.call == "backward" else "y")


def with_graph(fields, obj, name):
    fields["graph"], fields["graph_name"] = obj, name
    return fields


def rename(text, old, new):
    return re.sub(rf"\b{re.escape(old)}\b", new, text, count=1)


# ---------------------------------------------------------------------------------------
# The facts of each card.

def non_scalar(m, scene):
    out = next((o for o in scene.outputs if shape(o) is not None and numel(shape(o)) != 1
                and getattr(o, "requires_grad", True)), None)
    name = scene.name_of(out)
    dims = shape(out)
    if dims is None:
        happened = ("The output has more than one element (or none), so there is no single "
                    "number to differentiate.")
    elif scene.call == "grad":
        given = code(name) if name else "an output"
        happened = (f"autograd.grad() was given {given}, which has {shape_phrase(dims)}, so "
                    "there is no single number to differentiate.")
    else:
        happened = (f"{output_texts(scene, name)[0]} has {shape_phrase(dims)}, so there is "
                    "no single number to differentiate.")
    y = output_code(scene, name)
    fields = dict(happened=happened, y=y, y_arg=bare(y), mod=scene.alias(scene.engine_of(out)),
                  mean=f"1/{numel(dims)}" if dims else "1/n")
    if scene.call == "grad":
        fields["x"] = scene.names(scene.inputs) or "x"
    else:
        fields["via_backward"] = True
    return with_graph(fields, out, name)


def shape_mismatch(m, scene):
    index = int(m.group("index"))
    grad_shape, out_shape = parse_size(m.group("grad_shape")), parse_size(m.group("output_shape"))
    outputs, gradients = scene.outputs, scene.gradients or []
    out = outputs[index] if index < len(outputs) else None
    grad = gradients[index] if index < len(gradients) else None
    name, gname = scene.name_of(out), scene.name_of(grad)
    who = code(name) if name else ("the output" if index == 0 else f"output {index}")
    if index and name:
        who = f"output {index} ({who})"
    given = f"the gradient {code(gname)}" if gname else "the gradient you passed"
    y = output_code(scene, name)
    mod = scene.alias(scene.engine_of(out, grad))
    if scene.call == "grad":
        x = scene.names(scene.inputs) or "x"
        call = f"{mod}.autograd.grad({y}, {x}, grad_outputs={{seed}})"
        arg = "grad_outputs"
    else:
        call, arg = f"{y}.backward(gradient={{seed}})", "gradient"
    fields = dict(happened=f"{capital(given)} has shape {grad_shape}, but {who} has shape "
                           f"{out_shape}.",
                  y=y, arg=arg, seed_from_output=call.format(seed=f"{mod}.ones_like({bare(y)})"))
    if numel(grad_shape) == numel(out_shape):
        fields["seed_reshaped"] = call.format(seed=f"{gname or 'g'}.reshape({y}.shape)")
    return with_graph(fields, out, name)


def backward_twice(m, scene):
    out = scene.outputs[0] if scene.outputs else None
    name = scene.name_of(out)
    who, y = output_texts(scene, name)
    if not name:
        who = who.replace("The output", "the output")
    happened = (f"backward() ran through the graph of {who} again, but an earlier backward() "
                "through the same nodes had already freed the values they saved.")
    node = scene.get("node")
    if node is not None:
        happened += f" The first node that found them gone: {node}."
    return with_graph(dict(happened=happened, y=y), out, name)


def _made_by_a_plain_pass(scene, out, name):
    """How ``out`` came from a backward pass run without create_graph=True: "grad" (a
    result of autograd.grad), ".grad" (a leaf's .grad), or None."""
    if out is None:
        return None
    if any(getattr(t, "grad", None) is out for _, t in scene.user_tensors()
           if getattr(t, "is_leaf", False)):
        return ".grad"
    if name:
        base = name.split("[")[0]  # g[0]: an element of the tuple grad() returned
        for source in scene.cell_sources():
            made = [rhs for lhs, rhs in _GRAD_ASSIGNMENT.findall(source)
                    if base in re.findall(r"\w+", lhs)]
            if made:  # the latest assignment in the newest cell that has one
                return None if "create_graph=True" in made[-1] else "grad"
    return None


# ``g = autograd.grad(...)``, ``(g,) = torch.autograd.grad(...)``, ``g, h = grad(...)``
_GRAD_ASSIGNMENT = re.compile(r"^\s*([\w\s,()\[\]]+?)\s*=(?!=)\s*([\w.]*\bgrad\(.*)$",
                              re.MULTILINE)


def _plain_gradient_names(scene):
    """Names the cell assigned from autograd.grad() without create_graph=True."""
    names = set()
    for source in scene.cell_sources()[:1]:
        for lhs, rhs in _GRAD_ASSIGNMENT.findall(source):
            if "create_graph=True" not in rhs:
                names.update(re.findall(r"[A-Za-z_]\w*", lhs))
    return names


def _computed_from_a_plain_gradient(scene, name):
    """The plain gradient ``name``'s assignment in the failing cell reads, or None."""
    if not name or not scene.cell_sources():
        return None
    plain = _plain_gradient_names(scene)
    assignment = re.compile(rf"^\s*{re.escape(name)}\s*=(?!=)(.*)$", re.MULTILINE)
    for rhs in reversed(assignment.findall(scene.cell_sources()[0])):
        used = [w for w in re.findall(r"[A-Za-z_]\w*", rhs) if w in plain]
        if used:
            return used[0]
    return None


def no_grad_fn(m, scene):
    index = int(m.group("index"))
    outputs = scene.outputs
    out = outputs[index] if index < len(outputs) else None
    name = scene.name_of(out)
    mod = scene.alias(scene.engine_of(out))
    who = code(name) if name else "the output"
    if len(outputs) > 1:
        who = f"output {index} ({who})" if name else f"output {index}"
    y = name or "y"
    made = _made_by_a_plain_pass(scene, out, name)
    source = _computed_from_a_plain_gradient(scene, name) if made is None else None
    if source is not None:
        return dict(
            title="Computed from a gradient without create_graph=True: there is no graph",
            happened=f"{capital(who)} was computed from {code(source)}, a gradient that "
                     "autograd.grad() returned without create_graph=True: a plain tensor with "
                     f"no history, so {code(y)} has none either.",
            why="A backward pass computes gradients as plain numbers unless it is asked to "
                "record how it computed them. To differentiate something computed from a "
                "gradient (a gradient penalty, a second derivative), the first pass needs "
                "create_graph=True.",
            y=y, mod=mod, second_grad=f"({source},) = {mod}.autograd.grad(f, x, "
                                      "create_graph=True)  # the first pass")
    if made is None:
        return dict(happened=f"{capital(who)} has requires_grad=False and no grad_fn: "
                             "nothing it was computed from required grad, so autograd "
                             "recorded no graph to go back through.",
                    y=y, mod=mod, no_graph=True)
    how = "autograd.grad()" if made == "grad" else "backward() (it is a .grad)"
    fields = dict(
        title="A gradient from a pass without create_graph=True has no graph",
        happened=f"{capital(who)} is a gradient computed by {how} without "
                 "create_graph=True, so it is a plain tensor: requires_grad=False and no "
                 "grad_fn, nothing to differentiate again.",
        why="A backward pass computes gradients as plain numbers unless it is asked to "
            "record how it computed them. With create_graph=True it records the gradient's "
            "own graph, so the gradient can be differentiated again (second derivatives, "
            "Hessian-vector products, gradient penalties).",
        y=y, mod=mod)
    if made == "grad":
        fields["second_grad"] = (f"({y},) = {mod}.autograd.grad(f, x, create_graph=True)  "
                                 f"# the first pass\n{mod}.autograd.grad({y}, x)")
    else:
        fields["second_backward"] = ("f.backward(create_graph=True)  # the first pass\n"
                                     "g = x.grad\ng.sum().backward()")
    return fields


def modified_inplace(m, scene):
    type_name = m.group("type_name")
    dims = parse_size(m.group("shape"))
    version, expected = int(m.group("version")), int(m.group("expected"))
    op = re.search(r"output 0 of (\w+)", m.group("which") or "")
    changed = scene.get("changed")  # micrograd_nb: which tensor it is, asked of the engine
    if changed is not None:
        named = [n for n, t in scene.user_tensors() if is_ours(t) and changed(t)]
    else:
        named = [n for n, t in scene.user_tensors()
                 if is_torch(t) and getattr(t, "_version", None) == version
                 and shape(t) == dims and str(t.type()) == type_name]
    name = named[0] if len(named) == 1 else None
    engine = "torch" if type_name.startswith("torch.") else "micrograd_nb"
    what = f"A {type_name} of shape {dims}"
    if name:
        what += f" ({code(name)})"
    if op:
        what += f", the output 0 of {op.group(1)},"
    n = version - expected
    changes = f"{n} in-place change{'s' if n != 1 else ''}" if n > 0 else "an in-place change"
    fields = dict(happened=f"{what} was saved for the backward pass at version {expected} and "
                           f"is now at version {version}: {changes} after it was saved.",
                  c=name or "c", mod=scene.alias(engine))
    if engine == "torch":
        fields["torch"] = True
    out = scene.outputs[0] if scene.outputs else None
    return with_graph(fields, out, scene.name_of(out))


_AUGMENTED = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*(?P<op>\*\*|//|[-+*/@%&|^])=\s*(?P<rhs>.+)$")
_METHOD = re.compile(r"(?P<name>[A-Za-z_]\w*)\.(?P<method>[a-z]\w*_)\((?P<args>.*)\)")
_SETITEM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*\[(?P<key>.*)\]\s*=(?!=)\s*(?P<rhs>.+)$")


def _out_of_place(aug, meth, x, mod):
    if aug:
        op, rhs = aug.group("op"), aug.group("rhs").strip()
        simple = re.fullmatch(r"[\w.]+", rhs) is not None
        return f"{x}2 = {x} {op} {rhs if simple else f'({rhs})'}  # instead of {x} {op}= {rhs}"
    if meth:
        method, args = meth.group("method"), meth.group("args")
        if method == "zero_":
            return f"{x}2 = {mod}.zeros_like({x})"
        if method == "fill_":
            return f"{x}2 = {mod}.full_like({x}, {args})"
        return f"{x}2 = {x}.{method[:-1]}({args})  # instead of {x}.{method}({args})"
    return f"{x}2 = {x} + 1  # instead of {x} += 1"


def _inplace(m, scene, view):
    target = scene.get("tensor")
    src = scene.source
    aug, meth, item = _AUGMENTED.match(src), _METHOD.search(src), _SETITEM.match(src)
    parsed = aug or item or meth
    name = scene.name_of(target) if target is not None else None
    if name is None and parsed:
        name = parsed.group("name")
        if target is None:
            target = scene.lookup(name)
    mod = scene.alias(scene.engine_of(target))
    x = name or "x"
    statement = f"`{src}`" if src and parsed else "An in-place op"
    if view and item:
        happened = f"{statement} writes into part of {code(x)}, a leaf tensor that requires grad"
    elif view and is_view(target):
        happened = (f"{statement} changes {code(x)} in place, and {code(x)} is a view of a "
                    "leaf tensor that requires grad")
    elif view:
        happened = (f"{statement} changes, through a view, a leaf tensor that requires grad "
                    f"({code(x)})")
    else:
        happened = (f"{statement} changes {code(x)} in place, and {code(x)} is a leaf tensor "
                    "with requires_grad=True")
    dims = shape(target)
    if dims is not None:
        happened += f" (shape {dims})"
    update = src if (src and parsed) else (f"{x}[0] = 0.0" if view else f"{x} -= 0.1 * {x}.grad")
    fields = dict(happened=happened + ".", x=x, mod=mod, update=update)
    copy = rename(update, x, x + "2") if parsed else f"{x}2.add_(1)"
    if view:
        fields["clone_update"] = rename(update, x, x + "2")
    else:
        fields["out_of_place"] = _out_of_place(aug, meth, x, mod)
        fields["copy_update"] = copy
    return fields


def inplace_on_leaf(m, scene):
    return _inplace(m, scene, view=False)


def inplace_on_leaf_view(m, scene):
    return _inplace(m, scene, view=True)


def unused_input(m, scene):
    index = int(m.group("index"))
    inputs = scene.inputs
    inp = inputs[index] if index < len(inputs) else None
    name = scene.name_of(inp)
    outs = scene.names(scene.outputs)
    who = f"Input {index}" + (f" ({code(name)})" if name else "")
    of = code(outs) if outs else "the outputs"
    return dict(happened=f"{who} of autograd.grad() is not in the graph of {of}: the backward "
                         "pass never reached it, so the outputs do not depend on it.",
                y=outs or "y", xs=scene.names(inputs) or "inputs",
                mod=scene.alias(scene.engine_of(inp)))


def input_not_requiring_grad(m, scene):
    inputs = scene.inputs
    bad = [t for t in inputs if not getattr(t, "requires_grad", True)]
    name = scene.name_of(bad[0]) if bad else None
    mod = scene.alias(scene.engine_of(*bad))
    x = name or "x"
    who = code(name) if name else "One of the inputs"
    return dict(happened=f"{who} was passed to autograd.grad() as an input to differentiate "
                         "with respect to, but it does not require grad, so no graph leads "
                         "to it.",
                x=x, mod=mod, y=scene.names(scene.outputs) or "y")


def int_requires_grad(m, scene):
    target = scene.get("tensor")
    mod = scene.alias(scene.engine_of(target))
    src = scene.source
    called = re.search(r"([A-Za-z_]\w*)\.requires_grad_\(", src)
    if target is None and called:
        target = scene.lookup(called.group(1))
    name = scene.name_of(target)
    dtype = getattr(target, "dtype", None)
    dtype = str(dtype).replace("torch.", "").replace("micrograd_nb.", "") if dtype else None
    dtype_text = f"dtype {dtype}" if dtype else "an integer dtype"
    if m.group(0) == errors.SET_INT_REQUIRING_GRAD:
        happened = (f"{code(name) if name else 'The tensor'} has {dtype_text}, and "
                    "requires_grad_() was called on it.")
    else:
        made = f"`{src}` makes" if src else "The call makes"
        kind = dtype_text if dtype else "an integer dtype (int64 from Python ints)"
        happened = f"{made} a tensor with {kind} and asks for requires_grad=True."
    fields = dict(happened=happened, mod=mod, x=name or "x")
    if "requires_grad=True" in src and "dtype=" not in src:
        fields["with_dtype"] = src.replace("requires_grad=True",
                                           f"dtype={mod}.float32, requires_grad=True", 1)
    return fields


def numpy_requires_grad(m, scene):
    target = scene.get("tensor")
    if target is None:
        target = scene.torch_local("__array__", "self")
    if target is None:
        parsed = re.search(r"([A-Za-z_]\w*)\.numpy\(", scene.source)
        target = scene.lookup(parsed.group(1)) if parsed else None
    via_array = scene.get("via") == "__array__" or not re.search(r"\.numpy\(", scene.source)
    name = scene.name_of(target)
    dims = shape(target)
    happened = (f"{code(name) if name else 'The tensor'}"
                f"{f' (shape {dims})' if dims is not None else ''} requires grad, and numpy() "
                "was called on it")
    fields = dict(x=name or "x")
    if via_array:
        happened += (", by numpy itself: np.array(), np.asarray() or a plotting function "
                     "converting the tensor")
        fields["via_array"] = True
    fields["happened"] = happened + "."
    return fields


def gradient_type(m, scene):
    type_name = m.group("type_name")
    outputs, gradients = scene.outputs, scene.gradients or []
    out = outputs[0] if outputs else None
    grad = gradients[0] if gradients else None
    name, gname = scene.name_of(out), scene.name_of(grad)
    y = output_code(scene, name)
    mod = scene.alias(scene.engine_of(out))
    given = f"The gradient {code(gname)}" if gname else "The gradient you passed"
    is_array = type(grad).__module__ == "numpy" or type_name.startswith(("float", "int"))
    happened = (f"{given} is a {type(grad).__name__ if grad is not None else type_name}, "
                "not a tensor." if grad is not None or not is_array else
                f"{given} holds {type_name} values (a numpy array or a list), not a tensor.")
    arg = "grad_outputs" if scene.call == "grad" else "gradient"
    g = gname or "g"
    if scene.call == "grad":
        call = f"{mod}.autograd.grad({y}, {scene.names(scene.inputs) or 'x'}, grad_outputs={{}})"
    else:
        call = f"{y}.backward(gradient={{}})"
    fields = dict(happened=happened, arg=arg, mod=mod, y=y,
                  as_tensor=call.format(f"{mod}.as_tensor({g}, dtype={y}.dtype)"),
                  ones=call.format(f"{mod}.ones_like({bare(y)})"))
    return with_graph(fields, out, name)


# Python's own messages for the two classic slips around autograd's results: a ``.grad``
# that is still None, and the tuple autograd.grad() returns used as a tensor. They are not
# PyTorch's, so they live here rather than in the catalog; their facts decline (None) when
# the failing line has nothing to do with autograd.
NONE_ATTRIBUTE = "'NoneType' object has no attribute '{attr}'"
NONE_OPERAND = "unsupported operand type(s) for {op}: '{left}' and '{right}'"
TUPLE_ATTRIBUTE = "'tuple' object has no attribute '{attr}'"


def _grad_of(t):
    """``t.grad`` without the non-leaf warning: the user has seen it already."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(t, "grad", 0)


def grad_is_none(m, scene):
    groups = m.groupdict()
    if "left" in groups and "NoneType" not in (groups["left"], groups["right"]):
        return None
    named = [(n, scene.lookup(n)) for n in
             re.findall(r"(?<![\w.])([A-Za-z_]\w*)\.grad(?![\w(])", scene.source)]
    name, t = next(((n, t) for n, t in named if t is not None and _grad_of(t) is None),
                   (None, None))
    if name is None:
        return None
    mod = scene.alias(scene.engine_of(t))
    fields = dict(x=name, mod=mod)
    if not getattr(t, "requires_grad", False):
        fields["no_requires_grad"] = True
        reason = f"{code(name)} does not require grad, so autograd computes no gradient for it"
    elif not getattr(t, "is_leaf", True):
        fields["non_leaf"] = True
        reason = (f"{code(name)} is not a leaf (it was computed, it has a grad_fn), and "
                  "backward() fills .grad of leaves only")
    else:
        fields["not_yet"] = True
        reason = (f"{code(name)} is a leaf that requires grad, but no backward() has reached it "
                  "since it was made (or zero_grad() set its .grad back to None)")
    fields["happened"] = f"`{scene.source}` reads {code(name + '.grad')}, which is None: {reason}."
    return fields


def grad_returned_a_tuple(m, scene):
    attr = m.group("attr")
    used = re.findall(rf"([A-Za-z_]\w*)\.{re.escape(attr)}\b", scene.source)
    name = next((n for n in used if isinstance(scene.lookup(n), tuple)), None)
    if name is None:
        return None
    assigned = [rhs for source in scene.cell_sources()
                for lhs, rhs in _GRAD_ASSIGNMENT.findall(source)
                if re.fullmatch(rf"\s*{name}\s*", lhs)]
    if not assigned:
        return None
    mod = scene.alias(scene.engine_of(*scene.lookup(name)))
    return dict(happened=f"{code(name)} is the tuple autograd.grad() returns (one gradient per "
                         f"input), and `.{attr}` was asked of the tuple.",
                g=name, mod=mod, call=assigned[-1].strip())


def mixed_dtypes(m, scene):
    assignment = re.match(r"^[\w\s,()\[\].]+?=(?!=)(.*)$", scene.source)
    operands = assignment.group(1) if assignment else scene.source  # not what it assigns to
    names = re.findall(r"(?<![\w.])([A-Za-z_]\w*)(?![\w(])", operands)
    tensors, values = [], []
    for name in dict.fromkeys(names):
        value = scene.lookup(name)
        dtype = getattr(value, "dtype", None)
        if dtype is not None and (is_ours(value) or is_torch(value)):
            tensors.append((name, str(dtype).split(".")[-1]))
            values.append(value)
    mod = scene.alias(scene.engine_of(*values))
    kinds = sorted({d for _, d in tensors})
    fields = dict(mod=mod)
    if len(kinds) == 2:
        listed = ", ".join(f"{code(n)} is {d}" for n, d in tensors)
        fields["happened"] = f"`{scene.source}` mixes dtypes: {listed}."
        double = next((n for n, d in tensors if d == "float64"), None)
        if double:
            fields["double"] = double
    else:
        fields["happened"] = (f"`{scene.source}` multiplies tensors of two floating dtypes"
                              if scene.source else "A matrix product got two dtypes") + "."
    return fields


# ---------------------------------------------------------------------------------------
# The table.

CARDS = (
    Card(
        "non_scalar_output",
        ((errors.NON_SCALAR_OUTPUT, {}),),
        "backward() needs a scalar output, or a gradient",
        "backward() with no argument computes the derivative of one number: it starts the "
        "backward pass from a seed gradient of 1. A tensor with several elements has one "
        "derivative per element, so you must say how to combine them: reduce it to a scalar "
        "(a loss), or pass the seed yourself, the gradient of some scalar with respect to "
        "each element.",
        (("Reduce it to one number first: the sum gives each element gradient 1.",
          "{y}.sum().backward()", "via_backward"),
         ("Or the mean: each element gets gradient {mean}.", "{y}.mean().backward()",
          "via_backward"),
         ("Or pass the seed yourself, with the output's shape (ones: the same as sum).",
          "{y}.backward(gradient={mod}.ones_like({y_arg}))", "via_backward"),
         ("Differentiate one number: the sum (each element then gets gradient 1).",
          "{mod}.autograd.grad({y}.sum(), {x})"),
         ("Or pass the seed, with the output's shape, as grad_outputs.",
          "{mod}.autograd.grad({y}, {x}, grad_outputs={mod}.ones_like({y}))")),
        non_scalar),
    Card(
        "shape_mismatch",
        ((errors.SHAPE_MISMATCH, {"index": r"\d+", "grad_shape": _SIZE,
                                  "output_shape": _SIZE}),),
        "The gradient must have the output's shape",
        "The gradient argument is the seed of the backward pass: the derivative of some "
        "scalar with respect to each element of the output. So it needs exactly the output's "
        "shape, element for element; autograd does not broadcast it (even a (1,) gradient "
        "for a 0-d output is refused).",
        (("Build the seed from the output, so the shapes match ({arg}=).", "{seed_from_output}"),
         ("Same number of elements: reshape the gradient to the output's shape.",
          "{seed_reshaped}"),
         ("Or reduce the output to a scalar and let backward() seed it with 1.",
          "{y}.sum().backward()")),
        shape_mismatch),
    Card(
        "gradient_type",
        ((errors.GRADIENT_TYPE, {"type_name": r"\w+"}),),
        "The gradient argument must be a tensor",
        "The seed of a backward pass (gradient= for backward(), grad_outputs= for "
        "autograd.grad()) must be a tensor of the output's shape and dtype, like the output "
        "itself: autograd does not convert numpy arrays, lists or numbers for you.",
        (("Make it a tensor, with the output's dtype.", "{as_tensor}"),
         ("Or build the seed from the output ({arg}=).", "{ones}")),
        gradient_type),
    Card(
        "backward_twice",
        ((errors.BACKWARD_TWICE[:60] + "...", {}),),
        "This graph was already freed by an earlier backward()",
        "To compute gradients, ops keep some values from the forward pass (x*x keeps x, exp "
        "keeps its result). backward() frees them as soon as it has used them, to save "
        "memory, so a second pass through the same nodes has nothing to work with. A common "
        "cause is a loop that reuses a value computed before the loop: its graph is shared "
        "by every iteration.",
        (("Keep the saved values on the first call (the gradients then add up in .grad).",
          "{y}.backward(retain_graph=True)\n{y}.backward()"),
         ("Or rebuild the graph: redo the forward pass before each backward().",
          "{y} = ...  # recompute from the inputs\n{y}.backward()"),
         ("In a loop, cut the part computed before the loop out of the graph.",
          "h = h.detach()  # h: the value reused across iterations")),
        backward_twice),
    Card(
        "no_grad_fn",
        ((errors.NO_GRAD_FN, {"index": r"\d+"}),),
        "The output does not require grad: there is no graph",
        "Autograd records an op only if one of its inputs requires grad, grad mode is on "
        "(not inside no_grad()), and the op is differentiable (argmax, comparisons and "
        "integer results are not). Otherwise the result is a plain constant, and there is "
        "nothing to differentiate.",
        (("Ask for the gradient's graph in the first pass: create_graph=True.", "{second_grad}"),
         ("Ask for the gradient's graph in the first pass: create_graph=True.",
          "{second_backward}"),
         ("Ask for gradients on the inputs, before computing the output.",
          "x = {mod}.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
          "# or, for an existing tensor: x.requires_grad_()\n{y} = (x * 2).sum()\n"
          "{y}.backward()", "no_graph"),
         ("Compute the output outside no_grad(), without .detach(), and through "
          "differentiable ops.",
          "{y} = loss_fn(model(x))  # not under {mod}.no_grad(), no .detach()", "no_graph")),
        no_grad_fn),
    Card(
        "modified_inplace",
        ((errors.MODIFIED_INPLACE.split(" Hint:")[0] + "...",
          {"type_name": r"[\w.]+", "shape": r"[\d, ]*",
           "which": r"(?:, which is output 0 of \w+,)?", "version": r"\d+",
           "expected": r"\d+"}),),
        "A value saved for backward was changed in place",
        "Ops save what their backward needs (sigmoid and exp keep their output, x*y keeps x "
        "and y). Each in-place op (add_, +=, x[i] = ..., relu_) bumps the tensor's version "
        "counter; when backward unpacks a saved tensor it checks the version and refuses a "
        "changed one, since the gradient would be computed from the wrong numbers.",
        (("Use the out-of-place form: it makes a new tensor and leaves the saved one alone.",
          "{c} = {c} + 1  # instead of {c} += 1 or {c}.add_(1)"),
         ("Or modify a copy.", "{c} = {c}.clone()\n{c}.add_(1)"),
         ("To find which op saved it, run the cell again with anomaly detection (it shows "
          "the forward line).", "{mod}.autograd.set_detect_anomaly(True)", "torch")),
        modified_inplace),
    Card(
        "inplace_on_leaf",
        ((errors.INPLACE_ON_LEAF + "...", {}),),
        "In-place change of a leaf that requires grad",
        "A leaf that requires grad (a parameter, or an input you want gradients for) is where "
        "the gradients end up, in its .grad. Recording an in-place change would make it the "
        "output of an op instead, with the value the graph started from lost, so autograd "
        "refuses. Changing it is fine when autograd is told not to record, as optimizers do "
        "in their step().",
        (("To update the value itself (a gradient step, an initialisation), don't record it: "
          "inside {mod}.no_grad().", "with {mod}.no_grad():\n    {update}"),
         ("To compute with a changed value, use the out-of-place form: it makes a new tensor "
          "and {x} stays the leaf.", "{out_of_place}"),
         ("Or change a copy.", "{x}2 = {x}.clone()\n{copy_update}")),
        inplace_on_leaf),
    Card(
        "inplace_on_leaf_view",
        ((errors.INPLACE_ON_LEAF_VIEW + "...", {}),),
        "In-place change of a view of a leaf that requires grad",
        "An index or a slice of a tensor is a view: it shares the tensor's memory, so writing "
        "into it changes the tensor itself. A leaf that requires grad (a parameter, or an "
        "input you want gradients for) is where the gradients end up, in its .grad. "
        "Recording an in-place change would make it the output of an op instead, with the "
        "value the graph started from lost, so autograd refuses. Changing it is fine when "
        "autograd is told not to record, as optimizers do in their step().",
        (("To update the value itself (a gradient step, an initialisation), don't record it: "
          "inside {mod}.no_grad().", "with {mod}.no_grad():\n    {update}"),
         ("To compute with a changed copy, write into a clone: the gradient still flows back "
          "to {x} for the elements you did not overwrite.", "{x}2 = {x}.clone()\n{clone_update}")),
        inplace_on_leaf_view),
    Card(
        "unused_input",
        ((errors.UNUSED_INPUT, {"index": r"\d+"}),),
        "An input was not used to compute the output",
        "autograd.grad() walks back from the outputs and returns the gradient that arrives at "
        "each input. An input it never reaches has no gradient, which usually means a mistake "
        "(the wrong variable, or a detach() or no_grad() that cut the path); if it is "
        "expected, say so.",
        (("Accept it: the unused input gets None.",
          "{mod}.autograd.grad({y}, {xs}, allow_unused=True)"),
         ("Or get zeros in its place.", "{mod}.autograd.grad({y}, {xs}, materialize_grads=True)")),
        unused_input),
    Card(
        "input_not_requiring_grad",
        ((errors.INPUT_NOT_REQUIRING_GRAD, {}),),
        "autograd.grad() was asked for the gradient of a tensor that does not require grad",
        "Autograd only tracks tensors that require grad: it records how outputs are computed "
        "from them, and only along that record can a gradient flow back. A tensor made "
        "without requires_grad=True is a constant to autograd, so there is no gradient with "
        "respect to it to compute.",
        (("Ask for gradients on it before computing the output from it.",
          "{x}.requires_grad_()  # then recompute {y} from {x}"),
         ("Or make it with requires_grad=True.",
          "{x} = {mod}.tensor([1.0, 2.0, 3.0], requires_grad=True)")),
        input_not_requiring_grad),
    Card(
        "int_requires_grad",
        ((errors.CREATE_INT_REQUIRING_GRAD, {}), (errors.SET_INT_REQUIRING_GRAD, {})),
        "Only floating-point tensors can require gradients",
        "Gradients are rates of change, and need values that can change by a tiny amount: a "
        "small step from an integer is not an integer. Integer and bool tensors can appear "
        "in a graph as indices or constants, but cannot require grad; write the numbers as "
        "floats or choose a floating dtype.",
        (("Ask for a floating dtype where the tensor is made.", "{with_dtype}"),
         ("Write the numbers as floats.", "x = {mod}.tensor([1.0, 2.0], requires_grad=True)"),
         ("Or convert an existing tensor first.", "{x} = {x}.float().requires_grad_()")),
        int_requires_grad),
    Card(
        "numpy_requires_grad",
        ((errors.NUMPY_REQUIRES_GRAD, {}),),
        "numpy() on a tensor that requires grad",
        "A numpy array is outside autograd: nothing done with it is recorded, and a write "
        "into it would change the tensor behind the graph's back. So you are asked to leave "
        "the graph explicitly: detach() gives a tensor with the same data and no history.",
        (("Detach first.", "{x}.detach().numpy()"),
         ("Or take plain Python numbers.", "{x}.tolist()  # {x}.item() for one element"),
         ("For numpy and plotting functions, pass the detached tensor.",
          "plt.plot({x}.detach())", "via_array")),
        numpy_requires_grad),
    Card(
        "mixed_dtypes",
        ((errors.MM_DTYPES, {"a": r"\w+", "b": r"\w+"}),
         (errors.DOT_DTYPES, {"a": r"\w+", "b": r"\w+"}),
         (errors.MV_DTYPES, {"v": r"\w+", "m": r"\w+"}),
         (errors.ADDMM_DTYPES, {"a": r"\w+", "b": r"\w+"})),
        "A matrix product needs both sides in one dtype",
        "Elementwise ops promote mixed dtypes (float32 * float64 gives float64), but matrix "
        "products refuse them: they run one kernel for one dtype. The usual cause is a "
        "numpy array: numpy computes in float64, and a tensor made from it keeps float64, "
        "while parameters and tensors made from Python lists are float32.",
        (("Convert the float64 one to float32 (the default dtype).", "{double} = {double}.float()",
          "double"),
         ("Or ask for float32 where it is made from numpy.",
          "x = {mod}.tensor(array, dtype={mod}.float32)"),
         ("Or compute everything in float64.", "{mod}.set_default_dtype({mod}.float64)")),
        mixed_dtypes),
    Card(
        "grad_is_none",
        ((NONE_ATTRIBUTE, {"attr": r"\w+"}),
         (NONE_OPERAND, {"op": r"\S+", "left": r"\w+", "right": r"\w+"})),
        "This .grad is None",
        "A tensor's .grad starts as None and is filled by backward(), for leaves that require "
        "grad (tensors you made with requires_grad=True, parameters), once a pass reaches "
        "them. A computed tensor (one with a grad_fn) keeps no .grad unless asked, and "
        "zero_grad() of an optimizer or a module sets .grad back to None.",
        (("Make the tensor require grad where it is created, before computing from it.",
          "{x} = {mod}.tensor([1.0, 2.0], requires_grad=True)  # or {x}.requires_grad_()",
          "no_requires_grad"),
         ("Keep the gradient of a computed tensor: retain_grad() before backward().",
          "{x}.retain_grad()\nloss.backward()\n{x}.grad", "non_leaf"),
         ("Or read the gradient of the leaf it was computed from.", "w.grad  # w: the leaf",
          "non_leaf"),
         ("Run the backward pass first: forward, backward(), then read .grad.",
          "loss = ...  # computed from {x}\nloss.backward()\n{x}.grad", "not_yet")),
        grad_is_none),
    Card(
        "grad_returned_a_tuple",
        ((TUPLE_ATTRIBUTE, {"attr": r"\w+"}),),
        "autograd.grad() returns a tuple of gradients",
        "autograd.grad(outputs, inputs) returns one gradient per input, always as a tuple, "
        "even for a single input: unpack it.",
        (("Unpack the one gradient (note the comma).", "({g},) = {call}"),
         ("Or take the first element.", "{g} = {call}[0]")),
        grad_returned_a_tuple),
)


def matches(message):
    """(card, match) for each card whose message matches, in the table's order."""
    for card in CARDS:
        for compiled in _compiled(card):
            m = compiled.search(message)
            if m:
                yield card, m


_COMPILED = {}


def _compiled(card):
    if card.kind not in _COMPILED:
        _COMPILED[card.kind] = card.patterns()
    return _COMPILED[card.kind]
