"""The statistics overlay: each measured layer outlined in a colour for one statistic.

A pre-flight check, or training once an epoch, measures every layer with a module
(`designer.model.lint.LayerStats`, kept by the document as ``probe_facts``). The overlay
is a *view state* of the scene: whether it shows, which statistic, and per node a
coloured outline with the value in a tag and every statistic in the node's tooltip. It
never changes the model; new measurements (or an edit of the network, which forgets
them) arrive with the document's ``probes_changed``, and the overlay paints again.

Colours follow the perceptually uniform viridis map over the values shown: the
logarithm of the value for norms and ratios, which span orders of magnitude, and the
value itself for the fraction of dead ReLUs (0 to 1).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from designer.model.lint import LayerStats
from designer.ui.canvas import style

_COLOURS = pg.colormap.get("viridis")
#: The colour of a value that is not a number (a gradient that became NaN).
NOT_A_NUMBER = QColor("#dc2626")
OUTLINE_WIDTH = 4.0
TAG_HEIGHT = 18.0
TAG_GAP = 4.0


@dataclass(frozen=True)
class OverlayStatistic:
    """One statistic the overlay can show: its title, how to read it from `LayerStats`,
    whether its colours follow its logarithm, and a fixed range (None: the values')."""

    key: str
    title: str
    read: Callable[[LayerStats], float | None]
    log: bool = True
    fixed: tuple[float, float] | None = None

    def text(self, value: float) -> str:
        if not math.isfinite(value):
            return "NaN" if math.isnan(value) else "∞"
        return f"{value:.0%}" if self.key == "dead" else f"{value:.3g}"


STATISTICS: tuple[OverlayStatistic, ...] = (
    OverlayStatistic("grad_norm", "Gradient norm", lambda s: s.grad_norm),
    OverlayStatistic("std", "Activation std", lambda s: s.std),
    OverlayStatistic("dead", "Dead ReLUs", lambda s: s.dead, log=False, fixed=(0.0, 1.0)),
    OverlayStatistic("update_ratio", "Update/weight ratio", lambda s: s.update_ratio),
)
STATISTIC = {statistic.key: statistic for statistic in STATISTICS}


def value_range(statistic: OverlayStatistic, values: list[float]) -> tuple[float, float] | None:
    """The low and high end of the colours: the statistic's fixed range, or the finite
    values' (positive ones only on a log scale); None when there is nothing to colour."""
    if statistic.fixed is not None:
        return statistic.fixed
    usable = [v for v in values if math.isfinite(v) and (v > 0 or not statistic.log)]
    return (min(usable), max(usable)) if usable else None


def colour_of(
    statistic: OverlayStatistic, value: float, bounds: tuple[float, float] | None
) -> QColor:
    """The colour of ``value`` within ``bounds`` (the low end for a zero on a log scale)."""
    if not math.isfinite(value):
        return NOT_A_NUMBER
    return colour_at(position(statistic, value, bounds))


def position(statistic: OverlayStatistic, value: float, bounds) -> float:
    """Where ``value`` lies between the ends of ``bounds``, from 0 to 1."""
    if bounds is None:
        return 0.5
    low, high = bounds
    if statistic.log:
        if value <= 0:
            return 0.0
        low, high, value = math.log10(low), math.log10(high), math.log10(value)
    if high <= low:
        return 0.5
    return min(1.0, max(0.0, (value - low) / (high - low)))


def colour_at(t: float) -> QColor:
    """The colour map at ``t`` (0 to 1)."""
    return QColor(_COLOURS.map(t, mode="qcolor"))


def tooltip_text(stats: LayerStats, origin: str) -> str:
    """Every statistic of a layer, for its tooltip (rich text)."""
    rows = [f"<b>Measured</b> ({html.escape(origin)})" if origin else "<b>Measured</b>"]
    rows.append(f"Activation mean: {stats.mean:.3g}")
    for statistic in STATISTICS:
        value = statistic.read(stats)
        if value is not None:
            rows.append(f"{statistic.title}: {statistic.text(value)}")
    return "<br>".join(rows)


class OverlayBadge(QGraphicsItem):
    """A coloured outline around a node's card and a tag with the value above its right
    corner; a child of the node item, so it moves with it. It takes no mouse events:
    clicks, drags and tooltips belong to the node."""

    def __init__(self, parent: QGraphicsItem, height: float) -> None:
        super().__init__(parent)
        self.height = height
        self.colour = QColor()
        self.text = ""
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.setZValue(1.0)

    def show_value(self, colour: QColor, text: str) -> None:
        if colour != self.colour or text != self.text:
            self.colour, self.text = colour, text
            self.update()

    def boundingRect(self) -> QRectF:
        margin = OUTLINE_WIDTH
        top = TAG_HEIGHT + TAG_GAP + margin
        return QRectF(-margin, -top, style.NODE_WIDTH + 2 * margin, self.height + top + margin)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(0.0, 0.0, style.NODE_WIDTH, self.height)
        painter.setPen(QPen(self.colour, OUTLINE_WIDTH))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(card, style.CORNER_RADIUS, style.CORNER_RADIUS)
        theme = getattr(self.scene(), "theme", style.LIGHT)
        fonts = theme.fonts
        width = fonts.small_metrics.horizontalAdvance(self.text) + 14.0
        tag = QRectF(style.NODE_WIDTH - width, -TAG_HEIGHT - TAG_GAP, width, TAG_HEIGHT)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colour)
        painter.drawRoundedRect(tag, TAG_HEIGHT / 2, TAG_HEIGHT / 2)
        painter.setFont(fonts.small)
        painter.setPen(style.text_colour_on(self.colour))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, self.text)


