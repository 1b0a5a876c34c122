"""`SweepController`: runs a `SweepRunner` for the window without ever blocking it.

Setting a sweep up (importing Optuna, opening the storage, reading the trials a study
already has, starting the processes) happens in a daemon thread that touches no Qt
object; its outcome waits in a queue. A timer on the GUI thread empties that queue and
polls the runner's events (without waiting) a few times a second, so the window stays
responsive whatever the workers do. The trials are kept as `TrialRow`s by number: the
model of the results table, the parallel-coordinates plot and "Apply best".
"""

from __future__ import annotations

import queue
import threading
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from designer.model.sweep import SweepSettings
from designer.training.sweep_runner import SweepJob, SweepRunner
from designer.training.sweep_study import (
    COMPLETE,
    FAILED,
    PRUNED,
    RUNNING,
    SweepSetupError,
    TrialRow,
    best_row,
    rows_of,
)
from designer.training.sweep_trial import TrialEnded, TrialEpoch, TrialStarted, WorkerEnded

POLL_MS = 100
EXIT_GRACE_MS = 3000
STATES = (COMPLETE, PRUNED, FAILED, RUNNING)
SHUTDOWN_TIMEOUT_S = 5.0


class SweepController(QObject):
    """Starts, watches and stops one sweep at a time.

    Signals:
        started: the workers were started (the table shows the study's earlier trials).
        rows_changed: a trial started, reported an epoch or ended.
        finished(str): the sweep ended; the text sums it up (or says why it stopped).
        failed(str): the sweep could not start; the text says why.
    """

    started = Signal()
    rows_changed = Signal()
    finished = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[int, TrialRow] = {}
        self.sweep: SweepSettings | None = None  # the space of the sweep shown
        self._runner: SweepRunner | None = None
        self._done_ticks = 0  # polls since every worker said it was done
        self._setup: queue.Queue = queue.Queue()
        self._setting_up = False
        self._cancelled = threading.Event()
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ----------------------------------------------------------------- state
    @property
    def busy(self) -> bool:
        """Whether a sweep is being set up or running."""
        return self._setting_up or self._runner is not None

    @property
    def stopping(self) -> bool:
        return self._cancelled.is_set() and self.busy

    def best(self) -> TrialRow | None:
        if self.sweep is None:
            return None
        return best_row(sorted(self.rows.values(), key=lambda r: r.number), self.sweep.metric)

    # ----------------------------------------------------------------- control
    def start(self, job: SweepJob, sweep: SweepSettings) -> None:
        """Set the sweep up in the background; ``started`` or ``failed`` follows."""
        if self.busy:
            return
        self.rows, self.sweep = {}, sweep
        self._cancelled = threading.Event()
        self._setting_up = True
        thread = threading.Thread(
            target=_set_up,
            args=(job, self._setup, self._cancelled),
            name="sweep set-up",
            daemon=True,
        )
        thread.start()
        self._timer.start()
        self.rows_changed.emit()

    def stop(self) -> None:
        """Ask the workers to end after their current batch; ``finished`` follows."""
        self._cancelled.set()
        if self._runner is not None:
            self._runner.stop()

    def shutdown(self) -> None:
        """Stop and wait for the workers (quitting, closing the window, another project)."""
        self._cancelled.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            self._apply(runner.close(SHUTDOWN_TIMEOUT_S))
        self._timer.stop()

    def clear(self) -> None:
        """Forget the trials shown (another project)."""
        self.shutdown()
        self.rows, self.sweep = {}, None
        self.rows_changed.emit()

    # ----------------------------------------------------------------- polling
    def _on_timer_timeout(self) -> None:
        if self._setting_up:
            self._collect_setup()
        if self._runner is None:
            return
        events = self._runner.poll()
        self._apply(events)
        if self._runner.done:
            # NOTE: the processes exit just after their last event; waiting for that
            # (a few ticks) keeps `close`, which joins them, from blocking the window.
            self._done_ticks += 1
            if self._runner.alive == 0 or self._done_ticks * POLL_MS >= EXIT_GRACE_MS:
                self._finish()

    def _collect_setup(self) -> None:
        try:
            outcome = self._setup.get_nowait()
        except queue.Empty:
            return
        self._setting_up = False
        if isinstance(outcome, str):
            self._timer.stop()
            self.failed.emit(outcome)
            return
        runner, rows = outcome
        self.rows = {row.number: row for row in rows}
        self._runner, self._done_ticks = runner, 0
        if self._cancelled.is_set():
            runner.stop()
        self.started.emit()
        self.rows_changed.emit()

    def _apply(self, events: list) -> None:
        changed = False
        for event in events:
            if isinstance(event, TrialStarted):
                self.rows[event.number] = TrialRow(event.number, RUNNING, dict(event.values))
            elif isinstance(event, TrialEpoch) and event.number in self.rows:
                row = self.rows[event.number]
                value = event.value if row.state == RUNNING else row.value
                self.rows[event.number] = replace(row, epoch=event.epoch, value=value)
            elif isinstance(event, TrialEnded):
                self.rows[event.number] = TrialRow(
                    event.number,
                    event.state,
                    dict(event.values),
                    event.value if event.state == COMPLETE else None,
                    event.epoch,
                    event.reason,
                    event.seconds,
                )
            changed = changed or not isinstance(event, WorkerEnded)
        if changed:
            self.rows_changed.emit()

    def _finish(self) -> None:
        runner, self._runner = self._runner, None
        assert runner is not None
        self._apply(runner.close())
        self._timer.stop()
        self.rows.update({row.number: row for row in rows_of(runner.study)})  # other hosts
        self.rows_changed.emit()
        errors = runner.errors()
        text = summary(list(self.rows.values()))
        if errors:
            text = f"{text}; a worker stopped: {errors[0]}"
        elif self._cancelled.is_set():
            text = f"Stopped: {text}"
        self.finished.emit(text)


def summary(rows: list[TrialRow]) -> str:
    """``12 trials: 8 complete, 3 pruned, 1 failed``."""
    counts = {state: sum(row.state == state for row in rows) for state in STATES}
    parts = [f"{count} {state}" for state, count in counts.items() if count]
    return f"{len(rows)} trial{'s' * (len(rows) != 1)}: {', '.join(parts) or 'none'}"


def _set_up(job: SweepJob, outcome: queue.Queue, cancelled: threading.Event) -> None:
    """In a daemon thread: the runner with its processes started and the study's trials,
    or the reason it cannot run (a text); touches no Qt object."""
    try:
        runner = SweepRunner(job)
        rows = rows_of(runner.study)
    except SweepSetupError as error:
        outcome.put(str(error))
        return
    if not cancelled.is_set():
        runner.start()
    outcome.put((runner, rows))
