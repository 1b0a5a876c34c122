"""`GraphScene`: graphics items mirroring a `GraphDocument`'s graph.

The scene keeps the id-to-item maps and follows the graph's events one by one (an added
node adds one item, a moved node moves one item and its wires); the analysis only ever
updates status rows, and only those whose node's result changed. No model state lives
here: positions are read from the model, and a drag writes them back through one
`MoveNodes` edit (see `interactions`). Making the items and following the graph's events
is `mirror.GraphMirror`'s part; the scene answers the document and the mouse.

Tooltips are written when the mouse rests on an item (`helpEvent`), never for every item
after every edit; the view tells the scene how much detail its zoom can show
(`set_zoom`), and rows of text too small to read are hidden rather than drawn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from functools import partial

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsSceneHelpEvent,
    QGraphicsSceneMouseEvent,
    QToolTip,
)

from designer.model import Edge, Graph
from designer.model.block_table import block_name
from designer.ui.canvas import style
from designer.ui.canvas.analysis_view import show_analysis, tooltip_of
from designer.ui.canvas.card import Faces
from designer.ui.canvas.edge_item import EdgeItem
from designer.ui.canvas.interactions import InteractionController
from designer.ui.canvas.mirror import SCENE_MARGIN, GraphMirror, SyncGuard, disconnect_all
from designer.ui.canvas.node_item import NodeItem
from designer.ui.canvas.port_item import PortJudge
from designer.ui.document import GraphDocument

#: Up to this many changed status rows are repainted one by one (Qt's views repaint the
#: bounding rectangle of more than 50 areas anyway); more, and the scene at once.
ROW_UPDATES = 50


class GraphScene(QGraphicsScene, GraphMirror):
    """The canvas contents. ``message(str)`` carries status text (why a wire is refused);
    ``rename_requested(str)`` asks to rename a node (double-click on it).

    A ``read_only`` scene shows a design without offering to change it: nodes can be
    selected but not dragged, ports start no wires, a double-click renames nothing.
    """

    message = Signal(str)
    rename_requested = Signal(str)

    def __init__(
        self, document: GraphDocument, parent: QObject | None = None, read_only: bool = False
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.read_only = read_only
        self._node_marks: dict[str, str] = {}
        self._edge_marks: dict[Edge, str] = {}
        self.theme = style.LIGHT
        self.interactions = InteractionController(self)
        self._nodes: dict[str, NodeItem] = {}
        self._edges: dict[Edge, EdgeItem] = {}
        self._wires_of: dict[str, set[Edge]] = defaultdict(set)
        self._faces = Faces()
        self._handlers: list = []
        self._graph: Graph | None = None  # the graph the items mirror
        self._syncing = False
        self.zoom = 1.0  # the view's (`set_zoom`)
        self.detail = style.DETAIL  # how much that zoom can show
        self.setSceneRect(QRectF(-SCENE_MARGIN, -SCENE_MARGIN, 2 * SCENE_MARGIN, 2 * SCENE_MARGIN))
        document.analysis_changed.connect(self._on_document_analysis_changed)
        document.project_replaced.connect(self._on_document_project_replaced)
        document.view_changed.connect(self._on_document_project_replaced)
        document.selection_changed.connect(self._on_document_selection_changed)
        self.selectionChanged.connect(self._on_scene_selection_changed)
        # NOTE: psygnal would keep calling a deleted C++ scene; drop the handlers with it.
        self.destroyed.connect(partial(disconnect_all, self._handlers))
        self._attach(document.view_graph)
        self.rebuild()

    # ------------------------------------------------------------ queries
    def node_item(self, node_id: str) -> NodeItem | None:
        return self._nodes.get(node_id)

    def edge_item(self, edge: Edge) -> EdgeItem | None:
        return self._edges.get(edge)

    def node_items(self) -> list[NodeItem]:
        return list(self._nodes.values())

    def edge_items(self) -> list[EdgeItem]:
        return list(self._edges.values())

    def selected_node_items(self) -> list[NodeItem]:
        return [i for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edge_items(self) -> list[EdgeItem]:
        return [i for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def selected_node_ids(self) -> list[str]:
        """The selected nodes in graph order."""
        selected = {i.node_id for i in self.selected_node_items()}
        return [n for n in self.document.view_graph.nodes if n in selected]

    def port_scene_pos(self, node_id: str, port_name: str, is_output: bool) -> QPointF:
        return QPointF(*self._port_point(node_id, port_name, is_output))

    def _port_point(self, node_id: str, port_name: str, is_output: bool) -> tuple[float, float]:
        item = self._nodes[node_id]
        dx, dy = item.port_offset(port_name, is_output)
        return item.x() + dx, item.y() + dy

    def content_rect(self) -> QRectF:
        """The rectangle around every card, ports included (empty when there are none)."""
        rect = QRectF()
        for item in self._nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # ------------------------------------------------------------ commands
    def delete_selection(self) -> bool:
        return self.interactions.delete_selection()

    def select_nodes(self, node_ids: list[str]) -> None:
        """Select exactly these nodes (and no wires); the document follows."""
        wanted = set(node_ids)
        with SyncGuard(self):
            for item in self.selectedItems():
                item.setSelected(False)
            for node_id in wanted:
                item = self._nodes.get(node_id)
                if item is not None:
                    item.setSelected(True)
        self.document.set_selection(node_ids)

    def current_theme(self) -> style.CanvasTheme:
        """The theme the items paint with (they are handed this method when made)."""
        return self.theme

    def set_theme(self, theme: style.CanvasTheme) -> None:
        if theme != self.theme:
            self.theme = theme
            self.setBackgroundBrush(theme.colour("background"))
            for item in self.items():
                item.update()

    def set_zoom(self, zoom: float) -> None:
        """Draw for a view at ``zoom`` (each `GraphView` has a scene of its own): status
        rows only where their text is legible (`style.detail_level`), so a zoomed-out
        design of thousands of layers draws none; wires cached as pixmaps only while
        they are small on screen."""
        level = style.detail_level(zoom, self.theme.fonts)
        if level != self.detail:
            self.detail = level
            for node in self._nodes.values():
                node.row.setVisible(level == style.DETAIL)
        if zoom != self.zoom:
            self.zoom = zoom
            for wire in self._edges.values():
                wire.cache_for(zoom)

    def set_marks(self, nodes: Mapping[str, str], edges: Mapping[Edge, str]) -> None:
        """Mark nodes and wires as added, removed or changed (a comparison of designs);
        everything not named is unmarked. The marks last until the project is replaced."""
        self._node_marks, self._edge_marks = dict(nodes), dict(edges)
        for node_id, item in self._nodes.items():
            item.set_mark(self._node_marks.get(node_id))
        for edge, item in self._edges.items():
            item.set_mark(self._edge_marks.get(edge))

    def sync_positions(self, node_ids: list[str]) -> None:
        """Put items back where the model says (after a refused move)."""
        graph = self.document.view_graph
        for node_id in node_ids:
            if node_id in graph.nodes and node_id in self._nodes:
                self._nodes[node_id].setPos(*graph.node(node_id).position)
                self.on_node_item_moved(node_id)

    def _port_judge(self) -> PortJudge | None:
        """The wire drag in progress, which says what the input ports show."""
        return self.interactions.wire

    # ---------------------------------------------------- document -> items
    def _on_document_analysis_changed(self) -> None:
        if self._graph is not self.document.view_graph:
            return  # a new project's analysis arrives before project_replaced
        changed = show_analysis(self._nodes, self.document.view_graph, self.document.view_analysis)
        if self.detail != style.DETAIL:
            return  # the rows are hidden: nothing they show needs painting
        if len(changed) <= ROW_UPDATES:
            for item in changed:
                item.row.update()
        else:  # rows are drawn fresh on every paint: one update, not one per item
            self.update()

    def helpEvent(self, event: QGraphicsSceneHelpEvent) -> None:
        """Show the tooltip of the topmost item under the mouse that has one (what
        Qt does), with the text written now rather than kept current for every item."""
        text = ""
        for item in self.items(event.scenePos()):
            text = tooltip_of(item, self.document.view_graph, self.document.view_analysis)
            if text:
                break
        QToolTip.showText(event.screenPos() if text else QPoint(), text, event.widget())
        event.setAccepted(bool(text))

    def _on_document_project_replaced(self) -> None:
        self._node_marks, self._edge_marks = {}, {}  # they named the old project's ids
        self._detach()
        self._attach(self.document.view_graph)
        self.rebuild()

    def _on_document_selection_changed(self, node_ids: list) -> None:
        if (
            self._graph is not self.document.view_graph
            or self._syncing
            or set(node_ids) == set(self.selected_node_ids())
        ):
            return
        with SyncGuard(self):
            for item in self.selectedItems():
                item.setSelected(False)
            for node_id in node_ids:
                item = self._nodes.get(node_id)
                if item is not None:
                    item.setSelected(True)

    def _on_scene_selection_changed(self) -> None:
        if not self._syncing:
            with SyncGuard(self):
                self.document.set_selection(self.selected_node_ids())

    def event(self, event: QEvent) -> bool:
        # NOTE: QGraphicsScene answers its window gaining or losing focus by sorting every
        # item and sending each top-level one the news: tens of milliseconds on a large
        # design, every time the user switches windows. No item here uses activation.
        if event.type() in (QEvent.Type.WindowActivate, QEvent.Type.WindowDeactivate):
            return True
        return super().event(event)

    # ------------------------------------------------------------- gestures
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.read_only:
            super().mousePressEvent(event)  # selection only
            return
        if self.interactions.press(event):
            return
        super().mousePressEvent(event)
        self.interactions.after_press(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.read_only or not self.interactions.move(event):
            super().mouseMoveEvent(event)  # moves the dragged nodes, if any
            for node_id in self.interactions.dragged:
                self.on_node_item_moved(node_id)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.read_only:
            super().mouseReleaseEvent(event)
            return
        if self.interactions.release(event):
            return
        super().mouseReleaseEvent(event)
        self.interactions.after_release(event)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.read_only:
            super().mouseDoubleClickEvent(event)
            return
        item = self.itemAt(event.scenePos(), self.views()[0].transform()) if self.views() else None
        while item is not None and not isinstance(item, NodeItem):
            item = item.parentItem()
        if isinstance(item, NodeItem) and event.button() == Qt.MouseButton.LeftButton:
            node = self.document.view_graph.node(item.node_id)
            if block_name(node.type) is not None:
                self.document.open_block(item.node_id)  # breadcrumbs lead back out
            else:
                self.rename_requested.emit(item.node_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.interactions.wire is not None:
            self.interactions.cancel()
            event.accept()
            return
        super().keyPressEvent(event)
