"""Opening another design while views still hold node ids of the old one.

Node ids restart at ``n1`` in every project, so an id held over from the old design names
a different layer (of another type) in the new one. Every view must drop what it holds.
"""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from designer.io import example_paths, load_project
from designer.model import Project
from designer.ui.document import GraphDocument
from designer.ui.panels import CodeViewPanel, InspectorPanel, ProblemsPanel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

EXAMPLES = {path.stem: path for path in example_paths()}


def _replace(document: GraphDocument, name: str) -> None:
    document.replace_project(load_project(EXAMPLES[name]))


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(sorted(EXAMPLES), 2)))
def test_the_inspector_drops_the_selected_node_when_another_design_opens(qtbot, first, second):
    document = GraphDocument(load_project(EXAMPLES[first]))
    inspector = InspectorPanel(document)
    qtbot.addWidget(inspector)
    for node_id in list(document.graph.nodes):
        _replace(document, first)
        document.set_selection([node_id])
        assert inspector.node_id == node_id
        _replace(document, second)  # no ParamError, no TypeError from a stale form
        assert inspector.node_id is None
        assert inspector.pages.currentIndex() == 0
        if node_id in document.graph.nodes:  # the same id now names another layer
            document.set_selection([node_id])
            assert set(inspector._fields) == {p.name for p in document.graph.spec(node_id).params}


def _name_edit(inspector: InspectorPanel) -> QLineEdit:
    assert inspector.name_edit is not None
    return inspector.name_edit


def test_a_pending_name_edit_is_not_applied_to_the_next_design(qtbot):
    document = GraphDocument(load_project(EXAMPLES["binary_classifier"]))
    inspector = InspectorPanel(document)
    qtbot.addWidget(inspector)
    inspector.show()
    qtbot.waitExposed(inspector)
    document.set_selection(["n2"])
    edit = _name_edit(inspector)
    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, "typed_but_not_committed")
    stale_callback = inspector._on_name_edit_editing_finished
    _replace(document, "digits_cnn")
    stale_callback()  # what a late focus-out of the old field would do
    assert document.graph.node("n2").label == "conv1"
    assert document.undo_stack.count() == 0 and not document.modified


def test_a_parameter_edit_committed_while_a_design_opens_is_dropped(qtbot):
    document = GraphDocument(load_project(EXAMPLES["iris_mlp"]))
    inspector = InspectorPanel(document)
    qtbot.addWidget(inspector)
    document.set_selection(["n2"])
    before = dict(load_project(EXAMPLES["binary_classifier"]).graph.node("n2").params)

    def commit_late() -> None:  # a field of the old form losing focus mid-switch
        inspector._on_field_edited("units", 77)

    # The new design's first analysis is delivered before project_replaced.
    document.analysis_changed.connect(commit_late)
    _replace(document, "binary_classifier")  # n2 is a Linear here too, of another graph
    document.analysis_changed.disconnect(commit_late)
    assert dict(document.graph.node("n2").params) == before
    assert document.undo_stack.count() == 0


def test_the_code_view_forgets_the_old_designs_lines(qtbot):
    document = GraphDocument(load_project(EXAMPLES["residual_mlp"]))
    view = CodeViewPanel(document)
    qtbot.addWidget(view)
    view.refresh()
    document.set_selection(["n7"])
    assert view.highlighted_lines
    _replace(document, "iris_mlp")  # 5 layers: n7 does not exist, n2 is another Linear
    document.set_selection(["n2"])
    assert view.highlighted_lines == []
    assert "n7" not in view._line_to_node.values()
    view.refresh()
    assert view.highlighted_lines  # the new code, with its own map


def test_the_problems_list_names_only_nodes_of_the_open_design(qtbot):
    document = GraphDocument(Project())
    document.graph.add_node("Linear", node_id="n9")
    document.refresh_analysis()
    problems = ProblemsPanel(document)
    qtbot.addWidget(problems)
    assert problems.list.count()
    _replace(document, "binary_classifier")
    items = [problems.list.item(i) for i in range(problems.list.count())]
    ids = {item.data(Qt.ItemDataRole.UserRole) for item in items}
    assert ids <= set(document.graph.nodes) | {None}


def test_a_node_drag_cut_short_by_opening_a_design_moves_nothing_there(qtbot, open_view):
    document = GraphDocument(load_project(EXAMPLES["binary_classifier"]))
    view = open_view(document, (900, 500))
    view.fit_to_view()
    item = view.graph_scene.node_item("n2")
    start = view.mapFromScene(item.sceneBoundingRect().center())
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(view.viewport(), start + QPoint(40, 30))
    second = load_project(EXAMPLES["digits_cnn"])
    second.graph.move_node("n2", 500.0, 400.0)  # not where the dragged n2 started
    document.replace_project(second)
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(40, 30))
    assert document.undo_stack.count() == 0
    assert not document.modified
    assert document.graph.node("n2").position == (500.0, 400.0)


def test_selecting_a_layer_then_opening_examples_in_the_window_raises_nothing(qtbot, make_window):
    window = make_window()
    window.show()
    window.code_dock.raise_()
    for first, second in itertools.permutations(sorted(EXAMPLES), 2):
        window.files.open_example(EXAMPLES[first])
        node_id = list(window.document.graph.nodes)[-2]
        window.view.graph_scene.select_nodes([node_id])
        assert window.inspector.node_id == node_id
        window.files.open_example(EXAMPLES[second])
        assert window.inspector.node_id is None
        assert window.view.graph_scene.selected_node_ids() == []
        assert window.document.undo_stack.count() == 0
