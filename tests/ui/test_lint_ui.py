"""The linter's findings in the window: on the canvas cards, in the problems list with a
Fix button (one undo step) and Silence… (a reason saved on the layer), and in the
inspector with their explanations and the rules silenced on the layer."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from designer.model import Project, TrainingSettings
from designer.ui.panels import InspectorPanel, ProblemsPanel

#: The offscreen platform says so when a top-level widget with a layout is shown.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

STACKED = [
    ("in", "Input", {"features": 2}, (0.0, 0.0)),
    ("fc1", "Linear", {"units": 8}, (220.0, 0.0)),
    ("fc2", "Linear", {"units": 2}, (440.0, 0.0)),
    ("out", "Output", {}, (660.0, 0.0)),
]
WIRES = [("in", "fc1"), ("fc1", "fc2"), ("fc2", "out")]


@pytest.fixture
def document(make_document):
    """Two Linears with nothing between: the finding NN301 on fc1."""
    return make_document(STACKED, WIRES, {"fc1": "fc1", "fc2": "fc2"})


@pytest.fixture
def reasons():
    """What the Silence… question answers (None: cancelled), and what it was asked."""
    return {"answer": "a linear bottleneck, on purpose", "asked": []}


@pytest.fixture
def panel(qtbot, document, reasons):
    def ask(parent, problem):
        reasons["asked"].append(problem.rule)
        return reasons["answer"]

    panel = ProblemsPanel(document, ask=ask)
    qtbot.addWidget(panel)
    panel.resize(700, 300)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def finding_row(panel: ProblemsPanel, rule: str):
    (row,) = [row for row in panel.rows.values() if row.rule.text() == rule]
    return row


def rules_shown(document) -> list[str | None]:
    return [p.rule for p in document.analysis.problems]


def test_a_finding_has_a_row_with_its_rule_fix_and_silence(panel, document):
    row = finding_row(panel, "NN301")
    assert row.text.text().startswith("Linear 'fc1': feeds Linear 'fc2' with no activation")
    assert row.fix_button.isVisible() and row.silence_button.isVisible()
    assert row.fix_button.toolTip() == "Give Linear 'fc1' a ReLU activation"
    assert "Two Linear layers with nothing between" in row.toolTip()
    item = panel.list.item(next(iter(panel.rows)))
    assert item.text() == row.text.text() and item.data(Qt.ItemDataRole.UserRole) == "fc1"


def test_fix_is_one_undo_step_after_which_the_finding_is_gone(qtbot, panel, document):
    with qtbot.waitSignal(document.analysis_changed):
        qtbot.mouseClick(finding_row(panel, "NN301").fix_button, Qt.MouseButton.LeftButton)
    assert document.graph.node("fc1").params["activation"] == "relu"
    assert document.undo_stack.count() == 1
    assert "NN301" not in rules_shown(document) and panel.rows == {}
    with qtbot.waitSignal(document.analysis_changed):
        document.undo_stack.undo()
    assert document.graph.node("fc1").params["activation"] == "none"
    assert finding_row(panel, "NN301").fix_button.isVisible()


def test_silence_asks_why_and_saves_the_reason_on_the_layer(qtbot, panel, document, reasons):
    with qtbot.waitSignal(document.analysis_changed):
        qtbot.mouseClick(finding_row(panel, "NN301").silence_button, Qt.MouseButton.LeftButton)
    assert reasons["asked"] == ["NN301"]
    assert document.graph.node("fc1").silenced == {"NN301": "a linear bottleneck, on purpose"}
    assert document.analysis.problems == () and panel.pages.currentIndex() == 0
    assert [p.rule for p in document.analysis.silenced] == ["NN301"]
    assert document.undo_stack.count() == 1
    with qtbot.waitSignal(document.analysis_changed):
        document.undo_stack.undo()
    assert rules_shown(document) == ["NN301"]


def test_a_cancelled_silence_changes_nothing(qtbot, panel, document, reasons):
    reasons["answer"] = None
    qtbot.mouseClick(finding_row(panel, "NN301").silence_button, Qt.MouseButton.LeftButton)
    assert reasons["asked"] == ["NN301"] and document.undo_stack.count() == 0
    assert document.graph.node("fc1").silenced == {}


def test_clicking_a_finding_selects_its_layer(qtbot, panel, document):
    row = finding_row(panel, "NN301")
    with qtbot.waitSignal(panel.node_focus_requested) as blocker:
        qtbot.mouseClick(row.text, Qt.MouseButton.LeftButton)  # the message, not a button
    assert blocker.args == ["fc1"] and document.selection == ["fc1"]
    assert panel.list.currentItem().isSelected()


def test_an_error_can_be_fixed_but_not_silenced(qtbot, make_document):
    layers = [
        ("in", "Input", {"kind": "tokens", "length": 4, "vocab_size": 50}, (0.0, 0.0)),
        ("embed", "Embedding", {"num_embeddings": 10}, (220.0, 0.0)),
        ("time", "MeanOverTime", {}, (440.0, 0.0)),
        ("fc", "Linear", {"units": 2}, (660.0, 0.0)),
        ("out", "Output", {}, (880.0, 0.0)),
    ]
    document = make_document(layers, [("in", "embed"), ("embed", "time"), ("time", "fc"),
                                      ("fc", "out")])  # fmt: skip
    panel = ProblemsPanel(document, ask=lambda parent, problem: pytest.fail("asked"))
    qtbot.addWidget(panel)
    panel.show()
    row = finding_row(panel, "NN102")
    assert row.fix_button.isVisible() and not row.silence_button.isVisible()
    with qtbot.waitSignal(document.analysis_changed):
        qtbot.mouseClick(row.fix_button, Qt.MouseButton.LeftButton)
    assert document.graph.node("embed").params["num_embeddings"] == 50
    assert document.analysis.problems == ()


def test_a_settings_fix_changes_the_training_settings_in_one_step(qtbot, make_document):
    document = make_document([])
    document.replace_project(Project(training=TrainingSettings(learning_rate=0.5)))
    document.graph.add_node("Input")
    document.refresh_analysis()
    panel = ProblemsPanel(document)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(document.analysis_changed):
        qtbot.mouseClick(finding_row(panel, "NN305").fix_button, Qt.MouseButton.LeftButton)
    assert document.project.training.learning_rate == 0.001
    assert "NN305" not in rules_shown(document)
    with qtbot.waitSignal(document.analysis_changed):
        document.undo_stack.undo()
    assert document.project.training.learning_rate == 0.5 and "NN305" in rules_shown(document)


def test_the_inspector_explains_findings_and_hears_silenced_rules_again(qtbot, document):
    inspector = InspectorPanel(document)
    qtbot.addWidget(inspector)
    inspector.show()
    document.set_selection(["fc1"])
    [(_icon, text)] = inspector.problem_rows.rows
    assert text.text().startswith("Linear 'fc1': feeds Linear 'fc2'")
    [explanation] = inspector.problem_rows.explanations
    assert explanation.text().startswith("NN301 · Two Linear layers with nothing between. A ")
    assert not inspector.silenced_rows.isVisible()
    with qtbot.waitSignal(document.analysis_changed):
        document.silence("fc1", "NN301", "on purpose")
    assert inspector.problem_rows.rows == [] and inspector.silenced_rows.isVisible()
    (rule,) = inspector.silenced_rows.rows
    button = inspector.silenced_rows.rows[rule].findChild(QToolButton)
    assert rule == "NN301" and button.text() == "Hear again"
    with qtbot.waitSignal(document.analysis_changed):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert document.graph.node("fc1").silenced == {}
    assert len(inspector.problem_rows.rows) == 1 and not inspector.silenced_rows.isVisible()
    assert document.undo_stack.count() == 2


def test_findings_reach_the_canvas_cards(qtbot, document, open_view):
    view = open_view(document, (900, 400))
    item = view.graph_scene.node_item("fc1")
    qtbot.waitUntil(lambda: bool(item.status.warnings))
    assert item.status.warnings[0].startswith("Linear 'fc1': feeds Linear 'fc2'")
    assert "Warnings" in item.toolTip()
    with qtbot.waitSignal(document.analysis_changed):
        document.silence("fc1", "NN301", "on purpose")
    assert item.status.warnings == ()
