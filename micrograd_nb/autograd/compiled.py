"""``micrograd_nb.compile(fn)``: PyTorch's ``torch.compile`` for a function of tensors.

The first call for a kind of input runs ``fn`` once, eagerly, with a tracer listening
(``function.tracer``): every op it applies, on which tensors. From that trace comes a
program: the ops' forwards in order, and the backward rules of the ones that made
nodes, in the order ``graph.run_backward`` would run them. That call and every later
one with the same kind of input run the program: numpy's calls and little else. The
result's ``grad_fn`` is one node, ``CompiledFunctionBackward`` as in PyTorch, whose
inputs are the tensors ``fn`` took (its arguments, then the tensors it read from
outside, such as a module's parameters); its backward runs the recorded rules, summing
each gradient in the order the eager pass does, so losses and gradients are the eager
ones bit for bit.

A kind of input is what a trace depends on: each tensor argument's shape, dtype and
``requires_grad``, the value of every Python number or string, the identity of any other
object (a module), and the shapes and dtypes of the tensors read from outside. A new kind
is traced anew, up to ``CACHE_SIZE_LIMIT`` kinds (PyTorch's ``cache_size_limit``).

As with ``torch.jit.trace``, a trace is a straight line: Python code in ``fn`` runs on
the tracing call only (a ``print`` prints once), and Python numbers ``fn`` computes or
reads from globals are fixed at tracing. Where the line could differ from one call to the
next, ``fn`` is not compiled and runs eagerly, with a warning saying why (an error with
``fullgraph=True``): it reads tensor values into Python (``item()``, ``if t > 0``), makes
tensors other than by ops on its inputs (``mg.randn``, comparisons, ``detach()``, custom
``autograd.Function``\\s), changes a tensor in place, calls ``backward()``, registers a
hook on an intermediate tensor, or returns anything but one tensor. Under ``%%autograd``
(a graph listener), ``no_grad`` or anomaly detection ``fn`` runs eagerly, so that every
node is there to draw, check or skip.

Generated code. A program is not interpreted step by step: it writes, once, a Python
function for its forward and one for its backward, and runs them (``compile`` and
``exec``, the kernels, rules, dtypes and constants bound as the functions' globals under
readable names). Each slot is a local, ``s12``; the gradient arriving at it is ``g12``.
The forward has one line per op, ``s9 = tanh(s8)``, its inputs cast to the op's
compute dtype only where their traced dtype differs, and returns the result and the
arrays the rules read. The backward has one line per rule, in the eager pass's order,
``g3 = g3 + tanh_rule0(F, g9, s9, None)``, adding each gradient to those that arrived
before, as the eager pass does. The commonest ops' kernels and rules are written out as
the numpy they run (``s9 = s8 + s3``, ``g3 = g3 + (g9 * s1)``, see written_out.py), which
spares a Python call per line. Each rule's result goes through ``to_input``
(summed over the dimensions broadcasting added, cast to its input's dtype) in the first
backward; the function written after it leaves the call out where it changed nothing,
and writes out the numpy it ran where it did (``g3.sum(axis=(0,), keepdims=True)
.reshape((16,))``): the shapes and dtypes of every array are those of the trace, so the
rules give the same ones at every call, as long as the gradient arriving has the
result's shape and dtype (a hook on the result may change it: then the first form
runs). That function also adds a rule's term computed twice for one gradient to itself
(``x * x``), and leaves a sum's or mean's gradient one value where relu's rule picks
from it (written_out.py). Print ``program.forward_source`` and ``program.backward_source``
to read them.
"""

import builtins
import keyword
import math
import re
import warnings
from functools import update_wrapper

import numpy as np

from . import arrays, errors, function, graph, tensor, written_out
from .function import NUMPY_NS, Function, SavedTensor
from .op import ANS, Op

CACHE_SIZE_LIMIT = 8

# Our own texts (PyTorch compiles these cases, or breaks its graph there).
RUNS_EAGERLY = ("micrograd_nb.compile: {name} runs eagerly, not compiled: {reason}. It "
                "gives the same results, at the eager speed.")
CACHE_LIMIT = ("it was traced for {limit} kinds of input already (shapes, dtypes, Python "
               "values of its arguments)")
