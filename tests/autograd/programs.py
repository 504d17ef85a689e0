"""Random programs for the differential test against PyTorch.

A program is a few lines of Python over tensors ``t0, t1, ...``: float64 leaves that
require grad, then one new tensor per step. The lines are written against the API that
micrograd_nb and PyTorch share, so the same source runs on either (``lib`` is the
module)::

    t0 = lib.tensor(<2x3 numbers>, dtype=lib.float64, requires_grad=True)
    t1 = lib.tensor(<3 numbers>, dtype=lib.float64, requires_grad=True)
    t2 = t0 * t1
    t3 = (t2 * t2 + 1).log()
    t4 = t3.sum(dim=1, keepdim=True)

``generate(seed)`` makes one. It picks each step at random, runs it forward (on
micrograd_nb, without a graph) and keeps it only if its values are small and finite:
no overflow, no division by almost zero, no empty tensor. A step micrograd_nb raises on
is dropped but remembered (``Program.refused``): PyTorch must raise on it too. Every
step has a tensor of the program in a differentiable position, so every step's result
requires grad.

``error_program(seed)`` is a shorter program that ends in one of autograd's classic
errors.
"""

import functools
import random
import re
from dataclasses import dataclass

import numpy as np

import micrograd_nb as mg

LEAF_SHAPES = [(), (3,), (2, 3), (3, 1), (1, 3), (3, 3), (2, 3, 3)]
SCALARS = ["2", "3", "-1", "0.5", "-1.5", "2.5"]
POSITIVE_SCALARS = ["2", "0.5", "3.0"]
LARGEST = 1e3  # a step whose values exceed this (or are not finite) is not kept

_NAME = re.compile(r"\bt(\d+)\b")


@dataclass
class Step:
    source: str  # "t4 = t1 * t3"
    kind: str  # which generator made it: "matmul", "batched_matmul", "index"...
    input: str  # the tensor it was made for ("t1")

    @functools.cached_property
    def code(self):
        return compile(self.source, f"<step {self.source}>", "exec")


@dataclass
class Program:
    seed: int
    leaves: list  # numpy float64 arrays
    steps: list  # Step
    outputs: list  # the names of the results no later step uses (the last one included)
    weights: list  # per output: the scalar output is the sum of (output * weight).sum()
    gradients: list  # per output: a random gradient for a vector-Jacobian product
    second_weights: list  # per leaf: the weights of its first-order gradient
    # Steps micrograd_nb refused, (how many steps came before, expression, exception):
    # PyTorch should refuse them too.
    refused: list

    @property
    def names(self):
        return [f"t{i}" for i in range(len(self.leaves) + len(self.steps))]

    @property
    def final(self):
        return self.names[-1]

    def source(self):
        lines = [f"t{i} = lib.tensor(<{'x'.join(map(str, a.shape)) or 'scalar'} numbers>, "
                 f"dtype=lib.float64, requires_grad=True)" for i, a in enumerate(self.leaves)]
        return "\n".join(lines + [step.source for step in self.steps])

    def run(self, lib):
        """Run the program on ``lib``: every tensor it names, leaves first."""
        env = {"lib": lib}
        for i, data in enumerate(self.leaves):
            env[f"t{i}"] = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        for step in self.steps:
            exec(step.code, env)
        return [env[name] for name in self.names]

    def __str__(self):
        return f"program {self.seed}:\n" + self.source()


# ---------------------------------------------------------------------------------------
# The op catalog: each entry makes an expression over the input ``x`` (a name) or
# returns None where its op does not apply to x's shape.

