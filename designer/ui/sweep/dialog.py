"""`SweepDialog`: *Training › Sweep…*: choose a search space, run it, apply the best trial.

On the left the project's sweep (`SpaceEditor`) and how to run it: worker processes,
study and storage, Start and Stop. On the right the trials as they come (`TrialsModel`),
a parallel-coordinates plot of them, and *Apply Best*, which sets the best trial's
training settings and layer parameters on the design as one undo step. The dialog is
modeless: the window stays usable while the workers train, and it can be closed and
opened again without stopping them; closing the window or opening another project does.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from designer.catalog.objectives import format_metric, metric_label
from designer.io import project_to_json
from designer.model.edits import Compound, SetParam
from designer.model.sweep_design import space_problems, split_values
from designer.training.sweep_runner import SweepJob
from designer.training.sweep_study import (
    RUNNING,
    default_storage,
    default_study_name,
    optuna_missing,
)
from designer.training.text import format_values, short_names
from designer.ui.document import GraphDocument
from designer.ui.sweep.controller import SweepController
from designer.ui.sweep.parallel_plot import ParallelCoordinatesPlot
from designer.ui.sweep.space_editor import SpaceEditor
from designer.ui.sweep.trials_model import SORT_ROLE, TrialsModel

MAX_JOBS = 256


def default_jobs() -> int:
    """All cores but one, which stays with the window."""
    return max(1, (os.cpu_count() or 2) - 1)


class SweepDialog(QDialog):
    """The sweep of one window's document (see the module docstring)."""

    def __init__(self, document: GraphDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepDialog")
        self.setWindowTitle("Sweep")
        self._document = document
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._pushing = False
        self._closing = False
        self._names: dict[str, str] = {}  # column titles of the sweep shown, by key
        self.controller = SweepController(self)
        self.space = SpaceEditor(document)
        self.model = TrialsModel(self)
        self.plot = ParallelCoordinatesPlot()
        self._build()
        self._connect()
        if parent is not None:
            parent.installEventFilter(self)
        self.plot.apply_palette(self.palette())
        self._show_state()
        self.resize(1200, 720)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.jobs_box = QSpinBox()
        self.jobs_box.setRange(1, MAX_JOBS)
        self.jobs_box.setValue(default_jobs())
        self.jobs_box.setToolTip("Trials trained at once, each in a process of its own")
        self.study_edit = QLineEdit()
        self.study_edit.setToolTip("Runs with the same storage and study share their trials")
        self.storage_edit = QLineEdit()
        self.storage_edit.setToolTip(
            "An Optuna storage URL: SQLite beside the project by default; a database "
            "server (postgresql://…) shares the study between machines"
        )
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #dc2626;")
        self.table = QTableView()
        self.table.setObjectName("sweepTrials")
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        proxy.setSortRole(SORT_ROLE)
        self.table.setModel(proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.apply_button = QPushButton("Apply Best")
        self.apply_button.setToolTip("Set the best trial's values on the design (one undo step)")
        self.best_label = QLabel()
        self.best_label.setWordWrap(True)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._left_side())
        splitter.addWidget(self._right_side())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def _left_side(self) -> QWidget:
        space = QGroupBox("Search space")
        QVBoxLayout(space).addWidget(self.space)
        run = QGroupBox("Run")
        form = QFormLayout(run)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Processes", self.jobs_box)
        form.addRow("Study", self.study_edit)
        form.addRow("Storage", self.storage_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        form.addRow(self.status_label)
        form.addRow(self.message_label)
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(space, 1)
        layout.addWidget(run)
        side.setMinimumWidth(300)
        return side

    def _right_side(self) -> QWidget:
        results = QSplitter(Qt.Orientation.Vertical)
        results.addWidget(self.table)
        results.addWidget(self.plot)
        results.setSizes([300, 300])
        best = QHBoxLayout()
        best.addWidget(self.apply_button)
        best.addWidget(self.best_label, 1)
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(results, 1)
        layout.addLayout(best)
        return side

    def _connect(self) -> None:
        c, document = self.controller, self._document
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.controller.stop)
        self.apply_button.clicked.connect(self.apply_best)
        self.space.message.connect(self._show_message)
        c.started.connect(self._on_controller_started)
        c.rows_changed.connect(self._on_controller_rows_changed)
        c.finished.connect(self._on_controller_finished)
        c.failed.connect(self._on_controller_failed)
        document.project_replaced.connect(self._on_document_project_replaced)
        document.file_state_changed.connect(self._show_defaults)
        document.error_raised.connect(self._on_document_error_raised)

    # ------------------------------------------------------------------ running
    def start(self) -> bool:
        """Start the project's sweep as it is now; False (and why) when it cannot."""
        if self.controller.busy:
            return False
        problem = self._start_problem()
        if problem:
            self._show_message(problem)
            return False
        project = self._document.project
        path = self._document.path
        job = SweepJob(
            project_text=project_to_json(project),
            folder=str(path.parent) if path is not None else None,
            storage=self.storage_edit.text().strip() or self._default_storage(),
            study=self.study_edit.text().strip() or default_study_name(path),
            trials=project.sweep.trials,
            jobs=self.jobs_box.value(),
        )
        self._show_message("")
        names = short_names(self._document.graph, project.sweep)
        self.plot.set_space(project.sweep.parameters, names, project.sweep.metric)
        self._names = names
        self.model.set_trials([], names, project.sweep.metric, None)
        self.controller.start(job, project.sweep)
        self._show_state()
        return True

    def _start_problem(self) -> str:
        missing = optuna_missing()
        if missing:
            return missing
        errors = self._document.analysis.errors
        if errors:
            return f"The design has {len(errors)} error(s); fix them first (see Problems)"
        problems = space_problems(self._document.project)
        return problems[0][0].upper() + problems[0][1:] if problems else ""

    def _default_storage(self) -> str:
        path = self._document.path
        if path is not None:
            return default_storage(path)
        if self._scratch is None:  # an unsaved project: a study for this session
            self._scratch = tempfile.TemporaryDirectory(prefix="nn-designer-sweep-")
        return default_storage(Path(self._scratch.name) / "unsaved.nndesign")

    def shutdown(self) -> None:
        """Stop the workers and wait for them (the window closes)."""
        self.controller.shutdown()
        self._show_state()

    # ------------------------------------------------------------------ results
    def _on_controller_started(self) -> None:
        self._show_state()

    def _on_controller_rows_changed(self) -> None:
        c = self.controller
        rows = sorted(c.rows.values(), key=lambda row: row.number)
        best = c.best()
        metric = c.sweep.metric if c.sweep is not None else "val_loss"
        self.model.set_trials(rows, self._names, metric, best.number if best else None)
        self.plot.set_trials(rows, best.number if best else None)
        self._show_state()

    def _on_controller_finished(self, summary: str) -> None:
        self._show_state(summary)

    def _on_controller_failed(self, reason: str) -> None:
        self._show_message(f"The sweep cannot start: {reason}")
        self._show_state()

    def _show_state(self, summary: str = "") -> None:
        c = self.controller
        busy = c.busy
        self.start_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy and not c.stopping)
        self.space.set_editable(not busy)
        for widget in (self.jobs_box, self.study_edit, self.storage_edit):
            widget.setEnabled(not busy)
        rows = list(c.rows.values())
        running = sum(row.state == RUNNING for row in rows)
        if summary:
            self.status_label.setText(summary)
        elif c.stopping:
            self.status_label.setText("Stopping: the running trials end after their batch…")
        elif busy and not rows:
            self.status_label.setText("Starting the worker processes…")
        elif busy:
            done = len(rows) - running
            self.status_label.setText(f"Running: {done} trials done, {running} training")
        best = c.best()
        self.apply_button.setEnabled(best is not None)
        if best is None or c.sweep is None:
            self.best_label.setText("")
        else:
            metric = c.sweep.metric
            self.best_label.setText(
                f"Best: trial {best.number}, {metric_label(metric)} "
                f"{format_metric(metric, best.value or 0.0)}: "
                f"{format_values(best.values, self._names)}"
            )
        self._show_defaults()

    def _show_defaults(self) -> None:
        path = self._document.path
        self.study_edit.setPlaceholderText(default_study_name(path))
        shown = default_storage(path) if path is not None else "a temporary SQLite file"
        self.storage_edit.setPlaceholderText(shown)

    # ------------------------------------------------------------------ apply best
    def apply_best(self) -> bool:
        """Set the best trial's values on the design and training settings, as one undo
        step; False (and why) when the design refuses them or already has them."""
        c, document = self.controller, self._document
        best = c.best()
        if best is None or c.sweep is None:
            return False
        settings, params = split_values(c.sweep, best.values)
        graph = document.graph
        missing = [node for node, _name, _value in params if node not in graph.nodes]
        if missing:
            self._show_message(f"The layer {missing[0]!r} of the sweep is no longer in the design")
            return False
        changed = [p for p in params if graph.node(p[0]).params.get(p[1]) != p[2]]
        training = document.project.training.replace(**settings)
        if not changed and training == document.project.training:
            self._show_message("The design already has the best trial's values")
            return False
        edit = None
        if changed:
            edit = Compound([SetParam(n, name, value) for n, name, value in changed], "")
        self._pushing = True
        try:
            accepted = document.set_training_and_params(
                training, edit, f"Apply sweep trial {best.number}"
            )
        finally:
            self._pushing = False
        if accepted:
            self._show_message("")
        return accepted

    def _on_document_error_raised(self, message: str) -> None:
        if self._pushing:
            self._show_message(message)

    def _show_message(self, message: str) -> None:
        self.message_label.setText(message)

    # ------------------------------------------------------------------ lifetime
    def _on_document_project_replaced(self) -> None:
        """Another project: its trials are not this one's; a running sweep ends."""
        self.controller.clear()
        self.plot.set_space((), {}, "val_loss")
        self._names = {}
        self._show_message("")
        self._show_state()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # the theme changed
            self.plot.apply_palette(self.palette())
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # NOTE: as the training dock does: a close may be refused (unsaved changes), so
        # the workers stop only once the window really hides after a close.
        if watched is self.parent():
            if event.type() == QEvent.Type.Close:
                self._closing = True
            elif event.type() == QEvent.Type.Hide and self._closing:
                self._closing = False
                self.shutdown()
            elif event.type() == QEvent.Type.Show:
                self._closing = False
        return super().eventFilter(watched, event)
