"""Training off the GUI thread: a thin `TrainingWorker` and the `TrainingController` owning it.

The worker only turns the records of `designer.training.train` into queued signals; it is
given a `PreparedRun` (a model already built in the GUI thread from the project, and
read-only arrays), so it never sees the graph and nothing it does can corrupt the design.
It also records the run (`designer.training.recording`: the project's run store and
TensorBoard logs) from its own thread, so no write to disk ever waits in the GUI thread;
a recording problem is one ``problem`` message, and the run goes on.
Batch records arrive thousands of times a second on small models, so the worker gathers
them and emits lists at most ~30 times a second; the GUI then redraws at the same rate
no matter how fast training runs.

One thread per run: it starts with the run and ends with it, so an idle application holds
no extra thread, and `shutdown` (wired to ``aboutToQuit`` and the window's close) stops the
loop and joins the thread before Qt could destroy a running `QThread`.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from designer.training.loop import (
    BatchProgress,
    EpochProgress,
    LayerProbe,
    RunControl,
    RunFailed,
    RunFinished,
    train,
)
from designer.training.recording import Recording, RecordTargets
from designer.training.results import RunRecord, evaluate, run_record
from designer.training.session import PreparedRun
from designer.ui.document import GraphDocument

BATCH_INTERVAL_S = 1 / 30
LOCK_REASON = "Training is running; stop it to edit the design"
IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"


def worker_threads() -> int:
    """Threads for torch in the worker: all cores but one, which stays with the GUI."""
    return max(1, (os.cpu_count() or 2) - 1)


class TrainingWorker(QObject):
    """Runs one `PreparedRun` in its thread and reports through queued signals.

    Signals:
        batch(list[BatchProgress]): the steps since the last emission (<= ~30/s).
        epoch(EpochProgress): an epoch finished (pending batches are emitted first).
        finished(RunRecord): the run ended (completed, early-stopped or stopped).
        failed_run(RunRecord): the run failed (emitted just before ``failed``).
        failed(str): the run could not go on; the text is meant for the user.
        problem(str): the run cannot be recorded as asked (it goes on).
        probes(LayerProbe): each layer's statistics on an epoch's first batch.
    """

    batch = Signal(object)
    probes = Signal(object)
    epoch = Signal(object)
    finished = Signal(object)
    failed_run = Signal(object)
    failed = Signal(str)
    problem = Signal(str)

    def __init__(self, control: RunControl) -> None:
        super().__init__()
        self.control = control
        self.discard = threading.Event()  # set on shutdown: skip the final evaluation
        self._pending: list[BatchProgress] = []
        self._last_emit = 0.0

    @Slot(object, object)
    def run(self, prepared: PreparedRun, targets: RecordTargets) -> None:
        """Train, then hand the worker back to the main thread and end this thread."""
        previous = torch.get_num_threads()
        torch.set_num_threads(worker_threads())
        recording = Recording.start(prepared, targets, self.problem.emit)
        try:
            self._train(prepared, recording)
        except Exception as error:  # evaluation must not kill the thread
            recording.interrupt()
            self.failed.emit(f"the results could not be computed: {error}")
        finally:
            recording.close()
            torch.set_num_threads(previous)
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())
            QThread.currentThread().quit()

    def _train(self, prepared: PreparedRun, recording: Recording) -> None:
        epochs: list[EpochProgress] = []
        for record in train(prepared, self.control, probe=True):
            recording.add(record)
            if isinstance(record, BatchProgress):
                self._add_batch(record)
                continue
            if isinstance(record, LayerProbe):
                self.probes.emit(record)
                continue
            self._flush()
            if isinstance(record, EpochProgress):
                epochs.append(record)
                self.epoch.emit(record)
            elif isinstance(record, RunFailed):
                failed = run_record(prepared, record, epochs, None)
                self.failed_run.emit(recording.finish(failed))
                self.failed.emit(record.message)
            elif isinstance(record, RunFinished):
                kept = self._record(prepared, record, epochs)
                self.finished.emit(recording.finish(kept, record.best_epoch))

    def _record(
        self, prepared: PreparedRun, end: RunFinished, epochs: list[EpochProgress]
    ) -> RunRecord:
        results = None
        if not self.discard.is_set():
            results = evaluate(prepared, end.final_metrics)
        return run_record(prepared, end, epochs, results)

    def _add_batch(self, record: BatchProgress) -> None:
        self._pending.append(record)
        if time.perf_counter() - self._last_emit >= BATCH_INTERVAL_S:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.batch.emit(self._pending)
            self._pending = []
        self._last_emit = time.perf_counter()


@dataclass
class RunClock:
    """Progress of the active run: steps done of all steps, and time spent not paused."""

    total_steps: int = 1
    done_steps: int = 0
    epoch: int = 0
    epochs: int = 0
    started: float = 0.0
    paused_at: float = 0.0
    paused_total: float = 0.0

    @classmethod
    def for_run(cls, prepared: PreparedRun) -> RunClock:
        s = prepared.settings
        per_epoch = max(1, math.ceil(prepared.data.num_train / s.batch_size))
        return cls(s.epochs * per_epoch, epochs=s.epochs, started=time.monotonic())

    def pause(self) -> None:
        self.paused_at = self.paused_at or time.monotonic()

    def resume(self) -> None:
        if self.paused_at:
            self.paused_total += time.monotonic() - self.paused_at
            self.paused_at = 0.0

    def elapsed(self) -> float:
        return (self.paused_at or time.monotonic()) - self.started - self.paused_total

    def remaining(self) -> float:
        """Seconds left at the pace so far (NaN before the first step)."""
        if not self.done_steps:
            return math.nan
        return self.elapsed() / self.done_steps * max(self.total_steps - self.done_steps, 0)


class TrainingController(QObject):
    """Starts, pauses, resumes and stops runs; owns the thread and worker of the current one.

    The document is locked while a run is active, so the design the user sees is the one
    being trained. ``make_control`` makes each run's `RunControl` (tests pass one they can
    watch); ``record_targets`` says, as each run starts, where it is recorded (by default
    nowhere). ``finished``/``failed`` are emitted only after the thread has
    ended, so their handlers always see an idle controller and an unlocked document.

    Signals:
        started(PreparedRun), batch(list), epoch(EpochProgress), finished(RunRecord),
        failed_run(RunRecord) just before failed(str), problem(str) (the run cannot be
        recorded as asked; it goes on), state_changed(str): "idle", "running", "paused"
        or "stopping", probes(LayerProbe): each layer measured on an epoch's first batch.
    """

    started = Signal(object)
    batch = Signal(object)
    probes = Signal(object)
    epoch = Signal(object)
    finished = Signal(object)
    failed_run = Signal(object)
    failed = Signal(str)
    problem = Signal(str)
    state_changed = Signal(str)
    _run_requested = Signal(object, object)

    def __init__(
        self,
        document: GraphDocument,
        parent: QObject | None = None,
        make_control: Callable[[], RunControl] = RunControl,
        record_targets: Callable[[], RecordTargets] = RecordTargets,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._make_control = make_control
        self._record_targets = record_targets
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._control = RunControl()  # no run yet: a switch nothing reads
        self._outcome: tuple[str, object] | None = None
        self._failed_record: RunRecord | None = None
        self.clock = RunClock()
        self._retired: tuple[QThread | None, TrainingWorker | None] = (None, None)
        self._state = IDLE

    # ----------------------------------------------------------------- state
    @property
    def state(self) -> str:
        return self._state

    @property
    def is_running(self) -> bool:
        """Whether a run is active (running, paused or stopping)."""
        return self._state != IDLE

    @property
    def is_paused(self) -> bool:
        return self._state == PAUSED

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    # -------------------------------------------------------------- commands
    def start(self, prepared: PreparedRun) -> None:
        """Train ``prepared`` in a new thread; raises RuntimeError if a run is active."""
        if self.is_running:
            raise RuntimeError("a training run is already active")
        self._control = self._make_control()
        self._outcome, self._failed_record = None, None
        worker = TrainingWorker(self._control)
        thread = QThread()
        thread.setObjectName("training")
        worker.moveToThread(thread)
        worker.batch.connect(self._on_worker_batch)
        worker.epoch.connect(self._on_worker_epoch)
        worker.finished.connect(self._on_worker_finished)
        worker.failed_run.connect(self._on_worker_failed_run)
        worker.failed.connect(self._on_worker_failed)
        worker.problem.connect(self.problem)
        worker.probes.connect(self.probes)
        thread.finished.connect(self._on_thread_finished)
        self._run_requested.connect(worker.run)
        self._thread, self._worker = thread, worker
        self._lock(True)
        self.clock = RunClock.for_run(prepared)
        self._set_state(RUNNING)
        self.started.emit(prepared)
        targets = self._record_targets()
        thread.start()
        self._run_requested.emit(prepared, targets)
        self._run_requested.disconnect(worker.run)

    def pause(self) -> None:
        if self._state == RUNNING:
            self._control.pause()
            self.clock.pause()
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self._state == PAUSED:
            self._control.resume()
            self.clock.resume()
            self._set_state(RUNNING)

    def stop(self) -> None:
        """Ask the run to end after the current batch (even when paused)."""
        if self._state in (RUNNING, PAUSED):
            self._control.stop()
            self._set_state(STOPPING)

    def shutdown(self) -> None:
        """Stop any run and wait for its thread to end (for quitting and closing)."""
        thread = self._thread
        if thread is None:
            return
        if self._worker is not None:
            self._worker.discard.set()
        self._control.stop()
        thread.quit()
        thread.wait()
        self._finish(emit=False)

    # -------------------------------------------------------------- handlers
    def _on_worker_batch(self, records: list) -> None:
        if records:
            self.clock.done_steps = records[-1].step
        self.batch.emit(records)

    def _on_worker_epoch(self, record: object) -> None:
        self.clock.epoch = record.epoch
        self.epoch.emit(record)

    def _on_worker_finished(self, record: object) -> None:
        self._outcome = ("finished", record)

    def _on_worker_failed_run(self, record: object) -> None:
        self._failed_record = record

    def _on_worker_failed(self, message: str) -> None:
        self._outcome = ("failed", message)

    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is not None and self.sender() is thread:
            thread.wait()  # `finished` comes just before the thread really ends
            self._finish(emit=True)

    def _finish(self, emit: bool) -> None:
        outcome = self._outcome
        # NOTE: the finished thread and worker are kept until the next run: deleting the
        # QThread inside the handler of its own signal would pull the rug from under Qt.
        self._retired = (self._thread, self._worker)
        self._thread, self._worker, self._outcome = None, None, None
        self.clock.resume()
        self._lock(False)
        self._set_state(IDLE)
        if not emit or outcome is None:
            if emit:
                self.failed.emit("the training run ended without a result")
            return
        kind, value = outcome
        if kind == "finished":
            self.finished.emit(value)
            return
        failed, self._failed_record = self._failed_record, None
        if failed is not None:
            self.failed_run.emit(failed)
        self.failed.emit(str(value))

    def _lock(self, locked: bool) -> None:
        self._document.lock(LOCK_REASON if locked else None)
