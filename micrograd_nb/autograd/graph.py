"""The graph core shared by ``Value`` and ``Tensor``.

It knows nodes, their parents, whether their saved values were freed, the order in
which a backward pass visits them, grad mode, and who listens to a pass. It does not
know numpy: the gradients it moves are whatever the nodes return (floats, arrays, or
``Value``/``Tensor`` objects when ``create_graph=True``).

A node is any object with these members (``Value`` and the tensor ``Function`` nodes
implement them):

``_seq``         creation order; parents are always created before their children,
                 so sorting by ``_seq`` descending is a topological order.
``_prev``        the parent nodes (``None`` where an input needs no gradient).
``_pre_hooks``   callables run on the incoming gradient first (tensor hooks).
``_accumulates`` True where ``backward()`` adds the gradient into a ``.grad``.
``_accumulate(g)``, ``_apply(g, create_graph)`` -> a gradient per parent,
``_release()``   frees what the node saved, after a pass without retain_graph.
"""

import itertools
from contextlib import ContextDecorator
from operator import attrgetter

next_seq = itertools.count().__next__


class _GradMode:
    enabled = True
    detect_anomaly = False


def is_grad_enabled():
    return _GradMode.enabled


class _SetGradMode(ContextDecorator):
    """Base of the grad-mode context managers; a stack makes them re-entrant."""

    mode = True

    def __init__(self):
        self._previous = []

    def __enter__(self):
        self._previous.append(_GradMode.enabled)
        _GradMode.enabled = self.mode

    def __exit__(self, *exc_info):
        _GradMode.enabled = self._previous.pop()
        return False


class no_grad(_SetGradMode):
    """Operations inside build no graph (``torch.no_grad``)."""

    mode = False


class enable_grad(_SetGradMode):
    """Re-enables graph building inside ``no_grad`` (``torch.enable_grad``)."""

    mode = True


class set_grad_enabled(_SetGradMode):
    """Like ``torch.set_grad_enabled``: takes effect at once when called, and is undone on
    leaving a ``with`` block or, as a decorator, around each call."""

    def __init__(self, mode):
        super().__init__()
        self.mode = bool(mode)
        self._outer = _GradMode.enabled  # what a ``with`` block restores
        _GradMode.enabled = self.mode

    def __enter__(self):
        outer, self._outer = self._outer, None
        super().__enter__()
        if outer is not None:
            self._previous[-1] = outer

    def __call__(self, func):
        _GradMode.enabled, self._outer = self._outer, None
        return super().__call__(func)


class set_detect_anomaly:
    """``torch.autograd.set_detect_anomaly(mode, check_nan=True)``: backward checks every
    node's output for NaN and names the node that made it."""

    def __init__(self, mode, check_nan=True):
        self._previous = _GradMode.detect_anomaly
        _GradMode.detect_anomaly = bool(mode) and check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _GradMode.detect_anomaly = self._previous
        return False


class detect_anomaly(set_detect_anomaly):
    def __init__(self, check_nan=True):
        super().__init__(True, check_nan)


def is_anomaly_enabled():
    return _GradMode.detect_anomaly


# ---------------------------------------------------------------------------------------
# Listeners: the record hook. Visualisation listens here; it never patches the engine.

_listeners = []


def add_listener(listener):
    _listeners.append(listener)


def remove_listener(listener):
    _listeners.remove(listener)


class PassInfo:
    """What a listener is told when a pass starts."""

    __slots__ = ("kind", "outputs", "seeds", "implicit", "create_graph", "retain_graph",
                 "first_seq", "last_seq")

    def __init__(self, kind, outputs, seeds, implicit, create_graph, retain_graph):
        self.kind = kind  # "backward" or "grad"
        self.outputs = outputs  # the user's outputs (Value/Tensor objects)
        self.seeds = seeds  # the seed gradient of each output
        self.implicit = implicit  # per output: was the seed created implicitly (1.0)?
        self.create_graph = create_graph
        self.retain_graph = retain_graph
        # Nodes whose _seq lies in [first_seq, last_seq) were made by this pass: with
        # create_graph=True they form the graph of the gradient itself.
        self.first_seq = None
        self.last_seq = None


def _notify(event, *args):
    for listener in tuple(_listeners):
        getattr(listener, event)(*args)


# ---------------------------------------------------------------------------------------
# The backward driver.

by_seq = attrgetter("_seq")


def reverse_topological_order(roots):
    """Every node reachable from ``roots``, children before parents. Iterative: a
    million-node chain needs no recursion."""
    seen = set(roots)
    stack = list(seen)
    while stack:
        for parent in stack.pop()._prev:
            if parent is not None and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return sorted(seen, key=by_seq, reverse=True)


def _nodes_leading_to(order, targets):
    """The nodes of ``order`` from which a target can be reached (targets included)."""
    needed = set(targets)
    for node in reversed(order):  # parents first
        if node not in needed:
            for parent in node._prev:
                if parent in needed:
                    needed.add(node)
                    break
    return needed


def run_backward(roots, seeds, *, retain_graph, create_graph, info, targets=None):
    """Propagate ``seeds`` from ``roots`` to the leaves.

    ``targets`` is None for a plain ``backward()``: every node executes and every node
    that accumulates does. Otherwise it maps target nodes to a callback that takes the
    gradient arriving there (``backward(inputs=...)`` accumulates, ``grad()`` captures),
    and only nodes that lead to a target execute.
    """
    __tracebackhide__ = True
    order = reverse_topological_order(roots)
    needed = None if targets is None else _nodes_leading_to(order, targets)
    pending = {}
    for root, seed in zip(roots, seeds):
        pending[root] = pending[root] + seed if root in pending else seed

    listening = bool(_listeners)
    if listening:
        info.first_seq = next_seq()
        _notify("pass_started", info)
    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    try:
        for node in order:
            grad = pending.pop(node, None)
            if grad is None or (needed is not None and node not in needed):
                continue
            for hook in node._pre_hooks:
                grad = hook(grad)
            if targets is None:
                if node._accumulates:
                    node._accumulate(grad)
                    if listening:
                        _notify("leaf_accumulated", info, node, grad)
            elif node in targets:
                targets[node](grad)
                if listening:
                    _notify("leaf_accumulated", info, node, grad)
            parents = node._prev
            if not parents:
                continue
            parent_grads = node._apply(grad, create_graph)
            if listening:
                _notify("node_visited", info, node, grad, parent_grads)
            if not retain_graph:
                node._release()
            for parent, parent_grad in zip(parents, parent_grads):
                if parent is None or parent_grad is None:
                    continue
                if parent in pending:
                    pending[parent] = pending[parent] + parent_grad
                else:
                    pending[parent] = parent_grad
    except BaseException as error:
        _GradMode.enabled = previous_mode
        if listening:
            info.last_seq = next_seq()
            _notify("pass_ended", info, error)
        raise
    _GradMode.enabled = previous_mode
    if listening:
        info.last_seq = next_seq()
        _notify("pass_ended", info, None)
