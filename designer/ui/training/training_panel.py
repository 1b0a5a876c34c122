"""`TrainingPanel`: pick the data, set the hyperparameters, and run, pause or stop training.

The fields only express intent: each edit becomes new frozen settings (``replace``) that
the `GraphDocument` applies as an undo step, and the fields follow the document's
``settings_changed`` (so undo and redo show in them). Data sets load in the background
(`DataLoadController`), never in the GUI thread; choosing another data set becomes one undo
step with the fit of the design to it once it has loaded. The data is loaded as the
design reads it (one array per Input and Output, token ids, image sizes), and again when
that changes. The settings are saved with the
design, so a headless ``train`` of the saved file does exactly what the panel would.
Problems are shown in the panel, in words, and never as a dialog or an exception: data
that fails to load, a design that does not fit it, a run that fails. The panel never
trains itself; it asks the `TrainingController`. Its form fields are built and read by
`training_fields`, its *Data* box (fields, preview, fit) is a `DataGroup`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from designer.data import SOURCES, DataLayout, PreparedData, data_layout
from designer.data.fit import fit_compound
from designer.model import SettingsError
from designer.model.settings import DataSettings
from designer.training.run_list import run_name
from designer.training.session import RunSetupError, prepare_run
from designer.ui.commands import Settings
from designer.ui.document import GraphDocument
from designer.ui.training.data_group import DataGroup, ask_data_file
from designer.ui.training.data_loading import DataLoadController
from designer.ui.training.run_box import RunBox
from designer.ui.training.training_fields import (
    changed_signal,
    explain_labels,
    field_value,
    set_field_value,
    training_rows,
)
from designer.ui.training.worker import TrainingController

RELOAD_DELAY_MS = 200
FIT_TRIGGERS = frozenset({"source", "path", "target_column", "classes"})


class TrainingPanel(QWidget):
    """Data set, hyperparameters and run controls for the document's project.

    Signals:
        data_changed(object): the data set was (re)loaded: a `PreparedData`, or None when
            it cannot be loaded (the reason is shown in the panel).
        run_refused(str): Train was asked for, but the design or data cannot train; the
            text says why (and the node at fault is selected).
    """

    data_changed = Signal(object)
    run_refused = Signal(str)

    def __init__(
        self,
        document: GraphDocument,
        controller: TrainingController,
        parent: QWidget | None = None,
        next_run_number: Callable[[], int] | None = None,
    ) -> None:
        """``next_run_number`` numbers the runs' default names ("Run 3"); by default they
        count from 1 for each project opened."""
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.setWindowTitle("Training")
        self._document, self._controller = document, controller
        self.data: PreparedData | None = None
        self.loader = DataLoadController(self)
        self._load_error = ""
        self._pending_choice: tuple[DataSettings, str] | None = None
        self._asked_key: tuple | None = None  # what the last reload asked for
        self._train_when_loaded = False
        self._run_count = 0
        self._next_run_number = next_run_number or (lambda: self._run_count + 1)
        self.choose_file = self._ask_file
        self._reload = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._reload.timeout.connect(self.reload_data)
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
        self._scroll = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(scroll, 1)
        self.run_box = RunBox(self._controller)
        layout.addWidget(self.run_box)
        box = self.run_box
        self.train_button, self.pause_button = box.train_button, box.pause_button
        self.resume_button, self.stop_button = box.resume_button, box.stop_button
        self.progress_bar, self.time_label = box.progress_bar, box.time_label
        self.message_label = box.message_label
        self.train_button.clicked.connect(self._on_train_button_clicked)

    def _build_data_group(self) -> QGroupBox:
        group = self.data_group = DataGroup()
        self.data_fields, self.data_form = group.fields, group.form
        self._labels = {("data", name): label for name, label in group.labels.items()}
        self.browse_button, self.file_row = group.browse_button, group.file_row
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.data_summary, self.data_message = group.summary, group.message
        self.loading_label = group.loading_label
        self.preview_table, self.thumbnails = group.preview_table, group.thumbnails
        self.preview_model = self.preview_table.preview_model
        self.fit_button = group.fit_button
        self.fit_button.clicked.connect(self._on_fit_button_clicked)
        return group

    def _build_training_group(self) -> QGroupBox:
        rows = training_rows()
        self.training_fields: dict[str, QWidget] = {name: w for name, (_, w) in rows.items()}
        self._labels.update({("training", name): label for name, (label, _) in rows.items()})
        self.training_form = form = QFormLayout()
        for label, widget in rows.values():
            form.addRow(label, widget)
        explain_labels(form)
        group = QGroupBox("Training")
        group.setLayout(form)
        return group

    @property
    def buttons(self) -> tuple[QPushButton, ...]:
        return self.train_button, self.pause_button, self.resume_button, self.stop_button

    def _connect(self) -> None:
        for name, widget in self.data_fields.items():
            changed_signal(widget).connect(lambda *_, n=name: self._on_data_field_changed(n))
        for name, widget in self.training_fields.items():
            changed_signal(widget).connect(lambda *_, n=name: self._on_training_field_changed(n))
        self._document.project_replaced.connect(self._on_document_project_replaced)
        self._document.settings_changed.connect(self._on_document_settings_changed)
        self._document.analysis_changed.connect(self._on_document_analysis_changed)
        self.loader.loaded.connect(self._on_loader_loaded)
        self.loader.failed.connect(self._on_loader_failed)
        self.loader.busy_changed.connect(self.loading_label.setVisible)
        self._controller.state_changed.connect(self._on_controller_state_changed)
        self._on_controller_state_changed(self._controller.state)

    # ------------------------------------------------------------- settings
    def sync_from_project(self) -> None:
        """Show the project's settings and load its data set."""
        for section in ("data", "training"):
            self._show_settings(section)
        self.reload_data()

    def _on_document_project_replaced(self) -> None:
        """Another project: its settings and data, and no trace of the last one's runs."""
        self._run_count = 0
        self.run_box.reset()
        self.loader.forget()
        self._pending_choice, self._train_when_loaded = None, False
        self.sync_from_project()

    def _on_document_settings_changed(self, section: str) -> None:
        self._show_settings(section)
        if section == "data" and not self._data_is_current():
            self._reload.start()

    def _on_document_analysis_changed(self) -> None:
        """The design changed: reload when it now reads other arrays (an Input renamed or
        made a token Input, another image size), also after a load that failed for it."""
        if self._asked_key is not None and self._wanted_key() != self._asked_key:
            self._reload.start()

    def _show_settings(self, section: str) -> None:
        """Push the project's ``section`` settings into the fields (signals blocked)."""
        project = self._document.project
        settings = project.data if section == "data" else project.training
        fields = self.data_fields if section == "data" else self.training_fields
        if section == "data":
            self.data_group.fill_target_columns(settings.source, settings.path)
        for name, widget in fields.items():
            set_field_value(widget, getattr(settings, name))
        self._update_visible_rows()

    def _on_data_field_changed(self, name: str) -> None:
        current = self._document.project.data
        new = self._edited(current, name, field_value(self.data_fields[name]), "data")
        if new is None:
            return
        label = self._labels["data", name].lower()
        if name in FIT_TRIGGERS:
            self._choose_data(new, name, label)
        elif not self._document.set_data_settings(new, description=f"Change {label}"):
            self._show_settings("data")

    def _choose_data(self, settings: DataSettings, name: str, label: str) -> None:
        """Use another data set (or file, target, class count) and fit the design to it.

        NOTE: the design follows a newly chosen data set (input size, output units, loss)
        in the same undo step as the choice, so the step is pushed once the data has
        loaded (in the background) and the fit is known; resizing or reseeding the same
        set changes nothing in the design.
        """
        if name == "source":
            description = f"Choose data set {SOURCES[settings.source].label}"
        else:
            description = f"Change {label}"
        self._pending_choice = (settings, description)
        self._reload.stop()
        layout = self._layout()
        self._asked_key = (settings, layout.loading_key(), self._folder())
        self.loader.request(settings, layout, self._folder())

    def _apply_choice(self, data: PreparedData | None) -> None:
        """Push the pending data choice, with the fit to ``data`` when it loaded."""
        settings, description = self._pending_choice  # type: ignore[misc]
        self._pending_choice = None
        fit = fit_compound(self._document.graph, data) if data is not None else None
        if self._document.set_data_settings(settings, fit, description):
            if fit is not None:
                self._show_fitted(len(fit.edits))
        else:
            self._show_settings("data")
            self.reload_data()

    def _on_training_field_changed(self, name: str) -> None:
        current = self._document.project.training
        new = self._edited(current, name, field_value(self.training_fields[name]), "training")
        label = self._labels["training", name].lower()
        if new is not None and not self._document.set_training_settings(new, f"Change {label}"):
            self._show_settings("training")

    def _edited(
        self, settings: Settings, name: str, value: object, section: str
    ) -> Settings | None:
        """``settings`` with ``name`` set to ``value``, or None when that is no change or
        not a valid value (then the fields show the project's values again)."""
        if getattr(settings, name) == value:
            return None
        try:
            return settings.replace(**{name: value})
        except SettingsError as error:
            self._show_message(str(error), error=True)
            self._show_settings(section)
            return None

    def _update_visible_rows(self) -> None:
        project = self._document.project
        self.data_group.show_rows_of(project.data)
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
        self._keep_form_width()

    def _keep_form_width(self) -> None:
        """No sideways scrolling, so the panel may not be narrower than its shown rows.

        NOTE: each group's own hint is its true minimum; left to itself, the layout asks
        for more around groups holding wrapped text, which would widen the dock."""
        form = self._scroll.widget()
        for group in form.findChildren(QGroupBox):
            group.setMinimumWidth(0)
            group.layout().invalidate()
            group.setMinimumWidth(group.minimumSizeHint().width())
        form.layout().invalidate()
        scrollbar = self._scroll.verticalScrollBar().sizeHint().width()
        self._scroll.setMinimumWidth(form.minimumSizeHint().width() + scrollbar)

    def _ask_file(self, source: str) -> str:
        return ask_data_file(self, source, self._folder() or "")

    def _on_browse_button_clicked(self) -> None:
        path = self.choose_file(self._document.project.data.source)
        if path:
            set_field_value(self.data_fields["path"], path)
            self._on_data_field_changed("path")

    # ------------------------------------------------------------------ data
    def _layout(self) -> DataLayout:
        return data_layout(self._document.graph, self._document.analysis)

    def _folder(self) -> str | None:
        """The project file's folder, which relative data paths are taken from."""
        path = self._document.path
        return str(path.parent) if path is not None else None

    def _wanted_key(self) -> tuple:
        """What the project's settings and design read now (as `PreparedData.source_key`)."""
        return self._document.project.data, self._layout().loading_key(), self._folder()

    def current_data(self) -> PreparedData | None:
        """The loaded data when it is what the project reads now, else None."""
        return self.data if self._data_is_current() else None

    def _data_is_current(self) -> bool:
        """Whether ``data`` is what the project's settings and design read now."""
        return self.data is not None and self.data.source_key == self._wanted_key()

    def reload_data(self) -> None:
        """Load the project's data set in the background; `data_changed` follows."""
        self._reload.stop()
        self._asked_key = self._wanted_key()
        self.loader.request(self._document.project.data, self._layout(), self._folder())

    def _on_loader_loaded(self, data: PreparedData) -> None:
        self._show_data(data, "")
        if self._pending_choice is not None:
            self._apply_choice(data)
        self.data_changed.emit(data)
        self._train_if_waiting()

    def _on_loader_failed(self, message: str) -> None:
        self._show_data(None, f"The data set cannot be loaded: {message}")
        if self._pending_choice is not None:
            self._apply_choice(None)
        self.data_changed.emit(None)
        self._train_if_waiting()

    def _show_data(self, data: PreparedData | None, error: str) -> None:
        """Show ``data`` (its summary and first rows), or why it cannot load."""
        self.data, self._load_error = data, error
        self.data_group.show_data(data, error, self.loader.preview_images)
        self.fit_button.setEnabled(data is not None and not self._controller.is_running)

    def _on_fit_button_clicked(self) -> None:
        """Set the Input size, the output units and the loss from the data (one undo step).

        The fit edits the whole design's Input and Output even while a block is open on
        the canvas (`push_design`), as choosing a data set does."""
        if self.data is None or self._document.locked:
            return
        compound = fit_compound(self._document.graph, self.data)
        if compound is None:
            self._show_message("The design already fits the data.")
        elif self._document.push_design(compound):
            self._show_fitted(len(compound.edits))

    def _show_fitted(self, count: int) -> None:
        name = self.data.name if self.data is not None else "the data"
        self._show_message(
            f"Fitted the design to {name}: {count} setting(s) changed (Undo restores them)."
        )

    # ------------------------------------------------------------------- runs
    def _on_train_button_clicked(self) -> None:
        if self._controller.is_running:
            return
        self._show_message("")
        if self.loader.pending or not self._data_is_current():
            self._train_when_loaded = True  # starts as soon as the data has loaded
            self._show_message("Loading the data set; training starts when it is ready.")
            if not self.loader.pending:
                self.reload_data()
            return
        self._start_run()

    def _train_if_waiting(self) -> None:
        if self._train_when_loaded and not self.loader.pending:
            self._train_when_loaded = False
            self._start_run()

    def _start_run(self) -> None:
        if self.data is None:
            self._refuse(RunSetupError(self._load_error or "The data set has not loaded"))
            return
        name = run_name(self._next_run_number(), self._document.project.data.source)
        try:
            prepared = prepare_run(
                self._document.project, name=name, folder=self._folder(), data=self.data
            )
        except RunSetupError as error:
            self._refuse(error)
            return
        self._run_count += 1
        self._controller.start(prepared)

    def _refuse(self, error: RunSetupError) -> None:
        self._show_message(str(error), error=True)
        if error.node_id:
            self._document.set_selection([error.node_id])
        self.run_refused.emit(str(error))

    def shutdown(self) -> None:
        """Wait for data loads in flight (quitting, closing the window)."""
        self._reload.stop()
        self.loader.shutdown()

    def _show_message(self, text: str, error: bool = False) -> None:
        self.run_box.show_message(text, error)

    def _on_controller_state_changed(self, state: str) -> None:
        running = state != "idle"
        for widget in (*self.data_fields.values(), *self.training_fields.values()):
            widget.setEnabled(not running)
        self.browse_button.setEnabled(not running)
        self.fit_button.setEnabled(not running and self.data is not None)
