"""The scene mirrors the model: edits made anywhere show on the canvas, item by item."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QGraphicsScene

from designer.model import Edge, Graph, Node, Project
from designer.model.edits import AddNode, Connect, MoveNodes, RemoveNodes, Rename, SetParam
from designer.ui.canvas import GraphScene, GraphView, style
from designer.ui.canvas.card import Faces
from designer.ui.canvas.edge_item import EdgeItem
from designer.ui.canvas.node_item import NodeItem
from designer.ui.document import GraphDocument

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def document(make_document) -> GraphDocument:
    image = {"kind": "image", "channels": 3, "height": 8, "width": 8}
    return make_document(
        [
            ("n1", "Input", image, (0, 0)),
            ("n2", "Conv2d", {"out_channels": 16, "padding": 1}, (260, 0)),
            ("n3", "ReLU", {}, (520, 0)),
            ("n4", "Flatten", {}, (780, 0)),
        ],
        wires=[("n1", "n2"), ("n2", "n3"), ("n3", "n4")],
    )


@pytest.fixture
def view(open_view, document) -> GraphView:
    return open_view(document, size=(1100, 500), center=(500, 40))


def settle(qtbot, document: GraphDocument) -> None:
    """Let the document's coalesced re-inference run."""
    with qtbot.waitSignal(document.analysis_changed, timeout=20_000):
        pass


def test_items_are_built_from_the_graph(view, document):
    scene = view.graph_scene
    assert {i.node_id for i in scene.node_items()} == set(document.graph.nodes)
    assert {i.edge for i in scene.edge_items()} == set(document.graph.edges)
    assert scene.node_item("n2").pos() == QPointF(260, 0)
    assert scene.node_item("n2").status.shape == "N×16×8×8"
    assert scene.node_item("n2").params_text == "448 params"
    assert scene.node_item("n3").params_text == ""
    assert scene.node_item("n1").inputs == {}
    assert scene.node_item("n2").inputs["in"].connected


def test_pushed_edits_update_only_the_affected_items(qtbot, view, document):
    scene = view.graph_scene
    untouched = scene.node_item("n1")
    add = AddNode("Linear", {"units": 5}, position=(1040, 0))
    document.push(add)
    assert scene.node_item(add.node_id).pos() == QPointF(1040, 0)
    document.push(Connect("n4", "out", add.node_id, "in"))
    assert scene.edge_item(Edge("n4", "out", add.node_id, "in")) is not None
    settle(qtbot, document)
    assert scene.node_item(add.node_id).status.shape == "N×5"
    document.push(SetParam("n2", "out_channels", 4))
    settle(qtbot, document)
    assert scene.node_item("n2").status.shape == "N×4×8×8"
    assert scene.node_item("n4").status.shape == "N×256"
    assert scene.node_item(add.node_id).params_text == "1.3k params"
    document.push(Rename("n3", "act"))
    assert scene.node_item("n3").label == "act"
    document.push(MoveNodes({"n3": ((520, 0), (520, 300))}))
    assert scene.node_item("n3").pos() == QPointF(520, 300)
    wire = scene.edge_item(Edge("n2", "out", "n3", "in"))
    assert wire.path().pointAtPercent(1.0) == scene.port_scene_pos("n3", "in", False)
    document.push(RemoveNodes([add.node_id]))
    assert scene.node_item(add.node_id) is None
    assert len(scene.edge_items()) == 3
    assert scene.node_item("n1") is untouched


def test_a_node_with_a_problem_is_flagged_and_its_tooltip_says_why(qtbot, view, document):
    document.push(AddNode("Linear", position=(0, 300)))
    settle(qtbot, document)
    item = next(i for i in view.graph_scene.node_items() if i.face.title == "Linear")
    assert item.status.problems
    assert "input is not connected" in item.toolTip()
    healthy = view.graph_scene.node_item("n2")
    assert not healthy.status.problems
    assert "N×16×8×8" in healthy.toolTip() and "448" in healthy.toolTip()


