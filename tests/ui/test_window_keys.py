"""Keyboard shortcuts of the main window, pressed as real key events."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from designer.model.edits import AddNode

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def active_window(qtbot, make_window):
    window = make_window()
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    qtbot.waitUntil(window.view.hasFocus)
    return window


@pytest.mark.parametrize("modifiers", [CTRL, CTRL | SHIFT], ids=["ctrl+y", "ctrl+shift+z"])
def test_redo_answers_both_keys(qtbot, active_window, modifiers):
    document = active_window.document
    document.push(AddNode("Linear"))
    QTest.keyClick(active_window.view, Qt.Key.Key_Z, CTRL)
    assert len(document.graph) == 0
    key = Qt.Key.Key_Y if modifiers == CTRL else Qt.Key.Key_Z
    QTest.keyClick(active_window.view, key, modifiers)
    assert len(document.graph) == 1


def test_the_redo_action_lists_both_keys_with_the_platform_one_first(active_window):
    shortcuts = active_window.actions_by_name["redo"].shortcuts()
    texts = [s.toString() for s in shortcuts]
    assert {"Ctrl+Y", "Ctrl+Shift+Z"} <= set(texts)
    assert shortcuts[0] == QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)[0]
    assert len(texts) == len(set(texts))
