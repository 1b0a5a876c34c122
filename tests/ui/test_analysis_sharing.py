"""One analysis per state of the design: the document infers an edit once, and the canvas,
the code view and the compiler all read that very result; a move is no analysis at all."""

from __future__ import annotations

import itertools

import pytest

from designer.compiler.lower import lower
from designer.model import Project, infer_shapes, shape_cache, shapes
from designer.model.edits import AddNode, Connect, MoveNodes, SetParam
from designer.ui.canvas import GraphView
from designer.ui.document import GraphDocument
from designer.ui.panels.code_view import CodeViewPanel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def document(qtbot):
    """Input(8 features) -> Linear -> ReLU -> Linear -> Output, analysed."""
    doc = GraphDocument(Project())
    kinds = [("Input", {"features": 8}), ("Linear", {}), ("ReLU", {}), ("Linear", {})]
    ids = []
    for type_id, params in [*kinds, ("Output", {})]:
        edit = AddNode(type_id, params)
        assert doc.push(edit)
        ids.append(edit.node_id)
    for src, dst in itertools.pairwise(ids):
        assert doc.push(Connect(src, "out", dst, "in"))
    doc.refresh_analysis()
    doc.ids = ids
    return doc


@pytest.fixture
def passes(monkeypatch) -> list[str]:
    """The inference passes made from now on, by kind."""
    made: list[str] = []
    for name in ("_full_pass", "_edited_pass"):
        real = getattr(shapes, name)

        def counting(*args, real=real, name=name):
            made.append(name)
            return real(*args)

        monkeypatch.setattr(shapes, name, counting)
    return made


@pytest.fixture
def rules(monkeypatch) -> list[str]:
    """The layer types whose shape rule runs from now on, once per run."""
    ran: list[str] = []
    real = shape_cache._run_rules

    def counting(spec, params, inputs):
        ran.append(spec.type_id)
        return real(spec, params, inputs)

    monkeypatch.setattr(shape_cache, "_run_rules", counting)
    return ran


def test_an_edit_is_inferred_once_for_canvas_code_and_compiler(qtbot, document, passes, rules):
    view = GraphView(document)
    code = CodeViewPanel(document)
    for widget in (view, code):
        qtbot.addWidget(widget)
        widget.show()
    qtbot.waitUntil(lambda: "nn.Linear" in code.code)
    passes.clear()
    rules.clear()
    with qtbot.waitSignal(document.analysis_changed):
        document.push(SetParam(document.ids[1], "units", 77))
    qtbot.waitUntil(lambda: "out_features=77" in code.code)
    assert view.graph_scene.node_item(document.ids[2]).status.shape == "N×77"
    assert infer_shapes(document.graph) is document.analysis
    lower(document.graph)
    assert passes == ["_edited_pass"]
    assert sorted(rules) == ["Linear", "Linear", "ReLU"]  # what the edit reached, once


def test_a_move_is_not_an_analysis(qtbot, document, passes):
    before = document.analysis
    node = document.ids[2]
    with qtbot.assertNotEmitted(document.analysis_changed, wait=50):
        document.push(MoveNodes({node: (document.graph.node(node).position, (400.0, 90.0))}))
    assert passes == []
    assert document.analysis is before and infer_shapes(document.graph) is before
