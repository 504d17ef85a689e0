"""Every tensor op: PyTorch's name for its node, its forward on numpy arrays and its
backward rule (vector-Jacobian product) for each input, one row per op, in the style of
HIPS autograd's ``defvjp``.

A rule reads ``lambda F, g, ans, x, y, **ctx: ...``: ``g`` is the gradient of the
output, ``ans`` the output, ``x, y`` the inputs (``None`` where the op did not save
them). Rules use operators and ``F`` only: during a normal backward pass ``F`` is
``NUMPY_NS`` and everything is a numpy array (the fast path); with
``create_graph=True`` it is ``TENSOR_NS`` and everything is a ``Tensor``, so the
gradient is computed by recorded ops and can itself be differentiated. Broadcasting is
undone once, for every op, by ``F.sum_to``. An op that is another under PyTorch's other
name is ``OTHER.renamed("Name")``.

A row is an ``Op`` (op.py); how it is recorded and run backward: function.py. The numpy
helpers: arrays.py.
"""

import math

import numpy as np

from . import errors
from .arrays import (
    argextreme_mask,
    contiguous,
    copy_into,
    erf,
    extreme_mask,
    int_power,
    log_softmax,
    logsumexp,
    numel,
    outside,
    outside_view,
    power,
    prod_others,
    quietly,
    reduce_mask,
    reduced_count,
    scatter,
    share_of_max,
    share_of_min,
    sigmoid,
    silently,
    softmax,
    strictly_within,
    take_at,
    unsqueeze_reduced,
    unview,
    vector_norm,
    view_of,
    within,
    write_view,
)
from .op import ANS, Op, defop

# The table. One entry per op: forward, then the rule for each input.

ADD = defop("AddBackward0", silently(lambda a, b, alpha=1: a + alpha * b if alpha != 1 else a + b),
            lambda F, g, ans, a, b, alpha=1: g,
            lambda F, g, ans, a, b, alpha=1: g * alpha if alpha != 1 else g)
SUB = defop("SubBackward0", silently(lambda a, b, alpha=1: a - alpha * b if alpha != 1 else a - b),
            lambda F, g, ans, a, b, alpha=1: g,
            lambda F, g, ans, a, b, alpha=1: -g * alpha if alpha != 1 else -g)
RSUB = defop("RsubBackward1", silently(lambda a, b: b - a),  # scalar - tensor
             lambda F, g, ans, a, b: -g,
             lambda F, g, ans, a, b: g)
MUL = defop("MulBackward0", silently(np.multiply),
            lambda F, g, ans, a, b: g * b,
            lambda F, g, ans, a, b: g * a,
            saves=((1,), (0,)))
DIV = defop("DivBackward0", silently(np.true_divide),
            lambda F, g, ans, a, b: g / b,
            lambda F, g, ans, a, b: -g * a / (b * b),
            saves=((1,), (0, 1)))
RECIPROCAL = defop("ReciprocalBackward0", silently(np.reciprocal),
                   lambda F, g, ans, x: -g * ans * ans,
                   saves=((ANS,),))
NEG = defop("NegBackward0", np.negative, lambda F, g, ans, x: -g)
# x ** k for a constant k (PowBackward0); d/dx = k x^(k-1), and 0 where k == 0.
POW = defop("PowBackward0", lambda x, exponent: power(x, exponent),
            lambda F, g, ans, x, exponent: (g * exponent * x ** (exponent - 1)
                                            if exponent != 0 else F.zeros_like(x)),
            saves=((0,),))
# x ** y for tensors (PowBackward1); the y-rule is masked to 0 where x == 0 and y >= 0.
POW_TENSOR = defop(
    "PowBackward1", lambda x, y: (int_power(x, y) if x.dtype.kind in "iu" and y.dtype.kind in "iu"
                                  else power(x, y)),
    lambda F, g, ans, x, y: F.where(F.array_of(y) == 0, g * 0, g * y * x ** (y - 1)),
    lambda F, g, ans, x, y: F.where((F.array_of(x) == 0) & (F.array_of(y) >= 0), g * 0,
                                    g * ans * F.log(x)),
    saves=((0, 1), (0, ANS)))
# scalar ** x (PowBackward2); the scalar base travels in ctx.
RPOW = defop("PowBackward2", lambda x, base: contiguous(power(base, x)),
             lambda F, g, ans, x, base: g * ans * float(np.log(base)),
             saves=((ANS,),))