REASONS = {
    "read": "it reads a tensor's values into Python ({what}), so what it does may depend "
            "on them",
    "inplace": "it changes a tensor in place ({what})",
    "backward": "it runs a backward pass itself; compile the forward and call backward() "
                "on its result",
    "made": "it uses or returns a tensor that is not made by an op on its inputs (made by "
            "mg.tensor, mg.randn, a comparison, detach() or a custom autograd.Function); "
            "pass such a tensor as an argument",
    "ctx": "{op} keeps an array among its constants (a mask or indices from the data)",
    "random": "it draws random numbers, which a replay would draw again differently "
              "from the eager function (or not at all)",
    "hook": "it registers a hook on an intermediate tensor (register_hook, retain_grad)",
    "result": "it returns {what}; a compiled function returns one tensor",
}

_EAGER = "eager"  # a cache entry: this kind of input runs eagerly
_PLAIN = (type(None), bool, int, float, complex, str, slice, type(Ellipsis), np.dtype,
          np.generic, type)


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor",  # noqa: A001
            mode=None, options=None, disable=False):
    """``torch.compile``: ``fn`` traced and replayed (see the module's text). As a
    decorator with or without arguments; on an ``nn.Module``, its call is compiled.
    ``dynamic``, ``backend``, ``mode`` and ``options`` are taken, so that PyTorch code
    runs unchanged, and change nothing: there is one way to compile here."""
    def wrap(fn):
        if disable:
            return fn
        return CompiledFunction(fn, fullgraph)

    return wrap if model is None else wrap(model)


class CompiledFunction:
    """A compiled ``fn``: its programs, one per kind of input."""

    def __init__(self, fn, fullgraph):
        self._orig_mod = fn  # PyTorch's name for what was compiled
        self._fullgraph = fullgraph
        self._programs = {}
        update_wrapper(self, fn, updated=())

    def __getattr__(self, name):  # a compiled module still has its parameters...
        return getattr(self.__dict__["_orig_mod"], name)

    def __call__(self, *args, **kwargs):
        if (function.tracer is not None or graph._listeners or not graph._GradMode.enabled
                or graph._GradMode.detect_anomaly):
            return self._orig_mod(*args, **kwargs)
        tensors, kind = [], []
        _flatten((args, kwargs), tensors, kind)
        if len(set(map(id, tensors))) < len(tensors):  # f(a, a) is traced apart from f(a, b)
            first = {}
            kind.append(tuple(first.setdefault(id(t), i) for i, t in enumerate(tensors)))
        kind = tuple(kind)
        program = self._programs.get(kind)
        if program is _EAGER:
            return self._orig_mod(*args, **kwargs)
        if program is None or not program.still_fits():
            if len(self._programs) >= CACHE_SIZE_LIMIT and kind not in self._programs:
                self._eager(kind, CACHE_LIMIT.format(limit=CACHE_SIZE_LIMIT))
                return self._orig_mod(*args, **kwargs)
            trace, result = self._traced_call(args, kwargs)
            try:
                program = Program(trace, tensors, result)
            except NotCompilable as reason:  # the traced call was an eager call
                self._eager(kind, str(reason))
                return result
            self._programs[kind] = program
        return program.run(tensors)

    def _traced_call(self, args, kwargs):
        """The call, eagerly, with a tracer listening: (the trace, the result)."""
        trace = Trace()
        function.tracer = trace
        try:
            return trace, self._orig_mod(*args, **kwargs)
        finally:
            function.tracer = None

    def _eager(self, kind, reason):
        """Say once why ``kind`` runs eagerly (raise, with fullgraph=True)."""
        name = getattr(self._orig_mod, "__qualname__", type(self._orig_mod).__name__)
        message = RUNS_EAGERLY.format(name=name, reason=reason)
        if self._fullgraph:
            raise RuntimeError(message)
        warnings.warn(message, UserWarning, stacklevel=3)  # at the user's call
        self._programs[kind] = _EAGER


