"""Pixmaps rendered once and drawn many times: what many items of a design share.

A design of thousands of layers has a handful of distinct looks: a card of each category
colour and size, a status row per distinct shape. Rendering each look once per zoom and
blitting it is what keeps opening, zooming and editing such a design within a frame;
the items' own caches (`DeviceCoordinateCache`) then hold only what is theirs alone.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Hashable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPixmap, QTransform


class PixmapCache:
    """Rendered pixmaps by a key saying what they show and at what scale; the least
    recently used go first beyond ``capacity``."""

    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self._pixmaps: OrderedDict[Hashable, QPixmap] = OrderedDict()
        self.renders = 0  # how many were rendered (every other request was a reuse)

    def get(self, key: Hashable, render: Callable[[], QPixmap]) -> QPixmap:
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            pixmap = self._pixmaps[key] = render()
            self.renders += 1
            if len(self._pixmaps) > self.capacity:
                self._pixmaps.popitem(last=False)
        else:
            self._pixmaps.move_to_end(key)
        return pixmap


def render(rect: QRectF, zoom: float, ratio: float, paint: Callable[[QPainter], None]) -> QPixmap:
    """``paint`` (which draws in the coordinates of ``rect``) into a transparent pixmap
    at ``zoom``, for a screen of device pixel ratio ``ratio``."""
    width = math.ceil(rect.width() * zoom * ratio) + 1
    height = math.ceil(rect.height() * zoom * ratio) + 1
    pixmap = QPixmap(width, height)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.scale(zoom, zoom)
    painter.translate(-rect.topLeft())
    paint(painter)
    painter.end()
    return pixmap


def blit(painter: QPainter, pixmap: QPixmap, corner: QPointF) -> None:
    """Draw ``pixmap`` (made by `render` at the painter's zoom) with its top-left at
    ``corner`` (in the painter's coordinates), on whole device pixels: no resampling."""
    world = painter.worldTransform()
    at = world.map(corner)
    painter.setWorldTransform(QTransform())
    painter.drawPixmap(QPointF(round(at.x()), round(at.y())), pixmap)
    painter.setWorldTransform(world)


def zoom_of(painter: QPainter) -> float:
    """The painter's scale (the view's zoom; the canvas never rotates)."""
    world = painter.worldTransform()
    return math.hypot(world.m11(), world.m12())
