"""PyTorch's own backward passes, told in the record hook's language (record.py).

Only torch's public API, and only once the user has imported torch (this module never
imports it): a ``TorchFunctionMode`` sees each ``Tensor.backward``,
``torch.autograd.backward`` and ``torch.autograd.grad`` call; for that call, a pre-hook
and a hook on every node of the graph (``grad_fn``/``next_functions``) report the
gradients in and out in the order torch's engine runs the nodes, ``AccumulateGrad``'s
hook each leaf's accumulation, and tensor hooks the gradients ``autograd.grad`` (or
``inputs=``) captures. Every hook is removed when the call returns or raises. The hooks
return ``None`` and keep copies only: torch computes exactly what it computes without
them.

While recording, module forward hooks note on each node (``node.metadata``) the
``nn.Module`` call that made it, so a big picture can collapse by module.
"""

import functools
import inspect
import sys
import weakref
from collections import deque
from contextlib import ExitStack, contextmanager

from .walk import breadth_first

MODULE_KEY = "micrograd_nb.module"  # in node.metadata: a weakref to the module that made it


def torch_if_imported():
    """The torch module if the user imported it, else None (never imports it)."""
    return sys.modules.get("torch")


@contextmanager
def watching_torch(listener, saved=False):
    """Tell ``listener`` (record.py's four methods) about every torch pass run inside;
    does nothing where torch is not imported."""
    torch = torch_if_imported()
    if torch is None or not hasattr(torch, "overrides"):
        yield
        return
    watch = _watch_class(torch)(listener, saved)
    with ExitStack() as stack:
        stack.callback(watch.remove_module_hooks)
        watch.add_module_hooks()
        stack.enter_context(watch)
        yield


@functools.cache
def _watch_class(torch):
    """The mode class, defined once torch is there (its base class lives in torch)."""

    class TorchPassWatch(torch.overrides.TorchFunctionMode):
        watched = {torch.Tensor.backward: ("backward", _signature(torch.Tensor.backward)),
                   torch.autograd.backward: ("backward", _signature(torch.autograd.backward)),
                   torch.autograd.grad: ("grad", _signature(torch.autograd.grad))}

        def __init__(self, listener, saved):
            super().__init__()
            self.listener = listener
            self.saved = saved
            self.module_handles = []
            self.module_inputs = {}  # id(module) -> stack of its calls' input nodes

        def __torch_function__(self, func, types, args=(), kwargs=None):
            __tracebackhide__ = True
            # Every torch call of the cell comes through here: the common case first.
            try:
                watched = self.watched.get(func)
            except TypeError:  # an unhashable callable: not one of ours
                watched = None
            if watched is None:
                return func(*args, **kwargs) if kwargs else func(*args)
            kwargs = kwargs or {}
            call = _Call.bind(torch, watched, args, kwargs)
            if call is None:  # arguments torch will reject: let it say so
                return func(*args, **kwargs)
            return _TorchPass(torch, call, self.listener, self.saved).run(func, args, kwargs)

        # Module calls: which module made each node, for pictures that collapse by module.
        def add_module_hooks(self):
            hooks = torch.nn.modules.module
            self.module_handles = [hooks.register_module_forward_pre_hook(self._module_called),
                                   hooks.register_module_forward_hook(self._module_returned)]

        def remove_module_hooks(self):
            for handle in self.module_handles:
                handle.remove()
            self.module_handles = []

        def _module_called(self, module, args):
            self.module_inputs.setdefault(id(module), []).append(
                {id(n) for n in _input_nodes(torch, args)})

        def _module_returned(self, module, args, output):
            calls = self.module_inputs.get(id(module))
            inputs = calls.pop() if calls else set()
            ref = weakref.ref(module)
            # Innermost modules return first: a node keeps the first module that claims it.
            queue = deque(_output_nodes(torch, output))
            while queue:
                node = queue.popleft()
                if id(node) in inputs or MODULE_KEY in node.metadata:
                    continue
                node.metadata[MODULE_KEY] = ref
                queue.extend(n for n, _ in node.next_functions if n is not None)

    return TorchPassWatch


def _signature(func):
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def _tensors(torch, value):
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, torch.Tensor)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, torch.Tensor)]
    return []


def gradient_node(torch, tensor):
    """The node a gradient for ``tensor`` enters: its grad_fn, or a leaf's
    AccumulateGrad; None where it needs no gradient."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn
    if tensor.requires_grad:
        return torch.autograd.graph.get_gradient_edge(tensor).node
    return None


def _input_nodes(torch, args):
    nodes = []
    for value in args:
        for t in _tensors(torch, value):
            node = gradient_node(torch, t)
            if node is not None:
                nodes.append(node)
    return nodes


def _output_nodes(torch, output):
    return [t.grad_fn for t in _tensors(torch, output) if t.grad_fn is not None]


def _as_list(torch, value, n=None):
    if value is None:
        return [None] * (n or 0)
    if isinstance(value, torch.Tensor):
        return [value]
    return list(value)


class _Call:
    """A backward/grad call's arguments, in the pass language's terms."""

    @classmethod
    def bind(cls, torch, watched, args, kwargs):
        kind, signature = watched
        if signature is None:
            return None
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return None
        bound.apply_defaults()
        a = bound.arguments
        call = cls()
        call.kind = kind
        if kind == "grad":
            call.outputs = _as_list(torch, a["outputs"])
            seeds = a["grad_outputs"]
            call.inputs = _as_list(torch, a["inputs"])
        elif "self" in a:  # Tensor.backward
            call.outputs = [a["self"]]
            seeds = a["gradient"]
            call.inputs = _as_list(torch, a["inputs"])
        else:
            call.outputs = _as_list(torch, a["tensors"])
            seeds = a["grad_tensors"] if a["grad_tensors"] is not None else a.get("grad_variables")
            call.inputs = _as_list(torch, a["inputs"])
        if not all(isinstance(t, torch.Tensor) for t in call.outputs + call.inputs):
            return None  # GradientEdge and other exotic targets: run without a picture
        call.seeds = _as_list(torch, seeds, len(call.outputs))
        if len(call.seeds) != len(call.outputs):
            return None
        call.create_graph = bool(a["create_graph"])
        retain = a["retain_graph"]
        call.retain_graph = call.create_graph if retain is None else bool(retain)
        return call


class TorchPassInfo:
    """What a listener is told when a torch pass starts (record.py's ``PassInfo`` for
    torch): the same fields, plus what torch's picture needs."""

    engine = "torch"

    def __init__(self, call, seeds, before):
        self.kind = call.kind
        self.outputs = call.outputs
        self.inputs = call.inputs
        self.seeds = seeds
        self.implicit = [s is None for s in call.seeds]
        self.create_graph = call.create_graph
        self.retain_graph = call.retain_graph
        self.before = before  # the graph's nodes before the pass
        self.failed_at = None  # the node that was running when the pass raised
        self.saved = {}  # node -> ((name, value), ...) when asked for

    def made_by_pass(self, node):
        """Was ``node`` made by this pass (the gradient's own graph, create_graph=True)?"""
        return node not in self.before


