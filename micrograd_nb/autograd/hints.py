"""Hints for practising the chain rule: one short template per backward rule.

Predict mode (``%%autograd --predict``) asks the student, node by node, for the gradient a
rule sends to each input; a wrong answer gets the hint of that rule, its placeholders
filled with the numbers at hand (by jupyter/predict.py, shown by the browser):

    {g}       the incoming gradient            {ans}    the node's output
    {a}, {x}  the inputs, by the names below    {count}  how many output entries an input
    {at}      the element asked about                    entry reaches (sums, means)
    {b@}      an input at that element (where it has the answer's shape)
    and what the node keeps of its own: {exponent}, {alpha}, {base}, {dim}, ...

For a ``pointwise`` rule the numbers are taken at the element asked about. A rule that
is not pointwise names its ``focus``, the numbers that meet at that element:

    matmul   {g_row} {b_row} (a's gradient), {a_col} {g_col} (b's; addmm's c: {g_col})
    mv       {g_i} {v_j} (m's), {m_col} (v's)
    linear   {g_row} {weight_col} (input's), {g_col} {input_col} (weight's), {g_col} (bias)
    reduced  {g_at}: the entry of g the element went into (sum or mean over dims)
    expand   {g_reached}: the entries of g the element was copied to
    along    {g_along} {ans_along} {softmax_along} {g_sum}: the slice along softmax's dim
    where    {condition_at}: the condition at the element (a pointwise rule's focus)

Any other number of such a rule is the whole array, shortened (``viz.model.short``), and
its hint starts by naming the element asked about. ``masks`` marks rules that zero the
gradient in places (relu, clamp, max): the element asked about is then one the mask
zeroes, where the rule has most to teach.

The table is keyed by the node's name, as PyTorch names it (``MulBackward0``), or by a
``Value``'s op (``*``, ``**k`` for a constant power); tests/jupyter/test_predict.py finds
any op of the ops table, of ``Value`` and any common PyTorch node without a hint. It lives
apart from the ops table (ops.py) so that either can grow without the other; a rule's hint
sits here under the same name.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Hint:
    inputs: tuple  # the inputs' names, in the node's order
    rules: tuple  # one template per input (the last one serves any further inputs)
    pointwise: bool = True
    masks: bool = False
    focus: str = ""  # for a rule that is not pointwise: which numbers meet at an element

    def template(self, position):
        return self.rules[min(position, len(self.rules) - 1)]


G = "times the incoming gradient {g}"
# The numbers each focus family gives (jupyter/predict.py computes them), as listed above.
FOCUS = {
    "matmul": ("g_row", "b_row", "a_col", "g_col"),
    "mv": ("g_i", "v_j", "m_col"),
    "linear": ("g_row", "weight_col", "g_col", "input_col"),
    "reduced": ("g_at",),
    "expand": ("g_reached",),
    "along": ("g_along", "ans_along", "softmax_along", "g_sum"),
    "where": ("condition_at",),
}


def _unary(rule, **flags):
    return Hint(("x",), (rule,), **flags)


def _same(text, inputs=("x",), **flags):
    return Hint(inputs, (text,), **flags)


def _clamp_hint(name, kept, changed):
    return _unary(f"{name} passes the gradient where x is {kept} and 0 where it was "
                  f"{changed}; here x is {{x}}; the incoming gradient is {{g}}", masks=True)


_STEP = _unary("a step function is flat where it is defined: its derivative is 0, whatever "
               "the incoming gradient {g}")
_RESHAPE = Hint(("x",), ("a reshaping moves entries without changing them: the gradient "
                         "{g} goes back to x's shape unchanged, entry for entry",),
                pointwise=False)
_INDEX = Hint(("x",), ("indexing took some entries of x: they get the incoming gradient "
                       "{g}, every other entry of x gets 0 (repeats add up)",),
              pointwise=False)
_WRITE = Hint(("x", "value"), (
    "an in-place write replaced part of x: the old x gets the gradient {g} where it was "
    "kept, 0 where it was overwritten",
    "the value written gets the gradient {g} of the places it was written to",
), pointwise=False)
_MATMUL = Hint(("a", "b"), (
    "d(a@b)/da = g @ b.T: entry [i, j] is row i of g times row j of b; here g's row is "
    "{g_row} and b's row is {b_row}",
    "d(a@b)/db = a.T @ g: entry [i, j] is column i of a times column j of g; here a's column "
    "is {a_col} and g's column is {g_col}",
), pointwise=False, focus="matmul")
_PASS = _unary("a copy passes the gradient on unchanged: {g}")
_EXTREME = Hint(("x",), ("only the entries equal to the {ans} picked get the gradient "
                         "(shared out where several tie); the rest get 0; incoming {g}",),
                pointwise=False, masks=True)

# max(dim), min(dim): the values and the indices they were found at
_PICKED = Hint(("x",), ("each entry of g goes to the entry of x picked along dim (its index "
                        "was returned), 0 to the rest; x is {x}; the incoming gradient of "
                        "the pick this entry competed in is {g_at}",),
               pointwise=False, masks=True, focus="reduced")

HINTS = {
    # Values (micrograd), keyed by their op
    "+": Hint(("a", "b"), ("d(a+b)/da = 1: the incoming gradient {g} passes on unchanged",
                           "d(a+b)/db = 1: the incoming gradient {g} passes on unchanged")),
    "*": Hint(("a", "b"), ("d(a*b)/da = b, and b is {b}; " + G,
                           "d(a*b)/db = a, and a is {a}; " + G)),
    "**k": _unary("d(x**k)/dx = k * x**(k-1), with k = {exponent} and x = {x}; " + G),
    "**": Hint(("x", "y"), ("d(x**y)/dx = y * x**(y-1), with x = {x} and y = {y}; " + G,
                            "d(x**y)/dy = x**y * log(x), with x**y = {ans} and x = {x}; "
                            + G)),
    "ReLU": _unary("relu passes the gradient where its output is positive and 0 elsewhere; "
                   "here the output is {ans}; the incoming gradient is {g}", masks=True),
    "tanh": _unary("d(tanh x)/dx = 1 - tanh(x)**2, and tanh(x) is {ans}; " + G),
    "exp": _unary("d(exp x)/dx = exp(x), and exp(x) is {ans}; " + G),
    "log": _unary("d(log x)/dx = 1/x, and x is {x}; " + G),
    # Tensors: the ops table, by PyTorch's node names
    "AddBackward0": Hint(("a", "b"), ("d(a + alpha*b)/da = 1: the incoming gradient {g} "
                                      "passes on unchanged",
                                      "d(a + alpha*b)/db = alpha (1 unless given); " + G)),
    "SubBackward0": Hint(("a", "b"), ("d(a - b)/da = 1: the incoming gradient {g} passes on",
                                      "d(a - b)/db = -1 (times alpha if given); " + G)),
    "RsubBackward1": Hint(("a", "b"), ("d(b - a)/da = -1; " + G, "d(b - a)/db = 1; " + G)),
    "MulBackward0": Hint(("a", "b"), ("d(a*b)/da = b, and b is {b}; " + G,
                                      "d(a*b)/db = a, and a is {a}; " + G)),
    "DivBackward0": Hint(("a", "b"), ("d(a/b)/da = 1/b, and b is {b}; " + G,
                                      "d(a/b)/db = -a/b**2, with a = {a} and b = {b}; " + G)),
    "ReciprocalBackward0": _unary("d(1/x)/dx = -1/x**2 = -ans**2, and 1/x is {ans}; " + G),
    "NegBackward0": _unary("d(-x)/dx = -1; " + G),
    "PowBackward0": _unary("d(x**k)/dx = k * x**(k-1), with k = {exponent} and x = {x}; " + G),
    "PowBackward1": Hint(("x", "y"), ("d(x**y)/dx = y * x**(y-1), with x = {x} and y = {y}; "
                                      + G,
                                      "d(x**y)/dy = x**y * log(x), with x**y = {ans} and "
                                      "x = {x}; " + G)),
    "PowBackward2": _unary("d(base**x)/dx = base**x * log(base), with base**x = {ans} and "
                           "base = {base}; " + G),
    "ExpBackward0": _unary("d(exp x)/dx = exp(x), and exp(x) is {ans}; " + G),
    "LogBackward0": _unary("d(log x)/dx = 1/x, and x is {x}; " + G),
    "SqrtBackward0": _unary("d(sqrt x)/dx = 1/(2 sqrt(x)), and sqrt(x) is {ans}; " + G),
    "AbsBackward0": _unary("d|x|/dx = sign(x), and x is {x}; " + G),
    "SgnBackward0": _STEP,
    "TanhBackward0": _unary("d(tanh x)/dx = 1 - tanh(x)**2, and tanh(x) is {ans}; " + G),
    "SigmoidBackward0": _unary("d(sigmoid x)/dx = s * (1 - s), and s = sigmoid(x) is {ans}; "
                               + G),
    "ReluBackward0": _unary("relu passes the gradient where its output is positive and 0 "
                            "elsewhere; here the output is {ans}; the incoming gradient is "
                            "{g}", masks=True),
    "ClampBackward1": _clamp_hint("clamp", "within [min, max]", "clamped"),
    "WhereBackward0": Hint(("a", "b"), (
        "where(condition, a, b) passes the gradient {g} to a where the condition holds, 0 "
        "elsewhere; here the condition is {condition_at}",
        "where(condition, a, b) passes the gradient {g} to b where the condition fails, 0 "
        "elsewhere; here the condition is {condition_at}"), masks=True, focus="where"),
    "SinBackward0": _unary("d(sin x)/dx = cos(x), and x is {x}; " + G),
    "CosBackward0": _unary("d(cos x)/dx = -sin(x), and x is {x}; " + G),
    "TanBackward0": _unary("d(tan x)/dx = 1 + tan(x)**2, and tan(x) is {ans}; " + G),
    "AsinBackward0": _unary("d(asin x)/dx = 1/sqrt(1 - x**2), and x is {x}; " + G),
    "AcosBackward0": _unary("d(acos x)/dx = -1/sqrt(1 - x**2), and x is {x}; " + G),
    "AtanBackward0": _unary("d(atan x)/dx = 1/(1 + x**2), and x is {x}; " + G),
    "SinhBackward0": _unary("d(sinh x)/dx = cosh(x), and x is {x}; " + G),
    "CoshBackward0": _unary("d(cosh x)/dx = sinh(x), and x is {x}; " + G),
    "AsinhBackward0": _unary("d(asinh x)/dx = 1/sqrt(x**2 + 1), and x is {x}; " + G),
    "AcoshBackward0": _unary("d(acosh x)/dx = 1/sqrt(x**2 - 1), and x is {x}; " + G),
    "AtanhBackward0": _unary("d(atanh x)/dx = 1/(1 - x**2), and x is {x}; " + G),
    "Log1PBackward0": _unary("d(log(1 + x))/dx = 1/(1 + x), and x is {x}; " + G),
    "Expm1Backward0": _unary("d(exp(x) - 1)/dx = exp(x) = ans + 1, and ans is {ans}; " + G),
    "Log2Backward0": _unary("d(log2 x)/dx = 1/(x ln 2), and x is {x}; " + G),
    "Log10Backward0": _unary("d(log10 x)/dx = 1/(x ln 10), and x is {x}; " + G),
    "Exp2Backward0": _unary("d(2**x)/dx = 2**x * ln 2, and 2**x is {ans}; " + G),
    "RsqrtBackward0": _unary("d(x**-0.5)/dx = -0.5 * x**-1.5 = -0.5 ans**3, and ans is "
                             "{ans}; " + G),
    "ErfBackward0": _unary("d(erf x)/dx = 2/sqrt(pi) * exp(-x**2), and x is {x}; " + G),
    "FloorBackward0": _STEP,
    "CeilBackward0": _STEP,
    "RoundBackward0": _STEP,
    "TruncBackward0": _STEP,
    "SignBackward0": _STEP,
    "FracBackward0": _unary("frac(x) = x - trunc(x): its slope is 1, so the incoming "
                            "gradient {g} passes on"),
    "Atan2Backward0": Hint(("a", "b"), (
        "d(atan2(a, b))/da = b/(a**2 + b**2), with a = {a} and b = {b}; " + G,
        "d(atan2(a, b))/db = -a/(a**2 + b**2), with a = {a} and b = {b}; " + G)),
    "HypotBackward0": Hint(("a", "b"), (
        "d(hypot(a, b))/da = a/hypot(a, b), with a = {a} and hypot = {ans}; " + G,
        "d(hypot(a, b))/db = b/hypot(a, b), with b = {b} and hypot = {ans}; " + G)),
    "MaximumBackward0": Hint(("a", "b"), (
        "maximum passes the gradient to a where a is the larger (half of it at a tie); "
        "a = {a}, b = {b}; " + G,
        "maximum passes the gradient to b where b is the larger (half of it at a tie); "
        "a = {a}, b = {b}; " + G), masks=True),
    "MinimumBackward0": Hint(("a", "b"), (
        "minimum passes the gradient to a where a is the smaller (half of it at a tie); "
        "a = {a}, b = {b}; " + G,
        "minimum passes the gradient to b where b is the smaller (half of it at a tie); "
        "a = {a}, b = {b}; " + G), masks=True),
    "RemainderBackward1": Hint(("a", "b"), (
        "a % b = a - b * floor(a/b): d/da = 1; " + G,
        "a % b = a - b * floor(a/b): d/db = -floor(a/b), with a = {a} and b = {b}; " + G)),
    "RemainderBackward0": _unary("x % k for a number k: d/dx = 1; " + G),
    "NotImplemented": Hint(("a", "b"), ("floor_divide has no derivative: PyTorch refuses "
                                        "to run this node",)),
    "LerpBackward0": Hint(("a", "b"), (
        "lerp = a + w*(b - a): d/da = 1 - w, with w = {weight}; " + G,
        "lerp = a + w*(b - a): d/db = w, with w = {weight}; " + G)),
    "LerpBackward1": Hint(("a", "b", "w"), (
        "lerp = a + w*(b - a): d/da = 1 - w, with w = {w}; " + G,
        "lerp = a + w*(b - a): d/db = w, with w = {w}; " + G,
        "lerp = a + w*(b - a): d/dw = b - a, with a = {a} and b = {b}; " + G)),
    "ClampBackward0": Hint(("x", "low", "high"), (
        "clamp passes the gradient to x where low <= x <= high; x = {x}, low = {low}, "
        "high = {high}; " + G,
        "the lower bound gets the gradient where x < low; x = {x}, low = {low}; " + G,
        "the upper bound gets the gradient where x > high; x = {x}, high = {high}; " + G),
        masks=True),
    "SoftplusBackward0": _unary("d(softplus x)/dx = sigmoid(beta*x) (1 above the threshold), "
                                "with x = {x} and beta = {beta}; " + G),
    "GeluBackward0": _unary("d(gelu x)/dx = Phi(x) + x*phi(x) (the normal's cdf and pdf), "
                            "and x is {x}; " + G),
    "SiluBackward0": _unary("d(x*sigmoid x)/dx = s * (1 + x*(1 - s)), s = sigmoid(x), and x "
                            "is {x}; " + G),
    "LeakyReluBackward0": _unary("leaky relu's slope is 1 where x > 0 and negative_slope = "
                                 "{negative_slope} elsewhere; x is {x}; " + G, masks=True),
    "EluBackward0": _unary("d(elu x)/dx = 1 where x > 0, alpha*exp(x) elsewhere, with alpha = "
                           "{alpha} and x = {x}; " + G),
    "HardtanhBackward0": _unary("hardtanh passes the gradient where min_val < x < max_val, "
                                "0 elsewhere; x is {x}; " + G, masks=True),
    # reductions: every entry of x reaches one output entry
    "ProdBackward0": Hint(("x",), ("d(prod x)/dx_i = the product of the other entries = "
                                   "prod/x_i, with prod = {ans} and x_i = {x@}; " + G,),
                          pointwise=False),
    "ProdBackward1": Hint(("x",), ("d(prod over dim)/dx_i = the product of the other entries "
                                   "along dim, with x_i = {x@}; the incoming gradient is {g}",),
                          pointwise=False),
    "VarBackward0": Hint(("x",), ("d(var x)/dx_i = 2 (x_i - mean)/(N - correction), with x_i "
                                  "= {x@} and x = {x}; " + G,), pointwise=False),
    "StdBackward0": Hint(("x",), ("d(std x)/dx_i = (x_i - mean)/((N - correction) std), with "
                                  "x_i = {x@} and std = {ans}; " + G,), pointwise=False),
    "LinalgVectorNormBackward0": Hint(("x",), ("d(||x||_2)/dx_i = x_i/||x||, with x_i = {x@}"
                                               " and ||x|| = {ans} (other orders: sign, "
                                               "powers); " + G,), pointwise=False),
    "LogsumexpBackward0": Hint(("x",), ("d(logsumexp x)/dx_i = exp(x_i - logsumexp) (the "
                                        "softmax), with x_i = {x@} and logsumexp = {ans}; "
                                        + G,), pointwise=False),
    "AmaxBackward0": _EXTREME,
    "AminBackward0": _EXTREME,
    "MaxBackward1": _EXTREME,
    "MinBackward1": _EXTREME,
    "MaxBackward0": _PICKED,
    "MinBackward0": _PICKED,
    "CumsumBackward0": Hint(("x",), ("x_i appears in every running sum from i on: its gradient"
                                     " is the sum of the incoming gradient {g} from i to the "
                                     "end",), pointwise=False),
    "CumprodBackward0": Hint(("x",), ("x_i is a factor of every running product from i on: "
                                      "sum g_k * ans_k / x_i for k >= i, with g = {g}, ans = "
                                      "{ans}, x_i = {x@}",), pointwise=False),
    "FlipBackward0": Hint(("x",), ("flip moves entries: the gradient {g} is flipped back",),
                          pointwise=False),
    "MmBackward0": _MATMUL,
    "BmmBackward0": _MATMUL,
    "MvBackward0": Hint(("m", "v"), (
        "d(m@v)/dm = outer(g, v): entry [i, j] is g[i] * v[j], here {g_i} * {v_j}",
        "d(m@v)/dv = m.T @ g: entry [j] is column j of m times g; here m's column is {m_col} "
        "and g is {g}"), pointwise=False, focus="mv"),
    "DotBackward0": Hint(("a", "b"), (
        "d(a.b)/da_i = b_i, and b{at} is {b@}; " + G,
        "d(a.b)/db_i = a_i, and a{at} is {a@}; " + G), pointwise=False),
    "AddmmBackward0": Hint(("c", "a", "b"), (
        "d(beta*c + alpha*a@b)/dc = beta (1 unless given) times g, summed over what c was "
        "broadcast to; here g's column is {g_col}",
        "d(a@b)/da = g @ b.T (times alpha): entry [i, j] is row i of g times row j of b; here "
        "g's row is {g_row} and b's row is {b_row}",
        "d(a@b)/db = a.T @ g (times alpha): entry [i, j] is column i of a times column j of "
        "g; here a's column is {a_col} and g's column is {g_col}"),
        pointwise=False, focus="matmul"),
    "SumBackward0": Hint(("x",), ("d(sum x)/dx_i = 1: every entry of x gets the incoming "
                                  "gradient {g}",), pointwise=False),
    "SumBackward1": Hint(("x",), ("d(sum over dim)/dx_i = 1: each entry of x gets the "
                                  "incoming gradient of the sum it went into, here {g_at}",),
                         pointwise=False, focus="reduced"),
    "MeanBackward0": Hint(("x",), ("d(mean x)/dx_i = 1/N, N = {count} entries; times the "
                                   "incoming gradient {g}",), pointwise=False),
    "MeanBackward1": Hint(("x",), ("d(mean over dim)/dx_i = 1/N, N = {count} entries per "
                                   "mean; times the incoming gradient of its mean, here "
                                   "{g_at}",), pointwise=False, focus="reduced"),
    "SoftmaxBackward0": Hint(("x",), ("softmax's rule: ans_i * (g_i - sum(g * ans)) along "
                                      "dim; along the dim through this entry, ans = "
                                      "{ans_along} and g = {g_along}",),
                             pointwise=False, focus="along"),
    "LogSoftmaxBackward0": Hint(("x",), ("log_softmax's rule: g_i - softmax_i * sum(g) along "
                                         "dim; along the dim through this entry, g = "
                                         "{g_along} (sum {g_sum}) and softmax = exp(ans) = "
                                         "{softmax_along}",), pointwise=False, focus="along"),
    "ViewBackward0": _RESHAPE,
    "ReshapeAliasBackward0": _RESHAPE,
    "UnsafeViewBackward0": _RESHAPE,
    "SqueezeBackward0": _RESHAPE,
    "SqueezeBackward1": _RESHAPE,
    "SqueezeBackward2": _RESHAPE,
    "SqueezeBackward4": _RESHAPE,
    "UnsqueezeBackward0": _RESHAPE,
    "TransposeBackward0": Hint(("x",), ("transpose moves entries: the gradient {g} is "
                                        "transposed back",), pointwise=False),
    "TBackward0": Hint(("x",), ("t() moves entries: the gradient {g} is transposed back",),
                       pointwise=False),
    "PermuteBackward0": Hint(("x",), ("permute moves entries: the gradient {g} is permuted "
                                      "back",), pointwise=False),
    "ExpandBackward0": Hint(("x",), ("expand copied x to {count} places per entry: each entry"
                                     " of x gets the sum of their incoming gradients, here "
                                     "{g_reached}",), pointwise=False, focus="expand"),
    "torch::autograd::CopyBackwards": _WRITE,
    "CloneBackward0": _PASS,
    "ToCopyBackward0": _PASS,
    "AliasBackward0": _PASS,
    "SelectBackward0": _INDEX,
    "SliceBackward0": _INDEX,
    "IndexBackward0": _INDEX,
    "IndexPutBackward0": _WRITE,
    "torch::autograd::CopySlices": _WRITE,
    # a view rebuilt on its base after an in-place change through it, and its way back
    "AsStridedBackward0": Hint(("x",), ("the view shows some entries of its base x: they get "
                                        "the incoming gradient {g}, the rest of x gets 0",),
                               pointwise=False),
    "AsStridedScatterBackward0": Hint(("x",), ("the gradient {g} of the view goes back to the "
                                               "entries of the base it shows",),
                                      pointwise=False),
    "FillBackward3": _WRITE,
    "ZeroBackward0": _unary("zero_() overwrote x: nothing of it reaches the output, so its "
                            "gradient is 0"),
    "FillBackward2": _unary("fill_() overwrote x: nothing of it reaches the output, so its "
                            "gradient is 0"),
    "CatBackward0": Hint(("x",), ("cat put the inputs side by side: each gets its own slice "
                                  "of the incoming gradient {g}",), pointwise=False),
    "StackBackward0": Hint(("x",), ("stack put the inputs along a new dim: each gets its own "
                                    "slice of the incoming gradient {g}",), pointwise=False),
    # PyTorch's nodes that our ops table names otherwise or does not have
    "AddBackward1": Hint(("a",), ("d(a + k)/da = 1: the incoming gradient {g} passes on",)),
    "SubBackward1": Hint(("a",), ("d(a - k)/da = 1: the incoming gradient {g} passes on",)),
    "MulBackward1": Hint(("a",), ("d(a*k)/da = k, with k = {other}; " + G,)),
    "DivBackward1": Hint(("a",), ("d(a/k)/da = 1/k, with k = {other}; " + G,)),
    "MseLossBackward0": Hint(("input", "target"), (
        "d(mean((input - target)**2))/dinput_i = 2 (input_i - target_i)/N, with input_i = "
        "{input@} and target_i = {target@}; " + G,
        "d(mean((input - target)**2))/dtarget_i = -2 (input_i - target_i)/N; " + G),
        pointwise=False),
    "NllLossBackward0": Hint(("input", "target"), (
        "nll_loss takes -input[target] (averaged over the batch): the picked entries get "
        "-g/N, every other entry 0; incoming {g}",), pointwise=False),
    "LinearBackward0": Hint(("input", "weight", "bias"), (
        "d(x @ W.T + b)/dx = g @ W: entry [.., j] is its row of g times column j of W; here "
        "g's row is {g_row} and W's column is {weight_col}",
        "d(x @ W.T + b)/dW = g.T @ x: entry [i, j] is column i of g times column j of x; here "
        "g's column is {g_col} and x's column is {input_col}",
        "d(x @ W.T + b)/db = the incoming gradient summed over the batch: column j of g, "
        "here {g_col}"), pointwise=False, focus="linear"),
    # clamp with one bound; the nodes PyTorch records with no derivative
    "ClampMinBackward0": _clamp_hint("clamp_min", "at least min", "raised to min"),
    "ClampMaxBackward0": _clamp_hint("clamp_max", "at most max", "lowered to max"),
    "torch::autograd::NotImplemented": Hint(("a", "b"), (
        "floor_divide has no derivative: PyTorch refuses to run this node",)),
    **{name: Hint(("x",), (f"{op}_() has no derivative in PyTorch: it refuses to run this "
                           "node",)) for name, op in (("AsinhBackward1", "asinh"),
                                                      ("AcoshBackward1", "acosh"),
                                                      ("AtanhBackward1", "atanh"))},
    # picking, placing, repeating (select_ops.py)
    "SplitBackward0": _INDEX,
    "SplitWithSizesBackward0": _INDEX,
    "GatherBackward0": _INDEX,
    "IndexSelectBackward0": _INDEX,
    "DiagonalBackward0": _INDEX,
    "ScatterBackward0": _WRITE,
    "ScatterBackward1": _unary("scatter wrote a number over some entries of x: those get 0, "
                               "the others the incoming gradient {g}", pointwise=False),
    "ScatterAddBackward0": Hint(("x", "src"), (
        "scatter_add adds src into x: x gets the incoming gradient {g} unchanged",
        "each entry of src was added at one place: it gets the gradient {g} of that place"),
        pointwise=False),
    "MaskedFillBackward0": _unary("masked_fill overwrote x where the mask holds: there the "
                                  "gradient is 0, elsewhere the incoming {g}", masks=True),
    "MaskedFillBackward1": Hint(("x", "value"), (
        "masked_fill overwrote x where the mask holds: there the gradient is 0, elsewhere "
        "the incoming {g}",
        "the value was written wherever the mask holds: it gets the sum of the incoming "
        "gradient {g} there"), pointwise=False, masks=True),
    "RepeatBackward0": Hint(("x",), ("repeat copied each entry of x several times: it gets "
                                     "the sum of the incoming gradient {g} over its copies",),
                            pointwise=False),
    "RollBackward0": Hint(("x",), ("roll moves entries: the gradient {g} is rolled back",),
                          pointwise=False),
    "TrilBackward0": Hint(("x",), ("tril kept the lower triangle: it gets the incoming "
                                   "gradient {g}, the zeroed entries get 0",), pointwise=False),
    "TriuBackward0": Hint(("x",), ("triu kept the upper triangle: it gets the incoming "
                                   "gradient {g}, the zeroed entries get 0",), pointwise=False),
}

# Common PyTorch nodes a lesson meets (tests/jupyter/test_predict.py checks each has a hint).
TORCH_COMMON = (
    "AddBackward0", "AddBackward1", "SubBackward0", "RsubBackward1", "MulBackward0",
    "DivBackward0", "NegBackward0", "PowBackward0", "ExpBackward0", "LogBackward0",
    "TanhBackward0", "SigmoidBackward0", "ReluBackward0", "SumBackward0", "SumBackward1",
    "MeanBackward0", "MeanBackward1", "MmBackward0", "AddmmBackward0", "TBackward0",
    "ViewBackward0", "UnsafeViewBackward0", "ExpandBackward0", "SoftmaxBackward0",
    "LogSoftmaxBackward0", "NllLossBackward0", "MseLossBackward0", "SelectBackward0",
    "SliceBackward0", "IndexBackward0", "CatBackward0", "StackBackward0", "CloneBackward0",
    "SqrtBackward0", "AbsBackward0", "MaxBackward1", "AmaxBackward0", "ClampBackward1",
    "WhereBackward0", "UnsqueezeBackward0", "PermuteBackward0", "TransposeBackward0",
)


def hint_key(node_name):
    """The table's key for a node's name: a Value's constant power ``**2`` is ``**k``."""
    if node_name.startswith("**") and len(node_name) > 2:
        return "**k"
    return node_name


def hint_for(node_name):
    """The ``Hint`` of a node's rule, or None."""
    return HINTS.get(hint_key(node_name))
