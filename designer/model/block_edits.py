"""Invertible edits of blocks: group, ungroup, detach, repeat, and edits inside a block.

Each follows `designer.model.edits`: ``apply`` checks before it changes anything it
cannot take back, remembers what ``revert`` needs, and a redo after an undo reuses the
same ids. Wires that a block replaces keep their place in the graph's edge order, so a
merge fed by a grouped layer still takes its inputs in the same order.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

from designer.model.block_table import (
    BLOCK_INPUT,
    BLOCK_OUTPUT,
    INPUT_ROLE,
    OUTPUT_ROLE,
    BlockDefinition,
    block_name,
    block_type,
    name_problem,
)
from designer.model.edits import RemoveNodes, free_label
from designer.model.errors import BlockError
from designer.model.graph import Graph
from designer.model.node import Edge
from designer.model.shapes import infer_shapes

MAX_REPEAT = 64
_PORT_GAP = 200.0
_REPEAT_GAP = 220.0


def reinsertion_indices(removed: Sequence[int], replaced: Sequence[int]) -> list[int]:
    """Where to insert the edges that replace the edges at ``replaced`` (original
    indices, ascending) once every edge at ``removed`` is gone, so that each new edge
    stands where the one it replaces stood among the edges that were kept."""
    ordered = sorted(removed)
    return [i - bisect.bisect_left(ordered, i) + n for n, i in enumerate(replaced)]


def _block_of(graph: Graph, node_id: str) -> str:
    name = block_name(graph.node(node_id).type)
    if name is None:
        raise BlockError(f"{graph.describe(node_id)} is not a block", node_id)
    return name


@dataclass
class GroupIntoBlock:
    """Turn the selected layers into a new block and one instance of it, in one step.

    Each distinct source outside the selection that feeds it becomes an input port
    (``x``, ``x2``, ...), each distinct output used outside it an output port (``out``,
    ``out2``, ...); a port's sample shape is the shape flowing there now.
    """

    node_ids: Sequence[str]
    name: str = ""
    description: str = "Group into block"
    block_id: str | None = field(default=None, init=False)
    _definition: BlockDefinition | None = field(default=None, init=False)
    _removed: RemoveNodes | None = field(default=None, init=False)

    def apply(self, graph: Graph) -> None:
        ids = self._check(graph)
        selected = set(ids)
        edges = list(enumerate(graph.edges))
        inbound = [(i, e) for i, e in edges if e.dst in selected and e.src not in selected]
        outbound = [(i, e) for i, e in edges if e.src in selected and e.dst not in selected]
        sources = _port_names(dict.fromkeys((e.src, e.src_port) for _, e in inbound), "x")
        results = _port_names(dict.fromkeys((e.src, e.src_port) for _, e in outbound), "out")
        if self._definition is None:
            self._definition = _definition(graph, self.name, ids, edges, sources, results)
        centre = _mean([graph.node(n).position for n in ids])
        graph.blocks.add(self._definition)
        self._removed = RemoveNodes(ids, self.description)
        try:
            self._removed.apply(graph)
            node = graph.add_node(block_type(self.name), {}, None, centre, self.block_id)
            self.block_id = node.id
            self._rewire(graph, node.id, edges, inbound + outbound, (sources, results))
        except Exception:  # nothing half-done stays: the graph is as it was
            self._undo_partly(graph)
            raise

    def _rewire(self, graph: Graph, block: str, edges: list, crossing: list, ports) -> None:
        """Wire the block where the wires crossing the selection's border were, each new
        wire in the place of the first one it replaces."""
        selected = set(self.node_ids)
        sources, results = ports
        replacements: dict[Edge, int] = {}
        for i, e in sorted(crossing):
            if e.dst in selected:
                new = Edge(e.src, e.src_port, block, sources[(e.src, e.src_port)])
            else:
                new = Edge(block, results[(e.src, e.src_port)], e.dst, e.dst_port)
            replacements.setdefault(new, i)
        removed = [i for i, e in edges if e.src in selected or e.dst in selected]
        places = reinsertion_indices(removed, list(replacements.values()))
        for new, index in zip(replacements, places, strict=True):
            graph.connect(new.src, new.src_port, new.dst, new.dst_port, index)

    def _undo_partly(self, graph: Graph) -> None:
        if self.block_id is not None and self.block_id in graph.nodes:
            graph.remove_node(self.block_id)
        if self._removed is not None and self._removed._nodes:
            self._removed.revert(graph)
        if self.name in graph.blocks:
            graph.blocks.remove(self.name)

    def _check(self, graph: Graph) -> list[str]:
        for node_id in self.node_ids:
            graph.node(node_id)
        ids = [n for n in graph.nodes if n in set(self.node_ids)]
        if not ids:
            raise BlockError("select the layers to group into a block first")
        for node_id in ids:
            if graph.spec(node_id).role not in ("layer", "block"):
                message = f"{graph.describe(node_id)} cannot go inside a block"
                raise BlockError(message, node_id)
        _check_convex(graph, ids)
        self.name = self.name or graph.blocks.free_name("Block")
        problem = name_problem(self.name)
        if problem is None and self.name in graph.blocks:
            problem = f"a block named {self.name!r} already exists"
        if problem is not None:
            raise BlockError(problem)
        return ids

    def revert(self, graph: Graph) -> None:
        assert self.block_id is not None and self._removed is not None
        graph.remove_node(self.block_id)
        self._removed.revert(graph)
        graph.blocks.remove(self.name)


def _check_convex(graph: Graph, ids: list[str]) -> None:
    """Refuse a selection that a path leaves and re-enters (a -> b -> c with only a and
    c selected): as one node it would feed what feeds it, a loop."""
    selected = set(ids)
    above = graph.upstream(ids) - selected  # outside nodes with a path into the selection
    stack = [e.dst for n in ids for e in graph.out_edges(n) if e.dst not in selected]
    seen: set[str] = set()
    while stack:
        node_id = stack.pop()
        if node_id in seen:
            continue
        if node_id in above:
            message = (
                f"{graph.describe(node_id)} is fed by the selection and feeds it too; "
                "select it as well, or fewer layers"
            )
            raise BlockError(message, node_id)
        seen.add(node_id)
        stack.extend(e.dst for e in graph.out_edges(node_id))


def _port_names(ends: dict, stem: str) -> dict:
    """``x`` (or ``x``, ``x2``, ...) for each of the ordered ``ends``."""
    return {end: stem if n == 0 else f"{stem}{n + 1}" for n, end in enumerate(ends)}


def _definition(graph, name, ids, edges, sources, results) -> BlockDefinition:
    """The definition of a block made of ``ids``: copies of the layers (same ids and
    labels), a Block input per source and a Block output per used result."""
    inner = graph.blocks.new_graph(name)
    analysis = infer_shapes(graph)
    xs = [graph.node(n).position[0] for n in ids]
    ys = [graph.node(n).position[1] for n in ids]
    for number, ((src, port), label) in enumerate(sources.items()):
        shape = analysis.info(src).output_at(port)
        params = {"shape": shape.dims} if shape is not None and shape.dims else {}
        place = (min(xs) - _PORT_GAP, min(ys) + number * 100.0)
        inner.add_node(BLOCK_INPUT, params, label, place, f"in{number + 1}")
    for node_id in ids:
        node = graph.node(node_id)
        params = copy.deepcopy(node.params)
        inner.add_node(node.type, params, node.label, node.position, node_id, None, node.silenced)
    selected = set(ids)
    inputs = {end: f"in{n + 1}" for n, end in enumerate(sources)}
    for _, e in edges:
        if e.dst in selected and e.src in selected:
            inner.connect(e.src, e.src_port, e.dst, e.dst_port)
        elif e.dst in selected:
            inner.connect(inputs[(e.src, e.src_port)], "out", e.dst, e.dst_port)
    for number, ((src, port), label) in enumerate(results.items()):
        place = (max(xs) + _PORT_GAP, min(ys) + number * 100.0)
        out = inner.add_node(BLOCK_OUTPUT, {}, label, place, f"out{number + 1}")
        inner.connect(src, port, out.id, "in")
    return BlockDefinition(name, inner)


@dataclass
class Ungroup:
    """Replace a block instance by copies of the layers inside it, wired in its place.
    The definition stays in the project (other instances may use it)."""

    node_id: str
    description: str = "Ungroup block"
    id_map: dict[str, str] = field(default_factory=dict, init=False)
    _removed: RemoveNodes | None = field(default=None, init=False)

    def apply(self, graph: Graph) -> None:
        definition = graph.blocks.get(_block_of(graph, self.node_id))
        inner = definition.graph
        entering = {e.dst_port: e for e in graph.in_edges(self.node_id)}
        leaving = [(i, e) for i, e in enumerate(graph.edges) if e.src == self.node_id]
        boundary = set(definition.input_nodes) | set(definition.output_nodes)
        feeding = {inner.node(e.dst).label: e for e in inner.edges if e.dst in boundary}
        for _, e in leaving:  # checked before anything changes
            if e.src_port not in feeding:
                message = (
                    f"the output {e.src_port!r:.60} of block {definition.name!r:.60} is fed "
                    "by nothing inside it; wire it inside the block first"
                )
                raise BlockError(message, self.node_id)
        layers = [node for node in inner if node.id not in boundary]
        origin = graph.node(self.node_id).position
        self._removed = RemoveNodes([self.node_id], self.description)
        removed = [i for i, e in enumerate(graph.edges) if e.touches(self.node_id)]
        self._removed.apply(graph)
        centre = _mean([node.position for node in layers]) if layers else origin
        for node in layers:
            new_id = self.id_map.get(node.id) or graph.new_node_id()
            x, y = node.position
            place = (x - centre[0] + origin[0], y - centre[1] + origin[1])
            label = free_label(graph, node.label)
            params = copy.deepcopy(node.params)
            graph.add_node(node.type, params, label, place, new_id, None, node.silenced)
            self.id_map[node.id] = new_id
        self._wire_inside(graph, inner, entering, boundary)
        places = reinsertion_indices(removed, [i for i, _ in leaving])
        for (_, e), index in zip(leaving, places, strict=True):
            source = feeding[e.src_port]
            src = self.id_map.get(source.src)
            if src is None:  # an input passed straight through to an output
                src, port = _outer_source(entering, inner, source.src)
                if src is None:
                    continue
            else:
                port = source.src_port
            graph.connect(src, port, e.dst, e.dst_port, index)

    def _wire_inside(self, graph: Graph, inner: Graph, entering: dict, boundary: set) -> None:
        for e in inner.edges:
            if e.dst in boundary:
                continue
            if e.src in boundary:
                src, port = _outer_source(entering, inner, e.src)
                if src is None:
                    continue
            else:
                src, port = self.id_map[e.src], e.src_port
            graph.connect(src, port, self.id_map[e.dst], e.dst_port)

    def revert(self, graph: Graph) -> None:
        assert self._removed is not None
        for node_id in reversed(list(self.id_map.values())):
            if node_id in graph.nodes:
                graph.remove_node(node_id)
        self._removed.revert(graph)


def _outer_source(entering: dict, inner: Graph, port_node: str) -> tuple[str | None, str]:
    edge = entering.get(inner.node(port_node).label)
    return (edge.src, edge.src_port) if edge is not None else (None, "")


def _mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def swap_type(graph: Graph, node_id: str, type_id: str) -> None:
    """Give a node another type of the same ports, keeping its id, place and wires (an
    instance moving to another block of the same ports: detaching, importing)."""
    node = graph.node(node_id)
    index = graph.node_index(node_id)
    wires = [(i, e) for i, e in enumerate(graph.edges) if e.touches(node_id)]
    graph.remove_node(node_id)
    graph.add_node(type_id, node.params, node.label, node.position, node_id, index, node.silenced)
    for i, e in wires:
        graph.connect(e.src, e.src_port, e.dst, e.dst_port, i)


def copy_definition(definition: BlockDefinition, name: str) -> BlockDefinition:
    """A copy of ``definition`` under ``name`` (same node ids, labels and wires)."""
    source = definition.graph
    graph = source.blocks.new_graph(name)
    for node in source:
        params = copy.deepcopy(node.params)
        graph.add_node(node.type, params, node.label, node.position, node.id, None, node.silenced)
    for e in source.edges:
        graph.connect(e.src, e.src_port, e.dst, e.dst_port)
    return BlockDefinition(name, graph)


@dataclass
class DetachBlock:
    """Give one instance its own copy of its block (``BasicBlock2``), so that editing it
    no longer changes the other instances."""

    node_id: str
    new_name: str = ""
    description: str = "Detach block"
    _old: str = field(default="", init=False)
    _definition: BlockDefinition | None = field(default=None, init=False)

    def apply(self, graph: Graph) -> None:
        self._old = _block_of(graph, self.node_id)
        if self._definition is None:
            self.new_name = self.new_name or graph.blocks.free_name(self._old)
            self._definition = copy_definition(graph.blocks.get(self._old), self.new_name)
        graph.blocks.add(self._definition)
        swap_type(graph, self.node_id, block_type(self.new_name))

    def revert(self, graph: Graph) -> None:
        swap_type(graph, self.node_id, block_type(self._old))
        graph.blocks.remove(self.new_name)


@dataclass
class RepeatBlock:
    """Chain ``count`` instances of a block where there was one: copies follow the
    original, and what the original fed is fed by the last copy. Only a block whose
    single output has the shape of its single input can feed itself."""

    node_id: str
    count: int
    description: str = "Repeat block"
    new_ids: list[str] = field(default_factory=list, init=False)
    _leaving: list[tuple[int, Edge]] = field(default_factory=list, init=False)

    def apply(self, graph: Graph) -> None:
        in_port, out_port = self._check(graph)
        node = graph.node(self.node_id)
        self._leaving = [(i, e) for i, e in enumerate(graph.edges) if e.src == self.node_id]
        for _, e in reversed(self._leaving):
            graph.disconnect(e)
        previous = self.node_id
        for number in range(self.count - 1):
            known = self.new_ids[number] if number < len(self.new_ids) else None
            x, y = node.position
            place = (x + (number + 1) * _REPEAT_GAP, y)
            added = graph.add_node(node.type, {}, None, place, known)
            if known is None:
                self.new_ids.append(added.id)
            graph.connect(previous, out_port, added.id, in_port)
            previous = added.id
        for index, e in self._leaving:  # the chain's own wires went to the end
            graph.connect(previous, e.src_port, e.dst, e.dst_port, index)

    def _check(self, graph: Graph) -> tuple[str, str]:
        _block_of(graph, self.node_id)
        spec = graph.spec(self.node_id)
        what = graph.describe(self.node_id)
        if not (isinstance(self.count, int) and 2 <= self.count <= MAX_REPEAT):
            raise BlockError(f"a block can be repeated 2 to {MAX_REPEAT} times", self.node_id)
        if len(spec.inputs) != 1 or len(spec.outputs) != 1:
            message = f"{what}: only a block with one input and one output can be chained"
            raise BlockError(message, self.node_id)
        info = infer_shapes(graph).info(self.node_id)
        if not info.inputs or info.output != info.inputs[0]:
            shapes = f"{info.output_text} from {', '.join(map(str, info.inputs)) or '?'}"
            message = f"{what}: its output must have its input's shape to feed a copy ({shapes})"
            raise BlockError(message, self.node_id)
        return spec.inputs[0].name, spec.outputs[0].name

    def revert(self, graph: Graph) -> None:
        for node_id in reversed(self.new_ids):
            graph.remove_node(node_id)
        for index, e in self._leaving:
            graph.connect(e.src, e.src_port, e.dst, e.dst_port, index)


__all__ = [
    "INPUT_ROLE",
    "MAX_REPEAT",
    "OUTPUT_ROLE",
    "DetachBlock",
    "GroupIntoBlock",
    "RepeatBlock",
    "Ungroup",
    "copy_definition",
    "reinsertion_indices",
    "swap_type",
]
