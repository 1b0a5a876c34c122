"""`LayerAdder`: new layers from the palette onto the view's design, one undo step each.

A drag from the palette lights up the wire under the cursor when the layer can be
spliced into it, and a drop there splices it; a drop elsewhere adds it under the cursor.
Keyboard and double-click adds go after the selected layer (see `placement`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt

from designer.catalog import LayerSpec
from designer.model.block_table import block_name
from designer.model.edits import AddNode
from designer.ui.canvas import style
from designer.ui.canvas.edge_item import EdgeItem
from designer.ui.canvas.node_item import NodeItem
from designer.ui.canvas.placement import (
    add_after_edit,
    can_splice,
    free_spot,
    position_after,
    splice_edit,
)
from designer.ui.canvas.port_item import PortItem

if TYPE_CHECKING:
    from designer.ui.canvas.view import GraphView

#: How near (screen pixels) the cursor must be to a wire for a drop to splice into it.
WIRE_REACH_PX = 6.0


class LayerAdder:
    """Adds palette layers to a `GraphView`'s document and selects each new one."""

    def __init__(self, view: GraphView) -> None:
        self.view = view
        self.target: EdgeItem | None = None  # the wire lit up under a drag
        #: Runs an add of a block the project lacks after bringing its definition in
        #: (from the library), as one undo step: ``fetch_block(type_id, add)``. None
        #: leaves such a type unknown.
        self.fetch_block: Callable[[str, Callable[[], str | None]], str | None] | None = None

    def _adding(self, type_id: str, add: Callable[[], str | None]) -> str | None:
        name = block_name(type_id)
        if name is None or name in self._document.graph.blocks or self.fetch_block is None:
            return add()
        return self.fetch_block(type_id, add)

    @property
    def _document(self):
        return self.view.document

    def _spec(self, type_id: str) -> LayerSpec | None:
        catalog = self._document.view_graph.catalog
        if type_id not in catalog:
            self._document.error_raised.emit(f"Cannot add a layer: unknown type {type_id!r:.60}")
            return None
        return catalog.get(type_id)

    def _finish(self, node_id: str) -> str:
        scene = self.view.graph_scene
        scene.select_nodes([node_id])
        item = scene.node_item(node_id)
        if item is not None:
            self.view.ensureVisible(item, 40, 40)
        return node_id

    # ------------------------------------------------------------------ adding
    def add_at(self, type_id: str, scene_pos: QPointF) -> str | None:
        """Add a layer with its title bar under ``scene_pos``; returns the new id."""
        return self._adding(type_id, lambda: self._add_at(type_id, scene_pos))

    def _add_at(self, type_id: str, scene_pos: QPointF) -> str | None:
        if self._spec(type_id) is None:
            return None
        x = round(scene_pos.x() - style.NODE_WIDTH / 2)
        y = round(scene_pos.y() - style.TITLE_HEIGHT / 2)
        edit = AddNode(type_id, position=(x, y))
        if not self._document.push(edit):
            return None
        return self._finish(edit.node_id)  # type: ignore[arg-type]

    def add_after_selection(self, type_id: str) -> str | None:
        """Add a layer after the one selected layer (to its right in free space, wired
        from it when it can take its output), or in free space mid-view."""
        return self._adding(type_id, lambda: self._add_after_selection(type_id))

    def _add_after_selection(self, type_id: str) -> str | None:
        spec = self._spec(type_id)
        if spec is None:
            return None
        document = self._document
        graph, selection = document.view_graph, document.selection
        after = selection[0] if len(selection) == 1 else None
        taken = [
            item.mapRectToScene(item.body_rect()) for item in self.view.graph_scene.node_items()
        ]
        if after is not None:
            spot = position_after(graph, after, spec, taken)
        else:
            centre = self.view.mapToScene(self.view.viewport().rect().center())
            wanted = centre - QPointF(style.NODE_WIDTH / 2, style.TITLE_HEIGHT / 2)
            spot = free_spot(spec, wanted, taken)
        edit, node_id = add_after_edit(graph, document.view_analysis, spec, spot, after)
        if not document.push(edit):
            return None
        return self._finish(node_id)

    # ------------------------------------------------------------- drag, drop
    def hover(self, type_id: str, scene_pos: QPointF) -> None:
        """A palette drag moved: light up the wire a drop here would splice into."""
        self._show_target(self._wire_at(type_id, scene_pos))

    def leave(self) -> None:
        self._show_target(None)

    def drop(self, type_id: str, scene_pos: QPointF) -> str | None:
        """Splice the layer into the wire under ``scene_pos`` if it fits there, else add
        it under the cursor."""
        wire = self._wire_at(type_id, scene_pos)
        self._show_target(None)
        if wire is None:
            return self._adding(type_id, lambda: self._add_at(type_id, scene_pos))
        document = self._document
        spec = document.view_graph.catalog.get(type_id)
        spot = scene_pos - QPointF(style.NODE_WIDTH / 2, style.TITLE_HEIGHT / 2)
        edit, node_id = splice_edit(document.view_graph, wire.edge, spec, spot)
        if not document.push(edit):
            return None
        return self._finish(node_id)

    def _wire_at(self, type_id: str, scene_pos: QPointF) -> EdgeItem | None:
        """The wire under ``scene_pos`` that a ``type_id`` layer can be spliced into;
        None over a layer, away from wires, or when the layer does not fit."""
        document = self._document
        if type_id not in document.view_graph.catalog:
            return None
        reach = WIRE_REACH_PX / max(self.view.zoom, 1e-6)
        area = QRectF(scene_pos.x() - reach, scene_pos.y() - reach, 2 * reach, 2 * reach)
        for item in self.view.graph_scene.items(
            area, Qt.ItemSelectionMode.IntersectsItemShape, Qt.SortOrder.DescendingOrder
        ):
            if isinstance(item, (NodeItem, PortItem)):
                return None
            if isinstance(item, EdgeItem) and item.isVisible():
                spec = document.view_graph.catalog.get(type_id)
                fits = can_splice(document.view_graph, document.view_analysis, item.edge, spec)
                return item if fits else None
        return None

    def _show_target(self, wire: EdgeItem | None) -> None:
        if wire is self.target:
            return
        if self.target is not None and self.target.scene() is not None:
            self.target.set_drop_target(False)
        self.target = wire
        if wire is not None:
            wire.set_drop_target(True)


__all__ = ["WIRE_REACH_PX", "LayerAdder"]
