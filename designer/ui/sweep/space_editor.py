"""`SpaceEditor`: the project's sweep, edited: its dimensions, metric, sampler, budget.

A view of ``document.project.sweep`` like the inspector is of a layer: every change is
pushed on the document as one undo step (typing one end of a range merges into one), and
undo, redo or another project update the widgets in place. Dimensions are added from the
fields of the selected layer (any whole-number, real, yes/no or choice parameter that
applies to it) and from the training settings; each range starts around the current
value, within the limits the catalogue or the settings give, and an edit leaving them
is refused with a message naming the dimension.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.catalog.objectives import metric_label
from designer.model import SettingsError
from designer.model.sweep import (
    MAX_PARAMETERS,
    MAX_TRIALS,
    SWEEPABLE_SETTINGS,
    SweepParam,
    SweepSettings,
    check_param,
)
from designer.model.sweep_design import (
    allowed_choices,
    describe,
    node_param,
    param_problem,
    setting_param,
    sweepable,
)
from designer.training.sweep_study import available_metrics
from designer.ui.document import GraphDocument
from designer.ui.sweep.space_fields import fields_for

SAMPLER_LABELS = {"tpe": "TPE (Bayesian)", "grid": "Grid"}
COLUMNS = ("Parameter", "Low", "High", "Log")
ERROR_STYLE = "color: #dc2626;"


class SpaceEditor(QWidget):
    """Edits the open project's sweep (see the module docstring).

    Signals:
        message(str): a refused edit, with the reason ("" clears it).
    """

    message = Signal(str)

    def __init__(self, document: GraphDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepSpace")
        self._document = document
        self._keys: tuple[str, ...] = ()
        self._fields: dict[str, list] = {}
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("sweepParameters")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, 82)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.add_button = QToolButton()
        self.add_button.setText("Add Parameter")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QMenu(self.add_button)
        self.add_menu.aboutToShow.connect(self._fill_add_menu)
        self.add_button.setMenu(self.add_menu)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.metric_box = QComboBox()
        self.metric_box.activated.connect(self._on_metric_box_activated)
        self.sampler_box = QComboBox()
        for value, text in SAMPLER_LABELS.items():
            self.sampler_box.addItem(text, value)
        self.sampler_box.activated.connect(self._on_sampler_box_activated)
        self.trials_box = QSpinBox()
        self.trials_box.setRange(1, MAX_TRIALS)
        self.trials_box.setKeyboardTracking(False)
        self.trials_box.valueChanged.connect(self._on_trials_box_value_changed)
        self.pruning_box = QCheckBox("Stop hopeless trials early")
        self.pruning_box.setToolTip(
            "After each epoch, stop a trial worse than the median of earlier trials there"
        )
        self.pruning_box.toggled.connect(self._on_pruning_box_toggled)
        self._lay_out()
        document.sweep_changed.connect(self.refresh)
        document.project_replaced.connect(self.refresh)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        self.refresh()

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Metric", self.metric_box)
        form.addRow("Sampler", self.sampler_box)
        form.addRow("Trials", self.trials_box)
        form.addRow("", self.pruning_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addLayout(form)

    @property
    def sweep(self) -> SweepSettings:
        return self._document.project.sweep

    # ---------------------------------------------------------------- showing
    def refresh(self) -> None:
        """Show the project's sweep: rebuild the rows when the dimensions changed, else
        update the editors in place (so the one being typed in keeps its cursor)."""
        sweep, graph = self.sweep, self._document.graph
        keys = tuple(p.key for p in sweep.parameters)
        if keys != self._keys:
            self._rebuild(sweep)
        for row, param in enumerate(sweep.parameters):
            for field in self._fields[param.key]:
                field.show(param)
            self._show_name(row, param, param_problem(graph, param))
        self._show_options(sweep)
        self.remove_button.setEnabled(bool(keys))

    def _rebuild(self, sweep: SweepSettings) -> None:
        self.table.setRowCount(0)
        self._fields.clear()
        self.table.setRowCount(len(sweep.parameters))
        graph = self._document.graph
        for row, param in enumerate(sweep.parameters):
            allowed = allowed_choices(graph, param) if param.kind == "choice" else ()
            fields = fields_for(param, allowed, self._on_field_edited, self.message.emit)
            for column, field in enumerate(fields, start=1):
                self.table.setCellWidget(row, column, field.widget)
            if len(fields) == 1:
                self.table.setSpan(row, 1, 1, 3)
            self._fields[param.key] = fields
        self._keys = tuple(p.key for p in sweep.parameters)

    def _show_name(self, row: int, param: SweepParam, problem: str | None) -> None:
        item = self.table.item(row, 0) or QTableWidgetItem()
        text = describe(self._document.graph, param)
        if item.text() != text:
            item.setText(text)
        item.setToolTip(problem or f"{param.key}")
        item.setForeground(Qt.GlobalColor.red if problem else self.palette().text())
        if self.table.item(row, 0) is None:
            self.table.setItem(row, 0, item)

    def _show_options(self, sweep: SweepSettings) -> None:
        metrics = available_metrics(self._document.project, self._document.analysis)
        if sweep.metric not in metrics:
            metrics = (*metrics, sweep.metric)
        box = self.metric_box
        with QSignalBlocker(box):
            if [box.itemData(i) for i in range(box.count())] != list(metrics):
                box.clear()
                for key in metrics:
                    box.addItem(metric_label(key), key)
            box.setCurrentIndex(box.findData(sweep.metric))
        with QSignalBlocker(self.sampler_box):
            self.sampler_box.setCurrentIndex(self.sampler_box.findData(sweep.sampler))
        with QSignalBlocker(self.trials_box):
            self.trials_box.setValue(sweep.trials)
        with QSignalBlocker(self.pruning_box):
            self.pruning_box.setChecked(sweep.pruning)

    def _on_document_analysis_changed(self) -> None:
        """Names and problems follow renames and deleted layers; metrics the outputs."""
        self.refresh()

    # ---------------------------------------------------------------- edits
    def _push(self, sweep: SweepSettings, description: str, merge_key: str = "") -> bool:
        accepted = self._document.set_sweep(sweep, description, merge_key)
        self.message.emit("")
        if not accepted:
            self.refresh()
        return accepted

    def _on_field_edited(self, param: SweepParam, merge_key: str) -> None:
        name = describe(self._document.graph, param)
        try:
            check_param(param)
        except SettingsError as error:
            self.message.emit(f"{name}: {error.message}")
            self.refresh()
            return
        problem = param_problem(self._document.graph, param)
        if problem is not None:
            self.message.emit(f"{name}: {problem}")
            self.refresh()
            return
        parameters = tuple(param if p.key == param.key else p for p in self.sweep.parameters)
        description = f"Change the sweep of {name}"
        self._push(self.sweep.replace(parameters=parameters), description, merge_key)

    def add(self, param: SweepParam) -> bool:
        """Add a dimension (the menu's actions, and tests)."""
        if len(self.sweep.parameters) >= MAX_PARAMETERS:
            self.message.emit(f"A sweep has at most {MAX_PARAMETERS} parameters")
            return False
        name = describe(self._document.graph, param)
        parameters = (*self.sweep.parameters, param)
        return self._push(self.sweep.replace(parameters=parameters), f"Sweep {name}")

    def _on_remove_button_clicked(self) -> None:
        row = self.table.currentRow()
        parameters = self.sweep.parameters
        if not 0 <= row < len(parameters):
            self.message.emit("Choose the parameter to remove in the table")
            return
        param = parameters[row]
        kept = tuple(p for p in parameters if p.key != param.key)
        name = describe(self._document.graph, param)
        self._push(self.sweep.replace(parameters=kept), f"Stop sweeping {name}")

    def _on_metric_box_activated(self, index: int) -> None:
        metric = self.metric_box.itemData(index)
        self._push(self.sweep.replace(metric=metric), "Change the sweep's metric")

    def _on_sampler_box_activated(self, index: int) -> None:
        sampler = self.sampler_box.itemData(index)
        self._push(self.sweep.replace(sampler=sampler), "Change the sweep's sampler")

    def _on_trials_box_value_changed(self, value: int) -> None:
        self._push(self.sweep.replace(trials=value), "Change the sweep's trials", "trials")

    def _on_pruning_box_toggled(self, checked: bool) -> None:
        self._push(self.sweep.replace(pruning=checked), "Change the sweep's pruning")

    # ---------------------------------------------------------------- the menu
    def _fill_add_menu(self) -> None:
        menu, graph = self.add_menu, self._document.graph
        menu.clear()
        taken = {p.key for p in self.sweep.parameters}
        selection = [n for n in self._document.selection if n in graph.nodes]
        if len(selection) == 1:
            node_id = selection[0]
            node, spec = graph.node(node_id), graph.spec(node_id)
            menu.addSection(f"{spec.display_name} '{node.label}'")
            for param in spec.params:
                usable = sweepable(param) and param.applies(node.params)
                if usable and f"{node_id}.{param.name}" not in taken:
                    action = menu.addAction(param.title)
                    action.triggered.connect(
                        lambda _c=False, n=node_id, p=param.name: self.add(node_param(graph, n, p))
                    )
        else:
            menu.addSection("Select a layer to sweep its parameters")
        menu.addSection("Training")
        for name in SWEEPABLE_SETTINGS:
            if f"training.{name}" not in taken:
                action = menu.addAction(name.replace("_", " ").capitalize())
                action.triggered.connect(lambda _c=False, n=name: self.add(setting_param(n)))

    def set_editable(self, editable: bool) -> None:
        """Freeze the space while a sweep runs (the running one keeps its own copy)."""
        for widget in (self.table, self.add_button, self.remove_button, self.metric_box):
            widget.setEnabled(editable)
        for widget in (self.sampler_box, self.trials_box, self.pruning_box):
            widget.setEnabled(editable)