EXP = defop("ExpBackward0", silently(np.exp), lambda F, g, ans, x: g * ans, saves=((ANS,),))
LOG = defop("LogBackward0", silently(np.log), lambda F, g, ans, x: g / x, saves=((0,),))
SQRT = defop("SqrtBackward0", silently(np.sqrt), lambda F, g, ans, x: g / (2 * ans),
             saves=((ANS,),))
ABS = defop("AbsBackward0", np.abs, lambda F, g, ans, x: g * F.sign(x), saves=((0,),))
SIGN = defop("SgnBackward0", np.sign, lambda F, g, ans, x: g * 0)
TANH = defop("TanhBackward0", np.tanh, lambda F, g, ans, x: g * (1 - ans * ans),
             saves=((ANS,),))
SIGMOID = defop("SigmoidBackward0", silently(lambda x: 1 / (1 + np.exp(-x))),
                lambda F, g, ans, x: g * ans * (1 - ans), saves=((ANS,),))
# As PyTorch's threshold_backward(g, ans): 0 where ans <= 0, and a gradient that is
# part of the graph through ans as well as g.
RELU = defop("ReluBackward0", lambda x: np.maximum(x, 0),
             lambda F, g, ans, x: F.where(F.array_of(ans) > 0, g, ans * 0),
             saves=((ANS,),))
CLAMP = defop("ClampBackward1", lambda x, min=None, max=None: np.clip(x, min, max),
              lambda F, g, ans, x, min=None, max=None: g * within(F.array_of(x), min, max),
              saves=((0,),))
WHERE = defop("WhereBackward0", lambda a, b, condition: np.where(condition, a, b),
              lambda F, g, ans, a, b, condition: F.where(condition, g, g * 0),
              lambda F, g, ans, a, b, condition: F.where(condition, g * 0, g),
              saves_ctx=True)

# Bitwise and, or, xor of integer tensors: no gradient (integers have none).
BITWISE = {kernel: defop("NotImplemented", fn) for kernel, fn in (
    ("bitwise_and_cpu", np.bitwise_and), ("bitwise_or_cpu", np.bitwise_or),
    ("bitwise_xor_cpu", np.bitwise_xor))}

# Pointwise math. Forwards run silently where numpy would warn (log(0), asin(2)...):
# PyTorch gives inf or nan without a word.
SIN = defop("SinBackward0", silently(np.sin), lambda F, g, ans, x: g * F.cos(x), saves=((0,),))
COS = defop("CosBackward0", silently(np.cos), lambda F, g, ans, x: -g * F.sin(x), saves=((0,),))
TAN = defop("TanBackward0", silently(np.tan), lambda F, g, ans, x: g * (1 + ans * ans),
            saves=((ANS,),))
ASIN = defop("AsinBackward0", silently(np.arcsin),
             lambda F, g, ans, x: g / F.sqrt(1 - x * x), saves=((0,),))
ACOS = defop("AcosBackward0", silently(np.arccos),
             lambda F, g, ans, x: -g / F.sqrt(1 - x * x), saves=((0,),))
ATAN = defop("AtanBackward0", np.arctan, lambda F, g, ans, x: g / (1 + x * x), saves=((0,),))
SINH = defop("SinhBackward0", silently(np.sinh), lambda F, g, ans, x: g * F.cosh(x),
             saves=((0,),))
COSH = defop("CoshBackward0", silently(np.cosh), lambda F, g, ans, x: g * F.sinh(x),
             saves=((0,),))
ASINH = defop("AsinhBackward0", np.arcsinh, lambda F, g, ans, x: g / F.sqrt(x * x + 1),
              saves=((0,),))
ACOSH = defop("AcoshBackward0", silently(np.arccosh),
              lambda F, g, ans, x: g / F.sqrt(x * x - 1), saves=((0,),))
ATANH = defop("AtanhBackward0", silently(np.arctanh), lambda F, g, ans, x: g / (1 - x * x),
              saves=((0,),))
LOG1P = defop("Log1PBackward0", silently(np.log1p), lambda F, g, ans, x: g / (x + 1),
              saves=((0,),))
EXPM1 = defop("Expm1Backward0", silently(np.expm1), lambda F, g, ans, x: g * (ans + 1),
              saves=((ANS,),))
