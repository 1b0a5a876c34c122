"""`InspectorPanel`: a form for the selected layer, generated from its catalogue entry.

Each `ParamSpec` kind maps to one editor (spin box, check box, combo box, or a line edit
for lists of ints), so a new layer type needs no UI code. Every edit is a `SetParam`
pushed on the document; the undo command merges consecutive edits of one field, so typing
a number is one undo step. Model changes (undo, redo) update the editors in place, never
rebuilding them, so the field being typed in keeps its focus and cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from designer.catalog import LayerSpec, ParamError, ParamSpec
from designer.model.edits import Rename, SetParam
from designer.resources import category_icon_name
from designer.ui import theme
from designer.ui.document import GraphDocument

EditCallback = Callable[[str, Any], None]
ErrorCallback = Callable[[str], None]
EMPTY_TEXT = "Select a layer on the canvas to see and edit its parameters."


def format_count(value: int) -> str:
    """``1234567`` -> ``1.23 M``: compact counts for labels that must stay short."""
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= limit:
            return f"{value / limit:.3g} {suffix}"
    return str(value)


def _muted(text: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


class InspectorPanel(QWidget):
    """Shows and edits the selected node; a summary for none or several selected."""

    def __init__(self, document: GraphDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self._document = document
        self._node_id: str | None = None
        self._fields: dict[str, ParamField] = {}
        self._pushing = False
        self.pages = QStackedWidget(self)
        self.empty_label = _muted(EMPTY_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.multi_label = QLabel()
        self.multi_label.setWordWrap(True)
        self.multi_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self._padded(self.empty_label))
        self.pages.addWidget(self._padded(self.multi_label))
        self.node_page = QWidget()
        self.pages.addWidget(self._scrolling(self.node_page))
        self._build_node_page()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        document.selection_changed.connect(self._on_document_selection_changed)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        document.project_replaced.connect(self._on_document_project_replaced)
        document.error_raised.connect(self._on_document_error_raised)
        self._rebuild()

    # ------------------------------------------------------------------ layout
    @staticmethod
    def _padded(widget: QWidget) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(widget)
        return page

    @staticmethod
    def _scrolling(widget: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidget(widget)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        return area

    def _build_node_page(self) -> None:
        self.icon_label = QLabel()
        self.header = QLabel()
        self.header.setObjectName("inspectorHeader")
        self.help_label = _muted()
        self.name_edit: QLineEdit | None = None  # made with each form (see _build_form)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #dc2626;")
        self.error_label.hide()
        self.stats = QFormLayout()
        self.shape_in, self.shape_out = QLabel(), QLabel()
        self.param_count, self.mac_count = QLabel(), QLabel()
        for title, label in (
            ("Input", self.shape_in),
            ("Output", self.shape_out),
            ("Parameters", self.param_count),
            ("Multiply-adds", self.mac_count),
        ):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.stats.addRow(title, label)
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self.node_page)
        layout.setContentsMargins(10, 8, 10, 10)
        title_row = QWidget()
        title_layout = QFormLayout(title_row)
        title_layout.setContentsMargins(0, 0, 0, 0)
        title_layout.addRow(self.icon_label, self.header)
        layout.addWidget(title_row)
        layout.addWidget(self.help_label)
        layout.addLayout(self._section("Parameters"))
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addLayout(self._section("Shape and size"))
        layout.addLayout(self.stats)
        layout.addWidget(self.problems_label)
        layout.addStretch(1)

    def _make_name_edit(self) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName("nodeName")
        edit.setToolTip("The layer's name; it becomes its attribute in the code")
        edit.editingFinished.connect(self._on_name_edit_editing_finished)
        return edit

    @staticmethod
    def _section(title: str) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setContentsMargins(0, 8, 0, 2)
        label = QLabel(title.upper())
        label.setStyleSheet("font-size: 8pt; font-weight: 600; letter-spacing: 1px;")
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        box.addWidget(label)
        box.addWidget(line)
        return box

    # ----------------------------------------------------------------- queries
    @property
    def node_id(self) -> str | None:
        """The node the form edits, or None when none or several are selected."""
        return self._node_id

    def field(self, name: str) -> ParamField:
        """The editor of parameter ``name`` (tests drive the widgets through this)."""
        return self._fields[name]

    # ----------------------------------------------------------------- rebuild
    def _rebuild(self) -> None:
        """Regenerate the form for the current selection (selection changes only)."""
        selection = [n for n in self._document.selection if n in self._document.graph.nodes]
        self._clear_form()
        self._node_id = selection[0] if len(selection) == 1 else None
        if not selection:
            self.pages.setCurrentIndex(0)
        elif len(selection) > 1:
            self._show_multi(selection)
            self.pages.setCurrentIndex(1)
        else:
            self._build_form(self._document.graph.spec(selection[0]))
            self._sync()
            self.pages.setCurrentIndex(2)

    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.name_edit = None
        self._fields.clear()
        self._show_error("")

    def _build_form(self, spec: LayerSpec) -> None:
        self.header.setText(spec.display_name)
        self.help_label.setText(spec.help)
        try:
            category_icon = theme.icon("categories", category_icon_name(spec.category))
            self.icon_label.setPixmap(category_icon.pixmap(22, 22))
        except FileNotFoundError:
            self.icon_label.clear()
        # NOTE: the name shares the form (and its label column) with the parameters;
        # clearing the form deletes its widgets, so the line edit is made anew each time.
        self.name_edit = self._make_name_edit()
        self.form.addRow("Name", self.name_edit)
        for param in spec.params:
            field = make_field(param, self._on_field_edited, self._show_error)
            label = QLabel(param.title)
            label.setToolTip(param.help or param.title)
            self.form.addRow(label, field.widget)
            self._fields[param.name] = field
        if not spec.params:
            self.form.addRow(_muted("This layer has no parameters."))

    def _show_multi(self, selection: list[str]) -> None:
        analysis = self._document.analysis
        total = sum(analysis.info(n).params for n in selection)
        self.multi_label.setText(
            f"<b>{len(selection)} layers selected</b><br><br>"
            f"{total:,} parameters together.<br>Select one layer to edit it."
        )

    # -------------------------------------------------------------------- sync
    def _sync(self) -> None:
        """Show the model's current values without emitting edits or moving focus."""
        graph = self._document.graph
        if self._node_id is None or self._node_id not in graph.nodes:
            return
        node = graph.node(self._node_id)
        spec = graph.spec(self._node_id)
        for name, field in self._fields.items():
            field.show_value(node.params.get(name))
            # Parameters that do not apply (an Input's height for feature vectors) hide.
            self.form.setRowVisible(field.widget, spec.param(name).applies(node.params))
        if self.name_edit is not None and self.name_edit.text() != node.label:
            self.name_edit.setText(node.label)
        self.header.setToolTip(f"{graph.spec(self._node_id).display_name} '{node.label}'")
        self._show_info()

    def _show_info(self) -> None:
        assert self._node_id is not None
        analysis = self._document.analysis
        info = analysis.info(self._node_id)
        self.shape_in.setText(", ".join(str(s) for s in info.inputs) or "—")
        self.shape_out.setText(str(info.output) if info.output is not None else "—")
        self.param_count.setText(f"{info.params:,}")
        compact = f"  ({format_count(info.macs)})" if info.macs >= 1000 else ""
        self.mac_count.setText(f"{info.macs:,}{compact}")
        problems = [p for p in analysis.problems if p.node_id == self._node_id]
        lines = [
            f"<span style='color:{'#dc2626' if p.is_error else '#d97706'}'>"
            f"{'⛔' if p.is_error else '⚠'} {_html(p.message)}</span>"
            for p in problems
        ]
        self.problems_label.setText("<br>".join(lines))
        self.problems_label.setVisible(bool(lines))

    # ------------------------------------------------------------------- edits
    def _push(self, edit: SetParam | Rename) -> bool:
        self._pushing = True
        try:
            accepted = self._document.push(edit)
        finally:
            self._pushing = False
        if not accepted:
            self._sync()
        return accepted

    def _on_field_edited(self, name: str, value: Any) -> None:
        if self._node_id is None:
            return
        graph = self._document.graph
        spec: ParamSpec = graph.spec(self._node_id).param(name)
        try:
            value = spec.validate(value)
        except ParamError as error:
            self._show_error(str(error))
            return
        current = graph.node(self._node_id).params.get(name)
        if current == value and type(current) is type(value):
            self._show_error("")
            return
        if self._push(SetParam(self._node_id, name, value, f"Change {spec.title.lower()}")):
            self._show_error("")

    def _on_name_edit_editing_finished(self) -> None:
        if self._node_id is None or self.name_edit is None:
            return
        node = self._document.graph.node(self._node_id)
        text = self.name_edit.text().strip()
        if text == node.label:
            return
        if not text:
            self.name_edit.setText(node.label)
            self._show_error("A layer needs a name.")
            return
        if self._push(Rename(self._node_id, text)):
            self._show_error("")

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    # ---------------------------------------------------------------- handlers
    def _on_document_selection_changed(self, _selection: list) -> None:
        self._rebuild()

    def _on_document_project_replaced(self) -> None:
        self._rebuild()

    def _on_document_analysis_changed(self) -> None:
        if self._node_id is not None and self._node_id not in self._document.graph.nodes:
            self._rebuild()
        elif self._node_id is not None:
            self._sync()
        elif len(self._document.selection) > 1:
            self._show_multi(self._document.selection)

    def _on_document_error_raised(self, message: str) -> None:
        if self._pushing:
            self._show_error(message)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ------------------------------------------------------------------ editors
