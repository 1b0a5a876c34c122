"""GraphDocument: undo steps, refusals, locking and problems from the data."""

from __future__ import annotations

from designer.model import Problem, Project
from designer.model.edits import AddNode, Connect, SetParam
from designer.model.settings import TrainingSettings
from designer.model.sweep import SweepSettings
from designer.model.sweep_design import setting_param
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


def test_settings_changes_are_undo_steps_that_merge_per_field(qtbot):
    document = GraphDocument()
    training = document.project.training
    for epochs in (5, 50, 500):
        document.set_training_settings(document.project.training.replace(epochs=epochs))
    document.set_training_settings(document.project.training.replace(seed=7))
    assert document.undo_stack.count() == 2 and document.modified
    with qtbot.waitSignal(document.settings_changed) as changed:
        document.undo_stack.undo()
    assert changed.args == ["training"] and document.project.training.seed == training.seed
    document.undo_stack.undo()
    assert document.project.training == training and not document.modified
    document.undo_stack.redo()
    assert document.project.training.epochs == 500


def test_the_same_settings_again_are_no_step(qtbot):
    document = GraphDocument()
    with qtbot.assertNotEmitted(document.settings_changed):
        assert document.set_data_settings(document.project.data)
    assert document.undo_stack.count() == 0


def test_data_choice_and_its_fit_undo_and_redo_together(qtbot):
    document = GraphDocument()
    source, _ = _chain(document)
    steps = document.undo_stack.count()
    choice = document.project.data.replace(source="iris")
    assert document.set_data_settings(choice, SetParam(source, "features", 9), "Choose iris")
    assert document.undo_stack.count() == steps + 1
    document.undo_stack.undo()
    assert document.project.data.source == "moons"
    assert document.graph.node(source).params["features"] == 4
    document.undo_stack.redo()
    assert document.project.data == choice and document.graph.node(source).params["features"] == 9


def test_a_refused_fit_leaves_the_data_choice_undone(qtbot):
    document = GraphDocument()
    source, _ = _chain(document)
    steps = document.undo_stack.count()
    choice = document.project.data.replace(source="iris")
    with qtbot.waitSignal(document.error_raised):
        assert not document.set_data_settings(choice, SetParam(source, "features", -1))
    assert document.project.data.source == "moons" and document.undo_stack.count() == steps
    assert document.graph.node(source).params["features"] == 4


def test_settings_changes_are_refused_while_locked(qtbot):
    document = GraphDocument()
    document.lock("Training is running")
    with qtbot.waitSignal(document.error_raised):
        assert not document.set_training_settings(document.project.training.replace(epochs=2))
    assert document.project.training.epochs != 2 and document.undo_stack.count() == 0


def test_sweep_edits_merge_only_when_they_type_into_one_range(qtbot):
    document = GraphDocument()
    lr = setting_param("learning_rate")
    with qtbot.waitSignal(document.sweep_changed):
        document.set_sweep(SweepSettings((lr,)), "Sweep learning rate")
    document.set_sweep(SweepSettings((lr, setting_param("epochs"))), "Sweep epochs")
    assert document.undo_stack.count() == 2  # adding two dimensions: two steps
    for low in (0.001, 0.002):
        space = document.project.sweep.parameters
        edited = (space[0].replace(low=low), space[1])
        document.set_sweep(SweepSettings(edited), "Change lr", "training.learning_rate.low")
    space = document.project.sweep.parameters
    document.set_sweep(SweepSettings((space[0], space[1].replace(low=9))), "Change", "epochs.low")
    assert document.undo_stack.count() == 4  # one step per range typed in
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.project.sweep.parameters[0] == lr
    assert document.project.training == TrainingSettings()  # the sweep is no setting


def test_settings_with_layer_parameters_are_one_step_never_merged(qtbot):
    document = GraphDocument()
    source, _ = _chain(document)
    training = document.project.training
    document.set_training_settings(training.replace(learning_rate=0.01))
    steps = document.undo_stack.count()
    best = document.project.training.replace(learning_rate=0.02)
    with qtbot.waitSignal(document.settings_changed):
        assert document.set_training_and_params(
            best, SetParam(source, "features", 9), "Apply sweep trial 3"
        )
    assert document.undo_stack.count() == steps + 1
    document.undo_stack.undo()
    assert document.project.training.learning_rate == 0.01
    assert document.graph.node(source).params["features"] == 4