LOG2 = defop("Log2Backward0", silently(np.log2),
             lambda F, g, ans, x: g / (x * float(np.log(2.0))), saves=((0,),))
LOG10 = defop("Log10Backward0", silently(np.log10),
              lambda F, g, ans, x: g / (x * float(np.log(10.0))), saves=((0,),))
EXP2 = defop("Exp2Backward0", silently(np.exp2),
             lambda F, g, ans, x: g * ans * float(np.log(2.0)), saves=((ANS,),))
RSQRT = defop("RsqrtBackward0", silently(lambda x: 1 / np.sqrt(x)),
              lambda F, g, ans, x: -0.5 * g * ans * ans * ans, saves=((ANS,),))
ERF = defop("ErfBackward0", erf,
            lambda F, g, ans, x: g * (2 / float(np.sqrt(np.pi))) * F.exp(-x * x), saves=((0,),))
# Steps: a zero gradient (frac's is the identity).
FLOOR = defop("FloorBackward0", np.floor, lambda F, g, ans, x: F.zeros_like(g))
CEIL = FLOOR.renamed("CeilBackward0", forward=np.ceil)
ROUND = FLOOR.renamed("RoundBackward0", forward=np.round)
TRUNC = FLOOR.renamed("TruncBackward0", forward=np.trunc)
SIGN_STEP = FLOOR.renamed("SignBackward0", forward=np.sign)
FRAC = defop("FracBackward0", silently(lambda x: x - np.trunc(x)), lambda F, g, ans, x: g)
ATAN2 = defop("Atan2Backward0", np.arctan2,
              lambda F, g, ans, a, b: g * b / (a * a + b * b),
              lambda F, g, ans, a, b: -g * a / (a * a + b * b), saves=((0, 1), (0, 1)))
HYPOT = defop("HypotBackward0", np.hypot,
              lambda F, g, ans, a, b: g * a / ans,
              lambda F, g, ans, a, b: g * b / ans, saves=((0, ANS), (1, ANS)))
# A tie sends half the gradient each way, as in PyTorch.
MAXIMUM = defop("MaximumBackward0", np.maximum,
                lambda F, g, ans, a, b: g * share_of_max(F.array_of(a), F.array_of(b)),
                lambda F, g, ans, a, b: g * share_of_max(F.array_of(b), F.array_of(a)),
                saves=((0, 1), (0, 1)))
MINIMUM = defop("MinimumBackward0", np.minimum,
                lambda F, g, ans, a, b: g * share_of_min(F.array_of(a), F.array_of(b)),
                lambda F, g, ans, a, b: g * share_of_min(F.array_of(b), F.array_of(a)),
                saves=((0, 1), (0, 1)))
# x % y, Python's sign convention (the result has y's sign), as PyTorch's remainder.
REMAINDER = defop("RemainderBackward1", silently(np.remainder),
                  lambda F, g, ans, a, b: g,
                  lambda F, g, ans, a, b: F.through(
                      -g * np.floor_divide(F.array_of(a), F.array_of(b)), a, b),
                  saves=((), (0, 1)))
REMAINDER_SCALAR = defop("RemainderBackward0",
                         silently(lambda a, other: np.remainder(a, other)),
                         lambda F, g, ans, a, other: g)
# No derivative in PyTorch: its node is named NotImplemented and refuses to run.
FLOOR_DIVIDE = defop("torch::autograd::NotImplemented", silently(np.floor_divide),
                     *[lambda F, g, ans, a, b: no_derivative("aten::floor_divide")] * 2)
FLOOR_DIVIDE_INPLACE = defop("torch::autograd::NotImplemented", silently(np.floor_divide),
                             *[lambda F, g, ans, a, b: no_derivative("aten::floor_divide_")] * 2)
# lerp(start, end, weight): weight a number (LerpBackward0) or a tensor (LerpBackward1).
LERP = defop("LerpBackward0", silently(lambda a, b, weight: a + weight * (b - a)),
             lambda F, g, ans, a, b, weight: g * (1 - weight),
             lambda F, g, ans, a, b, weight: g * weight)
LERP_TENSOR = defop("LerpBackward1", silently(lambda a, b, w: a + w * (b - a)),
                    lambda F, g, ans, a, b, w: g * (1 - w),
                    lambda F, g, ans, a, b, w: g * w,
                    lambda F, g, ans, a, b, w: g * (b - a), saves=((2,), (2,), (0, 1)))
