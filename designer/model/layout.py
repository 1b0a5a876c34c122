"""A layered ("Sugiyama-lite") layout: columns by depth, rows chosen to keep wires straight.

Pure: it reads a graph and returns positions; the view pushes them as one `MoveNodes`.

* Column = depth, the longest path from an input, so every wire runs left to right.
* A wire spanning several columns gets a placeholder in each column it crosses. Wires are
  drawn as single curves, so the placeholders keep their row free of layers: a skip
  connection runs straight along its own row while the block it skips sits beside it.
* Rows: each node wants the (lower) median row of its parents; nodes wanting the same row
  fan out around it, and a column is packed top to bottom without overlaps. Chains stay
  straight, branches fan symmetrically, and it all costs O(nodes + edges) plus sorting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

from designer.model.errors import GraphError
from designer.model.graph import Graph

COLUMN_GAP = 220.0
ROW_GAP = 110.0


def depths(graph: Graph) -> dict[str, int]:
    """Each node's longest-path distance from a node without inputs."""
    try:
        order = graph.topological_order()
    except GraphError:  # a corrupt (cyclic) graph: lay it out flat rather than fail
        order = list(graph.nodes)
    parents: dict[str, list[str]] = defaultdict(list)
    for edge in graph.edges:
        parents[edge.dst].append(edge.src)
    depth: dict[str, int] = {}
    for node_id in order:
        depth[node_id] = max((depth[p] + 1 for p in parents[node_id] if p in depth), default=0)
    return depth


def _columns(
    graph: Graph, depth: dict[str, int]
) -> tuple[dict[int, list[Hashable]], dict[Hashable, list[Hashable]]]:
    """Columns of nodes and wire placeholders, and each entry's parents (in edge order)."""
    columns: dict[int, list[Hashable]] = defaultdict(list)
    parents: dict[Hashable, list[Hashable]] = defaultdict(list)
    for node_id in graph.nodes:
        columns[depth[node_id]].append(node_id)
    for index, edge in enumerate(graph.edges):
        previous: Hashable = edge.src
        for level in range(depth[edge.src] + 1, depth[edge.dst]):
            placeholder = ("wire", index, level)
            columns[level].append(placeholder)
            parents[placeholder].append(previous)
            previous = placeholder
        parents[edge.dst].append(previous)
    return columns, parents


def _place_column(entries: list[Hashable], wanted: dict[Hashable, int]) -> dict[Hashable, int]:
    """Rows for one column: groups wanting the same row fan out around it, no overlaps."""
    groups: dict[int, list[Hashable]] = defaultdict(list)
    for entry in entries:
        groups[wanted[entry]].append(entry)
    rows: dict[Hashable, int] = {}
    next_free: int | None = None
    for row in sorted(groups):
        group = groups[row]
        start = row - (len(group) - 1) // 2
        if next_free is not None:
            start = max(start, next_free)
        for offset, entry in enumerate(group):
            rows[entry] = start + offset
        next_free = start + len(group)
    return rows


def layered_layout(
    graph: Graph,
    origin: tuple[float, float] = (0.0, 0.0),
    column_gap: float = COLUMN_GAP,
    row_gap: float = ROW_GAP,
) -> dict[str, tuple[float, float]]:
    """Positions for every node: column ``depth`` at ``column_gap``, rows ``row_gap`` apart,
    the top-left node at ``origin``."""
    if not len(graph):
        return {}
    depth = depths(graph)
    columns, parents = _columns(graph, depth)
    insertion = {node_id: i for i, node_id in enumerate(graph.nodes)}
    rows: dict[Hashable, int] = {}
    for level in sorted(columns):
        wanted = {}
        for entry in columns[level]:
            above = sorted(rows[p] for p in parents[entry] if p in rows)
            wanted[entry] = above[(len(above) - 1) // 2] if above else 0
        # NOTE: placeholders sort before layers wanting the same row, so a skip wire keeps
        # the straight row and the block it skips steps aside.
        columns[level].sort(
            key=lambda e, w=wanted: (w[e], 0 if e not in insertion else 1, insertion.get(e, 0))
        )
        rows.update(_place_column(columns[level], wanted))
    top = min(rows[node_id] for node_id in graph.nodes)
    x0, y0 = origin
    return {
        node_id: (x0 + depth[node_id] * column_gap, y0 + (rows[node_id] - top) * row_gap)
        for node_id in graph.nodes
    }
