"""The dock panels: inspector, palette, problems and code view against a real document."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextDocument
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from designer.model import Project
from designer.model.edits import AddNode, Connect, SetParam
from designer.ui.document import GraphDocument
from designer.ui.panels import (
    LAYER_MIME_TYPE,
    CodeViewPanel,
    InspectorPanel,
    PalettePanel,
    ProblemsPanel,
    PythonHighlighter,
    layer_mime_data,
)
from designer.ui.panels.code_view import FIX_PROBLEMS_TEXT

# The offscreen platform warns about this whenever a top-level widget is shown.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _add(document: GraphDocument, type_id: str, **params) -> str:
    edit = AddNode(type_id, params)
    assert document.push(edit)
    return edit.node_id


@pytest.fixture
def document(qtbot):
    """Input(8 features) -> Linear -> Output, analysed."""
    doc = GraphDocument(Project())
    ids = [_add(doc, "Input", features=8), _add(doc, "Linear"), _add(doc, "Output")]
    for src, dst in itertools.pairwise(ids):
        assert doc.push(Connect(src, "out", dst, "in"))
    doc.refresh_analysis()
    doc.ids = ids
    return doc


@pytest.fixture
def inspector(qtbot, document):
    panel = InspectorPanel(document)
    qtbot.addWidget(panel)
    panel.show()
    document.set_selection([document.ids[1]])
    return panel


def _type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.selectAll()
    qtbot.keyClicks(line, text)


# -------------------------------------------------------------------- inspector
def test_inspector_builds_one_editor_per_parameter_kind(qtbot, inspector, document):
    units, bias = inspector.field("units").widget, inspector.field("bias").widget
    assert isinstance(units, QSpinBox)
    assert (units.minimum(), units.value()) == (1, 10)
    assert isinstance(bias, QCheckBox) and bias.isChecked()
    assert isinstance(inspector.field("activation").widget, QComboBox)
    assert inspector.name_edit.text() == document.graph.node(document.ids[1]).label
    assert inspector.shape_out.text() == "N×10"
    assert inspector.param_count.text() == "90"


def test_typing_a_number_is_one_undo_step_and_undo_updates_the_field(qtbot, inspector, document):
    node_id = document.ids[1]
    before = document.undo_stack.count()
    units = inspector.field("units").widget
    _type_into(qtbot, units, "128")
    qtbot.keyClick(units, Qt.Key.Key_Return)
    assert document.graph.node(node_id).params["units"] == 128
    assert document.undo_stack.count() == before + 1
    with qtbot.waitSignal(document.analysis_changed):
        document.undo_stack.undo()
    assert document.graph.node(node_id).params["units"] == 10
    assert inspector.field("units").widget is units  # updated in place, not rebuilt
    assert units.value() == 10
    assert units.hasFocus()


def test_analysis_updates_the_shape_after_an_edit(qtbot, inspector, document):
    with qtbot.waitSignal(document.analysis_changed):
        inspector.field("units").widget.setValue(3)
    assert inspector.shape_out.text() == "N×3"
    assert inspector.param_count.text() == f"{8 * 3 + 3}"


def test_checkbox_and_combo_push_set_param(qtbot, inspector, document):
    node = document.graph.node(document.ids[1])
    inspector.field("bias").widget.setChecked(False)
    combo = inspector.field("activation").widget
    combo.setCurrentIndex(combo.findData("gelu"))
    assert node.params["bias"] is False
    assert node.params["activation"] == "gelu"


def test_float_field_accepts_scientific_notation(qtbot, document):
    node_id = _add(document, "BatchNorm1d")
    panel = InspectorPanel(document)
    qtbot.addWidget(panel)
    document.set_selection([node_id])
    eps = panel.field("eps").widget
    assert isinstance(eps, QDoubleSpinBox)
    assert eps.text() == "1e-05"
    _type_into(qtbot, eps, "3e-4")
    qtbot.keyClick(eps, Qt.Key.Key_Return)
    assert document.graph.node(node_id).params["eps"] == pytest.approx(3e-4)


def test_optional_int_shows_auto(qtbot, document):
    node_id = _add(document, "MaxPool2d")
    panel = InspectorPanel(document)
    qtbot.addWidget(panel)
    document.set_selection([node_id])
    stride = panel.field("stride").widget
    assert stride.text() == "auto"
    stride.setValue(2)
    assert document.graph.node(node_id).params["stride"] == 2
    stride.setValue(stride.minimum())
    assert document.graph.node(node_id).params["stride"] is None


def test_ints_field_parses_and_reports_errors(qtbot, document):
    node_id = _add(document, "Reshape")
    panel = InspectorPanel(document)
    qtbot.addWidget(panel)
    panel.show()
    document.set_selection([node_id])
    edit = panel.field("shape").widget
    assert isinstance(edit, QLineEdit)
    assert edit.text() == "1, -1"
    _type_into(qtbot, edit, "4, x")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert document.graph.node(node_id).params["shape"] == (1, -1)
    assert panel.error_label.isVisible()
    assert "'x' is not a whole number" in panel.error_label.text()
    assert edit.property("invalid") is True
    _type_into(qtbot, edit, "(2, 4)")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert document.graph.node(node_id).params["shape"] == (2, 4)
    assert not panel.error_label.isVisible()


def test_rename_pushes_rename_and_refuses_empty(qtbot, inspector, document):
    node_id = document.ids[1]
    _type_into(qtbot, inspector.name_edit, "encoder")
    qtbot.keyClick(inspector.name_edit, Qt.Key.Key_Return)
    assert document.graph.node(node_id).label == "encoder"
    inspector.name_edit.setText("  ")
    inspector.name_edit.editingFinished.emit()
    assert document.graph.node(node_id).label == "encoder"
    assert inspector.name_edit.text() == "encoder"


def test_edits_are_refused_while_locked(qtbot, inspector, document):
    node_id = document.ids[1]
    document.lock("Training is running; stop it to edit the design")
    units = inspector.field("units").widget
    units.setValue(42)
    assert document.graph.node(node_id).params["units"] == 10
    assert units.value() == 10
    assert "Training is running" in inspector.error_label.text()
    document.lock(None)


def test_input_shows_only_the_sizes_its_kind_uses(qtbot, inspector, document):
    source = next(iter(document.graph.nodes))
    document.set_selection([source])
    form = inspector.form

    def visible(name: str) -> bool:
        return form.isRowVisible(inspector._fields[name].widget)

    assert visible("features") and not visible("height") and not visible("vocab_size")
    document.push(SetParam(source, "kind", "image"))
    qtbot.waitUntil(lambda: visible("height"))
    assert visible("channels") and visible("width") and not visible("features")
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: visible("features"))
    assert not visible("height")


def test_empty_and_multiple_selection_states(qtbot, inspector, document):
    document.set_selection([])
    assert inspector.node_id is None
    assert inspector.pages.currentIndex() == 0
    document.set_selection(document.ids)
    assert inspector.pages.currentIndex() == 1
    assert "3 layers selected" in inspector.multi_label.text()


def test_deleting_the_node_clears_the_form(qtbot, inspector, document):
    from designer.model.edits import RemoveNodes

    with qtbot.waitSignal(document.analysis_changed):
        document.push(RemoveNodes([document.ids[1]]))
    assert inspector.node_id is None


# ---------------------------------------------------------------------- palette
def test_palette_lists_every_layer_and_filters_by_name_and_help(qtbot):
    palette = PalettePanel()
    qtbot.addWidget(palette)
    everything = palette.visible_type_ids()
    assert {"Linear", "Conv2d", "Add"} <= set(everything)
    qtbot.keyClicks(palette.search, "conv")
    convolutions = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]
    # by name, and by help text ("convolutional networks", "... for a Conv1d")
    assert palette.visible_type_ids() == ["Dropout2d", "Permute", *convolutions]
    palette.search.setText("residual")  # only in Add's help text
    assert palette.visible_type_ids() == ["Add"]
    palette.search.setText("zzzz")
    assert palette.visible_type_ids() == []
    palette.search.clear()
    assert palette.visible_type_ids() == everything


def test_palette_double_click_and_enter_emit_layer_activated(qtbot):
    palette = PalettePanel()
    qtbot.addWidget(palette)
    palette.show()
    group = palette.tree.topLevelItem(1)
    item = group.child(0)
    rect = palette.tree.visualItemRect(item)
    viewport = palette.tree.viewport()
    with qtbot.waitSignal(palette.layer_activated) as blocker:
        # a real double-click starts with a press: the view only honours the second click
        # on the item pressed first
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [item.data(0, Qt.ItemDataRole.UserRole)]
    palette.search.setText("lstm")
    with qtbot.waitSignal(palette.layer_activated) as blocker:
        qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert blocker.args == ["LSTM"]


def test_palette_items_have_tooltips_and_the_drag_payload(qtbot):
    palette = PalettePanel()
    qtbot.addWidget(palette)
    item = palette.tree.topLevelItem(1).child(0)
    assert "Fully connected" in item.toolTip(0)
    assert not item.icon(0).isNull()
    mime = layer_mime_data("Conv2d")
    assert bytes(mime.data(LAYER_MIME_TYPE)).decode("utf-8") == "Conv2d"


# --------------------------------------------------------------------- problems
def test_problems_lists_and_selects_the_node(qtbot, document):
    stray = _add(document, "ReLU")
    panel = ProblemsPanel(document)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(document.analysis_changed):
        document.refresh_analysis()
    messages = [panel.list.item(i).text() for i in range(panel.list.count())]
    assert any("not connected" in m for m in messages)
    row = next(i for i in range(panel.list.count()) if "not connected" in messages[i])
    rect = panel.list.visualItemRect(panel.list.item(row))
    with qtbot.waitSignal(panel.node_focus_requested) as blocker:
        qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [stray]
    assert document.selection == [stray]


def test_problems_shows_the_valid_state(qtbot, document):
    panel = ProblemsPanel(document)
    qtbot.addWidget(panel)
    assert panel.list.count() == 0
    assert panel.pages.currentIndex() == 0


# -------------------------------------------------------------------- code view
@pytest.fixture
def code_view(qtbot, document):
    panel = CodeViewPanel(document)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: "nn.Linear" in panel.code)
    return panel


def test_code_view_shows_code_and_follows_edits(qtbot, code_view, document):
    from designer.model.edits import SetParam

    assert "out_features=10" in code_view.code
    document.push(SetParam(document.ids[1], "units", 77))
    qtbot.waitUntil(lambda: "out_features=77" in code_view.code)


def test_code_view_highlights_the_selected_node(qtbot, code_view, document):
    document.set_selection([document.ids[1]])
    lines = code_view.highlighted_lines
    assert lines
    text = code_view.code.splitlines()
    assert any("nn.Linear" in text[n - 1] for n in lines)
    document.set_selection([])
    assert code_view.highlighted_lines == []


def test_code_view_asks_to_fix_problems(qtbot, code_view, document):
    from designer.model.edits import RemoveNodes

    document.push(RemoveNodes([document.ids[2]]))
    qtbot.waitUntil(lambda: code_view.pages.currentIndex() == 1)
    assert FIX_PROBLEMS_TEXT in code_view.message.text()
    assert "Output" in code_view.message.text()
    assert code_view.code == ""


def test_code_view_toggles_the_training_script(qtbot, code_view):
    module_code = code_view.code
    code_view.script_toggle.setChecked(True)
    assert len(code_view.code) > len(module_code)
    assert "import torch" in code_view.code


def test_highlighter_colours_python(qtbot):
    doc = QTextDocument()
    highlighter = PythonHighlighter(doc)
    doc.setPlainText('@dec\ndef f(x):  # note\n    return "s" + 12\n"""doc\nstring"""\n')
    highlighter.rehighlight()

    def colours(line: int) -> set[str]:
        block = doc.findBlockByNumber(line)
        return {r.format.foreground().color().name() for r in block.layout().formats()}

    from designer.ui.panels.code_view import _LIGHT

    assert QColor(_LIGHT["decorator"]).name() in colours(0)
    assert {_LIGHT["keyword"], _LIGHT["comment"]} <= colours(1)
    assert {_LIGHT["string"], _LIGHT["number"]} <= colours(2)
    assert colours(4) == {_LIGHT["string"]}  # the second line of a triple-quoted string
