"""A picture model (model.py) as Graphviz DOT, in the text the ``graphviz`` package writes.

Colours follow torchviz: leaves light blue, outputs green, ops grey; what a
create_graph pass built is purple and dashed; gradients are red.
"""

import functools
from collections import defaultdict

from graphviz import quoting

FILL = {"leaf": "lightblue", "output": "darkolivegreen1", "op": "lightgrey",
        "collapsed": "lightyellow"}
VALUE_FILL = {"leaf": "lightblue", "output": "darkolivegreen1", "op": "white"}
GRAD_COLOR = "red3"
LEAF_NOTE = ("leaf (blue): a tensor made directly, not by an operation;\n"
             "backward() keeps its gradient in its .grad")
PASS_COLOR = "purple"


def _tensor_label(node):
    lines = [node.title]
    if node.shape is not None:
        lines.append(f"[{', '.join(str(d) for d in node.shape)}]")
    if node.data is not None:
        lines.append(f"data {node.data}" if node.kind == "leaf" else node.data)
    if node.grad is not None:
        lines.append(f"grad {node.grad}")
    for name, text in node.saved or ():
        lines.append(f"saved {name}: {text}")
    if node.order is not None:
        lines.append(f"visited #{node.order}")
    return "\n".join(lines)


def _value_label(node):
    # A record, as micrograd's draw_dot: { name | data | grad }.
    fields = [node.title] if node.title else []
    if node.data is not None:
        fields.append(f"data {node.data}")
    if node.grad is not None:
        fields.append(f"grad {node.grad}")
    if node.order is not None:
        fields.append(f"#{node.order}")
    return "{ " + " | ".join(_escape_record(f) for f in fields or [" "]) + " }"


def _escape_record(text):
    for ch in "{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


# What every layout keeps, in points (1 in = 72 pt), for a lower bound of a picture's
# width: a box or record is at least Graphviz's default width (0.75 in), an op's circle
# its width (0.3 in); ranks are at least ``ranksep`` (0.35 in) apart. (With edge labels
# dot doubles the ranks and halves the separation, rounded up: no less in all.)
MIN_BOX_PT = 54
MIN_CIRCLE_PT = 21.6
MIN_RANKSEP_PT = 25


def left_to_right_width_at_least(graph):
    """A width the left-to-right picture of ``graph`` cannot be narrower than: the
    longest path of the DOT graph, each node on it in a rank of its own. Lets ``svg()``
    skip a layout that is sure to be too wide (graph.py)."""
    inputs, users = defaultdict(list), defaultdict(list)
    width = {}
    value_ids = {n.id for n in graph.nodes if n.op}
    for node in graph.nodes:
        width[node.id] = MIN_BOX_PT
        if node.op:  # a Value's op circle feeds its record
            width[f"{node.id}_op"] = MIN_CIRCLE_PT
            inputs[node.id].append(f"{node.id}_op")
            users[f"{node.id}_op"].append(node.id)
    for edge in graph.edges:
        dst = f"{edge.dst}_op" if edge.dst in value_ids else edge.dst
        inputs[dst].append(edge.src)
        users[edge.src].append(dst)
    if graph.seed_target is not None:
        width["seed"] = MIN_BOX_PT
        inputs["seed"].append(graph.seed_target)
        users[graph.seed_target].append("seed")
    # Longest path (in points) ending at each node, in topological order (Kahn).
    waiting = {n: len(inputs[n]) for n in width}
    ready = [n for n, k in waiting.items() if k == 0]
    reach = {n: width[n] for n in ready}
    while ready:
        node = ready.pop()
        for user in users[node]:
            reach[user] = max(reach.get(user, 0), reach[node] + MIN_RANKSEP_PT + width[user])
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    if len(reach) < len(width):
        return 0  # not a DAG (never for autograd graphs): no bound
    return max(reach.values(), default=0)


@functools.lru_cache(maxsize=8192)
def _quoted(text):
    return quoting.quote(text)


@functools.lru_cache(maxsize=1024)
def _quoted_edge_end(name):
    return quoting.quote_edge(name)


@functools.lru_cache(maxsize=1024)
def _attributes_text(items):
    """``k=v ...`` of (name, value) pairs, sorted by name (as graphviz sorts a plain
    dict, ``_tools.mapping_items``) and quoted as graphviz quotes them. Cached by the
    pairs in the order given: each call site gives its attributes in one order."""
    return " ".join(f"{_quoted(k)}={_quoted(v)}" for k, v in sorted(items) if v is not None)


def _attr_list(label, attrs):
    """graphviz's ``attr_list``: `` [label=... k=v ...]``, the label first."""
    if not attrs:
        return "" if label is None else f" [label={_quoted(label)}]"
    rest = _attributes_text(tuple(attrs.items()))
    if label is not None:
        return f" [label={_quoted(label)} {rest}]" if rest else f" [label={_quoted(label)}]"
    return f" [{rest}]" if rest else ""


