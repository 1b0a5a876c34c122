"""`GraphView`: the canvas widget: zoom, pan, a dotted grid, palette drops, clipboard.

The view owns its `GraphScene` and turns user intent into edits pushed on the document;
like the scene it keeps no model state. Zoom and pan are view state only. It binds no
command keys: its public methods are the intents that the window's actions (the one
home of the keys, `designer.ui.window_actions`) call.

Fitting follows the window: after a fit (opening a design, Ctrl+0) the view re-fits
whenever it is resized, until the user zooms or pans by hand. A fit never zooms out so
far that node text becomes unreadable (`CanvasFonts.fit_zoom`); a design too large for
that is shown from its beginning, for the user to pan along.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPixmapCache,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from designer.io import subgraph_to_json
from designer.model.edits import MoveNodes
from designer.model.layout import layered_layout
from designer.ui.canvas import clipboard, style
from designer.ui.canvas.adding import LayerAdder
from designer.ui.canvas.breadcrumbs import BreadcrumbBar
from designer.ui.canvas.grid import paint_grid
from designer.ui.canvas.scene import GraphScene
from designer.ui.document import GraphDocument

LAYER_MIME = "application/x-nn-designer-layer"
MIN_ZOOM = 0.1
MAX_ZOOM = 3.0
ZOOM_STEP = 1.2
FIT_MARGIN = 40.0
PASTE_STEP = 30.0
PIXMAP_CACHE_KB = 128 * 1024


class GraphView(QGraphicsView):
    """The node-graph canvas.

    Signals:
        message(str): status text (why a wire is refused); forwarded from the scene.
        zoom_changed(float): the new zoom factor (1.0 = 100 %).
    """

    message = Signal(str)
    zoom_changed = Signal(float)

    def __init__(
        self, document: GraphDocument, parent: QWidget | None = None, read_only: bool = False
    ) -> None:
        super().__init__(parent)
        self.document = document
        #: A read-only canvas shows a design (a comparison) and offers no edit: no drops,
        #: no drags, no wiring, and only the keys that change nothing (zoom, select, copy).
        self.read_only = read_only
        self.graph_scene = GraphScene(document, self, read_only)
        self.setScene(self.graph_scene)
        self.graph_scene.message.connect(self.message)
        self.adder = LayerAdder(self)
        self.breadcrumbs = BreadcrumbBar(document, self)
        self.breadcrumbs.move(8, 8)
        document.view_changed.connect(self.fit_to_view)  # after the scene rebuilt
        hints = QPainter.RenderHint
        self.setRenderHints(
            hints.Antialiasing | hints.TextAntialiasing | hints.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        # NOTE: cached items keep their pixmaps in the global QPixmapCache; at its default
        # 10 MB a large design at a readable zoom evicts its own items while panning.
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), PIXMAP_CACHE_KB))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(not read_only)
        self._pan_from: QPointF | None = None
        self._palette_drag = False  # a layer from the palette is being dragged over us
        self._space_held = False
        self._last_paste: tuple[str, int] = ("", 0)
        self._theme_forced: bool | None = None
        #: Whether the view re-fits the design when resized (no zoom or pan by hand yet).
        self.follows_window = True
        self._apply_theme()

    # ------------------------------------------------------------------ zoom
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_in(self) -> None:
        self._zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom_by(1 / ZOOM_STEP)

    def set_zoom(self, factor: float, anchor: QPoint | None = None) -> None:
        """Zoom to ``factor`` (clamped) by hand, keeping the scene point under ``anchor``
        (viewport coordinates; default: the centre) where it is."""
        self.follows_window = False
        self._apply_zoom(factor, anchor)

    def _apply_zoom(self, factor: float, anchor: QPoint | None = None) -> None:
        factor = min(max(factor, MIN_ZOOM), MAX_ZOOM)
        if abs(factor - self.zoom) < 1e-9:
            return
        anchor = anchor if anchor is not None else self.viewport().rect().center()
        fixed = self.mapToScene(anchor)
        self.setTransform(QTransform.fromScale(factor, factor))
        self._show_detail()
        delta = self.mapFromScene(fixed) - anchor
        self._scroll_by(delta.x(), delta.y())
        self.zoom_changed.emit(factor)

    def _show_detail(self) -> None:
        """Tell the scene the zoom it is drawn at (what is legible, what to cache)."""
        self.graph_scene.set_zoom(self.zoom)

    def _zoom_by(self, step: float, anchor: QPoint | None = None) -> None:
        self.set_zoom(self.zoom * step, anchor)

    def fit_to_view(self) -> None:
        """Show the whole design, at most at 100 % and at least at the readable zoom
        (a larger design is shown from its top-left); an empty canvas resets to 100 %.
        From now on the view re-fits when resized, until the user zooms or pans."""
        self.follows_window = True
        self._fit()

    def _fit(self) -> None:
        rect = self.graph_scene.content_rect()
        if rect.isEmpty():
            self._apply_zoom(1.0)
            self.centerOn(0.0, 0.0)
            return
        rect = rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)
        view = self.viewport().rect()
        whole = min(view.width() / rect.width(), view.height() / rect.height(), 1.0)
        factor = max(whole, min(self.graph_scene.theme.fonts.fit_zoom, 1.0))
        self._apply_zoom(factor)
        factor = self.zoom  # as clamped
        width, height = view.width() / factor, view.height() / factor
        x = rect.center().x() if rect.width() <= width else rect.left() + width / 2
        y = rect.center().y() if rect.height() <= height else rect.top() + height / 2
        self.centerOn(QPointF(x, y))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.follows_window:
            self._fit()

    def show_nodes(self, node_ids: list[str]) -> None:
        """Select exactly ``node_ids`` and, unless they are all in sight already, scroll
        them to the middle of the view (where they stay when the window is resized)."""
        self.graph_scene.select_nodes(node_ids)
        rect = QRectF()
        for node_id in node_ids:
            item = self.graph_scene.node_item(node_id)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect())
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        if not rect.isEmpty() and not visible.contains(rect):
            self.follows_window = False
            self.centerOn(rect.center())

    def center_on_content(self) -> None:
        rect = self.graph_scene.content_rect()
        self.centerOn(rect.center() if not rect.isEmpty() else QPointF(0.0, 0.0))

    def _scroll_by(self, dx: float, dy: float) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + round(dx))
        v.setValue(v.value() + round(dy))

    # ------------------------------------------------------------- editing
    def add_layer_at(self, type_id: str, scene_pos: QPointF) -> str | None:
        """Add a layer with its title bar under ``scene_pos``; returns the new id."""
        return self.adder.add_at(type_id, scene_pos)

    def add_layer(self, type_id: str) -> str | None:
        """Add a layer from the palette (double-click, Enter): after the selected layer,
        to its right in free space and wired from it when it fits; else in free space in
        the middle of the view. One undo step; returns the new id."""
        return self.adder.add_after_selection(type_id)

    def auto_arrange(self) -> bool:
        """Lay the design out in columns by depth, as one undo step, and show it all."""
        graph = self.document.view_graph
        if not len(graph):
            return False
        xs = [n.position[0] for n in graph]
        ys = [n.position[1] for n in graph]
        target = layered_layout(graph, origin=(min(xs), min(ys)))
        moves = {
            node_id: (graph.node(node_id).position, pos)
            for node_id, pos in target.items()
            if graph.node(node_id).position != pos
        }
        if moves and not self.document.push(MoveNodes(moves, "Arrange layers")):
            return False
        self.fit_to_view()
        return bool(moves)

    def delete_selection(self) -> bool:
        return self.graph_scene.delete_selection()

    def select_all(self) -> None:
        self.graph_scene.select_nodes(list(self.document.view_graph.nodes))

    # ----------------------------------------------------------- clipboard
    def copy_selection(self) -> str:
        """Copy the selected layers (and wires among them); returns the snippet text."""
        text = subgraph_to_json(self.document.view_graph, self.graph_scene.selected_node_ids())
        if text:
            clipboard.write_clipboard(text)
            self._last_paste = (text, 0)
        return text

    def cut_selection(self) -> str:
        text = self.copy_selection()
        if text:
            self.delete_selection()
        return text

    def paste(
        self, text: str | None = None, offset: tuple[float, float] | None = None
    ) -> list[str]:
        """Paste a snippet (default: the clipboard's). Without an ``offset`` each repeated
        paste of the same text lands one step further down-right, so copies never hide
        each other."""
        if text is None:
            text = clipboard.read_clipboard()
        if offset is None:
            last, count = self._last_paste
            count = count + 1 if text == last else 1
            self._last_paste = (text, count)
            offset = (PASTE_STEP * count, PASTE_STEP * count)
        ids = clipboard.paste_snippet(self.document, text, offset, self.message.emit)
        if ids:
            self.graph_scene.select_nodes(ids)
        return ids

    def duplicate(self) -> list[str]:
        """Copy and paste the selection 30 px down-right, leaving the clipboard alone."""
        text = subgraph_to_json(self.document.view_graph, self.graph_scene.selected_node_ids())
        if not text:
            self.message.emit("Select layers to duplicate")
            return []
        return self.paste(text, (PASTE_STEP, PASTE_STEP))

    # --------------------------------------------------------------- theme
    def set_dark(self, dark: bool | None) -> None:
        """Force the light or dark canvas; ``None`` follows the widget palette."""
        self._theme_forced = dark
        self._apply_theme()

    def _apply_theme(self) -> None:
        if self._theme_forced is None:
            theme = style.theme_for_palette(self.palette())
        else:
            theme = style.DARK if self._theme_forced else style.LIGHT
        self.graph_scene.set_theme(theme)
        self._show_detail()
        self.resetCachedContent()
        self.viewport().update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_theme()
        super().changeEvent(event)

    # ----------------------------------------------------------- background
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        theme = self.graph_scene.theme
        painter.fillRect(rect, theme.colour("background"))
        paint_grid(painter, rect, self.zoom, theme)

    # --------------------------------------------------------------- drops
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._palette_drag = event.mimeData().hasFormat(LAYER_MIME)
        if self._palette_drag:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
            self.adder.hover(_dragged_type(event), self.mapToScene(event.position().toPoint()))
        else:
            super().dragMoveEvent(event)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        if self._palette_drag:  # QGraphicsView never saw this drag enter
            self._palette_drag = False
            self.adder.leave()
            event.accept()
        else:
            super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if not event.mimeData().hasFormat(LAYER_MIME):
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self._palette_drag = False
        self.adder.drop(_dragged_type(event), self.mapToScene(event.position().toPoint()))
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------- mouse and keys
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self._zoom_by(ZOOM_STEP**steps, event.position().toPoint())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        middle = event.button() == Qt.MouseButton.MiddleButton
        if middle or (event.button() == Qt.MouseButton.LeftButton and self._space_held):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.follows_window = False
            self._scroll_by(-delta.x(), -delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self._update_cursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)
        event.accept()  # a rubber band ends here even when no item took the release

    def _update_cursor(self) -> None:
        if self._space_held:
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.viewport().unsetCursor()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self._update_cursor()
            event.accept()
            return
        super().keyPressEvent(event)
        if event.isAccepted() or event.key() != Qt.Key.Key_Escape:
            return
        # NOTE: Esc is not a command but "back out": it cancels a wire being drawn (the
        # scene takes it then), else it leaves the opened block one level.
        if self.document.block_path and self.graph_scene.interactions.wire is None:
            self.document.close_blocks(len(self.document.block_path) - 1)
            event.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self._update_cursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._space_held = False
        self._update_cursor()
        super().focusOutEvent(event)


def _dragged_type(event: QDropEvent) -> str:
    """The layer type id a palette drag carries (UTF-8 under `LAYER_MIME`)."""
    data = bytes(event.mimeData().data(LAYER_MIME).data())
    return data.decode("utf-8", errors="replace").strip()