# clamp(min=tensor, max=tensor): the gradient goes where x is within its bounds.
# clamp(min=tensor, max=tensor) is min(max(x, low), high): the gradient goes to whichever
# of the three the result is (to high where the bounds cross), as in PyTorch.
CLAMP_TENSOR = defop("ClampBackward0", lambda x, low, high: np.minimum(np.maximum(x, low), high),
                     lambda F, g, ans, x, low, high: g * (
                         (F.array_of(x) >= F.array_of(low)) & (F.array_of(x) <= F.array_of(high))),
                     lambda F, g, ans, x, low, high: g * (
                         (F.array_of(x) < F.array_of(low)) & (F.array_of(low) <= F.array_of(high))),
                     lambda F, g, ans, x, low, high: g * (
                         np.maximum(F.array_of(x), F.array_of(low)) > F.array_of(high)),
                     saves=((0, 1, 2), (0, 1, 2), (0, 1, 2)))

# Activations (torch.nn.functional).
SOFTPLUS = defop("SoftplusBackward0",
                 silently(lambda x, beta, threshold: np.where(
                     x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)),
                 lambda F, g, ans, x, beta, threshold: F.where(
                     F.array_of(x) * beta > threshold, g, g * F.sigmoid(x * beta)),
                 saves=((0,),))
GELU = defop("GeluBackward0", silently(lambda x: 0.5 * x * (1 + erf(x * SQRT_HALF))),
             lambda F, g, ans, x: g * (0.5 * (1 + F.erf(x * SQRT_HALF))
                                       + x * F.exp(-0.5 * x * x) * INV_SQRT_2PI),
             saves=((0,),))
# gelu(approximate="tanh"): 0.5 x (1 + tanh(k (x + 0.044715 x^3))), k = sqrt(2 / pi).
GELU_TANH = GELU.renamed(
    "GeluBackward0", forward=silently(lambda x: 0.5 * x * (1 + np.tanh(SQRT_2_OVER_PI * (
        x + 0.044715 * x * x * x)))))
GELU_TANH.rules = (lambda F, g, ans, x: _gelu_tanh_rule(F, g, x),)
SILU = defop("SiluBackward0", silently(lambda x: x * sigmoid(x)),
             lambda F, g, ans, x: g * F.sigmoid(x) * (1 + x * (1 - F.sigmoid(x))),
             saves=((0,),))
LEAKY_RELU = defop("LeakyReluBackward0",
                   lambda x, negative_slope: np.where(x > 0, x, x * negative_slope),
                   lambda F, g, ans, x, negative_slope: F.through(g * np.where(
                       F.array_of(x) > 0, 1, negative_slope).astype(F.array_of(x).dtype), x),
                   saves=((0,),))
ELU = defop("EluBackward0",
            silently(lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(x))),
            lambda F, g, ans, x, alpha: F.where(F.array_of(x) > 0, g, g * alpha * F.exp(x)),
            saves=((0,),))
HARDTANH = defop("HardtanhBackward0", lambda x, min_val, max_val: np.clip(x, min_val, max_val),
                 lambda F, g, ans, x, min_val, max_val: F.through(g * strictly_within(
                     F.array_of(x), min_val, max_val), x), saves=((0,),))

# Reductions over ``dim`` (a tuple of dims, all of them when the caller gave none); each
# rule gives the reduced dims back to ``g`` (and ``ans``), then broadcasts against x.
PROD = defop("ProdBackward0", silently(lambda x: np.asarray(x.prod())),
             lambda F, g, ans, x: (g if F.array_of(x).ndim == 0 else g * ans / x
                                   if F.array_of(x).all()
                                   else g * prod_others(F.array_of(x), None)),
             saves=((0, ANS),))
PROD_DIM = defop("ProdBackward1",
                 silently(lambda x, dim, keepdim: contiguous(x.prod(axis=dim, keepdims=keepdim))),
                 lambda F, g, ans, x, dim, keepdim: (
                     unsqueeze_reduced(g, x.shape, (dim,), keepdim)
                     * (unsqueeze_reduced(ans, x.shape, (dim,), keepdim) / x
                        if F.array_of(x).all() else prod_others(F.array_of(x), dim))),
                 saves=((0, ANS),))
