"""``record()``: watch backward passes as they run.

    with micrograd_nb.autograd.record() as passes:
        loss.backward()
    passes[0].steps  # every node visited and leaf accumulated, in order

The engine announces each pass to its listeners (graph.py); this module turns the
announcements into ``RecordedPass`` objects. The visualisation is built on it.

Passes PyTorch runs are recorded too, once the user has imported torch: torch_passes.py
tells the same four announcements about torch's engine, so a pass reads the same
whichever engine ran it (``RecordedPass.engine`` says which).
"""

from contextlib import contextmanager

import numpy as np

from . import graph
from .function import saved_arrays
from .torch_passes import watching_torch


def _snapshot(grad):
    """Gradients are recorded as they were at that step (``.grad`` is later updated in
    place)."""
    return np.array(grad, copy=True) if isinstance(grad, np.ndarray) else grad


class Step:
    """One step of a pass: ``kind`` is "visit" (a node ran its backward rule: gradient
    in, one gradient out per parent) or "accumulate" (a leaf's ``.grad`` received
    ``grad_in``)."""

    __slots__ = ("kind", "node", "grad_in", "grads_out")

    def __init__(self, kind, node, grad_in, grads_out=()):
        self.kind = kind
        self.node = node
        self.grad_in = grad_in
        self.grads_out = grads_out

    def __repr__(self):
        name = self.node.name() if hasattr(self.node, "name") else repr(self.node)
        return f"Step({self.kind}, {name})"


class RecordedPass:
    """One backward pass: what started it, each step, and how it ended."""

    def __init__(self, info):
        self.engine = getattr(info, "engine", "micrograd_nb")  # or "torch"
        self.kind = info.kind  # "backward" or "grad"
        self.outputs = info.outputs
        self.inputs = getattr(info, "inputs", None)
        self.seeds = [_snapshot(s) for s in info.seeds]
        self.implicit = info.implicit
        self.create_graph = info.create_graph
        self.retain_graph = info.retain_graph
        self.steps = []
        self.error = None
        self.failed_at = None  # torch passes: the node that raised
        self.finished = False
        self._info = info
        self._own_saved = {}  # our engine's nodes, with record(saved=True): see Recorder

    @property
    def saved(self):
        """torch passes recorded with ``saved=True``: node -> its saved values, read
        before the node ran (a pass without retain_graph frees them)."""
        return getattr(self._info, "saved", self._own_saved)

    def made_by_pass(self, node):
        """Was ``node`` created while this pass ran (the graph of the gradient, with
        create_graph=True)?"""
        if self.engine == "torch":
            return self._info.made_by_pass(node)
        first, last = self._info.first_seq, self._info.last_seq
        return first is not None and first < node._seq and (last is None or node._seq < last)

    def __repr__(self):
        state = "failed" if self.error else "finished" if self.finished else "running"
        return (f"<RecordedPass {self.kind} create_graph={self.create_graph} "
                f"steps={len(self.steps)} {state}>")


class Recorder(list):
    """A listener that keeps every pass it hears about, in order."""

    def __init__(self, saved=False):
        super().__init__()
        self._running = {}
        self.keep_saved = saved

    def _keep_saved(self, recorded, node):
        """What one of our tensor nodes saved for its rule (input positions and "ans"),
        copied before the pass frees it: practice mode's hints quote these numbers."""
        saved = saved_arrays(node)
        if saved is not None:
            recorded._own_saved[node] = tuple(
                (key, np.array(array, copy=True)) for key, array in saved)

    def pass_started(self, info):
        recorded = RecordedPass(info)
        self._running[id(info)] = recorded
        self.append(recorded)

    def node_visited(self, info, node, grad_in, grads_out):
        if self.keep_saved and getattr(info, "engine", "micrograd_nb") != "torch":
            self._keep_saved(self._running[id(info)], node)
        self._running[id(info)].steps.append(
            Step("visit", node, _snapshot(grad_in), tuple(_snapshot(g) for g in grads_out)))

    def leaf_accumulated(self, info, node, grad):
        self._running[id(info)].steps.append(Step("accumulate", node, _snapshot(grad)))

    def pass_ended(self, info, error):
        recorded = self._running.pop(id(info))
        recorded.error = error
        recorded.failed_at = getattr(info, "failed_at", None)
        recorded.finished = error is None


@contextmanager
def record(listener=None, *, saved=False):
    """Record every backward pass (``backward()``, ``autograd.grad``, create_graph
    passes) run inside the block, micrograd_nb's and (if imported) PyTorch's. Yields the
    list of ``RecordedPass``; a custom ``listener`` with the same four methods as
    ``Recorder`` may be given instead. ``saved=True`` keeps what each node saved
    for its backward (``RecordedPass.saved``): a torch node's ``_saved_*`` values, our
    tensor nodes' saved arrays."""
    listener = Recorder(saved) if listener is None else listener
    graph.add_listener(listener)
    try:
        with watching_torch(listener, saved=saved):
            yield listener
    finally:
        graph.remove_listener(listener)
