"""The window at the sizes users have: the canvas gets the largest share, node text stays
legible, the design follows the window, and the right panel comes forward."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionViewItem

from designer.io import example_paths
from designer.model.edits import AddNode
from designer.ui.canvas import style
from designer.ui.window_layout import default_dock_sizes, in_front

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

SIZES = [(1600, 1000), (1024, 700)]


def example(name: str) -> Path:
    return next(p for p in example_paths() if p.stem == name)


@pytest.fixture
def sized_window(qtbot, make_window):
    """A shown window of ``size`` with ``name`` open, laid out for that size."""

    def make(size: tuple[int, int], name: str = "digits_cnn"):
        window = make_window()
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        window.files.open_example(example(name))
        QApplication.processEvents()  # the window lays its docks out
        return window

    return make


def test_default_dock_sizes_follow_the_window():
    large = default_dock_sizes(1600, 1000, palette_minimum=170, right_minimum=200)
    small = default_dock_sizes(1024, 700, palette_minimum=170, right_minimum=200)
    assert 190 <= large.palette <= 220 and 280 <= large.right <= 320
    assert small.palette < large.palette and small.right < large.right
    assert small.bottom <= large.bottom <= 160
    assert default_dock_sizes(800, 600, palette_minimum=190).palette == 190


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_canvas_gets_the_largest_share(sized_window, size):
    window = sized_window(size)
    width, height = size
    canvas = window.view.viewport().size()
    assert canvas.width() >= 0.55 * width
    assert canvas.height() >= 0.65 * height  # was 333 of 700: docks took the rest
    assert window.palette_dock.width() <= 220
    assert window.inspector_dock.width() <= 320
    assert window.problems_dock.height() <= 170  # an empty list needs no 250 px
    assert window.view.zoom >= window.view.graph_scene.theme.fonts.fit_zoom - 1e-6


def test_node_text_stays_legible_at_the_fitted_zoom(sized_window):
    window = sized_window((1600, 1000))
    fonts = window.view.graph_scene.theme.fonts
    assert style.detail_level(window.view.zoom, fonts) == style.DETAIL
    assert fonts.smallest_px * window.view.zoom >= style.LEGIBLE_TEXT_PX
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(window.view.graph_scene.content_rect())  # all 7 layers


def test_a_design_too_wide_for_legible_text_is_shown_from_its_start(sized_window):
    window = sized_window((1024, 700))
    view = window.view
    fonts = view.graph_scene.theme.fonts
    assert view.zoom == pytest.approx(fonts.fit_zoom)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    first = view.graph_scene.node_item("n1").sceneBoundingRect()
    assert visible.contains(first)  # the Input, where the design begins


def test_detail_levels_follow_the_pixel_size_of_the_text(qtbot):
    fonts = style.LIGHT.fonts
    assert style.detail_level(1.0, fonts) == style.DETAIL
    below = fonts.detail_zoom * 0.95
    assert fonts.smallest_px * below < style.LEGIBLE_TEXT_PX
    assert style.detail_level(below, fonts) == style.OVERVIEW
    assert style.OVERVIEW_TITLE_PX * fonts.overview_zoom >= style.LEGIBLE_TEXT_PX - 1e-9
    assert style.detail_level(fonts.overview_zoom * 0.9, fonts) == style.BLOCKS
    assert fonts.fit_zoom >= fonts.detail_zoom


def test_the_design_is_refitted_when_the_window_grows_until_zoomed_by_hand(qtbot, sized_window):
    window = sized_window((1024, 700))
    view = window.view
    small_zoom = view.zoom
    window.resize(1900, 1150)
    qtbot.waitUntil(lambda: view.zoom > small_zoom)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.graph_scene.content_rect())
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    by_hand = view.zoom
    window.resize(1300, 800)
    qtbot.waitUntil(lambda: view.viewport().width() < 900)
    assert view.zoom == by_hand
    window.actions_by_name["fit"].trigger()
    assert view.follows_window


def test_panning_by_hand_stops_the_refit(qtbot, sized_window):
    window = sized_window((1600, 1000))
    view = window.view
    start = view.viewport().rect().center()
    QTest.mousePress(view.viewport(), Qt.MouseButton.MiddleButton, pos=start)
    QTest.mouseMove(view.viewport(), start + start / 4)
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.MiddleButton, pos=start + start / 4)
    assert not view.follows_window


def test_the_status_bar_shows_the_zoom_and_fits_on_click(qtbot, sized_window):
    window = sized_window((1600, 1000))
    assert window.design_status.zoom_button.text() == f"Zoom {round(window.view.zoom * 100)} %"
    window.view.zoom_in()
    assert window.design_status.zoom_button.text() == f"Zoom {round(window.view.zoom * 100)} %"
    window.design_status.zoom_button.click()
    assert window.view.follows_window
    assert window.design_status.zoom_button.text() == f"Zoom {round(window.view.zoom * 100)} %"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_palette_name_is_visible_in_full(sized_window, size):
    window = sized_window(size)
    tree = window.palette.tree
    metrics = tree.fontMetrics()
    text_margin = tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
    for group in window.palette._groups():
        for row in range(group.childCount()):
            item = group.child(row)
            index = tree.indexFromItem(item)
            option = QStyleOptionViewItem()
            tree.initViewItemOption(option)
            tree.itemDelegate().initStyleOption(option, index)
            option.rect = tree.visualRect(index)
            area = tree.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, tree)
            area.adjust(text_margin, 0, -text_margin, 0)
            assert area.right() < tree.viewport().width(), item.text(0)
            needed = metrics.boundingRect(
                area.x(), 0, area.width(), 1000, Qt.TextFlag.TextWordWrap, item.text(0)
            )
            assert needed.width() <= area.width(), item.text(0)
            assert needed.height() <= area.height(), item.text(0)


def test_selecting_a_layer_brings_the_inspector_back_from_behind_training(qtbot, sized_window):
    window = sized_window((1600, 1000))
    panel_dock = window.training.panel_dock
    window.training.show_training()  # what F5 does
    qtbot.waitUntil(lambda: in_front(panel_dock))
    assert not in_front(window.inspector_dock)
    window.view.graph_scene.select_nodes(["n2"])
    qtbot.waitUntil(lambda: in_front(window.inspector_dock))
    assert not in_front(panel_dock)
    window.training.show_training()
    qtbot.waitUntil(lambda: in_front(panel_dock))
    window.view.graph_scene.select_nodes([])  # deselecting leaves the panels alone
    QApplication.processEvents()
    assert in_front(panel_dock)


def test_f5_with_errors_keeps_the_problems_list_in_front(qtbot, sized_window):
    window = sized_window((1600, 1000))
    window.document.push(AddNode("ReLU", position=(600.0, 600.0)))  # unwired: an error
    qtbot.waitUntil(lambda: not window.document.analysis.valid)
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: in_front(window.problems_dock))
    assert in_front(window.problems_dock)
    assert not in_front(window.training.plots_dock)
    assert not window.training.controller.is_running
    assert any("Problems" in m for m in messages)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_at_launch_the_empty_problems_area_is_small(qtbot, make_window, size):
    window = make_window()
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    assert window.problems_dock.isVisible()
    # the window lays its docks out on the next turn of the event loop
    qtbot.waitUntil(lambda: window.problems_dock.height() <= 170)  # was 250 for good
