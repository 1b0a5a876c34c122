"""The graph the user drew: nodes, ports and edges of a directed acyclic network.

Every mutator checks first and changes second, so a `GraphError` leaves the graph intact;
each change then emits one event on ``graph.events`` for views to mirror. The rules for
a node's own fields (name, parameters, position, silenced rules) are `node_fields`'s,
which the project file's reader shares.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from designer.catalog import Catalog, LayerSpec, ParamError, PortSpec, default_catalog
from designer.catalog.registry import LayerTypeNotFoundError
from designer.model.block_table import (
    BLOCK_OUTPUT,
    BOUNDARY_SPECS,
    BlockCatalog,
    BlockTable,
    block_name,
)
from designer.model.errors import (
    BlockError,
    CycleError,
    DuplicateEdgeError,
    DuplicateNodeError,
    IncompatiblePortsError,
    InvalidParameterError,
    PortInUseError,
    PortOccupiedError,
    UnknownLayerTypeError,
    UnknownNodeError,
    UnknownPortError,
)
from designer.model.events import GraphEvents
from designer.model.index import GraphIndex
from designer.model.node import Edge, Node
from designer.model.node_fields import (
    MAX_SILENCED_RULES,
    check_label,
    check_params,
    check_position,
    check_silence,
    short,
    too_many_silenced,
)
from designer.model.shape_cache import ShapeCache

_ID_PATTERN = re.compile(r"n(\d+)")


class Graph:
    """A network design. Nodes keep insertion order; edges keep connection order, which
    is also the argument order of a merge's inputs.

    Structural queries go through a `GraphIndex`, told of every change after it is
    checked, so that editing and re-inferring a large design stays interactive.
    """

    def __init__(self, catalog: Catalog | None = None) -> None:
        base = catalog or default_catalog()
        if isinstance(base, BlockCatalog):  # a block's own graph shares the project's table
            self.blocks = base.blocks
        else:
            self.blocks = BlockTable(base)
            self.blocks.owner = weakref.ref(self)
        self.catalog: Catalog = self.blocks.catalog
        #: The block this graph defines, or None for the design itself.
        self.block_name: str | None = None
        # NOTE: a block's ports may change (its graph was edited), and this graph's
        # instances of it with them: in-edges are sorted by port afresh.
        self.blocks.events.changed.connect(self._on_blocks_changed)
        self.events = GraphEvents()
        self._nodes: dict[str, Node] = {}
        self._edges: list[Edge] = []
        self._next_id = 1
        self._index = GraphIndex(self._input_ports)
        #: What shape inference remembers of this graph: the one cache of its analysis,
        #: shared by every reader (see `designer.model.shapes.infer_shapes`).
        self.shape_cache = ShapeCache()

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

    def output_ports(self, node_id: str) -> tuple[PortSpec, ...]:
        """The node's output ports; their number may follow its parameters (Chunk)."""
        node = self.node(node_id)
        return self.catalog.get(node.type).output_ports(node.params)

    def in_edges(self, node_id: str) -> list[Edge]:
        """Edges into ``node_id``, by port order, then by connection order."""
        self.node(node_id)
        return list(self._adjacent(node_id)[0])

    def out_edges(self, node_id: str) -> list[Edge]:
        return list(self._adjacent(node_id)[1])

    def _adjacent(self, node_id: str) -> tuple[list[Edge], list[Edge]]:
        return self._index.adjacent(node_id, self._nodes, self._edges)

    def _input_ports(self, node_id: str) -> list[str]:
        return [p.name for p in self.spec(node_id).inputs]

    def edge_index(self, edge: Edge) -> int:
        return self._edges.index(edge)

    def node_index(self, node_id: str) -> int:
        return list(self._nodes).index(node_id)

    def topological_order(self) -> list[str]:
        """Node ids so that every edge points forward; ties keep insertion order."""
        return self._index.topological_order(self._nodes, self._edges)

    def reaches(self, start: str, goal: str) -> bool:
        """Whether a directed path leads from ``start`` to ``goal``."""
        return self._index.reaches(start, goal)

    def has_out_edges(self, node_id: str) -> bool:
        """Whether anything consumes the node's output (O(1), unlike `out_edges`)."""
        return self._index.has_out_edges(node_id)

    def upstream(self, node_ids: Iterable[str]) -> set[str]:
        """The given nodes and every node with a path to one of them."""
        return self._index.upstream(node_ids)

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
        silenced: Mapping[str, str] | None = None,
    ) -> Node:
        """Add a node of a catalogue type; missing parameters take their defaults.
        ``silenced`` maps linter rule ids to the reasons for quieting them here."""
        try:
            spec = self.catalog.get(type_id)
        except LayerTypeNotFoundError as error:
            raise UnknownLayerTypeError(str(error)) from None
        self._check_block_use(spec.type_id, spec)
        if node_id is not None and node_id in self._nodes:
            raise DuplicateNodeError(f"a node with id {node_id!r:.60} already exists", node_id)
        node_id = node_id or self.new_node_id()
        checked = check_params(spec, params or {}, node_id)
        if label is None:
            label = self.unique_label(spec.prefix)
        label = check_label(label, node_id, spec)
        quiet = {rule: check_silence(rule, reason) for rule, reason in (silenced or {}).items()}
        if len(quiet) > MAX_SILENCED_RULES:
            raise too_many_silenced(f"{spec.display_name} {node_id}", node_id)
        node = Node(node_id, spec.type_id, label, checked, check_position(position), quiet)
        self._insert_node(node, index)
        self._index.add_node(node_id)
        match = _ID_PATTERN.fullmatch(node_id)
        if match:
            self._next_id = max(self._next_id, int(match.group(1)) + 1)
        self.events.node_added.emit(node_id)
        return node

    def remove_node(self, node_id: str) -> None:
        """Remove a node and, first, every edge that touches it."""
        self.check_remove(node_id)
        if self._index.is_linked(node_id):
            for edge in [e for e in self._edges if e.touches(node_id)]:
                self.disconnect(edge)
        del self._nodes[node_id]
        self._index.remove_node(node_id)
        self.events.node_removed.emit(node_id)

    def check_remove(self, node_id: str) -> None:
        """Raise the typed reason `remove_node` would refuse ``node_id``, if any (an
        unknown node, or a block's port that an instance has wired)."""
        self._check_port_kept(node_id, None)

    def check_connect(self, src: str, src_port: str, dst: str, dst_port: str) -> Edge:
        """The edge that `connect` would add, or the typed reason it is refused."""
        for end in (src, dst):  # unknown nodes are reported before their ports
            self.node(end)
        self._end_port(src, src_port, at_start=True)
        port = self._end_port(dst, dst_port, at_start=False)
        if src == dst:
            raise CycleError(f"{self.describe(src)} cannot feed itself", src)
        edge = Edge(src, src_port, dst, dst_port)
        if edge in self._index:
            raise DuplicateEdgeError(
                f"{self.describe(src)} is already connected to {self.describe(dst)}", dst
            )
        if not port.multiple and self._index.port_use(dst, dst_port):
            raise PortOccupiedError(
                f"{self.describe(dst)} already has an input; remove it first", dst
            )
        if self.reaches(dst, src):
            raise CycleError(
                f"connecting {self.describe(src)} to {self.describe(dst)} would make a loop",
                dst,
            )
        return edge

    def _end_port(self, node_id: str, name: str, at_start: bool) -> PortSpec:
        """The port an edge uses at one end (an output where it starts, an input where it
        ends), or the typed reason ``name`` is not one: a port on the wrong side is
        `IncompatiblePortsError`, so the message can say which way connections go."""
        spec, params = self.spec(node_id), self.node(node_id).params
        wanted, other = ("output", "input") if at_start else ("input", "output")
        lookup = {"output": lambda n: spec.output_port(n, params), "input": spec.input_port}
        port = lookup[wanted](name)
        if port is not None:
            return port
        if lookup[other](name) is not None:
            rule = "start at an output" if at_start else "end at an input"
            raise IncompatiblePortsError(
                f"{self.describe(node_id)}: {name!r:.40} is an {other}; connections {rule}",
                node_id,
            )
        raise UnknownPortError(f"{self.describe(node_id)} has no {wanted} {name!r:.40}", node_id)

    def connect(
        self, src: str, src_port: str, dst: str, dst_port: str, index: int | None = None
    ) -> Edge:
        edge = self.check_connect(src, src_port, dst, dst_port)
        if index is None:
            self._edges.append(edge)
        else:
            self._edges.insert(index, edge)
        self._index.add_edge(edge)
        self.events.edge_added.emit(edge)
        return edge

    def disconnect(self, edge: Edge) -> int:
        """Remove an edge; returns its index so an undo can put it back in place."""
        try:
            if edge not in self._index:
                raise ValueError(edge)
            last = len(self._edges) - 1
            index = last if self._edges[last] == edge else self._edges.index(edge)
        except (ValueError, TypeError):
            raise UnknownPortError(f"no such connection: {edge}", edge.dst) from None
        del self._edges[index]
        self._index.remove_edge(edge)
        self.events.edge_removed.emit(edge)
        return index

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
            self._check_ports_kept(node_id, spec, {**node.params, name: value})
            node.params[name] = value
            self.events.param_changed.emit(node_id, name, value)
        return old

    def move_node(self, node_id: str, x: float, y: float) -> None:
        node = self.node(node_id)
        position = check_position((x, y))
        if node.position != position:
            node.position = position
            self.events.node_moved.emit(node_id, *position)

    def rename_node(self, node_id: str, label: str) -> str:
        node = self.node(node_id)
        label = check_label(label, node_id, self.spec(node_id))
        old = node.label
        if old != label:
            self._check_port_kept(node_id, label)
            node.label = label
            self.events.node_renamed.emit(node_id, label)
        return old

    def set_silenced(self, node_id: str, rule: str, reason: str | None) -> str | None:
        """Silence linter rule ``rule`` on a node with ``reason``, or hear it again with
        None; returns the reason it had before (None when it was not silenced). Emits
        only on change."""
        node = self.node(node_id)
        old = node.silenced.get(rule)
        if reason is not None:
            reason = check_silence(rule, reason)
            if old is None and len(node.silenced) >= MAX_SILENCED_RULES:
                raise too_many_silenced(self.describe(node_id), node_id)
        if reason == old:
            return old
        if reason is None:
            del node.silenced[rule]
        else:
            node.silenced[rule] = reason
        self.events.node_silenced.emit(node_id, rule, reason)
        return old

    # ----------------------------------------------------------------- helpers
    def _on_blocks_changed(self, _name: str) -> None:
        self._index.invalidate()

    def _check_port_kept(self, node_id: str, label: str | None) -> None:
        """Inside a block, refuse to take away (remove, or rename to ``label``) a port
        node whose port an instance of the block has wired, so that no wire ever hangs
        from a port that is gone."""
        node = self.node(node_id)
        if self.block_name is None or node.type not in BOUNDARY_SPECS or label == node.label:
            return
        output = node.type == BLOCK_OUTPUT
        user = self.blocks.port_user(self.block_name, node.label, output)
        if user is not None:
            raise PortInUseError(
                f"{user} is wired to the port {node.label!r} of the block "
                f"{self.block_name!r}; remove that connection first",
                node_id,
            )

    def _check_block_use(self, type_id: str, spec: LayerSpec) -> None:
        """Port nodes go only inside a block, and a block never inside itself."""
        if type_id in BOUNDARY_SPECS and self.block_name is None:
            raise BlockError(f"a {spec.display_name} belongs inside a block")
        if spec.role in ("input", "output") and self.block_name is not None:
            raise BlockError(
                f"an {spec.display_name} cannot go inside a block; use a Block "
                f"{spec.role} for the block's ports"
            )
        name = block_name(type_id)
        if name is not None:
            refusal = self.blocks.refusal(self.block_name, name)
            if refusal is not None:
                raise BlockError(refusal)

    def _check_ports_kept(self, node_id: str, spec: LayerSpec, params: dict[str, Any]) -> None:
        """Refuse parameters that would take away an output port still wired (fewer
        parts for a Chunk), so an edge never hangs from a port that is gone."""
        if spec.outputs_rule is None:
            return
        kept = {port.name for port in spec.output_ports(params)}
        for edge in self.out_edges(node_id):
            if edge.src_port not in kept:
                raise PortInUseError(
                    f"{self.describe(node_id)}: its output {edge.src_port!r} is connected; "
                    "remove that connection first",
                    node_id,
                )

    def _insert_node(self, node: Node, index: int | None) -> None:
        if index is None or index >= len(self._nodes):
            self._nodes[node.id] = node
            return
        items = list(self._nodes.items())
        items.insert(index, (node.id, node))
        self._nodes = dict(items)

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
        self._index.rank_ahead(self._nodes, self._edges, edges)
        for edge in edges:
            self.connect(edge.src, edge.src_port, edge.dst, edge.dst_port)
