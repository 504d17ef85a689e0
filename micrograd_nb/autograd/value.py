"""``Value``: a scalar autograd node, a drop-in for karpathy's micrograd ``Value``.

Each op is one line of the rule table below: how the output is computed and how the
gradient flows back to the inputs (the chain rule, one node at a time). A rule is
written with operators and ``_F`` functions only, so the same rule runs on floats (the
fast path) and on ``Value`` objects, which builds the graph of the gradient itself:
that is all ``backward(create_graph=True)`` needs.

Where micrograd is wrong, PyTorch is followed: the pass order is iterative and
deterministic, saved values are freed after a pass (a second ``backward()`` raises
unless ``retain_graph=True``), and gradients accumulate across passes.

Speed: a node is one Python object. Its one or two parents sit in two slots rather than
in a tuple, because Python's garbage collector walks every object a graph holds, many
times while a big graph is built; one object per node instead of two halves that work.
``run_plain_backward`` is the pass of a plain ``backward()`` (Values only, nobody
listening): the graph core's pass with the node protocol's calls written inline.
"""

import math

from . import errors, graph
from .involved import attach


class _Rule:
    """The backward rule of one op: ``vjp(g, out, *inputs, *constants)`` returns one
    gradient per input. ``saves`` tells whether the node keeps values for it (so a
    second pass through it needs ``retain_graph=True``)."""

    __slots__ = ("vjp", "saves")

    def __init__(self, vjp, saves=True):
        self.vjp = vjp
        self.saves = saves


class _F:
    """The few functions rules need that operators cannot express, for floats and Values:
    on floats they follow IEEE arithmetic, as PyTorch does, where Python would raise."""

    @staticmethod
    def log(x):
        return x.log() if isinstance(x, Value) else _log(x)

    @staticmethod
    def div(x, y):
        return x / y if isinstance(x, Value) or isinstance(y, Value) else _div(x, y)

    @staticmethod
    def pow(x, k):
        return x**k if isinstance(x, Value) else _pow(x, k)

    @staticmethod
    def step(x):
        # d relu / dx: 0 at x <= 0, as in PyTorch; a constant, so it adds no graph. An
        # int, as micrograd's ``(out.data > 0) * out.grad``, so the gradients print alike.
        return 1 if (x.data if isinstance(x, Value) else x) > 0 else 0

    @staticmethod
    def is_zero(x):
        return (x.data if isinstance(x, Value) else x) == 0


def _log(x):
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _div(x, y):
    """``x / y`` on floats, with IEEE's answer for a zero divisor instead of an error."""
    if y != 0:
        return x / y
    if x == 0 or x != x:
        return math.nan
    return math.copysign(math.inf, x) * math.copysign(1.0, y)


def _is_odd_integer(k):
    return float(k).is_integer() and int(k) % 2 == 1


def _pow(a, k):
    """``a ** k`` as C's ``pow`` (and PyTorch) computes it: ``0 ** -1`` is inf, a negative
    base to a fractional power is nan; never ZeroDivisionError nor a complex number."""
    try:
        result = a**k
    except ZeroDivisionError:  # 0 to a negative power; -0.0 keeps its sign for odd k
        return math.copysign(math.inf, a) if _is_odd_integer(k) else math.inf
    except OverflowError:
        return -math.inf if a < 0 and _is_odd_integer(k) else math.inf
    return math.nan if isinstance(result, complex) else result


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _pow_vjp(g, out, a, k):
    # PyTorch: the gradient of x**0 is 0 everywhere, even at x = 0 (not 0 * inf).
    if _F.is_zero(k):
        return (0.0 * g,)
    return ((k * _F.pow(a, k - 1)) * g,)  # micrograd's order, so the floats are the same


def _pow_value_vjp(g, out, a, b):
    # PyTorch's special cases: nothing flows where the exponent is 0, nor to the exponent
    # where the base is 0 and the exponent is >= 0 (0 * log 0 would be nan).
    grad_a = 0.0 * g if _F.is_zero(b) else (b * _F.pow(a, b - 1)) * g
    b_data = b.data if isinstance(b, Value) else b
    grad_b = 0.0 * g if _F.is_zero(a) and b_data >= 0 else g * out * _F.log(a)
    return grad_a, grad_b


