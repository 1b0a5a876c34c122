"""The canvas view: palette drops, zoom and pan, arranging, keys and the rendered look."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.model import Project
from designer.ui.canvas import GraphView, style
from designer.ui.canvas.view import LAYER_MIME, MAX_ZOOM, MIN_ZOOM
from designer.ui.document import GraphDocument
from designer.ui.window_actions import install_canvas_keys

COPY = Qt.DropAction.CopyAction
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def document() -> GraphDocument:
    return GraphDocument(Project())


@pytest.fixture
def view(open_view, document) -> GraphView:
    return open_view(document, size=(900, 600))


def drop(view: GraphView, payload: bytes, at: QPoint) -> bool:
    """Drag palette mime data over the viewport and drop it; returns whether it was taken."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, payload)
    viewport, pos = view.viewport(), QPointF(at)
    enter = QDragEnterEvent(pos, COPY, mime, LEFT, NO_MOD)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(pos, COPY, mime, LEFT, NO_MOD)
    QApplication.sendEvent(viewport, move)
    assert move.isAccepted()
    event = QDropEvent(pos, COPY, mime, LEFT, NO_MOD)
    QApplication.sendEvent(viewport, event)
    return event.isAccepted()


def build_chain(document: GraphDocument) -> None:
    graph = document.graph
    graph.add_node("Input", {"kind": "features", "features": 4}, position=(500, 300), node_id="n1")
    graph.add_node("Linear", {"units": 8}, position=(0, 0), node_id="n2")
    graph.add_node("ReLU", position=(40, 40), node_id="n3")
    graph.add_node("Linear", {"units": 2}, position=(-300, 90), node_id="n4")
    graph.add_node("Output", position=(10, 500), node_id="n5")
    for a, b in (("n1", "n2"), ("n2", "n3"), ("n3", "n4"), ("n4", "n5")):
        graph.connect(a, "out", b, "in")
    document.refresh_analysis()


def test_dropping_a_palette_layer_adds_it_under_the_cursor(view, document):
    at = QPoint(300, 200)
    assert drop(view, b"Conv2d", at)
    (node,) = document.graph
    assert node.type == "Conv2d"
    item = view.graph_scene.node_item(node.id)
    assert item.sceneBoundingRect().contains(view.mapToScene(at))
    assert document.selection == [node.id]
    document.undo_stack.undo()
    assert len(document.graph) == 0
    assert view.graph_scene.node_items() == []
    document.undo_stack.redo()
    assert list(document.graph.nodes) == [node.id]
    assert view.graph_scene.node_item(node.id).pos() == QPointF(*node.position)


def test_dropping_an_unknown_type_reports_it(qtbot, view, document):
    with qtbot.waitSignal(document.error_raised, check_params_cb=lambda t: "unknown" in t):
        drop(view, "\u00ffNoSuchLayer".encode(), QPoint(100, 100))
    assert len(document.graph) == 0
    assert document.undo_stack.count() == 0


def test_other_drags_are_not_taken(view, document):
    mime = QMimeData()
    mime.setText("Linear")
    at = QPointF(10, 10)
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(at, COPY, mime, LEFT, NO_MOD))
    move = QDragMoveEvent(at, COPY, mime, LEFT, NO_MOD)
    QApplication.sendEvent(view.viewport(), move)
    assert not move.isAccepted()
    QApplication.sendEvent(view.viewport(), QDropEvent(at, COPY, mime, LEFT, NO_MOD))
    assert len(document.graph) == 0


def test_adding_without_a_selection_never_stacks_layers(view, document):
    first = view.add_layer("ReLU")
    centre = view.mapToScene(view.viewport().rect().center())
    item = view.graph_scene.node_item(first)
    assert item.mapRectToScene(item.body_rect()).contains(centre)  # mid-view
    ids = [first] + [view.add_layer("ReLU") for _ in range(3)]
    view.graph_scene.select_nodes([])
    ids.append(view.add_layer("ReLU"))
    items = [view.graph_scene.node_item(i) for i in ids]
    rects = [i.mapRectToScene(i.body_rect()) for i in items]
    for a in range(len(rects)):
        for b in range(a + 1, len(rects)):
            assert not rects[a].intersects(rects[b])


def test_zoom_in_out_is_clamped(view):
    view.zoom_in()
    assert view.zoom == pytest.approx(1.2)
    view.zoom_out()
    view.zoom_out()
    assert view.zoom == pytest.approx(1 / 1.2)
    for _ in range(40):
        view.zoom_in()
    assert view.zoom == pytest.approx(MAX_ZOOM)
    for _ in range(60):
        view.zoom_out()
    assert view.zoom == pytest.approx(MIN_ZOOM)


