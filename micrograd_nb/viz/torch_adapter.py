"""PyTorch's own graphs and recorded passes, as the same picture model as ours (model.py).

A torch graph is read through torch's public API: ``grad_fn`` and ``next_functions``
for the nodes and their inputs, ``AccumulateGrad.variable`` for the leaves, the
``_saved_*`` attributes for what a node saved. Node titles are torch's class names
(``MulBackward0``, ``AddmmBackward0``); leaves take the notebook's names, and a module's
parameters their ``named_parameters`` names, as torchviz's ``params=``. Values are shown
as ours are (``model.short``), so the same numbers read the same in both pictures.

Ids follow discovery order from the outputs (``n0`` is the first output's node), never
``id()``: the same cell gives the same SVG byte for byte. Beyond ``max_nodes``, nodes
are first grouped by the ``nn.Module`` call that made them (noted while recording,
else guessed from parameter names), then collapsed as ours are.

This module never imports torch: it is only reached with torch objects in hand.
"""

import sys
from collections import Counter

from ..autograd.torch_passes import MODULE_KEY, gradient_node, graph_nodes, saved_values
from .collapse import collapse, replace_nodes
from .model import (
    WALK_LIMIT_FACTOR,
    Frame,
    Graph,
    Node,
    caption_name,
    edges_between,
    replay,
    short,
)


def is_torch_tensor(obj):
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def torch_names(namespace):
    """id -> name for the torch objects of a namespace (a notebook's): tensors (and an
    intermediate by its grad_fn), each ``nn.Module``'s parameters as
    ``model.0.weight`` and its submodules as ``model.0``. Names sorted, so the first
    name wins the same way every time."""
    torch = sys.modules.get("torch")
    if torch is None:
        return {}
    names = {}
    for name in sorted(namespace):
        value = namespace[name]
        if name.startswith("_"):
            continue
        if isinstance(value, torch.Tensor):
            names.setdefault(id(value), name)
            if value.grad_fn is not None:
                names.setdefault(id(value.grad_fn), name)
        elif isinstance(value, torch.nn.Module):
            for sub_name, sub in value.named_modules():
                names.setdefault(id(sub), f"{name}.{sub_name}" if sub_name else name)
            for param_name, param in value.named_parameters():
                names.setdefault(id(param), f"{name}.{param_name}")
    return names


def as_array(tensor):
    """A torch tensor's values as a numpy array (for ``model.short``)."""
    torch = sys.modules["torch"]
    t = tensor.detach().cpu().resolve_conj().resolve_neg()
    if t.dtype in (torch.bfloat16, torch.float16) or t.is_quantized:
        t = t.float() if not t.is_quantized else t.dequantize()
    return t.numpy()


def _plain(grad):
    """A recorded gradient as a number or array; for a node with several outputs, the
    gradient of the first output that received one."""
    if isinstance(grad, tuple):
        grad = next((g for g in grad if g is not None), None)
    return None if grad is None else as_array(grad)


def _parents(node):
    return [p for p, _ in node.next_functions]


def _targets(targets):
    return list(targets) if isinstance(targets, (list, tuple)) else [targets]