# NOTE: one small class per ParamSpec kind. Each pushes user edits through ``on_edit``
# and shows model values with its signals blocked, skipping values it already shows
# so the field being typed in keeps its text and cursor.

INT_LIMIT = 2**31 - 1
FLOAT_LIMIT = 1e12


class ParamField:
    """The editor of one parameter: ``widget`` plus model-to-widget `show_value`."""

    widget: QWidget

    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        self.spec, self._on_edit, self._on_error = spec, on_edit, on_error

    def value(self) -> Any:
        raise NotImplementedError

    def show_value(self, value: Any) -> None:
        if self.value() == value:
            return
        with QSignalBlocker(self.widget):
            self._set(value)

    def _set(self, value: Any) -> None:
        raise NotImplementedError

    def _emit(self, *_args: object) -> None:
        self._on_edit(self.spec.name, self.value())


class _IntField(ParamField):
    """A spin box over the spec's range; an optional int shows "auto" below it."""

    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        super().__init__(spec, on_edit, on_error)
        self.widget = box = QSpinBox()
        low = int(spec.minimum) if spec.minimum is not None else -INT_LIMIT + 1
        high = int(spec.maximum) if spec.maximum is not None else INT_LIMIT
        if spec.optional:
            low -= 1
            box.setSpecialValueText("auto")
        box.setRange(max(low, -INT_LIMIT), min(high, INT_LIMIT))
        box.setGroupSeparatorShown(high >= 100_000)
        box.setAccelerated(True)
        box.valueChanged.connect(self._emit)

    def value(self) -> int | None:
        box = self.widget
        if self.spec.optional and box.value() == box.minimum():
            return None
        return box.value()

    def _set(self, value: Any) -> None:
        self.widget.setValue(self.widget.minimum() if value is None else int(value))


