"""`TrainingPanel`: pick the data, set the hyperparameters, and run, pause or stop training.

Every field writes straight into the project's frozen settings (``replace``) and marks the
document modified, so the settings are saved with the design and a headless ``train`` of the
saved file does exactly what the panel would. Problems are shown in the panel, in words,
and never as a dialog or an exception: data that fails to load, a design that does not fit
it, a run that fails. The panel never trains itself; it asks the `TrainingController`.
Its form fields are built and read by `training_fields`.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from designer.data import SOURCES, DataError, PreparedData, data_layout
from designer.data.checks import describe_shape
from designer.data.fit import fit_compound
from designer.data.tabular import read_csv_header
from designer.model import SettingsError
from designer.training.headless import format_duration
from designer.training.results import RunRecord
from designer.training.session import RunSetupError, load_data, prepare_run
from designer.ui.document import GraphDocument
from designer.ui.panels.training_fields import (
    changed_signal,
    data_rows,
    field_value,
    set_field_value,
    training_rows,
)
from designer.ui.worker import PAUSED, RUNNING, TrainingController

RELOAD_DELAY_MS = 200
FIT_TRIGGERS = frozenset({"source", "path", "target_column", "classes"})
PREVIEW_ROWS = 8
ERROR_STYLE = "color: #dc2626;"
NOTE_STYLE = "color: palette(placeholder-text);"


class TrainingPanel(QWidget):
    """Data set, hyperparameters and run controls for the document's project.

    Signals:
        data_changed(object): the data set was (re)loaded: a `PreparedData`, or None when
            it cannot be loaded (the reason is shown in the panel).
    """

    data_changed = Signal(object)

    def __init__(
        self, document: GraphDocument, controller: TrainingController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.setWindowTitle("Training")
        self._document, self._controller = document, controller
        self.data: PreparedData | None = None
        self._run_count = 0
        self.choose_file = self._ask_file
        self._fit_after_reload = False
        self._reload = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._reload.timeout.connect(self.reload_data)
        self._clock = QTimer(self, interval=500)
        self._clock.timeout.connect(self._show_times)
        self._build()
        self._connect()
        self.sync_from_project()

    # ----------------------------------------------------------------- layout
    def _build(self) -> None:
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self._build_data_group())
        column.addWidget(self._build_training_group())
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self._build_run_box())

    def _build_data_group(self) -> QGroupBox:
        rows = data_rows()
        self.data_fields: dict[str, QWidget] = {name: w for name, (_, w) in rows.items()}
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        file_row = QHBoxLayout()
        file_row.setContentsMargins(0, 0, 0, 0)
        file_row.addWidget(self.data_fields["path"], 1)
        file_row.addWidget(self.browse_button)
        self.file_row = QWidget()
        self.file_row.setLayout(file_row)
        self.data_form = form = QFormLayout()
        for name, (label, widget) in rows.items():
            form.addRow(label, self.file_row if name == "path" else widget)
        self.data_summary = QLabel()
        self.data_summary.setWordWrap(True)
        self.data_message = QLabel()
        self.data_message.setWordWrap(True)
        self.data_message.setStyleSheet(ERROR_STYLE)
        self.preview_model = QStandardItemModel(self)
        self.preview_table = QTableView()
        self.preview_table.setModel(self.preview_model)
        self.preview_table.verticalHeader().setVisible(False)
        self.preview_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.preview_table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.preview_table.verticalHeader().setDefaultSectionSize(22)
        self.preview_table.setFixedHeight(22 * 5 + 26)
        self.fit_button = QPushButton("Fit design to data")
        self.fit_button.setToolTip("Set the Input layer and the final Linear layer to the data")
        self.fit_button.clicked.connect(self._on_fit_button_clicked)
        group = QGroupBox("Data")
        layout = QVBoxLayout(group)
        layout.addLayout(form)
        for widget in (self.data_summary, self.data_message, self.preview_table, self.fit_button):
            layout.addWidget(widget)
        return group

    def _build_training_group(self) -> QGroupBox:
        rows = training_rows()
        self.training_fields: dict[str, QWidget] = {name: w for name, (_, w) in rows.items()}
        self.training_form = form = QFormLayout()
        for label, widget in rows.values():
            form.addRow(label, widget)
        group = QGroupBox("Training")
        group.setLayout(form)
        return group

    def _build_run_box(self) -> QWidget:
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        c = self._controller
        handlers = (self._on_train_button_clicked, c.pause, c.resume, c.stop)
        buttons = QHBoxLayout()
        for button, handler in zip(self.buttons, handlers, strict=True):
            button.setMinimumWidth(56)
            button.clicked.connect(handler)
            buttons.addWidget(button)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedHeight(8)
        self.time_label = QLabel("Ready")
        self.time_label.setStyleSheet(NOTE_STYLE)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.time_label)
        layout.addWidget(self.message_label)
        return box

    @property
    def buttons(self) -> tuple[QPushButton, ...]:
        return self.train_button, self.pause_button, self.resume_button, self.stop_button

    def _connect(self) -> None:
        for name, widget in self.data_fields.items():
            changed_signal(widget).connect(lambda *_, n=name: self._on_data_field_changed(n))
        for name, widget in self.training_fields.items():
            changed_signal(widget).connect(lambda *_, n=name: self._on_training_field_changed(n))
        self._document.project_replaced.connect(self.sync_from_project)
        c = self._controller
        c.state_changed.connect(self._on_controller_state_changed)
        c.started.connect(self._on_controller_started)
        c.batch.connect(self._on_controller_batch)
        c.epoch.connect(self._on_controller_epoch)
        c.finished.connect(self._on_controller_finished)
        c.failed.connect(self._on_controller_failed)
        self._on_controller_state_changed(c.state)

    # ------------------------------------------------------------- settings
    def sync_from_project(self) -> None:
        """Show the project's settings (after New/Open) and reload its data set."""
        project = self._document.project
        for name, widget in self.data_fields.items():
            if name == "target_column":
                self._fill_target_columns(project.data.path)
            set_field_value(widget, getattr(project.data, name))
        for name, widget in self.training_fields.items():
            set_field_value(widget, getattr(project.training, name))
        self._update_visible_rows()
        self.reload_data()

    def _on_data_field_changed(self, name: str) -> None:
        value = field_value(self.data_fields[name])
        if name == "path":
            self._fill_target_columns(str(value))
        if self._write("data", name, value):
            self._update_visible_rows()
            # NOTE: the design follows a newly chosen data set (input size, output units,
            # loss) as one undoable step; resizing or reseeding the same set changes nothing.
            self._fit_after_reload |= name in FIT_TRIGGERS
            self._reload.start()

    def _on_training_field_changed(self, name: str) -> None:
        if self._write("training", name, field_value(self.training_fields[name])):
            self._update_visible_rows()

    def _write(self, section: str, name: str, value: object) -> bool:
        project = self._document.project
        settings = getattr(project, section)
        if getattr(settings, name) == value:
            return False
        try:
            setattr(project, section, settings.replace(**{name: value}))
        except SettingsError as error:
            self._show_message(str(error), error=True)
            return False
        self._document.mark_modified()
        return True

    def _update_visible_rows(self) -> None:
        project = self._document.project
        wanted = SOURCES[project.data.source].settings
        file_source = "path" in wanted
        for name in ("samples", "noise", "classes", "seed", "target_column", "drop_missing"):
            self.data_form.setRowVisible(self.data_fields[name], name in wanted)
        self.data_form.setRowVisible(self.file_row, file_source)
        t = project.training
        rows = {
            "momentum": t.optimizer == "sgd",
            "nesterov": t.optimizer == "sgd",
            "step_size": t.schedule == "step",
            "gamma": t.schedule == "step",
            "patience": t.early_stopping,
        }
        for name, visible in rows.items():
            self.training_form.setRowVisible(self.training_fields[name], visible)

    def _fill_target_columns(self, path: str) -> None:
        box = self.data_fields["target_column"]
        header: list[str] = []
        if path and self._document.project.data.source == "csv":
            try:
                header = read_csv_header(path)
            except DataError:
                header = []
        with QSignalBlocker(box):
            current = box.currentData()
            box.clear()
            box.addItem("Last column", "")
            for column in header:
                box.addItem(column, column)
            box.setCurrentIndex(max(box.findData(current), 0))

    def _ask_file(self, source: str) -> str:
        pattern = "CSV files (*.csv *.tsv *.txt)" if source == "csv" else "NumPy archives (*.npz)"
        path, _ = QFileDialog.getOpenFileName(self, "Choose a Data File", "", pattern)
        return path

    def _on_browse_button_clicked(self) -> None:
        path = self.choose_file(self._document.project.data.source)
        if path:
            set_field_value(self.data_fields["path"], path)
            self._on_data_field_changed("path")

    # ------------------------------------------------------------------ data
    def reload_data(self) -> None:
        """Load the project's data set now and show its summary and preview."""
        self._reload.stop()
        try:
            graph = self._document.graph
            self.data = load_data(self._document.project.data, data_layout(graph))
        except RunSetupError as error:
            self.data = None
            self.data_message.setText(str(error))
        else:
            self.data_message.setText("")
        self.data_message.setVisible(self.data is None)
        self._show_data(self.data)
        self.data_changed.emit(self.data)
        if self._fit_after_reload and self.data is not None:
            self._fit_after_reload = False
            self._fit_design(automatic=True)

    def _show_data(self, data: PreparedData | None) -> None:
        self.preview_model.clear()
        self.preview_table.setVisible(data is not None)
        self.fit_button.setEnabled(data is not None and not self._controller.is_running)
        if data is None:
            self.data_summary.setText("")
            return
        header, rows = data.preview(PREVIEW_ROWS)
        self.preview_model.setHorizontalHeaderLabels(list(header))
        for row in rows:
            self.preview_model.appendRow([QStandardItem(cell) for cell in row])
        self.data_summary.setText(_summary(data))

    def _on_fit_button_clicked(self) -> None:
        self._fit_design(automatic=False)

    def _fit_design(self, automatic: bool) -> None:
        """Set the Input size, the output units and the loss from the data (one undo step)."""
        if self.data is None or self._document.locked:
            return
        compound = fit_compound(self._document.graph, self.data)
        if compound is None:
            if not automatic:
                self._show_message("The design already fits the data.")
        elif self._document.push(compound):
            count = len(compound.edits)
            self._show_message(
                f"Fitted the design to {self.data.name}: {count} setting(s) changed "
                "(Undo restores them)."
            )

    # ------------------------------------------------------------------- runs
    def _on_train_button_clicked(self) -> None:
        if self._controller.is_running:
            return
        self._show_message("")
        name = f"Run {self._run_count + 1} ({self._document.project.data.source})"
        try:
            prepared = prepare_run(self._document.project, name=name)
        except RunSetupError as error:
            self._show_message(str(error), error=True)
            if error.node_id:
                self._document.set_selection([error.node_id])
            return
        self._run_count += 1
        self._controller.start(prepared)

    def _on_controller_started(self, _prepared: object) -> None:
        self.progress_bar.setRange(0, self._controller.clock.total_steps)
        self.progress_bar.setValue(0)
        self._clock.start()
        self._show_times()

    def _on_controller_batch(self, _records: list) -> None:
        self.progress_bar.setValue(self._controller.clock.done_steps)

    def _on_controller_epoch(self, _record: object) -> None:
        self._show_times()

    def _on_controller_finished(self, record: RunRecord) -> None:
        self._clock.stop()
        if record.reason == "completed":
            self.progress_bar.setValue(self.progress_bar.maximum())
        text = {"completed": "Finished", "early_stopped": "Stopped early", "stopped": "Stopped"}
        ended = text.get(record.reason, "Finished")
        self.time_label.setText(f"{ended} after {format_duration(record.elapsed)}")
        self._show_message(record.summary)

    def _on_controller_failed(self, message: str) -> None:
        self._clock.stop()
        self.time_label.setText("Failed")
        self._show_message(f"Training failed: {message}", error=True)

    def _on_controller_state_changed(self, state: str) -> None:
        running = state != "idle"
        self.train_button.setEnabled(not running)
        self.pause_button.setEnabled(state == RUNNING)
        self.resume_button.setEnabled(state == PAUSED)
        self.stop_button.setEnabled(state in (RUNNING, PAUSED))
        for widget in (*self.data_fields.values(), *self.training_fields.values()):
            widget.setEnabled(not running)
        self.browse_button.setEnabled(not running)
        self.fit_button.setEnabled(not running and self.data is not None)
        if running:
            self._show_times()

    def _show_times(self) -> None:
        clock = self._controller.clock
        epoch = f"Epoch {clock.epoch}/{clock.epochs}" if clock.epoch else "Starting"
        left = clock.remaining()
        eta = f" · about {format_duration(left)} left" if math.isfinite(left) else ""
        paused = " · paused" if self._controller.is_paused else ""
        elapsed = format_duration(clock.elapsed())
        self.time_label.setText(f"{epoch} · {elapsed} elapsed{eta}{paused}")

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(ERROR_STYLE if error else "")
        self.message_label.setVisible(bool(text))


def _summary(data: PreparedData) -> str:
    """Rows, input shape and targets; for classes, the rows of each (imbalance shows)."""
    lines = [
        f"{data.num_train} training + {data.num_val} validation rows",
        f"{describe_shape(data.feature_shape)} per sample",
    ]
    if data.task == "classification":
        counts = list(data.class_counts().items())
        shown = ", ".join(f"{name}: {count}" for name, count in counts[:12])
        more = ", …" if len(counts) > 12 else ""
        lines.append(f"{len(counts)} classes ({shown}{more})")
    else:
        targets = data.target_shape[0] if data.target_shape else 1
        lines.append(f"{targets} real-valued target{'s' * (targets != 1)}")
    return "\n".join(lines)
