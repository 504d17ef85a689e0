"""``backward()`` and ``grad()``: PyTorch's entry points into the graph core, for
``Tensor`` and ``Value`` alike.

Everything PyTorch checks before it touches a gradient (non-scalar output, shape
mismatch, count mismatch, output without grad_fn) is checked here first, so a failing
call leaves every ``.grad`` as it was.
"""

import warnings

import numpy as np

from . import arrays, errors, function, graph
from .function import accumulate_into
from .involved import involving
from .tensor import Tensor
from .value import Value, run_plain_backward


def _as_list(x):
    if isinstance(x, (Tensor, Value)):
        return [x]
    return list(x)


def _shape_text(shape):
    from .dtypes import Size

    return repr(Size(shape))


def _seeds(outputs, grad_outputs, create_graph):
    """The node and seed gradient of each output, and whether the seed was implicit."""
    __tracebackhide__ = True
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = _as_list(grad_outputs)
        if len(grad_outputs) != len(outputs):
            raise RuntimeError(errors.COUNT_MISMATCH.format(outputs=len(outputs),
                                                            grads=len(grad_outputs)))
    seeds, implicit = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if isinstance(out, Value):
            seeds.append(1 if g is None else g)  # micrograd's int seed: grads print alike
            implicit.append(g is None)
            continue
        if not isinstance(out, Tensor):
            raise TypeError(f"expected a Tensor or Value as output {i}, got "
                            f"{type(out).__name__}")
        if g is None:
            if out.requires_grad and out._data.size != 1:
                raise RuntimeError(errors.NON_SCALAR_OUTPUT)
            seed = np.ones(out._data.shape, dtype=out._data.dtype)
            seeds.append(Tensor._make(seed) if create_graph else seed)
            implicit.append(True)
            continue
        if not isinstance(g, Tensor):
            raise TypeError(errors.GRADIENT_TYPE.format(type_name=type(g).__name__))
        if g._data.shape != out._data.shape:
            raise RuntimeError(errors.SHAPE_MISMATCH.format(
                index=i, grad_shape=_shape_text(g._data.shape),
                output_shape=_shape_text(out._data.shape)))
        if g._data.dtype != out._data.dtype:
            g = g.to(out.dtype)
        seeds.append(g if create_graph else g._data)
        implicit.append(False)
    roots = []
    for i, out in enumerate(outputs):
        if isinstance(out, Value):
            roots.append(out)
        elif out.grad_fn is None and not out.requires_grad:
            raise RuntimeError(errors.NO_GRAD_FN.format(index=i))
        else:
            roots.append(out._grad_node())
    return roots, seeds, implicit


def _input_node(x):
    if isinstance(x, Value):
        return x
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a Tensor or Value as input, got {type(x).__name__}")
    if not x.requires_grad:
        raise RuntimeError(errors.INPUT_NOT_REQUIRING_GRAD)
    return x._grad_node()


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad``
    (``torch.autograd.backward``)."""
    __tracebackhide__ = True  # IPython and pytest show the user's line, not ours
    outputs = _as_list(tensors)
    with involving(call="backward", outputs=outputs,
                   gradients=None if grad_tensors is None else _as_list(grad_tensors)):
        _backward(outputs, grad_tensors, retain_graph, create_graph, inputs)


def _backward(outputs, grad_tensors, retain_graph, create_graph, inputs):
    __tracebackhide__ = True
    if retain_graph is None:
        retain_graph = create_graph
    roots, seeds, implicit = _seeds(outputs, grad_tensors, create_graph)
    targets = None
    if inputs is not None:
        inputs = _as_list(inputs)
        if not inputs:
            raise RuntimeError(errors.EMPTY_BACKWARD_INPUTS)
        targets = {}
        for x in inputs:
            node = _input_node(x)
            targets[node] = x._accumulate if isinstance(x, Value) else _accumulator_for(x)
    if create_graph and not _warned_create_graph and any(isinstance(o, Tensor) for o in outputs):
        _warn_create_graph_once()
    info = graph.PassInfo("backward", outputs, seeds, implicit, create_graph, retain_graph)
    _run(roots, seeds, retain_graph, create_graph, info, targets)


_warned_create_graph = False


def _warn_create_graph_once():
    # PyTorch warns once per process, from its engine.
    global _warned_create_graph
    _warned_create_graph = True
    warnings.warn(errors.CREATE_GRAPH_CYCLE_WARNING, UserWarning, stacklevel=4)


def _run(roots, seeds, retain_graph, create_graph, info, targets):
    __tracebackhide__ = True
    if function.tracer is not None:
        function.tracer.refuse("backward")
    # Rules divide by zero and take logs of zero as PyTorch does (inf, nan), silently.
    with arrays.silent_block():
        if _is_plain_value_pass(roots, seeds, create_graph, targets):
            run_plain_backward(roots, seeds, retain_graph)
        else:
            graph.run_backward(roots, seeds, retain_graph=retain_graph,
                               create_graph=create_graph, info=info, targets=targets)


def _is_plain_value_pass(roots, seeds, create_graph, targets):
    """True for a micrograd ``backward()``: Values alone, every node accumulating, no
    graph of the gradient, nobody listening (a listener is told of every node)."""
    return (targets is None and not create_graph and not graph._listeners
            and all(isinstance(root, Value) for root in roots)
            and not any(isinstance(seed, Value) for seed in seeds))


def _accumulator_for(t):
    return lambda g: accumulate_into(t, g)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than
    accumulated (``torch.autograd.grad``)."""
    if materialize_grads and allow_unused is False:
        raise ValueError(errors.MATERIALIZE_GRADS_NOT_UNUSED)
    if allow_unused is None:
        allow_unused = materialize_grads
    if is_grads_batched:
        raise NotImplementedError("is_grads_batched=True is not supported")
    __tracebackhide__ = True
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    with involving(call="grad", outputs=outputs, inputs=inputs,
                   gradients=None if grad_outputs is None else _as_list(grad_outputs)):
        return _grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                     materialize_grads)


def _grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
          materialize_grads):
    __tracebackhide__ = True
    if not inputs:
        raise RuntimeError(errors.EMPTY_INPUTS)
    if retain_graph is None:
        retain_graph = create_graph
    roots, seeds, implicit = _seeds(outputs, grad_outputs, create_graph)
    nodes = [_input_node(x) for x in inputs]
    captured = {}
    targets = {node: (lambda g, node=node: captured.__setitem__(node, g)) for node in nodes}
    info = graph.PassInfo("grad", outputs, seeds, implicit, create_graph, retain_graph)
    _run(roots, seeds, retain_graph, create_graph, info, targets)
    results = []
    for i, (x, node) in enumerate(zip(inputs, nodes)):
        g = captured.get(node)
        if g is None:
            if not allow_unused:
                raise RuntimeError(errors.UNUSED_INPUT.format(index=i))
            if materialize_grads:
                g = 0.0 if isinstance(x, Value) else np.zeros_like(x._data)
        if isinstance(x, Tensor) and g is not None and not isinstance(g, Tensor):
            g = Tensor._make(np.array(g, dtype=x._data.dtype, copy=True))
        results.append(g)
    return tuple(results)
