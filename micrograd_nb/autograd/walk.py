"""The walk every picture and recorder reads a graph with, whichever engine built it."""

from collections import deque


def breadth_first(roots, parents_of, limit=None):
    """The nodes reachable from ``roots`` through ``parents_of(node)`` (an iterable that
    may hold None for an input without a node), breadth first in that order: nearest the
    outputs first, the discovery order pictures number nodes by. At most ``limit`` nodes;
    returns (nodes, complete)."""
    seen = {}
    queue = deque(r for r in roots if r is not None)
    for r in queue:
        seen[r] = None
    while queue:
        for parent in parents_of(queue.popleft()):
            if parent is not None and parent not in seen:
                if limit is not None and len(seen) >= limit:
                    return list(seen), False
                seen[parent] = None
                queue.append(parent)
    return list(seen), True