def _flatten(obj, tensors, kind):
    """The tensors in ``obj`` (nested lists, tuples and dicts) in order, and what else a
    trace depends on, into ``kind``."""
    cls = obj.__class__
    if isinstance(obj, tensor.Tensor):
        tensors.append(obj)
        kind.append((obj._data.shape, obj._data.dtype, obj._requires_grad))
    elif cls is list or cls is tuple:
        kind.append((cls, len(obj)))
        Tensor = tensor.Tensor
        for item in obj:
            if item.__class__ is Tensor:  # the commonest item, as above without a call
                tensors.append(item)
                kind.append((item._data.shape, item._data.dtype, item._requires_grad))
            else:
                _flatten(item, tensors, kind)
    elif cls is dict:
        kind.append((dict, tuple(obj)))
        for item in obj.values():
            _flatten(item, tensors, kind)
    elif isinstance(obj, _PLAIN):
        kind.append((cls, obj))
    else:  # a module, a function...: the same object, not an equal one
        kind.append((cls, id(obj)))


# --- tracing ------------------------------------------------------------------------------

class Trace:
    """What ``fn`` did while traced: the engine calls these methods (function.py,
    tensor.py, promotion.py, conversions.py, inplace.py, out_arg.py, api.py)."""

    def __init__(self):
        self.ops = []  # (op, inputs, compute_dtype, ctx, out, versions of the inputs)
        self.made = {}  # id -> every tensor made meanwhile (held, so ids stay unique)
        self.numbers = set()  # ids of the tensors of Python numbers
        self.problem = None

    def op_applied(self, op, inputs, compute_dtype, ctx, out):
        self.ops.append((op, inputs, compute_dtype, ctx, out, [t._version for t in inputs]))

    def tensor_made(self, t):
        self.made[id(t)] = t

    def number(self, t):
        self.numbers.add(id(t))
        self.made[id(t)] = t

    def refuse(self, reason, **fields):
        if self.problem is None:
            self.problem = REASONS[reason].format(**fields)


class NotCompilable(Exception):
    """Why a trace cannot be replayed."""


