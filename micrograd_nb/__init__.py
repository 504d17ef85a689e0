"""micrograd_nb: learn how autograd works, by seeing it.

``Value`` is karpathy's micrograd scalar; ``Tensor`` behaves as PyTorch's autograd
does, with the same names, defaults, numbers and error messages::

    import micrograd_nb as mg
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x ** 2).sum().backward()
    x.grad  # tensor([2., 4., 6.])
"""

from . import accelerator, autograd, backends, cuda, linalg
from .autograd.namespace import export

export(globals())  # the torch.* names of the engine (autograd/namespace.py)
from .autograd.out_arg import with_out  # noqa: E402

# PyTorch's aliases.
float = float32  # noqa: A001, F821
int = int32  # noqa: A001, F821
bool = bool_  # noqa: A001, F821


def _unary(name):
    def fn(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = name
    fn.__doc__ = f"``micrograd_nb.{name}(t, ...)`` is ``t.{name}(...)``, as in PyTorch."
    return fn


# torch.<name>(t, ...) for every Tensor method PyTorch also has as a function.
for _name in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "neg", "sum", "mean",
              "max", "min", "reshape", "transpose", "permute", "unsqueeze", "squeeze",
              "flatten", "clamp", "clip", "softmax", "log_softmax", "argmax", "argmin",
              "reciprocal", "pow", "numel", "clone", "detach", "all", "any", "equal",
              "allclose", "isclose",
              # pointwise math
              "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan",
              "sinh", "cosh", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh",
              "log1p", "expm1", "log2", "log10", "exp2", "square", "rsqrt", "erf", "floor",
              "ceil", "round", "trunc", "fix", "frac", "sign", "sgn", "atan2", "arctan2",
              "hypot", "maximum", "minimum", "remainder", "floor_divide", "lerp", "isnan",
              "isinf", "isfinite", "negative",
              # comparisons
              "eq", "ne", "lt", "le", "gt", "ge",
              # reductions
              "prod", "var", "std", "logsumexp", "amax", "amin", "cumsum", "cumprod", "flip",
              "t",
              # picking, placing, repeating
              "split", "chunk", "narrow", "diagonal", "gather", "scatter", "scatter_add",
              "index_select", "masked_fill", "roll", "tril", "triu", "repeat_interleave",
              "clamp_min", "clamp_max",
              # in place, where PyTorch has the function too
              "exp_", "log_", "sqrt_", "abs_", "neg_", "negative_", "tanh_", "sigmoid_",
              "relu_", "reciprocal_", "square_", "sin_", "cos_", "tan_", "asin_", "acos_",
              "atan_", "arcsin_", "arccos_", "arctan_", "sinh_", "cosh_", "log1p_", "expm1_",
              "log2_", "log10_", "exp2_", "rsqrt_", "erf_", "floor_", "ceil_", "round_",
              "trunc_", "fix_", "frac_", "clamp_min_", "clamp_max_", "clip_", "asinh_",
              "acosh_", "atanh_", "clamp_"):
    globals()[_name] = _unary(_name)
del _name

greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne  # noqa: F821
# The functions teaching code calls with out=, taking it as PyTorch does.
add, sub, mul, div = (with_out(f.__name__, f) for f in (Tensor.add, Tensor.sub,  # noqa: F821
                                                       Tensor.mul, Tensor.div))  # noqa: F821
matmul, mm = with_out("matmul", matmul, "exact"), with_out("mm", mm, "exact")  # noqa: F821
cat, stack = with_out("cat", cat, "cat"), with_out("stack", stack, "cat")  # noqa: F821
concat = cat
subtract, multiply, divide, true_divide = sub, mul, div, div

from . import data, nn, optim, utils  # noqa: E402  (they build on the names above)

__version__ = "0.1.0"


def load_ipython_extension(ip):
    """``%load_ext micrograd_nb``: the ``%%autograd`` magic and the error explainer."""
    from .jupyter import load_ipython_extension as load

    load(ip)


def unload_ipython_extension(ip):
    from .jupyter import unload_ipython_extension as unload

    unload(ip)
