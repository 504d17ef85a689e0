"""Convolution and pooling, one row each, as PyTorch records them (windows.py does the
numpy).

A convolution is bilinear in input and weight, so its gradients are convolutions of the
same geometry: the input's is a transposed convolution of ``g`` with the weight, the
weight's a correlation of the input with ``g``. Each is a row of its own (PyTorch's
``ConvolutionBackwardBackward0``) whose rules are the other rows, so ``create_graph=True``
gives gradients of any order. Pooling is the same: a pool's gradient is a row whose own
gradient is the pool again.

Every convolution row has the same ctx: ``stride``, ``padding`` ((before, after) per
spatial dim), ``dilation``, ``groups``, ``input_shape`` and ``weight_shape``. Rules call
``_run``: the numpy forward on arrays (a normal backward pass), the recorded op on
tensors (``create_graph=True``).
"""

import numpy as np

from . import windows
from .op import Op


def _run(op, *inputs, **ctx):
    if isinstance(inputs[0], np.ndarray):
        return op.forward(*inputs, **ctx)
    from .function import apply  # function.py records ops: it imports the tables

    return apply(op, inputs, **ctx)


def _geometry(stride, padding, dilation, groups, input_shape, weight_shape):
    return {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


def _input_grad(g, w, ctx):
    return _run(CONVOLUTION_INPUT_GRAD, g, w, **ctx)


def _weight_grad(g, x, ctx):
    return _run(CONVOLUTION_WEIGHT_GRAD, g, x, **ctx)


def _correlate(x, w, ctx):
    """A convolution without bias (recorded with a zero one, as PyTorch records none)."""
    if isinstance(x, np.ndarray):
        return windows.convolve(x, w, None, **_geometry(**ctx))
    from .function import apply, constant

    zeros = constant(np.zeros(ctx["weight_shape"][:1], x._data.dtype))
    return apply(CONVOLUTION, (x, w, zeros), **ctx)


CONVOLUTION = Op(
    "ConvolutionBackward0",
    lambda x, w, b, **ctx: windows.convolve(x, w, b, **_geometry(**ctx)),  # b may be 0s
    lambda F, g, ans, x, w, b, **ctx: _input_grad(g, w, ctx),
    lambda F, g, ans, x, w, b, **ctx: _weight_grad(g, x, ctx),
    lambda F, g, ans, x, w, b, **ctx: F.sum(
        g, (0,) + tuple(range(2, len(ctx["input_shape"])))),
    saves=((1,), (0,), ()))
# The input's gradient, a function of (g, weight); its own gradients: for g a
# correlation with the weight, for the weight the weight gradient with g.
CONVOLUTION_INPUT_GRAD = Op(
    "ConvolutionBackwardBackward0",
    lambda g, w, **ctx: windows.convolve_input_grad(g, w, ctx["input_shape"],
                                                    **_geometry(**ctx)),
    lambda F, h, ans, g, w, **ctx: _correlate(h, w, ctx),
    lambda F, h, ans, g, w, **ctx: _weight_grad(g, h, ctx),
    saves=((1,), (0,)))
# The weight's gradient, a function of (g, input).
CONVOLUTION_WEIGHT_GRAD = Op(
    "ConvolutionBackwardBackward0",
    lambda g, x, **ctx: windows.convolve_weight_grad(g, x, ctx["weight_shape"],
                                                     **_geometry(**ctx)),
    lambda F, k, ans, g, x, **ctx: _correlate(x, k, ctx),
    lambda F, k, ans, g, x, **ctx: _input_grad(g, k, ctx),
    saves=((1,), (0,)))


# The explicit zero padding PyTorch adds before a convolution with padding='same' when
# the padding is uneven (an even kernel): ``padding`` is (before, after) per spatial dim.
# A negative padding crops; the gradient pads by the opposite amounts.
CONSTANT_PAD = Op("ConstantPadNdBackward0",
                  lambda x, padding: windows.pad_or_crop(x, padding),
                  lambda F, g, ans, x, padding: _run(
                      CONSTANT_PAD, g, padding=tuple((-lo, -hi) for lo, hi in padding)))


# --- pooling ------------------------------------------------------------------------
# A pool's gradient is a row of (g, input) as PyTorch's pooling backward kernels are: the
# input's derivative there is zero, but the gradient is part of its graph.

def _zeros_rule(F, h, ans, g, x, **ctx):
    return F.zeros_like(x)


# Max pooling gathers one element per window: ``indices`` (flat over the spatial dims,
# PyTorch's return_indices) travel in ctx, with ``shape``, the input's shape. Its
# gradient scatters into those places; the gradient of that is the gather again.
MAX_POOL = Op("MaxPool2DWithIndicesBackward0",
              lambda x, indices, shape: windows.take_flat(x, indices, 2),
              lambda F, g, ans, x, indices, shape: _run(MAX_POOL_GRAD, g, x, indices=indices,
                                                        shape=shape),
              saves=((0,),), saves_ctx=True)
MAX_POOL_GRAD = Op("MaxPool2DWithIndicesBackwardBackward0",
                   lambda g, x, indices, shape: windows.put_flat(g, indices, shape, 2),
                   lambda F, h, ans, g, x, indices, shape: _run(MAX_POOL, h, indices=indices,
                                                                shape=shape),
                   _zeros_rule, saves=((), (1,)), saves_ctx=True)


# Average pooling, plain or adaptive: one matrix per spatial dim (``matrices``, the
# divisor folded in) in ctx; the gradient applies the transposed matrices, and its
# gradient the matrices again.

def _average_pool_rows(name):
    def transposed(matrices):
        return tuple(m.T for m in matrices)

    pool = Op(name, lambda x, matrices: windows.apply_matrices(x, matrices),
              lambda F, g, ans, x, matrices: _run(grad, g, x, matrices=transposed(matrices)),
              saves=((0,),))
    grad = Op(name.replace("Backward0", "BackwardBackward0"),
              lambda g, x, matrices: windows.apply_matrices(g, matrices),
              lambda F, h, ans, g, x, matrices: _run(pool, h, matrices=transposed(matrices)),
              _zeros_rule, saves=((), (1,)))
    return pool, grad


AVG_POOL, AVG_POOL_GRAD = _average_pool_rows("AvgPool2DBackward0")
ADAPTIVE_AVG_POOL, ADAPTIVE_AVG_POOL_GRAD = _average_pool_rows("AdaptiveAvgPool2DBackward0")
