"""Invertible edits: the pure half of undo.

Each edit's ``apply`` changes a graph and remembers what it needs to ``revert`` exactly
(node order, edge order, old values). The UI wraps them in thin ``QUndoCommand``s; tests and
the command line use them directly. ``apply`` after ``revert`` redoes the same change with
the same ids, so a redo after an undo is indistinguishable from the first time.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from designer.model.graph import Graph
from designer.model.node import Edge, Node


class Edit(Protocol):
    """Something that can be applied to a graph and reverted."""

    description: str

    def apply(self, graph: Graph) -> None: ...

    def revert(self, graph: Graph) -> None: ...


@dataclass
class AddNode:
    """Add one node; its id is chosen on first apply and kept for redo."""

    type_id: str
    params: Mapping[str, Any] = field(default_factory=dict)
    label: str | None = None
    position: tuple[float, float] = (0.0, 0.0)
    node_id: str | None = None
    description: str = "Add layer"

    def apply(self, graph: Graph) -> None:
        node = graph.add_node(self.type_id, self.params, self.label, self.position, self.node_id)
        self.node_id, self.label = node.id, node.label

    def revert(self, graph: Graph) -> None:
        assert self.node_id is not None
        graph.remove_node(self.node_id)


@dataclass
class RemoveNodes:
    """Remove nodes with their edges; revert restores both at their exact positions."""

    node_ids: Sequence[str]
    description: str = "Delete"
    _nodes: list[tuple[int, Node]] = field(default_factory=list, init=False)
    _edges: list[tuple[int, Edge]] = field(default_factory=list, init=False)

    def apply(self, graph: Graph) -> None:
        ids = list(dict.fromkeys(self.node_ids))
        for node_id in ids:
            graph.check_remove(node_id)
        self._nodes = sorted((graph.node_index(n), graph.node(n).clone()) for n in ids)
        self._edges = [(i, e) for i, e in enumerate(graph.edges) if e.src in ids or e.dst in ids]
        for _, edge in reversed(self._edges):
            graph.disconnect(edge)
        for node_id in ids:
            graph.remove_node(node_id)

    def revert(self, graph: Graph) -> None:
        for index, node in self._nodes:
            graph.add_node(
                node.type, node.params, node.label, node.position, node.id, index, node.silenced
            )
        for index, edge in self._edges:
            graph.connect(edge.src, edge.src_port, edge.dst, edge.dst_port, index)


@dataclass
class Connect:
    """Connect an output port to an input port (checked by `Graph.check_connect`); at
    ``index`` in the connection order (a merge's argument order), else after the rest."""

    src: str
    src_port: str
    dst: str
    dst_port: str
    description: str = "Connect"
    index: int | None = None

    def apply(self, graph: Graph) -> None:
        graph.connect(self.src, self.src_port, self.dst, self.dst_port, self.index)

    def revert(self, graph: Graph) -> None:
        graph.disconnect(Edge(self.src, self.src_port, self.dst, self.dst_port))


@dataclass
class Disconnect:
    """Remove one edge; revert puts it back at the same index (merge order is kept)."""

    edge: Edge
    description: str = "Disconnect"
    _index: int = field(default=-1, init=False)

    def apply(self, graph: Graph) -> None:
        self._index = graph.disconnect(self.edge)

    def revert(self, graph: Graph) -> None:
        e = self.edge
        graph.connect(e.src, e.src_port, e.dst, e.dst_port, self._index)


@dataclass
class SetParam:
    """Change one parameter. Consecutive edits of the same field merge into one step."""

    node_id: str
    name: str
    value: Any
    description: str = "Change parameter"
    _old: Any = field(default=None, init=False)
    _applied: bool = field(default=False, init=False)

    def apply(self, graph: Graph) -> None:
        old = graph.set_param(self.node_id, self.name, self.value)
        if not self._applied:
            self._old, self._applied = old, True

    def revert(self, graph: Graph) -> None:
        graph.set_param(self.node_id, self.name, self._old)

    def merge(self, other: SetParam) -> bool:
        """Absorb a later edit of the same field; the oldest value stays the undo target."""
        if (other.node_id, other.name) != (self.node_id, self.name):
            return False
        self.value = other.value
        return True


@dataclass
class MoveNodes:
    """Move nodes from old to new positions; one drag gesture is one edit."""

    moves: Mapping[str, tuple[tuple[float, float], tuple[float, float]]]
    description: str = "Move"

    def apply(self, graph: Graph) -> None:
        for node_id, (_, new) in self.moves.items():
            graph.move_node(node_id, *new)

    def revert(self, graph: Graph) -> None:
        for node_id, (old, _) in self.moves.items():
            graph.move_node(node_id, *old)


@dataclass
class Rename:
    """Change a node's label."""

    node_id: str
    label: str
    description: str = "Rename"
    _old: str = field(default="", init=False)

    def apply(self, graph: Graph) -> None:
        self._old = graph.rename_node(self.node_id, self.label)

    def revert(self, graph: Graph) -> None:
        graph.rename_node(self.node_id, self._old)


@dataclass
class Silence:
    """Silence linter rule ``rule`` on a node with ``reason``, or hear it again (None)."""

    node_id: str
    rule: str
    reason: str | None
    description: str = "Silence check"
    _old: str | None = field(default=None, init=False)

    def apply(self, graph: Graph) -> None:
        self._old = graph.set_silenced(self.node_id, self.rule, self.reason)

    def revert(self, graph: Graph) -> None:
        graph.set_silenced(self.node_id, self.rule, self._old)


@dataclass
class AddSubgraph:
    """Add copies of nodes and the edges among them (paste, duplicate, examples).

    ``nodes`` carry ids local to the snippet; fresh graph ids are chosen on first apply
    and kept for redo. Labels that clash get the next free number.
    """

    nodes: Sequence[Node]
    edges: Sequence[Edge]
    offset: tuple[float, float] = (0.0, 0.0)
    description: str = "Paste"
    id_map: dict[str, str] = field(default_factory=dict, init=False)

    def apply(self, graph: Graph) -> None:
        added: list[str] = []
        try:
            for node in self.nodes:
                new_id = self.id_map.get(node.id) or graph.new_node_id()
                label = free_label(graph, node.label)
                x, y = node.position
                position = (x + self.offset[0], y + self.offset[1])
                params = copy.deepcopy(node.params)
                graph.add_node(node.type, params, label, position, new_id, None, node.silenced)
                self.id_map[node.id] = new_id
                added.append(new_id)
            for e in self.edges:
                graph.connect(self.id_map[e.src], e.src_port, self.id_map[e.dst], e.dst_port)
        except Exception:
            for node_id in reversed(added):
                graph.remove_node(node_id)
            raise

    def revert(self, graph: Graph) -> None:
        for node in reversed(self.nodes):
            graph.remove_node(self.id_map[node.id])

    @property
    def new_ids(self) -> list[str]:
        return [self.id_map[n.id] for n in self.nodes if n.id in self.id_map]


@dataclass
class Compound:
    """Several edits as one undo step; a failure part-way undoes the applied part."""

    edits: Sequence[Edit]
    description: str = "Edit"

    def apply(self, graph: Graph) -> None:
        done: list[Edit] = []
        try:
            for edit in self.edits:
                edit.apply(graph)
                done.append(edit)
        except Exception:
            for edit in reversed(done):
                edit.revert(graph)
            raise

    def revert(self, graph: Graph) -> None:
        for edit in reversed(self.edits):
            edit.revert(graph)


def splice(
    graph: Graph,
    edge: Edge,
    type_id: str,
    position: tuple[float, float],
    params: Mapping[str, Any] | None = None,
    description: str = "",
) -> tuple[Compound, str]:
    """The edit replacing ``edge`` by ``src -> new layer -> dst`` (one undo step), and
    the new node's id. The wire into ``dst`` keeps the old wire's place in the connection
    order, so splicing into one input of a merge keeps the order of its arguments."""
    spec = graph.catalog.get(type_id)
    node_id = graph.new_node_id()
    edits: list[Edit] = [
        Disconnect(edge),
        AddNode(spec.type_id, dict(params or {}), position=position, node_id=node_id),
        Connect(edge.src, edge.src_port, node_id, spec.inputs[0].name),
        Connect(
            node_id, spec.outputs[0].name, edge.dst, edge.dst_port, index=graph.edge_index(edge)
        ),
    ]
    return Compound(edits, description or f"Insert {spec.display_name}"), node_id


def bypass(graph: Graph, node_id: str, description: str = "") -> Compound:
    """The edit removing a layer of one input and wiring what fed it straight to what it
    fed, each new wire in the place of the one it replaces (one undo step)."""
    (into,) = graph.in_edges(node_id)
    edges = graph.edges
    gone = [i for i, e in enumerate(edges) if e.touches(node_id)]
    edits: list[Edit] = [RemoveNodes([node_id])]
    for rank, index in enumerate(i for i in gone if edges[i].src == node_id):
        out = edges[index]
        place = index - sum(1 for i in gone if i < index) + rank
        edits.append(Connect(into.src, into.src_port, out.dst, out.dst_port, index=place))
    return Compound(edits, description or f"Remove {graph.describe(node_id)}")


def free_label(graph: Graph, label: str) -> str:
    """``label``, or the next free number of its stem when another node has it."""
    used = {node.label for node in graph}
    if label not in used:
        return label
    stem = label.rstrip("0123456789") or label
    return graph.unique_label(stem)