class _DotSource:
    """The text ``graphviz.Digraph`` writes for the calls to_dot makes (``attr``,
    ``node``, ``edge``, then ``.source``), written directly. Most attribute lists are
    the same on every node and edge (shape=box, the same fill, the same gradient), and
    graphviz's argument checks and quoting were most of the time the DOT source took:
    each list is quoted once. tests/viz checks the text is graphviz's own."""

    def __init__(self, name):
        self._lines = [f"digraph {_quoted(name)} {{\n"]

    def attr(self, kw=None, **attrs):
        if not attrs:
            return
        if kw is None:  # graph attributes, as a bare statement
            self._lines.append(f"\t{_attributes_text(tuple(attrs.items()))}\n")
        else:
            self._lines.append(f"\t{kw}{_attr_list(None, attrs)}\n")

    def node(self, name, label=None, **attrs):
        self._lines.append(f"\t{_quoted(name)}{_attr_list(label, attrs)}\n")

    def edge(self, tail_name, head_name, label=None, **attrs):
        self._lines.append(f"\t{_quoted_edge_end(tail_name)} -> "
                           f"{_quoted_edge_end(head_name)}{_attr_list(label, attrs)}\n")

    @property
    def source(self):
        return "".join(self._lines) + "}\n"


def to_dot(graph, rankdir="LR"):
    """The DOT source of a picture model; the same model gives the same text. ``rankdir``
    "LR" lays the graph out left to right (inputs left), "TB" top to bottom (for long
    chains, which would be too wide)."""
    dot = _DotSource("autograd")
    dot.attr(rankdir=rankdir, fontname="Helvetica", fontsize="11", nodesep="0.25",
             ranksep="0.35")
    dot.attr("node", fontname="Helvetica", fontsize="10")
    dot.attr("edge", fontname="Helvetica", fontsize="9")
    label_lines = [graph.title] if graph.title else []
    label_lines += graph.notes
    if any(n.kind == "leaf" and n.op is None and n.title == "leaf" for n in graph.nodes):
        label_lines.append(LEAF_NOTE)  # an unnamed leaf is titled "leaf": say what it is
    if label_lines:
        dot.attr(label="\n".join(label_lines), labelloc="b", labeljust="l")
    for node in graph.nodes:
        _add_node(dot, node)
    value_ids = {n.id for n in graph.nodes if n.op}
    for edge in graph.edges:
        _add_edge(dot, edge, value_ids)
    if graph.seed_target is not None:
        kind = "implicit" if graph.seed_implicit else "gradient="
        dot.node("seed", f"seed ({kind})\n{graph.seed}", shape="note", style="filled",
                 fillcolor="mistyrose", color=GRAD_COLOR, fontcolor=GRAD_COLOR)
        dot.edge(graph.seed_target, "seed", dir="back", color=GRAD_COLOR, style="dashed")
    return dot.source


def _add_node(dot, node):
    # Square corners, as torchviz: Graphviz writes a rounded box as a path of Bezier
    # curves, a seventh of a long chain's render time.
    style = {"style": "filled", "shape": "box"}
    if node.kind == "collapsed":
        style = {"style": "filled,dashed", "shape": "box"}
        dot.node(node.id, f"{node.title}\n{node.data or ''}".strip(), fillcolor=FILL["collapsed"],
                 **style)
        return
    if node.made_by_pass:
        style["color"] = PASS_COLOR
        style["style"] += ",dashed"
        style["penwidth"] = "2"
    if node.op is not None:  # a micrograd Value
        dot.node(node.id, _value_label(node), shape="record", style=style["style"],
                 fillcolor=VALUE_FILL[node.kind],
            **{k: v for k, v in style.items() if k not in ("style", "shape")})
        if node.op:
            dot.node(f"{node.id}_op", node.op, shape="circle", width="0.3", fixedsize="false",
                     **({"color": PASS_COLOR} if node.made_by_pass else {}))
            dot.edge(f"{node.id}_op", node.id)
        return
    dot.node(node.id, _tensor_label(node), fillcolor=FILL[node.kind], **style)


def _add_edge(dot, edge, value_ids):
    attrs = {}
    if edge.made_by_pass:
        attrs.update(color=PASS_COLOR, style="dashed")
    if edge.grad is not None:
        attrs.update(label=f"∂ {edge.grad}", fontcolor=GRAD_COLOR)
    # An input of a Value goes into the circle of the op that made it.
    dst = f"{edge.dst}_op" if edge.dst in value_ids else edge.dst
    dot.edge(edge.src, dst, **attrs)