ADD = _Rule(lambda g, out, a, b: (g, g), saves=False)
MUL = _Rule(lambda g, out, a, b: (g * b, g * a))
# ``-a`` is micrograd's ``a * -1``; PyTorch's NegBackward0 saves nothing, so a second
# backward() through ``-a`` or ``1 - a`` works there: the same rule, marked as saving nothing.
NEG = _Rule(MUL.vjp, saves=False)
POW = _Rule(_pow_vjp)
POW_VALUE = _Rule(_pow_value_vjp)
RELU = _Rule(lambda g, out, a: (g * _F.step(out),))
TANH = _Rule(lambda g, out, a: (g * (1 - out * out),))
EXP = _Rule(lambda g, out, a: (g * out,))
LOG = _Rule(lambda g, out, a: (_F.div(g, a),))

_FREED = object()  # marks a node whose saved values a pass has released
_new = object.__new__
_next_seq = graph.next_seq


def _node(data, a, b, op, rule, const=None):
    """The output of an op on ``a`` (and ``b``): what ``Value(data, (a, b), op, rule)``
    makes, without the tuple of children."""
    out = _new(Value)
    out.data = data
    out.grad = 0
    out._a = a
    out._b = b
    out._op = op
    out._rule = rule
    out._const = const
    out._seq = _next_seq()
    return out


def _two_parents(children):
    children = tuple(children)
    if len(children) > 2:
        raise ValueError(f"a Value has at most two parents, got {len(children)}")
    return (*children, None, None)[:2]


class Value:
    """Stores a single scalar value and its gradient."""

    # _a, _b: the parents, in argument order (None where there are fewer); see _prev.
    __slots__ = ("data", "grad", "_a", "_b", "_op", "_rule", "_const", "_seq", "__weakref__")

    # Graph-core protocol (see graph.py): a Value is its own backward node.
    _pre_hooks = ()
    _accumulates = True

    def __init__(self, data, _children=(), _op="", _rule=None, _const=None):
        self.data = data
        self.grad = 0
        self._a, self._b = _two_parents(_children) if _children else (None, None)
        self._op = _op  # the label micrograd shows: '+', '*', '**2', 'ReLU', ...
        self._rule = _rule
        self._const = _const  # a constant the rule needs (the exponent of x**k)
        self._seq = _next_seq()

    @property
    def _prev(self):
        """The parents, in argument order (micrograd kept a set)."""
        a = self._a
        if a is None:
            return ()
        b = self._b
        return (a,) if b is None else (a, b)

    # --- forward ops -------------------------------------------------------------------

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return _node(self.data + other.data, self, other, "+", ADD)

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return _node(self.data * other.data, self, other, "*", MUL)

    def __pow__(self, other):
        if isinstance(other, Value):
            return _node(_pow(self.data, other.data), self, other, "**", POW_VALUE)
        if not isinstance(other, (int, float)):
            raise TypeError("only supporting int/float/Value powers")
        return _node(_pow(self.data, other), self, None, f"**{other}", POW, other)

    def __rpow__(self, other):  # other ** self
        return Value(other) ** self

    def relu(self):
        # micrograd's forward: an int 0 for a negative input, the input itself otherwise.
        return _node(0 if self.data < 0 else self.data, self, None, "ReLU", RELU)

    def tanh(self):
        return _node(math.tanh(self.data), self, None, "tanh", TANH)

    def exp(self):
        return _node(_exp(self.data), self, None, "exp", EXP)

    def log(self):
        return _node(_log(self.data), self, None, "log", LOG)

    # Composite ops, built as micrograd builds them.
    def __neg__(self):  # -self
        other = Value(-1)
        return _node(self.data * other.data, self, other, "*", NEG)

    __radd__ = __add__  # other + self is micrograd's self + other: the same node

    def __sub__(self, other):  # self - other
        return self + (-other)

    def __rsub__(self, other):  # other - self
        return other + (-self)

    __rmul__ = __mul__  # other * self, built as self * other

    def __truediv__(self, other):  # self / other
        return self * other**-1

    def __rtruediv__(self, other):  # other / self
        return other * self**-1

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # --- backward ---------------------------------------------------------------------

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Fill ``.grad`` of every node of the graph (micrograd) by the chain rule.

        Same signature as ``torch.Tensor.backward``. ``gradient`` defaults to 1.0;
        ``retain_graph`` defaults to ``create_graph``; with ``create_graph=True`` the
        gradients are Values whose own ``backward()`` gives second derivatives; with
        ``inputs`` only those Values accumulate.
        """
        __tracebackhide__ = True  # IPython and pytest show the user's line, not ours
        from .api import backward

        backward([self], None if gradient is None else [gradient], retain_graph,
                 create_graph, inputs)

    # --- graph-core protocol ----------------------------------------------------------

    def _accumulate(self, g):
        if isinstance(g, Value) and not isinstance(self.grad, Value) and self.grad == 0:
            self.grad = g  # create_graph: the gradient itself, not 0 + gradient
        else:
            self.grad = self.grad + g

    def _apply(self, g, create_graph):
        __tracebackhide__ = True
        if self._const is _FREED:
            raise _freed_error(self)
        rule = self._rule
        if create_graph:
            args = self._prev if self._const is None else (*self._prev, self._const)
            return rule.vjp(g if isinstance(g, Value) else Value(g), self, *args)
        args = [p.data for p in self._prev]
        if self._const is not None:
            args.append(self._const)
        return rule.vjp(g, self.data, *args)

    def _release(self):
        if self._rule.saves:
            self._const = _FREED


def _freed_error(node):
    return attach(RuntimeError(errors.BACKWARD_TWICE), node=f"the '{node._op or 'op'}' node")


# ---------------------------------------------------------------------------------------
# The plain pass: graph.run_backward for Values alone, with no listener, no ``inputs``,
# no ``create_graph`` and number seeds. The same nodes in the same order, the same rules
# on the same floats added up in the same order, so the same gradients bit for bit; only
# the protocol's method calls and tuples of parents are gone.


def _reverse_topological_order(roots):
    """graph.reverse_topological_order, reading the parents' slots."""
    seen = set(roots)
    stack = list(seen)
    add, push, pop = seen.add, stack.append, stack.pop
    while stack:
        node = pop()
        a = node._a
        if a is not None:
            if a not in seen:
                add(a)
                push(a)
            b = node._b
            if b is not None and b not in seen:
                add(b)
                push(b)
    return sorted(seen, key=graph.by_seq, reverse=True)


