"""The canvas repaints what changed and nothing else: an analysis repaints the status
rows whose result changed, zooming out hides rows too small to read, tooltips are
written when the mouse rests, a wire drag judges only the ports it shows, and window
activation reaches no item."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QRectF, Qt
from PySide6.QtGui import QHelpEvent, QRegion
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsRectItem, QToolTip

from designer.model.edits import SetParam
from designer.ui.canvas import interactions, style
from designer.ui.canvas.port_item import PortState

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


class Repaints(QObject):
    """The regions of the viewport's paint events, as they arrive."""

    def __init__(self, viewport) -> None:
        super().__init__(viewport)
        self.regions: list[QRegion] = []
        viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.regions.append(QRegion(event.region()))
        return False


def flush() -> None:
    """Deliver what is queued: coalesced re-inference, dirty items, update requests."""
    for _ in range(4):
        QApplication.processEvents()


@pytest.fixture
def document(make_document):
    return make_document(
        [
            ("n1", "Input", {"features": 4}, (0, 0)),
            ("n2", "Linear", {"units": 8}, (260, 0)),
            ("n3", "Dropout", {}, (520, 0)),
            ("n4", "Linear", {"units": 3}, (780, 0)),
            ("n5", "Output", {"loss": "mse"}, (1040, 0)),
        ],
        wires=[("n1", "n2"), ("n2", "n3"), ("n3", "n4"), ("n4", "n5")],
    )


@pytest.fixture
def view(open_view, document):
    shown = open_view(document, size=(1400, 400), center=(610, 40))
    shown.set_zoom(1.0)
    shown.centerOn(610, 40)
    return shown


def painted_after(qtbot, view, document, edit) -> QRegion:
    """Push ``edit`` once the view has settled; the region repainted because of it."""
    repaints = Repaints(view.viewport())
    view.viewport().update()
    qtbot.waitUntil(lambda: bool(repaints.regions))
    flush()
    repaints.regions.clear()
    with qtbot.waitSignal(document.analysis_changed, timeout=2000):
        assert document.push(edit)
    flush()
    region = QRegion()
    for part in repaints.regions:
        region = region.united(part)
    return region


def on_screen(view, item):
    return view.mapFromScene(item.sceneBoundingRect()).boundingRect()


def row_on_screen(view, item):
    """Where a node's status row (shape and parameters, at the card's foot) is shown."""
    row = QRectF(8.0, item.height - 28.0, style.NODE_WIDTH - 16.0, 22.0)
    return view.mapFromScene(item.mapRectToScene(row)).boundingRect()


def test_an_edit_repaints_only_the_rows_it_changed(qtbot, view, document):
    scene = view.graph_scene
    region = painted_after(qtbot, view, document, SetParam("n4", "bias", False))
    assert scene.node_item("n4").params_text == "24 params"
    row = row_on_screen(view, scene.node_item("n4"))
    assert not region.isEmpty() and row.contains(region.boundingRect())
    for other in ("n1", "n2", "n3", "n5"):
        assert not region.intersects(on_screen(view, scene.node_item(other)))


def test_an_edit_that_changes_nothing_shown_repaints_nothing(qtbot, view, document):
    region = painted_after(qtbot, view, document, SetParam("n3", "p", 0.25))
    assert region.isEmpty()


def test_an_edit_reaching_many_rows_updates_every_one(qtbot, view, document):
    scene = view.graph_scene
    painted_after(qtbot, view, document, SetParam("n1", "features", 6))
    assert scene.node_item("n2").params_text == "56 params"
    assert scene.node_item("n2").status.shape == "N×8"


def test_zoomed_out_rows_are_hidden_and_come_back_current(qtbot, view, document):
    scene, fonts = view.graph_scene, view.graph_scene.theme.fonts
    assert all(item.row.isVisible() for item in scene.node_items())
    view.set_zoom(fonts.detail_zoom * 0.9)
    assert scene.detail == style.OVERVIEW
    assert not any(item.row.isVisible() for item in scene.node_items())
    view.set_zoom(fonts.overview_zoom * 0.9)
    assert scene.detail == style.BLOCKS
    with qtbot.waitSignal(document.analysis_changed):
        document.push(SetParam("n2", "units", 5))
    view.set_zoom(1.0)
    assert scene.detail == style.DETAIL
    assert all(item.row.isVisible() for item in scene.node_items())
    assert scene.node_item("n2").status.shape == "N×5"