class Program:
    """A trace made replayable: numbered slots of arrays (``s0``, ``s1``...), filled by
    the arguments, the tensors read from outside, constants, and each op's forward in
    turn.

    A replay runs Python written for this trace (see "Generated code" in the module's
    text): ``forward_source``, one line per op, and ``backward_source``, one line per
    backward rule, each kept here to be read or printed.
    """

    def __init__(self, trace, arg_tensors, result):
        if trace.problem:
            raise NotCompilable(trace.problem)
        if not isinstance(result, tensor.Tensor):
            raise NotCompilable(REASONS["result"].format(what=type(result).__name__))
        slot_of = {}  # id(tensor) -> slot
        self.first_args = []  # the position of each distinct tensor among the arguments
        for position, t in enumerate(arg_tensors):
            if id(t) not in slot_of:
                slot_of[id(t)] = len(slot_of)
                self.first_args.append(position)
        self.captured = []  # (slot, tensor, its layout when traced)
        constants = []  # (slot, array)
        forward = []  # (op, input slots, compute dtype, ctx, output slot)
        backward = []  # (op, rules, number of inputs, ctx, saved (key, slot)s, output slot)
        dtypes, shapes = {}, {}  # slot -> dtype, shape of its array
        scalars = set()  # slots of 0-d results
        for op, inputs, compute_dtype, ctx, out, versions in trace.ops:
            _check_ctx(op, ctx)
            ins = []
            # A tensor whose version moved on since an op read it was changed in place.
            for t, version in zip(inputs, versions):
                if t._version != version:
                    raise NotCompilable(REASONS["inplace"].format(what=f"an input of {op.name}"))
                if id(t) not in slot_of:
                    slot_of[id(t)] = len(slot_of)
                    self._outside(t, slot_of[id(t)], trace, constants)
                ins.append(slot_of[id(t)])
                dtypes[slot_of[id(t)]] = t._data.dtype
                shapes[slot_of[id(t)]] = t._data.shape
            if id(out) in slot_of:
                raise NotCompilable(REASONS["made"])
            slot_of[id(out)] = o = len(slot_of)
            dtypes[o] = out._data.dtype
            shapes[o] = out._data.shape
            if out._data.ndim == 0:
                scalars.add(o)
            forward.append((op, ins, compute_dtype, ctx, o))
            if out._grad_fn is not None:
                backward.append(self._backward_step(op, out, ins, o))
        backward.reverse()  # as run_backward visits them: the latest node first
        self.result_slot = slot_of.get(id(result))
        if self.result_slot not in {step[4] for step in forward}:
            raise NotCompilable(REASONS["made"])  # an argument, or a tensor made otherwise
        self.requires_grad = result._requires_grad
        self.result_layout = (result._data.shape, result._data.dtype)
        # The compiled node's inputs: the arguments, then the tensors read from outside.
        self.input_slots = list(range(len(self.first_args))) + [
            slot for slot, _, _ in self.captured]
        backward = _reached(backward, self.result_slot) if self.requires_grad else []
        constant_slots = {slot for slot, _ in constants}
        kept = sorted({slot for step in backward for _, slot in step[4]} - constant_slots)
        # Per input of the compiled node: does it need a gradient, and is its array kept
        # (watched for in-place changes before backward)?
        self.needs_grad = [arg_tensors[i]._requires_grad for i in self.first_args] + [
            layout[2] for _, _, layout in self.captured]
        self.watched = [position for position, slot in enumerate(self.input_slots)
                        if slot in kept]
        self.result_kept = self.result_slot in kept
        names = _Names()
        for slot, array in constants:
            names.values[f"s{slot}"] = array
        self.forward_source = _forward_source(forward, names, dtypes, scalars, self.input_slots,
                                              sorted(constant_slots), self.result_slot, kept)
        # The kernels run in one quiet state, as each silently() would; silently sets it
        # with a context variable made once, where a with-block makes an errstate per call.
        self._forward = arrays.silently(names.function(self.forward_source, "forward"))
        # The backward: one line per rule, with to_input on each until the first backward
        # shows which of them change nothing (see _learn).
        self._rule_lines = _rule_lines(backward, names, self.result_slot, shapes,
                                       set(self.input_slots))
        self._names = names
        self._kept = kept
        self.backward_source = self._backward_source(None)
        self._general_backward = names.function(self.backward_source, "backward")
        self._backward = self._learn

    def _outside(self, t, slot, trace, constants):
        """An input no op of the trace made: a number, or a tensor read from outside."""
        if id(t) in trace.numbers:
            constants.append((slot, t._data))
        elif id(t) in trace.made:
            raise NotCompilable(REASONS["made"])
        else:
            self.captured.append((slot, t, _layout(t)))

    @staticmethod
    def _backward_step(op, out, ins, o):
        node = out._grad_fn
        if node.__class__ is not op.node_type:  # a custom Function's node, made after
            raise NotCompilable(REASONS["made"])
        if node._pre_hooks:
            raise NotCompilable(REASONS["hook"])
        needs = tuple(parent is not None for parent in node._prev)
        keys = op.saved_keys(node._meta) if op.saves else ()
        saved = tuple((key, o if key == ANS else ins[key]) for key in keys)
        # (input position, its slot, its layout) for each input whose gradient is needed
        rules = tuple((i, ins[i], node._meta[i]) for i, need in enumerate(needs) if need)
        return op, rules, len(ins), node._ctx, saved, o

    def still_fits(self):
        """The tensors read from outside still have the layouts traced."""
        for _, t, layout in self.captured:
            if _layout(t) != layout:
                return False
        return True

    def run(self, arg_tensors):
        Tensor = tensor.Tensor
        first_args = self.first_args
        inputs = [arg_tensors[i] for i in first_args] + [t for _, t, _ in self.captured]
        data, kept = self._forward(*[t._data for t in inputs])
        if not self.requires_grad:
            return Tensor._make(data)
        prev = tuple([t._grad_node() if needs else None
                      for t, needs in zip(inputs, self.needs_grad)])
        out = Tensor._make(data, True)
        # In-place changes before backward are caught as in the eager graph: the inputs
        # whose arrays the rules read, and the result, keep their versions.
        watched = [inputs[i] for i in self.watched]
        result = SavedTensor(out, True, ANS) if self.result_kept else None
        out._grad_fn = CompiledFunctionBackward(
            COMPILED, prev, (None,) * len(prev), function._NO_CTX,
            Activations(self, kept, watched, result), data.shape)
        return out

    def run_backward(self, kept, grad):
        """The gradient of every input of the compiled node (None where none arrives):
        ``graph.run_backward`` and ``Function._apply`` over the recorded nodes."""
        shape, dtype = self.result_layout
        if grad.shape == shape and grad.dtype == dtype:
            return self._backward(kept, grad)
        return self._general_backward(kept, grad)  # a hook on the result changed its dtype

    def _learn(self, kept, grad):
        """The first backward of the traced layout: the general backward, noting the
        shape and dtype of each rule's result where ``to_input`` changed it; then the
        backward written for those."""
        learned = []

        def noting(g, layout):
            same = g.shape == layout[0] and g.dtype == layout[1]
            learned.append(None if same else (g.shape, g.dtype))
            return to_input(g, layout)

        to_input = NUMPY_NS.to_input
        grads = self._names.function(self.backward_source, "backward", to_input=noting)(
            kept, grad)
        self.backward_source = self._backward_source(learned)
        self._backward = self._names.function(self.backward_source, "backward")
        return grads

    def _backward_source(self, learned):
        """The backward's text. Without ``learned``, the general one: every rule's result
        through to_input. With it (what the first backward saw, see _learn): to_input
        written out as the numpy it ran where it changed the result (``.sum(axis=...)``,
        ``.astype``), left out where not; a reduction's gradient left unfilled where its
        rules allow (written_out.UNFILLED); a rule's term computed twice for one gradient
        (``x * x``) added to itself."""
        lines = [f"def backward(kept, g{self.result_slot}):"]
        if self._kept:
            lines.append(f"    {_tuple(self._kept)[1:-1]} = kept")
        first_terms = {}  # target -> (node, term) while the target holds that term alone
        for k, line in enumerate(self._rule_lines):
            target, call, term = line.target, line.call, line.term
            if learned is None:
                call = term = f"to_input({call}, {line.layout_name})"
            elif learned[k] is not None:
                call = term = _to_input_written(term, *learned[k], line.layout, self._names)
            elif line.unfilled is not None:
                call = term = line.unfilled
            if not line.again:
                first_terms[target] = (line.node, term)
                lines.append(f"    {target} = {call}")
            elif learned is not None and first_terms.pop(target, None) == (line.node, term):
                lines.append(f"    {target} = {target} + {target}")
            else:
                lines.append(f"    {target} = {target} + {term}")
        grads = {line.target for line in self._rule_lines}
        lines.append("    return [" + ", ".join(
            f"g{slot}" if f"g{slot}" in grads else "None" for slot in self.input_slots) + "]")
        return "\n".join(lines) + "\n"


