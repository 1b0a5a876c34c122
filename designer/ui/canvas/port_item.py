"""`PortItem`: the small circle on a node's edge where a connection starts or ends.

A port is a child of its `NodeItem`, so it moves with it for free. It holds the node id and
the port name (never model objects); whether it is connected is pushed into it by the
scene. While a wire is dragged, a `PortJudge` (the gesture) says what each input port
shows, and one overlay draws it over the ports in view (see `port_states`): the ports
themselves are not touched, so starting a drag costs the same on any size of design.

NOTE: ports are ellipse items whose rectangle is the pick area, so Qt answers their
bounding rectangle and shape in C++: a large design has thousands of ports, and a Python
``boundingRect`` would be called for each of them on every frame. At rest a port is drawn
by its card, as part of the card's shared look; the item itself paints only while the
mouse is on it, so thousands of ports cost nothing to draw. Each look of a port is
rendered once per zoom and shared (`PORTS`).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from designer.ui.canvas import style
from designer.ui.canvas.pixmaps import PixmapCache, blit, render, zoom_of

_R = style.PORT_HIT_RADIUS
_BOUNDS = QRectF(-_R, -_R, 2 * _R, 2 * _R)
_NO_PEN = QPen(Qt.PenStyle.NoPen)
_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
PORTS = PixmapCache()


class PortState(Enum):
    """What a port shows while a wire is being dragged (NORMAL otherwise)."""

    NORMAL = 0
    CANDIDATE = 1  # the dragged wire may end here
    REFUSED = 2  # it may not; dimmed
    HOVER_OK = 3
    HOVER_REFUSED = 4  # under the mouse and refused: red


class PortJudge(Protocol):
    """Whoever decides, while a wire is dragged, what each input port shows."""

    def state_of(self, port: PortItem) -> PortState: ...


#: Where a port finds the judge of the drag in progress (None when there is none).
JudgeSource = Callable[[], PortJudge | None]


class PortItem(QGraphicsEllipseItem):
    """One input (left side) or output (right side) of a node; its rectangle is the pick
    area, larger than the drawn circle, since small targets are hard to hit."""

    def __init__(
        self,
        node_id: str,
        port_name: str,
        is_output: bool,
        multiple: bool,
        parent: QGraphicsItem,
        theme: style.ThemeSource,
        connected: bool = False,
        judge: JudgeSource | None = None,
    ) -> None:
        super().__init__(_BOUNDS, parent)
        self._theme = theme
        self.setPen(_NO_PEN)
        self.node_id = node_id
        self.port_name = port_name
        self.is_output = is_output
        self.multiple = multiple
        self.connected = connected
        self._judge = judge
        self.setFlag(_NO_CONTENTS)  # the card draws the port at rest
        self.setAcceptHoverEvents(True)
        self._hovered = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.node_id, self.port_name)

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> PortState:
        """What the port shows: NORMAL, or while a wire is dragged what its judge says."""
        judge = self._judge() if self._judge is not None and not self.is_output else None
        return judge.state_of(self) if judge is not None else PortState.NORMAL

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            parent = self.parentItem()
            if parent is not None:
                parent.update()  # the card draws the port at rest

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        if not self.hasCursor():  # set on first use: thousands of ports are never hovered
            self.setCursor(Qt.CursorShape.CrossCursor)
        self._hovered = True
        self.setFlag(_NO_CONTENTS, False)
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()
        self.setFlag(_NO_CONTENTS, True)

    # ---------------------------------------------------------------- painting
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """The resting look under the mouse (at rest the card draws the port; a drag's
        states are drawn over it, see `port_states`)."""
        self.paint_look(painter, PortState.NORMAL, QPointF(0.0, 0.0))

    def paint_look(self, painter: QPainter, state: PortState, centre: QPointF) -> None:
        """Draw the port as it looks in ``state``, centred on ``centre`` (painter
        coordinates), from the pixmap shared by every port that looks the same."""
        theme, zoom = self._theme(), zoom_of(painter)
        colour = self._colour(theme, state)
        ratio = painter.device().devicePixelRatioF()
        look = (state, self._hovered, self.connected, self.multiple, self.is_output)
        key = (theme.name, colour.rgba(), look, round(zoom, 4), ratio)
        pixmap = PORTS.get(
            key,
            lambda: render(
                _BOUNDS, max(zoom, 1e-3), ratio, lambda p: draw_port(p, theme, colour, look)
            ),
        )
        blit(painter, pixmap, centre + _BOUNDS.topLeft())

    def _colour(self, theme: style.CanvasTheme, state: PortState):
        if state == PortState.HOVER_REFUSED:
            return theme.colour("error")
        if state in (PortState.CANDIDATE, PortState.HOVER_OK):
            return theme.colour("port_ok")
        if state == PortState.REFUSED:
            return theme.colour("port_dim")
        parent = self.parentItem()
        return parent.accent if parent is not None else theme.colour("edge")  # type: ignore[attr-defined]


def draw_port(painter: QPainter, theme: style.CanvasTheme, colour: QColor, look: tuple) -> None:
    """One look of a port, centred on 0, 0: ``look`` is (state, hovered, connected,
    accepts many, is an output)."""
    state, hovered, connected, multiple, is_output = look
    radius = style.PORT_RADIUS
    if state in (PortState.CANDIDATE, PortState.HOVER_OK, PortState.HOVER_REFUSED):
        radius += 1.5
    elif hovered and state == PortState.NORMAL:
        radius += 1.0
    if state in (PortState.HOVER_OK, PortState.HOVER_REFUSED):
        halo = colour.lighter(100)
        halo.setAlpha(70)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(halo)
        painter.drawEllipse(QPointF(0, 0), radius + 4, radius + 4)
    filled = connected or state in (PortState.HOVER_OK, PortState.CANDIDATE)
    painter.setPen(QPen(colour, 2.0))
    painter.setBrush(QBrush(colour if filled else theme.colour("port_fill")))
    if multiple and not is_output:
        # A merge input accepts many wires: drawn as a pill rather than a dot.
        rect = QRectF(-radius * 0.8, -radius * 1.5, radius * 1.6, radius * 3.0)
        painter.drawRoundedRect(rect, radius * 0.8, radius * 0.8)
    else:
        painter.drawEllipse(QPointF(0, 0), radius - 1.0, radius - 1.0)
