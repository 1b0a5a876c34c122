"""A sweep's trials in worker processes, `SweepJob.jobs` at once, reported as events.

Processes, not threads: one trial keeps one core busy (each worker sets torch to one
thread), so a sweep with as many jobs as cores uses the whole machine while the window's
own thread stays free. Workers start with the "spawn" method, which is safe in a process
that runs Qt threads, and each loads its own data. They share nothing but the study's
storage, a stop switch, a queue of events and the budget of trials (`SweepJob.trials`
for this sweep, however many processes or machines also work on the study).

`SweepRunner` is the owner: `start`, then `poll` for events until `done`; `stop` asks every
worker to end after its current batch (the unfinished trial is recorded as failed), and
`close` waits for them, ending any that do not listen. No Qt: the window polls from a
timer, the command line in a loop.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass

from designer.io import project_from_json
from designer.model import Project
from designer.model.sweep import SweepSettings
from designer.model.sweep_design import space_problems
from designer.training.loop import RunControl
from designer.training.sweep_study import (
    FAILED,
    SweepSetupError,
    available_metrics,
    grid_left,
    make_pruner,
    make_sampler,
    open_study,
    optuna_missing,
)
from designer.training.sweep_trial import (
    SweepEvent,
    SweepObjective,
    TrialEnded,
    TrialFailedError,
    TrialStarted,
    WorkerEnded,
)

CLOSE_TIMEOUT_S = 10.0
ENDED_REASON = "its worker process was ended"


@dataclass(frozen=True)
class SweepJob:
    """What to sweep and where: the project as a file's text (its sweep section says
    the space, metric and sampler), the folder its data paths start from, the Optuna
    storage URL and study name, this sweep's number of trials and of processes."""

    project_text: str
    folder: str | None
    storage: str
    study: str
    trials: int
    jobs: int = 1


def check_job(job: SweepJob) -> Project:
    """The job's project, once everything a sweep needs is there; else `SweepSetupError`
    with the first problem (Optuna missing, an empty or stale space, an unknown metric)."""
    missing = optuna_missing()
    if missing:
        raise SweepSetupError(missing)
    if job.trials < 1 or job.jobs < 1:
        raise SweepSetupError("a sweep needs at least one trial and one process")
    if not job.study.strip():
        raise SweepSetupError("the study needs a name")
    project = project_from_json(job.project_text)
    problems = space_problems(project)
    if problems:
        raise SweepSetupError(problems[0])
    metric, metrics = project.sweep.metric, available_metrics(project)
    if metric not in metrics:
        raise SweepSetupError(f"the design does not measure {metric!r} ({', '.join(metrics)})")
    return project


class SharedControl(RunControl):
    """A training run's switches, also stopped by the sweep's stop switch (shared by the
    processes), which the loop looks at before every batch."""

    def __init__(self, stop) -> None:
        super().__init__()
        self._shared_stop = stop

    @property
    def stopped(self) -> bool:
        return self._shared_stop.is_set() or super().stopped


