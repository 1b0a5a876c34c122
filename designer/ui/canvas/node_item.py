"""`NodeItem`: one layer on the canvas, a rounded card with a category-coloured title bar.

The item holds its node id and the strings it shows, never the model's `Node`: the scene
pushes new text in when the model or the analysis changes. Painting is cached per item
(`DeviceCoordinateCache`), so panning a large design blits pixmaps instead of re-laying
out text; any change calls ``update()``, which drops the cache.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from designer.ui.canvas import style
from designer.ui.canvas.port_item import PortItem

#: Space between a port's name and the label or badges beside it.
PORT_NAME_GAP = 4.0


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


class NodeItem(QGraphicsItem):
    """A movable, selectable card; ``pos()`` is the model position (its top-left corner)."""

    def __init__(self, node_id: str, face: NodeFace, label: str) -> None:
        super().__init__()
        self.node_id = node_id
        self.face = face
        self.label = label
        self.status = NodeStatus()
        self.accent = style.category_colour(face.category)
        self.height = style.card_height(self._port_rows())
        self._body = QRectF(0.0, 0.0, style.NODE_WIDTH, self.height)
        self.mark: str | None = None  # added, removed or changed, in a comparison
        self._bounds = self._card_bounds()
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable | flags.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(style.NODE_Z)
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        self._make_ports()
        self._refresh_tooltip()

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
            self._refresh_tooltip()
            self.update()

    def set_mark(self, mark: str | None) -> None:
        """Mark the node as added, removed or changed (one of `style.MARKS`; None for no
        mark): an outline in the mark's colour and a tag naming it above the card, so the
        mark never rests on colour alone."""
        if mark != self.mark:
            self.prepareGeometryChange()
            self.mark = mark
            self._bounds = self._card_bounds()
            self.update()

    def _card_bounds(self) -> QRectF:
        margin = 7.0 if self.mark else 5.0
        top = margin + (style.MARK_TAG_HEIGHT + style.MARK_TAG_GAP if self.mark else 0.0)
        return self._body.adjusted(-margin, -top, margin, margin + style.SHADOW_OFFSET)

    def set_status(self, status: NodeStatus) -> bool:
        """Show new analysis results; returns whether anything visible changed."""
        if status == self.status:
            return False
        self.status = status
        self._refresh_tooltip()
        self.update()
        return True

    @property
    def params_text(self) -> str:
        if not self.status.params:
            return self.status.note  # a layer without weights: its note, if any
        return f"{style.format_count(self.status.params)} params"

    def _refresh_tooltip(self) -> None:
        face, status = self.face, self.status
        head = f"<b>{html.escape(face.title)}</b> &nbsp;{html.escape(self.label)}"
        if status.problems:
            self.setToolTip(head + _bullets("Problems", status.problems, "#dc2626"))
            return
        parts = [head, html.escape(face.help), f"Output: <code>{html.escape(status.shape)}</code>"]
        if status.params is not None:
            parts.append(f"Parameters: {status.params:,}")
        text = "<br>".join(parts)
        if status.warnings:
            text += _bullets("Warnings", status.warnings, "#d97706")
        self.setToolTip(text)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None and hasattr(scene, "on_node_item_moved"):
                scene.on_node_item_moved(self.node_id)
        return super().itemChange(change, value)

    # --------------------------------------------------------------- painting
    def body_rect(self) -> QRectF:
        return QRectF(self._body)

    def boundingRect(self) -> QRectF:
        return self._bounds

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
        self._paint_card(painter, theme, selected)
        if self.mark:
            self._paint_mark(painter, theme, level != style.BLOCKS)
        self._paint_title(painter, theme, level == style.DETAIL)
        if level == style.DETAIL:
            self._paint_body(painter, theme)
        elif level == style.OVERVIEW:
            self._paint_overview(painter, theme)

    def _paint_card(self, painter: QPainter, theme: style.CanvasTheme, selected: bool) -> None:
        rect, radius = self.body_rect(), style.CORNER_RADIUS
        shadow = theme.colour("shadow")
        painter.setPen(Qt.PenStyle.NoPen)
        for grow, alpha in (
            (2.0, 14 if not theme.dark else 40),
            (0.5, 22 if not theme.dark else 60),
        ):
            shadow.setAlpha(alpha)
            painter.setBrush(shadow)
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
        top, badge_top = style.TITLE_HEIGHT + 6.0, self.height - 26.0
        left, right = self._text_span(top, fonts.small_metrics)
        badge_left, badge_right = self._text_span(badge_top, fonts.small_metrics)
        params = self.params_text
        params_width = fonts.small_metrics.horizontalAdvance(params) if params else 0.0
        room = badge_right - badge_left - params_width - 22.0
        # NOTE: where port names leave the badge row too little room for the shape and the
        # parameter count together, the count moves up beside the label.
        raised = bool(params) and fonts.mono_metrics.horizontalAdvance(self.status.shape) > room
        label_right = right - params_width - 8.0 if raised else right
        painter.setFont(fonts.label)
        painter.setPen(theme.colour("text"))
        label_rect = QRectF(left, top, label_right - left, 18.0)
        label = fonts.label_metrics.elidedText(
            self.label, Qt.TextElideMode.ElideRight, label_rect.width()
        )
        painter.drawText(
            label_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label
        )
        if raised:
            self._paint_params(painter, theme, right, top)
        self._paint_badges(painter, theme, badge_left, badge_right, badge_top, not raised)
        self._paint_port_names(painter, theme)

    def _text_span(self, top: float, metrics) -> tuple[float, float]:
        """Where the text of the 18-pixel row at ``top`` may go: between the margins, and
        clear of the port names painted on that row (a mask input, a Chunk's parts)."""

        def beside(ports: dict[str, PortItem]) -> float:
            if len(ports) < 2:
                return 0.0
            on_row = [n for n, p in ports.items() if top - 8.0 < p.y() < top + 26.0]
            widths = [metrics.horizontalAdvance(name) - 2.0 + PORT_NAME_GAP for name in on_row]
            return max(widths, default=0.0)

        return 12.0 + beside(self.inputs), style.NODE_WIDTH - 12.0 - beside(self.outputs)

    def _paint_badges(
        self,
        painter: QPainter,
        theme: style.CanvasTheme,
        left: float,
        right: float,
        top: float,
        with_params: bool = True,
    ) -> None:
        fonts = theme.fonts
        params = self.params_text if with_params else ""
        params_width = fonts.small_metrics.horizontalAdvance(params) if params else 0.0
        mono = fonts.mono_metrics
        room = right - left - params_width - (10.0 if params else 0.0) - 12.0
        shape = mono.elidedText(self.status.shape, Qt.TextElideMode.ElideMiddle, room)
        badge = QRectF(left - 2, top, mono.horizontalAdvance(shape) + 12.0, 18.0)
        bad = bool(self.status.problems) and self.status.shape in ("…", "?")
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
            self._paint_params(painter, theme, right, top)

    def _paint_params(
        self, painter: QPainter, theme: style.CanvasTheme, right: float, top: float
    ) -> None:
        """The parameter count, right-aligned at ``right`` on the row at ``top``."""
        params = self.params_text
        width = theme.fonts.small_metrics.horizontalAdvance(params)
        painter.setFont(theme.fonts.small)
        painter.setPen(theme.colour("subtext"))
        painter.drawText(
            QRectF(right - width, top, width, 18.0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            params,
        )

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
