"""The main window end to end: title, status bar, panels wired to the canvas, files,
settings that persist, crash recovery, the theme, and a rendered screenshot."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox

# NOTE: a sibling test module; pytest puts this folder on the import path.
from test_files import RecordingDialogs

from designer import APP_NAME, __version__
from designer.io import example_paths
from designer.model import Graph, Project
from designer.model.edits import AddNode, SetParam
from designer.ui.about import about_text
from designer.ui.file_dialogs import UNSAVED_CANCEL, UNSAVED_DISCARD, UNSAVED_SAVE
from designer.ui.panels.problems import NODE_ROLE

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

REPO = Path(__file__).resolve().parents[2]


def example(name: str = "binary_classifier") -> Path:
    return next(p for p in example_paths() if p.stem == name)


@pytest.fixture
def window(make_window):
    win = make_window()
    win.show()
    return win


def test_title_names_the_file_and_marks_changes(qtbot, window):
    assert window.windowTitle() == f"Untitled[*] — {APP_NAME}"
    assert not window.isWindowModified()
    window.document.push(AddNode("Linear"))
    assert window.isWindowModified()
    window.document.undo_stack.undo()
    assert not window.isWindowModified()
    window.files.open_example(example())
    assert window.windowTitle() == f"Binary classifier[*] — {APP_NAME}"


def test_status_bar_shows_totals_and_validity(qtbot, window):
    window.files.open_example(example())
    analysis = window.document.analysis
    assert f"{analysis.total_params:,}" in window.design_status.params_label.text()
    assert "Multiply-adds" in window.design_status.macs_label.text()
    # the example silences the linter's advice NN201 on its Output, with a reason
    assert window.design_status.validity_button.text() == "valid"
    assert "of activations per sample in training" in window.design_status.macs_label.toolTip()
    window.document.push(AddNode("Linear"))
    qtbot.waitUntil(lambda: "problem" in window.design_status.validity_button.text())
    # with an error, sums over the layers whose shapes are known would mislead
    assert window.design_status.params_label.text() == "Parameters: ?"
    assert window.design_status.macs_label.text() == "Multiply-adds: ?"


def test_one_compact_count_text_in_the_status_bar_inspector_and_canvas(qtbot, window):
    graph = Graph()
    source = graph.add_node("Input", {"kind": "features", "features": 1000})
    layer = graph.add_node("Linear", {"units": 2000})
    output = graph.add_node("Output", {"loss": "mse"})
    graph.connect(source.id, "out", layer.id, "in")
    graph.connect(layer.id, "out", output.id, "in")
    window.document.replace_project(Project(graph))
    window.document.refresh_analysis()
    window.document.set_selection([layer.id])
    assert window.design_status.macs_label.text() == "Multiply-adds: 2M"
    assert window.inspector.mac_count.text() == "2,000,000  (2M)"
    qtbot.waitUntil(lambda: window.view.graph_scene.node_item(layer.id).params_text == "2M params")


def test_welcome_shows_on_an_empty_design_and_hides_once_there_are_nodes(qtbot, window):
    assert window.welcome.isVisible()
    assert len(window.welcome.example_buttons) == len(example_paths())
    window.welcome.example_buttons[0].click()
    assert len(window.document.graph) > 0
    qtbot.waitUntil(lambda: not window.welcome.isVisible())
    window.files.new()
    qtbot.waitUntil(window.welcome.isVisible)
    window.welcome.blank_button.click()
    assert not window.welcome.isVisible()


def test_palette_double_click_adds_a_node(qtbot, window):
    tree = window.palette.tree
    item = next(
        tree.topLevelItem(g).child(c)
        for g in range(tree.topLevelItemCount())
        for c in range(tree.topLevelItem(g).childCount())
        if tree.topLevelItem(g).child(c).data(0, Qt.ItemDataRole.UserRole) == "Conv2d"
    )
    tree.scrollToItem(item)
    centre = tree.visualItemRect(item).center()
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert [n.type for n in window.document.graph] == ["Conv2d"]
    assert not window.welcome.isVisible()


def test_inspector_edit_is_one_undo_step_through_the_window(qtbot, window):
    window.files.open_example(example())
    node = next(n for n in window.document.graph if n.type == "Linear")
    window.document.set_selection([node.id])
    units = window.inspector.field("units").widget
    units.setFocus()
    units.lineEdit().selectAll()
    qtbot.keyClicks(units.lineEdit(), "64")
    assert node.params["units"] == 64
    assert window.document.undo_stack.count() == 1
    window.actions_by_name["undo"].trigger()
    qtbot.waitUntil(lambda: units.value() != 64)
    assert node.params["units"] == units.value()


def test_problem_click_selects_and_centres_the_node(qtbot, window):
    window.files.open_example(example())
    edit = AddNode("ReLU", position=(2000.0, 1500.0))
    window.document.push(edit)
    problems = window.problems

    def rows_of_the_node() -> list[int]:
        items = (problems.list.item(i) for i in range(problems.list.count()))
        return [i for i, item in enumerate(items) if item.data(NODE_ROLE) == edit.node_id]

    qtbot.waitUntil(lambda: bool(rows_of_the_node()))
    row = rows_of_the_node()[0]
    with qtbot.waitSignal(problems.node_focus_requested):
        problems.list.itemClicked.emit(problems.list.item(row))
    assert window.document.selection == [edit.node_id]
    centre = window.view.mapToScene(window.view.viewport().rect().center())
    item = window.view.graph_scene.node_item(edit.node_id)
    assert item.sceneBoundingRect().contains(centre)


def test_code_dock_shows_generated_code(qtbot, window):
    window.files.open_example(example())
    window.code_dock.raise_()
    qtbot.waitUntil(lambda: "class" in window.code_view.code)
    node = next(n for n in window.document.graph if n.type == "Linear")
    window.document.push(SetParam(node.id, "units", 33))
    qtbot.waitUntil(lambda: "out_features=33" in window.code_view.code)


def test_open_corrupt_file_shows_error_and_keeps_design(qtbot, make_window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args[1:3]))
    win = make_window(dialogs=None)
    win.files.open_example(example())
    before = [(n.id, n.type, dict(n.params)) for n in win.document.graph]
    bad = tmp_path / "corrupt.nndesign"
    bad.write_bytes(b"\x00\xff{{{ definitely not a project")
    assert not win.files.open(bad)
    assert shown and "corrupt.nndesign" in shown[0][1]
    assert [(n.id, n.type, dict(n.params)) for n in win.document.graph] == before
    assert win.windowTitle().startswith("Binary classifier")


def test_close_asks_about_unsaved_changes(qtbot, make_window, monkeypatch):
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    asked = []

    def warning(*args):
        asked.append(args[1])
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "warning", warning)
    win = make_window(dialogs=None)
    win.show()
    win.document.push(AddNode("Linear"))
    assert not win.close()
    assert win.isVisible() and asked == ["Unsaved Changes"]
    assert win.close()
    assert not win.isVisible()


def test_save_then_close_does_not_ask(qtbot, make_window, tmp_path):
    dialogs = RecordingDialogs()
    win = make_window(dialogs=dialogs)
    win.document.push(AddNode("Linear"))
    dialogs.unsaved_answer = UNSAVED_SAVE
    dialogs.save_answer = tmp_path / "closing.nndesign"
    assert win.close()
    assert (tmp_path / "closing.nndesign").is_file()
    assert dialogs.unsaved_answer != UNSAVED_CANCEL


@pytest.mark.timeout(30)
@pytest.mark.skipif(os.name != "posix", reason="named pipes are POSIX")
def test_a_recent_entry_that_became_a_pipe_is_refused(qtbot, make_window, tmp_path):
    dialogs = RecordingDialogs()
    window = make_window(dialogs=dialogs)
    window.show()
    pipe = tmp_path / "was_a_project.nndesign"
    os.mkfifo(pipe)
    window.settings.setValue("files/recent", [str(pipe)])
    recent_menu = window.menus["recent"]
    recent_menu.aboutToShow.emit()
    entry = next(a for a in recent_menu.actions() if "was_a_project" in a.text())
    entry.trigger()
    assert dialogs.errors and "named pipe" in dialogs.errors[-1][1]
    assert window.files.recent_files() == []


def test_recent_files_and_layout_persist(qtbot, make_window, tmp_path):
    dialogs = RecordingDialogs()
    first = make_window(dialogs=dialogs)
    first.show()
    first.files.open_example(example())
    dialogs.save_answer = tmp_path / "kept.nndesign"
    first.files.save()
    first.inspector_dock.hide()
    assert first.close()
    second = make_window()
    second.show()
    assert second.files.recent_files() == [str((tmp_path / "kept.nndesign").resolve())]
    recent_menu = second.menus["recent"]
    recent_menu.aboutToShow.emit()
    assert any("kept.nndesign" in a.text() for a in recent_menu.actions())
    assert not second.inspector_dock.isVisible()
    assert second.palette_dock.isVisible()


def test_add_dock_hook_adds_a_toggle(qtbot, window):
    from PySide6.QtWidgets import QLabel

    panel = QLabel("training")
    panel.setObjectName("training")
    dock = window.add_dock(panel, Qt.DockWidgetArea.BottomDockWidgetArea, "Training")
    assert dock.objectName() == "trainingDock"
    assert dock.toggleViewAction() in window.menus["panels"].actions()


def test_autosave_and_recovery_offer(qtbot, make_window, tmp_path):
    autosave_dir = tmp_path / "autosave"
    autosave_dir.mkdir()
    shutil.copy(example("iris_mlp"), autosave_dir / "session-crashed.nndesign")
    dialogs = RecordingDialogs()
    win = make_window(dialogs=dialogs, autosave_interval_ms=20)
    assert win.offer_recovery()
    assert dialogs.asked == ["restore"]
    assert len(win.document.graph) > 0 and win.isWindowModified()
    assert not (autosave_dir / "session-crashed.nndesign").exists()
    win.autosave.start()
    qtbot.waitUntil(win.autosave.path.exists, timeout=20_000)
    dialogs.unsaved_answer = UNSAVED_DISCARD
    assert win.close()
    assert not win.autosave.path.exists()
    assert not make_window().offer_recovery()


def test_declined_recovery_discards_the_autosave(qtbot, make_window, tmp_path):
    (tmp_path / "autosave").mkdir()
    shutil.copy(example(), tmp_path / "autosave" / "session-x.nndesign")
    dialogs = RecordingDialogs()
    dialogs.restore_answer = False
    win = make_window(dialogs=dialogs)
    assert not win.offer_recovery()
    assert len(win.document.graph) == 0
    assert list((tmp_path / "autosave").glob("*.nndesign")) == []


def test_actions_have_standard_shortcuts_and_icons(window):
    actions = window.actions_by_name
    assert actions["save"].shortcut().toString() == "Ctrl+S"
    assert actions["undo"].shortcut().toString() == "Ctrl+Z"
    assert not actions["open"].icon().isNull()
    examples = window.menus["examples"].actions()
    assert [a.text() for a in examples][:1] == ["Binary classifier"]


def test_about_names_versions(qtbot, window, monkeypatch):
    text = about_text()
    assert __version__ in text and "MIT" in text
    for library in ("Qt", "PySide6", "PyTorch", "pyqtgraph"):
        assert library in text
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda *args: shown.append(args[1]))
    window.actions_by_name["about"].trigger()
    assert shown == [f"About {APP_NAME}"]


def test_dark_theme_switch(qtbot, window):
    app = QApplication.instance()
    style, palette, sheet = app.style().name(), app.palette(), app.styleSheet()
    try:
        window.set_theme("dark")
        assert app.palette().window().color().lightness() < 100
        assert window.view.graph_scene.theme.dark
        assert window.settings.value("view/theme") == "dark"
        window.set_theme("light")
        assert app.palette().window().color().lightness() > 150
    finally:
        app.setStyle(style)
        app.setPalette(palette)
        app.setStyleSheet(sheet)


def test_screenshot_renders_the_example(qtbot, tmp_path):
    from designer.ui.screenshot import SIZE, render

    write_docs = os.environ.get("NN_DESIGNER_WRITE_SCREENSHOT") == "1"
    out = REPO / "docs" / "screenshot.png" if write_docs else tmp_path / "screenshot.png"
    app = QApplication.instance()
    style, palette, sheet = app.style().name(), app.palette(), app.styleSheet()
    try:
        render(out)
    finally:
        app.setStyle(style)
        app.setPalette(palette)
        app.setStyleSheet(sheet)
    image = QImage(str(out))
    assert (image.width(), image.height()) == SIZE
    small = image.scaled(70, 45)
    colours = {small.pixel(x, y) for x in range(70) for y in range(45)}
    assert len(colours) > 50  # a real window, not a blank rectangle
    assert out.stat().st_size > 30_000


def test_find_layer_then_keyboard_only_adds_a_layer(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.actions_by_name["find_layer"].trigger()
    search = window.palette.search
    assert search.hasFocus()
    qtbot.keyClicks(search, "lstm")
    qtbot.keyClick(search, Qt.Key.Key_Down)
    assert window.palette.tree.hasFocus()
    qtbot.keyClick(window.palette.tree, Qt.Key.Key_Return)
    assert [n.type for n in window.document.graph] == ["LSTM"]


def test_double_click_on_a_layer_starts_renaming_it(qtbot, window):
    window.document.push(AddNode("Linear", position=(0.0, 0.0)))
    node_id = next(iter(window.document.graph.nodes))
    window.activateWindow()
    qtbot.waitUntil(lambda: window.view.graph_scene.node_item(node_id) is not None)
    item = window.view.graph_scene.node_item(node_id)
    point = window.view.mapFromScene(item.sceneBoundingRect().center())
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.document.selection == [node_id]
    edit = window.inspector.name_edit
    qtbot.waitUntil(edit.hasFocus)
    assert edit.selectedText() == "fc1"
    qtbot.keyClicks(edit, "encoder")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.document.graph.node(node_id).label == "encoder"


def test_the_linter_screenshot_shows_a_finding_with_its_fix(qtbot, tmp_path):
    from designer.ui import screenshot

    seen: list[tuple[str | None, bool]] = []
    original = screenshot.render

    def render(out, size, example, dark, prepare):
        def look(window) -> None:
            prepare(window)
            for row in window.problems.rows.values():
                seen.append((row.problem.rule, row.fix_button.isVisibleTo(row)))

        return original(out, size, example, dark, prepare=look)

    app = QApplication.instance()
    style, palette, sheet = app.style().name(), app.palette(), app.styleSheet()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(screenshot, "render", render)
            image = screenshot.render_lint(tmp_path / "linter.png")
    finally:
        app.setStyle(style)
        app.setPalette(palette)
        app.setStyleSheet(sheet)
    assert (image.width(), image.height()) == screenshot.SIZE
    assert ("NN101", True) in seen
