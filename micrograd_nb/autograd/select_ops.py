"""The ops that pick, place, repeat and move elements: ``gather``, ``scatter``,
``index_select``, ``masked_fill``, ``repeat``, ``roll``, ``tril``/``triu``,
``diagonal`` and the views ``split``/``chunk``/``narrow`` return. One row each, written
as the rows of ops.py (``lambda F, g, ans, x, ...``).

Most are indexing in disguise: ``gather(dim, index)`` is ``x[key]`` for the key that
reads ``index[p]`` along ``dim`` at each position ``p`` (``along``), so its rows are
renamings of ops.py's indexing rows, and their gradients (and the gradients of those)
come with them. A rule whose gradient is the same op again (roll, tril) calls ``run``:
the op's forward on arrays, or the op recorded on tensors under ``create_graph``.
"""

import numpy as np

from . import nn_ops, ops
from .arrays import copy_into, outside, silently
from .op import defop


def run(F, op, *xs, **ctx):
    """``op`` on ``xs``: its numpy forward in a plain backward pass, recorded (so it can
    be differentiated again) when the rule runs on tensors."""
    if isinstance(xs[0], np.ndarray):
        return op.forward(*xs, **ctx)
    from .function import apply  # function.py records ops: it imports the tables

    return apply(op, xs, **ctx)


def along(index, dim):
    """The numpy key that reads ``index[p]`` along ``dim`` at every position ``p`` of
    ``index`` (open grids elsewhere): ``x[along(index, dim)]`` is ``x.gather(dim, index)``."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def slice_along(dim, start, stop):
    return (slice(None),) * dim + (slice(start, stop),)


def diagonal_view(x, offset, dim1, dim2):
    """The diagonal of ``x`` over ``dim1``/``dim2`` as a writable view, its dimension last
    (as PyTorch's): numpy's own ``diagonal`` is read-only, and in-place writes and
    gradients go through this view."""
    start = slice_along(dim2, offset, None) if offset >= 0 else slice_along(dim1, -offset, None)
    part = x[start]
    n = max(min(part.shape[dim1], part.shape[dim2]), 0)
    keep = [d for d in range(x.ndim) if d not in (dim1, dim2)]
    return np.lib.stride_tricks.as_strided(
        part, tuple(part.shape[d] for d in keep) + (n,),
        tuple(part.strides[d] for d in keep) + (part.strides[dim1] + part.strides[dim2],))


def _embed_diagonal(g, offset, dim1, dim2, in_shape):
    out = np.zeros(in_shape, dtype=g.dtype)
    diagonal_view(out, offset, dim1, dim2)[...] = g
    return out


@silently  # inf + -inf
def _add_into(x, src, key):
    out = x.copy()
    np.add.at(out, key, src)
    return out


def _repeat_rule(F, g, in_shape, repeats):
    """Each element's copies summed: ``g`` seen as (r0, n0, r1, n1, ...), summed over
    the r's."""
    shape = (1,) * (len(repeats) - len(in_shape)) + tuple(in_shape)
    pairs = tuple(n for pair in zip(repeats, shape) for n in pair)
    if not pairs:
        return g
    g = F.sum(F.reshape(g, pairs), tuple(range(0, len(pairs), 2)))
    return F.reshape(g, tuple(in_shape))


# Views of a part of x (split and chunk give several, narrow one): a slice each. A part
# knows which output of its split it is (PyTorch's messages say so).
SPLIT = defop("SplitBackward0", lambda x, key, in_shape, output_nr: x[key],
              lambda F, g, ans, x, key, in_shape, output_nr: F.scatter(g, in_shape, key))
SPLIT_WITH_SIZES = SPLIT.renamed("SplitWithSizesBackward0")
NARROW = ops.SLICE  # PyTorch records narrow as the slice it is
# Ops that return several views: PyTorch refuses an in-place change through them.
MULTIPLE_VIEWS = (SPLIT, SPLIT_WITH_SIZES)

# Reading at indices: x[key], the gradient scattered back (summed at repeats).
GATHER = ops.INDEX.renamed("GatherBackward0")
INDEX_SELECT = ops.INDEX.renamed("IndexSelectBackward0")

# Writing at indices: the old x outside the key, the source inside it (gathered back).
SCATTER = ops.INDEX_PUT.renamed("ScatterBackward0", saves_ctx=True)
SCATTER_VALUE = defop("ScatterBackward1", lambda x, key, value: copy_into(x, key, value),
                      lambda F, g, ans, x, key, value: g * outside(F.array_of(g).shape, key),
                      saves_ctx=True)
SCATTER_ADD = defop("ScatterAddBackward0", _add_into,
                    lambda F, g, ans, x, src, key: g,
                    lambda F, g, ans, x, src, key: g[key], saves_ctx=True)
# masked_fill with a number (MaskedFillBackward0) or a 0-d tensor (MaskedFillBackward1):
# the gradient goes to x where the mask is off, to the value where it is on.
MASKED_FILL = nn_ops.MASKED_FILL  # cross_entropy's label smoothing records it too
MASKED_FILL_TENSOR = defop("MaskedFillBackward1",
                           lambda x, value, mask: np.where(mask, value, x),
                           lambda F, g, ans, x, value, mask: g * ~mask,
                           lambda F, g, ans, x, value, mask: g * mask, saves_ctx=True)

REPEAT = defop("RepeatBackward0", lambda x, repeats, in_shape: np.tile(x, repeats),
               lambda F, g, ans, x, repeats, in_shape: _repeat_rule(F, g, in_shape, repeats))
ROLL = defop("RollBackward0", lambda x, shifts, dims: np.roll(x, shifts, dims),
             lambda F, g, ans, x, shifts, dims: run(
                 F, ROLL, g, shifts=tuple(-s for s in shifts), dims=dims))
TRIL = defop("TrilBackward0", lambda x, diagonal: np.tril(x, diagonal),
             lambda F, g, ans, x, diagonal: run(F, TRIL, g, diagonal=diagonal))
TRIU = defop("TriuBackward0", lambda x, diagonal: np.triu(x, diagonal),
             lambda F, g, ans, x, diagonal: run(F, TRIU, g, diagonal=diagonal))
# diagonal() is a view; its gradient puts g back on the diagonal of zeros.
DIAGONAL = defop("DiagonalBackward0",
                 lambda x, offset, dim1, dim2, in_shape: diagonal_view(x, offset, dim1, dim2),
                 lambda F, g, ans, x, offset, dim1, dim2, in_shape: run(
                     F, EMBED_DIAGONAL, g, offset=offset, dim1=dim1, dim2=dim2,
                     in_shape=in_shape))
EMBED_DIAGONAL = defop("DiagonalBackwardBackward0", _embed_diagonal,
                       lambda F, g, ans, x, offset, dim1, dim2, in_shape: run(
                           F, DIAGONAL, g, offset=offset, dim1=dim1, dim2=dim2,
                           in_shape=in_shape))