class GradientOverlay(QObject):
    """The overlay of one scene, fed by its document's ``probe_facts``.

    Signals:
        changed: what the legend shows changed (visibility, statistic, range).
    """

    changed = Signal()

    def __init__(self, scene, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scene = scene
        self.document = scene.document
        self.visible = False
        self.statistic = STATISTICS[0]
        self.bounds: tuple[float, float] | None = None
        self._painted = False  # whether any item shows an outline or tooltip lines
        # NOTE: connected after the scene's own handlers, so the items are current (a
        # node whose card is remade gets its outline back with the next analysis).
        self.document.probes_changed.connect(self.refresh)
        self.document.analysis_changed.connect(self.refresh)
        self.document.project_replaced.connect(self.refresh)

    @property
    def layers(self) -> Mapping[str, LayerStats]:
        facts = self.document.probe_facts
        return facts.layers if facts is not None else {}

    @property
    def origin(self) -> str:
        facts = self.document.probe_facts
        return facts.origin if facts is not None else ""

    def set_visible(self, on: bool) -> None:
        if on != self.visible:
            self.visible = on
            self.refresh()

    def set_statistic(self, key: str) -> None:
        if key != self.statistic.key:
            self.statistic = STATISTIC[key]
            self.refresh()

    def refresh(self) -> None:
        """Outline each measured node in the colour of its value (or take the outlines
        away), and give every node item the tooltip lines of its statistics."""
        layers = self.layers if self.visible else {}
        if not layers and not self._painted:
            self.changed.emit()  # nothing on the canvas to take away (every edit comes here)
            return
        self._painted = bool(layers)
        statistic = self.statistic
        values = {n: statistic.read(s) for n, s in layers.items()}
        shown = {n: v for n, v in values.items() if v is not None}
        self.bounds = value_range(statistic, list(shown.values()))
        for item in self.scene.node_items():
            stats = layers.get(item.node_id)
            item.overlay_note = tooltip_text(stats, self.origin) if stats is not None else ""
            self._show(item, shown.get(item.node_id))
        self.changed.emit()

    def _show(self, item, value: float | None) -> None:
        badge = next((c for c in item.childItems() if isinstance(c, OverlayBadge)), None)
        if value is None:
            if badge is not None:
                badge.setParentItem(None)
                self.scene.removeItem(badge)
            return
        if badge is None:
            badge = OverlayBadge(item, item.height)
        badge.show_value(colour_of(self.statistic, value, self.bounds), self.statistic.text(value))
