"""Training from the GUI: a real worker thread, driven through the panel's buttons.

Waits are for signals or conditions (never sleeps); every test leaves no thread running.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
import torch
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from torch import nn

from designer.io import project_to_json
from designer.model import Graph, Project
from designer.model.edits import SetParam
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.loop import RunControl
from designer.training.session import prepare_run
from designer.ui.document import GraphDocument
from designer.ui.file_dialogs import UNSAVED_DISCARD, FileDialogs
from designer.ui.main_window import MainWindow
from designer.ui.training.plots import GrowingBuffer, LivePlots
from designer.ui.training.results_view import ResultsView
from designer.ui.training.training_panel import TrainingPanel
from designer.ui.training.worker import IDLE, LOCK_REASON, PAUSED, RUNNING, TrainingController

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
SIGNAL_TIMEOUT_MS = 20_000


def moons_project(epochs: int = 3, hidden: int = 8) -> Project:
    graph = Graph()
    nodes = [
        ("Input", {"features": 2}, "input"),
        ("Linear", {"units": hidden}, "hidden"),
        ("ReLU", {}, None),
        ("Linear", {"units": 2}, "logits"),
        ("Output", {"loss": "cross_entropy"}, "output"),
    ]
    ids = [graph.add_node(t, p, label).id for t, p, label in nodes]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    data = DataSettings(source="moons", samples=200)
    training = TrainingSettings(epochs=epochs, batch_size=16, learning_rate=0.02, device="cpu")
    return Project(graph, data, training)


def loaded(qtbot, panel, action=None):
    """Do ``action`` (or nothing) and wait for the panel's data to (re)load."""
    with qtbot.waitSignal(panel.data_changed, timeout=SIGNAL_TIMEOUT_MS):
        if action is not None:
            action()


class Setup:
    """A document with its controller, panel, plots and results wired as the dock does."""

    def __init__(self, qtbot, project: Project, control_class: type = RunControl) -> None:
        self.document = GraphDocument(project)
        self.controls: list[RunControl] = []  # one per run, newest last
        self.controller = TrainingController(self.document, make_control=self._make_control)
        self.panel = TrainingPanel(self.document, self.controller)
        self.plots = LivePlots()
        self.results = ResultsView()
        for widget in (self.panel, self.plots, self.results):
            qtbot.addWidget(widget)
        c = self.controller
        c.started.connect(lambda run: self.plots.begin_run(13, "accuracy", run.name))
        c.batch.connect(self.plots.add_batches)
        c.epoch.connect(self.plots.add_epoch)
        c.finished.connect(lambda record: (self.plots.end_run(), self.results.add_run(record)))
        self.results.overlays_changed.connect(self.plots.set_overlays)
        self._control_class = control_class

    def _make_control(self) -> RunControl:
        self.controls.append(self._control_class())
        return self.controls[-1]

    def set_epochs(self, epochs: int) -> None:
        self.panel.training_fields["epochs"].setValue(epochs)


@pytest.fixture
def setup(qtbot, watched_control):
    made = Setup(qtbot, moons_project(), watched_control)
    loaded(qtbot, made.panel)
    yield made
    made.controller.shutdown()
    made.panel.shutdown()
    assert not made.controller.is_running


