"""What a picture of an autograd graph shows, independent of how it is drawn.

``graph_of(target)`` reads the graph behind a ``Value`` or ``Tensor``; ``graph_of_pass``
reads a recorded backward pass (``micrograd_nb.autograd.record``) and adds what the pass
did: the seed gradient, the order in which nodes were visited, the gradient along each
edge, each leaf's ``.grad`` as it accumulated, and the nodes that a ``create_graph=True``
pass built (the graph of the gradient itself).

Node ids follow creation order (``n0, n1, ...`` by the engine's ``_seq``), never
``id()``, so the same cell gives the same picture byte for byte.
"""

import re
from dataclasses import dataclass, field

import numpy as np

from ..autograd.formatting import format_array
from ..autograd.function import AccumulateGrad
from ..autograd.tensor import Tensor
from ..autograd.value import Value
from ..autograd.walk import breadth_first

# How far a walk goes before it stops: pictures of huge graphs are collapsed anyway, and
# a walk over millions of nodes would make a cell hang.
WALK_LIMIT_FACTOR = 20


@dataclass
class Node:
    id: str
    kind: str  # "leaf", "op", "output" or "collapsed"
    title: str  # a tensor op's grad_fn name (MulBackward0), or a name from the notebook
    op: str = None  # a Value's op ('*', 'tanh'): Values hold data and op in one node
    shape: tuple = None
    data: str = None
    grad: str = None  # .grad after everything the picture shows
    made_by_pass: bool = False  # built by a create_graph=True pass
    order: int = None  # when the pass visited it (1 = first)
    collapsed: int = 0  # how many engine nodes this picture node stands for
    saved: tuple = None  # (name, text) of what the node saved for backward, on request


@dataclass
class Edge:
    src: str  # input side (drawn as in the forward direction: inputs -> op -> output)
    dst: str
    grad: str = None  # the gradient that flowed from dst back to src in the pass
    made_by_pass: bool = False
    use: int = 1  # which use of src by dst: ``x * x`` draws two edges from x, uses 1 and 2

    @property
    def key(self):
        return edge_key(self.src, self.dst, self.use)


def edge_key(src, dst, use=1):
    """An edge's key in frames and in the stepper: "src->dst", and "src->dst#2" for the
    second edge where dst uses src twice (``x * x``: one edge per operand, each carrying
    its own gradient, so "used twice, two gradients" shows)."""
    return f"{src}->{dst}" if use == 1 else f"{src}->{dst}#{use}"


def edge_ends(key):
    """(src, dst) of an edge key."""
    src, dst = key.split("->", 1)
    return src, dst.split("#", 1)[0]


def operand_uses(parents, ids):
    """For each input of a node, in argument order: (its picture id, which use of it this
    is: 1, or 2 for the second operand of ``x * x``), or None where the input is not drawn
    (it needs no gradient, or was left out)."""
    uses, out = {}, []
    for parent in parents:
        picture_id = None if parent is None else ids.get(parent)
        if picture_id is None:
            out.append(None)
            continue
        use = uses[parent] = uses.get(parent, 0) + 1
        out.append((picture_id, use))
    return out


@dataclass
class Frame:
    """One step of a pass, for the stepper. It holds what this step changed only (the
    state at step k is frames 0..k applied in order), so a saved stepper stays small."""

    active: str  # node being processed
    kind: str  # "seed", "visit", "accumulate"
    grads: dict  # node id -> its running .grad text, for the node this step accumulated
    edges: dict  # edge key (edge_key) -> gradient text, for the edges this step sent one on
    caption: str


@dataclass
class Graph:
    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    seed: str = None  # the seed gradient's text
    seed_implicit: bool = None
    seed_target: str = None  # node id the seed enters
    notes: list = field(default_factory=list)  # what was collapsed or left out
    frames: list = field(default_factory=list)
    title: str = ""

    def node(self, node_id):
        return next(n for n in self.nodes if n.id == node_id)


