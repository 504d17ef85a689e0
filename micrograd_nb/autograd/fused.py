"""``fma(a, b, c)``: ``a * b + c`` rounded once, as the fused multiply-add instruction
PyTorch's vectorised CPU kernels use (numpy has none).

Exact in numpy arithmetic, element-wise over arrays: the product's rounding error comes
from Dekker's split (``two_product``), the sum's from Knuth's ``two_sum``, and the two
errors are added with rounding to odd, so the last rounding to nearest is the only one
that counts (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums", 2008).
float32 runs in float64, where the product is exact and a sum rounded to odd can be
rounded again to float32 without a second rounding error. Overflow and numbers near
the smallest normal are not handled; optimizer states and random numbers stay far from
both.
"""

import numpy as np

_SPLIT = 134217729.0  # 2**27 + 1: Dekker's split of a double into two 26-bit halves


def fma(a, b, c):
    """``a * b + c`` with one rounding, in the dtype of ``a`` (float32 or float64)."""
    a = np.asarray(a)
    if a.dtype == np.float32:
        wide = np.float64
        b, c = (np.asarray(x, dtype=np.float32).astype(wide) for x in (b, c))
        product = a.astype(wide) * b  # exact: 24 + 24 bits
        return _add_round_to_odd(product, c).astype(np.float32)
    a, b, c = (np.asarray(x, dtype=np.float64) for x in (a, b, c))
    product, product_error = _two_product(a, b)
    total, total_error = _two_sum(c, product)
    return total + _add_round_to_odd(total_error, product_error)


def _two_sum(x, y):
    """``x + y`` and its rounding error, exactly (Knuth)."""
    total = x + y
    virtual = total - x
    return total, (x - (total - virtual)) + (y - virtual)


def _two_product(x, y):
    """``x * y`` and its rounding error, exactly (Dekker, Veltkamp's split)."""
    product = x * y
    x_hi, x_lo = _split(x)
    y_hi, y_lo = _split(y)
    error = ((x_hi * y_hi - product) + x_hi * y_lo + x_lo * y_hi) + x_lo * y_lo
    return product, error


def _split(x):
    scaled = x * _SPLIT
    hi = scaled - (scaled - x)
    return hi, x - hi


def _add_round_to_odd(x, y):
    """``x + y`` rounded to odd: when inexact, the neighbour whose last bit is 1."""
    total, error = _two_sum(x, y)
    total = np.asarray(total, dtype=np.float64)
    bits = total.view(np.int64)
    inexact_even = (error != 0) & ((bits & 1) == 0)
    nudged = np.nextafter(total, np.where(error > 0, np.inf, -np.inf))
    return np.where(inexact_even, nudged, total)
