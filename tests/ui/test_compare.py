"""The compare dialog: two read-only canvases marked from the diff in the theme's colours,
the differences listed and tied to both canvases, Escape to close, and File > Compare With.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.io import example_paths, load_example, project_to_dict
from designer.model.diff import NEW, OLD, diff_projects
from designer.model.diff_text import diff_entries
from designer.model.edits import RemoveNodes, SetParam
from designer.ui.canvas import GraphView, style
from designer.ui.compare import READ_ONLY_REASON, CompareDialog
from designer.ui.screenshot import SIZE, render_comparison, showcase_edits
from designer.ui.theme import dark_palette

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
REPO = Path(__file__).resolve().parents[2]
EXAMPLE = next(p for p in example_paths() if p.stem == "binary_classifier")


def edited_example():
    """The binary classifier without its sigmoid, with a dropout, a wider hidden layer."""
    project = load_example("binary_classifier")
    for edit in showcase_edits():
        edit.apply(project.graph)
    return project


@pytest.fixture
def dialog(qtbot) -> CompareDialog:
    made = CompareDialog(load_example("binary_classifier"), edited_example(), ("old", "new"))
    qtbot.addWidget(made)
    made.resize(1300, 850)
    made.show()
    qtbot.waitExposed(made)
    return made


def row_of(dialog: CompareDialog, text: str) -> int:
    return next(i for i, entry in enumerate(dialog.entries) if entry.text == text)


def node_point(view: GraphView, node_id: str) -> QPoint:
    """The middle of a node's title bar, in viewport coordinates."""
    item = view.graph_scene.node_item(node_id)
    return view.mapFromScene(item.scenePos() + item.body_rect().topLeft() + _TITLE)


_TITLE = QPoint(90, 12).toPointF()


def in_sight(view: GraphView, node_id: str) -> bool:
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    return visible.contains(view.graph_scene.node_item(node_id).sceneBoundingRect())


# ------------------------------------------------------------------------------- marks
def test_nodes_and_wires_are_marked_as_the_diff_says(dialog):
    diff = diff_projects(load_example("binary_classifier"), edited_example())
    for view, side in ((dialog.old_view, OLD), (dialog.new_view, NEW)):
        scene = view.graph_scene
        assert {i.node_id: i.mark for i in scene.node_items() if i.mark} == diff.node_marks(side)
        assert {i.edge: i.mark for i in scene.edge_items() if i.mark} == diff.wire_marks(side)
    assert dialog.old_view.graph_scene.node_item("n4").mark == "removed"
    assert dialog.new_view.graph_scene.node_item("n6").mark == "added"
    assert dialog.new_view.graph_scene.node_item("n2").mark == "changed"
    assert dialog.new_view.graph_scene.node_item("n1").mark is None


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_marks_are_drawn_in_the_themes_colours(dialog, dark):
    theme = style.DARK if dark else style.LIGHT
    counts = {}
    for side, view in ((OLD, dialog.old_view), (NEW, dialog.new_view)):
        view.set_dark(dark)
        assert view.graph_scene.theme is theme
        image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        pixels = [image.pixel(x, y) for x in range(0, image.width(), 2)
                  for y in range(0, image.height(), 2)]  # fmt: skip
        for kind in style.MARKS:
            counts[side, kind] = pixels.count(theme.colour(kind).rgb())
    assert counts[OLD, "removed"] > 50 and counts[OLD, "changed"] > 50
    assert counts[NEW, "added"] > 50 and counts[NEW, "changed"] > 50
    assert counts[OLD, "added"] == 0 and counts[NEW, "removed"] == 0


def test_a_tag_names_the_mark_in_a_readable_colour():
    for theme in (style.LIGHT, style.DARK):
        for kind in style.MARKS:
            fill, text = theme.colour(kind), style.text_colour_on(theme.colour(kind))
            assert _contrast(fill, text) >= 3.0, (theme.name, kind)


