"""``torch.nn.functional``'s convolutions and pools: PyTorch's arguments, defaults and
checks, then one op of autograd/conv_ops.py each (the numpy is autograd/windows.py).

``conv1d`` and ``conv2d`` take an unbatched input too, as PyTorch does: it adds the batch
dim and removes it again (``UnsqueezeBackward0`` ... ``SqueezeBackward1``). The pools
work on any leading dims natively.
"""

import warnings

from micrograd_nb.autograd import conv_ops, errors, factories, windows
from micrograd_nb.autograd.function import apply


def _tuple(value, d):
    if isinstance(value, (tuple, list)):
        return tuple(value) * d if len(value) == 1 else tuple(value)
    return (value,) * d


def _size_text(sizes):
    return " x ".join(str(n) for n in sizes)


def _c_type(dtype):
    """A dtype as PyTorch's C++ messages name it (``float``, ``double``)."""
    return {"Float": "float", "Double": "double", "Half": "c10::Half", "Long": "long int",
            "Int": "int"}.get(dtype.scalar_type, dtype.scalar_type)


def _conv_argument(name, value, d):
    values = _tuple(value, d)
    if len(values) != d:
        raise RuntimeError(errors.CONV_ARGUMENT_LENGTH.format(
            name=name, count=d, value=list(values)))
    return values


