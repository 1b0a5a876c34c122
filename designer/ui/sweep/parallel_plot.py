"""`ParallelCoordinatesPlot`: one polyline per trial across the sweep's dimensions.

Each dimension is a vertical axis from its low end (bottom) to its high end (top), on a
logarithmic scale when the dimension is searched so, choices spread evenly; the last
axis is the metric over the values seen. A finished trial is a line coloured by its
metric (bright is better, with a colour bar), the best one drawn wider; pruned and failed
trials are thin grey lines over the dimensions only. Lines are made once per trial and
only their data changes (the metric axis rescales as values arrive); the axes are made
once per sweep.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette

from designer.catalog.objectives import format_metric, metric_label
from designer.model.sweep import CHOICE, SweepParam
from designer.training.sweep_study import COMPLETE, RUNNING, TrialRow, direction
from designer.training.text import format_value

COLOR_MAP = "viridis"
OTHER_COLOR = (150, 150, 150, 110)
AXIS_COLOR = (120, 120, 120)
BEST_WIDTH = 3
IDLE_TEXT = "Each finished trial draws a line across the parameters it tried."


def position(param: SweepParam, value: object) -> float:
    """Where ``value`` sits on the dimension's axis, 0 (low end) to 1 (high end)."""
    if param.kind == CHOICE:
        choices = list(param.choices)
        return choices.index(value) / max(1, len(choices) - 1) if value in choices else math.nan
    if not isinstance(value, int | float):
        return math.nan
    low, high = param.low, param.high
    if param.log:
        low, high, value = math.log(low), math.log(high), math.log(max(value, 1e-300))
    return (value - low) / (high - low) if high > low else 0.5


