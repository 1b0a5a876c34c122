"""New layers from the palette: spliced into the wire they are dropped on, or added after
the selected layer in free space, each in one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.io import example_paths
from designer.model import Edge
from designer.ui.canvas import GraphView
from designer.ui.canvas.view import LAYER_MIME

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

COPY = Qt.DropAction.CopyAction
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
CHAIN = [
    ("n1", "Input", {"kind": "features", "features": 4}, (0.0, 0.0)),
    ("n2", "Linear", {"units": 8}, (300.0, 0.0)),
    ("n3", "Output", {}, (600.0, 0.0)),
]


@pytest.fixture
def chain(make_document):
    return make_document(CHAIN, wires=[("n1", "n2"), ("n2", "n3")])


@pytest.fixture
def view(open_view, chain) -> GraphView:
    view = open_view(chain, size=(1000, 500))
    view.fit_to_view()
    return view


def _wire_middle(view: GraphView, edge: Edge) -> QPoint:
    path = view.graph_scene.edge_item(edge).path()
    return view.mapFromScene(path.pointAtPercent(0.5))


def _drag(view: GraphView, type_id: str, at: QPoint, drop: bool = True) -> None:
    """A palette drag entering the canvas, moving to ``at`` and dropping (or leaving)."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, type_id.encode())
    viewport, pos = view.viewport(), QPointF(at)
    QApplication.sendEvent(viewport, QDragEnterEvent(QPointF(5, 5), COPY, mime, LEFT, NO_MOD))
    QApplication.sendEvent(viewport, QDragMoveEvent(pos, COPY, mime, LEFT, NO_MOD))
    if drop:
        QApplication.sendEvent(viewport, QDropEvent(pos, COPY, mime, LEFT, NO_MOD))


def _edges(document) -> list[tuple[str, str]]:
    """The wires as (from, to) pairs, sorted: the graph's own order is not a promise."""
    return sorted((e.src, e.dst) for e in document.graph.edges)


def _rects(view: GraphView):
    return [i.mapRectToScene(i.body_rect()) for i in view.graph_scene.node_items()]


def _overlaps(view: GraphView) -> bool:
    rects = _rects(view)
    return any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1 :])


def test_a_drag_over_a_wire_lights_it_up_and_leaving_puts_it_out(view, chain):
    edge = chain.graph.edges[1]
    item = view.graph_scene.edge_item(edge)
    _drag(view, "ReLU", _wire_middle(view, edge), drop=False)
    assert item.is_drop_target
    QApplication.sendEvent(view.viewport(), QDragLeaveEvent())
    assert not item.is_drop_target


def test_dropping_on_a_wire_splices_the_layer_in_as_one_step(view, chain):
    before = _edges(chain)
    edge = chain.graph.edges[1]  # Linear -> Output
    _drag(view, "ReLU", _wire_middle(view, edge))
    (new,) = [n.id for n in chain.graph if n.type == "ReLU"]
    assert _edges(chain) == sorted([("n1", "n2"), ("n2", new), (new, "n3")])
    assert chain.selection == [new]
    assert chain.undo_stack.count() == 1
    assert not view.graph_scene.edge_item(chain.graph.edges[0]).is_drop_target
    chain.undo_stack.undo()
    assert _edges(chain) == before and len(chain.graph) == 3
    chain.undo_stack.redo()
    assert _edges(chain) == sorted([("n1", "n2"), ("n2", new), (new, "n3")])


@pytest.mark.parametrize("type_id", ["Output", "Input"])
def test_a_layer_without_the_ports_for_the_wire_is_only_added(view, chain, type_id):
    before = _edges(chain)
    edge = chain.graph.edges[0]
    item = view.graph_scene.edge_item(edge)
    _drag(view, type_id, _wire_middle(view, edge), drop=False)
    assert not item.is_drop_target
    _drag(view, type_id, _wire_middle(view, edge))
    assert len(chain.graph) == 4 and _edges(chain) == before


def test_token_ids_are_not_spliced_into_a_layer_computing_on_reals(open_view, make_document):
    document = make_document(
        [
            ("n1", "Input", {"kind": "tokens"}, (0.0, 0.0)),
            ("n2", "Embedding", {}, (300.0, 0.0)),
        ],
        wires=[("n1", "n2")],
    )
    view = open_view(document, size=(900, 400))
    view.fit_to_view()
    _drag(view, "Linear", _wire_middle(view, document.graph.edges[0]))
    assert _edges(document) == [("n1", "n2")]  # added beside, not spliced
    assert len(document.graph) == 3


def test_adding_after_the_selected_layer_wires_it_in_free_space(view, chain):
    view.graph_scene.select_nodes(["n2"])
    new = view.add_layer("ReLU")
    x, _y = chain.graph.node("n2").position
    assert chain.graph.node(new).position[0] > x  # to its right
    assert ("n2", new) in _edges(chain)
    assert not _overlaps(view)  # the Output sits one column right: it steps aside
    assert chain.selection == [new]
    assert chain.undo_stack.count() == 1
    chain.undo_stack.undo()
    assert len(chain.graph) == 3 and _edges(chain) == [("n1", "n2"), ("n2", "n3")]


def test_a_layer_that_cannot_take_the_output_is_placed_but_not_wired(view, chain):
    view.graph_scene.select_nodes(["n3"])  # the Output has no output port
    new = view.add_layer("Linear")
    assert all(new not in edge for edge in _edges(chain))
    assert chain.graph.node(new).position[0] > chain.graph.node("n3").position[0]
    assert not _overlaps(view)


def test_find_layer_then_enter_adds_after_the_selected_layer(qtbot, make_window):
    window = make_window()
    window.resize(1600, 1000)
    window.show()
    window.files.open_example(next(p for p in example_paths() if p.stem == "binary_classifier"))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    document = window.document
    hidden = next(n.id for n in document.graph if n.label == "hidden")
    window.view.graph_scene.select_nodes([hidden])
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.palette.search.hasFocus)
    QTest.keyClicks(window.palette.search, "dropout")
    QTest.keyClick(window.palette.search, Qt.Key.Key_Return)
    (new,) = [n.id for n in document.graph if n.type == "Dropout"]
    assert (hidden, new) in _edges(document)
    assert not _overlaps(window.view)
    assert document.undo_stack.count() == 1
