"""Recording a run while it trains: into the project's run store, and as TensorBoard logs.

`Recording` takes the loop's progress records in the training thread (in the app's worker
as under ``nn-designer train``) and hands them to its sinks: `StoreSink` writes the
project's run store, `designer.training.tensorboard.TensorBoardLog` event files. Recording
is best-effort and training is not: a sink that fails (a locked, read-only, damaged or
full store, a missing ``tensorboard`` package) is reported once through ``warn`` and
dropped, and the run goes on.

Batches arrive thousands of times a second on small models, so they are gathered per epoch
into at most `MAX_BATCH_POINTS` points a run (means of neighbouring batches beyond that),
and the store is written at most once every `FLUSH_INTERVAL_S`, in one short transaction,
and when the run ends: a crash loses at most that much of the curves, never the store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from designer.training import core
from designer.training.loop import BatchProgress, EpochProgress, Progress
from designer.training.results import RunRecord, headline_of
from designer.training.run_codec import BatchCurve, design_hash, library_versions, to_json
from designer.training.run_store import RunStore, now
from designer.training.session import PreparedRun

MAX_BATCH_POINTS = 100_000  # a run's batch curve, at most (8 bytes a point in the store)
MAX_EPOCH_POINTS = 1_000  # one epoch's, at most
FLUSH_INTERVAL_S = 1.0

Warn = Callable[[str], None]


@dataclass(frozen=True)
class RecordTargets:
    """Where a run's records go: a run store file, a TensorBoard log folder (each run
    writes a sub-folder of it), both or neither; ``source`` says what ran it."""

    store: Path | None = None
    tensorboard: Path | None = None
    source: str = "app"


def curve_stride(prepared: PreparedRun) -> int:
    """How many batches each stored point averages, so that a run keeps at most
    `MAX_BATCH_POINTS` points and an epoch at most `MAX_EPOCH_POINTS`."""
    settings = prepared.settings
    steps = max(1, math.ceil(prepared.data.num_train / settings.batch_size))
    per_epoch = max(1, min(MAX_EPOCH_POINTS, MAX_BATCH_POINTS // settings.epochs))
    return max(1, math.ceil(steps / per_epoch))


class BatchCurveBuffer:
    """One epoch's batch losses and learning rates, averaged over windows of ``stride``
    batches as they arrive (so memory stays bounded whatever the epoch's length)."""

    def __init__(self, stride: int) -> None:
        self.stride = stride
        self._steps: list[int] = []
        self._loss: list[float] = []
        self._rate: list[float] = []
        self._total, self._count = 0.0, 0

    def add(self, record: BatchProgress) -> None:
        if self._count == 0:
            self._steps.append(record.step)
            self._rate.append(record.learning_rate)
        self._total += record.batch_loss
        self._count += 1
        if self._count == self.stride:
            self._close_window()

    def _close_window(self) -> None:
        if self._count:
            self._loss.append(self._total / self._count)
            self._total, self._count = 0.0, 0

    def take(self) -> BatchCurve:
        """The epoch's curve; the buffer starts empty for the next epoch."""
        self._close_window()
        curve = BatchCurve(
            np.array(self._steps, dtype=np.int64),
            np.array(self._loss, dtype=np.float64),
            np.array(self._rate, dtype=np.float64),
            self.stride,
        )
        self._steps, self._loss, self._rate = [], [], []
        return curve


class Sink(Protocol):
    """Something a run's progress is recorded in."""

    problem_prefix: str

    def epoch(self, record: EpochProgress, curve: BatchCurve) -> None: ...

    def end(self, record: RunRecord, epochs_run: int, best_epoch: int) -> None: ...

    def interrupt(self) -> None: ...

    def close(self) -> None: ...


def run_row(prepared: PreparedRun, source: str, device: str) -> dict[str, object]:
    """The ``runs`` row of a run that starts now."""
    data = prepared.data
    return {
        "name": prepared.name,
        "source": source,
        "status": "running",
        "started_at": now(),
        "seed": prepared.settings.seed,
        "design_hash": design_hash(prepared.snapshot) if prepared.snapshot else "",
        "snapshot": prepared.snapshot,
        "training": to_json(prepared.settings.to_dict()),
        "data": to_json(prepared.data_settings.to_dict()),
        "data_name": data.name,
        "num_train": data.num_train,
        "num_val": data.num_val,
        "versions": to_json(library_versions()),
        "device": device,
        "metric_name": headline_of(prepared),
    }


def device_name(setting: str) -> str:
    """The device a run with this setting trains on ("cpu", "cuda:0"), or the setting
    itself when that device is missing (the run then fails and says so)."""
    try:
        return str(core.pick_device(setting))
    except (RuntimeError, ValueError):
        return setting


class StoreSink:
    """Writes one run into a run store, from the thread that trains it."""

    problem_prefix = "Recording stopped"

    def __init__(self, path: Path, prepared: PreparedRun, source: str, device: str) -> None:
        self.store = RunStore.open(path, create=True)
        try:
            row = run_row(prepared, source, device)
            self.run_id = self.store.begin_run(row)
            self.started = str(row["started_at"])
        except BaseException:
            self.store.close()
            raise
        self._pending: list[tuple[EpochProgress, BatchCurve]] = []
        self._flushed = time.monotonic()

    def epoch(self, record: EpochProgress, curve: BatchCurve) -> None:
        self._pending.append((record, curve))
        if time.monotonic() - self._flushed >= FLUSH_INTERVAL_S:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        self._flushed = time.monotonic()
        if pending:
            self.store.add_epochs(self.run_id, pending)

    def end(self, record: RunRecord, epochs_run: int, best_epoch: int) -> None:
        self.flush()
        metrics = dict(record.results.metrics) if record.results is not None else None
        changes = {
            "message": record.message,
            "elapsed": record.elapsed,
            "epochs_run": epochs_run,
            "best_epoch": best_epoch,
            "final_metrics": to_json(metrics) if metrics is not None else None,
        }
        self.store.end_run(self.run_id, record.reason, changes, record)

    def interrupt(self) -> None:
        self.flush()
        self.store.end_run(self.run_id, "interrupted", {})

    def close(self) -> None:
        self.store.close()


class Recording:
    """The sinks of one run, fed from the training thread; see the module docstring."""

    def __init__(self, prepared: PreparedRun, sinks: list[Sink], warn: Warn) -> None:
        self._sinks, self._warn = sinks, warn
        self._buffer = BatchCurveBuffer(curve_stride(prepared))
        self._epochs_run = self._best_epoch = 0

    @classmethod
    def start(cls, prepared: PreparedRun, targets: RecordTargets, warn: Warn) -> Recording:
        """Open the sinks ``targets`` asks for; one that cannot open is reported (once,
        through ``warn``) and left out."""
        sinks: list[Sink] = []
        device = device_name(prepared.settings.device)
        if targets.store is not None:
            opened = _opened(lambda: StoreSink(targets.store, prepared, targets.source, device))
            _keep(sinks, opened, "The run is not recorded", warn)
        if targets.tensorboard is not None:
            from designer.training.tensorboard import TensorBoardLog

            opened = _opened(lambda: TensorBoardLog(targets.tensorboard, prepared))
            _keep(sinks, opened, "No TensorBoard logs", warn)
        return cls(prepared, sinks, warn)

    @property
    def active(self) -> bool:
        """Whether anything still records the run."""
        return bool(self._sinks)

    @property
    def run_id(self) -> int | None:
        """The run's id in the store, while it is being recorded there."""
        return next((s.run_id for s in self._sinks if isinstance(s, StoreSink)), None)

    @property
    def store_path(self) -> Path | None:
        """The store the run is recorded in (None when it is not, or no longer)."""
        return next((s.store.path for s in self._sinks if isinstance(s, StoreSink)), None)

    @property
    def tensorboard_folder(self) -> Path | None:
        from designer.training.tensorboard import TensorBoardLog

        return next((s.folder for s in self._sinks if isinstance(s, TensorBoardLog)), None)

    def add(self, record: Progress) -> None:
        """Take one progress record of the loop."""
        if isinstance(record, BatchProgress):
            self._buffer.add(record)
        elif isinstance(record, EpochProgress):
            curve = self._buffer.take()
            self._epochs_run = record.epoch
            self._each(lambda sink: sink.epoch(record, curve))

    def finish(self, record: RunRecord, best_epoch: int = 0) -> RunRecord:
        """Record the end of the run; returns ``record`` with its store id when kept."""
        epochs = len(record.history.epochs)
        self._each(lambda sink: sink.end(record, epochs, best_epoch))
        store = next((s for s in self._sinks if isinstance(s, StoreSink)), None)
        if store is None:
            return record
        return dataclasses.replace(record, run_id=store.run_id, started=store.started)

    def interrupt(self) -> None:
        """The run was cut short (Ctrl+C, an error outside the loop): say so."""
        self._each(lambda sink: sink.interrupt())

    def close(self) -> None:
        for sink in self._sinks:
            try:
                sink.close()
            except Exception as error:  # closing must never cost the run
                self._warn(f"{sink.problem_prefix}: {error}")
        self._sinks = []

    def _each(self, action: Callable[[Sink], None]) -> None:
        for sink in list(self._sinks):
            try:
                action(sink)
            except Exception as error:  # recording is best-effort; training is not
                self._warn(f"{sink.problem_prefix}: {error}; training goes on")
                self._sinks.remove(sink)
                with contextlib.suppress(Exception):  # its first problem is reported
                    sink.close()


def _opened(make: Callable[[], Sink]) -> Sink | Exception:
    """A new sink, or why it could not be made. Any error: recording is best-effort, and
    not even a library's surprise (a TensorBoard built against another protobuf) may
    stop the run."""
    try:
        return make()
    except Exception as error:
        return error


def _keep(sinks: list[Sink], opened: Sink | Exception, prefix: str, warn: Warn) -> None:
    if isinstance(opened, Exception):
        warn(f"{prefix}: {opened}")
    else:
        sinks.append(opened)