def run_plain_backward(roots, seeds, retain_graph):
    """Propagate ``seeds`` from the Values ``roots`` into every node's ``.grad``."""
    __tracebackhide__ = True
    order = _reverse_topological_order(roots)
    pending = {}
    for root, seed in zip(roots, seeds):
        pending[root] = pending[root] + seed if root in pending else seed
    pop = pending.pop
    previous_mode = graph._GradMode.enabled
    graph._GradMode.enabled = False
    try:
        for node in order:
            g = pop(node)  # every node of the order is reached, so it has a gradient
            if g.__class__ is Value:  # data that are Values make Value gradients
                node._accumulate(g)
            else:
                node.grad = node.grad + g  # what _accumulate does with a number
            a = node._a
            if a is None:
                continue  # a leaf
            const = node._const
            if const is _FREED:
                raise _freed_error(node)
            rule = node._rule
            b = node._b
            # A network is nearly all + and *: their rules, ADD.vjp and MUL.vjp, written
            # out here save a call per node (tests hold them equal to the table's).
            if rule is ADD:
                grad_a = grad_b = g
            elif rule is MUL:
                grad_a, grad_b = g * b.data, g * a.data
            elif b is not None:
                grad_a, grad_b = rule.vjp(g, node.data, a.data, b.data)
            elif const is None:
                grad_a, = rule.vjp(g, node.data, a.data)
            else:
                grad_a, = rule.vjp(g, node.data, a.data, const)
            if not retain_graph and rule.saves:
                node._const = _FREED
            pending[a] = pending[a] + grad_a if a in pending else grad_a
            if b is not None:
                pending[b] = pending[b] + grad_b if b in pending else grad_b
    finally:
        graph._GradMode.enabled = previous_mode
