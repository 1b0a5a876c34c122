"""`NodeItem`: one layer on the canvas, a rounded card with a category-coloured title bar.

The item holds its node id and what it shows, never the model's `Node`: the scene pushes
the label and each analysis result in. Painting is cached per item
(`DeviceCoordinateCache`), so panning a large design blits pixmaps instead of re-laying
out text; a change calls ``update()`` on the part it changes only: the card (label,
problem marks, a parameter count moved up beside the label) or its `StatusItem` row
(shape and parameters), which is all an analysis usually changes. The tooltip is
written only when the mouse rests on the node.

NOTE: the item is a rectangle item whose rectangle is the card with its shadow, so that
Qt answers its bounding rectangle in C++: with thousands of nodes, a Python
``boundingRect`` costs milliseconds a frame.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QStyle,
    QStyleOptionGraphicsItem,
    QWidget,
)

from designer.model import NodeInfo
from designer.ui.canvas import style
from designer.ui.canvas.card import (
    CARDS,
    LABEL_TOP,
    ROW_HEIGHT,
    CardLook,
    NodeFace,
    TextLayout,
    paint_bounds,
    paint_card,
    port_y,
    text_layout,
)
from designer.ui.canvas.pixmaps import blit, render, zoom_of
from designer.ui.canvas.port_item import JudgeSource, PortItem
from designer.ui.canvas.status_item import StatusItem


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

    def __init__(
        self,
        node_id: str,
        face: NodeFace,
        label: str,
        wired: Collection[tuple[str, bool]] = (),
        judge: JudgeSource | None = None,
    ) -> None:
        """``wired`` names the ports (name, is output) that have wires; ``judge`` is where
        the input ports find the wire drag in progress (see `PortItem.state`)."""
        super().__init__()
        self.setPen(_NO_PEN)
        self.node_id = node_id
        self.face = face
        self.label = label
        self._info: NodeInfo | None = None  # no analysis shown yet
        self._warnings: tuple[str, ...] = ()
        self._note = ""
        self._status: NodeStatus | None = NodeStatus()
        self._flags = (False, False)  # (has errors, has errors or warnings)
        #: The parameter count the card last painted beside its label ("" for none;
        #: None while the card has not painted its label): see `card.text_layout`.
        self.raised_shown: str | None = None
        self.accent = style.category_colour(face.category)
        self.height = face.height
        self._body = QRectF(0.0, 0.0, style.NODE_WIDTH, self.height)
        self.mark: str | None = None  # added, removed or changed, in a comparison
        #: Rich text the statistics overlay adds to the tooltip ("" for none).
        self.overlay_note = ""
        self.setRect(paint_bounds(self.height, None))
        self.setFlags(_FLAGS)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(style.NODE_Z)
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        self._make_ports(wired, judge)
        self.row = StatusItem(self)

    # ------------------------------------------------------------------ ports
    def _make_ports(self, wired: Collection[tuple[str, bool]], judge: JudgeSource | None) -> None:
        self._offsets: dict[tuple[str, bool], tuple[float, float]] = {}
        for i, (name, multiple) in enumerate(self.face.inputs):
            offset = (0.0, port_y(i, len(self.face.inputs), self.height))
            port = PortItem(
                self.node_id, name, False, multiple, self, (name, False) in wired, judge
            )
            port.setPos(*offset)
            self.inputs[name], self._offsets[name, False] = port, offset
        for i, name in enumerate(self.face.outputs):
            offset = (style.NODE_WIDTH, port_y(i, len(self.face.outputs), self.height))
            port = PortItem(self.node_id, name, True, False, self, (name, True) in wired)
            port.setPos(*offset)
            self.outputs[name], self._offsets[name, True] = port, offset

    def port_offset(self, name: str, is_output: bool) -> tuple[float, float]:
        """Where a port sits on the card ((0, 0), the corner, for a port it lacks)."""
        return self._offsets.get((name, is_output), (0.0, 0.0))

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
            self.setRect(paint_bounds(self.height, self.mark))
            self.update()

    def show_analysis(self, info: NodeInfo, warnings: tuple[str, ...], note: str) -> bool:
        """Take what the analysis found for this node (its `NodeInfo`, the messages of
        its warnings, an Output's loss note); returns whether the status row must be
        repainted, which the caller does for all rows at once. The card is repainted
        here, and only when problems appeared or went or when it shows the parameter
        count beside its label (which the new status may move): it is a cached pixmap."""
        old = self._info
        if info is old and warnings == self._warnings and note == self._note:
            return False
        flags = self._flags
        if info.problems or warnings or flags[1]:  # the marks may come or go
            errors = any(p.is_error for p in info.problems)
            flags = (errors, errors or bool(warnings))
        row = (
            flags != self._flags
            or old is None
            or info.outputs is not old.outputs  # equal results are one object (ShapeCache)
            or info.params != old.params
            or note != self._note
        )
        if flags != self._flags or (row and self.raised_shown):
            self._flags = flags
            self.update()
        self._info, self._warnings, self._note, self._status = info, warnings, note, None
        return row

    @property
    def analysis_shown(self) -> tuple[NodeInfo, tuple[str, ...], str] | None:
        """What `show_analysis` last gave this node (None before any analysis), for a
        new card of the same node to show until the next analysis."""
        if self._info is None:
            return None
        return self._info, self._warnings, self._note

    @property
    def status(self) -> NodeStatus:
        """What the node shows from the analysis (built when first asked for)."""
        if self._status is None:
            info = self._info or NodeInfo()
            known = info.output is not None
            self._status = NodeStatus(
                shape=info.output_text,
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

    def text_layout(self, fonts: style.CanvasFonts) -> TextLayout:
        """Where the label and the status row go on this card, for its current status."""
        return text_layout(self.face, fonts, self.status.shape, self.params_text)

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
        if self.overlay_note:
            text += "<br>" + self.overlay_note
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
        zoom = zoom_of(painter)
        level = style.detail_level(zoom, theme.fonts)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        wired = tuple(port.connected for port in self.ports())
        look = CardLook(self.face, selected, *self._flags, self.mark, level, wired)
        ratio = painter.device().devicePixelRatioF()
        bounds = self.rect()
        card = CARDS.get(
            (theme.name, look, round(zoom, 4), ratio),
            lambda: render(bounds, max(zoom, 1e-3), ratio, lambda p: paint_card(p, theme, look)),
        )
        blit(painter, card, bounds.topLeft())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if self.mark and level != style.BLOCKS:
            self._paint_mark_tag(painter, theme)
        if level == style.DETAIL:
            self._paint_label(painter, theme)
        else:
            self.raised_shown = None

    def _paint_mark_tag(self, painter: QPainter, theme: style.CanvasTheme) -> None:
        """The comparison mark's tag above the card (its outline is in the card)."""
        assert self.mark is not None
        colour = theme.colour(self.mark)
        fonts = theme.fonts
        width = fonts.small_metrics.horizontalAdvance(self.mark) + 14.0
        height = style.MARK_TAG_HEIGHT
        box = QRectF(style.NODE_WIDTH - width, -height - style.MARK_TAG_GAP, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(box, height / 2, height / 2)
        painter.setFont(fonts.small)
        painter.setPen(style.text_colour_on(colour))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.mark)

    def _paint_label(self, painter: QPainter, theme: style.CanvasTheme) -> None:
        """The node's label, clear of the port names beside it, and the parameter count
        at the right of its row when the status row has no room for it (see
        `card.text_layout`); what the card then shows is remembered (`raised_shown`)."""
        fonts = theme.fonts
        layout = self.text_layout(fonts)
        painter.setFont(fonts.label)
        painter.setPen(theme.colour("text"))
        label_rect = QRectF(layout.left, LABEL_TOP, layout.label_right - layout.left, ROW_HEIGHT)
        label = fonts.label_metrics.elidedText(
            self.label, Qt.TextElideMode.ElideRight, label_rect.width()
        )
        painter.drawText(
            label_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label
        )
        if layout.raised:
            width = fonts.small_metrics.horizontalAdvance(layout.raised)
            painter.setFont(fonts.small)
            painter.setPen(theme.colour("subtext"))
            painter.drawText(
                QRectF(layout.right - width, LABEL_TOP, width, ROW_HEIGHT),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                layout.raised,
            )
        self.raised_shown = layout.raised


_NO_PEN = QPen(Qt.PenStyle.NoPen)
_FLAGS = (
    QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
)


def _bullets(title: str, lines: tuple[str, ...], colour: str) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f"<br><span style='color:{colour}'><b>{title}</b></span><ul>{items}</ul>"
