"""How the window's plots look: the colours of training and validation curves, and plots
and legends that follow the window's theme. Shared by the live training plots, the
learning-rate finder and the layer help pages, which must draw alike."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette

TRAIN_COLOR = "#2563eb"
VAL_COLOR = "#ea580c"


def match_palette(widget: pg.PlotWidget, palette: QPalette) -> None:
    """A plot in the window's colours (light or dark theme): background, axes, title."""
    background = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.WindowText)
    widget.setBackground(background)
    plot = widget.getPlotItem()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(text, width=1))
        axis.setTextPen(pg.mkPen(text))
    plot.titleLabel.setAttr("color", text.name())
    plot.setTitle(plot.titleLabel.text, size="10pt")


def match_legend(legend: pg.LegendItem, palette: QPalette) -> None:
    """A plot's legend in the window's colours, over a translucent background."""
    fill = QColor(palette.color(QPalette.ColorRole.Base))
    fill.setAlpha(170)
    legend.setBrush(pg.mkBrush(fill))
    legend.setLabelTextColor(palette.color(QPalette.ColorRole.WindowText))
