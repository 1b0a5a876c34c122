"""`TrainingDock`: the training panel, live plots and results, docked on the main window.

This is the only place that knows all the training pieces; each piece knows only the
document or the controller, so each can be tested alone. The window makes one
`TrainingDock`, handing it what it uses (the document, the settings, a way to dock a
widget, the theme, the docks to share places with), and keeps it for menus or tests.

It also ties the runs to the project file: the `RunList` shows the runs recorded in the
project's run store (``NAME.runs.sqlite``), read when the project opens and carried along
when it is saved under another name; each run is recorded there (and, when the
TensorBoard preference is on, as event files in ``NAME.tensorboard``) by the worker.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QMainWindow,
    QTabBar,
    QTabWidget,
    QWidget,
)

from designer.data.checks import data_problems
from designer.data.facts import data_facts
from designer.model import Problem
from designer.model.lint import DataFacts
from designer.training.recording import RecordTargets
from designer.training.results import RunRecord, headline_of
from designer.training.run_list import RunList
from designer.training.run_store import store_path
from designer.training.session import PreparedRun
from designer.training.tensorboard import tensorboard_available, tensorboard_folder
from designer.ui.document import GraphDocument
from designer.ui.theme import ThemeController
from designer.ui.training.plots import LivePlots
from designer.ui.training.results_view import ResultsView
from designer.ui.training.run_restore import restore_run
from designer.ui.training.training_panel import TrainingPanel
from designer.ui.training.warm_up import warm_up_torch
from designer.ui.training.worker import TrainingController

LIVE_TAB, RESULTS_TAB = 0, 1
WARM_UP_VIEWS_MS = 500  # after start-up, once the window is on screen
MAX_RESULTS_SHARE = 0.45  # of the window's height, for the results to fit their data
TENSORBOARD_KEY = "training/tensorboard"  # an application preference: where logs go is
# the user's tooling, not part of the design (the project file, scripts and diffs)
MESSAGE_MS = 10_000
NO_TENSORBOARD_UNSAVED = "No TensorBoard logs: save the project first (they are written beside it)"

#: How the window docks a widget: ``add_dock(widget, area, title)`` returns the dock.
AddDock = Callable[[QWidget, Qt.DockWidgetArea, str], QDockWidget]


class TrainingDock(QObject):
    """The training UI of one window: controller, panel, plots and results.

    Stops and joins a running training thread when the application quits, the window
    closes or another project is opened, and keeps the weights of the last finished run
    in ``document.trained_state`` (a CPU state dict, or None) for exporting.

    Signals:
        run_refused(str): Train was asked for but the design or data cannot train (the
            text says why); the training plots stay as they were, so the window can keep
            the problems list in front.
    """

    run_refused = Signal(str)

    def __init__(
        self,
        window: QMainWindow,
        document: GraphDocument,
        settings: QSettings,
        add_dock: AddDock,
        theme: ThemeController,
        beside: tuple[QDockWidget, QDockWidget],
    ) -> None:
        """``beside`` are the docks whose places the panel and the plots share (the
        inspector's and the problems list's), which stay in front."""
        super().__init__(window)
        self.window = window
        self.document = document
        self.settings = settings
        self._theme = theme
        self.runs = RunList()
        self.controller = TrainingController(document, self, record_targets=self._record_targets)
        self.panel = TrainingPanel(document, self.controller, next_run_number=self.runs.next_number)
        self.plots = LivePlots()
        self.results = ResultsView(self.runs)
        self._listed_path: Path | None = None
        self.compare_dialog: QDialog | None = None  # the last run compared, while open
        self.tabs = QTabWidget()
        self.tabs.setObjectName("trainingPlots")
        self.tabs.setWindowTitle("Training Plots")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.plots, "Live")
        self.tabs.addTab(self.results, "Results")
        self._sent_problems: tuple[list[Problem], DataFacts | None] | None = None
        self._closing = False
        self._dock(add_dock, beside)
        self._set_up_tensorboard_check()
        self._connect()
        self._open_runs()
        self._update_data_problems()
        warm_up_torch()
        QTimer.singleShot(WARM_UP_VIEWS_MS, self._warm_up_views)

    def _dock(self, add_dock: AddDock, beside: tuple[QDockWidget, QDockWidget]) -> None:
        area = Qt.DockWidgetArea
        self.panel_dock = add_dock(self.panel, area.RightDockWidgetArea, "Training")
        self.plots_dock = add_dock(self.tabs, area.BottomDockWidgetArea, "Training Plots")
        # Share the places of the inspector and the problems list, which stay in front:
        # the design comes first; `show_training` brings the training tabs forward.
        for neighbour, dock in zip(beside, (self.panel_dock, self.plots_dock), strict=True):
            self.window.tabifyDockWidget(neighbour, dock)
            neighbour.raise_()

    def _warm_up_views(self) -> None:
        """Paint the plots and results once, off screen, while nothing else happens.

        NOTE: the first paint of a plot lays out its axis text for the first time (tens
        of milliseconds); paid here, the first training run does not stall on it.
        """
        for view in (self.plots, self.results):
            if view.visibleRegion().isEmpty():  # behind another dock: not painted yet
                view.grab()

    def show_training(self) -> None:
        """Bring the training panel to the front (e.g. from a Train action). The plots
        come forward when a run really starts: a Train refused for a problem in the
        design must not cover the problems list with empty plots."""
        self.panel_dock.show()
        self.panel_dock.raise_()

    def show_plots(self) -> None:
        """Bring the live plots to the front (a run started)."""
        self.plots_dock.show()
        self.plots_dock.raise_()
        self.tabs.setCurrentIndex(LIVE_TAB)

    def _connect(self) -> None:
        c, document = self.controller, self.document
        c.started.connect(self._on_controller_started)
        c.batch.connect(self.plots.add_batches)
        c.epoch.connect(self.plots.add_epoch)
        c.finished.connect(self._on_controller_finished)
        c.failed_run.connect(self.runs.add)
        c.failed.connect(self._on_controller_failed)
        c.problem.connect(self.runs.report)
        self.runs.events.problem.connect(self._show_message)
        self.results.overlays_changed.connect(self.plots.set_overlays)
        self.results.restore_requested.connect(self._on_results_restore_requested)
        self.results.compare_requested.connect(self._on_results_compare_requested)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.panel.data_changed.connect(self._update_data_problems)
        self.panel.run_refused.connect(self.run_refused)
        document.analysis_changed.connect(self._update_data_problems)
        document.project_replaced.connect(self._on_document_project_replaced)
        document.file_state_changed.connect(self._on_document_file_state_changed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.window.installEventFilter(self)
        self._theme.changed.connect(self._on_theme_changed)

    # --------------------------------------------------------------- lifetime
    def shutdown(self) -> None:
        """Stop any run and join its thread, and any data load (quitting, closing)."""
        self.controller.shutdown()
        self.panel.shutdown()
        self.plots.end_run()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # NOTE: a close may still be refused (unsaved changes, Cancel), so training stops
        # only when the window really hides after a close was asked for.
        if watched is self.window:
            if event.type() == QEvent.Type.Close:
                self._closing = True
            elif event.type() == QEvent.Type.Hide and self._closing:
                self._closing = False
                self.shutdown()
            elif event.type() == QEvent.Type.Show:
                self._closing = False
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- runs
    def _on_controller_started(self, prepared: PreparedRun) -> None:
        s = prepared.settings
        steps = max(1, math.ceil(prepared.data.num_train / s.batch_size))
        self.plots.begin_run(steps, headline_of(prepared), prepared.name)
        self.show_plots()

    def _on_controller_finished(self, record: RunRecord) -> None:
        self.plots.end_run(record.summary)
        self.runs.add(record)
        self._follow_file()
        self.document.trained_state = dict(record.state_dict)
        if record.reason != "stopped":
            self.tabs.setCurrentIndex(RESULTS_TAB)
            self._make_room_for_results()

    def _on_tabs_current_changed(self, index: int) -> None:
        if index == RESULTS_TAB:
            self._make_room_for_results()

    def _make_room_for_results(self) -> None:
        """Grow the docked plots (never shrink them) until the confusion matrix shows
        every class without scrolling, up to a share of the window's height."""
        needed = self.results.needed_height()
        dock = self.plots_dock
        if not needed or dock.isFloating() or not dock.isVisible():
            return
        chrome = dock.height() - self.results.height()
        target = min(needed + chrome, int(MAX_RESULTS_SHARE * self.window.height()))
        if dock.height() < target:
            asked = target + self._tab_bar_height(dock)
            self.window.resizeDocks([dock], [asked], Qt.Orientation.Vertical)

    def _tab_bar_height(self, dock: QDockWidget) -> int:
        """The height of the tab bar under ``dock`` when it shares its place with others
        (`resizeDocks` sizes the place, tab bar included)."""
        if not self.window.tabifiedDockWidgets(dock):
            return 0
        place = dock.geometry()
        bars = (
            bar
            for bar in self.window.findChildren(QTabBar)
            if bar.parent() is self.window and bar.isVisible()
        )
        for bar in bars:
            area = bar.geometry()
            below = abs(area.top() - place.bottom()) < area.height()
            if below and area.left() < place.right() and place.left() < area.right():
                return area.height()
        return 0

    def _on_controller_failed(self, message: str) -> None:
        self.plots.end_run(f"Training failed: {message}")
        self._follow_file()

    def _on_document_project_replaced(self) -> None:
        """Another project: a run of the last one ends, and none of its curves, results
        or runs stay on show (the panel resets its own progress and messages)."""
        self.controller.shutdown()
        self.plots.reset()
        self._open_runs()
        self.tabs.setCurrentIndex(LIVE_TAB)

    # ------------------------------------------------------------ run store
    def _open_runs(self) -> None:
        """List the runs recorded beside the document's file (none for a new one)."""
        path = self._listed_path = self.document.path
        self.runs.open(store_path(path) if path is not None else None)

    def _on_document_file_state_changed(self) -> None:
        self._follow_file()

    def _follow_file(self) -> None:
        """Saved under another name (or for the first time): the runs follow the file.

        NOTE: not while a run trains: it is being recorded in the store it started
        with, so the runs move (the store is copied) once it has ended and is in it."""
        path = self.document.path
        if path != self._listed_path and not self.controller.is_running:
            self._listed_path = path
            self.runs.relocate(store_path(path) if path is not None else None)

    def _record_targets(self) -> RecordTargets:
        """Where the run starting now is recorded (asked by the controller)."""
        path, tensorboard = self.document.path, None
        if self.results.run_history.tensorboard_check.isChecked():
            if path is None:
                self._show_message(NO_TENSORBOARD_UNSAVED)
            else:
                tensorboard = tensorboard_folder(path)
        return RecordTargets(self.runs.store_path, tensorboard, "app")

    def _set_up_tensorboard_check(self) -> None:
        check = self.results.run_history.tensorboard_check
        check.setChecked(bool(self.settings.value(TENSORBOARD_KEY, False, type=bool)))
        tip = (
            "Also write each run's curves as TensorBoard event files, in NAME.tensorboard "
            "beside the project (tensorboard --logdir NAME.tensorboard)"
        )
        if not tensorboard_available():
            tip += "\nNeeds the tensorboard package: pip install tensorboard"
        check.setToolTip(tip)
        check.toggled.connect(self._on_tensorboard_check_toggled)

    def _on_tensorboard_check_toggled(self, on: bool) -> None:
        self.settings.setValue(TENSORBOARD_KEY, on)

    def _on_results_restore_requested(self, record: RunRecord, what: str) -> None:
        self._show_message(restore_run(self.document, record, what))

    def _on_results_compare_requested(self, record: RunRecord) -> None:
        """The run's design beside the current one, as File > Compare With… shows files."""
        from designer.io import project_from_json
        from designer.ui.compare import CompareDialog

        titles = (record.name, "the current design")
        dialog = CompareDialog(
            project_from_json(record.snapshot), self.document.project, titles, self.window
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.compare_dialog = dialog

    def _show_message(self, text: str) -> None:
        self.window.statusBar().showMessage(text, MESSAGE_MS)

    def _on_theme_changed(self, _dark: bool) -> None:
        palette = QGuiApplication.palette()
        self.plots.apply_palette(palette)
        self.results.apply_palette(palette)

    # -------------------------------------------------------------- problems
    def _update_data_problems(self, *_args: object) -> None:
        """Give the document the data-fit problems and the facts of the data the linter
        reads (only when they changed, so the re-analysis this call causes cannot loop
        back into it)."""
        data, project, analysis = self.panel.data, self.document.project, self.document.analysis
        problems, facts = [], None
        if data is not None:
            problems = data_problems(project, data, analysis)
            facts = data_facts(project, data, analysis)
        if (problems, facts) != self._sent_problems:
            self._sent_problems = (problems, facts)
            self.document.set_data_facts(facts)
            self.document.set_data_problems(problems)
