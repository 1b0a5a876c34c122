"""Short probes of a design off the GUI thread: the pre-flight check, the rate range test.

The same pattern as the training worker (`designer.ui.training.worker`): a thin `ProbeWorker`
runs one job in a `QThread` of its own and turns its progress into queued signals, at
most ~30 lists a second; the `ProbeRunner` owns the thread, starts one job at a time,
and reports the result only once the thread has ended. A job is given a `PreparedRun`
made in the GUI thread, so it never sees the graph. `shutdown` stops the job at its next
step and joins the thread (closing a dialog or the window).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from designer.training.loop import RunControl
from designer.ui.training.worker import BATCH_INTERVAL_S, worker_threads

#: A job: given the run's stop switch and a function to report progress with, it
#: returns its result (raising makes the job fail with the error's text).
Job = Callable[[RunControl, Callable[[object], None]], object]


class ProbeWorker(QObject):
    """Runs one job in its thread. Signals: progress(list), done(object), failed(str)."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, job: Job, control: RunControl) -> None:
        super().__init__()
        self.job, self.control = job, control
        self._pending: list = []
        self._last_emit = 0.0

    @Slot()
    def run(self) -> None:
        previous = torch.get_num_threads()
        torch.set_num_threads(worker_threads())
        try:
            result = self.job(self.control, self._report)
            self._flush()
            self.done.emit(result)
        except Exception as error:  # the job's failure is a message, never a dead thread
            lines = str(error).strip().splitlines()
            self.failed.emit(lines[0] if lines else type(error).__name__)
        finally:
            torch.set_num_threads(previous)
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())
            QThread.currentThread().quit()

    def _report(self, item: object) -> None:
        self._pending.append(item)
        if time.perf_counter() - self._last_emit >= BATCH_INTERVAL_S:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.progress.emit(self._pending)
            self._pending = []
        self._last_emit = time.perf_counter()


class ProbeRunner(QObject):
    """Runs probe jobs one at a time.

    Signals:
        progress(list): items the job reported since the last emission.
        done(object): the job's result, after its thread has ended.
        failed(str): the job failed (the text says why), after its thread has ended.
        busy_changed(bool): a job started or ended.
    """

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(str)
    busy_changed = Signal(bool)
    _run_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: ProbeWorker | None = None
        self._control = RunControl()
        self._outcome: tuple[str, object] | None = None
        self._retired: tuple[QThread | None, ProbeWorker | None] = (None, None)

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, job: Job) -> None:
        """Run ``job`` in a new thread; raises RuntimeError while another one runs."""
        if self.busy:
            raise RuntimeError("a probe is already running")
        self._control, self._outcome = RunControl(), None
        worker = ProbeWorker(job, self._control)
        thread = QThread()
        thread.setObjectName("probe")
        worker.moveToThread(thread)
        worker.progress.connect(self.progress)
        worker.done.connect(self._on_worker_done)
        worker.failed.connect(self._on_worker_failed)
        thread.finished.connect(self._on_thread_finished)
        self._run_requested.connect(worker.run)
        self._thread, self._worker = thread, worker
        thread.start()
        self._run_requested.emit()
        self._run_requested.disconnect(worker.run)
        self.busy_changed.emit(True)

    def stop(self) -> None:
        """Ask the job to end at its next step (its result is what it had)."""
        self._control.stop()

    def shutdown(self) -> None:
        """Stop the job and wait for its thread; no result is reported."""
        thread = self._thread
        if thread is None:
            return
        self._control.stop()
        thread.quit()
        thread.wait()
        self._finish(emit=False)

    @Slot(object)
    def _on_worker_done(self, result: object) -> None:
        self._outcome = ("done", result)

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        self._outcome = ("failed", message)

    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is not None and self.sender() is thread:
            thread.wait()  # `finished` comes just before the thread really ends
            self._finish(emit=True)

    def _finish(self, emit: bool) -> None:
        outcome = self._outcome
        # NOTE: kept until the next job: deleting a QThread in its own signal's handler
        # would pull the rug from under Qt (as the training controller does).
        self._retired = (self._thread, self._worker)
        self._thread, self._worker, self._outcome = None, None, None
        self.busy_changed.emit(False)
        if not emit:
            return
        if outcome is None:
            self.failed.emit("the check ended without a result")
        elif outcome[0] == "done":
            self.done.emit(outcome[1])
        else:
            self.failed.emit(str(outcome[1]))
