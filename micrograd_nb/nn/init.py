"""``torch.nn.init``: fill a weight in place, without recording it, from the same random
numbers PyTorch draws (micrograd_nb.autograd.random), with PyTorch's gains and fans."""

import math
import warnings

import numpy as np

from micrograd_nb.autograd import errors, no_grad
from micrograd_nb.autograd.random import default_generator, normal_array, uniform_array

_LINEAR_FUNCTIONS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                     "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity, param=None):
    """The recommended scale of the weights before ``nonlinearity``."""
    if nonlinearity in _LINEAR_FUNCTIONS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            negative_slope = param  # True/False are ints: excluded above
        else:
            raise ValueError(errors.INIT_NEGATIVE_SLOPE.format(param=param))
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(errors.INIT_NONLINEARITY.format(nonlinearity=nonlinearity))


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    return constant_(tensor, 1.0)


def zeros_(tensor):
    with no_grad():
        return tensor.zero_()


def eye_(tensor):
    if tensor.dim() != 2:
        raise ValueError(errors.INIT_EYE_DIM)
    with no_grad():
        _overwrite(tensor, np.eye(*tensor.shape, dtype=tensor._data.dtype))
    return tensor


def _overwrite(tensor, values):
    np.copyto(tensor._data, values, casting="unsafe")
    tensor._version_counter.value += 1


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.dim() < 2:
        raise ValueError(errors.INIT_FAN_DIM)
    receptive_field_size = 1
    for size in tensor.shape[2:]:
        receptive_field_size *= size
    return tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(errors.INIT_MODE.format(mode=mode, valid_modes=valid_modes))
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    if 0 in tensor.shape:
        warnings.warn(errors.INIT_ZERO_ELEMENTS, stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``: ``nn.Linear``'s weights
    (``a=sqrt(5)``)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std) cut to [a, b], by PyTorch 2.13's method: redraw what falls outside
    when [a, b] holds more than 30% of the mass, else accept-reject uniforms on [a, b]."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(errors.INIT_TRUNC_NORMAL_MEAN, stacklevel=2)
    gen = default_generator if generator is None else generator
    data = tensor._data
    kind = data.dtype.type
    with no_grad():
        mass = _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std)
        if mass > 0.3:
            low, high = float(kind(a)), float(kind(b))
            result = np.empty_like(data)
            normal_array(result, mean, std, gen)
            outside = (result < low) | (result > high)
            while outside.any():
                redraw = np.empty_like(result)
                normal_array(redraw, mean, std, gen)
                result = np.where(outside, redraw, result)
                outside = (result < low) | (result > high)
        else:
            result = _accept_reject(data, mean, std, a, b, gen)
        _overwrite(tensor, result)
    return tensor


def _norm_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def _accept_reject(data, mean, std, a, b, gen):
    """Uniform candidates on [a, b], each kept with probability pdf / peak pdf."""
    kind = data.dtype.type
    mode = max(a, min(mean, b))
    log_peak = kind(-0.5 * ((mode - mean) / std) ** 2)

    def log_pdf_excess(candidates):
        return ((candidates - kind(mean)) / kind(std)) ** 2 * kind(-0.5) - log_peak

    def rejected(candidates):
        accept = np.empty_like(data)
        uniform_array(accept, 0.0, 1.0, gen)
        with np.errstate(divide="ignore"):
            return np.log(accept) > log_pdf_excess(candidates)

    result = np.empty_like(data)
    uniform_array(result, a, b, gen)
    pending = rejected(result)
    while pending.any():
        candidates = np.empty_like(data)
        uniform_array(candidates, a, b, gen)
        result = np.where(pending, candidates, result)
        pending = np.where(pending, rejected(candidates), pending)
    return result
