"""`BoundaryView`: a run's decision boundary over a 2-D input space, and the class colours
the results share.

It draws the grid the training thread computed (`DecisionBoundary`): pale class colours
(or the probability of class 1 between two pale colours, with its 0.5 contour) under the
validation points in strong class colours.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from designer.training.results import DecisionBoundary

CLASS_COLORS = (
    "#2563eb", "#ea580c", "#16a34a", "#dc2626", "#9333ea",
    "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d",
)  # fmt: skip
NEUTRAL_COLOR = "#4b5563"


def class_color(index: int) -> QColor:
    return QColor(CLASS_COLORS[index % len(CLASS_COLORS)])


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` blended towards ``b`` by ``t`` (0..1)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


class BoundaryView(pg.PlotWidget):
    """The decision-boundary plot; `show_boundary` draws one, None clears it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        plot = self.plot_item = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setLabel("bottom", "x1 (standardized)")
        plot.setLabel("left", "x2 (standardized)")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.curve = pg.IsocurveItem(
            level=0.5, pen=pg.mkPen("#111827", width=1), axisOrder="row-major"
        )
        self.curve.setParentItem(self.image)
        plot.addItem(self.image)
        self.point_sets: list[pg.ScatterPlotItem] = []  # one per class: one brush each
        self.setMinimumSize(130, 150)
        self.apply_palette(self.palette())

    def show_boundary(self, boundary: DecisionBoundary | None, classified: bool) -> None:
        """Draw ``boundary``; ``classified`` colours the points by class (else grey)."""
        if boundary is None:
            self.image.clear()
            for points in self.point_sets:
                points.clear()
            return
        base = self.palette().color(QPalette.ColorRole.Base)
        x0, x1, y0, y1 = boundary.extent
        self.image.setImage(boundary.values, lut=_lookup_table(boundary, base))
        self.image.setLevels(_levels(boundary))
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        self.curve.setVisible(boundary.kind == "probability")
        if boundary.kind == "probability":
            self.curve.setData(boundary.values, level=0.5)
        self._show_points(boundary, classified, pg.mkPen(base))
        self.plot_item.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _show_points(self, boundary: DecisionBoundary, classified: bool, pen) -> None:
        """The validation points, one scatter item per class.

        NOTE: one item per class draws each with a single brush; one item with a brush
        per point took ~10 ms for 800 points, in the GUI thread, as a run ends.
        """
        labels = np.asarray(boundary.labels).astype(int) if classified else None
        groups = sorted(set(labels.tolist())) if labels is not None else [None]
        while len(self.point_sets) < len(groups):
            self.point_sets.append(pg.ScatterPlotItem(size=6, pxMode=True))
            self.plot_item.addItem(self.point_sets[-1])
        for index, points in enumerate(self.point_sets):
            if index >= len(groups):
                points.clear()
                continue
            group = groups[index]
            chosen = boundary.points if group is None else boundary.points[labels == group]
            color = QColor(NEUTRAL_COLOR) if group is None else class_color(group)
            points.setData(pos=chosen, brush=pg.mkBrush(color), pen=pen)

    def apply_palette(self, palette: QPalette) -> None:
        """Match the plot to the window's colours (light or dark theme)."""
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.WindowText)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(text, width=1))
            axis.setTextPen(pg.mkPen(text))


def _levels(boundary: DecisionBoundary) -> tuple[float, float]:
    if boundary.kind == "probability":
        return 0.0, 1.0
    if boundary.kind == "class":
        return 0.0, float(max((boundary.num_classes or 2) - 1, 1))
    values = boundary.values
    return float(np.nanmin(values)), float(np.nanmax(values)) + 1e-12


def _lookup_table(boundary: DecisionBoundary, base: QColor) -> np.ndarray:
    """Pale class colours, so the validation points drawn on top stay readable."""
    if boundary.kind == "class":
        count = max(boundary.num_classes or 2, 2)
        colors = [mix(base, class_color(i), 0.35) for i in range(count)]
    elif boundary.kind == "probability":
        low, high = mix(base, class_color(0), 0.45), mix(base, class_color(1), 0.45)
        colors = [
            mix(low, base, t / 127) if t < 128 else mix(base, high, (t - 128) / 127)
            for t in range(256)
        ]
    else:
        return pg.colormap.get("viridis").getLookupTable(nPts=256, alpha=False)
    return np.array([[c.red(), c.green(), c.blue()] for c in colors], dtype=np.uint8)


__all__ = ["CLASS_COLORS", "BoundaryView", "class_color", "mix"]