def _conv_padding(padding, kernel, stride, dilation):
    """(before, after) per spatial dim; ``'same'`` puts the odd one after, as PyTorch."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel)
        if padding != "same":
            raise RuntimeError(errors.CONV_PADDING_STRING.format(padding=padding))
        if any(s != 1 for s in stride):
            raise RuntimeError(errors.CONV_SAME_STRIDED)
        total = [dl * (k - 1) for k, dl in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in total)
    pads = _conv_argument("padding", padding, len(kernel))
    if any(p < 0 for p in pads):
        raise RuntimeError(errors.CONV_PADDING_NEGATIVE)
    return tuple((p, p) for p in pads)


def _check_conv(input, weight, bias, groups):
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(errors.CONV_BIAS_DTYPE.format(input=_c_type(input.dtype),
                                                         bias=_c_type(bias.dtype)))
    if weight.dtype != input.dtype:
        raise RuntimeError(errors.CONV_WEIGHT_DTYPE.format(input=input.dtype.scalar_type,
                                                           weight=weight.dtype.scalar_type))
    if groups <= 0:
        raise RuntimeError(errors.CONV_GROUPS_POSITIVE)
    if weight.shape[0] % groups:
        raise RuntimeError(errors.CONV_GROUPS_DIVIDE.format(groups=groups,
                                                            weight=list(weight.shape)))
    if input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(errors.CONV_CHANNELS.format(
            groups=groups, weight=list(weight.shape), input=list(input.shape),
            expected=weight.shape[1] * groups, got=input.shape[1]))
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(errors.CONV_BIAS.format(weight=list(weight.shape),
                                                   out=weight.shape[0], bias=list(bias.shape)))


def _convolution(name, d, input, weight, bias, stride, padding, dilation, groups):
    if input.ndim not in (d + 1, d + 2):
        raise RuntimeError(errors.CONV_INPUT_DIMS.format(
            unbatched=d + 1, batched=d + 2, name=name, size=list(input.shape)))
    stride = _conv_argument("stride", stride, weight.ndim - 2)
    if input.ndim == d + 1:  # unbatched: PyTorch adds the batch dim and takes it off
        return _convolution(name, d, input.unsqueeze(0), weight, bias, stride, padding,
                            dilation, groups).squeeze(0)
    dilation = _conv_argument("dilation", dilation, d)
    if any(s <= 0 for s in stride):
        raise RuntimeError(errors.CONV_STRIDE_POSITIVE)
    if any(dl <= 0 for dl in dilation):
        raise RuntimeError(errors.CONV_DILATION_POSITIVE.format(dilation=list(dilation)))
    _check_conv(input, weight, bias, groups)
    kernel = tuple(weight.shape[2:])
    pads = _conv_padding(padding, kernel, stride, dilation)
    padded = [n + lo + hi for n, (lo, hi) in zip(input.shape[2:], pads)]
    extents = [dl * (k - 1) + 1 for k, dl in zip(kernel, dilation)]
    if any(p < e for p, e in zip(padded, extents)):
        raise RuntimeError(errors.CONV_KERNEL_TOO_BIG.format(
            padded=_size_text(padded), kernel=_size_text(extents)))
    if any(lo != hi for lo, hi in pads):  # 'same' with an even kernel: PyTorch pads first
        warnings.warn(errors.CONV_SAME_UNEVEN_WARNING, UserWarning, stacklevel=3)
        extra = tuple((0, hi - lo) for lo, hi in pads)
        input = apply(conv_ops.CONSTANT_PAD, (input,), padding=extra)
        pads = tuple((lo, lo) for lo, _ in pads)
    ctx = {"stride": stride, "padding": pads, "dilation": dilation, "groups": groups,
           "input_shape": tuple(input.shape), "weight_shape": tuple(weight.shape)}
    if bias is None:  # PyTorch's node has a third, empty, edge for the missing bias
        bias = factories.zeros(weight.shape[0], dtype=input.dtype)
    return apply(conv_ops.CONVOLUTION, (input, weight, bias), **ctx)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


# --- pooling ----------------------------------------------------------------------------

def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode):
    """Kernel, stride (the kernel's by default), padding, dilation and output size."""
    kernel = _tuple(kernel_size, 2)
    empty = stride is None or (isinstance(stride, (tuple, list)) and not stride)
    stride = kernel if empty else _tuple(stride, 2)
    padding, dilation = _tuple(padding, 2), _tuple(dilation, 2)
    if any(s == 0 for s in stride):
        raise RuntimeError(errors.POOL_STRIDE_ZERO)
    for k, p, dl in zip(kernel, padding, dilation):
        if p > (dl * (k - 1) + 1) // 2:
            raise RuntimeError(errors.POOL_PAD.format(pad=p, kernel=k, dilation=dl))
    out = tuple(windows.pooled_size(n, k, s, p, dl, ceil_mode) for n, k, s, p, dl in
                zip(input.shape[-2:], kernel, stride, padding, dilation))
    if any(n < 1 for n in out):
        channels = input.shape[-3]
        raise RuntimeError(errors.POOL_OUTPUT_TOO_SMALL.format(
            input=f"{channels}x{input.shape[-2]}x{input.shape[-1]}",
            output=f"{channels}x{out[0]}x{out[1]}"))
    return kernel, stride, padding, dilation, out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if input.ndim not in (3, 4):
        raise RuntimeError(errors.MAX_POOL_INPUT_DIMS)
    if 0 in tuple(input.shape)[-3:]:  # only the batch may be empty
        raise RuntimeError(errors.MAX_POOL_EMPTY_DIMS.format(size=list(input.shape)))
    kernel, stride, padding, dilation, out = _pool_geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode)
    indices = windows.max_indices(input.detach().numpy(), kernel, stride, padding, dilation,
                                  out)
    output = apply(conv_ops.MAX_POOL, (input,), indices=indices, shape=tuple(input.shape))
    return (output, factories.as_tensor(indices)) if return_indices else output


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    if input.ndim < 3:  # PyTorch reads the channels at dim -3 first
        raise IndexError(errors.DIM_OUT_OF_RANGE.format(low=-max(input.ndim, 1),
                                                        high=max(input.ndim, 1) - 1, dim=-3))
    kernel, stride, padding, _, out = _pool_geometry(input, kernel_size, stride, padding, 1,
                                                     ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(errors.AVG_POOL_DIVISOR)
    dtype = input.detach().numpy().dtype
    matrices = [windows.pooling_matrix(n, o, k, s, p, ceil_mode, count_include_pad, dtype)
                for n, o, k, s, p in zip(input.shape[-2:], out, kernel, stride, padding)]
    if divisor_override is not None:
        # Each window's sum, divided by the given number instead of the window's size.
        matrices = [(m != 0).astype(dtype) for m in matrices]
        matrices[0] = matrices[0] / dtype.type(divisor_override)
    return apply(conv_ops.AVG_POOL, (input,), matrices=tuple(matrices))


def adaptive_avg_pool2d(input, output_size):
    if input.ndim not in (3, 4):
        raise RuntimeError(errors.ADAPTIVE_POOL_INPUT_DIMS.format(size=list(input.shape)))
    sizes = tuple(n if o is None else o
                  for n, o in zip(input.shape[-2:], _tuple(output_size, 2)))
    if sizes == (1, 1):
        return input.mean((-1, -2), keepdim=True)  # PyTorch's shortcut: MeanBackward1
    dtype = input.detach().numpy().dtype
    matrices = tuple(windows.adaptive_matrix(n, o, dtype)
                     for n, o in zip(input.shape[-2:], sizes))
    return apply(conv_ops.ADAPTIVE_AVG_POOL, (input,), matrices=matrices)
