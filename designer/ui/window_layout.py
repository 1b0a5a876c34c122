"""How big the main window's docks start, so the canvas gets the largest share.

Qt sizes docks from their widgets' size hints, which gives the side panels 250-350 px
and the bottom area the height of the training plots (about 240 px) even while it only
shows an empty problems list: at 1024x700 that left the canvas 550x330. Here the first
show of a window without a saved layout sets widths proportional to the window, within
bounds that keep every panel usable.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

PALETTE_SHARE, PALETTE_MAX = 0.125, 220
RIGHT_SHARE, RIGHT_MIN, RIGHT_MAX = 0.19, 240, 320
BOTTOM_SHARE, BOTTOM_MIN, BOTTOM_MAX = 0.15, 110, 160
#: The least a bottom panel (plots, code, problems) may be squeezed to by the user.
BOTTOM_PANEL_MINIMUM = QSize(200, 80)


@dataclass(frozen=True)
class DockSizes:
    """Starting sizes in pixels: the palette's width, the right-hand docks' width, and
    the bottom docks' height."""

    palette: int
    right: int
    bottom: int


def _clamp(value: float, low: int, high: int) -> int:
    return int(min(max(round(value), low), max(low, high)))


def default_dock_sizes(
    width: int, height: int, palette_minimum: int = 0, right_minimum: int = 0
) -> DockSizes:
    """Dock sizes for a ``width`` x ``height`` window: palette ~200 px and right docks
    ~300 px at 1600 wide, less on a small screen, never under the panels' minimums."""
    return DockSizes(
        palette=_clamp(width * PALETTE_SHARE, palette_minimum, PALETTE_MAX),
        right=_clamp(width * RIGHT_SHARE, max(RIGHT_MIN, right_minimum), RIGHT_MAX),
        bottom=_clamp(height * BOTTOM_SHARE, BOTTOM_MIN, BOTTOM_MAX),
    )


def docks_in(
    window: QMainWindow, area: Qt.DockWidgetArea, open_only: bool = True
) -> list[QDockWidget]:
    """The docks of ``window`` in ``area``, tabbed ones included; with ``open_only``
    those the user has not closed."""
    return [
        dock
        for dock in window.findChildren(QDockWidget)
        if window.dockWidgetArea(dock) == area
        and (not open_only or dock.toggleViewAction().isChecked())
    ]


def in_front(dock: QDockWidget) -> bool:
    """Whether ``dock`` shows (a dock tabbed behind another is moved off-screen, while
    `isVisible` stays true)."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def relax_bottom_minimums(window: QMainWindow) -> None:
    """Let the bottom area be small: tabbed docks share the largest minimum among them,
    and the plots ask for ~240 px though the problems list needs far less."""
    for dock in docks_in(window, Qt.DockWidgetArea.BottomDockWidgetArea, open_only=False):
        widget: QWidget = dock.widget()
        widget.setMinimumSize(BOTTOM_PANEL_MINIMUM)


def apply_default_dock_sizes(window: QMainWindow) -> DockSizes:
    """Size the window's docks for its current size (see `default_dock_sizes`)."""
    area = Qt.DockWidgetArea
    left = docks_in(window, area.LeftDockWidgetArea)
    right = docks_in(window, area.RightDockWidgetArea)
    bottom = docks_in(window, area.BottomDockWidgetArea)
    sizes = default_dock_sizes(
        window.width(),
        window.height(),
        max((d.minimumSizeHint().width() for d in left), default=0),
        max((d.minimumSizeHint().width() for d in right), default=0),
    )
    horizontal = Qt.Orientation.Horizontal
    if left:
        window.resizeDocks(left, [sizes.palette] * len(left), horizontal)
    if right:
        window.resizeDocks(right, [sizes.right] * len(right), horizontal)
    if bottom:
        window.resizeDocks(bottom, [sizes.bottom] * len(bottom), Qt.Orientation.Vertical)
    return sizes


__all__ = [
    "DockSizes",
    "apply_default_dock_sizes",
    "default_dock_sizes",
    "docks_in",
    "in_front",
    "relax_bottom_minimums",
]
