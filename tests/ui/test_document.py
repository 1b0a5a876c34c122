"""GraphDocument: undo steps, refusals, locking and problems from the data."""

from __future__ import annotations

from designer.model import Problem, Project
from designer.model.edits import AddNode, Connect, SetParam
from designer.ui.document import GraphDocument


def _chain(document: GraphDocument) -> tuple[str, str]:
    document.push(AddNode("Input", {"features": 4}))
    document.push(AddNode("Output"))
    source, sink = list(document.graph.nodes)
    document.push(Connect(source, "out", sink, "in"))
    return source, sink


def test_refused_edit_changes_nothing_and_says_why(qtbot):
    document = GraphDocument()
    source, _ = _chain(document)
    steps = document.undo_stack.count()
    with qtbot.waitSignal(document.error_raised) as blocker:
        assert not document.push(SetParam(source, "features", -3))
    assert "at least 1" in blocker.args[0]
    assert document.undo_stack.count() == steps
    assert document.graph.node(source).params["features"] == 4


def test_typing_a_number_is_one_undo_step(qtbot):
    document = GraphDocument()
    source, _ = _chain(document)
    steps = document.undo_stack.count()
    for value in (1, 12, 128):
        document.push(SetParam(source, "features", value))
    assert document.undo_stack.count() == steps + 1
    document.undo_stack.undo()
    assert document.graph.node(source).params["features"] == 4


def test_locked_document_refuses_edits(qtbot):
    document = GraphDocument()
    document.lock("Training is running")
    with qtbot.waitSignal(document.error_raised) as blocker:
        assert not document.push(AddNode("Linear"))
    assert blocker.args == ["Training is running"]
    assert len(document.graph) == 0
    document.lock(None)
    assert document.push(AddNode("Linear"))


def test_data_problems_join_the_analysis_on_their_node(qtbot):
    document = GraphDocument()
    _, sink = _chain(document)
    qtbot.waitUntil(lambda: document.analysis.valid)  # re-inference runs on the next turn
    problem = Problem("Output 'output1': cross-entropy needs class labels", sink)
    with qtbot.waitSignal(document.analysis_changed):
        document.set_data_problems([problem])
    assert not document.analysis.valid
    assert problem in document.analysis.info(sink).problems
    document.set_data_problems([])
    assert document.analysis.valid


def test_modified_flag_follows_the_undo_stack(qtbot):
    document = GraphDocument()
    assert not document.modified
    document.push(AddNode("Linear"))
    assert document.modified
    document.undo_stack.undo()
    assert not document.modified


def test_trained_weights_belong_to_the_open_project(qtbot):
    document = GraphDocument()
    assert document.trained_state is None
    document.trained_state = {"fc.weight": object()}
    document.replace_project(Project())
    assert document.trained_state is None
