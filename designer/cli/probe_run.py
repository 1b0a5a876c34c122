"""The pre-flight check and the learning-rate range test on the command line.

Both print plain lines (they read well in a terminal, a log or a CI job) and end with
what a script wants: ``preflight`` with its verdict and exit status 1 when the design
cannot learn one batch, ``lr-find`` with the suggested rate alone on the last line.
Errors are one line on stderr: 1 when the design cannot be trained as it is, 2 when the
file or an option is unusable. No Qt is imported.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from designer.catalog.objectives import OPTIMIZERS
from designer.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_PROBLEMS,
    load_project_file,
    printable,
    shorten,
)
from designer.model import Project, SettingsError
from designer.model.lint import LayerStats
from designer.training.lr_finder import STEPS as RATE_STEPS
from designer.training.lr_finder import RateFinding, find_learning_rate
from designer.training.preflight import STEPS, findings, preflight
from designer.training.session import PreparedRun, RunSetupError, prepare_run

_LABEL_WIDTH = 20
_CURVE_LINES = 12


def preflight_project(
    path: str,
    steps: int | None = None,
    overrides: Mapping[str, object] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the pre-flight check of the project at ``path``; returns the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    prepared = _prepare(path, overrides or {}, steps, err)
    if isinstance(prepared, int):
        return prepared
    project, run = prepared
    steps = steps or STEPS
    print(f"Pre-flight of {_name(project, path)}: up to {steps} steps on one batch of "
          f"{min(run.settings.batch_size, run.data.num_train)} rows ({_optimizer(run)})",
          file=out, flush=True)  # fmt: skip
    facts = preflight(run, steps)
    print(_header(), file=out)
    for node_id in project.graph.nodes:
        if node_id in facts.layers:
            print(_layer_line(project, node_id, facts.layers[node_id]), file=out)
    first, last = facts.losses[0], facts.losses[-1]
    print(f"loss {first:.4g} -> {last:.4g} in {len(facts.losses)} steps", file=out)
    for problem in findings(project.graph, facts):
        print(f"{problem.severity} {problem.rule}: {printable(problem.message)}", file=out)
    if facts.passed:
        print("Passed: the loss fell as it does when a network can learn", file=out)
        return EXIT_OK
    print("Failed: the design cannot learn one batch by heart", file=out)
    return EXIT_PROBLEMS


def lr_find_project(
    path: str,
    steps: int | None = None,
    overrides: Mapping[str, object] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the learning-rate range test of the project at ``path``; the last line printed
    is the suggested rate. Returns the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    prepared = _prepare(path, overrides or {}, steps, err)
    if isinstance(prepared, int):
        return prepared
    project, run = prepared
    steps = steps or RATE_STEPS
    print(f"Learning-rate range test of {_name(project, path)}: up to {steps} steps "
          f"({_optimizer(run, rate=False)}, saved rate {run.settings.learning_rate:g})",
          file=out, flush=True)  # fmt: skip
    finding = find_learning_rate(run, steps)
    print(f"{'rate':>10}  {'loss':>10}  {'smoothed':>10}", file=out)
    for point in _sample(finding):
        print(f"{point.rate:>10.3g}  {point.loss:>10.4g}  {point.smoothed:>10.4g}", file=out)
    if finding.suggestion is None:
        print("error: the loss diverged too soon to suggest a rate", file=err)
        return EXIT_PROBLEMS
    print(f"Suggested learning rate ({finding.rule}):", file=out)
    print(f"{finding.suggestion:.3g}", file=out, flush=True)
    return EXIT_OK


def _prepare(
    path: str, overrides: Mapping[str, object], steps: int | None, err: TextIO
) -> tuple[Project, PreparedRun] | int:
    """The project with ``overrides`` and its prepared run, or the exit status of why not."""
    project = load_project_file(path)
    try:
        if steps is not None and steps < 2:
            raise SettingsError("--steps", f"must be at least 2, got {steps}")
        if overrides:
            project.training = project.training.replace(**overrides)
    except SettingsError as error:
        print(f"error: invalid option: {error}", file=err)
        return EXIT_BAD_INPUT
    folder = os.path.dirname(os.path.abspath(path))
    try:
        return project, prepare_run(project, folder=folder)
    except RunSetupError as error:
        print(f"error: {' '.join(str(error).split())}", file=err)
        return EXIT_PROBLEMS


def _name(project: Project, path: str) -> str:
    return repr(printable(str(project.metadata.get("name") or os.path.basename(path))))


def _optimizer(run: PreparedRun, rate: bool = True) -> str:
    label = OPTIMIZERS[run.settings.optimizer].label
    return f"{label}, learning rate {run.settings.learning_rate:g}" if rate else label


def _header() -> str:
    columns = ("act mean", "act std", "dead", "grad norm", "update/weight")
    return f"{'layer':<{_LABEL_WIDTH}}  {'type':<16}" + "".join(f"{c:>14}" for c in columns)


def _layer_line(project: Project, node_id: str, stats: LayerStats) -> str:
    """One row of the table: a layer's statistics at the first step ("-" for none)."""
    node = project.graph.node(node_id)
    label = shorten(printable(node.label), _LABEL_WIDTH)
    dead = "-" if stats.dead is None else f"{stats.dead:.0%}"
    values = (
        f"{stats.mean:.3g}",
        f"{stats.std:.3g}",
        dead,
        _number(stats.grad_norm),
        _number(stats.update_ratio),
    )
    kind = shorten(project.graph.spec(node_id).display_name, 16)
    return f"{label:<{_LABEL_WIDTH}}  {kind:<16}" + "".join(f"{v:>14}" for v in values)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _sample(finding: RateFinding) -> list:
    """About `_CURVE_LINES` points of the curve, evenly spaced, the last included."""
    points = finding.points
    if len(points) <= _CURVE_LINES:
        return list(points)
    step = len(points) / _CURVE_LINES
    chosen = [points[int(i * step)] for i in range(_CURVE_LINES)]
    return [*chosen, points[-1]] if chosen[-1] is not points[-1] else chosen
