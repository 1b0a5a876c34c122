"""No symbol glyphs that need a particular font: marks are drawn from SVG icons.

A plain Linux install lacks fonts with pictographs such as U+26D4 (no entry) and shows
an empty box instead, so the UI code must not use them as icons.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from PySide6.QtGui import QColor

from designer.ui import theme
from designer.ui.panels import InspectorPanel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "designer" / "ui").rglob("*.py")) + sorted(
    (ROOT / "resources" / "styles").glob("*.qss")
)
# Symbols, dingbats, emoji and private-use characters: each needs a font that has it.
PICTOGRAPH_RANGES = ((0x2190, 0x21FF), (0x2300, 0x23FF), (0x2460, 0x27BF), (0x1F000, 0x1FAFF))


def _pictograph(ch: str) -> bool:
    code = ord(ch)
    if ch in "→←↑↓":  # arrows in prose (tooltips): every common font has them
        return False
    return unicodedata.category(ch) in ("So", "Co") or any(
        low <= code <= high for low, high in PICTOGRAPH_RANGES
    )


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_ui_uses_no_pictograph_characters(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        found = [f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in line if _pictograph(c)]
        assert not found, f"{path.name}:{number} uses {found}; draw an SVG icon instead"


@pytest.mark.parametrize("kind", ["error", "warning"])
def test_status_icons_are_drawn_in_their_colour(qtbot, kind):
    image = theme.status_icon(kind).pixmap(24, 24).toImage()
    colours = {
        QColor(image.pixel(x, y)).name()
        for x in range(24)
        for y in range(24)
        if QColor.fromRgba(image.pixel(x, y)).alpha() > 200
    }
    assert theme.status_colour(kind) in colours


def test_the_inspector_marks_a_layers_problems_with_icons(qtbot, make_document):
    document = make_document([("n1", "Linear", {}, (0.0, 0.0))])
    inspector = InspectorPanel(document)
    qtbot.addWidget(inspector)
    inspector.show()
    document.set_selection(["n1"])
    rows = inspector.problem_rows.rows
    problems = [p for p in document.analysis.problems if p.node_id == "n1"]
    assert problems
    expected = [p.message for p in sorted(problems, key=lambda p: not p.is_error)]
    assert [text.text() for _icon, text in rows] == expected
    for icon, text in rows:
        assert not icon.pixmap().isNull()
        assert not any(_pictograph(c) for c in text.text())
    assert inspector.problem_rows.isVisible()