# ---------------------------------------------------------------------------------------
# Text of values: short, for a box in a picture.

# The texts of small arrays, by content: a pass shows each gradient on an edge, in a
# caption and in practice mode's questions, and a cell run again shows the same numbers.
_SHORT_TEXTS = {}
_SHORT_TEXTS_LIMIT = 10_000  # entries; then it starts again
_CACHED_SIZE = 64  # elements: a key costs a copy of the bytes


def short(value, width=40):
    """A compact text for a number, an array, a Tensor or a Value."""
    if value is None:
        return None
    if isinstance(value, Value):
        value = value.data
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        text = f"{float(value):.4g}"
        return text + ".0" if text.lstrip("-").isdigit() else text  # 1.0, not 1
    array = np.asarray(value)
    if array.size > _CACHED_SIZE or array.dtype.kind not in "fiub":
        return _array_text(array, width)
    key = (array.dtype.char, array.shape, array.tobytes(), width)
    text = _SHORT_TEXTS.get(key)
    if text is None:
        if len(_SHORT_TEXTS) >= _SHORT_TEXTS_LIMIT:
            _SHORT_TEXTS.clear()
        text = _SHORT_TEXTS[key] = _array_text(array, width)
    return text


def _array_text(array, width):
    """``short`` of an array, worked out."""
    if array.dtype.kind in "fiu" and array.ndim == 1 and array.size > 6:
        # a long vector: its first and last two, in PyTorch's format, as torch summarises
        ends = format_array(np.concatenate([array[:2], array[-2:]]).astype(np.float64), 0)
        items = ends.strip("[]").split(",")
        text = f"[{','.join(items[:2])}, ...,{','.join(items[2:])}]"
    elif array.dtype.kind in "fiu" and array.size <= 6:
        # PyTorch's format (tensor([ 0.2000,  4.0000, 60.0000])), as the rest of the kit
        # prints tensors, rows joined onto one line
        text = re.sub(r"\n\s*", " ", format_array(array.astype(np.float64), 0))
    else:
        text = np.array2string(array.astype(np.float64) if array.dtype.kind in "fiu"
                               else array, precision=3, separator=", ", threshold=6,
                               edgeitems=2, max_line_width=10_000, suppress_small=True)
        text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------------------------------
# Walking the engine's graph.

def _engine_parents(node):
    return [p for p in node._prev if p is not None]


def _root_node(target):
    if isinstance(target, Value):
        return target
    if isinstance(target, Tensor):
        if target.grad_fn is not None:
            return target.grad_fn
        if target.requires_grad:
            return target._grad_node()
        return None
    raise TypeError(f"cannot draw a {type(target).__name__}: expected a Value, a Tensor or "
                    "a recorded pass")


class _Builder:
    """Turns engine nodes into picture nodes, with ids in creation order."""

    def __init__(self, names, show_values):
        self.names = names or {}  # id(Value/Tensor, or a tensor's grad_fn) -> name
        self.show_values = show_values
        self.ids = {}

    def assign_ids(self, engine_nodes):
        for i, node in enumerate(sorted(engine_nodes, key=lambda n: n._seq)):
            self.ids[node] = f"n{i}"

    def name_of(self, obj):
        return self.names.get(id(obj))

    def node(self, engine_node, outputs):
        node_id = self.ids[engine_node]
        values = self.show_values
        if isinstance(engine_node, Value):
            kind = "output" if engine_node in outputs else "op" if engine_node._prev else "leaf"
            return Node(node_id, kind, self.name_of(engine_node) or "", op=engine_node._op,
                        data=short(engine_node.data) if values else None,
                        grad=short(engine_node.grad) if values else None)
        if isinstance(engine_node, AccumulateGrad):
            leaf = engine_node.variable
            return Node(node_id, "leaf", self.name_of(leaf) or "leaf", shape=tuple(leaf.shape),
                        data=short(leaf._data) if values else None,
                        grad=short(leaf._grad) if values and leaf._grad is not None else None)
        kind = "output" if engine_node in outputs else "op"
        title = engine_node.name()
        output = outputs.get(engine_node)
        data = None
        if output is not None and values:
            data = short(output._data)
        # An intermediate's name is found by its grad_fn (the picture never holds it).
        name = self.name_of(output) if output is not None else self.name_of(engine_node)
        title = f"{name} = {title}" if name else title
        return Node(node_id, kind, title, shape=tuple(engine_node._shape), data=data)


