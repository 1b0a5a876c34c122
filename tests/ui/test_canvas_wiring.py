"""Wiring gestures on the canvas, driven with real mouse events on the viewport."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from designer.model import Edge
from designer.ui.canvas import GraphView
from designer.ui.canvas.port_item import PortState
from designer.ui.document import GraphDocument

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def document(make_document) -> GraphDocument:
    return make_document(
        [
            ("n1", "Input", {"kind": "features", "features": 8}, (0, 0)),
            ("n2", "Linear", {"units": 4}, (260, 0)),
            ("n3", "ReLU", {}, (520, 0)),
            ("n4", "Output", {}, (520, 200)),
        ],
        wires=[("n1", "n2")],
    )


@pytest.fixture
def view(open_view, document) -> GraphView:
    return open_view(document, size=(1000, 600), center=(400, 100))


def port_point(view: GraphView, node_id: str, port: str, is_output: bool) -> QPoint:
    return view.mapFromScene(view.graph_scene.port_scene_pos(node_id, port, is_output))


def drag(view: GraphView, start: QPoint, end: QPoint, steps: int = 4) -> None:
    """Press at ``start``, move in a few steps, release at ``end`` (real mouse events)."""
    viewport = view.viewport()
    QTest.mousePress(viewport, LEFT, NO_MOD, start)
    for i in range(1, steps + 1):
        QTest.mouseMove(viewport, start + (end - start) * (i / steps))
    QTest.mouseRelease(viewport, LEFT, NO_MOD, end)


def test_dragging_output_to_input_connects_once_undoably(view, document):
    start = port_point(view, "n2", "out", True)
    end = port_point(view, "n3", "in", False)
    count = document.undo_stack.count()
    drag(view, start, end)
    edge = Edge("n2", "out", "n3", "in")
    assert edge in document.graph.edges
    assert view.graph_scene.edge_item(edge) is not None
    assert document.undo_stack.count() == count + 1
    document.undo_stack.undo()
    assert edge not in document.graph.edges
    assert view.graph_scene.edge_item(edge) is None
    document.undo_stack.redo()
    assert edge in document.graph.edges
    assert view.graph_scene.edge_item(edge) is not None


def test_releasing_over_a_node_body_joins_its_input(view, document):
    start = port_point(view, "n2", "out", True)
    body = view.mapFromScene(view.graph_scene.node_item("n3").sceneBoundingRect().center())
    drag(view, start, body)
    assert Edge("n2", "out", "n3", "in") in document.graph.edges


def test_ports_show_where_the_wire_may_end_during_the_drag(view, document):
    scene = view.graph_scene
    viewport = view.viewport()
    QTest.mousePress(viewport, LEFT, NO_MOD, port_point(view, "n2", "out", True))
    QTest.mouseMove(viewport, QPoint(500, 500))
    inputs = {n: scene.node_item(n).inputs["in"].state for n in ("n2", "n3", "n4")}
    assert inputs == {
        "n2": PortState.REFUSED,  # itself
        "n3": PortState.CANDIDATE,
        "n4": PortState.CANDIDATE,
    }
    assert scene.interactions.wire is not None
    QTest.mouseRelease(viewport, LEFT, NO_MOD, QPoint(500, 500))
    assert scene.node_item("n3").inputs["in"].state is PortState.NORMAL
    assert scene.interactions.wire is None


def test_a_loop_is_refused_with_the_reason_and_nothing_changes(qtbot, view, document):
    document.graph.disconnect(Edge("n1", "out", "n2", "in"))
    document.graph.connect("n2", "out", "n3", "in")
    document.refresh_analysis()
    edges = document.graph.edges
    count = document.undo_stack.count()
    scene = view.graph_scene
    viewport = view.viewport()
    start = port_point(view, "n3", "out", True)
    target = port_point(view, "n2", "in", False)
    with qtbot.waitSignal(scene.message, check_params_cb=lambda text: "loop" in text):
        QTest.mousePress(viewport, LEFT, NO_MOD, start)
        QTest.mouseMove(viewport, (start + target) / 2)
        QTest.mouseMove(viewport, target)
    assert scene.node_item("n2").inputs["in"].state is PortState.HOVER_REFUSED
    with qtbot.waitSignal(scene.message, check_params_cb=lambda text: "loop" in text):
        QTest.mouseRelease(viewport, LEFT, NO_MOD, target)
    assert document.graph.edges == edges
    assert document.undo_stack.count() == count


def test_integer_tokens_into_a_real_valued_layer_are_refused(qtbot, view, document):
    graph = document.graph
    graph.add_node("Input", {"kind": "tokens"}, position=(0, 200), node_id="n5")
    document.refresh_analysis()
    edges = graph.edges
    with qtbot.waitSignal(view.message, check_params_cb=lambda t: "Embedding" in t):
        drag(view, port_point(view, "n5", "out", True), port_point(view, "n3", "in", False))
    assert graph.edges == edges


def test_releasing_on_empty_canvas_cancels(view, document):
    edges = document.graph.edges
    count = document.undo_stack.count()
    drag(view, port_point(view, "n2", "out", True), QPoint(900, 550))
    assert document.graph.edges == edges
    assert document.undo_stack.count() == count
    assert not [i for i in view.graph_scene.items() if type(i).__name__ == "WireItem"]


def test_picking_up_a_wire_and_dropping_it_on_empty_canvas_removes_it(view, document):
    edge = Edge("n1", "out", "n2", "in")
    drag(view, port_point(view, "n2", "in", False), QPoint(600, 500))
    assert edge not in document.graph.edges
    assert document.undo_stack.undoText() == "Disconnect"
    document.undo_stack.undo()
    assert document.graph.edges == (edge,)


def test_picking_up_a_wire_and_dropping_it_elsewhere_rewires_in_one_step(view, document):
    count = document.undo_stack.count()
    drag(view, port_point(view, "n2", "in", False), port_point(view, "n3", "in", False))
    assert document.graph.edges == (Edge("n1", "out", "n3", "in"),)
    assert document.undo_stack.count() == count + 1
    document.undo_stack.undo()
    assert document.graph.edges == (Edge("n1", "out", "n2", "in"),)
    assert view.graph_scene.edge_item(Edge("n1", "out", "n2", "in")).isVisible()


def test_picking_up_a_wire_and_dropping_it_back_changes_nothing(view, document):
    count = document.undo_stack.count()
    port = port_point(view, "n2", "in", False)
    drag(view, port, port + QPoint(1, 1))
    assert document.graph.edges == (Edge("n1", "out", "n2", "in"),)
    assert document.undo_stack.count() == count


def test_escape_abandons_a_wire(view, document):
    viewport = view.viewport()
    QTest.mousePress(viewport, LEFT, NO_MOD, port_point(view, "n2", "out", True))
    QTest.mouseMove(viewport, QPoint(700, 400))
    QTest.keyClick(viewport, Qt.Key.Key_Escape)
    assert view.graph_scene.interactions.wire is None
    QTest.mouseRelease(viewport, LEFT, NO_MOD, port_point(view, "n3", "in", False))
    assert Edge("n2", "out", "n3", "in") not in document.graph.edges
