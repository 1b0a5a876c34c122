"""Files shipped with NN Designer: icons and style sheets.

Everything here is plain :mod:`pathlib`; nothing imports Qt, so the helpers can be used
from tests, packaging scripts and the command line. The Qt side wraps the returned
paths (``QIcon(str(icon_path("actions", "save")))``) or text (``setStyleSheet``).

Layout::

    icons/app/nn-designer.svg            application icon (+ nn-designer-<size>.png)
    icons/actions/<name>.svg             24x24 monochrome toolbar/menu icons
    icons/categories/<slug>.svg          one icon per layer catalogue category
    icons/widgets/<name>.svg             small images referenced by the style sheets
    icons/status/<name>.svg              error, warning and star marks (monochrome, recoloured)
    styles/light.qss, styles/dark.qss    application style sheets

Monochrome icons are drawn with the fixed stroke colour :data:`ICON_STROKE`; a dark
theme can recolour them with :func:`icon_svg_text` before handing the bytes to Qt.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "ACTION_ICONS",
    "APP_ICON_SIZES",
    "CATEGORY_ICONS",
    "ICON_GROUPS",
    "ICON_STROKE",
    "RESOURCES_DIR",
    "STYLE_RESOURCES_PLACEHOLDER",
    "app_icon_png",
    "category_icon_name",
    "icon_path",
    "icon_svg_text",
    "resource_path",
    "style_sheet",
]

#: Directory holding the shipped resources (works from a source tree, a wheel, or a
#: PyInstaller bundle, which keeps the ``designer/resources`` layout).
RESOURCES_DIR: Path = Path(__file__).resolve().parent

#: Icon sub-directories below ``icons/``.
ICON_GROUPS: tuple[str, ...] = ("app", "actions", "categories", "widgets", "status")

#: Stroke colour used by every monochrome icon.
ICON_STROKE = "#444"

#: Names of the action icons (``icons/actions/<name>.svg``).
ACTION_ICONS: tuple[str, ...] = (
    "new",
    "open",
    "save",
    "save-as",
    "export",
    "undo",
    "redo",
    "cut",
    "copy",
    "paste",
    "duplicate",
    "delete",
    "zoom-in",
    "zoom-out",
    "zoom-fit",
    "arrange",
    "train",
    "pause",
    "stop",
    "about",
)

#: Layer catalogue category -> icon name in ``icons/categories``.
CATEGORY_ICONS: dict[str, str] = {
    "Input/Output": "input-output",
    "Core": "core",
    "Shape": "shape",
    "Activation": "activation",
    "Convolution": "convolution",
    "Pooling": "pooling",
    "Normalization": "normalization",
    "Sequence": "sequence",
    "Merge": "merge",
}

#: Pixel sizes of the pre-rendered application icon PNGs.
APP_ICON_SIZES: tuple[int, ...] = (16, 32, 48, 64, 128, 256)

#: Token in the ``.qss`` files that :func:`style_sheet` replaces with the absolute
#: resources directory, so ``url(...)`` references work wherever the app is installed.
STYLE_RESOURCES_PLACEHOLDER = "@RESOURCES@"

_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource, e.g. ``resource_path("styles", "dark.qss")``.

    The result is not checked for existence, but it may not escape the resources
    directory (``..`` components or absolute parts raise :class:`ValueError`).
    """
    path = RESOURCES_DIR.joinpath(*parts).resolve()
    if path != RESOURCES_DIR and RESOURCES_DIR not in path.parents:
        raise ValueError(f"resource path escapes the resources directory: {parts!r}")
    return path


def icon_path(group: str, name: str) -> Path:
    """Return the SVG file of icon ``name`` in ``group`` (``"app"``, ``"actions"``, ...).

    ``name`` is given without the ``.svg`` suffix (a suffix is tolerated). Raises
    :class:`ValueError` for an unknown group and :class:`FileNotFoundError` when the
    icon does not exist, so a typo in an action name fails loudly instead of showing
    a blank button.
    """
    if group not in ICON_GROUPS:
        raise ValueError(f"unknown icon group {group!r}; expected one of {ICON_GROUPS}")
    stem = name.removesuffix(".svg")
    path = resource_path("icons", group, f"{stem}.svg")
    if not path.is_file():
        raise FileNotFoundError(f"no icon {stem!r} in group {group!r} ({path})")
    return path


def category_icon_name(category: str) -> str:
    """Map a catalogue category (``"Input/Output"``) to its icon name (``"input-output"``).

    Unknown categories are slugified the same way, so ``icon_path`` reports them clearly.
    """
    known = CATEGORY_ICONS.get(category)
    if known is not None:
        return known
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")


def app_icon_png(size: int) -> Path:
    """Return the pre-rendered application icon PNG of ``size`` pixels."""
    if size not in APP_ICON_SIZES:
        raise ValueError(f"no {size}px application icon; available: {APP_ICON_SIZES}")
    return resource_path("icons", "app", f"nn-designer-{size}.png")


def icon_svg_text(group: str, name: str, color: str | None = None) -> str:
    """Return the SVG source of an icon, optionally with its stroke recoloured.

    ``color`` must be a ``#rgb`` or ``#rrggbb`` string; every occurrence of
    :data:`ICON_STROKE` is replaced by it (strokes and the few solid fills use the same
    colour). The application icon is returned untouched.
    """
    text = icon_path(group, name).read_text(encoding="utf-8")
    if color is None or group == "app":
        return text
    if not _HEX_COLOR.fullmatch(color):
        raise ValueError(f"expected a #rgb or #rrggbb colour, got {color!r}")
    return text.replace(f'"{ICON_STROKE}"', f'"{color}"')


def style_sheet(dark: bool) -> str:
    """Return the text of the dark or the light application style sheet.

    :data:`STYLE_RESOURCES_PLACEHOLDER` is replaced by the resources directory (with
    forward slashes, which Qt accepts on every platform), so the result can be passed
    straight to ``QApplication.setStyleSheet``.
    """
    name = "dark.qss" if dark else "light.qss"
    text = resource_path("styles", name).read_text(encoding="utf-8")
    return text.replace(STYLE_RESOURCES_PLACEHOLDER, RESOURCES_DIR.as_posix())