def test_items_hold_ids_never_model_objects(view, document):
    model_types = (Node, Graph, Project)

    def references_model(value, depth=0):
        if isinstance(value, model_types):
            return True
        if depth < 2 and isinstance(value, dict):
            return any(references_model(v, depth + 1) for v in value.values())
        if depth < 2 and isinstance(value, list | tuple | set):
            return any(references_model(v, depth + 1) for v in value)
        return False

    items = view.graph_scene.items()
    assert len(items) > 8
    for item in items:
        assert not references_model(vars(item)), type(item).__name__


def test_selection_follows_both_ways(qtbot, view, document):
    scene = view.graph_scene
    document.set_selection(["n2", "n3"])
    assert {i.node_id for i in scene.selected_node_items()} == {"n2", "n3"}
    with qtbot.waitSignal(document.selection_changed):
        QTest.mouseClick(view.viewport(), LEFT, NO_MOD, node_point(view, "n1"))
    assert document.selection == ["n1"]


def test_replacing_the_project_rebuilds_the_scene(view, document):
    project = Project()
    project.graph.add_node("Input", node_id="n7")
    document.replace_project(project)
    assert [i.node_id for i in view.graph_scene.node_items()] == ["n7"]
    document.push(AddNode("Linear"))
    assert len(view.graph_scene.node_items()) == 2


def test_a_deleted_view_stops_mirroring(qtbot, document):
    view = GraphView(document)
    scene = view.graph_scene
    view.deleteLater()
    del view, scene
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert document.push(AddNode("ReLU"))  # no handler of the dead scene is called


def node_point(view: GraphView, node_id: str) -> QPoint:
    item = view.graph_scene.node_item(node_id)
    return view.mapFromScene(item.scenePos() + QPointF(60, 40))


def test_dragging_nodes_is_one_move_step(view, document):
    scene = view.graph_scene
    document.set_selection(["n2", "n3"])
    count = document.undo_stack.count()
    start = node_point(view, "n2")
    end = start + QPoint(40, 100)
    viewport = view.viewport()
    QTest.mousePress(viewport, LEFT, NO_MOD, start)
    into, out_of = Edge("n2", "out", "n3", "in"), Edge("n1", "out", "n2", "in")
    for i in range(1, 6):
        QTest.mouseMove(viewport, start + (end - start) * (i / 5))
        assert document.graph.node("n2").position == (260, 0)  # the model waits
        wire = scene.edge_item(out_of).path()  # the wires follow the dragged nodes
        assert wire.pointAtPercent(1.0) == scene.node_item("n2").inputs["in"].scenePos()
    assert scene.node_item("n3").pos() != QPointF(520, 0)  # the items follow the mouse
    moved = scene.edge_item(into).path()
    assert moved.pointAtPercent(1.0) == scene.node_item("n3").inputs["in"].scenePos()
    QTest.mouseRelease(viewport, LEFT, NO_MOD, end)
    assert document.undo_stack.count() == count + 1
    assert document.undo_stack.undoText() == "Move"
    dx, dy = 40 / view.zoom, 100 / view.zoom
    assert document.graph.node("n2").position == pytest.approx((260 + dx, dy), abs=0.5)
    assert document.graph.node("n3").position == pytest.approx((520 + dx, dy), abs=0.5)
    assert scene.node_item("n2").pos() == QPointF(*document.graph.node("n2").position)
    assert document.graph.node("n1").position == (0, 0)
    document.undo_stack.undo()
    assert document.graph.node("n2").position == (260, 0)
    assert scene.node_item("n3").pos() == QPointF(520, 0)
    wire = scene.edge_item(Edge("n2", "out", "n3", "in"))
    assert wire.path().pointAtPercent(0.0) == scene.port_scene_pos("n2", "out", True)


def test_a_click_without_moving_pushes_nothing(view, document):
    count = document.undo_stack.count()
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, node_point(view, "n2"))
    assert document.undo_stack.count() == count


def test_a_refused_move_snaps_back(view, document):
    document.lock("Training is running")
    start = node_point(view, "n2")
    viewport = view.viewport()
    QTest.mousePress(viewport, LEFT, NO_MOD, start)
    QTest.mouseMove(viewport, start + QPoint(30, 30))
    QTest.mouseMove(viewport, start + QPoint(60, 60))
    QTest.mouseRelease(viewport, LEFT, NO_MOD, start + QPoint(60, 60))
    assert view.graph_scene.node_item("n2").pos() == QPointF(260, 0)


