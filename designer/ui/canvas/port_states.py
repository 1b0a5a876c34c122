"""`PortStatesItem`: what the input ports show while a wire is dragged, drawn over them.

Starting a drag changes the look of every input port of the design (may the wire end
there or not). Telling each port and repainting it would cost time in proportion to the
design; instead one item over the whole scene draws the ports' drag looks where it is
painted, asking the gesture about each port in view, so the first frame of a drag costs
the same on 20 layers or 2,000, and the ports out of sight are judged when they scroll
into it.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem, QWidget

from designer.ui.canvas import style
from designer.ui.canvas.port_item import PortItem, PortJudge


class PortStatesItem(QGraphicsRectItem):
    """Covers ``area`` (the scene's rectangle) just under the dragged wire."""

    def __init__(self, judge: PortJudge, area: QRectF) -> None:
        super().__init__(area)
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setZValue(style.DRAG_Z - 1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.judge = judge

    def refresh(self, port: PortItem | None) -> None:
        """Repaint one port's look (the wire came near it or left it)."""
        if port is not None:
            self.update(port.sceneBoundingRect())

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        scene = self.scene()
        if scene is None:
            return
        for item in scene.items(option.exposedRect):
            if isinstance(item, PortItem) and not item.is_output:
                item.paint_look(painter, self.judge.state_of(item), item.scenePos())
