"""The dotted grid behind the canvas, drawn column by column.

Every column of dots is the same, so one column is built as a polygon and drawn at each
column's place: a few hundred drawing calls rather than building a point per dot (tens
of thousands on a zoomed-out view), which is what the first frame of a large design and
every zoom step would otherwise wait for.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPolygonF

from designer.ui.canvas import style


def grid_spacing(zoom: float) -> float:
    """The spacing of the dots at ``zoom``: never closer than 12 pixels on screen."""
    spacing = style.GRID_SPACING
    while spacing * zoom < 12.0:
        spacing *= style.GRID_MAJOR_EVERY
    return spacing


def paint_grid(painter: QPainter, rect: QRectF, zoom: float, theme: style.CanvasTheme) -> None:
    """Dots at every multiple of the spacing inside ``rect`` (scene coordinates), larger
    ones where a row and a column are both a multiple of `style.GRID_MAJOR_EVERY`."""
    spacing, every = grid_spacing(zoom), style.GRID_MAJOR_EVERY
    top, bottom = int(rect.top() // spacing), int(rect.bottom() // spacing)
    rows = range(top, bottom + 1)
    full = QPolygonF([QPointF(0.0, j * spacing) for j in rows])
    between = QPolygonF([QPointF(0.0, j * spacing) for j in rows if j % every])
    crossings = QPolygonF([QPointF(0.0, j * spacing) for j in rows if not j % every])
    columns = range(int(rect.left() // spacing), int(rect.right() // spacing) + 1)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    world = painter.worldTransform()
    painter.setPen(style.pen(theme.colour("grid_minor"), 1.5, cosmetic=True))
    for i in columns:
        painter.setWorldTransform(world)
        painter.translate(i * spacing, 0.0)
        painter.drawPoints(between if i % every == 0 else full)
    painter.setPen(style.pen(theme.colour("grid_major"), 2.5, cosmetic=True))
    for i in columns:
        if i % every == 0:
            painter.setWorldTransform(world)
            painter.translate(i * spacing, 0.0)
            painter.drawPoints(crossings)
    painter.setWorldTransform(world)