def test_delete_key_removes_selection_in_one_step_and_undo_restores_exactly(view, document):
    graph = document.graph
    graph.add_node("Linear", position=(1040, 0), node_id="n5")
    graph.connect("n4", "out", "n5", "in")
    nodes, edges = list(graph.nodes), graph.edges
    scene = view.graph_scene
    document.set_selection(["n3"])
    scene.edge_item(Edge("n4", "out", "n5", "in")).setSelected(True)
    scene.edge_item(Edge("n1", "out", "n2", "in")).setSelected(True)
    view.setFocus()
    QTest.keyClick(view.viewport(), Qt.Key.Key_Delete)
    assert list(graph.nodes) == ["n1", "n2", "n4", "n5"]
    assert graph.edges == ()
    assert len(scene.edge_items()) == 0
    assert document.undo_stack.undoText() == "Delete"
    document.undo_stack.undo()
    assert list(graph.nodes) == nodes
    assert graph.edges == edges
    assert {i.edge for i in scene.edge_items()} == set(edges)
    document.undo_stack.redo()
    assert list(graph.nodes) == ["n1", "n2", "n4", "n5"]


def test_scene_can_be_built_without_a_view(document):
    scene = GraphScene(document)
    assert isinstance(scene.node_item("n1"), NodeItem)
    assert scene.content_rect().contains(QPointF(300, 40))


def edge_point(view: GraphView, edge: Edge) -> QPoint:
    return view.mapFromScene(view.graph_scene.edge_item(edge).path().pointAtPercent(0.5))


def test_a_wire_lights_up_under_the_mouse_and_a_click_selects_it_for_delete(view, document):
    edge = Edge("n2", "out", "n3", "in")
    item = view.graph_scene.edge_item(edge)
    viewport = view.viewport()
    QTest.mouseMove(viewport, QPoint(5, 450))
    QTest.mouseMove(viewport, edge_point(view, edge))
    assert item._hovered
    QTest.mouseClick(viewport, LEFT, NO_MOD, edge_point(view, edge))
    assert item.isSelected()
    assert document.selection == []
    QTest.keyClick(viewport, Qt.Key.Key_Delete)
    assert edge not in document.graph.edges
    assert len(document.graph) == 4
    document.undo_stack.undo()
    assert document.graph.edges[1] == edge


def test_an_output_shows_its_loss_and_weight(qtbot, view, document):
    scene = view.graph_scene
    add = AddNode("Output", {"loss": "mse"}, position=(1040, 0))
    document.push(add)
    document.push(Connect("n4", "out", add.node_id, "in"))
    settle(qtbot, document)
    assert scene.node_item(add.node_id).params_text == "MSE"
    document.push(SetParam(add.node_id, "weight", 0.5))
    settle(qtbot, document)
    assert scene.node_item(add.node_id).params_text == "MSE \u00d7 0.5"
    document.undo_stack.undo()
    settle(qtbot, document)
    assert scene.node_item(add.node_id).params_text == "MSE"


def test_items_paint_with_the_theme_they_are_handed(qtbot):
    """Items ask the theme source they were made with, not their scene's attributes, so
    they paint the same in any scene (here a plain one)."""
    graph = Graph()
    node = graph.add_node("Linear", {"units": 4})
    asked = []

    def dark() -> style.CanvasTheme:
        asked.append(True)
        return style.DARK

    scene = QGraphicsScene()
    face = Faces().of(graph.catalog, node)
    scene.addItem(NodeItem(node.id, face, node.label, dark, wired=[("in", False)]))
    wire = EdgeItem(Edge("a", "out", "b", "in"), dark)
    wire.set_endpoints((0.0, 0.0), (100.0, 50.0), 1.0)
    scene.addItem(wire)
    image = QImage(400, 200, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    scene.render(painter)
    painter.end()
    assert len(asked) >= 2  # the card and the wire
    body = style.DARK.colour("node_body")
    assert any(image.pixelColor(x, 100) == body for x in range(0, 400, 4))
