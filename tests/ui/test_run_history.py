"""Runs that last: the history of a saved project comes back after a restart (names, stars,
curves to overlay, results), runs are renamed, starred and deleted from the list, a run's
design or settings are restored as one undo step, and the store's troubles are shown."""

from __future__ import annotations

import dataclasses
import zipfile

import numpy as np
import pytest
import torch
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from safetensors.torch import load as load_tensors

# NOTE: sibling test modules; pytest puts their folders on the import path.
from test_files import RecordingDialogs
from test_run_store import record
from test_training_ui import SIGNAL_TIMEOUT_MS, Exploding, moons_project

from designer.io import project_to_dict, project_to_json, save_project
from designer.model.edits import SetParam
from designer.training.bundle import write_run_bundle
from designer.training.results import RunHistory, RunRecord
from designer.training.run_list import RunList
from designer.training.run_loader import load_runs
from designer.training.run_store import RunStore, store_path
from designer.training.session import prepare_run
from designer.ui.document import GraphDocument
from designer.ui.main_window import MainWindow
from designer.ui.training.dock import RESULTS_TAB, TENSORBOARD_KEY
from designer.ui.training.results_view import ResultsView
from designer.ui.training.run_history_view import UNSAVED_TEXT
from designer.ui.training.run_restore import restore_run

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def project_file(tmp_path):
    path = tmp_path / "moons.nndesign"
    save_project(moons_project(epochs=2), path)
    return path


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Main windows sharing one settings file (as one user's restarts do)."""
    made: list[MainWindow] = []

    def make(path=None, document: GraphDocument | None = None) -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(
            document, settings=settings, dialogs=RecordingDialogs(), autosave_dir=tmp_path / "a"
        )
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        if path is not None:
            assert window.files.open(path)
        made.append(window)
        return window

    yield make
    for window in made:
        window.training.shutdown()
        window.document.undo_stack.setClean()


def train(qtbot, window: MainWindow) -> RunRecord:
    dock = window.training
    with qtbot.waitSignal(dock.controller.finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        dock.panel.train_button.click()
    QApplication.processEvents()
    return done.args[0]


def stored(path):
    with RunStore.open(path) as store:
        return load_runs(store).records


def test_the_history_comes_back_after_a_restart(qtbot, make_window, project_file):
    window = make_window(project_file)
    first, second = train(qtbot, window), train(qtbot, window)
    assert (first.name, second.name) == ("Run 1 (moons)", "Run 2 (moons)")
    assert first.recorded and second.run_id == 2
    history = window.training.results.history
    history.setCurrentRow(0)
    qtbot.keyClick(history, Qt.Key.Key_S)  # star
    window.close()
    assert not window.isVisible()

    again = make_window(project_file)
    dock = again.training
    results = dock.results
    assert [(r.name, r.starred) for r in results.records] == [
        ("Run 1 (moons)", True),
        ("Run 2 (moons)", False),
    ]
    starred, plain = results.history.item(0), results.history.item(1)
    assert starred.text().startswith("Run 1 (moons)\n2 epochs · ")
    assert opaque_colours(starred.icon()) == {"#f59e0b"} and not opaque_colours(plain.icon())
    assert starred.toolTip().startswith("Starred: Run 1 (moons)")
    assert results.current_record().run_id == 2  # the newest, with its results on show
    assert results.has_confusion and results.has_boundary
    assert results.confusion_table.rowCount() == 2
    assert np.array_equal(results.records[0].history.val_loss, first.history.val_loss)
    results.history.item(0).setCheckState(Qt.CheckState.Checked)
    assert dock.plots.overlay_count == 1 and "Run 1 (moons)" in dock.plots.overlay_label.text()
    results.history.setCurrentRow(0)
    assert results.metrics_table.item(1, 1).text() == results.records[0].summary.split()[-1]
    bundle = project_file.parent / "run1.zip"  # its weights come from the store
    write_run_bundle(results.records[0], bundle, project_file.parent)
    kept = load_tensors(zipfile.ZipFile(bundle).read("weights.safetensors"))
    assert all(torch.equal(kept[k], first.state_dict[k]) for k in first.state_dict)
    third = train(qtbot, again)
    assert third.name == "Run 3 (moons)" and third.run_id == 3  # numbering goes on
    assert results.run_history.status_label.isHidden()  # all is well: nothing to say


def opaque_colours(icon) -> set[str]:
    """The colours of the fully opaque pixels of an item's icon (the star is drawn)."""
    image = icon.pixmap(16, 16).toImage()
    pixels = (image.pixelColor(x, y) for x in range(16) for y in range(16))
    return {c.name() for c in pixels if c.alpha() == 255}


def test_f2_renames_in_place_and_the_store_keeps_it(qtbot, tmp_path):
    path = store_path(tmp_path / "moons.nndesign")
    record(path)
    runs = RunList()
    runs.open(path)
    view = ResultsView(runs)
    qtbot.addWidget(view)
    view.show()
    history = view.history
    history.setFocus()
    history.setCurrentRow(0)
    qtbot.keyClick(history, Qt.Key.Key_F2)
    editor = history.findChild(QLineEdit)
    assert editor is not None and editor.text() == "Run 1 (moons)"  # the name alone
    editor.setText("Baseline")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: runs[0].name == "Baseline")  # the delegate commits queued
    assert history.item(0).text().startswith("Baseline\n")
    assert view.current_record().name == "Baseline"
    assert [r.name for r in stored(path)] == ["Baseline"]


def test_delete_asks_first_and_keeps_the_run_when_declined(qtbot, tmp_path):
    path = store_path(tmp_path / "moons.nndesign")
    record(path)
    record(path, name="Run 2 (moons)")
    runs = RunList()
    runs.open(path)
    questions, answers = [], [True, False]
    view = ResultsView(runs, confirm=lambda q: questions.append(q) or answers.pop())
    qtbot.addWidget(view)
    view.history.setCurrentRow(0)
    qtbot.keyClick(view.history, Qt.Key.Key_Delete)
    assert len(runs) == 2 and questions == [
        "Delete “Run 1 (moons)” and everything recorded of it for good?"
    ]
    view.history.item(0).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(view.overlays_changed) as overlays:
        qtbot.keyClick(view.history, Qt.Key.Key_Delete)
    assert overlays.args == [[]]  # its curves leave the plots with it
    assert [r.name for r in runs.records] == ["Run 2 (moons)"] == [r.name for r in stored(path)]
    assert view.records == list(runs.records) and view.history.count() == 1


def test_the_context_menu_offers_every_action(qtbot):
    runs = RunList()
    view = ResultsView(runs)
    qtbot.addWidget(view)
    project = moons_project()
    with_design = plain_record("Run 1", project_to_json(project))
    runs.add(with_design)
    runs.add(dataclasses.replace(with_design, name="Module run", snapshot=""))
    menu = view.run_history.context_menu(0)
    actions = [a for a in menu.actions() if not a.isSeparator()]
    assert [a.text() for a in actions] == [
        "Rename",
        "Star",
        "Delete…",
        "Compare With Current Design…",
        "Restore Design",
        "Restore Settings",
        "Restore Design and Settings",
    ]
    assert [a.shortcut().toString() for a in actions[:3]] == ["F2", "S", "Del"]
    actions[1].trigger()
    assert runs[0].starred and view.run_history.context_menu(0).actions()[1].text() == "Unstar"
    with qtbot.waitSignal(view.restore_requested) as asked:
        actions[4].trigger()
    assert asked.args[0] is runs[0] and asked.args[1] == "design"  # as it is now (starred)
    no_design = view.run_history.context_menu(1).actions()
    assert not any(a.isEnabled() for a in no_design if a.text().startswith(("Restore", "Comp")))


def plain_record(name: str, snapshot: str) -> RunRecord:
    project = moons_project()
    return RunRecord(
        name=name,
        settings=project.training,
        history=RunHistory.from_epochs([]),
        results=None,
        data_settings=project.data,
        snapshot=snapshot,
    )


def edited(document: GraphDocument) -> None:
    """Three steps away from the trained project: a parameter, a move and a setting."""
    hidden = next(n.id for n in document.graph if n.label == "hidden")
    assert document.push(SetParam(hidden, "units", 32))
    document.graph.move_node(hidden, 300.0, 40.0)
    settings = document.project.training.replace(learning_rate=0.5)
    assert document.set_training_settings(settings)
    assert document.set_data_settings(document.project.data.replace(noise=0.3))


def test_restoring_design_and_settings_is_one_undo_step(qtbot):
    trained = moons_project()
    document = GraphDocument(moons_project())
    run = plain_record("Run 4", project_to_json(trained))
    edited(document)
    before, steps = project_to_json(document.project), document.undo_stack.count()
    message = restore_run(document, run, "both")
    assert message == "Restored the design and settings of Run 4 (Undo puts back what was there)"
    assert project_to_json(document.project) == project_to_json(trained)  # ids and all
    assert document.undo_stack.count() == steps + 1
    assert document.undo_stack.undoText() == "Restore the design and settings of Run 4"
    document.undo_stack.undo()
    assert project_to_json(document.project) == before
    document.undo_stack.redo()
    assert project_to_json(document.project) == project_to_json(trained)
    assert restore_run(document, run, "both") == (
        "The design and settings already are that of Run 4"
    )
    assert document.undo_stack.count() == steps + 1  # nothing to do is no step


@pytest.mark.parametrize("what", ["design", "settings"])
def test_restoring_one_part_leaves_the_other(qtbot, what):
    trained = moons_project()
    document = GraphDocument(moons_project())
    edited(document)
    design = project_to_dict(document.project)["nodes"]
    settings = (document.project.data, document.project.training)
    steps = document.undo_stack.count()
    restore_run(document, plain_record("Run 2", project_to_json(trained)), what)
    assert document.undo_stack.count() == steps + 1
    now = project_to_dict(document.project)["nodes"]
    if what == "design":
        assert now == project_to_dict(trained)["nodes"]
        assert (document.project.data, document.project.training) == settings
    else:
        assert now == design
        assert (document.project.data, document.project.training) == (
            trained.data,
            trained.training,
        )
    document.undo_stack.undo()
    assert project_to_dict(document.project)["nodes"] == design


def test_nothing_is_restored_while_training_runs(qtbot):
    document = GraphDocument(moons_project())
    edited(document)
    document.lock("Training is running")
    steps, before = document.undo_stack.count(), project_to_json(document.project)
    run = plain_record("Run 1", project_to_json(moons_project()))
    message = restore_run(document, run, "both")
    assert message == "Stop training to restore the design and settings of Run 1"
    assert document.undo_stack.count() == steps and project_to_json(document.project) == before


def test_restore_from_the_list_in_the_window(qtbot, make_window, project_file):
    window = make_window(project_file)
    train(qtbot, window)
    document = window.document
    edited(document)
    steps = document.undo_stack.count()
    menu = window.training.results.run_history.context_menu(0)
    next(a for a in menu.actions() if a.text() == "Restore Design").trigger()
    assert document.undo_stack.count() == steps + 1
    hidden = next(n for n in document.graph if n.label == "hidden")
    assert hidden.params["units"] == 8 and document.project.training.learning_rate == 0.5
    assert window.statusBar().currentMessage().startswith("Restored the design of Run 1")
    assert window.isWindowModified()


def test_a_run_compares_with_the_current_design(qtbot, make_window, project_file):
    window = make_window(project_file)
    train(qtbot, window)
    edited(window.document)
    menu = window.training.results.run_history.context_menu(0)
    next(a for a in menu.actions() if a.text().startswith("Compare")).trigger()
    dialog = window.training.compare_dialog
    assert dialog.isVisible() and "Run 1" in dialog.windowTitle()
    assert not dialog.diff.equal  # the design and settings changed since the run
    dialog.close()


def test_an_unsaved_project_says_so_and_its_runs_are_recorded_once_saved(
    qtbot, make_window, tmp_path
):
    window = make_window(document=GraphDocument(moons_project(epochs=2)))
    dock = window.training
    label = dock.results.run_history.status_label
    assert not label.isHidden() and label.text() == UNSAVED_TEXT
    unsaved = train(qtbot, window)
    assert not unsaved.recorded and "Not recorded" in dock.results.history.item(0).toolTip()
    window.dialogs.save_answer = tmp_path / "saved.nndesign"
    assert window.files.save_as()
    assert label.isHidden()
    saved = train(qtbot, window)
    assert saved.recorded and [r.name for r in dock.results.records] == [
        "Run 1 (moons)",
        "Run 2 (moons)",
    ]
    assert [r.name for r in stored(tmp_path / "saved.runs.sqlite")] == ["Run 2 (moons)"]
    window.dialogs.save_answer = tmp_path / "renamed.nndesign"
    assert window.files.save_as()  # the runs go along with the project
    assert [r.name for r in stored(tmp_path / "renamed.runs.sqlite")] == ["Run 2 (moons)"]
    assert dock.runs.store_path == tmp_path / "renamed.runs.sqlite"
    assert len(dock.results.records) == 2


def test_tensorboard_logs_are_a_preference(qtbot, make_window, project_file):
    window = make_window(project_file)
    check = window.training.results.run_history.tensorboard_check
    assert not check.isChecked()
    check.setChecked(True)
    train(qtbot, window)
    [run_folder] = list((project_file.parent / "moons.tensorboard").iterdir())
    assert run_folder.name.endswith("-Run-1-moons")
    assert [p.name.startswith("events.out.tfevents") for p in run_folder.iterdir()] == [True]
    assert window.settings.value(TENSORBOARD_KEY, type=bool) is True
    window.close()
    assert make_window(project_file).training.results.run_history.tensorboard_check.isChecked()


def test_a_damaged_store_is_shown_and_training_goes_on(qtbot, make_window, project_file):
    damaged = project_file.with_name("moons.runs.sqlite")
    damaged.write_bytes(b"\x00 not sqlite " * 300)
    window = make_window(project_file)
    label = window.training.results.run_history.status_label
    reason = "moons.runs.sqlite is not a run store or is damaged; move it aside"
    assert label.text() == f"The recorded runs cannot be read: {reason}"
    assert not label.isHidden() and "#dc2626" in label.styleSheet()
    run = train(qtbot, window)
    assert run.reason == "completed" and not run.recorded
    assert label.text() == f"The run is not recorded: {reason}"
    assert window.statusBar().currentMessage() == label.text()
    assert window.training.tabs.currentIndex() == RESULTS_TAB


def test_a_failed_run_is_listed_and_recorded(qtbot, make_window, project_file):
    window = make_window(project_file)
    dock = window.training
    qtbot.waitUntil(lambda: dock.panel.data is not None, timeout=SIGNAL_TIMEOUT_MS)
    prepared = prepare_run(window.document.project, name="Run 1 (moons)")
    broken = dataclasses.replace(prepared, model=Exploding(prepared.model, after=12))
    with qtbot.waitSignal(dock.controller.failed, timeout=SIGNAL_TIMEOUT_MS):
        dock.controller.start(broken)
    [failed] = dock.results.records
    assert failed.reason == "failed" and "boom in the model" in failed.message
    assert "failed" in dock.results.history.item(0).text()
    assert [(r.reason, r.message) for r in stored(project_file.with_name("moons.runs.sqlite"))] == [
        ("failed", failed.message)
    ]


def test_saved_under_another_name_mid_run_the_runs_follow_once_it_ends(
    qtbot, make_window, tmp_path
):
    path = tmp_path / "long.nndesign"
    save_project(moons_project(epochs=10_000), path)
    window = make_window(path)
    dock = window.training
    with qtbot.waitSignal(dock.controller.epoch, timeout=SIGNAL_TIMEOUT_MS):
        dock.panel.train_button.click()
    window.dialogs.save_answer = tmp_path / "moved.nndesign"
    assert window.files.save_as()
    assert dock.runs.store_path == tmp_path / "long.runs.sqlite"  # still recording there
    with qtbot.waitSignal(dock.controller.finished, timeout=SIGNAL_TIMEOUT_MS):
        dock.controller.stop()
    assert dock.runs.store_path == tmp_path / "moved.runs.sqlite"
    [moved] = stored(tmp_path / "moved.runs.sqlite")
    assert moved.reason == "stopped" and moved.state_dict  # the whole run went along
    assert [r.reason for r in dock.results.records] == ["stopped"]