class _Builder:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.values = {}  # name -> micrograd_nb tensor (no graph): shapes and ranges
        self.used = set()
        # Results whose memory layout may differ from PyTorch's (see _mixes_layouts):
        # view() could fail on one side only, so they get reshape() instead.
        self.layout_unsure = set()
        self.refused = []

    def shape(self, name):
        return tuple(self.values[name].shape)

    def choice(self, seq):
        return self.rng.choice(list(seq))

    def partner(self, accept):
        """A tensor of the program (maybe x itself) whose shape ``accept`` allows."""
        names = [n for n in self.values if accept(self.shape(n))]
        return self.choice(names) if names else None

    def broadcasting_partner(self, shape):
        def broadcasts(other):
            try:
                np.broadcast_shapes(shape, other)
            except ValueError:
                return False
            return True

        return self.partner(broadcasts)

    def positive(self, x):
        """An expression of x with only positive values (for log, sqrt, x ** 0.5)."""
        return self.choice([f"{x}.exp()", f"({x} * {x} + 1)", f"({x}.abs() + 0.5)"])

    def dim(self, ndim, extra=0):
        n = max(ndim + extra, 1)
        return self.rng.randrange(-n, n)

    def mask(self, shape):
        bits = self.np_rng.random(shape) < 0.6
        if not bits.any():
            bits.flat[0] = True
        return f"lib.tensor({bits.tolist()})"


def _unary(b, x):
    return b.choice([f"{x}.neg()", f"-{x}", f"{x}.abs()", f"{x}.exp()", f"{x}.tanh()",
                     f"{x}.sigmoid()", f"{x}.relu()", f"lib.tanh({x})", f"lib.exp({x})",
                     f"abs({x})", f"lib.sigmoid({x})", f"lib.relu({x})"])


def _log_sqrt(b, x):
    p = b.positive(x)
    return b.choice([f"{p}.log()", f"{p}.sqrt()", f"lib.log({p})", f"lib.sqrt({p})"])


def _arithmetic(b, x):
    op = b.choice("+-*/")
    form = b.choice(["tensor", "tensor", "scalar right", "scalar left"])
    if form == "tensor":
        y = b.broadcasting_partner(b.shape(x))
        return b.choice([f"{x} {op} {y}", f"{y} {op} {x}"])
    s = b.choice(SCALARS)
    if form == "scalar right":
        return f"{x} {op} {s}"
    return f"{s} {op} {x}"


def _method_arithmetic(b, x):
    y = b.broadcasting_partner(b.shape(x))
    return b.choice([f"{x}.add({y})", f"{x}.sub({y})", f"{x}.mul({y})", f"{x}.div({y})",
                     f"{x}.add({y}, alpha=2)", f"{x}.sub({y}, alpha=0.5)",
                     f"{x}.reciprocal()", f"lib.neg({x})"])


def _power(b, x):
    p = b.positive(x)
    y = b.broadcasting_partner(b.shape(x))
    return b.choice([f"{x} ** 2", f"{x} ** 3", f"{x} ** -1", f"{x} ** 0", f"{x}.pow(2)",
                     f"{p} ** 0.5", f"{p} ** 1.5", f"{p} ** -0.5",
                     f"{p} ** {y}", f"{p}.pow({y})",
                     f"{b.choice(POSITIVE_SCALARS)} ** {x}"])


def _matmul_shape(a, c):
    if not a or not c or a[-1] != c[-2 if len(c) > 1 else 0]:
        return None
    try:
        batch = np.broadcast_shapes(a[:-2], c[:-2])
    except ValueError:
        return None
    return batch + a[-2:-1] + c[-1:] if len(c) > 1 else batch + a[-2:-1]


def _matmul(b, x):
    shape = b.shape(x)
    y = b.partner(lambda other: _matmul_shape(shape, other) is not None)
    forms = []
    if y is not None:
        forms += [f"{x} @ {y}", f"lib.matmul({x}, {y})", f"{x}.matmul({y})"]
    y = b.partner(lambda other: _matmul_shape(other, shape) is not None)
    if y is not None:
        forms.append(f"{y} @ {x}")
    if len(shape) >= 2:
        forms += [f"{x} @ {x}.mT", f"{x}.mT @ {x}"]
    if len(shape) == 1:
        forms.append(f"{x} @ {x}")
    if len(shape) == 2:
        forms.append(f"{x}.mm({x}.T)")
    return b.choice(forms) if forms else None


