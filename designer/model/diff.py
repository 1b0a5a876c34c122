"""Comparing two designs: which layers and wires were added, removed or changed.

`diff_graphs` and `diff_projects` take any two graphs or projects (two files, a run's
snapshot and the current design) and return a frozen `DesignDiff`. Pure Python, like the
rest of the model: the command line prints it (`designer.model.diff_text`) and the window
colours two canvases with it.

Which node of one design is which node of the other
----------------------------------------------------
A node is known by three facts: its id, its label and its layer type. Two nodes are the
same node when two of the three agree, tried in this order, each tier pairing only the
nodes the tiers before it left unpaired:

1. **id and label**: the same node, saved from the same project (its type may differ in a
   hand-edited file: "type changed");
2. **label and type**: the same layer in two designs built separately, or deleted and
   added again under its name (ids differ);
3. **id and type**: the same node, renamed.

Nodes that agree in one fact only are not paired: one is removed, the other added. Ids
are numbered per project in creation order (``n1``, ``n2``, ...), so two designs built
apart reuse the same ids for different layers; that is why an id alone never pairs two
nodes, and why a label and type agreeing (tier 2) beats an id and type (tier 3). Where a
tier finds several candidates (labels need not be unique), the k-th unpaired node of the
old design pairs with the k-th of the new, both in graph order.

What counts as a difference
---------------------------
Added and removed layers and wires, a changed layer type, label or parameter, a changed
order of a merge's inputs (the order of a concatenation), and, for projects, changed data
and training settings. A parameter that applies on neither side (an Input's height while
it reads features; the inspector hides it) changes nothing and is not reported.

Positions are not differences: moving a layer changes the picture, not the network, so a
design and its re-arranged copy are equal. Moves are still recorded, apart, in
`DesignDiff.moved` (the command line mentions how many; ``--json`` lists them), so a tool
that cares about the layout can tell. Free-form metadata (the project's name and
description) is not compared either.

Every tuple in a `DesignDiff` has a fixed order: layers in topological order of their own
design (ties in graph order), wires by the topological positions of their ends, settings
in declaration order, data before training.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from designer.model.graph import Graph
from designer.model.node import Edge, Node
from designer.model.project import Project


class _Absent:
    """The value of a parameter a layer does not have (or that does not apply to it)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
OLD, NEW = "old", "new"


@dataclass(frozen=True)
class NodeRef:
    """One side's node, as the diff names it: id, label, type and the type's display name."""

    id: str
    label: str
    type: str
    title: str


@dataclass(frozen=True)
class ParamChange:
    """One parameter's old and new value; `ABSENT` where a side has no such parameter."""

    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class NodeChange:
    """A node present on both sides that differs in type, label, parameters or the order
    of its inputs (``reordered`` names the input ports whose wires come in another order).
    """

    old: NodeRef
    new: NodeRef
    params: tuple[ParamChange, ...] = ()
    reordered: tuple[str, ...] = ()

    @property
    def renamed(self) -> bool:
        return self.old.label != self.new.label

    @property
    def type_changed(self) -> bool:
        return self.old.type != self.new.type


@dataclass(frozen=True)
class WireRef:
    """A wire of one side, from an output port to an input port."""

    src: NodeRef
    src_port: str
    dst: NodeRef
    dst_port: str


@dataclass(frozen=True)
class NodeMove:
    """A paired node at another place on the canvas (not a difference of the design)."""

    old: NodeRef
    new: NodeRef
    old_position: tuple[float, float]
    new_position: tuple[float, float]


@dataclass(frozen=True)
class SettingChange:
    """A data or training setting with another value (``section`` is data or training)."""

    section: str
    name: str
    old: Any
    new: Any

    @property
    def path(self) -> str:
        return f"{self.section}.{self.name}"