class FloatSpinBox(QDoubleSpinBox):
    """Shows floats as ``%g`` (``1e-05``, ``0.5``) and accepts scientific notation, so
    epsilons and rates need neither a fixed number of decimals nor trailing zeros."""

    def __init__(self) -> None:
        super().__init__()
        self.setDecimals(15)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        in_range = self.minimum() <= value <= self.maximum()
        state = QValidator.State.Acceptable if in_range else QValidator.State.Intermediate
        return state, text, pos


class _FloatField(ParamField):
    """A float spin box; the step suits the range (adaptive over many decades)."""

    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        super().__init__(spec, on_edit, on_error)
        self.widget = box = FloatSpinBox()
        low = spec.minimum if spec.minimum is not None else -FLOAT_LIMIT
        high = spec.maximum if spec.maximum is not None else FLOAT_LIMIT
        box.setRange(low, high)
        if low > 0 and high / low >= 1000:
            box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        elif high - low <= 1:
            box.setSingleStep(0.05)
        else:
            box.setSingleStep(0.1)
        box.valueChanged.connect(self._emit)

    def value(self) -> float:
        return self.widget.value()

    def _set(self, value: Any) -> None:
        self.widget.setValue(float(value))


class _BoolField(ParamField):
    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        super().__init__(spec, on_edit, on_error)
        self.widget = QCheckBox()
        self.widget.toggled.connect(self._emit)

    def value(self) -> bool:
        return self.widget.isChecked()

    def _set(self, value: Any) -> None:
        self.widget.setChecked(bool(value))


