"""How the canvas looks: colours per category, sizes and fonts, in a light and a dark theme.

Everything visual lives here so that items only lay out and paint; a theme switch is a
new `CanvasTheme` handed to the scene, never a change scattered over item classes. The
colours match the application style sheets (dark window #1e2227, highlight #2563eb).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontInfo, QFontMetricsF, QPalette, QPen

# ---------------------------------------------------------------------- geometry
NODE_WIDTH = 184.0
TITLE_HEIGHT = 26.0
BODY_HEIGHT = 58.0
NODE_HEIGHT = TITLE_HEIGHT + BODY_HEIGHT
PORT_ROW_HEIGHT = 22.0
CORNER_RADIUS = 8.0
PORT_RADIUS = 6.0
PORT_SPACING = 22.0
PORT_HIT_RADIUS = 12.0
SHADOW_OFFSET = 3.0
EDGE_WIDTH = 2.0
EDGE_HOVER_WIDTH = 3.5
EDGE_PICK_WIDTH = 12.0
GRID_SPACING = 24.0
GRID_MAJOR_EVERY = 5
#: Text on screen smaller than this many pixels is unreadable: below the zoom where the
#: smallest node text would shrink under it, nodes are drawn simplified (see `NodeItem`).
LEGIBLE_TEXT_PX = 7.0
#: "Fit to window" never zooms out so far that the smallest node text is under this size;
#: a larger design is shown from its beginning, and the user pans to the rest.
FIT_TEXT_PX = 7.5
#: The one big line of a simplified node (scene pixels): the layer type, readable when
#: the detailed text is not.
OVERVIEW_TITLE_PX = 20

#: The tag over a node marked in a comparison ("added", "removed", "changed"): its height
#: and the gap between it and the card, in scene pixels.
MARK_TAG_HEIGHT = 17.0
MARK_TAG_GAP = 4.0
#: The width of a marked node's outline and of a marked wire.
MARK_WIDTH = 2.5

#: Z order: edges under nodes, the wire being dragged above everything.
EDGE_Z = -1.0
NODE_Z = 0.0
DRAG_Z = 10.0


def card_height(port_rows: int) -> float:
    """The height of a node card with ``port_rows`` ports on its busier side."""
    return max(NODE_HEIGHT, TITLE_HEIGHT + port_rows * PORT_ROW_HEIGHT + 14)


CATEGORY_COLOURS: dict[str, str] = {
    "Input/Output": "#0d9488",
    "Core": "#4f6bed",
    "Shape": "#a16207",
    "Activation": "#e8870e",
    "Convolution": "#7c4ddb",
    "Pooling": "#1d8fd6",
    "Normalization": "#2f9e52",
    "Sequence": "#d63a74",
    "Merge": "#5b6b82",
}
_FALLBACK_COLOURS = ("#64748b", "#b45309", "#0e7490", "#9333ea", "#be123c")


def category_colour(category: str) -> QColor:
    """The title-bar colour of a category; unknown categories get a stable fallback."""
    return QColor(_category_rgba(category))


@cache
def _category_rgba(category: str) -> int:
    name = CATEGORY_COLOURS.get(category)
    if name is None:
        name = _FALLBACK_COLOURS[zlib.crc32(category.encode()) % len(_FALLBACK_COLOURS)]
    return QColor(name).rgba()


@dataclass(frozen=True)
class CanvasTheme:
    """The colours of one palette. Fonts are built lazily (they need a `QGuiApplication`)."""

    name: str
    background: str
    grid_minor: str
    grid_major: str
    node_body: str
    node_border: str
    shadow: str
    title_text: str
    text: str
    subtext: str
    badge_fill: str
    badge_text: str
    edge: str
    edge_hover: str
    accent: str
    error: str
    warning: str
    port_fill: str
    port_ok: str
    port_dim: str
    # A comparison of two designs marks nodes and wires with these (see `mark_roles`).
    added: str
    removed: str
    changed: str

    def colour(self, role: str) -> QColor:
        """A fresh `QColor` for ``role`` (callers may change its alpha)."""
        return QColor(self._colours[role])

    @cached_property
    def _colours(self) -> dict[str, QColor]:
        # NOTE: parsed once; painting 500 nodes asks for a few thousand colours a frame.
        return {
            name: QColor(value)
            for name, value in vars(self).items()
            if isinstance(value, str) and value.startswith("#")
        }

    @cached_property
    def fonts(self) -> CanvasFonts:
        return CanvasFonts()

    @cached_property
    def dark(self) -> bool:
        return QColor(self.background).lightness() < 128


class CanvasFonts:
    """The fonts of a node: bold title, label, monospace shape badge, small notes, and
    the big title of a simplified node."""

    def __init__(self) -> None:
        self.title = QFont()
        self.title.setPointSizeF(10.0)
        self.title.setWeight(QFont.Weight.DemiBold)
        self.label = QFont()
        self.label.setPointSizeF(10.5)
        self.label.setWeight(QFont.Weight.Medium)
        self.mono = QFont("monospace")
        self.mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.mono.setPointSizeF(9.0)
        self.small = QFont()
        self.small.setPointSizeF(9.0)
        self.overview = QFont()
        self.overview.setPixelSize(OVERVIEW_TITLE_PX)
        self.overview.setWeight(QFont.Weight.DemiBold)
        self.title_metrics = QFontMetricsF(self.title)
        self.label_metrics = QFontMetricsF(self.label)
        self.mono_metrics = QFontMetricsF(self.mono)
        self.small_metrics = QFontMetricsF(self.small)

    @cached_property
    def smallest_px(self) -> float:
        """The height in scene pixels of the smallest detailed text (the em size)."""
        fonts = (self.title, self.label, self.mono, self.small)
        return min(QFontInfo(font).pixelSize() for font in fonts)

    @property
    def detail_zoom(self) -> float:
        """The zoom below which the detailed text would be under `LEGIBLE_TEXT_PX`."""
        return LEGIBLE_TEXT_PX / self.smallest_px

    @property
    def overview_zoom(self) -> float:
        """The zoom below which even a simplified node's big title is unreadable."""
        return LEGIBLE_TEXT_PX / OVERVIEW_TITLE_PX

    @property
    def fit_zoom(self) -> float:
        """The smallest zoom "fit to window" may choose (text at `FIT_TEXT_PX`)."""
        return FIT_TEXT_PX / self.smallest_px