def _edges(builder, engine_nodes, made_by=None):
    return edges_between(builder.ids, sorted(engine_nodes, key=lambda n: n._seq),
                         _engine_parents, made_by)


def edges_between(ids, ordered_nodes, parents_of, made_by=None):
    """An edge from each input to the node that used it, one per operand (``x * x`` has
    two edges from x, uses 1 and 2); ``made_by(node)`` marks the edges of nodes a
    create_graph pass built. ``ids`` maps an engine's nodes to picture ids; both engines'
    pictures are joined up here."""
    edges = []
    for node in ordered_nodes:
        by_pass = bool(made_by and made_by(node))
        for drawn in operand_uses(parents_of(node), ids):
            if drawn is not None:
                edges.append(Edge(drawn[0], ids[node], made_by_pass=by_pass, use=drawn[1]))
    return edges


def _outputs_of(targets):
    """engine node -> the user's output object, for the outputs that are not leaves."""
    outputs = {}
    for t in targets:
        if isinstance(t, Tensor) and t.grad_fn is not None:
            outputs[t.grad_fn] = t
        elif isinstance(t, Value):
            outputs[t] = t
    return outputs


def graph_of(targets, *, names=None, show_values=True, max_nodes=200):
    """The graph behind one or more Values/Tensors (no pass)."""
    targets = targets if isinstance(targets, (list, tuple)) else [targets]
    roots = [_root_node(t) for t in targets]
    engine_nodes, complete = breadth_first(roots, _engine_parents, max_nodes * WALK_LIMIT_FACTOR)
    builder = _Builder(names, show_values)
    builder.assign_ids(engine_nodes)
    outputs = _outputs_of(targets)
    graph = Graph(nodes=[builder.node(n, outputs) for n in sorted(engine_nodes,
                                                                  key=lambda n: n._seq)],
                  edges=_edges(builder, engine_nodes))
    if not complete:
        graph.notes.append(f"only the {len(engine_nodes)} nodes nearest the output were read")
    from .collapse import collapse

    return collapse(graph, max_nodes)


# ---------------------------------------------------------------------------------------
# A recorded pass.

def _gradient_roots(recorded):
    """With create_graph=True the gradients are themselves graphs: their roots."""
    roots = []
    for step in recorded.steps:
        grads = (step.grad_in,) if step.kind == "accumulate" else step.grads_out
        for g in grads:
            if isinstance(g, Tensor) and g.grad_fn is not None:
                roots.append(g.grad_fn)
            elif isinstance(g, Value) and g._prev:
                roots.append(g)
    return roots


