"""The numpy side of the ops: the helpers their forwards and rules call on arrays
(masks, reductions kept to shape, writes through a chain of views). Nothing here knows
about tensors or graphs."""

import functools
import math
import warnings

import numpy as np


def broadcast_dims(g_shape, shape):
    """The dimensions of a gradient of shape ``g_shape`` that broadcasting added to an
    input of shape ``shape``: the leading ones, and those where the input had size 1.
    Summing over them (keeping dims) and reshaping undoes the broadcast."""
    lead = len(g_shape) - len(shape)
    return tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g_shape[i + lead] != 1)


def sum_to(g, shape):
    if g.shape == shape:
        return g
    dims = broadcast_dims(g.shape, shape)
    if dims:
        g = g.sum(axis=dims, keepdims=True)
    return g.reshape(shape)


def expand(x, shape):
    # A filled copy: np.broadcast_to is several times slower on the small arrays of a
    # backward pass, and its read-only result would need copying later anyway.
    out = np.empty(shape, dtype=x.dtype)
    out[...] = x
    return out


def scatter(g, shape, key):
    out = np.zeros(shape, dtype=g.dtype)
    if is_basic(key):
        out[key] = g
    else:
        np.add.at(out, key, g)
    return out


def is_basic(key):
    items = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, np.integer, slice))
               for k in items)


def unsqueeze_reduced(g, shape, dim, keepdim):
    """Give a reduction's gradient back its reduced dimensions (size 1)."""
    if dim is None:
        return g.reshape((1,) * len(shape)) if len(shape) else g
    if keepdim:
        return g
    kept = tuple(1 if i in dim else n for i, n in enumerate(shape))
    return g.reshape(kept)


def reduce_mask(x, ans):
    """Where ``x`` equals the extreme ``ans``, split evenly among ties (as PyTorch's
    ``max()``/``min()`` with no dim)."""
    mask = x == ans
    return (mask / mask.sum()).astype(x.dtype)


def argextreme_mask(x, indices, dim):
    """One-hot along ``dim`` at ``indices`` (``max(dim)`` gives its gradient to the first
    of tied elements, as PyTorch does)."""
    if x.ndim == 0:
        return np.ones((), dtype=bool)
    positions = np.arange(x.shape[dim]).reshape([-1 if i == dim else 1 for i in range(x.ndim)])
    return positions == np.expand_dims(indices, dim)


def within(x, low, high):
    """Where clamp lets the gradient through: low <= x <= high, ends included."""
    mask = np.ones(x.shape, dtype=bool)
    if low is not None:
        mask &= x >= low
    if high is not None:
        mask &= x <= high
    return mask


def take_at(x, indices, dim, keepdim):
    if x.ndim == 0:  # a 0-d tensor is its own max and min along dim 0
        return x.copy()
    values = np.take_along_axis(x, np.expand_dims(indices, dim), dim)
    return values if keepdim else values.squeeze(dim)


def quietly(fn):
    """numpy's own RuntimeWarnings too (var of one element: "Degrees of freedom <= 0"):
    PyTorch has its own warning for that, given by the caller."""
    quiet = silently(fn)

    def wrapped(*args, **ctx):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return quiet(*args, **ctx)

    return wrapped


_QUIET = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}


def _quiet_error_state():
    """numpy's error state with ``_QUIET``, made once, and the context variable numpy reads
    it from; None where that is not numpy's machinery (then ``np.errstate`` is used)."""
    try:
        from numpy._core._ufunc_config import _extobj_contextvar
    except ImportError:
        return None
    with np.errstate(**_QUIET):
        return _extobj_contextvar, _extobj_contextvar.get()


_QUIET_STATE = _quiet_error_state()


def silent_block():
    """A ``with`` block as quiet as ``silently``: for many kernels run in a row."""
    if _QUIET_STATE is None:
        return np.errstate(**_QUIET)
    return _SilentBlock()


class _SilentBlock:
    """``np.errstate(**_QUIET)`` with the state made once, as ``silently`` sets it: an
    errstate makes its state anew each time, which costs what a small array op does."""

    __slots__ = ("token",)

    def __enter__(self):
        self.token = _QUIET_STATE[0].set(_QUIET_STATE[1])

    def __exit__(self, *exc_info):
        _QUIET_STATE[0].reset(self.token)
        return False


def silently(fn):
    """numpy warns on log(0), 1/0, sqrt(-1), inf - inf, 0 * inf; PyTorch returns inf/nan
    silently. What ``np.errstate(...)`` does around each call, with its error state made
    once: ``np.errstate`` as a decorator makes it anew at every call, which cost more than
    the multiplication of two small arrays."""
    if _QUIET_STATE is None:
        return np.errstate(**_QUIET)(fn)
    variable, state = _QUIET_STATE
    set_state, reset_state = variable.set, variable.reset

    @functools.wraps(fn)
    def quiet(*args, **kwargs):
        token = set_state(state)
        try:
            return fn(*args, **kwargs)
        finally:
            reset_state(token)

    quiet.unsilenced = fn  # for a caller that runs many kernels in one quiet state
    return quiet


