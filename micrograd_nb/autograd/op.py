"""``Op``: one row of the ops table (ops.py). How a row is recorded and run backward is
function.py's job."""

ANS = "ans"


class Op:
    """An op: PyTorch's grad_fn ``name``, the numpy ``forward`` and one rule per input.

    ``saves`` lists what the rules read (input positions and/or ``ANS``); a rule for
    input i saves only when that input needs a gradient, as in PyTorch. ``saves_ctx``
    marks ops that keep data of their own (a mask, indices), so a second pass fails.
    """

    __slots__ = ("name", "forward", "rules", "saves", "saves_ctx", "variadic", "_node_type",
                 "_saved_keys")

    def __init__(self, name, forward, *rules, saves=(), saves_ctx=False, variadic=None):
        self.name = name
        self.forward = forward
        self.rules = rules
        self.saves = saves  # per input: tuple of what its rule reads
        self.saves_ctx = saves_ctx
        self.variadic = variadic  # rule(i, F, g, **ctx) for ops with any number of inputs
        self._node_type = None
        self._saved_keys = {}

    @property
    def node_type(self):
        """The class of this op's nodes: a ``Function`` named as PyTorch names it, so
        ``type(y.grad_fn).__name__`` is ``MulBackward0`` here too."""
        if self._node_type is None:
            from .function import Function  # function.py records ops: it imports this

            name = self.name.rsplit("::", 1)[-1]
            self._node_type = type(name, (Function,), {"__slots__": ()})
        return self._node_type

    def saved_keys(self, meta):
        """What a node keeps when the inputs whose layout ``meta`` gives (None for an input
        that needs no gradient) need a gradient: what their rules read, each once, in the
        order the rules name them. There are few such patterns per op, so each is worked
        out once."""
        keys = self._saved_keys.get(meta)
        if keys is None:
            keys = []
            for rule_reads, layout in zip(self.saves, meta):
                if layout is not None:
                    keys += [key for key in rule_reads if key not in keys]
            keys = self._saved_keys[meta] = tuple(keys)
        return keys

    def vjp(self, i, F, g, ans, args, ctx):
        if self.variadic is not None:
            return self.variadic(i, F, g, **ctx)
        return self.rules[i](F, g, ans, *args, **ctx)


    def renamed(self, name, **changes):
        """The same op under another of PyTorch's names (``MIN_DIM`` is ``MAX_DIM``'s
        forward and rules recorded as MinBackward0); ``changes`` overrides fields."""
        forward = changes.pop("forward", self.forward)
        fields = {"saves": self.saves, "saves_ctx": self.saves_ctx, "variadic": self.variadic}
        fields.update(changes)
        return Op(name, forward, *self.rules, **fields)


def defop(name, forward, *rules, saves=(), saves_ctx=False):
    return Op(name, forward, *rules, saves=saves, saves_ctx=saves_ctx)
