"""Where a new layer goes, and which wires it joins, as one undoable edit.

* Added from the palette by keyboard or double-click, a layer goes after the selected
  layer: to its right, in free space (never on top of another layer), wired from it when
  the ports allow.
* Dropped on a wire, a layer is spliced into it: the wire is replaced by two, through
  the new layer, when the layer has an input and an output that can take the data.

The functions only read the graph and the cards' rectangles and return edits; the view
pushes them, so each gesture is one undo step.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF

from designer.catalog import LayerSpec
from designer.model import Analysis, Edge, Graph
from designer.model.edits import AddNode, Compound, Connect, Edit, splice
from designer.model.layout import COLUMN_GAP, ROW_GAP
from designer.ui.canvas import style

#: Room kept between a new card and its neighbours.
CLEARANCE = 16.0
MAX_TRIES = 60


def card_rect(spec: LayerSpec, top_left: QPointF) -> QRectF:
    """The rectangle a card of ``spec`` covers with its top-left corner at ``top_left``."""
    rows = max(len(spec.inputs), len(spec.outputs), 1)
    return QRectF(top_left.x(), top_left.y(), style.NODE_WIDTH, style.card_height(rows))


def free_spot(spec: LayerSpec, wanted: QPointF, taken: Iterable[QRectF]) -> QPointF:
    """The top-left nearest ``wanted``, stepping a row down, then up, then two down...,
    where a card of ``spec`` overlaps none of the ``taken`` rectangles."""
    taken = [r.adjusted(-CLEARANCE, -CLEARANCE, CLEARANCE, CLEARANCE) for r in taken]
    for attempt in range(MAX_TRIES):
        rows = (attempt + 1) // 2 * (1 if attempt % 2 else -1)
        spot = QPointF(wanted.x(), wanted.y() + rows * ROW_GAP)
        rect = card_rect(spec, spot)
        if not any(rect.intersects(other) for other in taken):
            return spot
    return QPointF(wanted.x(), wanted.y() + MAX_TRIES * ROW_GAP)


def takes_output_of(
    graph: Graph, analysis: Analysis, src: str, spec: LayerSpec, src_port: str | None = None
) -> bool:
    """Whether a new layer of ``spec`` may be wired from ``src``'s output ``src_port``
    (its first by default): it has an input, and integer token ids do not reach a layer
    computing on reals (the rule the wiring gesture applies; the graph's other rules hold
    for a fresh node)."""
    ports = graph.output_ports(src)
    if not spec.inputs or not ports:
        return False
    shape = analysis.info(src).output_at(src_port or ports[0].name)
    return not (shape is not None and spec.input_refusal(spec.inputs[0].name, shape.dtype))


def add_after_edit(
    graph: Graph, analysis: Analysis, spec: LayerSpec, position: QPointF, after: str | None
) -> tuple[Edit, str]:
    """The edit adding a ``spec`` layer at ``position``, wired from ``after`` when it
    takes that output; returns it with the new node's id."""
    node_id = graph.new_node_id()
    add = AddNode(spec.type_id, position=_whole(position), node_id=node_id)
    if after is None or not takes_output_of(graph, analysis, after, spec):
        return add, node_id
    wire = Connect(after, graph.output_ports(after)[0].name, node_id, spec.inputs[0].name)
    return Compound([add, wire], f"Add {spec.display_name}"), node_id


def position_after(graph: Graph, node_id: str, spec: LayerSpec, taken: list[QRectF]) -> QPointF:
    """Free space one column to the right of ``node_id``, on its row when possible."""
    x, y = graph.node(node_id).position
    return free_spot(spec, QPointF(x + COLUMN_GAP, y), taken)


def can_splice(graph: Graph, analysis: Analysis, edge: Edge, spec: LayerSpec) -> bool:
    """Whether a layer of ``spec`` fits into ``edge``: it takes the wire's data in and
    has an output to carry it on."""
    return bool(spec.outputs) and takes_output_of(graph, analysis, edge.src, spec, edge.src_port)


def splice_edit(graph: Graph, edge: Edge, spec: LayerSpec, position: QPointF) -> tuple[Edit, str]:
    """The edit replacing ``edge`` by ``src -> new layer -> dst`` (one undo step);
    returns it with the new node's id. The model builds it (`splice`), as it does for
    the linter's quick fixes that insert a layer."""
    return splice(graph, edge, spec.type_id, _whole(position))


def _whole(point: QPointF) -> tuple[float, float]:
    return float(round(point.x())), float(round(point.y()))  # whole pixels in files


__all__ = [
    "add_after_edit",
    "can_splice",
    "card_rect",
    "free_spot",
    "position_after",
    "splice_edit",
    "takes_output_of",
]
