"""Keeping big graphs readable: beyond ``max_nodes``, chains of single-input ops become
one node, and if that is not enough only the nodes nearest the outputs are kept. Every
collapse leaves a note saying what it did. Linear time, so no graph size makes it hang."""

from collections import Counter, defaultdict, deque

from .model import Edge, Node, edge_ends

MIN_CHAIN = 3  # shorter runs are clearer drawn out


def collapse(graph, max_nodes):
    if len(graph.nodes) <= max_nodes:
        return graph
    _collapse_chains(graph)
    if len(graph.nodes) > max_nodes:
        _keep_nearest(graph, max_nodes)
    return graph


def _degrees(graph):
    inputs, users = defaultdict(list), defaultdict(list)
    for e in graph.edges:
        inputs[e.dst].append(e.src)
        users[e.src].append(e.dst)
    return inputs, users


def _collapse_chains(graph):
    inputs, users = _degrees(graph)
    by_id = {n.id: n for n in graph.nodes}

    def inner(node_id):
        node = by_id[node_id]
        return (node.kind == "op" and len(inputs[node_id]) == 1
                and len(users[node_id]) == 1 and node_id != graph.seed_target)

    replaced = {}  # node id -> summary id
    summaries = []
    for node in graph.nodes:
        if node.id in replaced or not inner(node.id):
            continue
        if inner(inputs[node.id][0]):
            continue  # not the start (input end) of its chain
        chain = [node.id]
        while inner(users[chain[-1]][0]):
            chain.append(users[chain[-1]][0])
        if len(chain) < MIN_CHAIN:
            continue
        counts = Counter(by_id[i].title for i in chain)
        what = ", ".join(f"{name} ×{k}" for name, k in sorted(counts.items()))
        summary = Node(f"{chain[0]}_chain", "collapsed", f"⋯ {len(chain)} ops in a chain",
                       data=what, collapsed=len(chain))
        summaries.append((chain, summary))
        for i in chain:
            replaced[i] = summary.id
    if not summaries:
        return
    total = sum(len(chain) for chain, _ in summaries)
    graph.notes.append(f"{total} nodes in {len(summaries)} chains drawn as one node each")
    replace_nodes(graph, replaced, [s for _, s in summaries])


def _keep_nearest(graph, max_nodes):
    inputs, users = _degrees(graph)
    outputs = [n.id for n in graph.nodes if not users[n.id]]
    keep, queue = set(), deque(outputs)
    keep.update(outputs)
    while queue and len(keep) < max_nodes - 1:
        node_id = queue.popleft()
        for parent in inputs[node_id]:
            if parent not in keep and len(keep) < max_nodes - 1:
                keep.add(parent)
                queue.append(parent)
    dropped = [n.id for n in graph.nodes if n.id not in keep]
    summary = Node("rest", "collapsed", f"⋯ {len(dropped)} more nodes",
                   data="nearer the inputs", collapsed=len(dropped))
    graph.notes.append(f"{len(dropped)} nodes farthest from the output drawn as one node")
    replace_nodes(graph, {i: summary.id for i in dropped}, [summary])


def replace_nodes(graph, replaced, summaries):
    """Swap replaced nodes for their summaries, keeping node order and dropping edges
    that fall inside one summary."""
    kept = []
    placed = set()
    summary_by_id = {s.id: s for s in summaries}
    for node in graph.nodes:
        target = replaced.get(node.id)
        if target is None:
            kept.append(node)
        elif target not in placed:
            placed.add(target)
            kept.append(summary_by_id[target])
    graph.nodes = kept
    edges, seen = [], set()
    for e in graph.edges:
        src, dst = replaced.get(e.src, e.src), replaced.get(e.dst, e.dst)
        if (src, dst) == (e.src, e.dst):
            edges.append(e)  # between kept nodes: as it was, one edge per operand
            continue
        if src == dst or (src, dst) in seen:
            continue
        seen.add((src, dst))
        edges.append(Edge(src, dst, None, e.made_by_pass))
    graph.edges = edges
    for frame in graph.frames:
        frame.active = replaced.get(frame.active, frame.active)
        frame.grads = {replaced.get(k, k): v for k, v in frame.grads.items()}
        frame.edges = {k: v for k, v in frame.edges.items()
                       if all(part not in replaced for part in edge_ends(k))}
