"""One trial of a sweep: its values on a fresh copy of the project, trained and reported.

`SweepObjective` is an Optuna objective. Each call reads the project anew from its file
text (so no trial sees another's values, and the open design is never touched), sets the
trial's values on it, trains it with the very loop of the window and of ``nn-designer
train``, reports the chosen metric to Optuna after every epoch, and stops early when the
pruner says the trial is hopeless. A trial that cannot train (a design the values break,
data that does not fit, a loss that became NaN) is recorded as failed with its reason, and
the sweep goes on. What happens is told to ``send`` as small picklable events, which the
worker processes put on a queue for the window or the command line.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from designer.data import PreparedData, data_layout
from designer.io import project_from_json
from designer.model import Project, infer_shapes
from designer.model.sweep import SweepError, SweepSettings
from designer.model.sweep_design import apply_values
from designer.training.loop import EpochProgress, RunControl, RunFailed, RunFinished, train
from designer.training.session import PreparedRun, RunSetupError, load_data, prepare_run
from designer.training.sweep_study import (
    COMPLETE,
    FAILED,
    PRUNED,
    REASON_ATTR,
    available_metrics,
    suggest,
)

STOPPED_REASON = "stopped before it finished"


# ------------------------------------------------------------------- events
@dataclass(frozen=True)
class TrialStarted:
    number: int
    values: Mapping[str, Any]
    worker: int = 0


@dataclass(frozen=True)
class TrialEpoch:
    number: int
    epoch: int
    value: float


@dataclass(frozen=True)
class TrialEnded:
    """A trial finished: ``state`` is complete, pruned or failed (with ``reason``)."""

    number: int
    state: str
    values: Mapping[str, Any]
    value: float | None = None
    epoch: int = 0
    reason: str = ""
    seconds: float = 0.0
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkerEnded:
    """A worker process is done: its share of the budget is used up, the sweep was
    stopped, or (``error``) something outside any one trial went wrong."""

    worker: int
    error: str = ""


SweepEvent = TrialStarted | TrialEpoch | TrialEnded | WorkerEnded
Send = Callable[[SweepEvent], None]


class TrialFailedError(Exception):
    """The trial cannot give a value; the message is its reason, for the user."""


# ------------------------------------------------------------------- data
class TrialData:
    """A worker's data, loaded once and reused by every trial whose design reads the same
    arrays (a sweep over an Input's shape loads again when the shape changes)."""

    def __init__(self, folder: str | os.PathLike[str] | None) -> None:
        self.folder = folder
        self._key: object = None
        self._data: PreparedData | None = None

    def prepare(self, project: Project, name: str) -> PreparedRun:
        """`prepare_run` with this worker's data; raises `RunSetupError`."""
        graph = project.graph
        analysis = infer_shapes(graph)
        ends = graph.nodes_of_role("input") and graph.nodes_of_role("output")
        data = None
        if ends and not analysis.errors:
            layout = data_layout(graph, analysis)
            key = (project.data, layout)
            if key != self._key:
                self._key, self._data = None, None
                self._data = load_data(project.data, layout, self.folder)
                self._key = key
            data = self._data
        return prepare_run(project, name=name, folder=self.folder, data=data)


# ------------------------------------------------------------------- objective
class SweepObjective:
    """The Optuna objective of a project's sweep (see the module docstring).

    ``project_text`` is the project as a file's text, ``folder`` the folder its relative
    data paths start from, ``control`` the stop switch of the whole sweep."""

    def __init__(
        self,
        project_text: str,
        folder: str | os.PathLike[str] | None,
        control: RunControl,
        send: Send,
        worker: int = 0,
    ) -> None:
        self.text = project_text
        self.sweep: SweepSettings = project_from_json(project_text).sweep
        self.data = TrialData(folder)
        self.control, self.send, self.worker = control, send, worker
        self.epochs = 0  # of the trial running

    def __call__(self, trial) -> float:
        import optuna

        values = suggest(trial, self.sweep)
        self.send(TrialStarted(trial.number, values, self.worker))
        started = time.perf_counter()
        epochs: list[int] = [0]
        try:
            value, metrics = self._run(trial, values, epochs)
        except optuna.TrialPruned:
            self._ended(trial, PRUNED, values, started, epochs[0])
            raise
        except TrialFailedError as error:
            self._failed(trial, values, started, epochs[0], str(error))
            raise
        except Exception as error:  # any other failure ends this trial only
            reason = f"the trial failed: {error}"
            self._failed(trial, values, started, epochs[0], reason)
            raise TrialFailedError(reason) from error
        self._ended(trial, COMPLETE, values, started, epochs[0], value, metrics)
        return value

    def _failed(self, trial, values, started: float, epoch: int, reason: str) -> None:
        trial.set_user_attr(REASON_ATTR, reason)
        self._ended(trial, FAILED, values, started, epoch, reason=reason)

    def _ended(self, trial, state, values, started, epoch, value=None, metrics=None, reason=""):
        seconds = time.perf_counter() - started
        self.send(
            TrialEnded(trial.number, state, values, value, epoch, reason, seconds, metrics or {})
        )

    def _run(self, trial, values: Mapping[str, Any], epochs: list[int]):
        """Train the trial's project; returns the final value and metrics. Raises
        `TrialFailedError` or `optuna.TrialPruned`."""
        project = self._project(values)
        self.epochs = project.training.epochs
        try:
            prepared = self.data.prepare(project, name=f"trial {trial.number}")
        except RunSetupError as error:
            raise TrialFailedError(str(error)) from None
        records = train(prepared, self.control)
        try:
            for record in records:
                if isinstance(record, EpochProgress):
                    epochs[0] = record.epoch
                    self._report(trial, record)
                elif isinstance(record, RunFailed):
                    raise TrialFailedError(record.message)
                elif isinstance(record, RunFinished):
                    return self._final(record)
        finally:
            records.close()
        raise TrialFailedError("training ended without a result")

    def _project(self, values: Mapping[str, Any]) -> Project:
        project = project_from_json(self.text)
        try:
            apply_values(project, values)
        except SweepError as error:
            raise TrialFailedError(str(error)) from None
        metric = self.sweep.metric
        if metric not in available_metrics(project):
            measured = ", ".join(available_metrics(project))
            raise TrialFailedError(f"the design does not measure {metric!r} ({measured})")
        return project

    def _report(self, trial, record: EpochProgress) -> None:
        """Tell Optuna the epoch's value; stop a trial the pruner finds hopeless."""
        import optuna

        value = _metric(self.sweep.metric, record.val_loss, record.metrics)
        if value is None:
            return
        trial.report(value, record.epoch)
        self.send(TrialEpoch(trial.number, record.epoch, value))
        last = record.epoch >= self.epochs  # a finished trial is worth its value
        if not last and trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {record.epoch}")

    def _final(self, end: RunFinished) -> tuple[float, dict[str, float]]:
        if end.reason == "stopped":
            raise TrialFailedError(STOPPED_REASON)
        metrics = dict(end.final_metrics)
        value = metrics.get(self.sweep.metric)
        if value is None or not math.isfinite(value):
            raise TrialFailedError(f"{self.sweep.metric} is not a number at the end")
        return float(value), metrics


def _metric(key: str, val_loss: float, metrics: Mapping[str, float]) -> float | None:
    value = val_loss if key == "val_loss" else metrics.get(key)
    return value if value is not None and math.isfinite(value) else None
