"""``torch.nn``'s convolution and pooling layers: thin modules over conv_functional.py
with PyTorch's constructor arguments, initialisation (the same seed gives the same
weights) and reprs."""


import micrograd_nb as mg
from micrograd_nb.autograd import errors

from . import conv_functional as F
from .modules import Linear, Module, Parameter


def _tuple(value, d):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * d


def _check_layer(in_channels, out_channels, stride, padding, groups, padding_mode):
    """What PyTorch's constructor checks, in its order."""
    if groups <= 0:
        raise ValueError(errors.CONV_LAYER_GROUPS)
    if in_channels % groups:
        raise ValueError(errors.CONV_LAYER_IN_GROUPS)
    if out_channels % groups:
        raise ValueError(errors.CONV_LAYER_OUT_GROUPS)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(errors.CONV_LAYER_PADDING_STRING.format(padding=padding))
        if padding == "same" and any(s != 1 for s in _tuple(stride, 1)):
            raise ValueError(errors.CONV_SAME_STRIDED)
    if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
        raise ValueError(errors.CONV_LAYER_PADDING_MODE.format(padding_mode=padding_mode))
    if padding_mode != "zeros":
        raise NotImplementedError(errors.CONV_LAYER_PADDING_MODE_MISSING.format(
            padding_mode=padding_mode))


class _ConvNd(Module):
    """``Conv1d`` and ``Conv2d``: weight ``(out, in // groups, *kernel)`` and bias
    ``(out,)``, drawn as PyTorch's ``reset_parameters`` does."""

    _d = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", *, dtype=None):
        super().__init__()
        d = self._d
        _check_layer(in_channels, out_channels, stride, padding, groups, padding_mode)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = _tuple(kernel_size, d), _tuple(stride, d)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, d)
        self.dilation, self.groups = _tuple(dilation, d), groups
        self.output_padding, self.transposed = (0,) * d, False
        self.padding_mode = padding_mode
        self.weight = Parameter(mg.empty(out_channels, in_channels // groups,
                                         *self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(mg.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # PyTorch's _ConvNd draws as nn.Linear does: kaiming_uniform_(a=sqrt(5)), then the
        # bias in U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        Linear.reset_parameters(self)

    def forward(self, input):
        conv = F.conv1d if self._d == 1 else F.conv2d
        return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                    self.groups)

    def extra_repr(self):
        # PyTorch's: only what differs from the defaults, after kernel_size and stride.
        d = self._d
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * d:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * d:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    _d = 1


class Conv2d(_ConvNd):
    _d = 2


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
