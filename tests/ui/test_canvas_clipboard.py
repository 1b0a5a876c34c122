"""Copy, paste and duplicate on the canvas, and the strict snippet format behind them."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from designer.catalog import default_catalog
from designer.io import SnippetError, subgraph_from_json, subgraph_to_json
from designer.model import Edge
from designer.ui.canvas import GraphView
from designer.ui.document import GraphDocument


@pytest.fixture
def document(make_document) -> GraphDocument:
    return make_document(
        [
            ("n1", "Input", {"kind": "features", "features": 6}, (0, 0)),
            ("n2", "Linear", {"units": 8}, (220, 0)),
            ("n3", "Reshape", {"shape": (2, -1)}, (440, 0)),
        ],
        wires=[("n1", "n2"), ("n2", "n3")],
        labels={"n2": "hidden"},
    )


@pytest.fixture
def view(open_view, document) -> GraphView:
    return open_view(document, size=(800, 500))


def test_snippets_round_trip_with_local_ids(qtbot, document):
    text = subgraph_to_json(document.graph, ["n3", "n2"])
    data = json.loads(text)
    assert data["format"] == "nn-designer-snippet"
    assert [n["id"] for n in data["nodes"]] == ["n1", "n2"]  # local, in graph order
    assert data["edges"] == [{"from": ["n1", "out"], "to": ["n2", "in"]}]  # project records
    snippet = subgraph_from_json(text, default_catalog())
    assert [n.type for n in snippet.nodes] == ["Linear", "Reshape"]
    assert snippet.nodes[1].params["shape"] == (2, -1)
    assert snippet.edges == (Edge("n1", "out", "n2", "in"),)
    assert subgraph_to_json(document.graph, []) == ""


def test_copy_then_paste_adds_one_undo_step_and_selects_the_copies(view, document):
    document.set_selection(["n2", "n3"])
    text = view.copy_selection()
    assert QGuiApplication.clipboard().text() == text
    count = document.undo_stack.count()
    new = view.paste()
    graph = document.graph
    assert len(new) == 2 and len(graph) == 5
    assert document.undo_stack.count() == count + 1
    assert graph.node(new[0]).label != "hidden"  # a free label
    assert graph.node(new[0]).position == (250, 30)
    assert Edge(new[0], "out", new[1], "in") in graph.edges
    assert document.selection == new
    again = view.paste()
    assert graph.node(again[0]).position == (280, 60)  # repeated pastes cascade
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert list(graph.nodes) == ["n1", "n2", "n3"]


def test_duplicate_offsets_by_30_and_leaves_the_clipboard_alone(view, document):
    QGuiApplication.clipboard().setText("something else")
    document.set_selection(["n2"])
    (new,) = view.duplicate()
    assert document.graph.node(new).position == (250, 30)
    assert QGuiApplication.clipboard().text() == "something else"


def test_keyboard_copy_paste(view, document):
    document.set_selection(["n1"])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(document.graph) == 4
    QTest.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(document.selection) == 4


def test_cut_copies_then_deletes_in_one_step(view, document):
    document.set_selection(["n3"])
    count = document.undo_stack.count()
    assert view.cut_selection()
    assert "n3" not in document.graph.nodes
    assert document.undo_stack.count() == count + 1


def test_select_all(view, document):
    view.select_all()
    assert document.selection == ["n1", "n2", "n3"]
    assert len(view.graph_scene.selected_node_items()) == 3


def valid() -> dict:
    return {
        "format": "nn-designer-snippet",
        "version": 1,
        "nodes": [
            {"id": "a", "type": "Linear", "label": "x", "params": {}, "position": [0, 0]},
            {"id": "b", "type": "ReLU", "label": "y", "params": {}, "position": [1, 2]},
        ],
        "edges": [{"src": "a", "src_port": "out", "dst": "b", "dst_port": "in"}],
    }


def mutate(path, value):
    data = valid()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(data)


GARBAGE = [
    "",
    "   ",
    "hello world",
    "{",
    "[1, 2, 3]",
    '{"format": "something-else"}',
    json.dumps({**valid(), "version": 99}),
    json.dumps({**valid(), "version": "1"}),
    json.dumps({**valid(), "nodes": {}}),
    json.dumps({**valid(), "nodes": []}),
    mutate(["nodes", 0], 7),
    mutate(["nodes", 0, "type"], "NoSuchLayer"),
    mutate(["nodes", 0, "id"], ""),
    mutate(["nodes", 1, "id"], "a"),
    mutate(["nodes", 0, "label"], None),
    mutate(["nodes", 0, "params"], {"units": -3}),
    mutate(["nodes", 0, "params"], {"nonsense": 1}),
    mutate(["nodes", 0, "params"], [1]),
    mutate(["nodes", 0, "position"], [0]),
    mutate(["nodes", 0, "position"], ["x", 0]),
    mutate(["nodes", 0, "position"], [1e300 * 10, 0]).replace("Infinity", "1e999"),
    json.dumps(valid()).replace("[0, 0]", "[NaN, 0]"),
    mutate(["edges", 0, "dst"], "zzz"),
    mutate(["edges", 0, "src_port"], "in"),
    mutate(["edges", 0, "dst_port"], "out"),
    mutate(["edges"], [valid()["edges"][0]] * 2),
    mutate(["edges"], "none"),
    "[" * 100_000,
    '{"format": "nn-designer-snippet", "version": 1, "nodes": [' + "1," * 6000 + "1]}",
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_is_refused_with_a_reason(text):
    with pytest.raises(SnippetError) as info:
        subgraph_from_json(text, default_catalog())
    assert str(info.value)


@pytest.mark.parametrize("text", GARBAGE[:12])
def test_pasting_garbage_reports_and_changes_nothing(qtbot, view, document, text):
    with qtbot.waitSignal(document.error_raised, check_params_cb=lambda m: "Cannot paste" in m):
        assert view.paste(text) == []
    assert list(document.graph.nodes) == ["n1", "n2", "n3"]
    assert document.undo_stack.count() == 0


def test_garbage_on_the_system_clipboard(qtbot, view, document):
    QGuiApplication.clipboard().setText("\ufffd not json")
    with qtbot.waitSignal(document.error_raised):
        view.paste()
    assert len(document.graph) == 3


def test_a_valid_snippet_pastes(view, document):
    ids = view.paste(json.dumps(valid()), (10, 10))
    assert [document.graph.node(i).type for i in ids] == ["Linear", "ReLU"]
    assert document.graph.node(ids[1]).position == (11, 12)


def chunk_snippet(chunks: int, port: str) -> dict:
    """A Chunk of ``chunks`` parts whose ``port`` feeds a ReLU."""
    data = valid()
    data["nodes"][0] = {
        "id": "a",
        "type": "Chunk",
        "label": "x",
        "params": {"chunks": chunks},
        "position": [0, 0],
    }
    data["edges"][0]["src_port"] = port
    return data


def test_a_later_output_of_a_layer_with_several_copies_and_pastes(view, document):
    ids = view.paste(json.dumps(chunk_snippet(3, "part3")), (0, 300))
    assert Edge(ids[0], "part3", ids[1], "in") in document.graph.edges
    document.set_selection(ids)
    again = view.paste(view.copy_selection())
    assert Edge(again[0], "part3", again[1], "in") in document.graph.edges


def test_an_output_beyond_the_parameters_is_refused():
    with pytest.raises(SnippetError, match="has no output 'part3'"):
        subgraph_from_json(json.dumps(chunk_snippet(2, "part3")), default_catalog())