class ParallelCoordinatesPlot(pg.GraphicsLayoutWidget):
    """The plot of one sweep: `set_space` once, then `set_trials` as trials change."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(160)
        self.plot = self.addPlot(row=0, col=0)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.hideAxis("left")
        self.plot.setYRange(-0.08, 1.08, padding=0)
        self.color_map = pg.colormap.get(COLOR_MAP)
        # NOTE: the bar of a metric to minimize shows the map turned around (good stays
        # bright); a new map, as `colormap.get` shares one object that reverse() would turn.
        self.reversed_map = copy.deepcopy(self.color_map)
        self.reversed_map.reverse()
        self.color_bar = pg.ColorBarItem(
            values=(0.0, 1.0), colorMap=self.color_map, interactive=False, width=12
        )
        self.addItem(self.color_bar, row=0, col=1)
        self._params: tuple[SweepParam, ...] = ()
        self._metric = "val_loss"
        self._lines: dict[int, pg.PlotCurveItem] = {}
        self._axis_items: list = []
        self._metric_labels: list = []
        self._label_fill = pg.mkBrush(255, 255, 255, 200)
        self._idle = pg.TextItem(IDLE_TEXT, anchor=(0.5, 0.5), color=AXIS_COLOR)
        self.plot.addItem(self._idle)
        self.set_space((), {}, "val_loss")

    # ------------------------------------------------------------------ axes
    def set_space(
        self, params: Sequence[SweepParam], names: Mapping[str, str], metric: str
    ) -> None:
        """Axes for ``params`` (titled by ``names``, by key) and the metric; forgets
        the lines of another sweep."""
        for item in [*self._axis_items, *self._lines.values()]:
            self.plot.removeItem(item)
        self._axis_items, self._lines = [], {}
        self._params, self._metric = tuple(params), metric
        titles = [names.get(p.key, p.key) for p in params] + [metric_label(metric)]
        self.plot.getAxis("bottom").setTicks([list(enumerate(titles))])
        self.plot.setXRange(-0.5, max(1, len(titles) - 1) + 0.5, padding=0)
        self._idle.setPos(max(1, len(titles) - 1) / 2, 0.5)
        for index, param in enumerate(params):
            self._add_axis(index, _ticks(param))
        self._add_axis(len(params), [(0.0, ""), (1.0, "")])
        self._metric_labels = self._axis_items[-2:]
        self.color_bar.setVisible(bool(params))

    def _add_axis(self, x: int, ticks: Sequence[tuple[float, str]]) -> None:
        line = pg.InfiniteLine(pos=x, angle=90, pen=pg.mkPen(AXIS_COLOR, width=1))
        self.plot.addItem(line)
        self._axis_items.append(line)
        for y, text in ticks:
            anchor = (0.5, 0.0) if y < 0.5 else (0.5, 1.0) if y > 0.5 else (0.5, 0.5)
            label = pg.TextItem(text, anchor=anchor, color=AXIS_COLOR, fill=self._label_fill)
            label.setZValue(50)  # above the lines, on the plot's background
            label.setPos(x, y)
            self.plot.addItem(label)
            self._axis_items.append(label)

    # ------------------------------------------------------------------ lines
    def set_trials(self, rows: Sequence[TrialRow], best: int | None) -> None:
        """Draw every finished trial (running ones are left out until they end)."""
        finished = [row for row in rows if row.state != RUNNING]
        self._idle.setVisible(not finished)
        values = [r.value for r in finished if r.state == COMPLETE and _finite(r.value)]
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        self._show_metric_range(low, high, bool(values))
        for row in finished:
            line = self._lines.get(row.number)
            if line is None:
                line = self._lines[row.number] = pg.PlotCurveItem()
                self.plot.addItem(line)
            self._draw(line, row, low, high, row.number == best)

    def _draw(self, line, row: TrialRow, low: float, high: float, best: bool) -> None:
        ys = [position(p, row.values.get(p.key)) for p in self._params]
        if row.state == COMPLETE and _finite(row.value):
            share = (row.value - low) / (high - low) if high > low else 1.0  # type: ignore[operator]
            goodness = share if direction(self._metric) == "maximize" else 1 - share
            color = self.color_map.map(goodness, mode="qcolor")
            line.setData(list(range(len(ys) + 1)), [*ys, share])
            line.setPen(pg.mkPen(color, width=BEST_WIDTH if best else 1))
            line.setZValue(10 + goodness + (10 if best else 0))
        else:
            line.setData(list(range(len(ys))), ys)
            line.setPen(pg.mkPen(OTHER_COLOR, width=1))
            line.setZValue(0)

    def _show_metric_range(self, low: float, high: float, known: bool) -> None:
        low_label, high_label = self._metric_labels
        low_label.setText(format_metric(self._metric, low) if known else "")
        high_label.setText(format_metric(self._metric, high) if known else "")
        levels = (low, high) if high > low else (low - 0.5, low + 0.5)
        if direction(self._metric) == "minimize":
            self.color_bar.setColorMap(self.reversed_map)
        else:
            self.color_bar.setColorMap(self.color_map)
        self.color_bar.setLevels(levels)

    def line_count(self) -> int:
        return len(self._lines)

    def apply_palette(self, palette: QPalette) -> None:
        """Match the window's colours (light or dark theme)."""
        background = palette.color(QPalette.ColorRole.Base)
        self.setBackground(background)
        fill = QColor(background)
        fill.setAlpha(200)
        self._label_fill = pg.mkBrush(fill)
        for item in self._axis_items:
            if isinstance(item, pg.TextItem):
                item.fill = self._label_fill
                item.update()
        text = palette.color(QPalette.ColorRole.WindowText)
        axis = self.plot.getAxis("bottom")
        axis.setPen(pg.mkPen(text, width=1))
        axis.setTextPen(pg.mkPen(text))
        self.color_bar.axis.setTextPen(pg.mkPen(QColor(text)))


def _ticks(param: SweepParam) -> list[tuple[float, str]]:
    """The labels of an axis: each choice where it sits, or the two ends of a range."""
    if param.kind == CHOICE:
        return [(position(param, value), format_value(value)) for value in param.choices]
    return [(0.0, format_value(param.low)), (1.0, format_value(param.high))]


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
