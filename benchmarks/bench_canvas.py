"""Canvas responsiveness at scale, against a 16.7 ms (60 Hz) frame.

The design: one Input feeding parallel chains of 26 shape-keeping layers that meet in an
Add (76 chains at 2,000 layers, 19 at 500), then a small head. Every layer's shape depends
on the Input's feature count, so one edit of it changes every badge: the worst case.

Each figure is measured in one offscreen process, on a 1600 x 1000 canvas fitted to the
design, and waits on events rather than forcing work: a repaint is done when the viewport's
paint event has been handled.

* open: project file text -> project -> document -> scene items -> the first painted frame;
* edit: the Input's feature count changed (a new value each time, so no memo helps) until
  every badge shows the new shape, and until that is painted;
* wire: a mouse press on an output port until the drag (every input judged) is painted;
* pan: scrolling 30 px a step, each step until painted (median and 95th percentile
  frames), and full repaints (a zoom step or a theme switch redraws everything): at the
  fitted zoom (never below legible text, so a large design shows its beginning:
  ``pan_fit``), at 100 % (``pan_100``) and zoomed out by hand until the whole design is in
  view (``pan_all``).

Figures are named ``canvas.<what>`` for the first design size (500 layers unless
``--layers`` says otherwise; ``--quick`` measures a small design, a little) and
``canvas.<N>_layers.<what>`` for each further size N.

    python -m benchmarks.bench_canvas [--layers N ...] [--quick] [--json]
"""

from __future__ import annotations

import gc
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from benchmarks.figures import Figure, options, print_figures
from designer.model import Graph, Project
from designer.model.edits import SetParam
from designer.ui.qt_compat import keep_constants_alive

FRAME_MS = 1000 / 60
OPEN_GOAL_MS = 300.0
LAYERS = (500, 2000)
QUICK_LAYERS = 60
CHAIN_LENGTH = 26
HEAD = ("Dropout", "Linear", "Softmax", "Output")
SHAPE_KEEPING = ("LayerNorm", "ReLU", "Dropout", "GELU", "Identity", "Tanh")
VIEW_SIZE = (1600, 1000)
PAN_STEP_PX = 30
WAIT_LIMIT_S = 30.0


