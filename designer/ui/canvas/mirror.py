"""`GraphMirror`: the part of `GraphScene` that makes the items from the graph and keeps
them in step with it, event by event.

An added node adds one item, a moved node moves one item and re-routes only its wires, a
removed wire tells only its two ports; a rebuild happens only when another graph is shown
(a project replaced, a block opened). A mixin rather than a class of its own, because
these are the scene's own item maps and ``addItem``/``removeItem``; the scene keeps the
queries, the document's analysis and selection, and the gestures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from PySide6.QtCore import QRectF

from designer.model import Edge, Graph
from designer.model.block_table import block_name
from designer.ui.canvas import style
from designer.ui.canvas.batch import collection_paused
from designer.ui.canvas.card import NodeFace
from designer.ui.canvas.edge_item import EdgeItem
from designer.ui.canvas.node_item import NodeItem

SCENE_MARGIN = 20000.0


class GraphMirror:
    """Items made from the shown graph and following its events (mixed into `GraphScene`,
    whose ``document``, item maps, marks, theme, zoom and interactions it uses)."""

    # ------------------------------------------------------- building items
    def rebuild(self) -> None:
        """Drop every item and make them again from the model (a project was replaced)."""
        with collection_paused():
            self._rebuild()

    def _rebuild(self) -> None:
        self.interactions.reset()
        with SyncGuard(self):
            self.clear()
        self._nodes.clear()
        self._edges.clear()
        self._wires_of.clear()
        graph = self.document.view_graph
        wired: dict[str, set[tuple[str, bool]]] = defaultdict(set)
        for edge in graph.edges:  # ports are made connected, not told so wire by wire
            wired[edge.src].add((edge.src_port, True))
            wired[edge.dst].add((edge.dst_port, False))
        for node_id in graph.nodes:
            self._add_node_item(node_id, wired.get(node_id, ()))
        for edge in graph.edges:
            self._add_edge_item(edge, refresh_ports=False)
        self._on_document_analysis_changed()
        self._on_document_selection_changed(self.document.selection)
        self._grow_scene_rect(self.content_rect())

    def _face(self, node_id: str) -> NodeFace:
        """The node's face, shared by the nodes of one type with the same output ports."""
        graph = self.document.view_graph
        return self._faces.of(graph.catalog, graph.node(node_id))

    def _add_node_item(self, node_id: str, wired: Collection[tuple[str, bool]] = ()) -> NodeItem:
        """The item of a node, its ``wired`` ports (name, is output) shown connected."""
        node = self.document.view_graph.node(node_id)
        face = self._faces.of(self.document.view_graph.catalog, node)
        item = NodeItem(node_id, face, node.label, self.current_theme, wired, self._port_judge)
        item.setPos(*node.position)
        if self._node_marks:
            item.set_mark(self._node_marks.get(node_id))
        if self.detail != style.DETAIL:
            item.row.setVisible(False)
        if self.read_only:
            item.setFlag(NodeItem.GraphicsItemFlag.ItemIsMovable, False)
        self._nodes[node_id] = item
        self.addItem(item)
        return item

    def _on_graph_param_changed(self, node_id: str, _name: str, _value: object) -> None:
        """A parameter that changes a node's output ports (a Chunk's number of parts)
        gives it a new card; its wires, which use only ports that remain, follow."""
        old = self._nodes.get(node_id)
        if old is None or old.face is self._face(node_id):  # faces are shared
            return
        self.interactions.cancel()
        selected, shown = old.isSelected(), old.analysis_shown
        wired = {
            (e.src_port, True) if e.src == node_id else (e.dst_port, False)
            for e in self._wires_of.get(node_id, ())
        }
        with SyncGuard(self):
            self.removeItem(old)
            item = self._add_node_item(node_id, wired)
            if shown is not None:
                item.show_analysis(*shown)
            item.setSelected(selected)
        self.on_node_item_moved(node_id)

    def _on_graph_blocks_changed(self, _name: str) -> None:
        """A block's definition changed: its instances get the card of its ports."""
        graph = self.document.view_graph
        if self._graph is not graph:
            return
        for node_id in list(self._nodes):
            if node_id in graph.nodes and block_name(graph.node(node_id).type) is not None:
                self._on_graph_param_changed(node_id, "", None)

    def _add_edge_item(self, edge: Edge, refresh_ports: bool = True) -> None:
        item = EdgeItem(edge, self.current_theme)
        if self._edge_marks:
            item.set_mark(self._edge_marks.get(edge))
        self._edges[edge] = item
        self._wires_of[edge.src].add(edge)
        self._wires_of[edge.dst].add(edge)
        self._place_edge(item)
        self.addItem(item)
        if refresh_ports:
            self._refresh_ports(edge)

    def _place_edge(self, item: EdgeItem) -> None:
        e = item.edge
        start, end = (
            self._port_point(e.src, e.src_port, True),
            self._port_point(e.dst, e.dst_port, False),
        )
        item.set_endpoints(start, end, self.zoom)

    def _refresh_ports(self, edge: Edge) -> None:
        """Show whether the two ports ``edge`` joins (or joined) still have a wire."""
        wires = self._wires_of
        for node_id, name, out in (
            (edge.src, edge.src_port, True),
            (edge.dst, edge.dst_port, False),
        ):
            item = self._nodes.get(node_id)
            port = item.port(name, out) if item else None
            if port is not None:
                ends = {
                    (e.src_port, True) if e.src == node_id else (e.dst_port, False)
                    for e in wires.get(node_id, ())
                }
                port.set_connected((name, out) in ends)

    def _grow_scene_rect(self, rect: QRectF) -> None:
        """Keep room to pan around the content; the rectangle only ever grows."""
        if rect.isEmpty():
            return
        wanted = rect.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN)
        if not self.sceneRect().contains(wanted):
            self.setSceneRect(self.sceneRect().united(wanted))

    # ------------------------------------------------------ model -> items
    def _attach(self, graph: Graph) -> None:
        """Follow ``graph``'s events (the handlers list is shared with the destroy hook)."""
        self._graph = graph
        events = graph.events
        self._handlers[:] = [
            (events.node_added, self._on_graph_node_added),
            (events.node_removed, self._on_graph_node_removed),
            (events.edge_added, self._on_graph_edge_added),
            (events.edge_removed, self._on_graph_edge_removed),
            (events.node_moved, self._on_graph_node_moved),
            (events.node_renamed, self._on_graph_node_renamed),
            (events.param_changed, self._on_graph_param_changed),
            (graph.blocks.events.changed, self._on_graph_blocks_changed),
        ]
        for signal, handler in self._handlers:
            signal.connect(handler)

    def _detach(self) -> None:
        disconnect_all(self._handlers)

    def _on_graph_node_added(self, node_id: str) -> None:
        item = self._add_node_item(node_id)
        self._grow_scene_rect(item.sceneBoundingRect())

    def _on_graph_node_removed(self, node_id: str) -> None:
        self.interactions.cancel()
        item = self._nodes.pop(node_id, None)
        self._wires_of.pop(node_id, None)
        if item is not None:
            self.removeItem(item)

    def _on_graph_edge_added(self, edge: Edge) -> None:
        self.interactions.cancel()
        self._add_edge_item(edge)

    def _on_graph_edge_removed(self, edge: Edge) -> None:
        self.interactions.cancel()
        item = self._edges.pop(edge, None)
        for node_id in (edge.src, edge.dst):
            self._wires_of.get(node_id, set()).discard(edge)
        if item is not None:
            self.removeItem(item)
        self._refresh_ports(edge)

    def _on_graph_node_moved(self, node_id: str, x: float, y: float) -> None:
        item = self._nodes.get(node_id)
        if item is not None and (item.x(), item.y()) != (x, y):
            item.setPos(x, y)
            self.on_node_item_moved(node_id)
            self._grow_scene_rect(item.sceneBoundingRect())

    def _on_graph_node_renamed(self, node_id: str, label: str) -> None:
        item = self._nodes.get(node_id)
        if item is not None:
            item.set_label(label)

    def on_node_item_moved(self, node_id: str) -> None:
        """Re-route the wires of a node whose item moved (a drag, or the model)."""
        for edge in self._wires_of.get(node_id, ()):
            item = self._edges.get(edge)
            if item is not None:
                self._place_edge(item)


class SyncGuard:
    """Marks the scene as syncing selection so the two directions do not echo."""

    def __init__(self, scene: GraphMirror) -> None:
        self.scene = scene

    def __enter__(self) -> None:
        self.previous = self.scene._syncing
        self.scene._syncing = True

    def __exit__(self, *exc: object) -> None:
        self.scene._syncing = self.previous


def disconnect_all(handlers: list) -> None:
    """Drop the psygnal connections in ``handlers`` (those gone already are no error)."""
    for signal, handler in handlers:
        signal.disconnect(handler, missing_ok=True)
    handlers.clear()