def graph_of_pass(recorded, *, names=None, show_values=True, max_nodes=200):
    """The graph a recorded pass went through, with what the pass did on it."""
    roots = [_root_node(t) for t in recorded.outputs]
    extra = _gradient_roots(recorded) if recorded.create_graph else []
    engine_nodes, complete = breadth_first(roots + extra, _engine_parents,
                                            max_nodes * WALK_LIMIT_FACTOR)
    builder = _Builder(names, show_values)
    builder.assign_ids(engine_nodes)
    outputs = _outputs_of(recorded.outputs)
    nodes = {}
    for n in sorted(engine_nodes, key=lambda n: n._seq):
        node = builder.node(n, outputs)
        node.made_by_pass = recorded.made_by_pass(n)
        nodes[n] = node
    edges = _edges(builder, engine_nodes, recorded.made_by_pass)
    graph = Graph(nodes=list(nodes.values()), edges=edges,
                  title=_pass_title(recorded))
    if roots and roots[0] is not None:
        graph.seed_target = builder.ids.get(roots[0])
        graph.seed = short(recorded.seeds[0])
        graph.seed_implicit = recorded.implicit[0]
    replay(graph, recorded, builder.ids, nodes, _engine_parents_with_none, _plain)
    if not complete:
        graph.notes.append(f"only the {len(engine_nodes)} nodes nearest the output were read")
    if recorded.error is not None:
        graph.notes.append(f"the pass failed: {type(recorded.error).__name__}")
    from .collapse import collapse

    return collapse(graph, max_nodes)


def _pass_title(recorded):
    call = "autograd.grad" if recorded.kind == "grad" else "backward"
    args = []
    if not all(recorded.implicit):
        args.append("gradient=…")
    if recorded.create_graph:
        args.append("create_graph=True")
    return f"{call}({', '.join(args)})"


def _engine_parents_with_none(node):
    return node._prev


def replay(graph, recorded, ids, nodes, parents_of, plain):
    """Steps of the pass -> visit order, edge gradients and one frame per step.

    ``ids`` maps an engine's node to its picture id, ``nodes`` to its picture ``Node``;
    ``parents_of(node)`` lists its inputs, aligned with a visit's ``grads_out``, and
    ``plain(grad)`` makes a gradient a number or array. Both engines' passes go through
    here, so they step alike."""
    totals = {}  # node id -> what this pass has accumulated there so far
    # (frame index, step, {edge key: input positions}) of each visit: what practice mode
    # (jupyter/predict.py) asks about
    graph.replayed = []
    if graph.seed_target is not None:
        kind = "implicit" if graph.seed_implicit else "explicit"
        caption = f"the {kind} seed gradient {graph.seed} enters the output"
        graph.frames.append(Frame(graph.seed_target, "seed", {}, {}, caption))
    order = 0
    for step in recorded.steps:
        node_id = ids.get(step.node)
        if node_id is None:
            continue
        picture = nodes[step.node]
        who = caption_name(picture)
        grads, sent = {}, {}
        if step.kind == "visit":
            order += 1
            picture.order = picture.order or order
            # one gradient per operand: x * x sends two to x, on its two edges
            drawn = operand_uses(parents_of(step.node), ids)
            positions = {}  # edge key -> the input position whose gradient it carries
            for k, (d, g) in enumerate(zip(drawn, step.grads_out)):
                if d is not None and g is not None:
                    key = edge_key(d[0], node_id, d[1])
                    sent[key] = short(plain(g))
                    positions[key] = [k]
            graph.replayed.append((len(graph.frames), step, positions))
            caption = f"{who} gets {short(plain(step.grad_in))} and passes it to its inputs"
        else:
            total = totals.get(node_id)
            totals[node_id] = plain(step.grad_in) if total is None else total + plain(
                step.grad_in)
            grads[node_id] = short(totals[node_id])
            caption = f"{who} accumulates {short(plain(step.grad_in))}"
        graph.frames.append(Frame(node_id, step.kind, grads, sent, caption))
    crossed = {}
    for frame in graph.frames:
        crossed.update(frame.edges)
    for edge in graph.edges:
        edge.grad = crossed.get(edge.key)


def caption_name(picture):
    if picture.title:
        return picture.title
    if picture.op:
        return f"the {picture.op} node"
    return "a leaf" if picture.kind == "leaf" else picture.id


def _plain(grad):
    """A gradient as a number or array (create_graph gradients are Values/Tensors)."""
    if isinstance(grad, Value):
        return grad.data
    if isinstance(grad, Tensor):
        return grad._data
    return grad