# --- generated code -----------------------------------------------------------------------

class _Names:
    """The names a generated function reads: kernels, rules, dtypes and constants, each
    bound once under a readable name."""

    def __init__(self):
        self.values = {"F": NUMPY_NS, "to_input": NUMPY_NS.to_input, "asarray": np.asarray,
                       **written_out.NAMES}
        self._name_of = {}  # id(value) -> name

    def of(self, value, hint):
        name = self._name_of.get(id(value))
        if name is None:
            name = candidate = _identifier(hint)
            n = 2
            while name in self.values:
                name, n = f"{candidate}_{n}", n + 1
            self.values[name] = value
            self._name_of[id(value)] = name
        return name

    def value(self, value, hint):
        """``value`` as a Python literal where it is one, else as a bound name."""
        return repr(value) if _is_literal(value) else self.of(value, hint)

    def function(self, source, name, **overrides):
        """The function ``name`` that ``source`` defines, reading these names."""
        namespace = {**self.values, **overrides}
        exec(builtins.compile(source, f"<mg.compile {name}>", "exec"), namespace)
        return namespace[name]


def _identifier(hint):
    """``hint`` as a name that is no keyword, builtin or slot (s3, g3) of generated code."""
    name = re.sub(r"\W", "_", hint)
    if (not name.isidentifier() or keyword.iskeyword(name) or hasattr(builtins, name)
            or re.fullmatch(r"[sg]\d+", name)):
        name += "_"
    return name


def _tuple(slots):
    """``(s1, s4)``, ``(s1,)`` or ``()``: a tuple of slots in generated code."""
    return f"({', '.join(f's{slot}' for slot in slots)}{',' if len(slots) == 1 else ''})"


def _is_literal(value):
    if value.__class__ is tuple:
        return all(map(_is_literal, value))
    if value.__class__ is float:
        return math.isfinite(value)
    return value is None or value.__class__ in (bool, int, str)


