"""`EdgeItem`: a smooth cubic Bézier from an output port to an input port.

The item holds its `Edge` key (four ids and port names, an immutable value) and two end
points the scene gives it; it never looks nodes up itself. `WireItem` is the temporary
curve that follows the mouse while a connection is being dragged.

NOTE: a wire is a rectangle item, its rectangle the curve's bounds padded by half the
pick band: Qt answers its bounding rectangle in C++ (a design with thousands of wires
calls no Python per wire and frame), and neither opening nor panning strokes a curve to
find its bounds. The pick band itself (`shape`) is stroked on first use, for the few
wires the mouse comes near. Wires small on screen are cached as pixmaps; one crossing
much of the view (a fan-out) is drawn directly rather than cached at the view's size.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsSceneHoverEvent,
    QStyle,
    QStyleOptionGraphicsItem,
)

from designer.model import Edge
from designer.ui.canvas import style


def bezier_path(start: QPointF, end: QPointF) -> QPainterPath:
    """The S-curve leaving ``start`` to the right and entering ``end`` from the left.

    The control points reach out horizontally by half the distance (at least 40 px), so a
    wire that runs backwards still loops out of its port instead of kinking.
    """
    return _curve(start.x(), start.y(), end.x(), end.y())


def _reach(x0: float, y0: float, x1: float, y1: float) -> float:
    """How far the control points of the curve from (x0, y0) to (x1, y1) reach out."""
    dx = x1 - x0
    reach = max(abs(dx) * 0.5, 40.0)
    if dx < 0:
        reach = max(reach, min(abs(y1 - y0) * 0.5, 120.0))
    return reach


def _curve(x0: float, y0: float, x1: float, y1: float) -> QPainterPath:
    reach = _reach(x0, y0, x1, y1)
    path = QPainterPath(QPointF(x0, y0))
    path.cubicTo(QPointF(x0 + reach, y0), QPointF(x1 - reach, y1), QPointF(x1, y1))
    return path


#: A wire is kept as a pixmap while it covers at most this many pixels on screen.
CACHED_PIXELS = 512.0 * 512.0


#: How far the widest drawing of a wire (its glow as a drop target) reaches from the curve.
_PAD = style.EDGE_PICK_WIDTH / 2 + 1.0
_NO_PEN = QPen(Qt.PenStyle.NoPen)


class EdgeItem(QGraphicsRectItem):
    """A connection; selectable (so Delete removes it) and highlighted under the mouse.
    Its tooltip is written by the scene when the mouse rests on it (`GraphScene.helpEvent`)."""

    def __init__(self, edge: Edge, theme: style.ThemeSource) -> None:
        super().__init__()
        self.setPen(_NO_PEN)
        self.edge = edge
        self._theme = theme
        self._ends: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1
        self._path: QPainterPath | None = None  # the curve, made when first drawn
        self._pick: QPainterPath | None = None  # the pick band, stroked when first asked
        self._area = 0.0  # of the bounds, in the scene
        self._hovered = False
        self._drop_target = False
        self.mark: str | None = None  # added or removed, in a comparison
        self.setZValue(style.EDGE_Z)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)

    def set_endpoints(
        self, start: tuple[float, float], end: tuple[float, float], zoom: float
    ) -> None:
        """Run from ``start`` to ``end`` (scene coordinates), seen at ``zoom``. The bounds
        are those of the curve's control points; the curve itself is made when first
        drawn or picked."""
        (x0, y0), (x1, y1) = start, end
        if (x0, y0, x1, y1) == self._ends:
            return
        self._ends, self._path, self._pick = (x0, y0, x1, y1), None, None
        reach = _reach(x0, y0, x1, y1)
        left, right = min(x0, x1 - reach), max(x0 + reach, x1)
        top, bottom = min(y0, y1), max(y0, y1)
        self.setRect(left - _PAD, top - _PAD, right - left + 2 * _PAD, bottom - top + 2 * _PAD)
        self._area = (right - left + 2 * _PAD) * (bottom - top + 2 * _PAD)
        self.cache_for(zoom)

    def cache_for(self, zoom: float) -> None:
        """Keep the wire as a pixmap unless at ``zoom`` it would cover more than
        `CACHED_PIXELS` (a fan-out across the view): such a wire is drawn directly."""
        modes = QGraphicsItem.CacheMode
        small = self._area * zoom * zoom <= CACHED_PIXELS
        mode = modes.DeviceCoordinateCache if small else modes.NoCache
        if mode != self.cacheMode():
            self.setCacheMode(mode)

    def path(self) -> QPainterPath:
        """The curve (a copy)."""
        return QPainterPath(self._curve())

    def _curve(self) -> QPainterPath:
        if self._path is None:
            self._path = _curve(*(self._ends or (0.0, 0.0, 0.0, 0.0)))
        return self._path

    def shape(self) -> QPainterPath:
        # NOTE: pick along a 12 px band, not the 2 px line, so wires are easy to click.
        if self._pick is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(style.EDGE_PICK_WIDTH)
            stroker.setCapStyle(Qt.PenCapStyle.RoundCap)
            self._pick = stroker.createStroke(self._curve())
        return self._pick

    def set_drop_target(self, on: bool) -> None:
        """Light the wire up while a palette layer hovers over it, ready to splice in."""
        if on != self._drop_target:
            self._drop_target = on
            self.update()

    def set_mark(self, mark: str | None) -> None:
        """Draw the wire in the colour of a comparison mark (one of `style.MARKS`)."""
        if mark != self.mark:
            self.mark = mark
            self.update()

    @property
    def is_drop_target(self) -> bool:
        return self._drop_target

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        theme = self._theme()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected or self._hovered or self._drop_target:
            glow = theme.colour("port_ok" if self._drop_target else "edge_hover")
            glow.setAlpha(90 if self._drop_target else 60)
            grow = 8 if self._drop_target else 4
            painter.setPen(style.pen(glow, style.EDGE_HOVER_WIDTH + grow))
            painter.drawPath(self._curve())
            if self._drop_target:
                colour = theme.colour("port_ok")
            else:
                colour = theme.colour("accent") if selected else theme.colour("edge_hover")
            pen = style.pen(colour, style.EDGE_HOVER_WIDTH)
        elif self.mark:
            pen = style.pen(theme.colour(self.mark), style.MARK_WIDTH)
            if self.mark == "removed":  # gone, and told apart from added without colour
                pen.setDashPattern([3.0, 2.0])
        else:
            pen = style.pen(theme.colour("edge"), style.EDGE_WIDTH)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._curve())


class WireItem(QGraphicsPathItem):
    """The dashed curve following the mouse while the user drags a new connection."""

    def __init__(self, anchor: QPointF) -> None:
        super().__init__()
        self.anchor = anchor
        self.setZValue(style.DRAG_Z)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.set_state(None)
        self.follow(anchor)

    def follow(self, point: QPointF) -> None:
        self.setPath(bezier_path(self.anchor, point))

    def set_state(self, ok: bool | None, theme: style.CanvasTheme = style.LIGHT) -> None:
        """``None``: over nothing; True: over a port it may join; False: over a refused one."""
        if ok is None:
            colour = theme.colour("accent")
        else:
            colour = theme.colour("port_ok") if ok else theme.colour("error")
        pen = QPen(QColor(colour), 2.5, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap)
        pen.setDashPattern([4.0, 3.0])
        self.setPen(pen)
