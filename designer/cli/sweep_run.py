"""``nn-designer sweep``: a project's sweep without a window, one line per trial.

The search space, metric and sampler are the project's own (saved from the window's
*Training › Sweep…*); the options choose the budget, the processes, the storage and the
study. The study joins an existing one of that name, so several runs of this command, on
one machine or on several pointed at one database server, share their trials. The best
trial of the whole study is printed at the end. Exit status: 0 when the study has a
completed trial, 1 when the sweep cannot start or no trial completed, 2 when the project
file or an option is unusable. Ctrl+C stops the workers cleanly, then goes on up as
`KeyboardInterrupt`, which the command line reports.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from designer.catalog.objectives import format_metric, metric_label
from designer.io import ProjectFileError, load_project, project_to_json
from designer.training.sweep_runner import SweepJob, SweepRunner
from designer.training.sweep_study import (
    COMPLETE,
    SweepSetupError,
    TrialRow,
    best_row,
    default_storage,
    default_study_name,
    rows_of,
)
from designer.training.sweep_trial import TrialEnded
from designer.training.text import format_duration, format_values, short_names

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
POLL_S = 0.5


def sweep_project(
    path: str | os.PathLike[str],
    trials: int | None = None,
    jobs: int = 1,
    storage: str | None = None,
    study: str | None = None,
    sampler: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``trials`` trials (default: the project's budget) of the project's sweep in
    ``jobs`` processes; returns the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    for name, count in (("--trials", trials), ("--jobs", jobs)):
        if count is not None and count < 1:
            return _fail(err, f"{name} must be at least 1, got {count}", EXIT_BAD_INPUT)
    try:
        project = load_project(path)
    except ProjectFileError as error:
        return _fail(err, f"{os.fspath(path)}: {error}", EXIT_BAD_INPUT)
    if sampler is not None:
        project.sweep = project.sweep.replace(sampler=sampler)
    job = SweepJob(
        project_text=project_to_json(project),
        folder=os.path.dirname(os.path.abspath(os.fspath(path))),
        storage=storage or default_storage(path),
        study=study or default_study_name(path),
        trials=trials if trials is not None else project.sweep.trials,
        jobs=jobs,
    )
    try:
        runner = SweepRunner(job)
    except SweepSetupError as error:
        return _fail(err, f"cannot sweep: {error}", EXIT_FAILED)
    print(_header(runner), file=out, flush=True)
    _run(runner, out)
    for error in runner.errors():
        print(f"warning: a worker stopped: {error}", file=err, flush=True)
    return _summary(runner, out, err)


def _header(runner: SweepRunner) -> str:
    job, sweep = runner.job, runner.sweep
    count = len(sweep.parameters)
    return (
        f"Sweeping {count} parameter{'s' * (count != 1)} for the best "
        f"{metric_label(sweep.metric)} ({sweep.sampler}): {job.trials} "
        f"trial{'s' * (job.trials != 1)} in {job.jobs} process{'es' * (job.jobs != 1)}, "
        f"study {job.study!r} in {job.storage}"
    )


def _run(runner: SweepRunner, out: TextIO) -> None:
    """Poll the workers, printing each finished trial; Ctrl+C stops and closes them, then
    goes on up."""
    names = short_names(runner.project.graph, runner.sweep)
    metric = runner.sweep.metric
    runner.start()
    try:
        while not runner.done:
            for event in runner.poll(POLL_S):
                if isinstance(event, TrialEnded):
                    print(trial_line(event, names, metric), file=out, flush=True)
    finally:  # also on Ctrl+C, which then goes on up
        for event in runner.close():
            if isinstance(event, TrialEnded):
                print(trial_line(event, names, metric), file=out, flush=True)


def _summary(runner: SweepRunner, out: TextIO, err: TextIO) -> int:
    rows = rows_of(runner.study)
    metric = runner.sweep.metric
    counts = {state: sum(r.state == state for r in rows) for state in ("complete", "pruned")}
    failed = len(rows) - counts["complete"] - counts["pruned"]
    print(
        f"Study {runner.job.study!r}: {len(rows)} trials ({counts['complete']} complete, "
        f"{counts['pruned']} pruned, {failed} failed or running)",
        file=out,
        flush=True,
    )
    best = best_row(rows, metric)
    if best is None:
        return _fail(err, "no trial completed", EXIT_FAILED)
    names = short_names(runner.project.graph, runner.sweep)
    values = format_values(best.values, names)
    print(
        f"Best: trial {best.number}  {metric} {format_metric(metric, best.value or 0.0)}  {values}",
        file=out,
        flush=True,
    )
    return EXIT_OK


def trial_line(event: TrialEnded | TrialRow, names: Mapping[str, str], metric: str) -> str:
    """``trial 3  complete  accuracy 92.5%  learning_rate=0.0038 hidden.units=14  (1:02)``."""
    parts = [f"trial {event.number:>3}", f"{event.state:<8}"]
    if event.state == COMPLETE and event.value is not None:
        parts.append(f"{metric} {format_metric(metric, event.value)}")
    elif event.epoch:
        parts.append(f"after epoch {event.epoch}")
    parts.append(format_values(event.values, names))
    if event.reason:
        parts.append(f"({event.reason})")
    if event.seconds:
        parts.append(f"[{format_duration(event.seconds)}]")
    return "  ".join(part for part in parts if part)


def _fail(err: TextIO, message: str, status: int) -> int:
    print(f"error: {' '.join(message.split())}", file=err, flush=True)
    return status