def _contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        r, g, b_ = ((v / 255) ** 2.2 for v in (c.red(), c.green(), c.blue()))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# ----------------------------------------------------------------------------- read-only
def test_the_canvases_change_nothing(dialog, qtbot):
    view = dialog.new_view
    graph, scene = view.document.graph, view.graph_scene
    before = project_to_dict(view.document.project)
    refused: list[str] = []
    view.document.error_raised.connect(refused.append)
    item = scene.node_item("n2")
    position = item.pos()
    start = node_point(view, "n2")
    QTest.mousePress(view.viewport(), LEFT, NO_MOD, start)
    for step in range(1, 5):
        QTest.mouseMove(view.viewport(), start + QPoint(30, 20) * step)
    QTest.mouseRelease(view.viewport(), LEFT, NO_MOD, start + QPoint(120, 80))
    assert item.pos() == position
    assert scene.selected_node_ids() == ["n2"]  # selecting still works
    out_port = view.mapFromScene(scene.port_scene_pos("n1", "out", True))
    QTest.mousePress(view.viewport(), LEFT, NO_MOD, out_port)
    QTest.mouseMove(view.viewport(), out_port + QPoint(200, 0))
    assert scene.interactions.wire is None
    QTest.mouseRelease(view.viewport(), LEFT, NO_MOD, out_port + QPoint(200, 0))
    view.setFocus()
    scene.select_nodes(["n2"])
    for key, modifier in (
        (Qt.Key.Key_Delete, NO_MOD),
        (Qt.Key.Key_Backspace, NO_MOD),
        (Qt.Key.Key_X, CTRL),
        (Qt.Key.Key_V, CTRL),
        (Qt.Key.Key_D, CTRL),
    ):
        QTest.keyClick(view, key, modifier)
    assert not view.acceptDrops()
    assert refused == []  # the canvas did not even try
    assert not view.document.push(RemoveNodes(["n2"]))  # the document refuses too
    assert refused == [READ_ONLY_REASON]
    assert project_to_dict(view.document.project) == before and len(graph) == 5
    assert view.document.undo_stack.count() == 0


def test_the_dialog_shows_copies_that_later_edits_leave_alone(qtbot):
    old, new = load_example("binary_classifier"), load_example("binary_classifier")
    dialog = CompareDialog(old, new, ("a", "b"))
    qtbot.addWidget(dialog)
    new.graph.rename_node("n2", "renamed later")
    new.graph.remove_node("n3")
    assert dialog.new_view.document.graph is not new.graph
    assert dialog.new_view.graph_scene.node_item("n2").label == "hidden"
    assert dialog.new_view.graph_scene.node_item("n3") is not None


# --------------------------------------------------------------------------------- list
def test_the_list_holds_the_command_lines_entries(dialog):
    texts = [dialog.differences.item(i).text() for i in range(dialog.differences.count())]
    expected = diff_entries(diff_projects(load_example("binary_classifier"), edited_example()))
    assert texts == [entry.text for entry in expected]
    assert "Linear 'hidden': units 10 → 32" in texts and len(texts) == 10
    summary = "10 differences (1 layer moved, which is not a difference)"
    assert dialog.summary_label.text() == f"<b>{summary}</b>"


def test_choosing_a_difference_selects_and_shows_it_on_both_sides(dialog):
    for view in (dialog.old_view, dialog.new_view):
        view.set_zoom(3.0)
        view.centerOn(-3000.0, -3000.0)
        assert not in_sight(view, "n2")
    dialog.differences.setCurrentRow(row_of(dialog, "Linear 'hidden': units 10 → 32"))
    for view in (dialog.old_view, dialog.new_view):
        assert view.graph_scene.selected_node_ids() == ["n2"]
        assert in_sight(view, "n2")
    dialog.differences.setCurrentRow(row_of(dialog, "removed Sigmoid 'probability'"))
    assert dialog.old_view.graph_scene.selected_node_ids() == ["n4"]
    assert dialog.new_view.graph_scene.selected_node_ids() == []
    dialog.differences.setCurrentRow(row_of(dialog, "removed wire 'probability' → 'diagnosis'"))
    assert dialog.old_view.graph_scene.selected_node_ids() == ["n4", "n5"]
    assert dialog.new_view.graph_scene.selected_node_ids() == ["n5"]


def test_clicking_a_node_selects_its_partner_and_its_entry(dialog):
    old_view, new_view = dialog.old_view, dialog.new_view
    QTest.mouseClick(old_view.viewport(), LEFT, NO_MOD, node_point(old_view, "n5"))
    assert old_view.graph_scene.selected_node_ids() == ["n5"]
    assert new_view.graph_scene.selected_node_ids() == ["n5"]
    assert dialog.differences.currentItem().text() == (
        "Output 'diagnosis': loss 'bce' → 'bce_with_logits'"
    )
    QTest.mouseClick(old_view.viewport(), LEFT, NO_MOD, node_point(old_view, "n4"))
    assert old_view.graph_scene.selected_node_ids() == ["n4"]  # no partner: kept anyway
    assert new_view.graph_scene.selected_node_ids() == []
    assert dialog.differences.currentItem().text() == "removed Sigmoid 'probability'"
    QTest.mouseClick(new_view.viewport(), LEFT, NO_MOD, node_point(new_view, "n1"))
    assert old_view.graph_scene.selected_node_ids() == ["n1"]
    assert dialog.differences.currentRow() == -1  # the input layer did not change


def test_equal_designs(qtbot):
    project = load_example("digits_cnn")
    dialog = CompareDialog(project, project, ("a", "b"))
    qtbot.addWidget(dialog)
    assert dialog.differences.count() == 1
    item = dialog.differences.item(0)
    assert item.text() == "The designs are the same." and not item.flags()
    assert dialog.summary_label.text() == "<b>No differences</b>"
    for view in (dialog.old_view, dialog.new_view):
        assert not any(i.mark for i in view.graph_scene.node_items())