class _Builder:
    """torch nodes -> picture nodes, ids in discovery order."""

    def __init__(self, engine_nodes, names, show_values, saved):
        self.ids = {node: f"n{i}" for i, node in enumerate(engine_nodes)}
        self.names = names or {}
        self.show_values = show_values
        self.saved = saved  # node -> ((name, value), ...), or None for no saved values
        self.shapes = {}  # node -> the shape of its output, where something showed it
        self.values = []  # (picture id, "data" or "grad", tensor) to format

    def learn_shapes(self, recorded):
        """A pass shows every visited node's output shape: its gradient has it."""
        for step in recorded.steps:
            if step.kind != "visit":
                continue
            grad = _plain(step.grad_in)
            if grad is not None:
                self.shapes.setdefault(step.node, tuple(grad.shape))
            for parent, g in zip(_parents(step.node), step.grads_out):
                if parent is not None and g is not None and not isinstance(g, tuple):
                    self.shapes.setdefault(parent, tuple(g.shape))

    def node(self, engine_node, outputs):
        node_id = self.ids[engine_node]
        values = self.show_values
        type_name = type(engine_node).__name__
        saved = self._saved_text(engine_node)
        if type_name == "AccumulateGrad":
            leaf = engine_node.variable
            grad = leaf.grad
            return Node(node_id, "leaf", self.names.get(id(leaf)) or type_name,
                        shape=tuple(leaf.shape),
                        data=self._later(node_id, "data", leaf if values else None),
                        grad=self._later(node_id, "grad", grad if values else None),
                        saved=saved)
        output = outputs.get(engine_node)
        name = self.names.get(id(output)) if output is not None else None
        name = name or self.names.get(id(engine_node))
        shape = tuple(output.shape) if output is not None else self.shapes.get(engine_node)
        return Node(node_id, "output" if output is not None else "op",
                    f"{name} = {type_name}" if name else type_name, shape=shape,
                    data=self._later(node_id, "data", output if values else None),
                    saved=saved)

    def _later(self, node_id, field, tensor):
        """Values are formatted once the picture is collapsed, only for the nodes it
        keeps (formatting is most of the time a big graph takes)."""
        if tensor is not None:
            self.values.append((node_id, field, tensor))
        return None

    def format_values(self, graph):
        kept = {n.id: n for n in graph.nodes}
        for node_id, field, tensor in self.values:
            if node_id in kept:
                setattr(kept[node_id], field, short(as_array(tensor)))

    def _saved_text(self, engine_node):
        if self.saved is None:
            return None
        values = self.saved.get(engine_node)
        if values is None:
            values = saved_values(engine_node)
        return tuple((name, _value_text(v, self.show_values)) for name, v in values) or None


def _value_text(value, show_values):
    if is_torch_tensor(value):
        shape = f"[{', '.join(str(d) for d in value.shape)}]"
        return f"{shape} {short(as_array(value))}" if show_values else shape
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _edges(builder, engine_nodes, made_by=None):
    return edges_between(builder.ids, engine_nodes, _parents, made_by)


def _outputs_of(targets):
    return {t.grad_fn: t for t in targets if t.grad_fn is not None}


def _read(roots, max_nodes):
    engine_nodes, complete = graph_nodes(roots, max_nodes * WALK_LIMIT_FACTOR)
    notes = [] if complete else [
        f"only the {len(engine_nodes)} nodes nearest the output were read"]
    return engine_nodes, notes


def graph_of_torch(targets, *, names=None, show_values=True, max_nodes=200, saved=False):
    """The graph behind one or more torch tensors (no pass)."""
    torch = sys.modules["torch"]
    targets = _targets(targets)
    roots = [gradient_node(torch, t) for t in targets]
    if not any(r is not None for r in roots):
        raise ValueError("this tensor has no graph to draw: it does not require grad")
    engine_nodes, notes = _read(roots, max_nodes)
    builder = _Builder(engine_nodes, names, show_values, {} if saved else None)
    outputs = _outputs_of(targets)
    graph = Graph(nodes=[builder.node(n, outputs) for n in engine_nodes],
                  edges=_edges(builder, engine_nodes), notes=notes)
    return _collapse(graph, builder, engine_nodes, max_nodes)


def _gradient_roots(recorded):
    """With create_graph=True the gradients are graphs too: their nodes."""
    roots = []
    for step in recorded.steps:
        grads = (step.grad_in,) if step.kind == "accumulate" else step.grads_out
        roots += [g.grad_fn for g in grads if is_torch_tensor(g) and g.grad_fn is not None]
    return roots


def graph_of_torch_pass(recorded, *, names=None, show_values=True, max_nodes=200,
                        saved=False):
    """The graph a recorded torch pass went through, with what the pass did on it."""
    torch = sys.modules["torch"]
    roots = [gradient_node(torch, t) for t in recorded.outputs]
    extra = _gradient_roots(recorded) if recorded.create_graph else []
    engine_nodes, notes = _read(roots + extra, max_nodes)
    builder = _Builder(engine_nodes, names, show_values, recorded.saved if saved else None)
    builder.learn_shapes(recorded)
    outputs = _outputs_of(recorded.outputs)
    nodes = {}
    for n in engine_nodes:
        node = builder.node(n, outputs)
        node.made_by_pass = recorded.made_by_pass(n)
        nodes[n] = node
    graph = Graph(nodes=list(nodes.values()),
                  edges=_edges(builder, engine_nodes, recorded.made_by_pass),
                  title=_pass_title(recorded), notes=notes)
    if roots and roots[0] is not None and recorded.seeds[0] is not None:
        graph.seed_target = builder.ids.get(roots[0])
        graph.seed = short(_plain(recorded.seeds[0]))
        graph.seed_implicit = recorded.implicit[0]
    replay(graph, recorded, builder.ids, nodes, _parents, _plain)
    if recorded.error is not None:
        _add_failure(graph, recorded, builder, nodes)
    return _collapse(graph, builder, engine_nodes, max_nodes)