@dataclass(frozen=True)
class DesignDiff:
    """What differs between an old and a new design. ``pairs`` holds the (old id, new id)
    of every node found on both sides, changed or not, in the old design's order."""

    pairs: tuple[tuple[str, str], ...] = ()
    removed: tuple[NodeRef, ...] = ()
    added: tuple[NodeRef, ...] = ()
    changed: tuple[NodeChange, ...] = ()
    removed_wires: tuple[WireRef, ...] = ()
    added_wires: tuple[WireRef, ...] = ()
    settings: tuple[SettingChange, ...] = ()
    moved: tuple[NodeMove, ...] = ()

    @property
    def equal(self) -> bool:
        """Whether the designs are the same (moves and metadata aside)."""
        return not self.count

    @property
    def count(self) -> int:
        """The number of differences: each layer and wire added or removed, each change
        of type, label, parameter or input order, each setting."""
        per_node = sum(
            c.renamed + c.type_changed + len(c.params) + len(c.reordered) for c in self.changed
        )
        layers = len(self.removed) + len(self.added)
        wires = len(self.removed_wires) + len(self.added_wires)
        return layers + per_node + wires + len(self.settings)

    def node_marks(self, side: str) -> dict[str, str]:
        """How the nodes of one side (`OLD` or `NEW`) are marked, by id: removed (old
        side) or added (new side), else changed; unchanged nodes are left out."""
        gone = self.removed if side == OLD else self.added
        marks = {node.id: REMOVED if side == OLD else ADDED for node in gone}
        for change in self.changed:
            marks[(change.old if side == OLD else change.new).id] = CHANGED
        return marks

    def wire_marks(self, side: str) -> dict[Edge, str]:
        """The wires one side has and the other lacks: removed (old) or added (new)."""
        wires = self.removed_wires if side == OLD else self.added_wires
        mark = REMOVED if side == OLD else ADDED
        return {Edge(w.src.id, w.src_port, w.dst.id, w.dst_port): mark for w in wires}

    @cached_property
    def new_id_of(self) -> Mapping[str, str]:
        """The new design's id of each paired node, by its old id."""
        return dict(self.pairs)

    @cached_property
    def old_id_of(self) -> Mapping[str, str]:
        """The old design's id of each paired node, by its new id."""
        return {new: old for old, new in self.pairs}


# --------------------------------------------------------------------------- entry points
def diff_projects(old: Project, new: Project, settings: bool = True) -> DesignDiff:
    """Compare two projects: their graphs and, unless ``settings`` is False, their data
    and training settings."""
    diff = diff_graphs(old.graph, new.graph)
    if not settings:
        return diff
    changes = (
        *_setting_changes("data", old.data, new.data),
        *_setting_changes("training", old.training, new.training),
    )
    return dataclasses.replace(diff, settings=changes)


def diff_graphs(old: Graph, new: Graph) -> DesignDiff:
    """Compare two graphs (see the module docstring for how nodes are paired)."""
    pairs = match_nodes(old, new)
    new_of = dict(pairs)
    old_of = {n: o for o, n in pairs}
    old_rank = {node_id: i for i, node_id in enumerate(old.topological_order())}
    new_rank = {node_id: i for i, node_id in enumerate(new.topological_order())}
    by_old_rank = sorted(pairs, key=lambda pair: old_rank[pair[0]])
    changes = (_node_change(old, new, o, n, new_of) for o, n in by_old_rank)
    moves = (_move(old, new, o, n) for o, n in by_old_rank)
    return DesignDiff(
        pairs=pairs,
        removed=tuple(_ref(old, n) for n in sorted(old.nodes, key=old_rank.get) if n not in new_of),
        added=tuple(_ref(new, n) for n in sorted(new.nodes, key=new_rank.get) if n not in old_of),
        changed=tuple(change for change in changes if change is not None),
        removed_wires=_missing_wires(old, new, new_of, old_rank),
        added_wires=_missing_wires(new, old, old_of, new_rank),
        moved=tuple(move for move in moves if move is not None),
    )


# ------------------------------------------------------------------------------ matching
def match_nodes(old: Graph, new: Graph) -> tuple[tuple[str, str], ...]:
    """The (old id, new id) pairs of the nodes found on both sides, in old graph order."""
    pairs: dict[str, str] = {}
    tiers: tuple[Callable[[Node], Hashable], ...] = (
        lambda node: (node.id, node.label),
        lambda node: (node.label, node.type),
        lambda node: (node.id, node.type),
    )
    for key in tiers:
        taken = set(pairs.values())
        unpaired_old = [node for node in old if node.id not in pairs]
        unpaired_new = [node for node in new if node.id not in taken]
        pairs.update(_pair_by(key, unpaired_old, unpaired_new))
    return tuple((node_id, pairs[node_id]) for node_id in old.nodes if node_id in pairs)