def build_graph(layers: int = 2000) -> Graph:
    """Input -> parallel chains of shape-keeping layers -> Add -> head -> Output, laid out
    in columns; ``layers`` nodes in all (the chains share out the remainder)."""
    from designer.model.layout import layered_layout

    body = layers - 2 - len(HEAD)
    chains = max(1, body // CHAIN_LENGTH)
    graph = Graph()
    source = graph.add_node("Input", {"kind": "features", "features": 32}).id
    merge = graph.add_node("Add").id
    for c in range(chains):
        previous = source
        length = body // chains + (1 if c < body % chains else 0)
        for i in range(length):
            node = graph.add_node(SHAPE_KEEPING[(c + i) % len(SHAPE_KEEPING)]).id
            graph.connect(previous, "out", node, "in")
            previous = node
        graph.connect(previous, "out", merge, "in")
    head = [graph.add_node(t).id for t in HEAD]
    for a, b in itertools.pairwise([merge, *head]):
        graph.connect(a, "out", b, "in")
    for node_id, position in layered_layout(graph).items():
        graph.move_node(node_id, *position)
    assert len(graph) == layers, len(graph)
    return graph


class PaintWatcher(QObject):
    """Counts the paint events a widget handles, so a measurement can wait for one."""

    def __init__(self, widget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False

    def wait(self, app: QApplication, seen: int, until: Callable[[], bool] | None = None) -> float:
        """Process events until a paint after the ``seen``-th one has been handled and
        ``until()`` holds; returns the time then."""
        deadline = time.perf_counter() + WAIT_LIMIT_S
        while self.count <= seen or (until is not None and not until()):
            app.processEvents()
            if time.perf_counter() > deadline:
                raise RuntimeError("the canvas was never repainted")
        return time.perf_counter()


def _ms(start: float, end: float) -> float:
    return (end - start) * 1000


def _open(app: QApplication, text: str) -> tuple[object, PaintWatcher, dict[str, float]]:
    """Open the file text as the app does and wait for the first frame; the view, its
    paint watcher and the times of each stage."""
    from designer.io import project_from_json
    from designer.ui.canvas import GraphView
    from designer.ui.document import GraphDocument

    start = time.perf_counter()
    project = project_from_json(text)
    parsed = time.perf_counter()
    document = GraphDocument(project)
    analysed = time.perf_counter()
    view = GraphView(document)
    watcher = PaintWatcher(view.viewport())
    view.resize(*VIEW_SIZE)
    built = time.perf_counter()
    view.show()
    view.fit_to_view()
    drawn = watcher.wait(app, 0)
    stages = {
        "parse": _ms(start, parsed),
        "document": _ms(parsed, analysed),
        "scene": _ms(analysed, built),
        "frame": _ms(built, drawn),
        "total": _ms(start, drawn),
    }
    return view, watcher, stages


def _close(app: QApplication, view) -> None:
    view.close()
    view.deleteLater()
    app.processEvents()
    gc.collect()


def measure_open(app: QApplication, text: str, repeats: int) -> dict[str, float]:
    """Median time of each opening stage over ``repeats`` fresh opens."""
    runs = []
    for _ in range(repeats):
        view, _watcher, stages = _open(app, text)
        runs.append(stages)
        _close(app, view)
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def measure_edit(app: QApplication, view, watcher: PaintWatcher, repeats: int):
    """Median times (ms) from pushing a new feature count to every badge showing it, and
    to the repaint; each repeat uses a value never seen before."""
    document, scene = view.document, view.graph_scene
    source = next(n for n in document.graph.nodes if document.graph.node(n).type == "Input")
    updated: list[float] = []
    document.analysis_changed.connect(lambda: updated.append(time.perf_counter()))
    badges, painted = [], []
    for k in range(repeats):
        features = 40 + k
        wanted = f"N×{features}"
        updated.clear()
        seen = watcher.count
        start = time.perf_counter()
        document.push(SetParam(source, "features", features))
        end = watcher.wait(app, seen, lambda: bool(updated))
        stale = [i.node_id for i in scene.node_items() if not i.status.shape.startswith(wanted)]
        if len(stale) > len(HEAD):  # the Linear and what follows it keep their own width
            raise RuntimeError(f"{len(stale)} badges not updated after the edit")
        badges.append(_ms(start, updated[0]))
        painted.append(_ms(start, end))
    return statistics.median(badges), statistics.median(painted)


def _visible_output_port(view):
    """An output port of a node in the middle of the view (a chain layer)."""
    from designer.ui.canvas.node_item import NodeItem

    centre = view.mapToScene(view.viewport().rect().center())
    items = [i for i in view.graph_scene.items(centre) if isinstance(i, NodeItem)]
    if not items:
        nodes = view.graph_scene.items(view.mapToScene(view.viewport().rect()).boundingRect())
        items = [i for i in nodes if isinstance(i, NodeItem) and i.outputs]
    return next(iter(items[0].outputs.values()))


def measure_wire(app: QApplication, view, watcher: PaintWatcher, repeats: int) -> float:
    """Median time (ms) from a press on an output port until the drag is painted."""
    port = _visible_output_port(view)
    at = view.mapFromScene(port.scenePos())
    interactions = view.graph_scene.interactions
    times = []
    for _ in range(repeats):
        seen = watcher.count
        start = time.perf_counter()
        QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), at)
        end = watcher.wait(app, seen)
        if interactions.wire is None:
            raise RuntimeError("the press on an output port started no wire")
        times.append(_ms(start, end))
        QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), at)
        watcher.wait(app, watcher.count - 1)
    return statistics.median(times)


def fit(view) -> None:
    """The fitted view: the whole design, or its beginning where text would be illegible."""
    view.fit_to_view()


def at_100(view) -> None:
    """Full size, the design's top-left corner in the middle of the view."""
    view.set_zoom(1.0)
    view.centerOn(view.graph_scene.content_rect().topLeft())