VAR = defop("VarBackward0",
            quietly(lambda x, dim, correction, keepdim: contiguous(np.asarray(x.var(
                axis=dim, ddof=correction, keepdims=keepdim)))),
            lambda F, g, ans, x, dim, correction, keepdim: (
                unsqueeze_reduced(g, x.shape, dim, keepdim) * 2
                * (x - F.sum(x, dim, keepdim=True) / reduced_count(x.shape, dim))
                / (reduced_count(x.shape, dim) - correction)),
            saves=((0,),))
STD = defop("StdBackward0",
            quietly(lambda x, dim, correction, keepdim: contiguous(np.asarray(x.std(
                axis=dim, ddof=correction, keepdims=keepdim)))),
            lambda F, g, ans, x, dim, correction, keepdim: (
                unsqueeze_reduced(g, x.shape, dim, keepdim)
                * (x - F.sum(x, dim, keepdim=True) / reduced_count(x.shape, dim))
                / ((reduced_count(x.shape, dim) - correction)
                   * unsqueeze_reduced(ans, x.shape, dim, keepdim))),
            saves=((0, ANS),))
VECTOR_NORM = defop("LinalgVectorNormBackward0",
                    silently(lambda x, ord, dim, keepdim: contiguous(np.asarray(
                        vector_norm(x, ord, dim, keepdim)))),
                    lambda F, g, ans, x, ord, dim, keepdim: _norm_rule(
                        F, unsqueeze_reduced(g, x.shape, dim, keepdim), x,
                        unsqueeze_reduced(ans, x.shape, dim, keepdim), ord),
                    saves=((0, ANS),))
LOGSUMEXP = defop("LogsumexpBackward0",
                  silently(lambda x, dim, keepdim: contiguous(np.asarray(
                      logsumexp(x, dim, keepdim)))),
                  lambda F, g, ans, x, dim, keepdim: unsqueeze_reduced(g, x.shape, dim, keepdim)
                  * F.exp(x - unsqueeze_reduced(ans, x.shape, dim, keepdim)),
                  saves=((0, ANS),))
AMAX = defop("AmaxBackward0",
             lambda x, dim, keepdim: contiguous(np.asarray(x.max(axis=dim, keepdims=keepdim))),
             lambda F, g, ans, x, dim, keepdim: unsqueeze_reduced(g, x.shape, dim, keepdim)
             * extreme_mask(F.array_of(x), F.array_of(ans), dim, keepdim),
             saves=((0, ANS),))
AMIN = AMAX.renamed("AminBackward0", forward=lambda x, dim, keepdim: contiguous(
    np.asarray(x.min(axis=dim, keepdims=keepdim))))
CUMSUM = defop("CumsumBackward0", silently(
    lambda x, dim: np.cumsum(x, axis=dim).reshape(x.shape)),
               lambda F, g, ans, x, dim: F.flip(F.cumsum(F.flip(g, dim), dim), dim))
# As PyTorch's rule: a division by x where x has no zeros, else the exact sums.
CUMPROD = defop("CumprodBackward0", silently(
    lambda x, dim: np.cumprod(x, axis=dim).reshape(x.shape)),
                lambda F, g, ans, x, dim: (
                    g if F.array_of(x).ndim == 0
                    else F.flip(F.cumsum(F.flip(g * ans, dim), dim), dim) / x
                    if F.array_of(x).all() else _cumprod_rule_at_zeros(F, g, x, dim)),
                saves=((0, ANS),))
FLIP = defop("FlipBackward0", lambda x, dims: np.flip(x, dims).copy(),
             lambda F, g, ans, x, dims: F.flip(g, dims))


SQRT_HALF, INV_SQRT_2PI = math.sqrt(0.5), 1 / math.sqrt(2 * math.pi)
SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def _gelu_tanh_rule(F, g, x):
    t = F.tanh((x + 0.044715 * x * x * x) * SQRT_2_OVER_PI)
    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI
                * (1 + 3 * 0.044715 * x * x))


