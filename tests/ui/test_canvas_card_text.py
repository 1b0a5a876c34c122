"""A card's own text keeps clear of its port names (a mask input, a Chunk's parts), and a
parameter count with no room beside the shape moves up beside the label, on the card
and in its status row alike, and back when there is room again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

from designer.model.edits import SetParam
from designer.ui.canvas import style
from designer.ui.canvas.card import LABEL_TOP, ROW_HEIGHT, row_top
from designer.ui.canvas.node_item import NodeItem

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@pytest.fixture
def document(make_document):
    sequence = {"kind": "sequence", "length": 6, "features": 8}
    tokens = {"kind": "tokens", "length": 6, "vocab_size": 20}
    document = make_document(
        [
            ("seq", "Input", sequence, (0, 0)),
            ("ids", "Input", tokens, (0, 200)),
            ("chunk", "Chunk", {"chunks": 4}, (260, 0)),
            ("attend", "SelfAttention", {"num_heads": 2}, (520, 0)),
            ("proj", "Linear", {"units": 16}, (520, 200)),
        ],
        wires=[("seq", "chunk"), ("seq", "proj")],
    )
    document.graph.connect("seq", "out", "attend", "in")
    document.graph.connect("ids", "out", "attend", "mask")
    document.refresh_analysis()
    return document


@pytest.fixture
def view(open_view, document):
    shown = open_view(document, size=(1200, 500), center=(400, 100))
    shown.set_zoom(1.0)
    shown.centerOn(400, 100)
    return shown


def name_rects(item: NodeItem, fonts: style.CanvasFonts) -> list[QRectF]:
    """Where the card paints its port names (on a side with several ports)."""
    metrics, rects = fonts.small_metrics, []
    if len(item.inputs) > 1:
        for name, port in item.inputs.items():
            rects.append(QRectF(10.0, port.y() - 8, metrics.horizontalAdvance(name), 16.0))
    if len(item.outputs) > 1:
        for name, port in item.outputs.items():
            width = metrics.horizontalAdvance(name)
            rects.append(QRectF(style.NODE_WIDTH - 10.0 - width, port.y() - 8, width, 16.0))
    return rects


@pytest.mark.parametrize("node_id", ["chunk", "attend"])
def test_the_label_and_the_status_row_keep_clear_of_port_names(view, node_id):
    item = view.graph_scene.node_item(node_id)
    fonts = view.graph_scene.theme.fonts
    layout = item.text_layout(fonts)
    label = QRectF(layout.left, LABEL_TOP, layout.label_right - layout.left, ROW_HEIGHT)
    row_left = layout.row_left - 2.0  # where the shape badge starts
    row = QRectF(row_left, row_top(item.height), layout.row_right - row_left, ROW_HEIGHT)
    names = name_rects(item, fonts)
    assert names  # the card has named ports, and they sit on its text rows
    assert any(name.intersects(label) or name.intersects(row) for name in names) is False
    assert any(QRectF(0, LABEL_TOP, style.NODE_WIDTH, ROW_HEIGHT).intersects(n) for n in names)


def settled(item: NodeItem) -> tuple[str | None, tuple[str, str]]:
    """What the card shows beside its label and what its row shows, once painted."""
    for _ in range(4):
        QApplication.processEvents()
    return item.raised_shown, item.row.shown


def test_a_count_without_room_moves_up_beside_the_label_and_back(qtbot, view, document):
    scene = view.graph_scene
    item = scene.node_item("proj")
    fonts = scene.theme.fonts
    count = item.params_text
    assert count and not item.text_layout(fonts).raised
    qtbot.waitUntil(lambda: settled(item) == ("", (item.status.shape, count)))
    with qtbot.waitSignal(document.analysis_changed):
        document.push(SetParam("seq", "length", 1_000_000))
    shape = item.status.shape
    assert shape == "N×1000000×16" and item.text_layout(fonts).raised == count
    # the count is painted once, beside the label, and the row shows the shape alone
    qtbot.waitUntil(lambda: settled(item) == (count, (shape, "")))
    with qtbot.waitSignal(document.analysis_changed):
        document.undo_stack.undo()
    qtbot.waitUntil(lambda: settled(item) == ("", (item.status.shape, count)))
    assert item.status.shape == "N×6×16"
