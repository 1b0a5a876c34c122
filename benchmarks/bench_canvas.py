"""Canvas responsiveness on a 500-layer design, against a 16.7 ms (60 Hz) frame.

Three figures, all measured in one offscreen process:

* open: project file text -> project -> document (with shape inference) -> scene items ->
  the first painted frame;
* edit: one parameter change at the root of the design, until every one of the 500 shape
  badges shows the new shape (re-inference plus badge updates), then the repaint;
* pan: the time to paint one frame while scrolling across the design, at 100 % zoom and
  zoomed out to show everything (median and 95th percentile over many frames).

    python -m benchmarks.bench_canvas [--quick] [--json]
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import time
from collections.abc import Iterator, Sequence

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from benchmarks.figures import Figure, run_main
from designer.model import Graph, Project
from designer.model.edits import SetParam

FRAME_MS = 1000 / 60
CHAINS, CHAIN_LENGTH = 19, 26  # 19 x 26 = 494 layers, plus 6 around them = 500
QUICK_CHAINS, QUICK_LENGTH = 3, 4
SHAPE_KEEPING = ("LayerNorm", "ReLU", "Dropout", "GELU", "Identity", "Tanh")


def build_graph(chains: int = CHAINS, length: int = CHAIN_LENGTH) -> Graph:
    """Input -> 19 parallel chains of shape-keeping layers -> Add -> head -> Output.

    Every layer's shape depends on the input's feature count, so one edit of it changes
    every badge on the canvas: the worst case for an edit.
    """
    from designer.ui.canvas.layout import layered_layout

    graph = Graph()
    source = graph.add_node("Input", {"kind": "features", "features": 32}).id
    merge = graph.add_node("Add").id
    for c in range(chains):
        previous = source
        for i in range(length):
            node = graph.add_node(SHAPE_KEEPING[(c + i) % len(SHAPE_KEEPING)]).id
            graph.connect(previous, "out", node, "in")
            previous = node
        graph.connect(previous, "out", merge, "in")
    head = [graph.add_node(t).id for t in ("Dropout", "Linear", "Softmax", "Output")]
    for a, b in itertools.pairwise([merge, *head]):
        graph.connect(a, "out", b, "in")
    for node_id, position in layered_layout(graph).items():
        graph.move_node(node_id, *position)
    assert len(graph) == chains * length + 6, len(graph)
    return graph


def project_text(graph: Graph) -> str | None:
    try:
        from designer.io import project_to_json
    except ImportError:
        return None
    return project_to_json(Project(graph=graph))


def load(text: str | None, graph: Graph) -> Project:
    if text is None:
        return Project(graph=graph)
    from designer.io import project_from_json

    return project_from_json(text)


def frame_times(app: QApplication, view, steps: int, step_px: int) -> list[float]:
    """Scroll ``steps`` times by ``step_px`` and paint each frame; milliseconds per frame."""
    bar = view.horizontalScrollBar()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        bar.setValue(bar.value() + step_px)
        app.processEvents()
        view.viewport().grab()
        times.append((time.perf_counter() - start) * 1000)
    return times


def figures(quick: bool = False) -> Iterator[Figure]:
    app = QApplication.instance() or QApplication([])
    from designer.ui.canvas import GraphView
    from designer.ui.document import GraphDocument

    graph = build_graph(QUICK_CHAINS, QUICK_LENGTH) if quick else build_graph()
    text = project_text(graph)
    start = time.perf_counter()
    project = load(text, graph)
    loaded = time.perf_counter()
    document = GraphDocument(project)
    inferred = time.perf_counter()
    view = GraphView(document)
    view.resize(1600, 1000)
    built = time.perf_counter()
    view.show()
    view.fit_to_view()
    app.processEvents()
    view.viewport().grab()
    drawn = time.perf_counter()
    yield Figure("canvas.open.parse", (loaded - start) * 1000, "ms")
    yield Figure("canvas.open.infer", (inferred - loaded) * 1000, "ms")
    yield Figure("canvas.open.scene_items", (built - inferred) * 1000, "ms")
    yield Figure("canvas.open.first_frame", (drawn - built) * 1000, "ms")
    yield Figure("canvas.open.total", (drawn - start) * 1000, "ms")
    yield from _edit_figures(app, document, view)
    yield from _pan_figures(app, view, frames=5 if quick else 60)
    view.close()


def _edit_figures(app: QApplication, document, view) -> Iterator[Figure]:
    """One edit at the root of the design until every badge shows it, then a repaint."""
    scene = view.graph_scene
    root = next(iter(document.graph.nodes))
    done: list[float] = []
    document.analysis_changed.connect(lambda: done.append(time.perf_counter()))
    start = time.perf_counter()
    document.push(SetParam(root, "features", 48))
    while not done:
        app.processEvents()
    badges = [item.status.shape for item in scene.node_items()]
    assert sum("48" in shape for shape in badges) >= len(badges) - 5, "badges not updated"
    view.viewport().grab()
    painted = time.perf_counter()
    yield Figure("canvas.edit.badges", (done[0] - start) * 1000, "ms", FRAME_MS)
    yield Figure("canvas.edit.repainted", (painted - start) * 1000, "ms")

    from designer.ui.canvas.interactions import WireGesture

    source_node = list(document.graph.nodes)[5]
    start = time.perf_counter()
    gesture = WireGesture(scene, source_node, "out", None)
    judged = time.perf_counter()
    gesture.end()
    yield Figure("canvas.wire.start_drag", (judged - start) * 1000, "ms", FRAME_MS)


def _pan_figures(app: QApplication, view, frames: int) -> Iterator[Figure]:
    """Paint times while scrolling, at 100 % zoom and zoomed out to show everything."""
    scene = view.graph_scene
    for label, zoom in (("100", 1.0), ("fit", None)):
        if zoom is None:
            view.fit_to_view()
        else:
            view.set_zoom(zoom)
            view.centerOn(scene.content_rect().topLeft())
        app.processEvents()
        frame_times(app, view, 5, 30)  # warm the item caches
        times = sorted(frame_times(app, view, frames, 30))
        yield Figure(f"canvas.pan_{label}.median_frame", statistics.median(times), "ms", FRAME_MS)
        p95 = times[int(len(times) * 0.95)]
        yield Figure(f"canvas.pan_{label}.p95_frame", p95, "ms", FRAME_MS)


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(__doc__.splitlines()[0], figures, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
