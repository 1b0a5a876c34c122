"""A node card as its layer type and state make it look: everything but its label.

Shadow, body, border or mark outline, title band with the type's name and a problem
flag, the ports at rest, port names, or at lower zoom the type in big letters: all of it
depends on a few facts only (`CardLook`), so each look is rendered once per zoom and
blitted into every card that has it (`CARDS`). Rounded antialiased shapes and laid-out
text are most of what a card costs to draw, and a design of thousands of layers has a
few dozen looks. The label, which is each node's own, `NodeItem` draws on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen

from designer.catalog import Catalog, LayerSpec
from designer.model import Node
from designer.ui.canvas import style
from designer.ui.canvas.pixmaps import PixmapCache
from designer.ui.canvas.port_item import PortState, draw_port

CARDS = PixmapCache()


@dataclass(frozen=True)
class NodeFace:
    """What a node shows that comes from its layer type (fixed for the node's life)."""

    title: str
    category: str
    help: str
    inputs: tuple[tuple[str, bool], ...]  # (port name, accepts many)
    outputs: tuple[str, ...]

    @property
    def height(self) -> float:
        return style.card_height(max(len(self.inputs), len(self.outputs), 1))


def face_of(spec: LayerSpec, outputs: tuple[str, ...] | None = None) -> NodeFace:
    """What the nodes of the layer type ``spec`` show of it; ``outputs`` names a node's
    output ports where its parameters choose them (a Chunk's parts), else the type's."""
    return NodeFace(
        spec.display_name,
        spec.category,
        spec.help,
        tuple((p.name, p.multiple) for p in spec.inputs),
        outputs if outputs is not None else tuple(p.name for p in spec.outputs),
    )


class Faces:
    """The faces of a design's nodes, made once and shared: one per layer type, or one
    per (type, output ports) for a type whose ports follow its parameters (a Chunk), and
    one per (block, ports) for a block instance, whose ports follow its definition."""

    def __init__(self) -> None:
        self._faces: dict[str | tuple, NodeFace] = {}

    def of(self, catalog: Catalog, node: Node) -> NodeFace:
        face = self._faces.get(node.type)  # a type whose ports never change
        if face is not None:
            return face
        spec = catalog.get(node.type)
        if spec.role == "block":  # its ports follow its definition: interned by face
            face = face_of(spec)
            return self._faces.setdefault((node.type, (face.inputs, face.outputs)), face)
        if spec.outputs_rule is None:
            face = self._faces[node.type] = face_of(spec)
            return face
        outputs = tuple(p.name for p in spec.output_ports(node.params))
        face = self._faces.get((node.type, outputs))
        if face is None:
            face = self._faces[node.type, outputs] = face_of(spec, outputs)
        return face


class CardLook(NamedTuple):
    """What a card shows but its label (a key of `CARDS`, with the theme and zoom)."""

    face: NodeFace
    selected: bool
    errors: bool
    flagged: bool  # errors or warnings: a "!" on the title band
    mark: str | None
    level: str  # `style.detail_level` of the zoom
    wired: tuple[bool, ...]  # whether each input, then each output, has a wire


def port_y(index: int, count: int, height: float) -> float:
    """Where the ``index``-th of ``count`` ports on one side of a card sits."""
    middle = style.TITLE_HEIGHT + (height - style.TITLE_HEIGHT) / 2
    return middle + (index - (count - 1) / 2) * style.PORT_SPACING


#: Space between a port's name and the label or badges beside it.
PORT_NAME_GAP = 4.0
#: The top of the label's row, and the height of a row of text (label or status).
LABEL_TOP = style.TITLE_HEIGHT + 6.0
ROW_HEIGHT = 18.0


def row_top(height: float) -> float:
    """The top of the status row (shape and parameters) of a card of ``height``."""
    return height - 26.0


class TextLayout(NamedTuple):
    """Where a card's own text goes, clear of its port names (a mask input, a Chunk's
    parts): the label from ``left`` to ``label_right``; the status row from ``row_left``
    to ``row_right``; and ``raised``, the parameter count moved up to the label row (at
    ``right``) because the status row has too little room for it beside the shape."""

    left: float
    label_right: float
    right: float
    row_left: float
    row_right: float
    raised: str


@cache
def _text_spans(face: NodeFace, fonts: style.CanvasFonts) -> tuple[float, float, float, float]:
    """(left, right) of the label row and of the status row of a card of ``face``."""
    label = _text_span(face, LABEL_TOP, fonts.small_metrics)
    row = _text_span(face, row_top(face.height), fonts.small_metrics)
    return (*label, *row)


def _text_span(face: NodeFace, top: float, metrics: QFontMetricsF) -> tuple[float, float]:
    """Where the text of the row at ``top`` may go: between the margins, and clear of
    the port names painted on that row (names are painted where a side has several)."""

    def beside(names: list[str]) -> float:
        if len(names) < 2:
            return 0.0
        on_row = [
            name
            for i, name in enumerate(names)
            if top - 8.0 < port_y(i, len(names), face.height) < top + 26.0
        ]
        widths = [metrics.horizontalAdvance(name) - 2.0 + PORT_NAME_GAP for name in on_row]
        return max(widths, default=0.0)

    inputs = [name for name, _ in face.inputs]
    return 12.0 + beside(inputs), style.NODE_WIDTH - 12.0 - beside(list(face.outputs))


@lru_cache(maxsize=4096)
def text_layout(face: NodeFace, fonts: style.CanvasFonts, shape: str, params: str) -> TextLayout:
    """How a card of ``face`` lays out its label and the status ``shape`` and ``params``
    (shared by the card, which paints the label, and its status row).

    NOTE: where port names leave the status row too little room for the shape and the
    parameter count together, the count moves up beside the label.
    """
    left, right, row_left, row_right = _text_spans(face, fonts)
    params_width = fonts.small_metrics.horizontalAdvance(params) if params else 0.0
    room = row_right - row_left - params_width - 22.0
    if params and fonts.mono_metrics.horizontalAdvance(shape) > room:
        return TextLayout(left, right - params_width - 8.0, right, row_left, row_right, params)
    return TextLayout(left, right, right, row_left, row_right, "")


def paint_bounds(height: float, mark: str | None) -> QRectF:
    """The rectangle a card of ``height`` paints: with its shadow, its mark's tag and
    the ports on its sides."""
    return QRectF(_card_bounds(height, mark))


#: How far a port at rest reaches out of the card's side (its circle and pen).
PORT_REACH = style.PORT_RADIUS + 2.0


@cache
def _card_bounds(height: float, mark: str | None) -> QRectF:
    margin = 7.0 if mark else 5.0
    top = margin + (style.MARK_TAG_HEIGHT + style.MARK_TAG_GAP if mark else 0.0)
    side = max(margin, PORT_REACH)
    body = QRectF(0.0, 0.0, style.NODE_WIDTH, height)
    return body.adjusted(-side, -top, side, margin + style.SHADOW_OFFSET)


def paint_card(painter: QPainter, theme: style.CanvasTheme, look: CardLook) -> None:
    """The card but its label, in the card's coordinates (the body's corner at 0, 0)."""
    _paint_body(painter, theme, look)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(style.category_colour(look.face.category))
    painter.drawPath(title_band())
    if look.level == style.DETAIL:
        _paint_title(painter, theme, look)
        _paint_port_names(painter, theme, look.face)
    elif look.level == style.OVERVIEW:
        _paint_overview(painter, theme, look)
    _paint_ports(painter, theme, look)


def _paint_ports(painter: QPainter, theme: style.CanvasTheme, look: CardLook) -> None:
    """The ports at rest (a port draws itself only while hovered, see `PortItem`)."""
    face, accent = look.face, style.category_colour(look.face.category)
    sides = (
        [(0.0, multiple, False) for _, multiple in face.inputs],
        [(style.NODE_WIDTH, False, True) for _ in face.outputs],
    )
    wired = iter(look.wired)
    for ports in sides:
        for i, (x, multiple, is_output) in enumerate(ports):
            painter.save()
            painter.translate(x, port_y(i, len(ports), face.height))
            draw_port(
                painter, theme, accent, (PortState.NORMAL, False, next(wired), multiple, is_output)
            )
            painter.restore()


def _paint_body(painter: QPainter, theme: style.CanvasTheme, look: CardLook) -> None:
    """Shadow (only where more than a pixel wide on screen), body, selection ring, and
    the border or the comparison mark's outline."""
    rect, radius = QRectF(0.0, 0.0, style.NODE_WIDTH, look.face.height), style.CORNER_RADIUS
    painter.setPen(Qt.PenStyle.NoPen)
    if look.level != style.BLOCKS:
        shade = theme.colour("shadow")
        for grow, alpha in ((2.0, 40 if theme.dark else 14), (0.5, 60 if theme.dark else 22)):
            shade.setAlpha(alpha)
            painter.setBrush(shade)
            drop = rect.adjusted(-grow, -grow, grow, grow).translated(0, style.SHADOW_OFFSET)
            painter.drawRoundedRect(drop, radius + grow, radius + grow)
    painter.setBrush(theme.colour("node_body"))
    painter.drawRoundedRect(rect, radius, radius)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if look.selected:
        # a marked node's outline covers the usual ring: draw it outside, stronger
        grow, alpha = (4.5, 170) if look.mark else (2.0, 90)
        ring = theme.colour("accent")
        ring.setAlpha(alpha)
        painter.setPen(QPen(ring, 4.0 if not look.mark else 3.0))
        ringed = rect.adjusted(-grow, -grow, grow, grow)
        painter.drawRoundedRect(ringed, radius + grow, radius + grow)
    if look.mark:  # the mark's outline instead of the border
        painter.setPen(QPen(theme.colour(look.mark), style.MARK_WIDTH))
        painter.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), radius + 1, radius + 1)
        return
    if look.errors:
        pen = QPen(theme.colour("error"), 2.0)
    elif look.selected:
        pen = QPen(theme.colour("accent"), 1.6)
    else:
        pen = QPen(theme.colour("node_border"), 1.0)
    painter.setPen(pen)
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)


