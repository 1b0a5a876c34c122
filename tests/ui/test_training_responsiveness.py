"""What keeps the GUI responsive when training starts and runs, checked by what happens
(imports, paints, curve updates), never by how long it takes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject

# NOTE: a sibling test module; pytest puts this folder on the import path.
from test_training_dock import make_window  # noqa: F401 -- a fixture used below
from test_training_ui import SIGNAL_TIMEOUT_MS, moons_project

from designer.training.loop import BatchProgress, EpochProgress
from designer.ui.training.plots import LivePlots

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
ROOT = Path(__file__).resolve().parents[2]

FIRST_RUN = """
import itertools, json, sys
import torch
from designer.ui.training.warm_up import wait_for_warm_up
from designer.model import Graph, Project
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.loop import train
from designer.training.session import prepare_run

graph = Graph()
layers = [("Input", {"features": 1}), ("Linear", {"units": 1}), ("Output", {"loss": "mse"})]
ids = [graph.add_node(kind, params).id for kind, params in layers]
for src, dst in itertools.pairwise(ids):
    graph.connect(src, "out", dst, "in")
project = Project(graph, DataSettings(source="regression1d", samples=40),
                  TrainingSettings(epochs=1, device="cpu", grad_clip=1.0))
prepared = prepare_run(project)
assert wait_for_warm_up(timeout=600)
before = set(sys.modules)
list(train(prepared))
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_after_the_warm_up_a_first_run_imports_nothing_of_torch():
    """Torch's lazy imports (~800 modules on the first optimizer step) happen in the
    warm-up, not in the first run, where they held the GIL and stalled the GUI."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", FIRST_RUN], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    imported = json.loads(result.stdout.splitlines()[-1])
    assert [name for name in imported if name.split(".")[0] in ("torch", "sympy")] == []


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        self.count += event.type() == QEvent.Type.Paint
        return False


def test_starting_a_run_paints_the_panel_with_the_next_frame(qtbot, make_window):  # noqa: F811
    """QProgressBar repaints inside setValue: at the start of a run, with the panel just
    brought forward by F5, that painted the whole panel inside the key press."""
    window = make_window(moons_project(epochs=1))
    dock = window.training
    settled = PaintCounter()
    dock.plots.loss_widget.viewport().installEventFilter(settled)
    qtbot.waitUntil(lambda: settled.count > 0, timeout=SIGNAL_TIMEOUT_MS)  # start-up is over
    bar = dock.panel.progress_bar
    paints = PaintCounter()
    bar.installEventFilter(paints)
    counted: list[int] = []
    dock.controller.started.connect(lambda _run: counted.append(paints.count))
    assert dock.panel.visibleRegion().isEmpty()  # behind the inspector
    with qtbot.waitSignal(dock.controller.finished, timeout=SIGNAL_TIMEOUT_MS):
        window.actions_by_name["train"].trigger()
    assert counted == [0]  # nothing painted while the run was being started
    assert paints.count > 0  # but painted afterwards, with everything else


def test_a_refresh_updates_only_the_curves_whose_data_changed(qtbot):
    plots = LivePlots()
    qtbot.addWidget(plots)
    plots.begin_run(10, "accuracy")
    changed: dict[str, int] = {}
    curves = {"batch": plots.batch_curve, "val": plots.val_curve, "metric": plots.metric_curve}
    for name, curve in curves.items():
        curve.sigPlotChanged.connect(
            lambda *_, n=name: changed.__setitem__(n, changed.get(n, 0) + 1)
        )
    plots.add_batches([BatchProgress(step, 1, 1.0, 1e-3, 1e3) for step in range(1, 11)])
    plots.refresh()
    assert changed == {"batch": 1}  # the epoch curves, with their symbols, stay as they are
    plots.add_epoch(EpochProgress(1, 10, 0.5, 0.6, {"accuracy": 0.8}, 1.0, 1.0))
    plots.refresh()
    assert changed == {"batch": 1, "val": 1, "metric": 1}
    plots.refresh()
    assert changed == {"batch": 1, "val": 1, "metric": 1}
    plots.end_run()


def test_the_plots_are_painted_once_before_the_first_run(qtbot, make_window):  # noqa: F811
    """The first paint of a plot lays out its axis text for the first time; the dock pays
    it at start-up, off screen, while the plots are still hidden behind the problems."""
    window = make_window(moons_project())
    plots = window.training.plots
    paints = PaintCounter()
    plots.loss_widget.viewport().installEventFilter(paints)
    assert plots.visibleRegion().isEmpty()  # behind the problems list
    qtbot.waitUntil(lambda: paints.count > 0, timeout=SIGNAL_TIMEOUT_MS)
    assert plots.visibleRegion().isEmpty()
