"""The numpy of convolution and pooling, for any number of spatial dims (the last ones
of an ``(N, C, *spatial)`` array).

A convolution is im2col: ``windows`` gives every patch the kernel sees as a strided view
(``sliding_window_view``, no copy), ``_columns`` lays them out one row per output place,
and one matrix product per group multiplies them by the kernel. Its gradients are the
same patches read backwards: for the input, each kernel offset adds its slice of the
gradient back where it came from (``scatter_windows``); for the weight, the gradient
is multiplied by the patches.

Average pooling is linear and separable: along each spatial dim it is a matrix of window
weights (``pooling_matrix``), so the pool is those matrices applied one dim after the
other. Max pooling picks one element per window: ``max_indices`` finds it.
"""

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pad(x, padding, value=0):
    """``x`` with ``padding`` ((before, after) per spatial dim) around its last dims."""
    if not any(lo or hi for lo, hi in padding):
        return x
    lead = ((0, 0),) * (x.ndim - len(padding))
    return np.pad(x, lead + tuple(padding), constant_values=value)


def cropping(padding, shape):
    """The index that undoes ``pad``: the part of an array of ``shape`` inside the padding."""
    lead = (slice(None),) * (len(shape) - len(padding))
    return lead + tuple(slice(lo, n - hi) for (lo, hi), n in zip(padding, shape[-len(padding):]))


def crop(x, padding):
    return x[cropping(padding, x.shape)]


def pad_or_crop(x, padding):
    """``x`` padded with zeros where ``padding`` is positive, cropped where negative."""
    x = pad(x, tuple((max(lo, 0), max(hi, 0)) for lo, hi in padding))
    return np.ascontiguousarray(crop(x, tuple((max(-lo, 0), max(-hi, 0)) for lo, hi in padding)))


def windows(x, kernel, stride, dilation):
    """Every window a kernel of shape ``kernel`` sees in ``x`` (already padded), as a
    view of shape ``(*lead, *out, *kernel)``."""
    d = len(kernel)
    extent = tuple(dl * (k - 1) + 1 for k, dl in zip(kernel, dilation))
    view = sliding_window_view(x, extent, axis=tuple(range(x.ndim - d, x.ndim)))
    lead = (slice(None),) * (x.ndim - d)
    return view[lead + tuple(slice(None, None, s) for s in stride)
                + tuple(slice(None, None, dl) for dl in dilation)]


def scatter_windows(cols, padded_shape, stride, dilation):
    """The adjoint of ``windows``: ``cols`` of shape ``(*lead, *out, *kernel)`` added
    back into a zero array of ``padded_shape`` at the places each window read."""
    d = len(stride)
    out, kernel = cols.shape[-2 * d:-d], cols.shape[-d:]
    total = np.zeros(padded_shape, cols.dtype)
    lead = (slice(None),) * (len(padded_shape) - d)
    for offset in itertools.product(*(range(k) for k in kernel)):
        target = tuple(slice(o * dl, o * dl + s * (n - 1) + 1, s)
                       for o, dl, s, n in zip(offset, dilation, stride, out))
        total[lead + target] += cols[(Ellipsis,) + offset]
    return total


