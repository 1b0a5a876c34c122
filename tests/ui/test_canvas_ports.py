"""Layers with several outputs and with a second, optional input on the canvas: a card
per port layout, wires from the port they leave, and the wiring gesture's checks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from designer.model import Edge
from designer.model.edits import Connect, SetParam
from designer.ui.canvas import GraphView
from designer.ui.canvas.analysis_view import tooltip_of
from designer.ui.document import GraphDocument

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def document(make_document) -> GraphDocument:
    tokens = {"kind": "tokens", "length": 6, "vocab_size": 20}
    document = make_document(
        [
            ("text", "Input", tokens, (0, 0)),
            ("embed", "Embedding", {"num_embeddings": 20, "embedding_dim": 8}, (240, 0)),
            ("chunk", "Chunk", {"chunks": 2}, (480, 0)),
            ("attend", "SelfAttention", {"num_heads": 2}, (720, 0)),
            ("mean", "MeanOverTime", {}, (720, 200)),
        ],
        wires=[("text", "embed"), ("embed", "chunk")],
    )
    document.graph.connect("chunk", "part2", "attend", "in")
    document.refresh_analysis()
    return document


@pytest.fixture
def view(open_view, document) -> GraphView:
    return open_view(document, size=(1100, 500), center=(500, 120))


def point(view: GraphView, node_id: str, port: str, is_output: bool) -> QPoint:
    return view.mapFromScene(view.graph_scene.port_scene_pos(node_id, port, is_output))


def drag(view: GraphView, start: QPoint, end: QPoint) -> None:
    viewport = view.viewport()
    QTest.mousePress(viewport, LEFT, NO_MOD, start)
    for i in range(1, 5):
        QTest.mouseMove(viewport, start + (end - start) * (i / 4))
    QTest.mouseRelease(viewport, LEFT, NO_MOD, end)


def test_a_card_shows_one_port_per_part_and_the_shape_of_each(view, document):
    item = view.graph_scene.node_item("chunk")
    assert list(item.outputs) == ["part1", "part2"]
    assert item.status.shape == "2 × N×6×4"
    wire = view.graph_scene.edge_item(Edge("chunk", "part2", "attend", "in"))
    assert wire.path().pointAtPercent(0.0) == item.outputs["part2"].scenePos()
    # the tooltip the scene writes when the mouse rests on the wire
    assert "N×6×4" in tooltip_of(wire, document.graph, document.analysis)
    assert list(view.graph_scene.node_item("attend").inputs) == ["in", "mask"]


def test_more_parts_make_a_new_card_and_the_wires_follow(qtbot, view, document):
    scene = view.graph_scene
    scene.select_nodes(["chunk"])
    old = scene.node_item("chunk")
    document.push(SetParam("chunk", "chunks", 4))
    item = scene.node_item("chunk")
    assert item is not old and list(item.outputs) == ["part1", "part2", "part3", "part4"]
    assert item.isSelected() and item.height > old.height
    wire = scene.edge_item(Edge("chunk", "part2", "attend", "in"))
    assert wire.path().pointAtPercent(0.0) == item.outputs["part2"].scenePos()
    assert item.outputs["part2"].connected and not item.outputs["part1"].connected
    with qtbot.waitSignal(document.analysis_changed):
        pass
    assert scene.node_item("chunk").status.shape == "4 × N×6×2"
    document.undo_stack.undo()
    assert list(scene.node_item("chunk").outputs) == ["part1", "part2"]


def test_fewer_parts_than_wired_are_refused_with_the_reason(qtbot, view, document):
    document.push(SetParam("chunk", "chunks", 4))
    document.push(Connect("chunk", "part4", "mean", "in"))
    count = document.undo_stack.count()
    with qtbot.waitSignal(document.error_raised, check_params_cb=lambda t: "part4" in t):
        assert not document.push(SetParam("chunk", "chunks", 2))
    assert document.graph.node("chunk").params["chunks"] == 4
    assert document.undo_stack.count() == count
    assert len(view.graph_scene.node_item("chunk").outputs) == 4


def test_wiring_from_the_second_part(view, document):
    drag(view, point(view, "chunk", "part1", True), point(view, "mean", "in", False))
    assert Edge("chunk", "part1", "mean", "in") in document.graph.edges


def test_token_ids_may_enter_the_mask_and_real_values_may_not(qtbot, view, document):
    scene = view.graph_scene
    edges = document.graph.edges
    with qtbot.waitSignal(scene.message, check_params_cb=lambda t: "token ids" in t):
        drag(view, point(view, "embed", "out", True), point(view, "attend", "mask", False))
    assert document.graph.edges == edges
    drag(view, point(view, "text", "out", True), point(view, "attend", "mask", False))
    assert Edge("text", "out", "attend", "mask") in document.graph.edges
    with qtbot.waitSignal(document.analysis_changed):
        pass
    assert not document.analysis.info("attend").problems
