"""The menus the README names exist under those names, and File > Export holds the three
exports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

README = Path(__file__).resolve().parents[2] / "README.md"


def _plain(text: str) -> str:
    return text.replace("&", "").replace("…", "").replace("...", "").strip().lower()


def _menu_paths(window) -> set[tuple[str, ...]]:
    """Every (menu, submenu, ..., action) path of the menu bar, in plain lower case."""
    paths: set[tuple[str, ...]] = set()

    def walk(menu: QMenu, prefix: tuple[str, ...]) -> None:
        menu.aboutToShow.emit()
        for action in menu.actions():
            if action.isSeparator():
                continue
            path = (*prefix, _plain(action.text()))
            paths.add(path)
            if action.menu() is not None:
                walk(action.menu(), path)

    for action in window.menuBar().actions():
        paths.add((_plain(action.text()),))
        walk(action.menu(), (_plain(action.text()),))
    return paths


def test_every_menu_path_in_the_readme_exists(window_for_menus):
    named = re.findall(r"[*`]([A-Z][\w ]*(?: › [^*`]+)+)[*`]", README.read_text("utf-8"))
    assert ("File › Export › Python Script…") in named
    paths = _menu_paths(window_for_menus)
    for text in named:
        path = tuple(_plain(part) for part in text.split(" › "))
        assert path in paths, f"README names {text!r}, which the menus lack"


def test_file_export_holds_script_weights_onnx_and_bundle(window_for_menus):
    export = window_for_menus.menus["export"]
    actions = window_for_menus.actions_by_name
    entries = [a for a in export.actions() if not a.isSeparator()]
    assert entries == [
        actions["export_python"],
        actions["export_weights"],
        actions["export_onnx"],
        actions["export_bundle"],
    ]
    file_menu = window_for_menus.menus["file"]
    assert export.menuAction() in file_menu.actions()
    texts = [_plain(a.text()) for a in entries]
    assert texts == ["python script", "weights", "onnx", "reproducibility bundle"]


@pytest.fixture
def window_for_menus(make_window):
    window = make_window()
    window.show()
    return window
