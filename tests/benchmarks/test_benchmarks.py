"""Every benchmark still runs: its quick mode, through ``python -m benchmarks``, prints its
figures as JSON. Figures are never compared with times here; only their form is checked."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("PySide6")

ROOT = Path(__file__).resolve().parents[2]
# each benchmark with figures it must report (a few of its headline figures)
EXPECTED = {
    "bench_inference": {"inference.edit_median", "inference.edit_worst"},
    "bench_compiler": {"compiler.chain20.forward_vs_class", "compiler.dag20.codegen"},
    "bench_training": {"training.epoch_ratio", "training.identical_weights"},
    "bench_images": {"images.rate_ratio", "images.plain_rate", "images.designer_rate"},
    "bench_canvas": {"canvas.open.total", "canvas.edit.badges", "canvas.pan_fit.median_frame"},
    "bench_training_gui": {
        "training_gui.launch.worst_gap",
        "training_gui.first_run.worst_gap",
        "training_gui.second_run.worst_gap",
        "training_gui.latency.worst_gap",
        "training_gui.redraw.worst_update",
    },
}
FIELDS = {"name", "value", "unit", "goal", "better"}


def run_quick(*names: str) -> list[dict]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "benchmarks", "--quick", "--json", *names]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.parametrize("benchmark", sorted(EXPECTED))
def test_quick_mode_reports_its_figures(benchmark):
    figures = run_quick(benchmark)
    names = [figure["name"] for figure in figures]
    assert EXPECTED[benchmark] <= set(names), names
    assert len(names) == len(set(names))
    prefix = benchmark.removeprefix("bench_") + "."
    for figure in figures:
        assert set(figure) == FIELDS, figure
        assert figure["name"].startswith(prefix)
        assert isinstance(figure["value"], float | int) and math.isfinite(figure["value"])
        assert figure["unit"] and figure["better"] in ("lower", "higher")
        assert figure["goal"] is None or isinstance(figure["goal"], float | int)


def test_an_unknown_benchmark_is_refused():
    command = [sys.executable, "-m", "benchmarks", "--quick", "bench_nothing"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "bench_nothing" in result.stderr
