"""Light and dark themes: the Fusion style, a palette and the shipped style sheets.

The theme follows the system colour scheme (`QStyleHints.colorScheme`) unless the user
picks light or dark explicitly. Monochrome icons are recoloured here for the dark theme
because a style sheet cannot recolour SVG strokes; `icon` renders them at several sizes
so menus, toolbars and the palette stay sharp on high-DPI screens.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from designer.resources import icon_svg_text, style_sheet

MODES = ("system", "light", "dark")
LIGHT_ICON = "#3f4754"
DARK_ICON = "#d1d5db"
_ICON_SIZES = (16, 20, 24, 32, 48)
#: The colours of problem marks, light and dark theme (the canvas uses the same ones).
STATUS_COLOURS = {
    "error": ("#dc2626", "#f05252"),
    "warning": ("#d97706", "#f59e0b"),
    "star": ("#f59e0b", "#fbbf24"),  # a starred run
}

_state = {"dark": False}

# NOTE: small additions to the shipped style sheets that concern widgets they leave out:
# the dark sheet's blanket QWidget background hides Fusion's check-box frame.
_EXTRA = """
QStatusBar::item { border: none; }
QStatusBar QLabel, QStatusBar QToolButton { background: transparent; }
"""
_EXTRA_DARK = """
QCheckBox::indicator {
    width: 13px; height: 13px; border: 1px solid #5b6470; border-radius: 3px;
    background: #16191d;
}
QCheckBox::indicator:hover { border-color: #60a5fa; }
QCheckBox::indicator:checked { background: #2563eb; border-color: #3b82f6; }
QCheckBox::indicator:disabled { background: #22272d; border-color: #3a414a; }
"""


def is_dark() -> bool:
    """Whether the dark theme is the one applied last (icons are drawn to match)."""
    return _state["dark"]


def icon(group: str, name: str, color: str | None = None) -> QIcon:
    """An icon from ``resources/icons/<group>/<name>.svg`` drawn in ``color``
    (``#rrggbb``), or in the current theme's icon colour."""
    color = color or (DARK_ICON if is_dark() else LIGHT_ICON)
    renderer = QSvgRenderer(QByteArray(icon_svg_text(group, name, color).encode()))
    result = QIcon()
    for size in _ICON_SIZES:
        pixmap = QPixmap(QSize(size, size))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


def status_icon(kind: str) -> QIcon:
    """The mark of a problem, ``"error"`` or ``"warning"`` (or of a starred run,
    ``"star"``), drawn from an SVG in the
    theme's colour for it: a glyph such as U+26D4 shows as an empty box with the fonts
    of a plain Linux install."""
    light, dark = STATUS_COLOURS[kind]
    return icon("status", kind, dark if is_dark() else light)


def status_colour(kind: str) -> str:
    """The text colour of a problem of ``kind`` in the current theme."""
    light, dark = STATUS_COLOURS[kind]
    return dark if is_dark() else light


def swatch(color: str, size: int = 12) -> QIcon:
    """A small rounded colour chip: the palette marks layers with their canvas colour."""
    result = QIcon()
    for scale in (1, 2):
        side = size * scale
        pixmap = QPixmap(QSize(side, side))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(color))
        inset = side * 0.2
        painter.drawRoundedRect(
            QRectF(inset, inset, side - 2 * inset, side - 2 * inset), 2 * scale, 2 * scale
        )
        painter.end()
        result.addPixmap(pixmap)
    return result


def dark_palette() -> QPalette:
    """The palette the dark style sheet is drawn against (see ``styles/dark.qss``)."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1e2227",
        QPalette.ColorRole.WindowText: "#e5e7eb",
        QPalette.ColorRole.Base: "#16191d",
        QPalette.ColorRole.AlternateBase: "#22272d",
        QPalette.ColorRole.Text: "#e5e7eb",
        QPalette.ColorRole.Button: "#262b31",
        QPalette.ColorRole.ButtonText: "#e5e7eb",
        QPalette.ColorRole.ToolTipBase: "#262b31",
        QPalette.ColorRole.ToolTipText: "#e5e7eb",
        QPalette.ColorRole.PlaceholderText: "#7c8491",
        QPalette.ColorRole.Highlight: "#2563eb",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#60a5fa",
        QPalette.ColorRole.BrightText: "#f87171",
        QPalette.ColorRole.Light: "#3a414a",
        QPalette.ColorRole.Midlight: "#2f353d",
        QPalette.ColorRole.Mid: "#2a2f36",
        QPalette.ColorRole.Dark: "#121417",
        QPalette.ColorRole.Shadow: "#0b0c0e",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    disabled = QPalette.ColorGroup.Disabled
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        palette.setColor(disabled, role, QColor("#6b7280"))
    palette.setColor(disabled, QPalette.ColorRole.ButtonText, QColor("#6b7280"))
    return palette


class ThemeController(QObject):
    """Owns the theme mode and applies it to the application.

    ``changed(dark)`` is emitted after a theme is applied so widgets that draw their own
    colours or hold recoloured icons can refresh. Nothing is applied until `apply` (or
    `set_mode`) is called, so tests that never ask for a theme leave the app untouched.
    """

    changed = Signal(bool)

    def __init__(self, app: QApplication, mode: str = "system", parent: QObject | None = None):
        super().__init__(parent)
        self._app = app
        self._mode = mode if mode in MODES else "system"
        self._applied = False
        app.styleHints().colorSchemeChanged.connect(self._on_style_hints_color_scheme_changed)

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown theme {mode!r}; expected one of {MODES}")
        self._mode = mode
        self.apply()

    def wants_dark(self) -> bool:
        if self._mode == "system":
            return self._app.styleHints().colorScheme() == Qt.ColorScheme.Dark
        return self._mode == "dark"

    def apply(self) -> None:
        """Set the Fusion style, the palette and the style sheet for the current mode."""
        dark = self.wants_dark()
        _state["dark"] = dark
        if self._app.style().name().lower() != "fusion":
            self._app.setStyle("Fusion")
        self._app.setPalette(dark_palette() if dark else self._app.style().standardPalette())
        self._app.setStyleSheet(style_sheet(dark) + _EXTRA + (_EXTRA_DARK if dark else ""))
        self._applied = True
        self.changed.emit(dark)

    def _on_style_hints_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._applied and self._mode == "system":
            self.apply()