def _base_name(op):
    """``MulBackward0`` -> ``mul``, ``ClampBackward1`` -> ``clamp1``."""
    name = op.name.rsplit("::", 1)[-1]
    found = re.fullmatch(r"(.*)Backward(\d*)", name)
    if found:
        name = found[1] + ("" if found[2] in ("", "0") else found[2])
    return name.lower()


def _keywords(ctx, names, hint):
    return [f"{key}={names.value(value, f'{hint}_{key}')}" for key, value in ctx.items()]


def _forward_source(forward, names, dtypes, scalars, input_slots, constant_slots, result_slot,
                    kept):
    """The forward's text: a call of each op's kernel, its inputs cast to its compute
    dtype where theirs differs (the dtypes are those traced), a 0-d result made an array
    as ``apply`` makes it; it returns the result and the arrays the backward reads."""
    lines = [f"def forward({', '.join(f's{slot}' for slot in input_slots)}):"]
    if constant_slots:
        lines.append(f"    # constants: {', '.join(f's{slot}' for slot in constant_slots)}")
    for op, ins, compute_dtype, ctx, o in forward:
        base = _base_name(op)
        args = []
        for slot in ins:
            if compute_dtype is None or dtypes[slot] == compute_dtype:
                args.append(f"s{slot}")
            else:
                args.append(f"s{slot}.astype({names.of(compute_dtype, str(compute_dtype))})")
        written = written_out.FORWARD.get(op)
        call = None if written is None else written(*args, **ctx)
        if call is None:
            # The forward runs in one quiet state (Program.__init__), as silently() would.
            kernel = names.of(getattr(op.forward, "unsilenced", op.forward), base)
            call = f"{kernel}({', '.join(args + _keywords(ctx, names, base))})"
        lines.append(f"    s{o} = asarray({call})" if o in scalars else f"    s{o} = {call}")
    lines.append(f"    return s{result_slot}, {_tuple(kept)}")
    return "\n".join(lines) + "\n"


def _reached(backward, result_slot):
    """The backward steps a gradient from the result reaches (an op whose result ``fn``
    does not use has a node, but no eager pass runs it)."""
    arrived, steps = {result_slot}, []
    for step in backward:
        if step[5] in arrived:
            steps.append(step)
            arrived.update(slot for _, slot, _ in step[1])
    return steps


class _RuleLine:
    """One rule's line of the backward: ``target = call`` where the first gradient
    arrives at it, ``target = target + term`` where one arrived before."""

    __slots__ = ("target", "again", "call", "term", "layout", "layout_name", "node",
                 "unfilled")

    def __init__(self, target, again, call, is_numpy, layout, layout_name, node):
        self.target = target
        self.again = again
        self.call = call
        # numpy written out is one term of a sum in brackets; a call is one as it is
        self.term = call if not is_numpy or call.isidentifier() else f"({call})"
        self.layout = layout  # the input's (shape, dtype), for to_input
        self.layout_name = layout_name  # that as text
        self.node = node  # the backward step the rule belongs to
        self.unfilled = None  # a reduction's gradient as the one value it fills, if kept so


def _rule_lines(backward, names, result_slot, shapes, input_slots):
    """Per backward rule, in the order run_backward runs them, a _RuleLine: the gradient
    it adds to, whether one arrived there before, the rule's call or its numpy written
    out, its input's layout for to_input."""
    lines = []
    arrived = {result_slot}
    fills = {}  # slot -> (its line, the value) where a reduction's rule fills one value
    for node, (op, rules, n_inputs, ctx, saved, o) in enumerate(backward):
        ans, args = "None", ["None"] * n_inputs
        for key, slot in saved:
            if key == ANS:
                ans = f"s{slot}"
            else:
                args[key] = f"s{slot}"
        if o in fills:  # every gradient that arrives at o arrived: its rules come now
            line, value = fills.pop(o)
            if _picks_from_filled(op, rules, saved, o, shapes):
                line.unfilled = value
        base = _base_name(op)
        keywords = _keywords(ctx, names, base)
        for i, slot, (shape, dtype) in rules:
            written = written_out.RULES.get((op, i))
            call = None if written is None else written(f"g{o}", ans, *args, **ctx)
            is_numpy = call is not None  # written out
            if not is_numpy:
                if op.variadic is not None:
                    rule = names.of(op.variadic, f"{base}_rule")
                    call = f"{rule}({', '.join([str(i), 'F', f'g{o}'] + keywords)})"
                else:
                    rule = names.of(op.rules[i], f"{base}_rule{i}")
                    call = f"{rule}({', '.join(['F', f'g{o}', ans] + args + keywords)})"
            layout_name = f"({shape!r}, {names.of(dtype, str(dtype))})"
            line = _RuleLine(f"g{slot}", slot in arrived, call, is_numpy, (shape, dtype),
                             layout_name, node)
            lines.append(line)
            fills.pop(slot, None)  # a second gradient arriving: no longer one value
            unfill = written_out.UNFILLED.get((op, i))
            if unfill is not None and not line.again and shape and slot not in input_slots:
                fills[slot] = (line, unfill(f"g{o}", ans, *args, **ctx))
            arrived.add(slot)
    return lines