def _columns(x, kernel, stride, padding, dilation, groups):
    """im2col: the patches of ``x`` as ``(N, groups, places, C // groups * prod(kernel))``
    (one row per output place, a copy), and the output's spatial shape."""
    d = len(kernel)
    view = windows(pad(x, padding), kernel, stride, dilation)  # (N, C, *out, *kernel)
    n, c = x.shape[:2]
    out = view.shape[2:2 + d]
    view = view.reshape(n, groups, c // groups, *view.shape[2:])
    # Channels next to the kernel dims: (N, groups, *out, C // groups, *kernel).
    order = (0, 1) + tuple(range(3, 3 + d)) + (2,) + tuple(range(3 + d, 3 + 2 * d))
    row = c // groups * math.prod(kernel)  # sizes, not -1: a batch may be empty
    columns = np.ascontiguousarray(view.transpose(order)).reshape(n, groups, math.prod(out), row)
    return columns, out


def _kernels(weight, groups):
    """The weight as ``(groups, O // groups, C // groups * prod(kernel))``."""
    return weight.reshape(groups, weight.shape[0] // groups, -1)


def convolve(x, weight, bias, stride, padding, dilation, groups):
    """PyTorch's convolution (a cross-correlation) of ``x`` (N, C, *S) with ``weight``
    (O, C // groups, *K), plus ``bias`` (O,) if given: one matrix product per group."""
    columns, out = _columns(x, weight.shape[2:], stride, padding, dilation, groups)
    result = np.matmul(_kernels(weight, groups), columns.swapaxes(-1, -2))  # (N, G, O/G, P)
    result = result.reshape(x.shape[0], weight.shape[0], *out)
    if bias is not None:
        result += bias.reshape(-1, *(1,) * len(out))
    return result


def convolve_input_grad(g, weight, input_shape, stride, padding, dilation, groups):
    """The gradient of a convolution for its input (a transposed convolution): each
    patch's gradient, added back where the patch was read."""
    d = weight.ndim - 2
    n, c = input_shape[:2]
    kernel, out = weight.shape[2:], g.shape[2:]
    grads = g.reshape(n, groups, weight.shape[0] // groups, math.prod(out))
    columns = np.matmul(grads.swapaxes(-1, -2), _kernels(weight, groups))  # (N, G, P, CK)
    columns = columns.reshape(n, groups, *out, c // groups, *kernel)
    order = (0, 1, 2 + d) + tuple(range(2, 2 + d)) + tuple(range(3 + d, 3 + 2 * d))
    columns = columns.transpose(order).reshape(n, c, *out, *kernel)
    padded = (n, c) + tuple(size + lo + hi for size, (lo, hi) in
                            zip(input_shape[2:], padding))
    return np.ascontiguousarray(crop(scatter_windows(columns, padded, stride, dilation),
                                     padding))


def convolve_weight_grad(g, x, weight_shape, stride, padding, dilation, groups):
    """The gradient of a convolution for its weight: the gradient times the patches."""
    columns, out = _columns(x, weight_shape[2:], stride, padding, dilation, groups)
    grads = g.reshape(g.shape[0], groups, weight_shape[0] // groups, math.prod(out))
    return np.matmul(grads, columns).sum(axis=0).reshape(weight_shape)


def pooled_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's output length of a pooling window along one dim: with ``ceil_mode`` the
    last window may hang over the end, but must start inside the input or left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def pooling_matrix(size, out, kernel, stride, padding, ceil_mode, count_include_pad,
                   dtype):
    """Average pooling along one dim as an ``(out, size)`` matrix: row i averages window
    i. The divisor counts the padding (``count_include_pad``) but never the overhang
    that ``ceil_mode`` adds past it, as in PyTorch."""
    matrix = np.zeros((out, size), dtype)
    for i in range(out):
        start = i * stride - padding
        end = min(start + kernel, size + padding)
        count = end - start
        start, end = max(start, 0), min(end, size)
        matrix[i, start:end] = 1 / (count if count_include_pad else end - start)
    return matrix


def adaptive_matrix(size, out, dtype):
    """Adaptive average pooling along one dim: window i spans
    ``[floor(i * size / out), ceil((i + 1) * size / out))``."""
    matrix = np.zeros((out, size), dtype)
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        matrix[i, start:end] = 1 / (end - start)
    return matrix


def apply_matrices(x, matrices):
    """Each spatial dim of ``x`` (the last ``len(matrices)``) multiplied by its matrix."""
    for axis, matrix in zip(range(x.ndim - len(matrices), x.ndim), matrices):
        x = np.moveaxis(np.tensordot(x, matrix, axes=([axis], [1])), -1, axis)
    return np.ascontiguousarray(x)


def max_indices(x, kernel, stride, padding, dilation, out):
    """Where each window's maximum is, as a flat index into the spatial dims of ``x``
    (PyTorch's ``return_indices``): the first maximum, or the last NaN, as PyTorch's
    kernel scans."""
    d = len(kernel)
    spatial = x.shape[-d:]
    low = (-np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min)
    extra = tuple((p, (n - 1) * s + dl * (k - 1) + 1 - size - p) for n, s, dl, k, size, p in
                  zip(out, stride, dilation, kernel, spatial, padding))
    view = windows(pad(x, tuple((lo, max(hi, 0)) for lo, hi in extra), low),
                   kernel, stride, dilation)
    view = view[(Ellipsis,) + tuple(slice(0, n) for n in out) + (slice(None),) * d]
    flat = view.reshape(view.shape[:-d] + (math.prod(kernel),))
    local = np.argmax(flat, axis=-1)  # the first maximum
    if x.dtype.kind == "f":  # PyTorch's scan keeps the last NaN it meets
        nans = np.isnan(flat)
        last_nan = flat.shape[-1] - 1 - np.argmax(nans[..., ::-1], axis=-1)
        local = np.where(nans.any(axis=-1), last_nan, local)
    offsets = np.unravel_index(local, kernel)
    index = np.zeros(local.shape, np.int64)
    for axis, (offset, s, dl, p, size) in enumerate(zip(offsets, stride, dilation, padding,
                                                         spatial)):
        place = np.arange(out[axis]).reshape((-1,) + (1,) * (d - axis - 1)) * s - p
        index = index * size + place + offset * dl
    return index


def take_flat(x, indices, d):
    """``x`` at ``indices`` (flat over the last ``d`` dims), one per output place."""
    lead = x.shape[:-d]  # sizes, not -1, here and below: a batch may be empty
    flat = x.reshape(lead + (math.prod(x.shape[-d:]),))
    places = math.prod(indices.shape[-d:])
    picked = np.take_along_axis(flat, indices.reshape(lead + (places,)), axis=-1)
    return picked.reshape(indices.shape)


def put_flat(g, indices, shape, d):
    """The adjoint of ``take_flat``: ``g`` added into zeros of ``shape`` at ``indices``."""
    rows = math.prod(shape[:-d])
    total = np.zeros((rows, math.prod(shape[-d:])), g.dtype)
    places = math.prod(indices.shape[-d:])
    np.add.at(total, (np.arange(rows)[:, None], indices.reshape(rows, places)),
              g.reshape(rows, places))
    return total.reshape(shape)
