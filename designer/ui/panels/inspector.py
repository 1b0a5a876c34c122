"""`InspectorPanel`: a form for the selected layer, generated from its catalogue entry.

Each `ParamSpec` kind maps to one editor (spin box, check box, combo box, or a line edit
for lists of ints; see `designer.ui.panels.param_fields`), so a new layer type needs no
UI code. Every edit is a `SetParam` pushed on the document; the undo command merges
consecutive edits of one field, so typing a number is one undo step. Model changes (undo,
redo) update the editors in place, never rebuilding them, so the field being typed in
keeps its focus and cursor. The *Help* tab beside the form is the layer type's help page
(`designer.ui.panels.layer_help`), for the same node.

# NOTE: the form belongs to one node of one graph (`_FormKey`). Opening another project
# replaces the graph, and its first analysis arrives before ``project_replaced``; node ids
# restart at ``n1`` in every project, so an id alone would match a different layer of the
# new design. Every handler therefore checks the key first and drops a stale form, and a
# pending edit of a stale form (a field committing on focus-out) is discarded.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from designer.catalog import LayerSpec, ParamError, ParamSpec
from designer.model import Graph
from designer.model.edits import Rename, SetParam
from designer.model.shapes import format_count
from designer.resources import category_icon_name
from designer.ui import theme
from designer.ui.document import GraphDocument
from designer.ui.panels.finding_row import SilencedRows
from designer.ui.panels.layer_help import LayerHelpView
from designer.ui.panels.param_fields import ParamField, make_field
from designer.ui.panels.problems import ProblemRows
from designer.ui.panels.terms import param_tooltip

EMPTY_TEXT = "Select a layer on the canvas to see and edit its parameters."


class _FormKey(NamedTuple):
    """What the form was built for: the graph object, the node id and its layer type."""

    graph: Graph
    node_id: str | None
    type_id: str | None


def _muted(text: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


class InspectorPanel(QWidget):
    """Shows and edits the selected node; a summary for none or several selected."""

    def __init__(
        self,
        document: GraphDocument,
        parent: QWidget | None = None,
        help_view: LayerHelpView | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self._document = document
        self._node_id: str | None = None
        self._key = _FormKey(document.view_graph, None, None)
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
        self.help_view = help_view or LayerHelpView()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("inspectorTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._scrolling(self.node_page), "Properties")
        self.tabs.addTab(self.help_view, "Help")
        self.tabs.setTabToolTip(1, "What this layer computes, its parameters, and its terms (F1)")
        self.pages.addWidget(self.tabs)
        self._build_node_page()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        document.selection_changed.connect(self._on_document_selection_changed)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        document.project_replaced.connect(self._on_document_project_replaced)
        document.view_changed.connect(self._on_document_project_replaced)
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
        self.problem_rows = ProblemRows()
        self.silenced_rows = SilencedRows()
        self.silenced_rows.hear_again.connect(self._on_silenced_rows_hear_again)
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
        layout.addWidget(self.problem_rows)
        layout.addWidget(self.silenced_rows)
        layout.addStretch(1)

    def show_help(self) -> bool:
        """Turn to the Help tab of the selected layer; False when no one layer is selected."""
        if self._node_id is None:
            return False
        self.tabs.setCurrentWidget(self.help_view)
        return True

    def edit_name(self) -> None:
        """Put the cursor in the name field with the name selected, ready to type over."""
        self.tabs.setCurrentIndex(0)
        if self.name_edit is not None:
            self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            self.name_edit.selectAll()

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

    def _current(self) -> str | None:
        """The node the form edits, if the form still belongs to the open design: the
        same graph, and a node of the same type under that id; else None."""
        graph, node_id, type_id = self._key
        if node_id is None or graph is not self._document.view_graph or node_id not in graph.nodes:
            return None
        return node_id if graph.node(node_id).type == type_id else None

    def _is_stale(self) -> bool:
        """Whether the form shows a node that is no longer the one in the open design."""
        return self._key.graph is not self._document.view_graph or (
            self._node_id is not None and self._current() is None
        )

    # ----------------------------------------------------------------- rebuild
    def _rebuild(self) -> None:
        """Regenerate the form for the current selection (selection changes only)."""
        graph = self._document.view_graph
        selection = [n for n in self._document.selection if n in graph.nodes]
        self._clear_form()
        self._node_id = selection[0] if len(selection) == 1 else None
        node_type = graph.node(self._node_id).type if self._node_id is not None else None
        self._key = _FormKey(graph, self._node_id, node_type)
        if not selection:
            self.pages.setCurrentIndex(0)
        elif len(selection) > 1:
            self._show_multi(selection)
            self.pages.setCurrentIndex(1)
        else:
            self._build_form(self._document.view_graph.spec(selection[0]))
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
            label.setToolTip(param_tooltip(param))
            self.form.addRow(label, field.widget)
            self._fields[param.name] = field
        if not spec.params:
            self.form.addRow(_muted("This layer has no parameters."))

    def _show_multi(self, selection: list[str]) -> None:
        analysis = self._document.view_analysis
        total = sum(analysis.info(n).params for n in selection)
        self.multi_label.setText(
            f"<b>{len(selection)} layers selected</b><br><br>"
            f"{total:,} parameters together.<br>Select one layer to edit it."
        )

    # -------------------------------------------------------------------- sync
    def _sync(self) -> None:
        """Show the model's current values without emitting edits or moving focus."""
        graph = self._document.view_graph
        if self._current() is None:
            return
        node = graph.node(self._node_id)
        spec = graph.spec(self._node_id)
        for name, field in self._fields.items():
            field.show_value(node.params.get(name))
            # Parameters that do not apply (an Input's height for feature vectors) hide.
            self.form.setRowVisible(field.widget, spec.param(name).applies(node.params))
        if self.name_edit is not None and self.name_edit.text() != node.label:
            self.name_edit.setText(node.label)
        self.header.setToolTip(f"{spec.display_name} '{node.label}'")
        self.help_view.show_layer(spec, node.params)
        self._show_info()

    def _show_info(self) -> None:
        assert self._node_id is not None
        analysis = self._document.view_analysis
        info = analysis.info(self._node_id)
        self.shape_in.setText(", ".join(str(s) for s in info.inputs) or "—")
        self.shape_out.setText(info.output_text if info.outputs else "—")
        self.param_count.setText(f"{info.params:,}")
        compact = f"  ({format_count(info.macs)})" if info.macs >= 1000 else ""
        self.mac_count.setText(f"{info.macs:,}{compact}")
        self.problem_rows.set_problems([p for p in analysis.problems if p.node_id == self._node_id])
        self.silenced_rows.set_silenced(self._document.view_graph.node(self._node_id).silenced)

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
        node_id = self._current()
        if node_id is None:
            return  # an edit left over from a form of another design or node: dropped
        graph = self._document.view_graph
        spec: ParamSpec = graph.spec(node_id).param(name)
        try:
            value = spec.validate(value)
        except ParamError as error:
            self._show_error(str(error))
            return
        current = graph.node(node_id).params.get(name)
        if current == value and type(current) is type(value):
            self._show_error("")
            return
        if self._push(SetParam(node_id, name, value, f"Change {spec.title.lower()}")):
            self._show_error("")

    def _on_name_edit_editing_finished(self) -> None:
        node_id = self._current()
        if node_id is None or self.name_edit is None:
            return
        node = self._document.view_graph.node(node_id)
        text = self.name_edit.text().strip()
        if text == node.label:
            return
        if not text:
            self.name_edit.setText(node.label)
            self._show_error("A layer needs a name.")
            return
        if self._push(Rename(node_id, text)):
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
        if self._is_stale():
            self._rebuild()
        elif self._node_id is not None:
            self._sync()
        elif len(self._document.selection) > 1:
            self._show_multi(self._document.selection)

    def _on_silenced_rows_hear_again(self, rule: str) -> None:
        node_id = self._current()
        if node_id is not None:
            self._document.silence(node_id, rule, None)

    def _on_document_error_raised(self, message: str) -> None:
        if self._pushing:
            self._show_error(message)