# ----------------------------------------------------------------------- keys and layout
@pytest.mark.parametrize("focus", ["list", "canvas"])
def test_escape_closes_the_dialog(dialog, qtbot, focus):
    target = dialog.differences if focus == "list" else dialog.new_view
    target.setFocus()
    QTest.keyClick(target, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_wide_designs_are_stacked_and_the_button_lays_them_side_by_side(dialog):
    assert dialog.stacked and dialog.layout_button.isChecked()
    dialog.layout_button.click()
    assert not dialog.stacked
    assert dialog.old_view.x() < dialog.new_view.mapTo(dialog, QPoint(0, 0)).x()
    dialog.layout_button.click()
    assert dialog.stacked


# ------------------------------------------------------------------- File > Compare With
def test_file_compare_with_shows_the_file_beside_the_open_design(make_window, qtbot):
    window = make_window()
    window.files.open_example(EXAMPLE)
    window.document.push(SetParam("n2", "units", 64))
    window.dialogs.compare_answer = EXAMPLE
    window.actions_by_name["compare"].trigger()
    dialog = window.findChild(CompareDialog)
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    assert [e.text for e in dialog.entries] == ["Linear 'hidden': units 10 → 64"]
    assert dialog.findChild(object, "oldTitle").text() == "binary_classifier.nndesign"
    assert dialog.findChild(object, "newTitle").text() == "Binary classifier (open)"
    window.document.push(SetParam("n2", "units", 8))  # the comparison stays as it was
    assert dialog.new_view.document.graph.node("n2").params["units"] == 64
    assert window.document.graph.node("n2").params["units"] == 8
    QTest.keyClick(dialog.differences, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.findChild(CompareDialog) is None)  # deleted on close


def test_file_compare_with_a_bad_file_or_none(make_window, tmp_path):
    window = make_window()
    window.files.open_example(EXAMPLE)
    before = project_to_dict(window.document.project)
    window.actions_by_name["compare"].trigger()  # cancelled: no answer
    assert window.dialogs.asked[-1] == "compare" and not window.dialogs.errors
    broken = tmp_path / "broken.nndesign"
    broken.write_text("{", encoding="utf-8")
    window.dialogs.compare_answer = broken
    window.actions_by_name["compare"].trigger()
    ((title, message),) = window.dialogs.errors
    assert title == "Could Not Open File" and "broken.nndesign" in message
    assert window.findChild(CompareDialog) is None
    assert project_to_dict(window.document.project) == before


# --------------------------------------------------------------------------- screenshot
@pytest.mark.parametrize("size", [SIZE, (1600, 1000), (1024, 700)])
def test_the_comparison_screenshot(tmp_path, size):
    """``NN_DESIGNER_WRITE_SCREENSHOT=1`` writes the README's picture (docs/diff.png)."""
    write_docs = os.environ.get("NN_DESIGNER_WRITE_SCREENSHOT") == "1" and size == SIZE
    out = REPO / "docs" / "diff.png" if write_docs else tmp_path / "diff.png"
    app = QApplication.instance()
    style_name, palette, sheet = app.style().name(), app.palette(), app.styleSheet()
    try:
        image = render_comparison(out, size)
    finally:
        app.setStyle(style_name)
        app.setPalette(palette)
        app.setStyleSheet(sheet)
    assert (image.width(), image.height()) == size
    assert QImage(str(out)).size() == image.size()


def test_the_readme_shows_what_the_command_prints(tmp_path, capsys):
    """The README's example is the screenshot's comparison, run through the command."""
    from designer.cli import main
    from designer.io import save_project

    old = load_example("binary_classifier")
    new = edited_example()
    new.training = new.training.replace(learning_rate=0.005)
    paths = [tmp_path / "binary_classifier.nndesign", tmp_path / "edited.nndesign"]
    for project, path in zip((old, new), paths, strict=True):
        save_project(project, path)
    assert main(["diff", *map(str, paths)]) == 1
    printed = capsys.readouterr().out.splitlines()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ nn-designer diff binary_classifier.nndesign edited.nndesign\n")[1]
    shown = block.split("```")[0].splitlines()
    cut = shown.index("...")
    assert shown[:cut] == printed[:cut]
    assert shown[cut + 1 :] == printed[len(printed) - len(shown) + cut + 1 :]


def test_a_theme_switch_recolours_canvases_and_list(dialog):
    def chip(row: int) -> str:
        image = dialog.differences.item(row).icon().pixmap(12, 12).toImage()
        return QColor(image.pixel(6, 6)).name()

    removed = row_of(dialog, "removed Sigmoid 'probability'")
    assert chip(removed) == style.LIGHT.removed
    dialog.setPalette(dark_palette())
    assert dialog.old_view.graph_scene.theme is style.DARK
    assert chip(removed) == style.DARK.removed
    assert chip(row_of(dialog, "added Dropout 'dropout'")) == style.DARK.added