def _reduce(b, x):
    ndim = len(b.shape(x))
    fn = b.choice(["sum", "mean", "max", "min"])
    keepdim = b.choice([False, True])
    d = b.dim(ndim)
    forms = [f"{x}.{fn}()", f"lib.{fn}({x})"]
    if fn in ("sum", "mean"):
        forms += [f"{x}.{fn}(dim={d})", f"{x}.{fn}({d}, keepdim={keepdim})"]
        if ndim >= 2:
            dims = tuple(sorted(b.rng.sample(range(ndim), 2)))
            forms.append(f"{x}.{fn}(dim={dims}, keepdim={keepdim})")
    else:
        forms += [f"{x}.{fn}(dim={d}).values", f"{x}.{fn}({d}, keepdim={keepdim})[0]",
                  f"lib.{fn}({x}, {d})[0]"]
    return b.choice(forms)


def _shapes_of(n):
    shapes = [(n,), (-1,), (1, n), (n, 1), (1, -1)]
    shapes += [(a, n // a) for a in range(2, n) if n % a == 0]
    shapes += [(a, -1) for a in range(2, n) if n % a == 0]
    if n == 1:
        shapes += [(), (1, 1, 1)]
    if n % 6 == 0:
        shapes.append((n // 6, 2, 3))
    return shapes


def _infer(shape, n):
    known = int(np.prod([d for d in shape if d != -1]))
    return tuple(n // known if d == -1 else d for d in shape)


def _reshape(b, x):
    value = b.values[x]
    shape = b.choice(_shapes_of(value.numel()))
    arg = ", ".join(map(str, shape)) or "()"  # x.reshape() takes no shape at all
    forms = [f"{x}.reshape({arg})", f"{x}.reshape({shape})", f"lib.reshape({x}, {shape})",
             f"{x}.flatten()"]
    try:  # view() needs strides that allow it (reshape copies where they do not)
        np.reshape(value._data, _infer(shape, value.numel()), copy=False)
        if x not in b.layout_unsure:
            forms += [f"{x}.view({arg})", f"{x}.view({shape})"]
    except ValueError:
        pass
    return b.choice(forms)


def _transpose(b, x):
    ndim = len(b.shape(x))
    if ndim == 0:
        return f"{x}.t()"
    forms = [f"{x}.transpose({b.dim(ndim)}, {b.dim(ndim)})",
             f"lib.transpose({x}, {b.dim(ndim)}, {b.dim(ndim)})"]
    dims = list(range(ndim))
    b.rng.shuffle(dims)
    forms += [f"{x}.permute({', '.join(map(str, dims))})", f"{x}.permute({tuple(dims)})",
              f"lib.permute({x}, {tuple(dims)})"]
    if ndim <= 2:
        forms.append(f"{x}.t()")
    if ndim == 2:
        forms += [f"{x}.T", f"{x}.mT"]
    if ndim > 2:
        forms.append(f"{x}.mT")
    return b.choice(forms)


def _unsqueeze_squeeze(b, x):
    shape = b.shape(x)
    ndim = len(shape)
    forms = [f"{x}.unsqueeze({b.dim(ndim, extra=1)})",
             f"lib.unsqueeze({x}, {b.dim(ndim, extra=1)})", f"{x}.squeeze()",
             f"{x}[None]"]
    ones = [d for d, n in enumerate(shape) if n == 1]
    if ones:
        forms += [f"{x}.squeeze({b.choice(ones)})", f"{x}.squeeze({b.choice(ones) - ndim})"]
    if ndim >= 2:
        forms += [f"{x}.flatten()", f"lib.flatten({x})", f"{x}.flatten(0, 1)",
                  f"{x}.flatten(start_dim={ndim - 2})"]
    if 1 in shape:
        full = ", ".join("3" if n == 1 else "-1" for n in shape)
        forms.append(f"{x}.expand({full})")
    forms.append(f"{x}.expand(2, {', '.join(map(str, shape))})" if shape
                 else f"{x}.expand(2)")
    return b.choice(forms)


def _index(b, x):
    shape = b.shape(x)
    if not shape:
        return b.choice([f"{x}[None]", f"{x}[...]", f"{x}[{x} > 0]"])
    n0 = shape[0]
    i = b.rng.randrange(-n0, n0)
    rows = [b.rng.randrange(n0) for _ in range(b.rng.randint(1, 4))]
    forms = [f"{x}[{i}]", f"{x}[1:]", f"{x}[:-1]", f"{x}[::2]", f"{x}[{rows}]",
             f"{x}[{b.mask(shape)}]", f"{x}[{b.mask(shape[:1])}]", f"{x}[{x} > 0]",
             f"{x}[...]", f"{x}[:]", f"{x}[{i}:]"]
    if len(shape) >= 2:
        n1 = shape[1]
        j = b.rng.randrange(-n1, n1)
        cols = [b.rng.randrange(n1) for _ in range(len(rows))]
        forms += [f"{x}[{i}, {j}]", f"{x}[:, {j}]", f"{x}[{i}, 1:]", f"{x}[..., {j}]",
                  f"{x}[:, {cols}]", f"{x}[{rows}, {cols}]", f"{x}[{i}][{j}]",
                  f"{x}[:, None]", f"{x}[1:, :-1]", f"{x}[0:{n0}, {j}]", f"{x}[{i}, 0:{n1}]",
                  f"{x}[:, :]", f"{x}[..., 1:]"]
    return b.choice(forms)


def _join(b, x):
    shape = b.shape(x)
    ndim = len(shape)
    other = b.choice([f"{x}.exp()", f"{x} * 2", x])
    y = b.partner(lambda s: s == shape)
    forms = [f"lib.stack([{x}, {other}])", f"lib.stack([{y}, {x}], dim={b.dim(ndim, 1)})"]
    if ndim:
        d = b.dim(ndim)
        z = b.partner(lambda s: len(s) == ndim and all(
            m == n for k, (m, n) in enumerate(zip(s, shape)) if k != d % ndim))
        forms += [f"lib.cat([{x}, {other}])", f"lib.cat([{z}, {x}], dim={d})",
                  f"lib.cat([{x}, {z}, {x}], {d})", f"lib.concat([{x}, {z}], dim={d})"]
    return b.choice(forms)


def _where(b, x):
    shape = b.shape(x)
    y = b.broadcasting_partner(shape)
    cond = b.choice([f"{x} > 0", f"{x} > {y}", f"{x}.abs() < 0.5", b.mask(shape)])
    other = b.choice([y, b.choice(SCALARS)])
    return b.choice([f"lib.where({cond}, {x}, {other})", f"lib.where({cond}, {other}, {x})"])


def _clamp(b, x):
    return b.choice([f"{x}.clamp(-0.5, 0.5)", f"{x}.clamp(min=-0.2)", f"{x}.clamp(max=0.3)",
                     f"{x}.clip(0, 1)", f"lib.clamp({x}, -1, 0.25)", f"{x}.clamp(0.1, 0.1)"])


def _softmax(b, x):
    d = b.dim(len(b.shape(x)))
    return b.choice([f"{x}.softmax({d})", f"{x}.softmax(dim={d})", f"{x}.log_softmax({d})",
                     f"lib.softmax({x}, {d})", f"lib.log_softmax({x}, dim={d})"])


CATALOG = {
    "unary": (_unary, 2), "log_sqrt": (_log_sqrt, 1), "arithmetic": (_arithmetic, 4),
    "method_arithmetic": (_method_arithmetic, 1), "power": (_power, 1.5),
    "matmul": (_matmul, 1.5), "reduce": (_reduce, 2), "reshape": (_reshape, 1),
    "transpose": (_transpose, 1.5), "unsqueeze_squeeze": (_unsqueeze_squeeze, 1),
    "index": (_index, 2), "join": (_join, 1), "where": (_where, 1), "clamp": (_clamp, 1),
    "softmax": (_softmax, 1),
}


def _is_batched_matmul(b, expression):
    """Is one operand of a matmul in ``expression`` more than 2-D?"""
    if "@" not in expression and "matmul" not in expression and ".mm(" not in expression:
        return False
    return any(len(b.shape(f"t{i}")) > 2 for i in _NAME.findall(expression))


def _mixes_layouts(b, kind, refs):
    """An elementwise op on tensors of different memory layouts: PyTorch's result takes
    the layout of the first operand, numpy's is in C order."""
    if kind not in ("arithmetic", "method_arithmetic", "power", "where"):
        return False
    layouts = {b.values[n]._data.flags.c_contiguous for n in refs
               if b.values[n].ndim > 1 and b.values[n].numel() > 1}
    return len(layouts) > 1


def _acceptable(value):
    if not isinstance(value, mg.Tensor) or value.numel() == 0:
        return False
    data = value._data
    return bool(np.isfinite(data).all() and np.abs(data).max() <= LARGEST)


def _leaf_data(np_rng, shape):
    return np_rng.normal(size=shape).round(3)


def generate(seed, n_steps=None, max_leaves=4):
    """The program of ``seed``: 2 to ``max_leaves`` leaves, then ``n_steps`` steps
    (3 to 7 unless given)."""
    b = _Builder(seed)
    leaves = []
    for i in range(b.rng.randint(2, max_leaves)):
        data = _leaf_data(b.np_rng, b.choice(LEAF_SHAPES))
        leaves.append(data)
        b.values[f"t{i}"] = mg.tensor(data, dtype=mg.float64)
    n_steps = b.rng.randint(3, 7) if n_steps is None else n_steps
    kinds, weights = list(CATALOG), [w for _, w in CATALOG.values()]
    steps = []
    while len(steps) < n_steps:
        name = f"t{len(b.values)}"
        names = list(b.values)
        fresh = [n for n in names if n not in b.used]
        x = b.choice(fresh[-2:]) if fresh and b.rng.random() < 0.8 else b.choice(names)
        kind = b.rng.choices(kinds, weights)[0]
        expression = CATALOG[kind][0](b, x)
        if expression is None:
            continue
        env = {"lib": mg, **b.values}
        try:
            value = eval(expression, env)
        except Exception as error:  # noqa: BLE001 - a combination the op does not take
            b.refused.append((len(steps), expression, error))
            continue
        if not _acceptable(value):
            continue
        if kind == "matmul" and _is_batched_matmul(b, expression):
            kind = "batched_matmul"
        refs = [f"t{i}" for i in _NAME.findall(expression)]
        if b.layout_unsure.intersection(refs) or _mixes_layouts(b, kind, refs):
            b.layout_unsure.add(name)
        b.values[name] = value
        b.used.update(refs)
        steps.append(Step(f"{name} = {expression}", kind, x))
    outputs = [n for n in list(b.values)[len(leaves):] if n not in b.used]
    shapes = [b.shape(n) for n in outputs]
    return Program(
        seed=seed, leaves=leaves, steps=steps, outputs=outputs,
        weights=[b.np_rng.normal(size=shape) for shape in shapes],
        gradients=[b.np_rng.normal(size=shape) for shape in shapes],
        second_weights=[b.np_rng.normal(size=a.shape) for a in leaves], refused=b.refused)


# ---------------------------------------------------------------------------------------
# Programs that end in a classic error. ``{out}`` is the program's final tensor,
# ``{leaf}`` one of its leaves, ``{leaves}`` all of them.

@dataclass
class ErrorProgram:
    program: Program
    scenario: str
    lines: list
    # The error comes from a hook on a leaf, in the middle of a backward pass: which
    # other leaves got their gradient before it depends on the order nodes run in.
    stops_midway: bool = False

    @functools.cached_property
    def code(self):
        return compile("\n".join(self.lines), f"<scenario {self.scenario}>", "exec")

    def run(self, lib):
        """Run the program and the scenario: the exception it raised (or None), and the
        leaves, to look at their ``.grad`` afterwards."""
        tensors = self.program.run(lib)
        env = {"lib": lib, **dict(zip(self.program.names, tensors))}
        try:
            exec(self.code, env)
        except Exception as error:  # noqa: BLE001 - the point of the program
            return error, tensors[:len(self.program.leaves)]
        return None, tensors[:len(self.program.leaves)]

    def __str__(self):
        return f"{self.program}\n# then, {self.scenario}:\n" + "\n".join(self.lines)


def _other_shape(b, shape):
    """A shape that is not ``shape``."""
    while True:
        wrong = b.choice([shape + (2,), (4,) + shape[1:], (7,), (1,), (2,)])
        if wrong != shape:
            return wrong


ERROR_SCENARIOS = {
    "non-scalar backward": lambda b: [
        b.choice(["{big}.backward()", "lib.autograd.grad({big}, [{leaf}])",
                  "lib.autograd.backward([{big}])", "({big} * 2).backward()"])],
    "gradient of the wrong shape": lambda b: [
        b.choice(["{out}.backward(lib.ones({wrong}, dtype=lib.float64))",
                  "lib.autograd.grad({out}, [{leaf}], grad_outputs=lib.ones({wrong}, "
                  "dtype=lib.float64))",
                  "lib.autograd.backward([{out}, {out}.sum()], [lib.zeros({wrong}, "
                  "dtype=lib.float64), lib.tensor(1.0, dtype=lib.float64)])"])],
    "as many gradients as outputs": lambda b: [
        "lib.autograd.backward([{out}.sum(), {out}.mean()], [lib.tensor(1.0, "
        "dtype=lib.float64)])"],
    "backward twice through saved values": lambda b: [
        b.choice(["y = ({out} * {out}).sum()", "y = {out}.exp().sum()",
                  "y = ({out} * 2).tanh().mean()", "y = ({out} ** 2).sum()"]),
        b.choice(["y.backward()", "lib.autograd.grad(y, [{leaves}], allow_unused=True)",
                  "y.backward(retain_graph=False)"]),
        b.choice(["y.backward()", "lib.autograd.grad(y, [{leaves}], allow_unused=True)"])],
    "output without grad_fn": lambda b: b.choice([
        ["{out}.detach().sum().backward()"],
        ["with lib.no_grad():", "    y = ({out} * 2).sum()", "y.backward()"],
        ["lib.autograd.backward([{out}.sum(), lib.ones(3).sum()])"],
        ["lib.autograd.grad({out}.detach().sum(), [{leaf}])"],
        ["{out}.argmax().backward()"]]),
    "in-place change of a saved output": lambda b: [
        b.choice(["c = {out}.exp()", "c = {out}.sigmoid()", "c = {out}.tanh()",
                  "c = ({out} * {out} + 1).sqrt()"]),
        b.choice(["c.add_(1)", "c.mul_(2)", "c += 1", "c.zero_()", "c[...] = 0"]),
        "c.sum().backward()"],
    "in-place change of a saved input": lambda b: [
        b.choice(["v = {out} * 2", "v = {out} + 1", "v = {out}.sum(0, keepdim=True) * 1.5",
                  "v = {out} - 1"]),
        b.choice(["c = v * v", "c = v.exp() * v", "c = (v ** 3).sum()", "c = v.abs()"]),
        b.choice(["v.add_(1)", "v.mul_(0.5)", "v.div_(2)", "v.sub_(v.detach())", "v.zero_()",
                  "v.fill_(2)", "v.clamp_(0, 1)", "v[...] = 0", "v.copy_(v.detach() * 2)",
                  "v[v > 0] = 0", "v += v.detach()"]),
        "c.sum().backward()"],
    "in-place change of a leaf": lambda b: [
        b.choice(["{leaf}.add_(1)", "{leaf}.mul_(2)", "{leaf} += 1", "{leaf}.zero_()",
                  "{leaf}.fill_(3.0)", "{leaf}.clamp_(0, 1)", "{leaf}[...] = 0",
                  "{leaf}.view(-1).mul_(2)", "{leaf}.copy_({leaf}.detach() * 2)"])],
    "in-place change of a leaf under no_grad": lambda b: [
        "y = ({leaf} * {leaf}).sum()", "with lib.no_grad():",
        b.choice(["    {leaf}.add_(1)", "    {leaf}.mul_(2)", "    {leaf}[...] = 0"]),
        "y.backward()"],
    "unused input": lambda b: [
        "u = lib.ones(2, dtype=lib.float64, requires_grad=True)",
        b.choice(["lib.autograd.grad({out}.sum(), [u, {leaves}])",
                  "lib.autograd.grad({out}.sum(), [{leaves}, u])",
                  "lib.autograd.grad({out}.sum(), [{leaves}, u], allow_unused=False)"])],
    "inputs that do not require grad": lambda b: [
        b.choice(["lib.autograd.grad({out}.sum(), [{leaf}.detach()])",
                  "lib.autograd.grad({out}.sum(), [{leaf}, lib.ones(2)])",
                  "lib.autograd.grad({out}.sum(), [])"])],
    "integer tensor requiring grad": lambda b: b.choice([
        ["lib.tensor([1, 2, 3], requires_grad=True)"],
        ["lib.tensor([[1], [0]], requires_grad=True)"],
        ["lib.tensor([True, False], requires_grad=True)"],
        ["{out}.long().requires_grad_()"],
        ["{out}.detach().long().requires_grad_(True)"],
        ["y = {out}.detach().int()", "y.requires_grad = True"]]),
    "hook changing the size": lambda b: b.choice([
        ["def widen(grad):", "    return lib.cat([grad.reshape(-1), grad.reshape(-1)])",
         "{out}.register_hook(widen)", "({out} * 2).sum().backward()"],
        ["{out}.register_hook(lambda g: g.sum(0, keepdim=True).expand(2, *g.shape))",
         "{out}.sum().backward()"],
        ["{leaf}.register_hook(lambda g: lib.zeros({wrong_leaf}, dtype=lib.float64))",
         "(({out} * 3).sum() + {leaf}.sum()).backward()"]]),
    "gradient of another size assigned": lambda b: [
        "{leaf}.grad = lib.zeros({wrong_leaf}, dtype=lib.float64)"],
    "flags of a non-leaf": lambda b: [
        b.choice(["{out}.requires_grad_(False)", "{out}.requires_grad = False",
                  "{out}.numpy()", "{out}.detach().retain_grad()",
                  "{out}.detach().register_hook(print)"])],
}


def error_program(seed):
    """A short program (1 to 3 steps), then a scenario that ends in an error."""
    program = generate(10_000 + seed, n_steps=random.Random(seed).randint(1, 3), max_leaves=3)
    b = _Builder(seed)
    scenario = b.choice(ERROR_SCENARIOS)
    tensors = program.run(mg)
    out = tensors[-1]
    leaf_index = b.rng.randrange(len(program.leaves))
    fields = {
        "out": program.final,
        "big": program.final if out.numel() > 1 else f"{program.final}.reshape(-1).expand(2)",
        "leaf": f"t{leaf_index}",
        "leaves": ", ".join(f"t{i}" for i in range(len(program.leaves))),
        "wrong": _other_shape(b, tuple(out.shape)),
        "wrong_leaf": _other_shape(b, tuple(tensors[leaf_index].shape)),
    }
    lines = [line.format(**fields) for line in ERROR_SCENARIOS[scenario](b)]
    stops_midway = any(line.startswith(f"{fields['leaf']}.register_hook") for line in lines)
    return ErrorProgram(program, scenario, lines, stops_midway)