def test_run_from_the_panel_draws_plots_and_results(qtbot, setup):
    with qtbot.waitSignal(setup.controller.started, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(setup.panel.train_button, Qt.MouseButton.LeftButton)
    assert setup.controller.is_running and setup.document.locked
    assert not setup.panel.train_button.isEnabled() and setup.panel.stop_button.isEnabled()
    with qtbot.waitSignal(setup.controller.finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        qtbot.waitSignal(setup.controller.epoch, timeout=SIGNAL_TIMEOUT_MS)
    record = done.args[0]
    assert record.reason == "completed" and len(record.history.epochs) == 3
    assert setup.controller.state == IDLE and not setup.document.locked
    assert setup.panel.train_button.isEnabled() and not setup.panel.stop_button.isEnabled()
    assert setup.plots.point_count("batch") == 3 * 10  # 160 training rows in batches of 16
    assert setup.plots.point_count("val") == 3 == setup.plots.point_count("metric")
    x, y = setup.plots.val_curve.getData()
    assert list(x) == [1, 2, 3] and np.all(np.isfinite(y))
    assert setup.plots.batch_curve.opts["autoDownsample"]
    assert setup.plots.batch_curve.opts["clipToView"]
    assert setup.results.has_confusion and setup.results.has_boundary
    assert setup.results.confusion_table.rowCount() == 2
    assert setup.panel.progress_bar.value() == setup.panel.progress_bar.maximum()
    assert "Run 1" in setup.panel.message_label.text()


def test_train_hands_the_loaded_data_to_the_run_without_loading_it_again(qtbot, setup, monkeypatch):
    from designer.training import session

    def refuse(*_args, **_kwargs):
        raise AssertionError("the data set was loaded again")

    monkeypatch.setattr(session, "load_dataset", refuse)
    with qtbot.waitSignal(setup.controller.started, timeout=SIGNAL_TIMEOUT_MS) as started:
        qtbot.mouseClick(setup.panel.train_button, Qt.MouseButton.LeftButton)
    assert started.args[0].data is setup.panel.data
    setup.controller.stop()
    qtbot.waitUntil(lambda: not setup.controller.is_running, timeout=SIGNAL_TIMEOUT_MS)


def test_batches_arrive_in_throttled_lists(qtbot, setup):
    setup.set_epochs(20)
    sizes: list[int] = []
    setup.controller.batch.connect(lambda records: sizes.append(len(records)))
    with qtbot.waitSignal(setup.controller.finished, timeout=SIGNAL_TIMEOUT_MS):
        setup.panel.train_button.click()
    assert sum(sizes) == 20 * 10
    assert len(sizes) < 20 * 10  # gathered, not one signal per step


def test_pause_holds_the_run_and_resume_continues(qtbot, setup):
    setup.set_epochs(10_000)
    with qtbot.waitSignal(setup.controller.epoch, timeout=SIGNAL_TIMEOUT_MS):
        setup.panel.train_button.click()
    setup.panel.pause_button.click()
    assert setup.controller.state == PAUSED and setup.controller.is_running
    assert setup.panel.resume_button.isEnabled() and not setup.panel.pause_button.isEnabled()
    control = setup.controls[-1]
    qtbot.waitUntil(control.blocked.is_set, timeout=SIGNAL_TIMEOUT_MS)
    QCoreApplication.processEvents()  # deliver what the worker sent before it paused
    with qtbot.assertNotEmitted(setup.controller.batch):
        QCoreApplication.processEvents()
    assert control.blocked.is_set()  # still held in the pause
    assert "paused" in setup.panel.time_label.text()
    with qtbot.waitSignal(setup.controller.batch, timeout=SIGNAL_TIMEOUT_MS):
        setup.panel.resume_button.click()
    assert setup.controller.state == RUNNING


def test_stop_ends_the_run(qtbot, setup):
    setup.set_epochs(10_000)
    with qtbot.waitSignal(setup.controller.epoch, timeout=SIGNAL_TIMEOUT_MS):
        setup.panel.train_button.click()
    with qtbot.waitSignal(setup.controller.finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        setup.panel.stop_button.click()
    assert done.args[0].reason == "stopped" and len(done.args[0].history.epochs) < 10_000
    assert not setup.controller.is_running and not setup.document.locked


def test_stop_while_paused(qtbot, setup):
    setup.set_epochs(10_000)
    with qtbot.waitSignal(setup.controller.epoch, timeout=SIGNAL_TIMEOUT_MS):
        setup.panel.train_button.click()
    setup.controller.pause()
    qtbot.waitUntil(setup.controls[-1].blocked.is_set, timeout=SIGNAL_TIMEOUT_MS)
    with qtbot.waitSignal(setup.controller.finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        setup.controller.stop()
    assert done.args[0].reason == "stopped"


def test_shutdown_right_after_start_joins_the_thread(qtbot, setup):
    setup.set_epochs(10_000)
    setup.controller.start(prepare_run(setup.document.project))
    setup.controller.shutdown()
    assert not setup.controller.is_running and not setup.document.locked
    assert setup.panel.train_button.isEnabled()


def test_graph_edits_are_refused_while_running(qtbot, setup):
    setup.set_epochs(10_000)
    document = setup.document
    hidden = next(n.id for n in document.graph if n.label == "hidden")
    with qtbot.waitSignal(setup.controller.epoch, timeout=SIGNAL_TIMEOUT_MS):
        setup.panel.train_button.click()
    with qtbot.waitSignal(document.error_raised) as refused:
        assert not document.push(SetParam(hidden, "units", 32))
    assert refused.args == [LOCK_REASON]
    assert document.graph.node(hidden).params["units"] == 8
    assert not setup.panel.training_fields["epochs"].isEnabled()
    with qtbot.waitSignal(setup.controller.finished, timeout=SIGNAL_TIMEOUT_MS):
        setup.controller.stop()
    assert document.push(SetParam(hidden, "units", 32))


class Exploding(nn.Module):
    """Wraps a model and raises from its forward after a few calls."""

    def __init__(self, inner: nn.Module, after: int) -> None:
        super().__init__()
        self.inner, self.after, self.calls = inner, after, 0

    def forward(self, x):
        self.calls += 1
        if self.calls > self.after:
            raise RuntimeError("boom in the model")
        return self.inner(x)


def test_model_exception_ends_the_run_with_a_message(qtbot, setup):
    before = project_to_json(setup.document.project)
    prepared = prepare_run(setup.document.project)
    broken = dataclasses.replace(prepared, model=Exploding(prepared.model, after=5))
    with qtbot.waitSignal(setup.controller.failed, timeout=SIGNAL_TIMEOUT_MS) as failed:
        setup.controller.start(broken)
    assert "boom in the model" in failed.args[0] and "step 5" in failed.args[0]
    assert not setup.controller.is_running and not setup.document.locked
    assert project_to_json(setup.document.project) == before
    assert "Training failed" in setup.panel.message_label.text()
    assert setup.panel.train_button.isEnabled()
    with qtbot.waitSignal(setup.controller.finished, timeout=SIGNAL_TIMEOUT_MS):
        setup.panel.train_button.click()  # the app carries on


def test_setup_errors_are_shown_inline(qtbot, setup):
    document = setup.document
    # data chosen without fitting the design (as a file saved that way opens)
    document.set_data_settings(document.project.data.replace(source="iris"))
    with qtbot.waitSignal(setup.panel.run_refused) as refused:
        setup.panel.train_button.click()
    assert "'iris' has 4 features" in refused.args[0]
    assert not setup.controller.is_running
    assert "'iris' has 4 features" in setup.panel.message_label.text()
    assert setup.document.selection == [setup.document.graph.nodes_of_role("input")[0]]


def test_fields_write_the_project_settings(qtbot, setup):
    panel, document = setup.panel, setup.document
    panel.training_fields["optimizer"].setCurrentIndex(
        panel.training_fields["optimizer"].findData("sgd")
    )
    panel.training_fields["batch_size"].setValue(64)
    assert document.project.training.optimizer == "sgd"
    assert document.project.training.batch_size == 64 and document.modified
    assert not panel.training_fields["momentum"].isHidden()
    source = panel.data_fields["source"]
    loaded(qtbot, panel, lambda: source.setCurrentIndex(source.findData("iris")))
    assert document.project.data.source == "iris"
    assert panel.data_fields["noise"].isHidden() and panel.file_row.isHidden()
    devices = [panel.training_fields["device"].itemData(i) for i in range(4)]
    assert devices[:2] == ["auto", "cpu"]


def test_csv_file_fills_target_columns_and_errors_stay_inline(qtbot, setup, tmp_path):
    good = tmp_path / "table.csv"
    good.write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n")
    panel, data = setup.panel, setup.document.project
    source = panel.data_fields["source"]
    loaded(qtbot, panel, lambda: source.setCurrentIndex(source.findData("csv")))
    panel.choose_file = lambda source: str(good)
    loaded(qtbot, panel, panel.browse_button.click)
    combo = panel.data_fields["target_column"]
    assert [combo.itemText(i) for i in range(combo.count())] == ["Last column", "a", "b", "label"]
    assert data.data.path == str(good) and not panel.file_row.isHidden()
    assert panel.data is not None and panel.preview_model.rowCount() == 3
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b\n1,2\n3\n")
    panel.choose_file = lambda source: str(bad)
    loaded(qtbot, panel, panel.browse_button.click)
    assert panel.data is None and "line 3" in panel.data_message.text()
    assert data.data.path == str(bad)  # the choice is kept (and undoable), its error shown


def test_growing_buffer_doubles():
    buffer = GrowingBuffer(4)
    buffer.extend([1, 2, 3])
    buffer.extend(np.arange(10))
    assert len(buffer) == 13 and buffer.capacity >= 13 and buffer.view[3] == 0
    buffer.clear()
    assert len(buffer) == 0 and buffer.view.size == 0


def test_overlays_and_log_scale(qtbot, setup):
    with qtbot.waitSignal(setup.controller.finished, timeout=SIGNAL_TIMEOUT_MS):
        setup.panel.train_button.click()
    item = setup.results.history.item(0)
    item.setCheckState(Qt.CheckState.Checked)
    assert setup.plots.overlay_count == 1
    item.setCheckState(Qt.CheckState.Unchecked)
    assert setup.plots.overlay_count == 0
    setup.plots.set_log_scale(True)
    assert setup.plots.loss_plot.ctrl.logYCheck.isChecked()


class QuietDialogs(FileDialogs):
    def ask_unsaved(self, name: str) -> str:
        return UNSAVED_DISCARD


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    document = GraphDocument(moons_project(epochs=10_000))
    document.data_problems = []
    document.set_data_problems = lambda problems: document.data_problems.append(problems)
    main = MainWindow(document, settings=settings, dialogs=QuietDialogs(), autosave_dir=tmp_path)
    qtbot.addWidget(main)
    dock = main.training
    main.show()
    yield main, dock
    dock.shutdown()


def test_closing_the_window_mid_run_stops_and_joins(qtbot, window):
    main, dock = window
    with qtbot.waitSignal(dock.controller.epoch, timeout=SIGNAL_TIMEOUT_MS):
        dock.panel.train_button.click()
    thread = dock.controller._thread
    assert thread is not None and thread.isRunning()
    main.close()
    assert not main.isVisible()
    assert not thread.isRunning() and not dock.controller.is_running
    assert not main.document.locked


def test_dock_installs_panels_and_reports_data_problems(qtbot, window):
    main, dock = window
    assert dock.panel_dock in main.docks() and dock.plots_dock in main.docks()
    assert main.document.data_problems[-1] == []
    # data chosen without fitting the design (as a file saved that way opens)
    with qtbot.waitSignal(dock.panel.data_changed, timeout=SIGNAL_TIMEOUT_MS):
        main.document.set_data_settings(main.document.project.data.replace(source="iris"))
    problems = main.document.data_problems[-1]
    assert [p.field for p in problems] == ["features", "loss"]
    main.document.trained_state = None
    dock.panel.training_fields["epochs"].setValue(2)
    dock.panel.fit_button.click()
    with qtbot.waitSignal(dock.controller.finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        dock.panel.train_button.click()
    assert main.document.trained_state.keys() == done.args[0].state_dict.keys()
    assert dock.tabs.currentWidget() is dock.results
    assert dock.results.has_confusion and not dock.results.has_boundary  # 4 features


def test_data_problems_reach_a_real_document(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    document = GraphDocument(moons_project())
    main = MainWindow(document, settings=settings, dialogs=QuietDialogs(), autosave_dir=tmp_path)
    qtbot.addWidget(main)
    dock = main.training
    qtbot.waitUntil(lambda: dock.panel.data is not None, timeout=SIGNAL_TIMEOUT_MS)  # moons
    with qtbot.waitSignal(dock.panel.data_changed, timeout=SIGNAL_TIMEOUT_MS):
        main.document.set_data_settings(main.document.project.data.replace(source="iris"))
    assert dock.panel.data.name == "iris"
    input_id = main.document.graph.nodes_of_role("input")[0]
    assert any(p.node_id == input_id for p in main.document.analysis.problems)
    dock.panel.fit_button.click()
    qtbot.waitUntil(lambda: main.document.analysis.valid)
    dock.shutdown()


def test_results_without_a_run_are_empty(qtbot):
    view = ResultsView()
    qtbot.addWidget(view)
    view.show_results(None)
    assert not view.has_confusion and not view.has_boundary and view.records == []


def test_training_menu_runs_and_export_uses_the_trained_weights(qtbot, window):
    main, dock = window
    actions = main.actions_by_name
    assert actions["train"].isEnabled() and not actions["stop"].isEnabled()
    dock.panel.training_fields["epochs"].setValue(2)
    with qtbot.waitSignal(dock.controller.finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        actions["train"].trigger()
        qtbot.waitUntil(lambda: actions["stop"].isEnabled() or not dock.controller.is_running)
    trained = done.args[0].state_dict
    exported = main.trained_model().state_dict()
    assert exported.keys() == trained.keys()
    assert all(torch.equal(exported[k], trained[k]) for k in trained)
    assert actions["train"].isEnabled() and not actions["stop"].isEnabled()
