"""How the GUI holds up while a model trains, measured offscreen in one process.

* latency: a 10 ms heartbeat `QTimer` in the GUI thread records the gap between its ticks
  during a real run in the worker thread, with the live plots redrawing at ~30 Hz; a gap
  well above 10 ms is the GUI being late (goal: worst gap under 50 ms);
* redraw: the cost of one plot update with 100,000 batch points on screen: `setData` of
  the long-lived curves plus a forced repaint (`grab`), per update.

    python -m benchmarks.bench_training_gui
"""

from __future__ import annotations

import itertools
import math
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: F401 -- torch must be imported before the QApplication exists
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from designer.model import Graph, Project
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.loop import BatchProgress, EpochProgress
from designer.training.session import prepare_run

HEARTBEAT_MS = 10
GOAL_WORST_MS = 50.0
REDRAW_POINTS = 100_000
REDRAW_UPDATES = 30


def project(epochs: int, hidden: int = 64) -> Project:
    """An MLP on 4,000 moons samples: small batches, so thousands of steps per second."""
    graph = Graph()
    nodes = [
        ("Input", {"features": 2}),
        ("Linear", {"units": hidden}),
        ("ReLU", {}),
        ("Linear", {"units": hidden}),
        ("ReLU", {}),
        ("Linear", {"units": 2}),
        ("Output", {"loss": "cross_entropy"}),
    ]
    ids = [graph.add_node(t, p).id for t, p in nodes]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    data = DataSettings(source="moons", samples=4000)
    return Project(graph, data, TrainingSettings(epochs=epochs, batch_size=16, device="cpu"))


def measure_latency(epochs: int = 8) -> dict[str, float]:
    """Heartbeat gaps (ms) in the GUI thread while a run trains in the worker."""
    from designer.ui.panels.plots import LivePlots
    from designer.ui.worker import TrainingController

    prepared = prepare_run(project(epochs))
    plots = LivePlots()
    plots.resize(900, 300)
    plots.show()
    controller = TrainingController()
    steps = math.ceil(prepared.data.num_train / prepared.settings.batch_size)
    controller.started.connect(lambda run: plots.begin_run(steps, "accuracy", run.name))
    controller.batch.connect(plots.add_batches)
    controller.epoch.connect(plots.add_epoch)
    emissions: list[int] = []
    controller.batch.connect(lambda records: emissions.append(len(records)))
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    heartbeat = QTimer(interval=HEARTBEAT_MS)
    heartbeat.timeout.connect(beat)
    loop = QEventLoop()
    controller.finished.connect(lambda _record: loop.quit())
    controller.failed.connect(lambda message: (print("run failed:", message), loop.quit()))
    started = time.perf_counter()
    heartbeat.start()
    controller.start(prepared)
    loop.exec()
    heartbeat.stop()
    elapsed = time.perf_counter() - started
    controller.shutdown()
    plots.end_run()
    steps_total = sum(emissions)
    return {
        "run_s": elapsed,
        "steps": steps_total,
        "steps_per_s": steps_total / elapsed,
        "emissions_per_s": len(emissions) / elapsed,
        "median_gap_ms": statistics.median(gaps),
        "p99_gap_ms": sorted(gaps)[int(0.99 * (len(gaps) - 1))],
        "worst_gap_ms": max(gaps),
    }


def measure_redraw() -> dict[str, float]:
    """Per-update cost (ms) of the plots with 100,000 batch points."""
    from designer.ui.panels.plots import LivePlots

    plots = LivePlots()
    plots.resize(900, 300)
    plots.show()
    per_update = REDRAW_POINTS // REDRAW_UPDATES
    plots.begin_run(1000, "accuracy")
    plots.end_run()
    for step in range(1, REDRAW_POINTS - REDRAW_UPDATES * per_update + 1):
        plots.add_batches([BatchProgress(step, 1, 1.0 / step**0.3, 1e-3, 1e4)])
    set_data, repaint = [], []
    step = len(plots._buffers["batch"])
    for update in range(REDRAW_UPDATES):
        records = [
            BatchProgress(step + i, 1, 1.0 / (step + i) ** 0.3 + 0.05 * math.sin(i), 1e-3, 1e4)
            for i in range(1, per_update + 1)
        ]
        step += per_update
        plots.add_batches(records)
        metrics = {"accuracy": 0.9}
        plots.add_epoch(EpochProgress(update + 1, step, 0.5, 0.5, metrics, 1.0, 1.0))
        begin = time.perf_counter()
        plots.refresh()
        middle = time.perf_counter()
        plots.grab()
        end = time.perf_counter()
        set_data.append((middle - begin) * 1000)
        repaint.append((end - middle) * 1000)
    total = [a + b for a, b in zip(set_data, repaint, strict=True)]
    return {
        "points": plots.point_count("batch"),
        "setdata_ms": statistics.median(set_data),
        "repaint_ms": statistics.median(repaint),
        "update_median_ms": statistics.median(total),
        "update_worst_ms": max(total),
    }


def _latency_line(label: str, latency: dict[str, float]) -> str:
    met = "met" if latency["worst_gap_ms"] < GOAL_WORST_MS else "NOT met"
    return (
        f"latency, {label}: {latency['steps']:,} steps in {latency['run_s']:.1f} s "
        f"({latency['steps_per_s']:,.0f} steps/s, {latency['emissions_per_s']:.0f} batch "
        f"signals/s); heartbeat every {HEARTBEAT_MS} ms: median gap "
        f"{latency['median_gap_ms']:.1f} ms, 99th percentile {latency['p99_gap_ms']:.1f} ms, "
        f"worst {latency['worst_gap_ms']:.1f} ms (goal < {GOAL_WORST_MS:.0f} ms: {met})"
    )


def main() -> None:
    from designer.ui.worker import warm_up_torch

    app = QApplication.instance() or QApplication([])
    print(_latency_line("cold (torch's lazy imports in the run)", measure_latency()))
    warm = warm_up_torch()  # what installing the training UI does at start-up
    if warm is not None:
        warm.join()
    for attempt in (1, 2):
        print(_latency_line(f"warmed up, run {attempt}", measure_latency()))
    redraw = measure_redraw()
    print(
        f"redraw: {redraw['points']:,} points: setData {redraw['setdata_ms']:.1f} ms + repaint "
        f"{redraw['repaint_ms']:.1f} ms per update (median {redraw['update_median_ms']:.1f} ms, "
        f"worst {redraw['update_worst_ms']:.1f} ms; budget at 30 Hz: 33 ms)"
    )
    app.processEvents()


if __name__ == "__main__":
    main()
