"""The ops whose kernel or backward rule ``mg.compile``'s generated code writes out as
numpy, ``s9 = s8 + s3`` rather than ``s9 = add(s8, s3)``: the commonest ops of a network,
where calling the table's lambda (and, in a rule, ``F``'s helpers) costs more than the
numpy it runs on small arrays.

Each entry gives the very numpy calls the table's function makes with ``F`` as
``NUMPY_NS``, on the same arrays in the same order, so the results are the same bits,
dtypes and shapes (tests/autograd/test_compiled.py checks every entry against the table,
on nan, inf, -0.0 and overflowing values). A rule that returns its gradient unchanged is
written as that gradient: the eager pass passes the same array on too. An entry returns
None where the op's constants take it off the plain path (``a + 2 * b``); the call is
written then. ``NAMES`` are the functions the written code reads.

A full reduction's rule fills one value into its input's shape (``UNFILLED``). Where
every rule that reads the filled gradient only picks its elements (``PICKS_G``: relu's
``where``), against an operand of that very shape, the one value broadcast there gives
the same bits: the generated backward then leaves it unfilled (compiled.py). Arithmetic
is not among them: numpy's loop for an array times one value may take a NaN's sign from
the other operand than its loop for two arrays does.
"""

from . import arrays, ops
from .arrays import numel
from .op import ANS

NAMES = {"maximum": ops.np.maximum, "divide": ops.np.divide, "where": ops.np.where,
         "expand": arrays.expand}


def _plain_alpha(alpha=1):
    return alpha == 1


# op -> f(input names..., **ctx) -> the kernel's expression
FORWARD = {
    ops.ADD: lambda a, b, **ctx: f"{a} + {b}" if _plain_alpha(**ctx) else None,
    ops.SUB: lambda a, b, **ctx: f"{a} - {b}" if _plain_alpha(**ctx) else None,
    ops.RSUB: lambda a, b: f"{b} - {a}",
    ops.MUL: lambda a, b: f"{a} * {b}",  # ndarray * is np.multiply
    ops.NEG: lambda x: f"-{x}",
    ops.RELU: lambda x: f"maximum({x}, 0)",
    ops.MM: lambda a, b: f"{a} @ {b}",  # ndarray @ is np.matmul
    ops.SUM: lambda x, shape: f"{x}.sum()",
    ops.MEAN: lambda x, shape: f"divide({x}.sum(), {numel(shape)})",  # x.size is numel(shape)
}

# (op, input position) -> f(g, ans, input names..., **ctx) -> the rule's expression
RULES = {
    (ops.ADD, 0): lambda g, ans, a, b, **ctx: g,
    (ops.ADD, 1): lambda g, ans, a, b, **ctx: g if _plain_alpha(**ctx) else None,
    (ops.SUB, 0): lambda g, ans, a, b, **ctx: g,
    (ops.SUB, 1): lambda g, ans, a, b, **ctx: f"-{g}" if _plain_alpha(**ctx) else None,
    (ops.RSUB, 0): lambda g, ans, a, b: f"-{g}",
    (ops.RSUB, 1): lambda g, ans, a, b: g,
    (ops.MUL, 0): lambda g, ans, a, b: f"{g} * {b}",
    (ops.MUL, 1): lambda g, ans, a, b: f"{g} * {a}",
    (ops.NEG, 0): lambda g, ans, x: f"-{g}",
    (ops.RELU, 0): lambda g, ans, x: f"where({ans} > 0, {g}, {ans} * 0)",
    # MmBackward0's inputs are matrices: .T is the rule's F.mT (swapaxes(-1, -2)).
    (ops.MM, 0): lambda g, ans, a, b: f"{g} @ {b}.T",
    (ops.MM, 1): lambda g, ans, a, b: f"{a}.T @ {g}",
    # The reduction's 0-d gradient filled into the input's shape: the rule reshapes it to
    # (1, 1, ...) first, which fills the same value.
    (ops.SUM, 0): lambda g, ans, x, shape: f"expand({g}, {shape!r})",
    (ops.MEAN, 0): lambda g, ans, x, shape: f"expand({g}, {shape!r}) / {max(numel(shape), 1)}",
}

# (op, input position) of a rule that fills one value into the input's shape ->
# f(g, ans, input names..., **ctx) -> that value, unfilled
UNFILLED = {
    (ops.SUM, 0): lambda g, ans, x, shape: g,
    (ops.MEAN, 0): lambda g, ans, x, shape: f"{g} / {max(numel(shape), 1)}",
}

# (op, input position) of a rule whose result takes each element from g or from an array
# made of one operand (an input position, or ANS) alone, whose shape is then the result's
PICKS_G = {(ops.RELU, 0): ANS}