class SweepRunner:
    """Runs one `SweepJob` (see the module docstring). Creating it checks the job and
    creates or joins the study, raising `SweepSetupError`; nothing runs before `start`."""

    def __init__(self, job: SweepJob) -> None:
        self.job = job
        self.project = check_job(job)
        self.sweep: SweepSettings = self.project.sweep
        self.study = open_study(job.storage, job.study, self.sweep)
        context = multiprocessing.get_context("spawn")
        self._context = context
        self._events = context.Queue()
        self._stop = context.Event()
        self._budget = context.Value("i", job.trials)
        self._processes: list = []
        self._ended: dict[int, str] = {}
        self._running: dict[int, TrialStarted] = {}

    # ------------------------------------------------------------ lifetime
    def start(self) -> None:
        """Start the worker processes (they need a few seconds to import torch)."""
        for worker in range(self.job.jobs):
            process = self._context.Process(
                target=worker_main,
                args=(self.job, worker, self._events, self._stop, self._budget),
                name=f"nn-designer sweep worker {worker}",
                daemon=True,
            )
            with _interrupts_ignored():  # Ctrl+C is the parent's to handle
                process.start()
            self._processes.append(process)

    def stop(self) -> None:
        """Ask the workers to end after their current batch; returns at once."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def done(self) -> bool:
        """Whether every worker started has ended (its events all received)."""
        return len(self._ended) == len(self._processes)

    @property
    def alive(self) -> int:
        """How many worker processes are running."""
        return sum(process.is_alive() for process in self._processes)

    def errors(self) -> list[str]:
        """What went wrong outside the trials, one line per worker that failed."""
        return [error for _worker, error in sorted(self._ended.items()) if error]

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> list[SweepEvent]:
        """Stop, wait up to ``timeout`` seconds for the workers, end those still running,
        and record their unfinished trials as failed; returns the last events."""
        self.stop()
        deadline = time.monotonic() + timeout
        events: list[SweepEvent] = []
        while not self.done and time.monotonic() < deadline:
            events += self.poll(min(0.2, max(0.0, deadline - time.monotonic())))
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
                process.join()
        events += self.poll()
        events += self._fail_unfinished()
        self._events.close()
        self._events.join_thread()
        return events

    # ------------------------------------------------------------ events
    def poll(self, timeout: float = 0.0) -> list[SweepEvent]:
        """The events that arrived, waiting up to ``timeout`` seconds for the first."""
        events: list[SweepEvent] = []
        with contextlib.suppress(queue.Empty, OSError, ValueError):
            first = self._events.get(timeout=timeout) if timeout else self._events.get_nowait()
            events.append(first)
            while True:
                events.append(self._events.get_nowait())
        for event in events:
            self._track(event)
        return events + self._lost_workers()

    def _track(self, event: SweepEvent) -> None:
        if isinstance(event, TrialStarted):
            self._running[event.number] = event
        elif isinstance(event, TrialEnded):
            self._running.pop(event.number, None)
        elif isinstance(event, WorkerEnded):
            self._ended[event.worker] = event.error

    def _lost_workers(self) -> list[SweepEvent]:
        """A worker that died without saying so (killed, crashed) ends with an error."""
        lost: list[SweepEvent] = []
        for worker, process in enumerate(self._processes):
            if worker not in self._ended and process.exitcode is not None:
                error = f"the worker process ended unexpectedly (exit code {process.exitcode})"
                if self._stop.is_set() and process.exitcode < 0:
                    error = ""  # ended by `close`
                self._ended[worker] = error
                lost.append(WorkerEnded(worker, error))
        return lost

    def _fail_unfinished(self) -> list[SweepEvent]:
        """Trials whose worker was ended before it could say how they ended."""
        from optuna.trial import TrialState

        events: list[SweepEvent] = []
        for number, started in sorted(self._running.items()):
            with contextlib.suppress(Exception):  # another process may have told it
                self.study.tell(number, state=TrialState.FAIL, skip_if_finished=True)
            events.append(TrialEnded(number, FAILED, started.values, reason=ENDED_REASON))
        self._running.clear()
        return events


@contextlib.contextmanager
def _interrupts_ignored():
    """Start children with Ctrl+C ignored: Python keeps SIGINT ignored in a process that
    starts so, and the terminal sends it to the whole process group."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# ------------------------------------------------------------------ the worker
def worker_main(job: SweepJob, worker: int, events, stop, budget) -> None:
    """A worker process: trials until the budget is spent, the grid is done or the
    sweep is stopped; then one `WorkerEnded`, with the error if one ended it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)
    try:
        _work(job, worker, events.put, stop, budget)
    except Exception as error:  # reported, not a traceback in a process nobody watches
        events.put(WorkerEnded(worker, f"{type(error).__name__}: {error}"))
        return
    events.put(WorkerEnded(worker))


def _work(job: SweepJob, worker: int, send, stop, budget) -> None:
    sweep = project_from_json(job.project_text).sweep
    study = open_study(job.storage, job.study, sweep, make_sampler(sweep), make_pruner(sweep))
    objective = SweepObjective(job.project_text, job.folder, SharedControl(stop), send, worker)
    while not stop.is_set():
        if sweep.sampler == "grid" and grid_left(study, sweep) == 0:
            return
        if not _take(budget):
            return
        study.optimize(objective, n_trials=1, catch=(TrialFailedError,), gc_after_trial=False)


def _take(budget) -> bool:
    """Take one trial from the sweep's budget, if any is left."""
    with budget.get_lock():
        if budget.value <= 0:
            return False
        budget.value -= 1
        return True
