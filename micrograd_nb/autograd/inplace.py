"""In-place ops and views, as PyTorch keeps them consistent: an in-place op checks it
may run, bumps the version counter saved tensors compare against, and records a node on
the tensor's history; through a view, the base's history gets a CopySlices node and the
view's history is rebuilt on it."""

import re
import weakref

import numpy as np

from . import dtypes, errors, function, graph, ops, tensor
from .function import apply
from .involved import attach
from .op import ANS
from .promotion import binary
from .select_ops import MULTIPLE_VIEWS


def check_inplace(t, view=False):
    if function.tracer is not None:
        function.tracer.refuse("inplace", what="an in-place op")
    if not graph._GradMode.enabled:
        return
    if t._requires_grad and any(op in MULTIPLE_VIEWS for op, _ in t._view_chain):
        op, ctx = t._view_chain[-1]
        raise attach(RuntimeError(errors.INPLACE_ON_MULTIPLE_VIEWS.format(
            output_nr=ctx.get("output_nr", 0), op=re.sub(r"Backward\d*$", "", op.name))),
                     tensor=t)
    if t._requires_grad and t.grad_fn is None:
        raise attach(RuntimeError(errors.INPLACE_ON_LEAF_VIEW if view else errors.INPLACE_ON_LEAF),
                     tensor=t)
    if t._view_of_leaf:
        raise attach(RuntimeError(errors.INPLACE_ON_LEAF_VIEW), tensor=t)


def before_inplace(t):
    # The tensor as it was: a snapshot carries the old history, so the node of the
    # in-place op can point to it, and a saved copy is not changed by the op.
    return tensor.Tensor._make(t._data.copy(), t._requires_grad, t.grad_fn)


def commit_inplace(t, result):
    if t._base is not None and (result._grad_fn is not None or t._base._requires_grad):
        return write_through_view(t, result)
    np.copyto(t._data, result._data, casting="unsafe")
    t._version_counter.value += 1
    if result.grad_fn is not None:
        _saved_output_is(result.grad_fn, t)
        if t._retains_grad:
            result.grad_fn._set_retains(function.RetainGrad(weakref.ref(t)))
        t._grad_fn = result._grad_fn
        t._requires_grad = True
    return t


def _saved_output_is(node, t):
    """The op saved its output: after an in-place op that output is ``t`` itself, so a
    later change of ``t`` is caught when the node runs, as in PyTorch (x.exp_() saves x)."""
    saved = getattr(node, "_saved", None)
    saved = next((s for s in saved if getattr(s, "key", None) == ANS), None) if saved else None
    if saved is not None:
        counter = t._version_counter
        saved.array, saved.version, saved.saved_version = t._data, counter, counter.value


def write_through_view(t, result):
    """An in-place op on a view: the base's history gets a CopySlices node (the old
    base outside the view, the op's result inside it), and the view's history
    becomes a view of that."""
    base = t._base
    old_base = before_inplace(base)
    np.copyto(t._data, result._data, casting="unsafe")
    t._version_counter.value += 1
    rebased = apply(ops.COPY_VIEW, (old_base, result), chain=t._view_chain)
    if rebased._grad_fn is not None:
        base._grad_fn = rebased._grad_fn
        base._requires_grad = True
    refresh_view_history(t)
    return t


def inplace(t, op, other=None, **ctx):
    check_inplace(t)
    old = before_inplace(t)
    if other is None:
        result = apply(op, (old,), **ctx)
    else:
        result = binary(op, old, other, **ctx)
        check_fits(t, result)
    return commit_inplace(t, result)


def check_fits(t, result):
    """Can ``result`` be written into ``t``: the same shape, a dtype it casts to."""
    if result._data.shape != t._data.shape:
        raise RuntimeError(errors.INPLACE_BROADCAST.format(
            shape=list(t._data.shape), broadcast=list(result._data.shape)))
    if not dtypes.can_cast(result.dtype, t.dtype):
        raise RuntimeError(errors.INPLACE_RESULT_TYPE.format(
            result=result.dtype.scalar_type, out=t.dtype.scalar_type))


def inplace_of(name, compute=None):
    """The in-place form of the method ``name`` (``exp_`` of ``exp``): the op runs on the
    tensor as it was (or ``compute`` does, where PyTorch records the in-place form
    otherwise) and its result is written back, with PyTorch's checks (a leaf, a view of
    one, a result that does not fit the tensor's dtype or shape), the version bump and
    the op's own node (ExpBackward0)."""

    def method(self, *args, **kwargs):
        check_inplace(self)
        old = before_inplace(self)
        result = (compute(old, *args, **kwargs) if compute is not None
                  else getattr(old, name)(*args, **kwargs))
        check_fits(self, result)
        return commit_inplace(self, result)

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"``{name}``, in place."
    return method


def refresh_view_history(t):
    """The base was changed in place since this view was made: as in PyTorch, the
    view's history becomes the view ops applied to the base's new history."""
    base = t._base
    with graph.enable_grad():  # one node, named as PyTorch names it: AsStridedBackward0
        view = apply(ops.AS_STRIDED, (base,), chain=t._view_chain, in_shape=base._data.shape)
    t._grad_fn = view._grad_fn
    t._requires_grad = t._requires_grad or view._requires_grad
    t._base_fn = base._grad_fn