def _cumprod_rule_at_zeros(F, g, x, dim):
    """The gradient of cumprod without dividing by x: at k it is (x_0 ... x_{k-1}) S_k,
    where S_k = g_k + x_{k+1} S_{k+1} sums what each later product owes to x_k."""
    n = F.array_of(x).shape[dim]

    def at(t, k):
        return t[(slice(None),) * dim + (k,)]

    before = [F.zeros_like(at(x, 0)) + 1]
    for k in range(1, n):
        before.append(before[-1] * at(x, k - 1))
    owed = [at(g, n - 1)]
    for k in range(n - 2, -1, -1):
        owed.append(at(g, k) + at(x, k + 1) * owed[-1])
    return F.stack([b * s for b, s in zip(before, reversed(owed))], dim)


def no_derivative(name):
    raise RuntimeError(errors.NO_DERIVATIVE.format(name=name))


def _norm_rule(F, g, x, norm, ord):
    """The gradient of ``vector_norm(x, ord)``, zero where the norm is zero."""
    xs, ns = F.array_of(x), F.array_of(norm)
    if ord == 2:
        return g * x / F.where(ns == 0, norm * 0 + 1, norm) * (ns != 0)
    if ord == 1:
        return g * F.sign(x)
    if ord in (float("inf"), -float("inf")):
        mask = np.abs(xs) == ns
        return g * F.sign(x) * (mask / mask.sum(axis=tuple(
            d for d in range(xs.ndim) if ns.shape[d] == 1), keepdims=True))
    return (g * x * F.pow(F.abs(x), ord - 2) / F.where(ns == 0, norm * 0 + 1, norm ** (ord - 1))
            * (ns != 0))


MM = defop("MmBackward0", silently(np.matmul),
           lambda F, g, ans, a, b: F.matmul(g, F.mT(b)),
           lambda F, g, ans, a, b: F.matmul(F.mT(a), g),
           saves=((1,), (0,)))
MV = defop("MvBackward0", silently(np.matmul),
           lambda F, g, ans, m, v: F.outer(g, v),
           lambda F, g, ans, m, v: F.matmul(F.mT(m), g),
           saves=((1,), (0,)))
DOT = defop("DotBackward0", silently(np.matmul),
            lambda F, g, ans, a, b: g * b,
            lambda F, g, ans, a, b: g * a,
            saves=((1,), (0,)))
# Batched, broadcasting matmul of operands with at least 2 dimensions.
BMM = MM.renamed("BmmBackward0")
ADDMM = defop("AddmmBackward0",
              silently(lambda c, a, b, beta, alpha: beta * c + alpha * (a @ b)),
              lambda F, g, ans, c, a, b, beta, alpha: g * beta,
              lambda F, g, ans, c, a, b, beta, alpha: F.matmul(g, F.mT(b)) * alpha,
              lambda F, g, ans, c, a, b, beta, alpha: F.matmul(F.mT(a), g) * alpha,
              saves=((), (2,), (1,)))

SUM = defop("SumBackward0", silently(lambda x, shape: x.sum()),
            lambda F, g, ans, x, shape: F.expand(unsqueeze_reduced(g, shape, None, False),
                                                 shape))
SUM_DIM = defop("SumBackward1",
                silently(lambda x, dim, keepdim, shape: contiguous(
                    x.sum(axis=dim, keepdims=keepdim))),
                lambda F, g, ans, x, dim, keepdim, shape: F.expand(
                    unsqueeze_reduced(g, shape, dim, keepdim), shape))
# A sum over the count, not ndarray.mean: the mean of nothing is nan, silently, as in PyTorch.
MEAN = defop("MeanBackward0", silently(lambda x, shape: np.divide(x.sum(), x.size)),
             lambda F, g, ans, x, shape: F.expand(
                 unsqueeze_reduced(g, shape, None, False), shape) / max(numel(shape), 1))
MEAN_DIM = defop("MeanBackward1",
                 silently(lambda x, dim, keepdim, shape: contiguous(np.divide(
                     x.sum(axis=dim, keepdims=keepdim), numel(tuple(shape[d] for d in dim))))),
                 lambda F, g, ans, x, dim, keepdim, shape: F.expand(
                     unsqueeze_reduced(g, shape, dim, keepdim), shape)
                 / numel(tuple(shape[d] for d in dim)))
MAX_ALL = defop("MaxBackward1", lambda x: x.max(),
                lambda F, g, ans, x: g * reduce_mask(F.array_of(x), F.array_of(ans)),
                saves=((0, ANS),))
