"""``torch.autograd.functional``: Jacobians, Hessians and their products with vectors,
as functions of a function.

Everything is built on ``grad()``: a vector-Jacobian product is one reverse pass, a
Jacobian is one pass per output element, and the products that need forward mode
(``jvp``, ``hvp``) use the double-backward trick: ``u -> vjp(u)`` is linear in ``u``,
so differentiating it with respect to ``u`` (in the direction ``v``) gives ``J v``.

Signatures, return structures (a Tensor where PyTorch returns one, tuples where it
returns tuples) and error messages are PyTorch's. ``vectorize=True`` and
``strategy="forward-mode"`` are accepted with PyTorch's checks and give the same
result, computed one reverse pass per row: there is neither vmap nor forward-mode AD
here.
"""

from contextlib import nullcontext

from . import errors
from .api import grad
from .factories import zeros_like
from .functions import stack
from .graph import enable_grad
from .tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(inp, arg_name, fn_name):
    """(was it a tuple?, the tuple of Tensors)."""
    is_tuple = isinstance(inp, tuple)
    items = inp if is_tuple else (inp,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            if is_tuple:
                raise TypeError(errors.FUNCTIONAL_NOT_TENSOR_AT_INDEX.format(
                    arg_name=arg_name, fn_name=fn_name, index=i, type=type(el)))
            raise TypeError(errors.FUNCTIONAL_NOT_TENSOR.format(
                arg_name=arg_name, fn_name=fn_name, type=type(el)))
    return is_tuple, items


def _tuple_postprocess(res, to_unpack):
    """Undo ``_as_tuple``: a single input/output gives back a Tensor, not a 1-tuple.
    ``to_unpack`` is one flag, or (outputs flag, inputs flag) for nested results."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph, need_graph):
    """Fresh tensor objects for the inputs, so the function's graph starts at them even
    when the caller's tensors are captured by the function too (pytorch/pytorch#32576).
    With create_graph they stay connected to the caller's graph."""
    res = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            res.append(inp.view(inp.shape))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_postprocess(inputs, create_graph):
    # Without create_graph the results must not carry the graph built to compute them.
    if isinstance(inputs[0], Tensor):
        return inputs if create_graph else tuple(inp.detach() for inp in inputs)
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(errors.V_TUPLE_LENGTH.format(expected=len(other), got=len(v)))
        raise RuntimeError(errors.V_NOT_SINGLE)
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            if is_other_tuple:
                raise RuntimeError(errors.V_ENTRY_SIZE.format(
                    index=idx, expected=el_other.shape, got=el_v.shape))
            raise RuntimeError(errors.V_SIZE.format(expected=el_other.shape, got=el_v.shape))


_STRICT_MESSAGES = {
    "hessian": errors.STRICT_HESSIAN_INDEPENDENT,
    "jacobian": errors.STRICT_JACOBIAN_INDEPENDENT,
    "grad_inputs": errors.STRICT_GRAD_INPUTS_INDEPENDENT,
    "outputs": errors.STRICT_OUTPUT_NO_GRAD,
}


def _check_requires_grad(inputs, input_type, strict):
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(errors.STRICT_OUTPUT_INDEPENDENT.format(i=i))
        if not inp.requires_grad:
            raise RuntimeError(_STRICT_MESSAGES[input_type].format(i=i))


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``grad()`` that skips outputs which do not require grad (None for every input
    when none does) and never fails on an unused input."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    kept = [(out, g) for out, g in zip(outputs, grad_outputs)
            if out is not None and out.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    new_outputs, new_grad_outputs = zip(*kept)
    return grad(new_outputs, inputs, new_grad_outputs, allow_unused=True,
                create_graph=create_graph, retain_graph=retain_graph)


_FILL_MESSAGES = {
    "back": errors.STRICT_OUTPUT_INDEPENDENT,
    "back_trick": errors.STRICT_BACK_TRICK,
    "double_back": errors.STRICT_DOUBLE_BACK,
    "double_back_trick": errors.STRICT_DOUBLE_BACK_TRICK,
}


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    """A gradient that is None (the input was not used) is, mathematically, zero."""
    res = []
    for i, grads_i in enumerate(grads):
        if grads_i is None:
            if strict:
                raise RuntimeError(_FILL_MESSAGES[stage].format(i=i))
            grads_i = zeros_like(refs[i])
        elif strict and create_graph and not grads_i.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(errors.STRICT_CREATE_GRAPH.format(what=what, i=i))
        res.append(grads_i)
    return tuple(res)


def _grad_mode_for(create_graph):
    """The final pass runs in the caller's grad mode, or with grad on for create_graph."""
    return enable_grad() if create_graph else nullcontext()


def _prepare_v(v, others, is_others_tuple, create_graph, fn_name, missing_message):
    if v is None:
        if len(others) != 1 or others[0].numel() != 1:
            raise RuntimeError(missing_message)
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
    _validate_v(v, others, is_others_tuple)
    return v


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``v^T J`` at ``inputs``: returns ``(func(*inputs), vjp)``, the vjp shaped like
    the inputs."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        v = _prepare_v(v, outputs, is_outputs_tuple, create_graph, "vjp",
                       errors.V_NONE_FOR_OUTPUTS)
    with _grad_mode_for(create_graph):
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_inputs_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``J v`` at ``inputs``: returns ``(func(*inputs), jvp)``, the jvp shaped like the
    outputs. Computed by the double-backward trick (two reverse passes)."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, "jvp",
                       errors.V_NONE_FOR_INPUTS)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        # The vjp is linear in these dummy grad_outputs, so their value never shows in
        # the result; zeros just keep inf/nan out of it.
        grad_outputs = tuple(zeros_like(out).requires_grad_() for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    with _grad_mode_for(create_graph):
        grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_outputs_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``. ``jacobian[i][j]`` has shape
    ``outputs[i].shape + inputs[j].shape``; the tuple levels for a single output or a
    single input are dropped, as in PyTorch."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(errors.JACOBIAN_STRATEGY)
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(errors.JACOBIAN_FORWARD_CREATE_GRAPH)
        if strict:
            raise RuntimeError(errors.JACOBIAN_FORWARD_STRICT)
        if not vectorize:
            raise NotImplementedError(errors.JACOBIAN_FORWARD_NOT_VECTORIZED)
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if vectorize and strict:
            raise RuntimeError(errors.JACOBIAN_STRICT_VECTORIZE)
        jacobian = tuple(
            _jacobian_of_output(i, out, inputs, create_graph, strict)
            for i, out in enumerate(outputs)
        )
        jacobian = _grad_postprocess(jacobian, create_graph)
        return _tuple_postprocess(jacobian, (is_outputs_tuple, is_inputs_tuple))


def _jacobian_of_output(i, out, inputs, create_graph, strict):
    """One row per element of ``out`` (a reverse pass each), stacked per input."""
    rows = tuple([] for _ in inputs)
    flat = out.reshape(-1)
    for j in range(out.numel()):
        vj = _autograd_grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
        for el_idx, (rows_el, vj_el, inp_el) in enumerate(zip(rows, vj, inputs)):
            if vj_el is not None:
                if strict and create_graph and not vj_el.requires_grad:
                    raise RuntimeError(errors.STRICT_CREATE_GRAPH.format(what="jacobian", i=i))
                rows_el.append(vj_el)
            else:
                if strict:
                    raise RuntimeError(errors.STRICT_OUTPUT_I_INDEPENDENT.format(i=i, j=el_idx))
                rows_el.append(zeros_like(inp_el))
    return tuple(
        stack(rows_el, dim=0).view(tuple(out.shape) + tuple(inputs[el_idx].shape))
        for el_idx, rows_el in enumerate(rows)
    )


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: the Jacobian of its gradient.
    ``hessian[i][j]`` has shape ``inputs[i].shape + inputs[j].shape``."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(errors.HESSIAN_STRATEGY)

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError(errors.SINGLE_TENSOR_OUTPUT.format(fn_name="hessian"))
        if out.numel() != 1:
            raise RuntimeError(errors.SINGLE_ELEMENT_OUTPUT.format(fn_name="hessian"))
        return out.squeeze()

    def jac_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _single_scalar_output(outputs, is_outputs_tuple, fn_name):
    if is_outputs_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(errors.SINGLE_TENSOR_OUTPUT.format(fn_name=fn_name))
    if outputs[0].numel() != 1:
        raise RuntimeError(errors.SINGLE_ELEMENT_OUTPUT.format(fn_name=fn_name))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``v^T H`` of a scalar function: a vjp of its gradient. Returns
    ``(func(*inputs), vhp)``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, "vhp",
                       errors.V_NONE_FOR_INPUTS)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "vhp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        _single_scalar_output(outputs, is_outputs_tuple, "vhp")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
    with _grad_mode_for(create_graph):
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_inputs_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``H v`` of a scalar function, by the double-backward trick applied to the
    gradient. Returns ``(func(*inputs), hvp)``; equal to ``vhp`` when H is symmetric."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, "hvp",
                       errors.V_NONE_FOR_INPUTS)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(
            outputs, "outputs of the user-provided function", "hvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        _single_scalar_output(outputs, is_outputs_tuple, "hvp")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        grad_jac = tuple(zeros_like(inp).requires_grad_() for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)
    with _grad_mode_for(create_graph):
        grad_res = _autograd_grad(double_back, grad_jac, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back_trick")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_inputs_tuple))