def show_tooltip(view, scene_point) -> str:
    """What the canvas shows when the mouse rests at ``scene_point`` ("" for nothing)."""
    at = view.mapFromScene(scene_point)
    event = QHelpEvent(QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at))
    QApplication.sendEvent(view.viewport(), event)
    return QToolTip.text() if event.isAccepted() else ""


def test_tooltips_are_written_when_the_mouse_rests(qtbot, view, document):
    scene = view.graph_scene
    item = scene.node_item("n2")
    text = show_tooltip(view, item.sceneBoundingRect().center())
    assert "Linear" in text and "N×8" in text and "Parameters: 40" in text
    with qtbot.waitSignal(document.analysis_changed):
        document.push(SetParam("n2", "units", 9))
    assert "N×9" in show_tooltip(view, item.sceneBoundingRect().center())
    wire = scene.edge_item(next(e for e in document.graph.edges if e.dst == "n3"))
    text = show_tooltip(view, wire.path().pointAtPercent(0.5))
    assert "→" in text and "N×9" in text
    assert show_tooltip(view, item.sceneBoundingRect().center() + QPoint(0, 300)) == ""


def test_window_activation_reaches_no_item(qtbot, view):
    class Listener(QGraphicsRectItem):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[QEvent.Type] = []

        def sceneEventFilter(self, watched, event) -> bool:
            self.seen.append(event.type())
            return False

    scene = view.graph_scene
    listener = Listener()
    scene.addItem(listener)
    scene.node_item("n2").installSceneEventFilter(listener)
    kinds = [QEvent.Type.WindowActivate, QEvent.Type.WindowDeactivate]
    for kind in reversed(kinds) if scene.isActive() else kinds:  # the window leaves, returns
        QApplication.sendEvent(scene, QEvent(kind))
    assert listener.seen == []


@pytest.fixture
def long_chain(make_document):
    """An Input and 40 ReLUs in a row, far wider than the view; the inputs of ``n4``,
    ``n5`` and ``n7`` are unwired."""
    layers = [("n1", "Input", {"features": 4}, (0, 0))]
    layers += [(f"n{i}", "ReLU", {}, (260 * (i - 1), 0)) for i in range(2, 42)]
    wires = [(f"n{i}", f"n{i + 1}") for i in range(1, 41) if i not in (3, 4, 6)]
    return make_document(layers, wires)


def test_a_wire_drag_judges_only_the_ports_in_view(qtbot, open_view, long_chain, monkeypatch):
    view = open_view(long_chain, size=(900, 300), center=(400, 40))
    view.set_zoom(1.0)
    view.centerOn(400, 40)
    asked: list[str] = []
    judge = interactions.refusal

    def judging(graph, analysis, src, src_port, dst, dst_port):
        asked.append(dst)
        return judge(graph, analysis, src, src_port, dst, dst_port)

    monkeypatch.setattr(interactions, "refusal", judging)
    scene = view.graph_scene
    scene.node_item("n4").setPos(300, 100)  # unwired ports in view: judged as drawn
    scene.node_item("n5").setPos(560, 100)
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    in_view = {i.node_id for i in scene.node_items() if shown.intersects(i.sceneBoundingRect())}
    repaints = Repaints(view.viewport())
    port = scene.node_item("n2").outputs["out"]
    QTest.mousePress(view.viewport(), LEFT, NO_MOD, view.mapFromScene(port.scenePos()))
    qtbot.waitUntil(lambda: bool(repaints.regions))
    flush()
    assert {"n4", "n5"} <= in_view and len(in_view) < 40
    assert set(asked) == {"n4", "n5"}  # the others in view are wired: refused at once
    far = scene.node_item("n30").inputs["in"]  # judged when asked, in view or not
    assert far.state is PortState.REFUSED
    assert scene.node_item("n7").inputs["in"].state is PortState.CANDIDATE
    QTest.mouseRelease(view.viewport(), LEFT, NO_MOD, view.mapFromScene(port.scenePos()))
    assert far.state is PortState.NORMAL