DETAIL, OVERVIEW, BLOCKS = "detail", "overview", "blocks"


def detail_level(zoom: float, fonts: CanvasFonts) -> str:
    """How much a node shows at ``zoom``: every text (`DETAIL`) while the smallest stays
    legible, else its type in one big line (`OVERVIEW`), else a coloured card (`BLOCKS`)."""
    if zoom >= fonts.detail_zoom - 1e-9:
        return DETAIL
    return OVERVIEW if zoom >= fonts.overview_zoom - 1e-9 else BLOCKS


LIGHT = CanvasTheme(
    name="light",
    background="#f4f6f9",
    grid_minor="#d5dae1",
    grid_major="#b9c0ca",
    node_body="#ffffff",
    node_border="#cfd5dd",
    shadow="#1a202c",
    title_text="#ffffff",
    text="#1f2937",
    subtext="#6b7280",
    badge_fill="#eef1f5",
    badge_text="#374151",
    edge="#8b95a3",
    edge_hover="#2563eb",
    accent="#2563eb",
    error="#dc2626",
    warning="#d97706",
    port_fill="#ffffff",
    port_ok="#16a34a",
    port_dim="#c5cbd3",
    added="#16a34a",
    removed="#dc2626",
    changed="#d97706",
)

DARK = CanvasTheme(
    name="dark",
    background="#16191d",
    grid_minor="#262b31",
    grid_major="#323840",
    node_body="#262b31",
    node_border="#3a4048",
    shadow="#000000",
    title_text="#ffffff",
    text="#e5e7eb",
    subtext="#9ca3af",
    badge_fill="#1e2227",
    badge_text="#cbd5e1",
    edge="#6b7280",
    edge_hover="#60a5fa",
    accent="#3b82f6",
    error="#f05252",
    warning="#f59e0b",
    port_fill="#1e2227",
    port_ok="#22c55e",
    port_dim="#3a4048",
    added="#22c55e",
    removed="#f05252",
    changed="#f59e0b",
)


#: Where a canvas item finds the theme to paint with: its scene's `current_theme`, handed to
#: the item when it is made (a theme change repaints every item of the scene).
ThemeSource = Callable[[], CanvasTheme]

#: The marks a comparison gives nodes and wires; each is also a colour role of the theme.
MARKS = ("added", "removed", "changed")


def text_colour_on(fill: QColor) -> QColor:
    """Black or white, whichever reads better on ``fill`` (by its relative luminance):
    white on the light theme's deep amber, near-black on the dark theme's bright one."""
    red, green, blue = ((c / 255.0) ** 2.2 for c in (fill.red(), fill.green(), fill.blue()))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return QColor("#111827") if luminance > 0.3 else QColor("#ffffff")


def pen(colour: QColor, width: float, cosmetic: bool = False) -> QPen:
    """A solid pen with round caps (wires and dots look drawn, not cut)."""
    result = QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    result.setCosmetic(cosmetic)
    return result


def theme_for_palette(palette: QPalette) -> CanvasTheme:
    """`DARK` when the widget palette's window colour is dark, else `LIGHT`."""
    window = palette.color(QPalette.ColorRole.Window)
    return DARK if window.lightness() < 128 else LIGHT