def graph_nodes(roots, limit=None):
    """The nodes reachable from ``roots`` through next_functions, breadth first in
    next_functions order (walk.py), at most ``limit`` of them; returns (nodes,
    complete)."""
    return breadth_first(roots, _next_nodes, limit)


def _next_nodes(node):
    return [parent for parent, _ in node.next_functions]


def saved_values(node):
    """A node's saved tensors and arguments (its ``_saved_*`` attributes), as copies;
    freed ones are left out."""
    values = []
    for attr in sorted(a for a in dir(node) if a.startswith("_saved_")):
        try:
            value = getattr(node, attr)
        except RuntimeError:  # freed after a pass without retain_graph
            continue
        values.append((attr[len("_saved_"):], _copy(value)))
    return tuple(values)


def _copy(value):
    if hasattr(value, "detach"):
        return value.detach().clone()
    return value


class _TorchPass:
    """One recorded torch call: hooks on, run, hooks off."""

    def __init__(self, torch, call, listener, saved):
        self.torch = torch
        self.call = call
        self.listener = listener
        self.saved = saved
        self.running = None
        self.capture_nodes = set()

    def _snapshot(self, grad):
        """A gradient as it was at this step: the engine may add into its buffers later.
        With create_graph=True the gradient itself (its graph is part of the picture)."""
        if grad is None or not isinstance(grad, self.torch.Tensor):
            return grad
        if not grad.requires_grad:  # every gradient of a plain pass: no graph to cut
            return grad.clone()
        if self.call.create_graph:
            return grad
        return grad.detach().clone()

    def run(self, func, args, kwargs):
        __tracebackhide__ = True
        torch, call = self.torch, self.call
        roots = [gradient_node(torch, t) for t in call.outputs]
        nodes, _ = graph_nodes(roots)
        seeds = [self._seed(out, seed) for out, seed in zip(call.outputs, call.seeds)]
        self.info = info = TorchPassInfo(call, seeds, frozenset(nodes))
        handles = []
        try:
            for node in nodes:
                handles.append(node.register_prehook(functools.partial(self._entering, node)))
                handles.append(node.register_hook(functools.partial(self._ran, node)))
            captured = self._captured_inputs()
            self.capture_nodes = {gradient_node(torch, t) for t in captured}
            for tensor in captured:
                handles.append(tensor.register_hook(
                    functools.partial(self._captured, gradient_node(torch, tensor))))
            self.listener.pass_started(info)
            try:
                result = func(*args, **kwargs)
            except BaseException as error:
                info.failed_at = self.running
                self.listener.pass_ended(info, error)
                raise
            self.listener.pass_ended(info, None)
            return result
        finally:
            for handle in handles:
                handle.remove()

    def _seed(self, output, seed):
        torch = self.torch
        if seed is not None:
            return _copy(seed) if isinstance(seed, torch.Tensor) else seed
        if output.numel() == 1:
            with torch.no_grad():
                return torch.ones_like(output)
        return None  # torch will say that an implicit seed needs a scalar

    def _captured_inputs(self):
        """Inputs whose gradient is captured rather than accumulated by AccumulateGrad:
        every input of autograd.grad, and the non-leaf inputs of backward(inputs=...)."""
        return [t for t in self.call.inputs if t.requires_grad
                and (self.call.kind == "grad" or t.grad_fn is not None)]

    def _entering(self, node, grad_outputs):
        self.running = node
        if self.saved:
            self.info.saved[node] = saved_values(node)

    def _ran(self, node, grad_inputs, grad_outputs):
        self.running = None
        if node in self.capture_nodes and all(g is None for g in grad_inputs):
            return  # only captured there: torch calls its hooks but does not run it
        if type(node).__name__ == "AccumulateGrad":
            self.listener.leaf_accumulated(self.info, node, self._snapshot(grad_outputs[0]))
            return
        grad_in = (self._snapshot(grad_outputs[0]) if len(grad_outputs) == 1
                   else tuple(self._snapshot(g) for g in grad_outputs))
        self.listener.node_visited(self.info, node, grad_in,
                                   tuple(self._snapshot(g) for g in grad_inputs))

    def _captured(self, node, grad):
        self.listener.leaf_accumulated(self.info, node, self._snapshot(grad))