class _ChoiceField(ParamField):
    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        super().__init__(spec, on_edit, on_error)
        self.widget = combo = QComboBox()
        for choice in spec.choices:
            combo.addItem(choice.replace("_", " "), choice)
        combo.currentIndexChanged.connect(self._emit)

    def value(self) -> str:
        return self.widget.currentData()

    def _set(self, value: Any) -> None:
        self.widget.setCurrentIndex(self.widget.findData(value))


class _IntsField(ParamField):
    """A line edit for a list of whole numbers, ``4, 4, 1``; empty means "auto" when the
    parameter is optional. Parse errors are shown, never pushed."""

    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        super().__init__(spec, on_edit, on_error)
        self.widget = edit = QLineEdit()
        edit.setPlaceholderText("auto" if spec.optional else "e.g. 4, 4, 1")
        edit.editingFinished.connect(self._on_edit_editing_finished)
        edit.textEdited.connect(self._on_edit_text_edited)

    def value(self) -> tuple[int, ...] | None:
        try:
            return self.parse(self.widget.text())
        except ValueError:
            return ()

    def parse(self, text: str) -> tuple[int, ...] | None:
        """``"4, 4, 1"`` -> ``(4, 4, 1)``; raises ValueError with a message for the user."""
        text = text.strip().strip("()[]").strip()
        if not text or text.lower() == "auto":
            if self.spec.optional:
                return None
            raise ValueError(f"{self.spec.title}: write whole numbers like 4, 4, 1")
        items = [part for part in text.replace(",", " ").split() if part]
        try:
            return tuple(int(part) for part in items)
        except ValueError:
            bad = next(p for p in items if not p.lstrip("-").isdigit())
            raise ValueError(
                f"{self.spec.title}: {bad!r:.20} is not a whole number; write e.g. 4, 4, 1"
            ) from None

    def _set(self, value: Any) -> None:
        self.widget.setText("" if value is None else ", ".join(str(v) for v in value))
        self._mark(valid=True)

    def _mark(self, valid: bool) -> None:
        if self.widget.property("invalid") != (not valid):
            self.widget.setProperty("invalid", not valid)
            self.widget.style().unpolish(self.widget)
            self.widget.style().polish(self.widget)

    def _on_edit_text_edited(self, text: str) -> None:
        try:
            self.parse(text)
        except ValueError:
            return
        self._mark(valid=True)

    def _on_edit_editing_finished(self) -> None:
        try:
            value = self.parse(self.widget.text())
        except ValueError as error:
            self._mark(valid=False)
            self._on_error(str(error))
            return
        self._mark(valid=True)
        self._on_edit(self.spec.name, value)


_FIELDS: dict[str, type[ParamField]] = {
    "int": _IntField,
    "float": _FloatField,
    "bool": _BoolField,
    "choice": _ChoiceField,
    "ints": _IntsField,
}


def make_field(spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback) -> ParamField:
    """The editor for ``spec``'s kind, with the help text as its tooltip."""
    field = _FIELDS[spec.kind](spec, on_edit, on_error)
    field.widget.setToolTip(spec.help or spec.title)
    field.widget.setObjectName(f"param_{spec.name}")
    return field
