"""Training › Sweep…: the space picked from the inspector's layer and the training
settings (each edit undoable), a tiny sweep run in a worker process while the window
keeps running, its trials in the table and the plot, and "Apply Best" as one undo step
(on the design, even while a block is open)."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("optuna")

from PySide6.QtWidgets import QLineEdit
from sweep_designs import HIDDEN, LOGITS, save_tiny

from designer.io import load_project
from designer.model.block_edits import GroupIntoBlock
from designer.model.edits import RemoveNodes
from designer.model.sweep_design import setting_param

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)
SWEEP_TIMEOUT_MS = 180_000  # a worker process imports torch, then trains two trials


@pytest.fixture
def window(make_window, tmp_path):
    """A window on the tiny project (saved, so its study goes beside it), sweeping only
    the learning rate for two one-epoch trials in one process."""
    path = save_tiny(tmp_path, trials=2)
    project = load_project(path)
    project.sweep = project.sweep.replace(parameters=(setting_param("learning_rate"),))
    win = make_window()
    win.document.replace_project(project, path)
    win.show()
    return win


@pytest.fixture
def dialog(window):
    window.show_sweep()
    found = window.sweep_dialog
    found.jobs_box.setValue(1)
    return found


def add_menu_texts(dialog) -> list[str]:
    dialog.space.add_menu.aboutToShow.emit()
    return [action.text() for action in dialog.space.add_menu.actions()]


def test_the_training_menu_opens_the_sweep(window):
    action = window.actions_by_name["sweep"]
    assert action in window.menus["training"].actions()
    action.trigger()
    assert window.sweep_dialog.isVisible()
    assert window.sweep_dialog.space.table.rowCount() == 1


def test_parameters_come_from_the_selected_layer_and_the_settings(window, dialog):
    document = window.document
    assert "Select a layer to sweep its parameters" in add_menu_texts(dialog)
    document.set_selection([HIDDEN])
    texts = add_menu_texts(dialog)
    assert texts[:3] == ["Linear 'hidden'", "Units", "Bias"]
    assert "Learning rate" not in texts and "Batch size" in texts  # one dimension once
    units = next(a for a in dialog.space.add_menu.actions() if a.text() == "Units")
    units.trigger()
    assert [p.key for p in document.project.sweep.parameters] == [
        "training.learning_rate",
        f"{HIDDEN}.units",
    ]
    assert dialog.space.table.item(1, 0).text() == "hidden: units"
    assert document.undo_stack.undoText() == "Sweep hidden: units"
    document.undo_stack.undo()
    assert dialog.space.table.rowCount() == 1


def test_a_range_edit_is_one_undo_step_and_a_bad_one_is_refused(window, dialog):
    document = window.document
    low = dialog.space.findChild(QLineEdit, "training.learning_rate.low")
    low.setText("0.002")
    low.editingFinished.emit()
    assert document.project.sweep.parameters[0].low == 0.002
    steps = document.undo_stack.count()
    low.setText("5")  # above the high end (0.1)
    low.editingFinished.emit()
    assert document.project.sweep.parameters[0].low == 0.002
    assert low.text() == "0.002"
    assert dialog.message_label.text() == (
        "learning rate: the high end must be above the low end 5"
    )
    low.setText("1e-9")
    low.editingFinished.emit()
    assert "the range must start at 1e-08 or above" in dialog.message_label.text()
    assert document.undo_stack.count() == steps
    document.undo_stack.undo()
    assert document.project.sweep.parameters[0].low == 0.0001
    assert low.text() == "0.0001"


def test_a_sweep_runs_and_its_best_trial_is_applied_as_one_undo_step(qtbot, window, dialog):
    document = window.document
    before = document.project.training
    with qtbot.waitSignal(dialog.controller.finished, timeout=SWEEP_TIMEOUT_MS) as done:
        assert dialog.start()
        assert not dialog.start_button.isEnabled() and dialog.stop_button.isEnabled()
        assert not dialog.space.table.isEnabled()  # the running sweep keeps its space
    assert done.args == ["2 trials: 2 complete"]
    assert dialog.model.rowCount() == 2 and dialog.plot.line_count() == 2
    assert (window.document.path.parent / "tiny.sweeps.sqlite").is_file()
    best = dialog.controller.best()
    values = [dialog.model.trial(row).value for row in range(2)]
    assert best.value == max(values)
    assert dialog.best_label.text().startswith(f"Best: trial {best.number}, accuracy ")
    steps = document.undo_stack.count()
    assert dialog.apply_best()
    assert document.undo_stack.count() == steps + 1
    assert document.project.training.learning_rate == best.values["training.learning_rate"]
    assert document.undo_stack.undoText() == f"Apply sweep trial {best.number}"
    document.undo_stack.undo()
    assert document.project.training == before
    assert dialog.start_button.isEnabled()


def test_apply_best_sets_layer_parameters_too_and_refuses_a_deleted_layer(qtbot, window):
    path = window.document.path  # the file's space: the units of 'hidden' too
    window.document.replace_project(load_project(path), path)
    window.show_sweep()
    dialog = window.sweep_dialog
    dialog.jobs_box.setValue(1)
    with qtbot.waitSignal(dialog.controller.finished, timeout=SWEEP_TIMEOUT_MS):
        dialog.start()
    best = dialog.controller.best()
    document = window.document
    head = GroupIntoBlock(["n3", LOGITS], "Head")  # the ReLU and the logits
    assert document.push(head) and document.open_block(head.block_id)
    assert dialog.apply_best()  # edits the design, not the opened block
    assert document.graph.node(HIDDEN).params["units"] == best.values[f"{HIDDEN}.units"]
    assert document.block_path == ["Head"]
    document.undo_stack.undo()
    assert document.graph.node(HIDDEN).params["units"] == 8
    document.close_blocks()
    document.push(RemoveNodes([HIDDEN]))
    assert not dialog.apply_best()
    assert (
        dialog.message_label.text()
        == f"The layer {HIDDEN!r} of the sweep is no longer in the design"
    )


def test_stop_ends_the_workers_and_another_project_clears_the_trials(qtbot, window, dialog):
    project = window.document.project
    project.training = project.training.replace(epochs=100_000)
    with qtbot.waitSignal(dialog.controller.rows_changed, timeout=SWEEP_TIMEOUT_MS):
        dialog.start()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=SWEEP_TIMEOUT_MS)
    with qtbot.waitSignal(dialog.controller.finished, timeout=SWEEP_TIMEOUT_MS) as done:
        dialog.stop_button.click()
    assert done.args == ["Stopped: 1 trial: 1 failed"]
    assert dialog.model.trial(0).reason == "stopped before it finished"
    window.document.replace_project(load_project(window.document.path), None)
    assert dialog.model.rowCount() == 0 and dialog.plot.line_count() == 0


def test_without_optuna_start_says_what_to_install(dialog, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # as if it were not installed
    assert not dialog.start()
    assert dialog.message_label.text() == 'Sweeps need Optuna: pip install "nn-designer[sweep]"'
    assert not dialog.controller.busy