def _pair_by(
    key: Callable[[Node], Hashable], old: Iterable[Node], new: Iterable[Node]
) -> dict[str, str]:
    """Pair nodes with equal keys, the k-th old one with the k-th new one."""
    waiting: defaultdict[Hashable, deque[str]] = defaultdict(deque)
    for node in new:
        waiting[key(node)].append(node.id)
    found: dict[str, str] = {}
    for node in old:
        queue = waiting.get(key(node))
        if queue:
            found[node.id] = queue.popleft()
    return found


# ----------------------------------------------------------------------------- comparing
def _ref(graph: Graph, node_id: str) -> NodeRef:
    node = graph.node(node_id)
    return NodeRef(node.id, node.label, node.type, graph.spec(node_id).display_name)


def _node_change(
    old: Graph, new: Graph, old_id: str, new_id: str, new_of: Mapping[str, str]
) -> NodeChange | None:
    change = NodeChange(
        _ref(old, old_id),
        _ref(new, new_id),
        _param_changes(old, new, old_id, new_id),
        _reordered_ports(old, new, old_id, new_id, new_of),
    )
    if change.renamed or change.type_changed or change.params or change.reordered:
        return change
    return None


def _param_changes(old: Graph, new: Graph, old_id: str, new_id: str) -> tuple[ParamChange, ...]:
    """The parameters whose values differ, in the old type's order, then the new type's."""
    old_values, new_values = _params(old, old_id), _params(new, new_id)
    names = list(dict.fromkeys([*old_values, *new_values]))
    changes = []
    for name in names:
        before, after = old_values.get(name, ABSENT), new_values.get(name, ABSENT)
        if not _same(before, after):
            changes.append(ParamChange(name, before, after))
    return tuple(changes)


def _params(graph: Graph, node_id: str) -> dict[str, Any]:
    """The node's parameters that apply to it, in the order its layer type declares them."""
    params = graph.node(node_id).params
    return {
        spec.name: _frozen(params[spec.name])
        for spec in graph.spec(node_id).params
        if spec.name in params and spec.applies(params)
    }


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type: ``1`` and ``1.0``, or ``1`` and ``True``, differ."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _frozen(value: Any) -> Any:
    """An immutable copy of a parameter value (lists become tuples), for a frozen record."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


def _reordered_ports(
    old: Graph, new: Graph, old_id: str, new_id: str, new_of: Mapping[str, str]
) -> tuple[str, ...]:
    """The input ports taking several wires that take the same wires in another order."""
    if old.node(old_id).type != new.node(new_id).type:
        return ()
    ports = []
    for port in new.spec(new_id).inputs:
        if not port.multiple:
            continue
        before = [
            (new_of.get(e.src), e.src_port) for e in old.in_edges(old_id) if e.dst_port == port.name
        ]
        after = [(e.src, e.src_port) for e in new.in_edges(new_id) if e.dst_port == port.name]
        if before != after and sorted(before, key=repr) == sorted(after, key=repr):
            ports.append(port.name)
    return tuple(ports)


def _missing_wires(
    graph: Graph, other: Graph, partner: Mapping[str, str], rank: Mapping[str, int]
) -> tuple[WireRef, ...]:
    """The wires of ``graph`` that ``other`` lacks (``partner`` maps ids into ``other``),
    ordered by the topological positions of their ends in ``graph``."""
    present = set(other.edges)
    missing = [
        edge
        for edge in graph.edges
        if Edge(partner.get(edge.src, ""), edge.src_port, partner.get(edge.dst, ""), edge.dst_port)
        not in present
    ]
    missing.sort(key=lambda e: (rank[e.dst], rank[e.src], e.dst_port, e.src_port))
    return tuple(
        WireRef(_ref(graph, e.src), e.src_port, _ref(graph, e.dst), e.dst_port) for e in missing
    )


def _move(old: Graph, new: Graph, old_id: str, new_id: str) -> NodeMove | None:
    before, after = old.node(old_id).position, new.node(new_id).position
    if before == after:
        return None
    return NodeMove(_ref(old, old_id), _ref(new, new_id), before, after)


def _setting_changes(section: str, old: Any, new: Any) -> tuple[SettingChange, ...]:
    """The fields of two settings records (`DataSettings`, `TrainingSettings`) that differ."""
    changes = []
    for field in dataclasses.fields(old):
        before, after = getattr(old, field.name), getattr(new, field.name)
        if not _same(before, after):
            changes.append(SettingChange(section, field.name, before, after))
    return tuple(changes)
