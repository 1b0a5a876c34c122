"""The graph the user drew: nodes, ports and edges of a directed acyclic network.

Every mutator checks first and changes second, so a `GraphError` leaves the graph intact;
each change then emits one event on ``graph.events`` for views to mirror.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from designer.catalog import Catalog, LayerSpec, ParamError, default_catalog
from designer.catalog.registry import LayerTypeNotFoundError
from designer.model.errors import (
    CycleError,
    DuplicateEdgeError,
    DuplicateNodeError,
    IncompatiblePortsError,
    InvalidLabelError,
    InvalidParameterError,
    InvalidPositionError,
    PortOccupiedError,
    UnknownLayerTypeError,
    UnknownNodeError,
    UnknownPortError,
)
from designer.model.events import GraphEvents
from designer.model.node import Edge, Node

MAX_LABEL_LENGTH = 10_000
_ID_PATTERN = re.compile(r"n(\d+)")


def short(text: str, limit: int = 40) -> str:
    """A label fit for a message: one line, at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Graph:
    """A network design. Nodes keep insertion order; edges keep connection order, which
    is also the argument order of a merge's inputs.

    Structural queries are indexed so that editing and re-inferring a large design stays
    interactive. Kept current on every change: the edge set, successor/predecessor
    counts, port use, and a *rank* per node that is always a topological numbering
    (Pearce-Kelly dynamic ordering), so a cycle check only searches between the ranks of
    the two ends, and is O(1) when an edge points forward. Built lazily and dropped on any
    structural change: ordered adjacency lists and the topological order.
    """

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or default_catalog()
        self.events = GraphEvents()
        self._nodes: dict[str, Node] = {}
        self._edges: list[Edge] = []
        self._next_id = 1
        # Always current (updated by connect/disconnect/add/remove):
        self._edge_set: set[Edge] = set()
        self._succ: dict[str, dict[str, int]] = {}
        self._pred: dict[str, dict[str, int]] = {}
        self._port_use: dict[tuple[str, str], int] = {}
        self._rank: dict[str, int] = {}
        self._next_rank = 0
        # Built on demand, dropped on any structural change:
        self._adjacency: dict[str, tuple[list[Edge], list[Edge]]] | None = None
        self._order: list[str] | None = None

    # ----------------------------------------------------------------- queries
    @property
    def nodes(self) -> Mapping[str, Node]:
        return self._nodes

    @property
    def edges(self) -> tuple[Edge, ...]:
        return tuple(self._edges)

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except (KeyError, TypeError):
            raise UnknownNodeError(f"no node with id {node_id!r:.60}", None) from None

    def spec(self, node_id: str) -> LayerSpec:
        return self.catalog.get(self.node(node_id).type)

    def describe(self, node_id: str) -> str:
        """``Conv2d 'conv3'``: how messages name a node."""
        node = self.node(node_id)
        return f"{self.spec(node_id).display_name} '{short(node.label)}'"

    def in_edges(self, node_id: str) -> list[Edge]:
        """Edges into ``node_id``, by port order, then by connection order."""
        self.node(node_id)
        return list(self._adjacent(node_id)[0])

    def out_edges(self, node_id: str) -> list[Edge]:
        return list(self._adjacent(node_id)[1])

    def _adjacent(self, node_id: str) -> tuple[list[Edge], list[Edge]]:
        """Cached (in-edges, out-edges) of a node; rebuilt in one O(E) pass when stale."""
        adjacency = self._adjacency
        if adjacency is None:
            adjacency = {n: ([], []) for n in self._nodes}
            for edge in self._edges:
                adjacency[edge.dst][0].append(edge)
                adjacency[edge.src][1].append(edge)
            for node_id_, (incoming, _) in adjacency.items():
                if len(incoming) > 1:
                    ports = [p.name for p in self.spec(node_id_).inputs]
                    incoming.sort(
                        key=lambda e, ports=ports: (
                            ports.index(e.dst_port) if e.dst_port in ports else 0
                        )
                    )
            self._adjacency = adjacency
        return adjacency.get(node_id, ([], []))

    def _structure_changed(self) -> None:
        self._adjacency = None
        self._order = None

    def edge_index(self, edge: Edge) -> int:
        return self._edges.index(edge)

    def node_index(self, node_id: str) -> int:
        return list(self._nodes).index(node_id)

    def topological_order(self) -> list[str]:
        """Node ids so that every edge points forward; ties keep insertion order."""
        if self._order is None:
            order = _kahn(list(self._nodes), self._edges)
            if order is None:
                raise CycleError("the graph contains a cycle")
            self._order = order
        return list(self._order)

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

    def _within(
        self, start: str, links: dict[str, dict[str, int]], keep: Callable[[int], bool]
    ) -> list[str]:
        seen, stack = {start}, [start]
        while stack:
            for nxt in links[stack.pop()]:
                if nxt not in seen and keep(self._rank[nxt]):
                    seen.add(nxt)
                    stack.append(nxt)
        return list(seen)

    def _rank_ahead(self, edges: list[Edge]) -> None:
        """Rank all nodes topologically for edges about to be added, so that adding them
        costs no searches; with a cycle among them, rank for the longest acyclic prefix."""
        nodes = list(self._nodes)
        known = [e for e in edges if e.src in self._nodes and e.dst in self._nodes]
        order = _kahn(nodes, [*self._edges, *known])
        if order is None:  # binary search: known[:low] is acyclic, known[:high + 1] is not
            low, high = 0, len(known) - 1
            while low < high:
                middle = (low + high + 1) // 2
                if _kahn(nodes, [*self._edges, *known[:middle]]) is None:
                    high = middle - 1
                else:
                    low = middle
            order = _kahn(nodes, [*self._edges, *known[:low]])
        assert order is not None  # the graph's own edges are acyclic
        self._rank = {node_id: i for i, node_id in enumerate(order)}
        self._next_rank = len(order)

    def has_out_edges(self, node_id: str) -> bool:
        """Whether anything consumes the node's output (O(1), unlike `out_edges`)."""
        return bool(self._succ.get(node_id))

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

    def nodes_of_role(self, role: str) -> list[str]:
        return [n for n in self._nodes if self.spec(n).role == role]

    def unique_label(self, prefix: str) -> str:
        """``prefix1``, ``prefix2``, ...: the first label not yet used."""
        used = {node.label for node in self._nodes.values()}
        index = 1
        while f"{prefix}{index}" in used:
            index += 1
        return f"{prefix}{index}"

    def new_node_id(self) -> str:
        while f"n{self._next_id}" in self._nodes:
            self._next_id += 1
        return f"n{self._next_id}"

    # ---------------------------------------------------------------- mutators
    def add_node(
        self,
        type_id: str,
        params: Mapping[str, Any] | None = None,
        label: str | None = None,
        position: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
        index: int | None = None,
    ) -> Node:
        """Add a node of a catalogue type; missing parameters take their defaults."""
        try:
            spec = self.catalog.get(type_id)
        except LayerTypeNotFoundError as error:
            raise UnknownLayerTypeError(str(error)) from None
        if node_id is not None and node_id in self._nodes:
            raise DuplicateNodeError(f"a node with id {node_id!r:.60} already exists", node_id)
        node_id = node_id or self.new_node_id()
        checked = self._validate_params(spec, params or {}, node_id)
        if label is None:
            label = self.unique_label(spec.prefix)
        label = self._validate_label(label, node_id, spec)
        node = Node(node_id, spec.type_id, label, checked, _position(position))
        self._insert_node(node, index)
        self._succ[node_id], self._pred[node_id] = {}, {}
        self._rank[node_id] = self._next_rank
        self._next_rank += 1
        self._structure_changed()
        match = _ID_PATTERN.fullmatch(node_id)
        if match:
            self._next_id = max(self._next_id, int(match.group(1)) + 1)
        self.events.node_added.emit(node_id)
        return node

    def remove_node(self, node_id: str) -> None:
        """Remove a node and, first, every edge that touches it."""
        self.node(node_id)
        if self._succ[node_id] or self._pred[node_id]:
            for edge in [e for e in self._edges if e.touches(node_id)]:
                self.disconnect(edge)
        del self._nodes[node_id]
        del self._succ[node_id], self._pred[node_id], self._rank[node_id]
        self._structure_changed()
        self.events.node_removed.emit(node_id)

    def check_connect(self, src: str, src_port: str, dst: str, dst_port: str) -> Edge:
        """The edge that `connect` would add, or the typed reason it is refused."""
        src_spec, dst_spec = self.spec(src), self.spec(dst)
        if src_spec.output_port(src_port) is None:
            if src_spec.input_port(src_port) is not None:
                raise IncompatiblePortsError(
                    f"{self.describe(src)}: {src_port!r:.40} is an input; "
                    "connections start at an output",
                    src,
                )
            raise UnknownPortError(f"{self.describe(src)} has no output {src_port!r:.40}", src)
        port = dst_spec.input_port(dst_port)
        if port is None:
            if dst_spec.output_port(dst_port) is not None:
                raise IncompatiblePortsError(
                    f"{self.describe(dst)}: {dst_port!r:.40} is an output; "
                    "connections end at an input",
                    dst,
                )
            raise UnknownPortError(f"{self.describe(dst)} has no input {dst_port!r:.40}", dst)
        if src == dst:
            raise CycleError(f"{self.describe(src)} cannot feed itself", src)
        edge = Edge(src, src_port, dst, dst_port)
        if edge in self._edge_set:
            raise DuplicateEdgeError(
                f"{self.describe(src)} is already connected to {self.describe(dst)}", dst
            )
        if not port.multiple and self._port_use.get((dst, dst_port)):
            raise PortOccupiedError(
                f"{self.describe(dst)} already has an input; remove it first", dst
            )
        if self.reaches(dst, src):
            raise CycleError(
                f"connecting {self.describe(src)} to {self.describe(dst)} would make a loop",
                dst,
            )
        return edge

    def connect(
        self, src: str, src_port: str, dst: str, dst_port: str, index: int | None = None
    ) -> Edge:
        edge = self.check_connect(src, src_port, dst, dst_port)
        if index is None:
            self._edges.append(edge)
        else:
            self._edges.insert(index, edge)
        self._link(edge, 1)
        self.events.edge_added.emit(edge)
        return edge

    def disconnect(self, edge: Edge) -> int:
        """Remove an edge; returns its index so an undo can put it back in place."""
        try:
            if edge not in self._edge_set:
                raise ValueError(edge)
            last = len(self._edges) - 1
            index = last if self._edges[last] == edge else self._edges.index(edge)
        except (ValueError, TypeError):
            raise UnknownPortError(f"no such connection: {edge}", edge.dst) from None
        del self._edges[index]
        self._link(edge, -1)
        self.events.edge_removed.emit(edge)
        return index

    def _link(self, edge: Edge, change: int) -> None:
        """Keep the always-current indexes in step with one added (+1) or removed edge."""
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
        self._structure_changed()

    def set_param(self, node_id: str, name: str, value: Any) -> Any:
        """Set one parameter (validated); returns the old value. Emits only on change."""
        node = self.node(node_id)
        spec = self.spec(node_id)
        try:
            value = spec.param(name).validate(value)
        except ParamError as error:
            raise InvalidParameterError(
                f"{self.describe(node_id)}: {error}", node_id, name
            ) from None
        old = node.params.get(name)
        if old != value or type(old) is not type(value):
            node.params[name] = value
            self.events.param_changed.emit(node_id, name, value)
        return old

    def move_node(self, node_id: str, x: float, y: float) -> None:
        node = self.node(node_id)
        position = _position((x, y))
        if node.position != position:
            node.position = position
            self.events.node_moved.emit(node_id, *position)

    def rename_node(self, node_id: str, label: str) -> str:
        node = self.node(node_id)
        label = self._validate_label(label, node_id, self.spec(node_id))
        old = node.label
        if old != label:
            node.label = label
            self.events.node_renamed.emit(node_id, label)
        return old

    # ----------------------------------------------------------------- helpers
    def _insert_node(self, node: Node, index: int | None) -> None:
        if index is None or index >= len(self._nodes):
            self._nodes[node.id] = node
            return
        items = list(self._nodes.items())
        items.insert(index, (node.id, node))
        self._nodes = dict(items)
        self._order = None

    def _validate_params(
        self, spec: LayerSpec, params: Mapping[str, Any], node_id: str
    ) -> dict[str, Any]:
        try:
            return spec.validate_params(params)
        except ParamError as error:
            raise InvalidParameterError(
                f"{spec.display_name} {node_id}: {error}", node_id, error.name
            ) from None

    @staticmethod
    def _validate_label(label: Any, node_id: str, spec: LayerSpec) -> str:
        if not isinstance(label, str) or not label.strip():
            raise InvalidLabelError(f"{spec.display_name} {node_id}: the name is empty", node_id)
        if len(label) > MAX_LABEL_LENGTH:
            raise InvalidLabelError(
                f"{spec.display_name} {node_id}: the name is longer than "
                f"{MAX_LABEL_LENGTH} characters",
                node_id,
            )
        return label

    def __iter__(self) -> Iterator[Node]:
        return iter(self._nodes.values())

    def __len__(self) -> int:
        return len(self._nodes)

    def clear(self) -> None:
        """Remove everything: the edges last to first, then the nodes last to first."""
        while self._edges:
            self.disconnect(self._edges[-1])
        for node_id in reversed(list(self._nodes)):
            self.remove_node(node_id)

    def add_edges(self, edges: Iterable[Edge]) -> None:
        """Connect each edge in turn, with the checks, errors and events of `connect`.

        The nodes are ranked for the whole list first, so that loading a large file costs
        O(V + E) rather than a reachability search per edge. On an error, the edges before
        the refused one stay connected (``len(graph.edges)`` tells how many).
        """
        edges = list(edges)
        self._rank_ahead(edges)
        for edge in edges:
            self.connect(edge.src, edge.src_port, edge.dst, edge.dst_port)


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


def _position(position: Any) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in position)
    except (TypeError, ValueError, OverflowError):
        raise InvalidPositionError(
            f"a position must be two numbers, got {position!r:.60}"
        ) from None
    if not (abs(x) < 1e9 and abs(y) < 1e9):
        raise InvalidPositionError("positions must be finite and within ±1e9")
    return (x, y)