def test_the_view_binds_no_command_keys_itself(qtbot, document):
    """Keys live in the window's actions; a bare view only offers the intents."""
    bare = GraphView(document)
    qtbot.addWidget(bare)
    bare.resize(600, 400)
    bare.show()
    bare.activateWindow()
    qtbot.waitUntil(bare.isActiveWindow)  # window shortcuts need an active window
    bare.setFocus()
    zoom = bare.zoom
    QTest.keyClick(bare, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(bare, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert bare.zoom == zoom and document.selection == []
    keys = install_canvas_keys(bare)
    assert "Ctrl+=" in [k.toString() for k in keys["zoom_in"].shortcuts()]
    QTest.keyClick(bare, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert bare.zoom == pytest.approx(zoom * 1.2)


def test_keyboard_zoom(view):
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(1.2)
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(1.0)


def test_wheel_zoom_keeps_the_point_under_the_mouse(view):
    at = QPointF(200, 150)
    before = view.mapToScene(at.toPoint())
    wheel = QWheelEvent(
        at,
        view.viewport().mapToGlobal(at),
        QPoint(),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        NO_MOD,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom == pytest.approx(1.44)
    after = view.mapToScene(at.toPoint())
    assert (after - before).manhattanLength() < 2.0


def test_fit_to_view_shows_everything_at_most_at_100_percent(view, document):
    build_chain(document)
    view.fit_to_view()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.graph_scene.content_rect())
    assert view.zoom <= 1.0
    document.graph.clear()
    view.fit_to_view()
    assert view.zoom == 1.0


def test_center_on_content(view, document):
    build_chain(document)
    view.center_on_content()
    centre = view.mapToScene(view.viewport().rect().center())
    assert (centre - view.graph_scene.content_rect().center()).manhattanLength() < 3


@pytest.mark.parametrize("how", ["middle", "space"])
def test_panning_scrolls_without_touching_the_model(view, document, how):
    build_chain(document)
    viewport = view.viewport()
    before = view.mapToScene(QPoint(0, 0))
    start, end = QPoint(700, 550), QPoint(600, 500)  # empty canvas
    if how == "middle":
        button = Qt.MouseButton.MiddleButton
    else:
        button = LEFT
        view.setFocus()
        QTest.keyPress(view, Qt.Key.Key_Space)
    QTest.mousePress(viewport, button, NO_MOD, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, button, NO_MOD, end)
    if how == "space":
        QTest.keyRelease(view, Qt.Key.Key_Space)
    moved = view.mapToScene(QPoint(0, 0)) - before
    assert moved == QPointF(100, 50)
    assert document.undo_stack.count() == 0
    assert view.graph_scene.selectedItems() == []


def test_rubber_band_selects_nodes(view, document):
    build_chain(document)
    view.fit_to_view()
    viewport = view.viewport()
    rect = view.mapFromScene(view.graph_scene.content_rect()).boundingRect()
    start, end = rect.topLeft() - QPoint(15, 15), rect.bottomRight() + QPoint(15, 15)
    QTest.mousePress(viewport, LEFT, NO_MOD, start)
    for i in range(1, 5):
        QTest.mouseMove(viewport, start + (end - start) * (i / 4))
    QTest.mouseRelease(viewport, LEFT, NO_MOD, end)
    assert sorted(document.selection) == sorted(document.graph.nodes)


def test_auto_arrange_is_one_undo_step_in_columns(view, document):
    build_chain(document)
    before = {n.id: n.position for n in document.graph}
    count = document.undo_stack.count()
    assert view.auto_arrange()
    assert document.undo_stack.count() == count + 1
    xs = [document.graph.node(n).position[0] for n in ("n1", "n2", "n3", "n4", "n5")]
    assert [x - xs[0] for x in xs] == [0, 220, 440, 660, 880]
    document.undo_stack.undo()
    assert {n.id: n.position for n in document.graph} == before


def test_theme_switch_repaints_in_the_other_palette(view, document):
    build_chain(document)
    view.set_dark(True)
    assert view.graph_scene.theme is style.DARK
    image = view.viewport().grab().toImage()
    assert image.pixelColor(2, 2).lightness() < 80
    view.set_dark(False)
    assert view.graph_scene.theme is style.LIGHT


def test_render_to_png(tmp_path, view, document):
    build_chain(document)
    view.auto_arrange()
    document.set_selection(["n3"])
    path = tmp_path / "canvas.png"
    assert view.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() == 900
    accent = style.category_colour("Core")
    colours = {image.pixelColor(x, y).name() for x in range(0, 900, 3) for y in range(0, 600, 3)}
    assert accent.name() in colours  # a title bar is drawn in its category colour