def _picks_from_filled(op, rules, saved, o, shapes):
    """Do all of ``op``'s rules only pick elements of its gradient, against an operand of
    the gradient's own shape (written_out.PICKS_G)?"""
    saved_slots = dict(saved)
    for i, _, _ in rules:
        operand = written_out.PICKS_G.get((op, i))
        if operand is None or saved_slots.get(operand) is None:
            return False
        if shapes[saved_slots[operand]] != shapes[o]:
            return False
    return True


def _to_input_written(term, g_shape, g_dtype, layout, names):
    """``to_input(term, layout)`` for a term of this shape and dtype, written out as the
    calls it makes: arrays.sum_to's sum and reshape, then astype."""
    shape, dtype = layout
    if g_shape != shape:
        dims = arrays.broadcast_dims(g_shape, shape)
        if dims:
            term = f"{term}.sum(axis={dims!r}, keepdims=True)"
        term = f"{term}.reshape({shape!r})"
    if g_dtype != dtype:
        term = f"{term}.astype({names.of(dtype, str(dtype))})"
    return term


def _layout(t):
    return t._data.shape, t._data.dtype, t._requires_grad


def _check_ctx(op, ctx):
    """An op's constants must be plain values: an array among them (a mask, indices) was
    computed from data, and would be stale on the next call."""
    for value in ctx.values():
        if not _plain(value):
            raise NotCompilable(REASONS["ctx"].format(op=op.name))


def _plain(value):
    if value.__class__ is tuple or value.__class__ is list:
        return all(map(_plain, value))
    return isinstance(value, _PLAIN)


# --- the compiled node --------------------------------------------------------------------

class Activations:
    """What a compiled node keeps between its forward and its backward."""

    __slots__ = ("program", "kept", "watched", "counters", "versions", "result")

    def __init__(self, program, kept, watched, result):
        self.program = program
        self.kept = kept  # slot -> array, for the slots the rules read
        self.watched = watched  # the inputs whose arrays are kept...
        self.counters = [t._version_counter for t in watched]
        self.versions = [counter.value for counter in self.counters]  # ...and their versions
        self.result = result  # the result's SavedTensor, where a rule reads it

    def check_versions(self, node):
        """Raise as an eager node's SavedTensor does if a kept array was changed in place
        (a SavedTensor per input is made only then: the check runs at every backward)."""
        __tracebackhide__ = True
        if [counter.value for counter in self.counters] != self.versions:
            slots = self.program.input_slots
            for position, t, counter, version in zip(
                    self.program.watched, self.watched, self.counters, self.versions):
                saved = SavedTensor(t, False, slots[position])
                saved.version, saved.saved_version = counter, version
                saved.check(node)
        if self.result is not None:
            self.result.unpack(node, False)


class CompiledFunctionBackward(Function):
    """The node of a compiled function's result: the whole recorded backward at once."""

    __slots__ = ()

    def _apply(self, grad, create_graph):
        __tracebackhide__ = True
        activations = self._saved
        if activations is function._FREED:
            raise RuntimeError(errors.BACKWARD_TWICE)
        if create_graph:
            raise RuntimeError(errors.COMPILE_DOUBLE_BACKWARD)
        activations.check_versions(self)  # raises if a kept array was changed in place
        return activations.program.run_backward(activations.kept, grad)


COMPILED = Op("CompiledFunctionBackward", None, saves_ctx=True)