def _pass_title(recorded):
    call = "torch.autograd.grad" if recorded.kind == "grad" else "torch backward"
    args = []
    if not all(recorded.implicit):
        args.append("grad_outputs=…" if recorded.kind == "grad" else "gradient=…")
    if recorded.inputs and recorded.kind == "backward":
        args.append("inputs=…")
    if recorded.create_graph:
        args.append("create_graph=True")
    elif recorded.retain_graph:
        args.append("retain_graph=True")
    return f"{call}({', '.join(args)})"


def _add_failure(graph, recorded, builder, nodes):
    """The pass stops where torch raised: a last frame on the failing node, and a note
    with the error."""
    error = recorded.error
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    message = message if len(message) <= 90 else message[:89] + "…"
    node_id = builder.ids.get(recorded.failed_at)
    if node_id is None:
        graph.notes.append(f"the pass failed before any node ran: {type(error).__name__}: "
                           f"{message}")
        return
    who = caption_name(nodes[recorded.failed_at])
    graph.notes.append(f"the pass failed in {who}: {type(error).__name__}: {message}")
    graph.frames.append(Frame(node_id, "error", {}, {},
                              f"{who} raised {type(error).__name__}: {message}"))


# ---------------------------------------------------------------------------------------
# Big graphs: one node per module.

def _module_paths(builder, engine_nodes):
    """picture id -> the dotted path of the module that made the node ("model.0"):
    from what the recording noted, else from the parameters' names."""
    paths = {}
    for node in engine_nodes:
        ref = node.metadata.get(MODULE_KEY) if hasattr(node, "metadata") else None
        module = ref() if ref is not None else None
        if module is not None and id(module) in builder.names:
            paths[node] = (builder.names[id(module)], type(module).__name__)
    for node in engine_nodes:  # a parameter's leaf, and the ops that read it directly
        if node in paths:
            continue
        for candidate in [node] + [p for p in _parents(node) if p is not None]:
            if type(candidate).__name__ == "AccumulateGrad":
                name = builder.names.get(id(candidate.variable), "")
                if "." in name:
                    paths[node] = (name.rsplit(".", 1)[0], None)
                    break
    return {builder.ids[n]: p for n, p in paths.items() if n in builder.ids}


def _collapse(graph, builder, engine_nodes, max_nodes):
    if len(graph.nodes) > max_nodes:
        _collapse_modules(graph, _module_paths(builder, engine_nodes), max_nodes)
    graph = collapse(graph, max_nodes)
    builder.format_values(graph)
    return graph


def _collapse_modules(graph, paths, max_nodes):
    keep = {graph.seed_target}
    paths = {i: p for i, p in paths.items() if i not in keep}
    if not paths:
        return
    deepest = max(path.count(".") + 1 for path, _ in paths.values())

    def groups_at(depth):
        return {i: ".".join(path.split(".")[:depth]) for i, (path, _) in paths.items()}

    def size(groups):
        return len(graph.nodes) - len(groups) + len(set(groups.values()))

    # The deepest level that fits, and shows more than one module; else the shallowest
    # level with more than one (the nearest ones are then kept by collapse()).
    levels = [groups_at(d) for d in range(1, deepest + 1)]
    several = [g for g in levels if len(set(g.values())) > 1] or levels
    fitting = [g for g in several if size(g) <= max_nodes]
    chosen = fitting[-1] if fitting else several[0]
    members = Counter(chosen.values())
    chosen = {i: g for i, g in chosen.items() if members[g] > 1}  # one node stays itself
    if not chosen:
        return
    types = {path: kind for path, kind in paths.values() if kind}
    summaries, ids = [], {}
    for node in graph.nodes:
        group = chosen.get(node.id)
        if group is not None and group not in ids:
            ids[group] = f"m{len(ids)}"
            kind = f" ({types[group]})" if group in types else ""
            summaries.append(Node(ids[group], "collapsed", f"⋯ {group}{kind}",
                                  data=f"{members[group]} nodes", collapsed=members[group]))
    graph.notes.append(f"{len(chosen)} nodes drawn as {len(summaries)} modules (the module "
                       "that made them)")
    replace_nodes(graph, {i: ids[g] for i, g in chosen.items()}, summaries)

