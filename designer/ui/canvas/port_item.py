"""`PortItem`: the small circle on a node's edge where a connection starts or ends.

A port is a child of its `NodeItem`, so it moves with it for free. It holds the node id and
the port name (never model objects); what it shows (connected, or its verdict while a wire
is dragged) is pushed into it by the scene.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from designer.ui.canvas import style

_R = style.PORT_HIT_RADIUS
_BOUNDS = QRectF(-_R, -_R, 2 * _R, 2 * _R)
_PICK_AREA = QPainterPath()
_PICK_AREA.addEllipse(_BOUNDS)


class PortState(Enum):
    """What a port shows while a wire is being dragged (NORMAL otherwise)."""

    NORMAL = 0
    CANDIDATE = 1  # the dragged wire may end here
    REFUSED = 2  # it may not; dimmed
    HOVER_OK = 3
    HOVER_REFUSED = 4  # under the mouse and refused: red


class PortItem(QGraphicsItem):
    """One input (left side) or output (right side) of a node."""

    def __init__(
        self,
        node_id: str,
        port_name: str,
        is_output: bool,
        multiple: bool,
        parent: QGraphicsItem,
    ) -> None:
        super().__init__(parent)
        self.node_id = node_id
        self.port_name = port_name
        self.is_output = is_output
        self.multiple = multiple
        self.connected = False
        self.state = PortState.NORMAL
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._hovered = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.node_id, self.port_name)

    # ------------------------------------------------------------------ state
    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self.update()

    def set_state(self, state: PortState) -> None:
        if state != self.state:
            self.state = state
            self.update()

    # --------------------------------------------------------------- geometry
    def boundingRect(self) -> QRectF:
        return _BOUNDS

    def shape(self) -> QPainterPath:
        # NOTE: the pick area is larger than the drawn circle: small targets are hard to hit.
        return _PICK_AREA

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()

    # ---------------------------------------------------------------- painting
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        theme = _theme(self)
        colour = self._colour(theme)
        radius = style.PORT_RADIUS
        if self.state in (PortState.CANDIDATE, PortState.HOVER_OK, PortState.HOVER_REFUSED):
            radius += 1.5
        elif self._hovered and self.state == PortState.NORMAL:
            radius += 1.0
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.state in (PortState.HOVER_OK, PortState.HOVER_REFUSED):
            halo = colour.lighter(100)
            halo.setAlpha(70)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(halo)
            painter.drawEllipse(QPointF(0, 0), radius + 4, radius + 4)
        filled = self.connected or self.state in (PortState.HOVER_OK, PortState.CANDIDATE)
        painter.setPen(QPen(colour, 2.0))
        painter.setBrush(QBrush(colour if filled else theme.colour("port_fill")))
        if self.multiple and not self.is_output:
            # A merge input accepts many wires: drawn as a pill rather than a dot.
            rect = QRectF(-radius * 0.8, -radius * 1.5, radius * 1.6, radius * 3.0)
            painter.drawRoundedRect(rect, radius * 0.8, radius * 0.8)
        else:
            painter.drawEllipse(QPointF(0, 0), radius - 1.0, radius - 1.0)

    def _colour(self, theme: style.CanvasTheme):
        if self.state in (PortState.HOVER_REFUSED,):
            return theme.colour("error")
        if self.state in (PortState.CANDIDATE, PortState.HOVER_OK):
            return theme.colour("port_ok")
        if self.state == PortState.REFUSED:
            return theme.colour("port_dim")
        parent = self.parentItem()
        return parent.accent if parent is not None else theme.colour("edge")  # type: ignore[attr-defined]


def _theme(item: QGraphicsItem) -> style.CanvasTheme:
    scene = item.scene()
    return getattr(scene, "theme", style.LIGHT)
