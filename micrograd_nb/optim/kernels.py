"""The element-wise steps of PyTorch's optimizers, rounded as its CPU kernels round.

On numpy arrays (the ordinary step): ``add_scaled`` (``x.add(y, alpha=)``), ``lerp_``,
``addcmul_`` and ``addcdiv_``, each fusing the multiply-add PyTorch's vectorised builds
fuse (``vec::fmadd``, and the compiler contracts their scalar tails), exactly
(``fused.fma``); its portable build fuses none, and neither do these there
(``cpu_capability``). On tensors (``differentiable=True``): ``lerp_t``, ``addcmul_t``,
``addcdiv_t``, the same steps as recorded tensor operations.
"""

from micrograd_nb.autograd import cpu_capability, errors
from micrograd_nb.autograd.fused import fma
from micrograd_nb.autograd.tensor import Tensor


def _fused():
    """Whether PyTorch's kernels fuse their multiply-adds here: its AVX2 and AVX-512
    builds do (``vec::fmadd``, and the compiler contracts the scalar tails), the
    portable build does not."""
    return cpu_capability.runs_vectorised_kernels()


def add_scaled(x, y, alpha):
    """``x.add(y, alpha=alpha)``: ``x + alpha * y``, one fused multiply-add."""
    return fma(y, alpha, x) if _fused() else x + alpha * y


def lerp_(start, end, weight):
    """``start.lerp_(end, weight)``: PyTorch switches formula at weight 0.5 to stay
    accurate near 1; each form is one multiply-add."""
    diff = end - start
    weight = start.dtype.type(weight)  # and 1 - weight, in the tensor's precision
    if abs(weight) < 0.5:
        start[...] = fma(diff, weight, start) if _fused() else start + weight * diff
    else:
        start[...] = fma(-diff, 1 - weight, end) if _fused() else end - diff * (1 - weight)


def addcmul_(out, a, b, value):
    """``out.addcmul_(a, b, value=v)``: ``out + (v * a) * b``, the last two fused."""
    scaled = value * a
    out[...] = fma(scaled, b, out) if _fused() else out + scaled * b


def addcdiv_(out, a, b, value=1):
    """``out.addcdiv_(a, b, value=v)``: ``out + (v * a) / b`` (a division: nothing
    to fuse)."""
    out += value * a / b


def addcmul_t(out, a, b, value):
    """``out.addcmul_(a, b, value=v)`` on tensors, recorded: ``out + v * a * b``."""
    return out.add_(a * b * value)


def addcdiv_t(out, a, b, value=1):
    """``out.addcdiv_(a, b, value=v)`` on tensors, recorded: ``out + v * a / b``."""
    check_number(value, "addcdiv_", "value")
    return out.add_(a / b * value)


def check_number(value, function, argument):
    """PyTorch's refusal of a tensor where its signature takes a Python number (a tensor
    ``lr`` reaching ``alpha=`` or ``value=``)."""
    if isinstance(value, Tensor):
        raise TypeError(errors.ARGUMENT_NOT_NUMBER.format(function=function,
                                                          argument=argument))


def lerp_t(start, end, weight):
    """``start.lerp_(end, weight)`` on tensors, recorded, in ``lerp_``'s two forms."""
    if abs(weight) < 0.5:
        return start.add_((end - start) * weight)
    return start.copy_(end - (end - start) * (1 - weight))
