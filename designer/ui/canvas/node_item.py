"""`NodeItem`: one layer on the canvas, a rounded card with a category-coloured title bar.

The item holds its node id and what it shows, never the model's `Node`: the scene pushes
the label and each analysis result in. Painting is cached per item
(`DeviceCoordinateCache`), so panning a large design blits pixmaps instead of re-laying
out text; a change calls ``update()`` on the part it changes only: the card (label,
problem marks) or its `StatusItem` row (shape and parameters), which is all an analysis
usually changes. The tooltip is written only when the mouse rests on the node.

NOTE: the item is a rectangle item whose rectangle is the card with its shadow, so that
Qt answers its bounding rectangle in C++: with thousands of nodes, a Python
``boundingRect`` costs milliseconds a frame.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QStyle,
    QStyleOptionGraphicsItem,
    QWidget,
)

from designer.model import NodeInfo
from designer.ui.canvas import style
from designer.ui.canvas.port_item import PortItem
from designer.ui.canvas.status_item import StatusItem


@dataclass(frozen=True)
class NodeFace:
    """What a node shows that comes from its layer type (fixed for the node's life)."""

    title: str
    category: str
    help: str
    inputs: tuple[tuple[str, bool], ...]  # (port name, accepts many)
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class NodeStatus:
    """What a node shows that comes from the analysis."""

    shape: str = "…"
    params: int | None = None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    note: str = ""  # shown where a layer with weights shows its count (an Output's loss)


class NodeItem(QGraphicsRectItem):
    """A movable, selectable card; ``pos()`` is the model position (its top-left corner)."""

    def __init__(self, node_id: str, face: NodeFace, label: str) -> None:
        super().__init__()
        self.setPen(Qt.PenStyle.NoPen)
        self.node_id = node_id
        self.face = face
        self.label = label
        self._info: NodeInfo | None = None  # no analysis shown yet
        self._warnings: tuple[str, ...] = ()
        self._note = ""
        self._status: NodeStatus | None = NodeStatus()
        self._flags = (False, False)  # (has errors, has errors or warnings)
        self.accent = style.category_colour(face.category)
        self.height = style.card_height(self._port_rows())
        self._body = QRectF(0.0, 0.0, style.NODE_WIDTH, self.height)
        self.mark: str | None = None  # added, removed or changed, in a comparison
        self.setRect(self._card_bounds())
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(style.NODE_Z)
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        self._make_ports()
        self.row = StatusItem(self)

    # ------------------------------------------------------------------ ports
    def _port_rows(self) -> int:
        return max(len(self.face.inputs), len(self.face.outputs), 1)

    def _make_ports(self) -> None:
        for i, (name, multiple) in enumerate(self.face.inputs):
            port = PortItem(self.node_id, name, False, multiple, self)
            port.setPos(0.0, self._port_y(i, len(self.face.inputs)))
            self.inputs[name] = port
        for i, name in enumerate(self.face.outputs):
            port = PortItem(self.node_id, name, True, False, self)
            port.setPos(style.NODE_WIDTH, self._port_y(i, len(self.face.outputs)))
            self.outputs[name] = port

    def _port_y(self, index: int, count: int) -> float:
        middle = style.TITLE_HEIGHT + (self.height - style.TITLE_HEIGHT) / 2
        return middle + (index - (count - 1) / 2) * style.PORT_SPACING

    def port(self, name: str, is_output: bool) -> PortItem | None:
        return (self.outputs if is_output else self.inputs).get(name)

    def ports(self) -> list[PortItem]:
        return [*self.inputs.values(), *self.outputs.values()]

    # ------------------------------------------------------------------ state
    def set_label(self, label: str) -> None:
        if label != self.label:
            self.label = label
            self.update()

    def set_mark(self, mark: str | None) -> None:
        """Mark the node as added, removed or changed (one of `style.MARKS`; None for no
        mark): an outline in the mark's colour and a tag naming it above the card, so the
        mark never rests on colour alone."""
        if mark != self.mark:
            self.mark = mark
            self.setRect(self._card_bounds())
            self.update()

    def _card_bounds(self) -> QRectF:
        margin = 7.0 if self.mark else 5.0
        top = margin + (style.MARK_TAG_HEIGHT + style.MARK_TAG_GAP if self.mark else 0.0)
        return self._body.adjusted(-margin, -top, margin, margin + style.SHADOW_OFFSET)

    def show_analysis(self, info: NodeInfo, warnings: tuple[str, ...], note: str) -> bool:
        """Take what the analysis found for this node (its `NodeInfo`, the messages of
        its warnings, an Output's loss note); returns whether the status row must be
        repainted, which the caller does for all rows at once. The card is repainted
        here, and only when problems appeared or went: it is a cached pixmap."""
        old = self._info
        if info is old and warnings == self._warnings and note == self._note:
            return False
        errors = any(p.is_error for p in info.problems) if info.problems else False
        flags = (errors, errors or bool(warnings))
        card = flags != self._flags
        row = (
            card
            or old is None
            or note != self._note
            or not (info.output is old.output or info.output == old.output)
            or info.params != old.params
        )
        self._info, self._warnings, self._note, self._flags = info, warnings, note, flags
        self._status = None
        if row:
            self.row.forget()
        if card:
            self.update()
        return row

    @property
    def status(self) -> NodeStatus:
        """What the node shows from the analysis (built when first asked for)."""
        if self._status is None:
            info = self._info or NodeInfo()
            known = info.output is not None
            self._status = NodeStatus(
                shape=str(info.output) if known else "?",
                params=info.params if known else None,
                problems=tuple(p.message for p in info.problems if p.is_error),
                warnings=self._warnings,
                note=self._note,
            )
        return self._status

    @property
    def params_text(self) -> str:
        status = self.status
        if not status.params:
            return status.note  # a layer without weights: its note, if any
        return f"{style.format_count(status.params)} params"

    def toolTip(self) -> str:
        """The tooltip, written when asked for (the scene asks when the mouse rests on
        the node), not after every analysis for every node."""
        face, status = self.face, self.status
        head = f"<b>{html.escape(face.title)}</b> &nbsp;{html.escape(self.label)}"
        if status.problems:
            return head + _bullets("Problems", status.problems, "#dc2626")
        parts = [head, html.escape(face.help), f"Output: <code>{html.escape(status.shape)}</code>"]
        if status.params is not None:
            parts.append(f"Parameters: {status.params:,}")
        text = "<br>".join(parts)
        if status.warnings:
            text += _bullets("Warnings", status.warnings, "#d97706")
        return text

    # --------------------------------------------------------------- painting
    def body_rect(self) -> QRectF:
        return QRectF(self._body)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.body_rect(), style.CORNER_RADIUS, style.CORNER_RADIUS)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        theme = getattr(self.scene(), "theme", style.LIGHT)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        zoom = option.levelOfDetailFromTransform(painter.worldTransform())
        level = style.detail_level(zoom, theme.fonts)
        self._paint_card(painter, theme, selected, shadow=level != style.BLOCKS)
        if self.mark:
            self._paint_mark(painter, theme, level != style.BLOCKS)
        self._paint_title(painter, theme, level == style.DETAIL)
        if level == style.DETAIL:
            self._paint_body(painter, theme)
        elif level == style.OVERVIEW:
            self._paint_overview(painter, theme)

    def _paint_card(
        self, painter: QPainter, theme: style.CanvasTheme, selected: bool, shadow: bool
    ) -> None:
        """The card; its soft shadow only where it is more than a pixel wide on screen."""
        rect, radius = self.body_rect(), style.CORNER_RADIUS
        painter.setPen(Qt.PenStyle.NoPen)
        shade = theme.colour("shadow")
        for grow, alpha in (
            (2.0, 14 if not theme.dark else 40),
            (0.5, 22 if not theme.dark else 60),
        ):
            if not shadow:
                break
            shade.setAlpha(alpha)
            painter.setBrush(shade)
            painter.drawRoundedRect(
                rect.adjusted(-grow, -grow + style.SHADOW_OFFSET, grow, grow + style.SHADOW_OFFSET),
                radius + grow,
                radius + grow,
            )
        painter.setBrush(theme.colour("node_body"))
        painter.drawRoundedRect(rect, radius, radius)
        if selected:
            # a marked node's outline covers the usual ring: draw it outside, stronger
            grow, alpha = (4.5, 170) if self.mark else (2.0, 90)
            ring = theme.colour("accent")
            ring.setAlpha(alpha)
            painter.setPen(QPen(ring, 4.0 if not self.mark else 3.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(
                rect.adjusted(-grow, -grow, grow, grow), radius + grow, radius + grow
            )
        if self.mark:
            return  # the mark's outline is drawn instead (see `_paint_mark`)
        if self.status.problems:
            pen = QPen(theme.colour("error"), 2.0)
        elif selected:
            pen = QPen(theme.colour("accent"), 1.6)
        else:
            pen = QPen(theme.colour("node_border"), 1.0)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)

    def _paint_mark(self, painter: QPainter, theme: style.CanvasTheme, tag: bool) -> None:
        """The comparison mark: a coloured outline and, where text is legible, a tag."""
        assert self.mark is not None
        colour = theme.colour(self.mark)
        rect, radius = self.body_rect(), style.CORNER_RADIUS
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(colour, style.MARK_WIDTH))
        painter.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), radius + 1, radius + 1)
        if not tag:
            return
        fonts = theme.fonts
        width = fonts.small_metrics.horizontalAdvance(self.mark) + 14.0
        height = style.MARK_TAG_HEIGHT
        box = QRectF(rect.right() - width, -height - style.MARK_TAG_GAP, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(box, height / 2, height / 2)
        painter.setFont(fonts.small)
        painter.setPen(style.text_colour_on(colour))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.mark)

    def _paint_title(self, painter: QPainter, theme: style.CanvasTheme, text: bool) -> None:
        rect = self.body_rect().adjusted(1, 1, -1, 0)
        rect.setHeight(style.TITLE_HEIGHT - 1)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.accent)
        painter.drawPath(_title_band())
        if not text:
            return
        fonts = theme.fonts
        painter.setFont(fonts.title)
        painter.setPen(theme.colour("title_text"))
        flagged = bool(self.status.problems or self.status.warnings)
        text_rect = rect.adjusted(10, 0, -30 if flagged else -10, 0)
        title = fonts.title_metrics.elidedText(
            self.face.title, Qt.TextElideMode.ElideRight, text_rect.width()
        )
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title
        )
        if flagged:
            centre = QPointF(rect.right() - 13, rect.center().y())
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(theme.colour("error" if self.status.problems else "warning"))
            painter.drawEllipse(centre, 7.5, 7.5)
            painter.setFont(fonts.title)
            painter.drawText(
                QRectF(centre.x() - 7, centre.y() - 8, 14, 16), Qt.AlignmentFlag.AlignCenter, "!"
            )

    def _paint_overview(self, painter: QPainter, theme: style.CanvasTheme) -> None:
        """The simplified node: its layer type in one big line (two if it must wrap)."""
        rect = self.body_rect().adjusted(8, style.TITLE_HEIGHT, -8, -4)
        painter.setFont(theme.fonts.overview)
        painter.setPen(theme.colour("error") if self.status.problems else theme.colour("text"))
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(rect, int(flags), self.face.title)

    def _paint_body(self, painter: QPainter, theme: style.CanvasTheme) -> None:
        fonts = theme.fonts
        left, right = 12.0, style.NODE_WIDTH - 12.0
        top = style.TITLE_HEIGHT + 6.0
        painter.setFont(fonts.label)
        painter.setPen(theme.colour("text"))
        label_rect = QRectF(left, top, right - left, 18.0)
        label = fonts.label_metrics.elidedText(
            self.label, Qt.TextElideMode.ElideRight, label_rect.width()
        )
        painter.drawText(
            label_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label
        )
        self._paint_port_names(painter, theme)

    def _paint_port_names(self, painter: QPainter, theme: style.CanvasTheme) -> None:
        """Port names only where a side has several ports (one port needs no name)."""
        painter.setFont(theme.fonts.small)
        painter.setPen(theme.colour("subtext"))
        align = Qt.AlignmentFlag
        if len(self.inputs) > 1:
            for name, port in self.inputs.items():
                rect = QRectF(10.0, port.y() - 8, 70.0, 16.0)
                painter.drawText(rect, align.AlignLeft | align.AlignVCenter, name)
        if len(self.outputs) > 1:
            for name, port in self.outputs.items():
                rect = QRectF(style.NODE_WIDTH - 80.0, port.y() - 8, 70.0, 16.0)
                painter.drawText(rect, align.AlignRight | align.AlignVCenter, name)


@cache
def _title_band() -> QPainterPath:
    """The title bar: rounded top corners, square bottom (built once, shared by all nodes)."""
    radius = style.CORNER_RADIUS - 1
    card = QPainterPath()
    card.addRoundedRect(QRectF(1, 1, style.NODE_WIDTH - 2, style.NODE_HEIGHT), radius, radius)
    band = QPainterPath()
    band.addRect(QRectF(1, 1, style.NODE_WIDTH - 2, style.TITLE_HEIGHT - 1))
    return card.intersected(band)


def _bullets(title: str, lines: tuple[str, ...], colour: str) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f"<br><span style='color:{colour}'><b>{title}</b></span><ul>{items}</ul>"
