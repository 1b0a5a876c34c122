"""`GraphIndex`: the structural lookups that keep editing a large design interactive.

A `Graph` stores its nodes and edges in order; this index answers the questions asked on
every edit (is this edge there, is this port taken, would this edge make a loop) without
walking them. Kept current on every change: the edge set, successor/predecessor counts,
port use, and a *rank* per node that is always a topological numbering (Pearce-Kelly
dynamic ordering), so a cycle check only searches between the ranks of the two ends, and
is O(1) when an edge points forward. Built lazily and dropped on any structural change:
ordered adjacency lists and the topological order.

The index never changes the graph; the graph tells it about each change, after checking
it, and hands it its ordered nodes and edges when a lazily built part needs them.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence

from designer.model.errors import CycleError
from designer.model.node import Edge

Links = dict[str, dict[str, int]]


class GraphIndex:
    """The always-current tables and the lazily built caches of one graph's structure.

    ``input_ports`` names a node's input ports in declaration order; a node's in-edges
    are sorted by it, because that is the argument order of a merge's inputs.
    """

    def __init__(self, input_ports: Callable[[str], Sequence[str]]) -> None:
        self._input_ports = input_ports
        # Always current (updated by add_node/remove_node/add_edge/remove_edge):
        self._edge_set: set[Edge] = set()
        self._succ: Links = {}
        self._pred: Links = {}
        self._port_use: dict[tuple[str, str], int] = {}
        self._rank: dict[str, int] = {}
        self._next_rank = 0
        # Built on demand, dropped on any structural change:
        self._adjacency: dict[str, tuple[list[Edge], list[Edge]]] | None = None
        self._order: list[str] | None = None

    # ----------------------------------------------------------------- changes
    def add_node(self, node_id: str) -> None:
        """A new node has no links and ranks after every other, which keeps ranks valid."""
        self._succ[node_id], self._pred[node_id] = {}, {}
        self._rank[node_id] = self._next_rank
        self._next_rank += 1
        self.invalidate()

    def remove_node(self, node_id: str) -> None:
        """Forget a node; its edges must have been removed first."""
        del self._succ[node_id], self._pred[node_id], self._rank[node_id]
        self.invalidate()

    def add_edge(self, edge: Edge) -> None:
        self._count(edge, 1)

    def remove_edge(self, edge: Edge) -> None:
        self._count(edge, -1)

    def invalidate(self) -> None:
        """Drop the lazily built parts: the structure or the order of nodes changed."""
        self._adjacency = None
        self._order = None

    def _count(self, edge: Edge, change: int) -> None:
        """Keep the always-current tables in step with one added (+1) or removed edge."""
        if change > 0:
            self._edge_set.add(edge)
        else:
            self._edge_set.discard(edge)
        for table, a, b in ((self._succ, edge.src, edge.dst), (self._pred, edge.dst, edge.src)):
            count = table[a].get(b, 0) + change
            if count:
                table[a][b] = count
            else:
                del table[a][b]
        if change > 0 and self._rank[edge.src] > self._rank[edge.dst]:
            self._rerank(edge.src, edge.dst)
        key = (edge.dst, edge.dst_port)
        use = self._port_use.get(key, 0) + change
        if use:
            self._port_use[key] = use
        else:
            del self._port_use[key]
        self.invalidate()

    # ----------------------------------------------------------------- queries
    def __contains__(self, edge: object) -> bool:
        return edge in self._edge_set

    def port_use(self, node_id: str, port: str) -> int:
        """How many edges end at input ``port`` of ``node_id``."""
        return self._port_use.get((node_id, port), 0)

    def is_linked(self, node_id: str) -> bool:
        """Whether any edge touches the node."""
        return bool(self._succ[node_id] or self._pred[node_id])

    def has_out_edges(self, node_id: str) -> bool:
        return bool(self._succ.get(node_id))

    def reaches(self, start: str, goal: str) -> bool:
        """Whether a directed path leads from ``start`` to ``goal``.

        Ranks increase along every path, so only nodes ranked between the two are searched.
        """
        if start == goal:
            return True
        rank = self._rank
        if start not in rank or goal not in rank or rank[start] > rank[goal]:
            return False
        limit = rank[goal]
        stack, seen = [start], {start}
        while stack:
            for nxt in self._succ[stack.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen and rank[nxt] < limit:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    def upstream(self, node_ids: Iterable[str]) -> set[str]:
        """The given nodes and every node with a path to one of them."""
        seen = {n for n in node_ids if n in self._pred}
        stack = list(seen)
        while stack:
            for prev in self._pred[stack.pop()]:
                if prev not in seen:
                    seen.add(prev)
                    stack.append(prev)
        return seen

    # ------------------------------------------------------------ lazy parts
    def adjacent(
        self, node_id: str, nodes: Iterable[str], edges: Sequence[Edge]
    ) -> tuple[list[Edge], list[Edge]]:
        """Cached (in-edges, out-edges) of a node; rebuilt in one O(E) pass when stale."""
        adjacency = self._adjacency
        if adjacency is None:
            adjacency = {n: ([], []) for n in nodes}
            for edge in edges:
                adjacency[edge.dst][0].append(edge)
                adjacency[edge.src][1].append(edge)
            for node_id_, (incoming, _) in adjacency.items():
                if len(incoming) > 1:
                    ports = list(self._input_ports(node_id_))
                    incoming.sort(
                        key=lambda e, ports=ports: (
                            ports.index(e.dst_port) if e.dst_port in ports else 0
                        )
                    )
            self._adjacency = adjacency
        return adjacency.get(node_id, ([], []))

    def topological_order(self, nodes: Iterable[str], edges: Iterable[Edge]) -> list[str]:
        """Cached order of ``nodes`` in which every edge points forward (ties keep the
        order of ``nodes``); a copy, so callers may change it."""
        if self._order is None:
            order = _kahn(list(nodes), edges)
            if order is None:
                raise CycleError("the graph contains a cycle")
            self._order = order
        return list(self._order)

    # ------------------------------------------------------------------- ranks
    def _rerank(self, src: str, dst: str) -> None:
        """Restore the topological ranks after adding ``src -> dst`` against them.

        Pearce-Kelly: the nodes ``dst`` leads to and the nodes leading to ``src``, within
        the rank window between the two, swap into order, reusing their own rank values.
        """
        rank = self._rank
        low, high = rank[dst], rank[src]
        after = self._within(dst, self._succ, lambda r: r < high)
        before = self._within(src, self._pred, lambda r: r > low)
        moved = sorted(before, key=rank.__getitem__) + sorted(after, key=rank.__getitem__)
        for node_id, value in zip(moved, sorted(rank[n] for n in moved), strict=True):
            rank[node_id] = value

    def _within(self, start: str, links: Links, keep: Callable[[int], bool]) -> list[str]:
        """``start`` and the nodes it links to, transitively, through ranks ``keep`` takes."""
        seen, stack = {start}, [start]
        while stack:
            for nxt in links[stack.pop()]:
                if nxt not in seen and keep(self._rank[nxt]):
                    seen.add(nxt)
                    stack.append(nxt)
        return list(seen)

    def rank_ahead(
        self, nodes: Iterable[str], edges: Sequence[Edge], new_edges: Sequence[Edge]
    ) -> None:
        """Rank all nodes topologically for edges about to be added, so that adding them
        costs no searches; with a cycle among them, rank for the longest acyclic prefix.

        ``edges`` are the graph's own (acyclic) edges; new edges whose ends are not among
        ``nodes`` are ignored, since adding them will fail anyway.
        """
        nodes = list(nodes)
        present = set(nodes)
        known = [e for e in new_edges if e.src in present and e.dst in present]
        order = _kahn(nodes, [*edges, *known])
        if order is None:  # binary search: known[:low] is acyclic, known[:high + 1] is not
            low, high = 0, len(known) - 1
            while low < high:
                middle = (low + high + 1) // 2
                if _kahn(nodes, [*edges, *known[:middle]]) is None:
                    high = middle - 1
                else:
                    low = middle
            order = _kahn(nodes, [*edges, *known[:low]])
        assert order is not None  # the graph's own edges are acyclic
        self._rank = {node_id: i for i, node_id in enumerate(order)}
        self._next_rank = len(order)


def _kahn(nodes: list[str], edges: Iterable[Edge]) -> list[str] | None:
    """A topological order of ``nodes`` under ``edges`` in which ties keep the order of
    ``nodes``, or None if the edges form a cycle."""
    indegree = [0] * len(nodes)
    position = {n: i for i, n in enumerate(nodes)}
    successors: list[list[int]] = [[] for _ in nodes]
    for edge in edges:
        indegree[position[edge.dst]] += 1
        successors[position[edge.src]].append(position[edge.dst])
    ready = [i for i, d in enumerate(indegree) if d == 0]
    order: list[str] = []
    while ready:  # already a heap: ascending
        current = heapq.heappop(ready)
        order.append(nodes[current])
        for nxt in successors[current]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                heapq.heappush(ready, nxt)
    return order if len(order) == len(nodes) else None