def contiguous(a):
    """Where PyTorch's kernel writes a fresh contiguous result whatever the input's
    layout (reductions over a dim, softmax, cat, scalar ** x). The layout shows in the
    node reshape() records and in whether view() can be used."""
    return a if a.flags.c_contiguous else a.copy()


@silently  # inf - inf where a row holds two infs
def softmax(x, dim):
    if x.size == 0:
        return x.copy()
    shifted = np.exp(x - x.max(axis=dim, keepdims=True))
    return contiguous(shifted / shifted.sum(axis=dim, keepdims=True))


@silently
def log_softmax(x, dim):
    if x.size == 0:
        return x.copy()
    shifted = x - x.max(axis=dim, keepdims=True)
    return contiguous(shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True)))


@silently
def power(a, b):
    return np.power(a, b)




def copy_into(x, key, value):
    out = x.copy()
    out[key] = value
    return out


def outside(shape, key):
    mask = np.ones(shape, dtype=bool)
    mask[key] = False
    return mask


def view_of(array, chain):
    for op, ctx in chain:
        array = op.forward(array, **ctx)
    return array


def unview(g, shape, chain):
    """A gradient of a view, back in its base's shape: zeros outside the view."""
    out = np.zeros(shape, dtype=g.dtype)
    view_of(out, chain)[...] = g
    return out


def write_view(base, value, chain):
    out = base.copy()
    view_of(out, chain)[...] = value
    return out


def outside_view(shape, chain):
    mask = np.ones(shape, dtype=bool)
    view_of(mask, chain)[...] = False
    return mask


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def int_power(base, exponent):
    """Integer powers as PyTorch computes them: a negative exponent gives 0, except for
    the bases 1 and -1 (numpy refuses negative integer powers)."""
    base, exponent = np.broadcast_arrays(base, exponent)
    negative = exponent < 0
    out = np.power(base, np.where(negative, 0, exponent))
    odd = (np.abs(exponent) % 2) == 1
    at_negative = np.where(base == 1, 1, np.where(base == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, at_negative, out).astype(np.result_type(base, exponent))


def sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def erf(x):
    """The error function, elementwise (numpy has none; math.erf is exact to the last bit)."""
    return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()


def cumsum(x, dim):
    return np.cumsum(x, axis=dim, dtype=x.dtype)


def reverse_cumsum(x, dim):
    """Sums from the end along ``dim``: the gradient of a cumulative sum."""
    return np.flip(np.cumsum(np.flip(x, dim), axis=dim), dim)


def share_of_max(a, b):
    """Where ``a`` wins ``maximum(a, b)``: 1, a tie 0.5 (PyTorch splits it), else 0."""
    return (a > b) + 0.5 * (a == b)


def share_of_min(a, b):
    return (a < b) + 0.5 * (a == b)


def strictly_within(x, low, high):
    """Where hardtanh lets the gradient through: low < x < high, ends excluded."""
    return (x > low) & (x < high)


def extreme_mask(x, ans, dim, keepdim):
    """amax/amin's gradient share: the elements equal to the extreme, split evenly."""
    kept = ans if keepdim or dim is None else np.expand_dims(ans, dim)
    mask = x == kept
    return mask / mask.sum(axis=dim, keepdims=True)


def prod_others(x, dim):
    """The product of all elements but each one (along ``dim``, or all of x): the
    gradient of prod, without dividing by a zero."""
    if dim is None:
        flat = x.reshape(-1)
        return prod_others(flat, 0).reshape(x.shape)
    moved = np.moveaxis(x, dim, -1)
    ones = np.ones(moved.shape[:-1] + (1,), dtype=x.dtype)
    before = np.cumprod(np.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate(
        [ones, np.flip(moved, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return np.moveaxis(before * after, -1, dim)


def reduced_count(shape, dim):
    return numel(shape) if dim is None else numel(tuple(shape[d] for d in dim))


def logsumexp(x, dim, keepdim):
    if x.size == 0:
        return np.log(np.exp(x).sum(axis=dim, keepdims=keepdim))
    top = np.max(x, axis=dim, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    out = np.log(np.exp(x - top).sum(axis=dim, keepdims=True)) + top
    return out if keepdim else np.squeeze(out, axis=dim)


def vector_norm(x, ord, dim, keepdim):
    a = np.abs(x)
    if ord == float("inf"):
        return a.max(axis=dim, keepdims=keepdim, initial=0)
    if ord == -float("inf"):
        return a.min(axis=dim, keepdims=keepdim)
    if ord == 0:
        return (a != 0).sum(axis=dim, keepdims=keepdim).astype(x.dtype)
    if ord == 1:
        return a.sum(axis=dim, keepdims=keepdim)
    if ord == 2:
        return np.sqrt((a * a).sum(axis=dim, keepdims=keepdim))
    return ((a ** ord).sum(axis=dim, keepdims=keepdim)) ** (1.0 / ord)