MIN_ALL = defop("MinBackward1", lambda x: x.min(),
                lambda F, g, ans, x: g * reduce_mask(F.array_of(x), F.array_of(ans)),
                saves=((0, ANS),))
# max(dim)/min(dim): the indices are computed first and travel in ctx.
MAX_DIM = defop("MaxBackward0",
                lambda x, dim, keepdim, indices: take_at(x, indices, dim, keepdim),
                lambda F, g, ans, x, dim, keepdim, indices: (
                    g if keepdim else F.reshape(g, np.expand_dims(indices, dim).shape))
                * argextreme_mask(F.array_of(x), indices, dim),
                saves=((0,),), saves_ctx=True)
MIN_DIM = MAX_DIM.renamed("MinBackward0")

SOFTMAX = defop("SoftmaxBackward0", lambda x, dim: softmax(x, dim),
                lambda F, g, ans, x, dim: ans * (g - F.sum(g * ans, dim, keepdim=True)),
                saves=((ANS,),))
LOG_SOFTMAX = defop("LogSoftmaxBackward0", lambda x, dim: log_softmax(x, dim),
                    lambda F, g, ans, x, dim: g - F.exp(ans) * F.sum(g, dim, keepdim=True),
                    saves=((ANS,),))

# Shape ops: the gradient is the inverse reshaping.
VIEW = defop("ViewBackward0", lambda x, shape, in_shape: x.reshape(shape),
             lambda F, g, ans, x, shape, in_shape: F.reshape(g, in_shape))
# reshape() of a tensor that is not contiguous: a view when the strides allow it
# (PyTorch's _reshape_alias), else a clone, then this (PyTorch's _unsafe_view).
RESHAPE_ALIAS = VIEW.renamed("ReshapeAliasBackward0")
UNSAFE_VIEW = VIEW.renamed("UnsafeViewBackward0")
SQUEEZE = defop("SqueezeBackward0", lambda x, in_shape: x.squeeze(),
                lambda F, g, ans, x, in_shape: F.reshape(g, in_shape))
SQUEEZE_DIM = defop("SqueezeBackward1", lambda x, dim, in_shape: x.reshape(
    in_shape[:dim] + in_shape[dim + 1:]) if in_shape[dim] == 1 else x,
                    lambda F, g, ans, x, dim, in_shape: F.reshape(g, in_shape))
SQUEEZE_DIMS = SQUEEZE_DIM.renamed("SqueezeBackward4")  # the 1 a batched matmul adds
SQUEEZE_TUPLE = defop("SqueezeBackward2", lambda x, dims, in_shape: x.reshape(
    tuple(n for i, n in enumerate(in_shape) if i not in dims or n != 1)),
                      lambda F, g, ans, x, dims, in_shape: F.reshape(g, in_shape))
UNSQUEEZE = defop("UnsqueezeBackward0", lambda x, dim: np.expand_dims(x, dim),
                  lambda F, g, ans, x, dim: F.reshape(g, g.shape[:dim] + g.shape[dim + 1:]))
TRANSPOSE = defop("TransposeBackward0", lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1),
                  lambda F, g, ans, x, dim0, dim1: F.transpose(g, dim0, dim1))
# t(): the transpose of a matrix, the tensor itself (as a view) below 2 dimensions.
T = defop("TBackward0", lambda x: x.T,
          lambda F, g, ans, x: F.permute(g, tuple(range(g.ndim))[::-1]))
PERMUTE = defop("PermuteBackward0", lambda x, dims: x.transpose(dims),
                lambda F, g, ans, x, dims: F.permute(g, tuple(np.argsort(dims))))
EXPAND = defop("ExpandBackward0", lambda x, shape: np.broadcast_to(x, shape),
               lambda F, g, ans, x, shape: g)  # sum_to in Function._apply undoes it
# The copy AccumulateGrad makes of a first gradient that has a graph (create_graph).
COPY_GRAD = defop("torch::autograd::CopyBackwards", lambda x: x.copy(), lambda F, g, ans, x: g)
CLONE = defop("CloneBackward0", lambda x: x.copy(order="K"), lambda F, g, ans, x: g)
# contiguous() of a tensor that is not: a clone in C order (a matmul folded by rows).
CONTIGUOUS_CLONE = defop("CloneBackward0", lambda x: x.copy(order="C"), lambda F, g, ans, x: g)
TO_COPY = defop("ToCopyBackward0", lambda x, dtype: x.astype(dtype), lambda F, g, ans, x, dtype: g)
ALIAS = defop("AliasBackward0", lambda x: x.view(), lambda F, g, ans, x: g)

