"""``torch.autograd.gradcheck``: compare the gradients autograd computes with finite
differences.

For every output ``o`` and every input ``x`` that requires grad, two Jacobians of shape
``(x.numel(), o.numel())`` are built (PyTorch's layout): the *analytical* one, a row
per element of ``o`` from ``grad(o, x, one_hot)``, and the *numerical* one, a column per
element of ``x`` from the central difference ``(f(x + eps) - f(x - eps)) / (2 eps)``.
They must agree within ``atol + rtol * |numerical|``. The defaults are tuned for
float64; in float32 the finite differences themselves are too coarse.

Of PyTorch's options only ``eps``, ``atol``, ``rtol``, ``raise_exception`` and
``nondet_tol`` exist here: the others test sparse layouts, vmap, forward-mode AD and
undefined gradients, which this engine does not have.
"""

import warnings

import numpy as np

from . import errors
from .api import grad
from .factories import zeros_like
from .random import rand
from .tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _differentiable_outputs(x):
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _diff_inputs(inputs):
    return [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]


def _check_inputs(inputs):
    found = False
    for idx, inp in enumerate(inputs):
        if isinstance(inp, Tensor) and inp.requires_grad:
            if inp.dtype.name != "float64":
                warnings.warn(
                    errors.GRADCHECK_NOT_DOUBLE_WARNING.format(index=idx),
                    stacklevel=4,  # the caller of gradcheck
                )
            array = inp.detach().numpy()
            if any(st == 0 and sz > 1 for st, sz in zip(array.strides, array.shape)):
                raise RuntimeError(errors.GRADCHECK_STRIDE_0.format(index=idx))
            found = True
    if not found:
        raise ValueError(errors.GRADCHECK_NO_INPUT_REQUIRES_GRAD)


def _as_tensor(array):
    """A Jacobian as a Tensor, so error messages print it the way PyTorch does."""
    return Tensor._make(np.ascontiguousarray(array))


# ---------------------------------------------------------------------------------------
# Numerical Jacobians.

def _array(t):
    # A copy: the outputs' storage may be the perturbed input itself (an identity).
    return np.array(t.detach().numpy())


def _evaluate(func, inputs):
    """The floating outputs of ``func`` at the (perturbed) inputs, as arrays."""
    return [_array(o) for o in _as_tuple(func(*inputs)) if o.dtype.is_floating_point]


def _check_same_dtype_and_shape(a, b, idx, eps):
    # An output that changes shape or dtype under a tiny perturbation has no derivative.
    if a.shape != b.shape:
        raise AssertionError(errors.GRADCHECK_PERTURBED_SHAPE.format(
            index=idx, eps=eps, a=a.shape, b=b.shape))
    if a.dtype != b.dtype:
        raise AssertionError(errors.GRADCHECK_PERTURBED_DTYPE.format(
            index=idx, eps=eps, a=a.dtype, b=b.dtype))


def _numerical_jacobians(func, inputs, outputs, eps):
    """``[input j][output i]``: ``(inputs[j].numel(), outputs[i].size)`` arrays, for the
    floating ``outputs`` (arrays) that ``func`` returned at ``inputs``.

    Each element of each differentiable input is perturbed in place, through the
    detached array that shares its storage, as PyTorch does through ``.data``: the
    function sees the very tensors it was given (gradgradcheck relies on that), and no
    version counter is bumped.
    """
    jacobians = []
    for inp in _diff_inputs(inputs):
        array = inp.detach().numpy()
        per_output = [np.zeros((array.size, out.size), dtype=out.dtype) for out in outputs]
        for k, idx in enumerate(np.ndindex(array.shape)):
            orig = array[idx].copy()
            try:
                array[idx] = orig - eps
                minus = _evaluate(func, inputs)
                array[idx] = orig + eps
                plus = _evaluate(func, inputs)
            finally:
                array[idx] = orig
            for jac, a, b in zip(per_output, minus, plus):
                _check_same_dtype_and_shape(a, b, idx, eps)
                jac[k] = ((b - a) / (2 * eps)).reshape(-1)
        jacobians.append(per_output)
    return jacobians


# ---------------------------------------------------------------------------------------
# Analytical Jacobians.