def show_all(view) -> None:
    """Zoomed out by hand until the whole design is in view."""
    rect = view.graph_scene.content_rect()
    viewport = view.viewport().rect()
    view.set_zoom(min(viewport.width() / rect.width(), viewport.height() / rect.height()))
    view.centerOn(rect.center())


#: How the pans and full repaints are framed: name in the figures, framing.
FRAMINGS = (("fit", fit), ("100", at_100), ("all", show_all))


def measure_pan(app: QApplication, view, watcher: PaintWatcher, steps: int) -> list[float]:
    """Milliseconds per frame while scrolling ``PAN_STEP_PX`` a step, back and forth."""
    bar = view.horizontalScrollBar()
    times = []
    for i in range(steps):
        step = PAN_STEP_PX if (i // 20) % 2 == 0 else -PAN_STEP_PX
        seen = watcher.count
        start = time.perf_counter()
        bar.setValue(bar.value() + step)
        times.append(_ms(start, watcher.wait(app, seen)))
    return times


def measure_repaint(app: QApplication, view, watcher: PaintWatcher, frames: int) -> list[float]:
    """Milliseconds per full repaint of the view (nothing changed)."""
    times = []
    for _ in range(frames):
        seen = watcher.count
        start = time.perf_counter()
        view.viewport().update()
        times.append(_ms(start, watcher.wait(app, seen)))
    return times


def measure_frames(app, view, watcher, framing, frames: int) -> tuple[list[float], list[float]]:
    """Pan and full-repaint frame times with the view framed by ``framing``."""
    framing(view)
    seen = watcher.count
    view.viewport().update()
    watcher.wait(app, seen)
    return measure_pan(app, view, watcher, frames), measure_repaint(app, view, watcher, frames)


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def figures(quick: bool = False, layers: Sequence[int] | None = None) -> Iterator[Figure]:
    """Every figure for designs of each of ``layers`` layers (see the module's names)."""
    sizes = list(layers or ((QUICK_LAYERS,) if quick else LAYERS))
    for index, size in enumerate(sizes):
        prefix = "canvas." if index == 0 else f"canvas.{size}_layers."
        yield from _figures_at(size, quick, prefix)


def _figures_at(layers: int, quick: bool, prefix: str) -> Iterator[Figure]:
    """Measure every figure for a ``layers``-layer design, named ``prefix + what``."""
    from designer.io import project_to_json

    keep_constants_alive()  # what the application does at start (see designer.ui.qt_compat)
    app = QApplication.instance() or QApplication([])
    repeats, frames = (2, 8) if quick else (7, 80)
    text = project_to_json(Project(graph=build_graph(layers)))
    stages = measure_open(app, text, repeats)
    view, watcher, _ = _open(app, text)
    try:
        badges, painted = measure_edit(app, view, watcher, repeats)
        wire = measure_wire(app, view, watcher, repeats)
        framed = {name: measure_frames(app, view, watcher, how, frames) for name, how in FRAMINGS}
    finally:
        _close(app, view)
    yield Figure(f"{prefix}open.total", stages["total"], "ms", OPEN_GOAL_MS)
    yield Figure(f"{prefix}open.parse", stages["parse"], "ms")
    yield Figure(f"{prefix}open.infer", stages["document"], "ms")
    yield Figure(f"{prefix}open.scene_items", stages["scene"], "ms")
    yield Figure(f"{prefix}open.first_frame", stages["frame"], "ms")
    yield Figure(f"{prefix}edit.badges", badges, "ms", FRAME_MS)
    yield Figure(f"{prefix}edit.repainted", painted, "ms", FRAME_MS)
    yield Figure(f"{prefix}wire.start_drag", wire, "ms", FRAME_MS)
    for name, (pan, full) in framed.items():
        yield Figure(f"{prefix}pan_{name}.median_frame", statistics.median(pan), "ms", FRAME_MS)
        yield Figure(f"{prefix}pan_{name}.p95_frame", _p95(pan), "ms", FRAME_MS)
        yield Figure(f"{prefix}repaint_{name}.p95_frame", _p95(full), "ms", FRAME_MS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument(
        "--layers", type=int, action="append", help=f"design size (default: {LAYERS})"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    print_figures(figures(args.quick, args.layers), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