# Indexing: the gradient goes back to the places taken (scattered, summed at repeats).
SELECT = defop("SelectBackward0", lambda x, key, in_shape: x[key],
               lambda F, g, ans, x, key, in_shape: F.scatter(g, in_shape, key))
SLICE = SELECT.renamed("SliceBackward0")
INDEX = SELECT.renamed("IndexBackward0", saves_ctx=True)
# The gradient of indexing, recorded (only under create_graph); its own gradient is
# indexing again.
SCATTER = defop("IndexPutBackward0", lambda g, shape, key: scatter(g, shape, key),
                lambda F, g, ans, x, shape, key: g[key])
# x[key] = value, in place (CopySlices): the old x gets the gradient outside key, the
# value the gradient inside it. PyTorch names the node by how it writes: through a view
# of x (CopySlices), at advanced indices (IndexPutBackward0), or into all of x, a tensor
# (copy_: CopyBackwards) or a number (fill_: FillBackward3).
COPY_SLICES = defop("torch::autograd::CopySlices",
                    lambda x, value, key: copy_into(x, key, value),
                    lambda F, g, ans, x, value, key: g * outside(F.array_of(g).shape, key),
                    lambda F, g, ans, x, value, key: g[key])
INDEX_PUT = COPY_SLICES.renamed("IndexPutBackward0")
COPY = COPY_SLICES.renamed("torch::autograd::CopyBackwards")
FILL_ALL = COPY_SLICES.renamed("FillBackward3")
# An in-place op through a view, seen from the base: the old base outside the view, the
# op's result inside it. ``chain`` is the view ops that lead from the base to the view.
COPY_VIEW = defop("torch::autograd::CopySlices",
                  lambda base, value, chain: write_view(base, value, chain),
                  lambda F, g, ans, base, value, chain: g * outside_view(
                      F.array_of(g).shape, chain),
                  lambda F, g, ans, base, value, chain: F.view_of(g, chain))
# A view rebuilt on its base's new history after an in-place op (PyTorch replays it as
# as_strided): the gradient goes back to the places of the base the view sees.
AS_STRIDED = defop("AsStridedBackward0", lambda base, chain, in_shape: view_of(base, chain),
                   lambda F, g, ans, base, chain, in_shape: F.unview(g, in_shape, chain))
UNVIEW = defop("AsStridedScatterBackward0",
               lambda g, in_shape, chain: unview(g, in_shape, chain),
               lambda F, g, ans, x, in_shape, chain: F.view_of(g, chain))
ZERO = defop("ZeroBackward0", np.zeros_like, lambda F, g, ans, x: g * 0)
FILL = defop("FillBackward2", lambda x, value: np.full_like(x, value),
             lambda F, g, ans, x, value: g * 0)
# Any number of inputs: one rule, given the input's position i.
CAT = Op("CatBackward0", lambda *xs, dim, bounds: contiguous(np.concatenate(xs, axis=dim)),
         variadic=lambda i, F, g, dim, bounds: g[(slice(None),) * dim + (slice(*bounds[i]),)])
STACK = Op("StackBackward0", lambda *xs, dim: contiguous(np.stack(xs, axis=dim)),
           variadic=lambda i, F, g, dim: g[(slice(None),) * dim + (i,)])


# clamp with one bound, a number: clamp's rule, under PyTorch's names for it.
CLAMP_MIN = CLAMP.renamed("ClampMinBackward0")
CLAMP_MAX = CLAMP.renamed("ClampMaxBackward0")

# asinh_, acosh_, atanh_: PyTorch records them (AsinhBackward1...) with no derivative.
INPLACE_WITHOUT_DERIVATIVE = {
    name: defop(f"{name.capitalize()}Backward1", op.forward, lambda F, g, ans, x, name=name: (
        _no_inplace_derivative(name)))
    for name, op in (("asinh", ASINH), ("acosh", ACOSH), ("atanh", ATANH))}


def _no_inplace_derivative(name):
    raise NotImplementedError(errors.NO_INPLACE_DERIVATIVE.format(name=name))
