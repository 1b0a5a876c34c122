"""Edits of the whole design made while a block is open on the canvas: fitting the design
to its data (the Fit button, or choosing another data set), restoring a run's design and
applying new training settings with layer parameters (a sweep's best trial) change the
design's own layers, not the opened block's, each as one undo step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

# NOTE: sibling test modules; pytest puts this folder on the import path.
from test_run_history import plain_record
from test_training_settings import choose
from test_training_ui import SIGNAL_TIMEOUT_MS, moons_project

from designer.io import project_to_json
from designer.model import Project
from designer.model.block_edits import GroupIntoBlock
from designer.model.edits import Compound, SetParam
from designer.model.errors import BlockError
from designer.ui.document import GraphDocument
from designer.ui.training.run_restore import ReplaceDesign, restore_run
from designer.ui.training.training_panel import TrainingPanel
from designer.ui.training.worker import TrainingController

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def node_id(document: GraphDocument, label: str) -> str:
    return next(node.id for node in document.graph if node.label == label)


def open_hidden_block(project: Project) -> GraphDocument:
    """A moons document whose hidden Linear and ReLU are grouped into block 'Hidden',
    opened on the canvas."""
    document = GraphDocument(project)
    hidden = node_id(document, "hidden")
    (relu,) = [edge.dst for edge in document.graph.out_edges(hidden)]
    group = GroupIntoBlock([hidden, relu], "Hidden")
    assert document.push(group)
    assert document.open_block(group.block_id)
    assert document.block_path == ["Hidden"]
    return document


def fitted(document: GraphDocument) -> tuple[int, int]:
    """The design's Input features and the units of its last Linear ('logits')."""
    graph = document.graph
    features = graph.node(graph.nodes_of_role("input")[0]).params["features"]
    return features, graph.node(node_id(document, "logits")).params["units"]


@pytest.fixture
def panel(qtbot) -> Iterator[TrainingPanel]:
    document = open_hidden_block(moons_project())
    widget = TrainingPanel(document, TrainingController(document))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: widget.data is not None, timeout=SIGNAL_TIMEOUT_MS)
    yield widget
    widget.shutdown()


def test_the_fit_button_fits_the_design_while_a_block_is_open(qtbot, panel):
    document = panel._document
    with qtbot.waitSignal(panel.data_changed, timeout=SIGNAL_TIMEOUT_MS):
        document.set_data_settings(document.project.data.replace(source="iris"))  # no fit
    before, steps = project_to_json(document.project), document.undo_stack.count()
    assert fitted(document) == (2, 2)
    qtbot.mouseClick(panel.fit_button, Qt.MouseButton.LeftButton)
    assert fitted(document) == (4, 3)
    assert document.undo_stack.count() == steps + 1
    assert document.block_path == ["Hidden"]  # the canvas still shows the block
    assert "Fitted the design to iris" in panel.message_label.text()
    document.undo_stack.undo()
    assert project_to_json(document.project) == before


def test_choosing_a_data_set_fits_the_design_while_a_block_is_open(qtbot, panel):
    document = panel._document
    before, steps = project_to_json(document.project), document.undo_stack.count()
    with qtbot.waitSignal(document.settings_changed, timeout=SIGNAL_TIMEOUT_MS):
        choose(qtbot, panel.data_fields["source"], "iris")
    assert document.project.data.source == "iris" and fitted(document) == (4, 3)
    assert document.undo_stack.count() == steps + 1
    assert document.block_path == ["Hidden"]
    with qtbot.waitSignal(panel.data_changed, timeout=SIGNAL_TIMEOUT_MS):
        document.undo_stack.undo()
    assert project_to_json(document.project) == before


def test_restoring_a_runs_design_goes_back_out_and_replaces_the_design(qtbot):
    trained = moons_project()
    document = open_hidden_block(moons_project())
    grouped, steps = project_to_json(document.project), document.undo_stack.count()
    message = restore_run(document, plain_record("Run 3", project_to_json(trained)), "design")
    assert message == "Restored the design of Run 3 (Undo puts back what was there)"
    assert document.block_path == [] and document.view_graph is document.graph
    assert project_to_json(document.project) == project_to_json(trained)  # no block left
    assert document.undo_stack.count() == steps + 1
    document.undo_stack.undo()
    assert project_to_json(document.project) == grouped
    assert "Hidden" in document.graph.blocks


def test_restoring_a_runs_design_brings_its_blocks(qtbot):
    trained = open_hidden_block(moons_project()).project
    document = GraphDocument(moons_project())
    before = project_to_json(document.project)
    message = restore_run(document, plain_record("Run 5", project_to_json(trained)), "both")
    assert message == "Restored the design and settings of Run 5 (Undo puts back what was there)"
    assert project_to_json(document.project) == project_to_json(trained)
    assert document.graph.blocks.names() == ["Hidden"] and document.analysis.valid
    document.undo_stack.undo()
    assert project_to_json(document.project) == before
    document.undo_stack.redo()
    assert project_to_json(document.project) == project_to_json(trained)


def test_a_refused_restore_leaves_no_step(qtbot, monkeypatch):
    document = GraphDocument(moons_project())
    before, steps = project_to_json(document.project), document.undo_stack.count()
    trained = open_hidden_block(moons_project()).project

    def refuse(self, graph):
        raise BlockError("the block 'Hidden' cannot be built here")

    monkeypatch.setattr(ReplaceDesign, "apply", refuse)  # a design the graph refuses
    with qtbot.waitSignal(document.error_raised) as raised:
        message = restore_run(document, plain_record("Run 6", project_to_json(trained)), "both")
    assert (
        message == "The design and settings of Run 6 cannot be restored (the status bar says why)"
    )
    assert raised.args == ["the block 'Hidden' cannot be built here"]
    assert project_to_json(document.project) == before
    assert document.undo_stack.count() == steps and not document.undo_stack.canRedo()


def test_training_settings_with_layer_parameters_edit_the_design_while_a_block_is_open(qtbot):
    """What a sweep's "Apply best" pushes: new training settings and parameters of the
    design's layers, in one step."""
    document = open_hidden_block(moons_project())
    before, steps = project_to_json(document.project), document.undo_stack.count()
    training = document.project.training.replace(learning_rate=0.003)
    edit = Compound([SetParam(node_id(document, "logits"), "units", 5)], "")
    assert document.set_training_and_params(training, edit, "Apply sweep trial 1")
    assert fitted(document)[1] == 5 and document.project.training.learning_rate == 0.003
    assert document.undo_stack.count() == steps + 1 and document.block_path == ["Hidden"]
    document.undo_stack.undo()
    assert project_to_json(document.project) == before