def _analytical_jacobian(output, diff_inputs):
    """``[input j]``: ``(inputs[j].numel(), output.numel())``, one reverse pass per
    output element with a one-hot grad_output."""
    jacobians = [np.zeros((x.numel(), output.numel()), dtype=x.dtype.numpy)
                 for x in diff_inputs]
    one_hot = np.zeros(output.numel(), dtype=output.dtype.numpy)
    for k in range(output.numel()):
        one_hot[:] = 0
        one_hot[k] = 1
        seed = Tensor._make(one_hot.reshape(tuple(output.shape)).copy())
        grads = grad(output, diff_inputs, seed, retain_graph=True, allow_unused=True)
        for jac, g in zip(jacobians, grads):
            if g is not None:
                jac[:, k] = g.detach().numpy().reshape(-1)
    return jacobians


def _checked_analytical_jacobian(output, diff_inputs, nondet_tol):
    # Computed twice: a backward that gives different answers for the same input and
    # grad_output (reentrancy) is an error of its own.
    first = _analytical_jacobian(output, diff_inputs)
    second = _analytical_jacobian(output, diff_inputs)
    for a, b in zip(first, second):
        if a.size and np.abs(a - b).max() > nondet_tol:
            raise GradcheckError(errors.GRADCHECK_NOT_REENTRANT.format(nondet_tol=nondet_tol))
    return first


def _mismatch_message(analytical, numerical, output_idx, input_idx):
    return errors.GRADCHECK_JACOBIAN_MISMATCH.format(
        output=output_idx, input=input_idx, numerical=_as_tensor(numerical),
        analytical=_as_tensor(analytical))


def _test_backward_mul_by_grad_output(outputs, inputs):
    """A zero grad_output must give zero gradients of the inputs' dtype and shape."""
    diff_inputs = _diff_inputs(inputs)
    if not diff_inputs:
        raise GradcheckError(errors.GRADCHECK_NO_DIFF_INPUTS)
    zeros = [zeros_like(o) for o in outputs]
    grads = grad(outputs, diff_inputs, zeros, allow_unused=True)
    for gi, di in zip(grads, diff_inputs):
        if gi is None:
            continue
        if np.any(gi.detach().numpy() != 0):
            raise GradcheckError(errors.GRADCHECK_NOT_MULTIPLIED)
        if gi.dtype is not di.dtype:
            raise GradcheckError(errors.GRADCHECK_GRAD_TYPE)
        if gi.shape != di.shape:
            raise GradcheckError(errors.GRADCHECK_GRAD_SIZE)


def _gradcheck(func, inputs, eps, atol, rtol, nondet_tol):
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    func_out = _as_tuple(func(*inputs))
    outputs = _differentiable_outputs(func_out)
    floating = [o for o in func_out if o.dtype.is_floating_point]
    numerical = _numerical_jacobians(func, inputs, [_array(o) for o in floating], eps)
    if not outputs:
        for per_input in numerical:
            for jac in per_input:
                if np.any(jac != 0):
                    raise GradcheckError(errors.GRADCHECK_NUMERICAL_NOT_ZERO)
        return True
    diff_inputs = _diff_inputs(inputs)
    for i, o in enumerate(outputs):
        position = next(k for k, f in enumerate(floating) if f is o)
        analytical = _checked_analytical_jacobian(o, diff_inputs, nondet_tol)
        for j, a in enumerate(analytical):
            n = numerical[j][position]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                raise GradcheckError(_mismatch_message(a, n, i, j))
    _test_backward_mul_by_grad_output(outputs, inputs)
    return True


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0):
    """Check the gradients of ``func`` at ``inputs`` (a Tensor or a tuple) against finite
    differences. Returns True, or raises ``GradcheckError`` (returns False with
    ``raise_exception=False``)."""
    try:
        return _gradcheck(func, inputs, eps, atol, rtol, nondet_tol)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, nondet_tol=0.0):
    """Check second derivatives: gradcheck of the function that maps
    ``(inputs, grad_outputs)`` to the gradients ``grad(func(inputs), inputs,
    grad_outputs, create_graph=True)``. Without ``grad_outputs``, random ones in
    [-1, 1) are drawn (from the global generator) for the differentiable outputs."""
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            (rand(*o.shape, dtype=o.dtype) * 2 - 1).requires_grad_() for o in outputs
        )
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_indices = {i for i, x in enumerate(tupled_inputs)
                          if isinstance(x, Tensor) and x.requires_grad}
    diff_grad_output_indices = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = args[:-num_outputs]
        outputs = _differentiable_outputs(func(*input_args))
        grad_outs = tuple(x.requires_grad_() if i in diff_grad_output_indices else x
                          for i, x in enumerate(args[-num_outputs:]))
        diff_input_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_indices)
        grad_inputs = grad(outputs, diff_input_args, grad_outs, create_graph=True,
                           allow_unused=True)
        return tuple(g for g in grad_inputs if g is not None)

    return gradcheck(new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol)