def _paint_title(painter: QPainter, theme: style.CanvasTheme, look: CardLook) -> None:
    """The layer type on the title band, and a "!" when the node has problems."""
    rect = QRectF(1.0, 1.0, style.NODE_WIDTH - 2.0, style.TITLE_HEIGHT - 1.0)
    fonts = theme.fonts
    painter.setFont(fonts.title)
    painter.setPen(theme.colour("title_text"))
    text_rect = rect.adjusted(10, 0, -30 if look.flagged else -10, 0)
    title = fonts.title_metrics.elidedText(
        look.face.title, Qt.TextElideMode.ElideRight, text_rect.width()
    )
    painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title)
    if look.flagged:
        centre = QPointF(rect.right() - 13, rect.center().y())
        painter.setPen(QPen(QColor("#ffffff"), 1.5))
        painter.setBrush(theme.colour("error" if look.errors else "warning"))
        painter.drawEllipse(centre, 7.5, 7.5)
        painter.drawText(
            QRectF(centre.x() - 7, centre.y() - 8, 14, 16), Qt.AlignmentFlag.AlignCenter, "!"
        )


def _paint_overview(painter: QPainter, theme: style.CanvasTheme, look: CardLook) -> None:
    """The simplified node: its layer type in one big line (two if it must wrap)."""
    rect = QRectF(8.0, style.TITLE_HEIGHT, style.NODE_WIDTH - 16.0, look.face.height)
    rect.setBottom(look.face.height - 4.0)
    painter.setFont(theme.fonts.overview)
    painter.setPen(theme.colour("error") if look.errors else theme.colour("text"))
    flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
    painter.drawText(rect, int(flags), look.face.title)


def _paint_port_names(painter: QPainter, theme: style.CanvasTheme, face: NodeFace) -> None:
    """Port names only where a side has several ports (one port needs no name)."""
    painter.setFont(theme.fonts.small)
    painter.setPen(theme.colour("subtext"))
    align = Qt.AlignmentFlag
    for names, left, flags in (
        ([name for name, _ in face.inputs], 10.0, align.AlignLeft),
        (list(face.outputs), style.NODE_WIDTH - 80.0, align.AlignRight),
    ):
        if len(names) > 1:
            for i, name in enumerate(names):
                y = port_y(i, len(names), face.height)
                painter.drawText(QRectF(left, y - 8, 70.0, 16.0), flags | align.AlignVCenter, name)


@cache
def title_band() -> QPainterPath:
    """The title bar: rounded top corners, square bottom (built once, shared by all nodes)."""
    radius = style.CORNER_RADIUS - 1
    card = QPainterPath()
    card.addRoundedRect(QRectF(1, 1, style.NODE_WIDTH - 2, style.NODE_HEIGHT), radius, radius)
    band = QPainterPath()
    band.addRect(QRectF(1, 1, style.NODE_WIDTH - 2, style.TITLE_HEIGHT - 1))
    return card.intersected(band)
