"""Data and training settings are undo steps like graph edits, driven through the panel's
real widgets: choosing a data set and the fit it triggers are one step, typing a number is
one step, and undo and redo show in the fields."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox

# NOTE: a sibling test module; pytest puts this folder on the import path.
from test_training_ui import SIGNAL_TIMEOUT_MS, moons_project

from designer.ui.document import GraphDocument
from designer.ui.training.training_fields import field_value
from designer.ui.training.training_panel import TrainingPanel
from designer.ui.training.worker import TrainingController

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def panel(qtbot) -> Iterator[TrainingPanel]:
    document = GraphDocument(moons_project())
    widget = TrainingPanel(document, TrainingController(document))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: widget.data is not None, timeout=SIGNAL_TIMEOUT_MS)
    yield widget
    widget.shutdown()


def document_of(panel: TrainingPanel) -> GraphDocument:
    return panel._document


def type_number(qtbot, box: QAbstractSpinBox, text: str) -> None:
    """Type ``text`` into a spin box as a user does: select all, type, press Enter."""
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def choose(qtbot, box: QComboBox, value: str) -> None:
    """Pick the item holding ``value`` with the keyboard, as a user does."""
    box.setFocus()
    target = box.findData(value)
    assert target >= 0, value
    key = Qt.Key.Key_Down if target > box.currentIndex() else Qt.Key.Key_Up
    while box.currentIndex() != target:
        qtbot.keyClick(box, key)


def input_features(document: GraphDocument) -> int:
    graph = document.graph
    return graph.node(graph.nodes_of_role("input")[0]).params["features"]


def test_choosing_a_data_set_and_fitting_the_design_are_one_step(qtbot, panel):
    document, stack = document_of(panel), document_of(panel).undo_stack
    source = panel.data_fields["source"]
    panel.data_fields["source"].setFocus()
    with qtbot.waitSignal(document.settings_changed, timeout=SIGNAL_TIMEOUT_MS):
        source.setCurrentIndex(source.findData("iris"))
    assert document.project.data.source == "iris" and input_features(document) == 4
    assert stack.count() == 1 and stack.undoText() == "Choose data set Iris"
    assert "Fitted the design to iris" in panel.message_label.text()

    with qtbot.waitSignal(panel.data_changed, timeout=SIGNAL_TIMEOUT_MS):
        stack.undo()
    assert document.project.data.source == "moons" and input_features(document) == 2
    assert field_value(source) == "moons" and not panel.data_fields["noise"].isHidden()
    assert panel.data is not None and panel.data.feature_shape == (2,)

    with qtbot.waitSignal(panel.data_changed, timeout=SIGNAL_TIMEOUT_MS):
        stack.redo()
    assert document.project.data.source == "iris" and input_features(document) == 4
    assert field_value(source) == "iris" and panel.data_fields["noise"].isHidden()
    assert panel.data.feature_shape == (4,)


def test_choosing_with_the_keyboard_merges_into_one_step(qtbot, panel):
    document, stack = document_of(panel), document_of(panel).undo_stack
    with qtbot.waitSignal(document.settings_changed, timeout=SIGNAL_TIMEOUT_MS):
        choose(qtbot, panel.data_fields["source"], "iris")  # passes circles, xor, ... on its way
    assert document.project.data.source == "iris" and input_features(document) == 4
    assert stack.count() == 1  # only the set finally chosen is loaded, fitted and pushed
    stack.undo()
    assert document.project.data.source == "moons" and input_features(document) == 2
    assert not document.modified


def test_typing_a_number_is_one_undo_step_and_undo_shows_in_the_field(qtbot, panel):
    document, stack = document_of(panel), document_of(panel).undo_stack
    samples = panel.data_fields["samples"]
    type_number(qtbot, samples, "300")
    type_number(qtbot, samples, "400")
    assert document.project.data.samples == 400 and document.modified
    assert stack.count() == 1 and stack.undoText() == "Change samples"
    with qtbot.waitSignal(panel.data_changed, timeout=SIGNAL_TIMEOUT_MS):
        stack.undo()
    assert document.project.data.samples == 200 == samples.value()
    assert panel.data.num_train + panel.data.num_val == 200
    assert not document.modified
    stack.redo()
    assert document.project.data.samples == 400 == samples.value()


def test_training_settings_are_undo_steps_too(qtbot, panel):
    document, stack = document_of(panel), document_of(panel).undo_stack
    fields = panel.training_fields
    choose(qtbot, fields["optimizer"], "sgd")
    type_number(qtbot, fields["batch_size"], "64")
    assert document.project.training.optimizer == "sgd" and not fields["momentum"].isHidden()
    assert document.project.training.batch_size == 64 and stack.count() == 2
    stack.undo()
    assert document.project.training.batch_size == 16 == fields["batch_size"].value()
    stack.undo()
    assert document.project.training.optimizer == "adam" == field_value(fields["optimizer"])
    assert fields["momentum"].isHidden()
    stack.redo()
    assert field_value(fields["optimizer"]) == "sgd" and not fields["momentum"].isHidden()


def test_edits_of_different_fields_stay_separate_steps(qtbot, panel):
    stack = document_of(panel).undo_stack
    type_number(qtbot, panel.training_fields["epochs"], "7")
    type_number(qtbot, panel.training_fields["seed"], "3")
    type_number(qtbot, panel.training_fields["epochs"], "9")
    assert stack.count() == 3


def test_a_refused_settings_edit_leaves_the_project_and_the_field_as_they_were(qtbot, panel):
    document = document_of(panel)
    document.lock("Training is running")
    with qtbot.waitSignal(document.error_raised) as refused:
        type_number(qtbot, panel.training_fields["epochs"], "7")
    assert refused.args == ["Training is running"]
    assert document.project.training.epochs == 3
    assert panel.training_fields["epochs"].value() == 3
    assert document.undo_stack.count() == 0
