"""`StatusItem`: the row at the foot of a node card with its output shape and parameters.

It is the one part of a node that an analysis changes, so it is an item of its own: an
edit that changes every shape in the design repaints these rows and nothing else, while
each card stays a cached pixmap. A row is drawn from a rendered pixmap kept per distinct
text and zoom (`ROWS`): the layers of a large design mostly share a few shapes, so a
repaint after an edit is a few renders and many blits. Rows are hidden while the view is
zoomed out too far for their text (see `GraphScene.set_zoom`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsRectItem, QStyleOptionGraphicsItem, QWidget

from designer.ui.canvas import style
from designer.ui.canvas.card import ROW_HEIGHT, row_top
from designer.ui.canvas.pixmaps import PixmapCache, blit, render, zoom_of

if TYPE_CHECKING:
    from designer.ui.canvas.node_item import NodeItem

#: The most a row spans, in its card's coordinates: from the left margin to the right
#: one (port names on the row's height make it narrower, see `card.text_layout`).
ROW_LEFT = 10.0
ROW_RIGHT = style.NODE_WIDTH - 12.0


ROWS = PixmapCache()
_NO_PEN = QPen(Qt.PenStyle.NoPen)


class StatusItem(QGraphicsRectItem):
    """The shape badge and parameter count of its parent `NodeItem`."""

    def __init__(self, node: NodeItem) -> None:
        self._top = row_top(node.height)
        super().__init__(ROW_LEFT, self._top, ROW_RIGHT - ROW_LEFT, ROW_HEIGHT, node)
        self.setPen(_NO_PEN)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.node = node
        self._pixmap: QPixmap | None = None
        self._seen: tuple = ()  # what the pixmap shows: see `paint`
        self._corner = QPointF(ROW_LEFT, self._top)

    @property
    def shown(self) -> tuple[str, str]:
        """The shape and the parameter count (or note) the row last painted; the count is
        "" where the card shows it beside the label instead."""
        return self._seen[0][:2] if self._seen else ("", "")

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        theme = self.node.theme()
        node = self.node
        status, params = node.status, node.params_text
        layout = node.text_layout(theme.fonts)
        raised = layout.raised
        if node.raised_shown is not None and raised != node.raised_shown:
            # NOTE: the card, a cached pixmap, still shows the label as it was laid out
            # before this status (the count raised beside it or not): show the row as the
            # card expects for this frame, and have both follow the new layout in the next.
            # Only a status whose count moves up or down costs this; `NodeItem.show_analysis`
            # repaints a card whose raised count may change.
            raised = node.raised_shown
            node.update()
        bad = bool(status.problems) and status.shape in ("…", "?")
        shown = (status.shape, "" if raised else params, bad, layout.row_left, layout.row_right)
        seen = (shown, zoom_of(painter), painter.device().devicePixelRatioF(), theme)
        if self._pixmap is None or seen != self._seen:
            self._pixmap, self._seen = self._lookup(*seen), seen
            self._corner = QPointF(layout.row_left - 2.0, self._top)
        blit(painter, self._pixmap, self._corner)

    def _lookup(self, shown: tuple, zoom: float, ratio: float, theme: style.CanvasTheme) -> QPixmap:
        shape, params, bad, left, right = shown
        zoom = max(zoom, 1e-3)
        key = (theme.name, *shown, round(zoom, 4), ratio)
        rect = QRectF(0.0, 0.0, right - left + 2.0, ROW_HEIGHT)
        return ROWS.get(
            key,
            lambda: render(
                rect, zoom, ratio, lambda p: paint_row(p, theme, shape, params, bad, rect)
            ),
        )


def paint_row(
    painter: QPainter,
    theme: style.CanvasTheme,
    shape: str,
    params: str,
    bad: bool,
    rect: QRectF,
) -> None:
    """The shape in a rounded badge at the left of ``rect`` (elided in the middle when it
    does not fit), the parameter count (or an Output's loss) at its right."""
    fonts, width = theme.fonts, rect.width()
    params_width = fonts.small_metrics.horizontalAdvance(params) if params else 0.0
    mono = fonts.mono_metrics
    room = width - 2.0 - params_width - (10.0 if params else 0.0) - 12.0
    shape = mono.elidedText(shape, Qt.TextElideMode.ElideMiddle, room)
    badge = QRectF(0.0, 0.0, mono.horizontalAdvance(shape) + 12.0, ROW_HEIGHT)
    painter.setPen(Qt.PenStyle.NoPen)
    fill = theme.colour("badge_fill")
    if bad:
        fill = theme.colour("error")
        fill.setAlpha(30)
    painter.setBrush(fill)
    painter.drawRoundedRect(badge, 5.0, 5.0)
    painter.setFont(fonts.mono)
    painter.setPen(theme.colour("error") if bad else theme.colour("badge_text"))
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, shape)
    if params:
        painter.setFont(fonts.small)
        painter.setPen(theme.colour("subtext"))
        painter.drawText(
            QRectF(width - params_width, 0.0, params_width, ROW_HEIGHT),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            params,
        )


__all__ = ["ROWS", "StatusItem", "paint_row"]
