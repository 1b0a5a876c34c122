"""The training loop: a plain generator of immutable progress records, usable from any thread.

Each step is `core.train_step`, the samples of each epoch come from `core.epoch_order`, the
validation metrics from `core.validation_metrics` and the optimizer, schedule and losses
from the project's compiled recipe: the very code the exported script contains. What the
loop adds is what only the application needs: a progress record per batch and per epoch,
pause and stop between batches, and failures phrased for the user instead of tracebacks.
`benchmarks/bench_training.py` compares its cost with a plain PyTorch loop.
"""

from __future__ import annotations

import math
import threading
import time
import types
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass

import torch

from designer.catalog.objectives import target_problem
from designer.model.lint import LayerStats
from designer.training import core
from designer.training.batches import make_batches
from designer.training.probes import Probes
from designer.training.session import PreparedRun

_PAUSE_POLL_S = 0.1


class RunControl:
    """Thread-safe stop/pause switches for a running `train` generator.

    The loop looks at them before every batch; while paused it waits in short slices, so
    `stop()` ends even a paused run well within a second.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        if not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self) -> float:
        """Block while paused (and not stopped); returns the seconds spent waiting."""
        if self._running.is_set():
            return 0.0
        start = time.perf_counter()
        while not self._running.wait(_PAUSE_POLL_S) and not self._stop.is_set():
            pass
        return time.perf_counter() - start


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """One optimizer step; the rate counts only the batch's own compute time."""

    step: int
    epoch: int
    batch_loss: float
    learning_rate: float
    samples_per_second: float


@dataclass(frozen=True, slots=True)
class EpochProgress:
    """One finished epoch; `metrics` are measured on the validation part."""

    epoch: int
    step: int
    train_loss: float
    val_loss: float
    metrics: Mapping[str, float]
    elapsed: float
    eta: float


@dataclass(frozen=True, slots=True)
class LayerProbe:
    """Each layer's statistics on the first batch of an epoch (`LayerStats` by node id),
    measured with `Probes` when the loop is asked to."""

    epoch: int
    step: int
    layers: Mapping[str, LayerStats]


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The run ended normally. `reason` is "completed", "stopped" or "early_stopped";
    `best_epoch` has the lowest validation loss (0 when no epoch finished)."""

    reason: str
    epochs_run: int
    best_epoch: int
    final_metrics: Mapping[str, float]
    elapsed: float


@dataclass(frozen=True, slots=True)
class RunFailed:
    """The run could not go on; `message` is one readable line, `step` the failing step."""

    message: str
    step: int


Progress = BatchProgress | EpochProgress | LayerProbe | RunFinished | RunFailed


class _RunError(Exception):
    """A problem found by the loop itself, already phrased for the user."""


def mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def available_devices() -> list[str]:
    """Device settings this machine can train on ("auto" first); absent ones are left out."""
    optional = [("cuda", torch.cuda.is_available()), ("mps", mps_available())]
    return ["auto", "cpu", *(name for name, present in optional if present)]


def pick_device(name: str) -> torch.device:
    """The torch device for a settings value; "auto" prefers CUDA, then Apple MPS, then CPU."""
    if name == "cuda" and not torch.cuda.is_available():
        raise _RunError("CUDA was requested, but no CUDA device is available")
    if name == "mps" and not mps_available():
        raise _RunError("MPS was requested, but it is not available on this machine")
    return core.pick_device(name)


def _error_text(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0].strip() if lines else type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _describe(error: BaseException, step: int, epoch: int) -> str:
    if isinstance(error, _RunError):
        return str(error)
    where = f"at step {step} (epoch {epoch})" if step else "before the first step"
    if isinstance(error, FloatingPointError):
        kind = "NaN" if str(error) == "nan" else "infinite"
        return f"loss became {kind} {where}; try a lower learning rate"
    text = _error_text(error)
    if isinstance(error, MemoryError) or "out of memory" in text.lower():
        return f"ran out of memory {where}; try a smaller batch size or model"
    return f"the model failed {where}: {text}"


def _check_targets(run: PreparedRun, dims: list[tuple[int, ...] | None]) -> None:
    """Whether each output of per-sample shape ``dims`` can learn its targets."""
    for slot, shape in zip(run.layout.outputs, dims, strict=True):
        target = run.data.target(slot.name)
        problem = target_problem(
            slot.loss, shape, target.task, target.shape, target.num_classes, run.data.name
        )
        if problem:
            raise _RunError(f"{slot.description}: {problem}" if slot.description else problem)


def _check_model(run: PreparedRun, batches) -> None:
    """Run two samples through the model (eval mode, no gradients, so neither weights nor
    the random state change) to report a wrong output size before training starts."""
    model, recipe = run.model, run.recipe
    rows = torch.arange(min(2, len(batches)))
    batch = next(iter(batches.batches(rows, len(rows))))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            result = model(*(batch[name] for name in recipe.inputs))
    finally:
        model.train(was_training)
    outputs = core.as_outputs(result)
    if len(outputs) != len(recipe.heads):
        raise _RunError(f"the model returned {len(outputs)} outputs, not {len(recipe.heads)}")
    _check_targets(run, [tuple(output.shape[1:]) for output in outputs])


def train(
    run: PreparedRun, control: RunControl | None = None, probe: bool = False
) -> Iterator[Progress]:
    """Train ``run.model`` in place, yielding a `BatchProgress` per batch, an
    `EpochProgress` per epoch and finally one `RunFinished` or `RunFailed`. With
    ``probe`` (and a run with a `ProbePlan`), the first batch of each epoch is also
    measured layer by layer, a `LayerProbe` after its `BatchProgress`: hooks that only
    read, so the run's weights are the same as without.

    Never raises for problems of the model or data: NaN/infinite losses and exceptions in the
    model (shape errors, out of memory) end the run with `RunFailed`. With early stopping, the
    weights of the best validation epoch are restored at the end.
    """
    state = _Run(run, control or RunControl(), probe)
    try:
        yield from state.epochs()
    except Exception as error:  # the run must end with a record, whatever the model does
        yield RunFailed(_describe(error, state.step, state.epoch), state.step)
    finally:
        state.close()


class _Run:
    """State of one `train` call; split out so each piece stays short."""

    def __init__(self, run: PreparedRun, control: RunControl, probe: bool = False) -> None:
        self.run, self.settings, self.control = run, run.settings, control
        self.probe = probe and run.probe_plan is not None
        self.probes: Probes | None = None
        self.step = 0
        self.epoch = 0
        self.paused_time = 0.0
        self.start = time.perf_counter()
        self.sources: list = []

    def elapsed(self) -> float:
        return time.perf_counter() - self.start - self.paused_time

    def close(self) -> None:
        if self.probes is not None:
            self.probes.close()
        for source in self.sources:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def epochs(self) -> Iterator[Progress]:
        s, run, model = self.settings, self.run, self.run.model
        recipe = run.recipe
        _check_targets(run, [slot.dims for slot in run.layout.outputs])
        device = pick_device(s.device)
        model.to(device)
        train_set = make_batches(run, "train", device)
        val_set = make_batches(run, "val", device)
        self.sources = [train_set, val_set]
        if len(train_set) == 0:
            raise _RunError("there are no training rows")
        _check_model(run, train_set)
        if not any(p.requires_grad for p in model.parameters()):
            raise _RunError("the model has no trainable parameters")
        if self.probe and run.probe_plan is not None:
            self.probes = Probes(run.probe_plan, model)
        torch.manual_seed(s.seed)
        optimizer = recipe.make_optimizer(model.parameters(), s.learning_rate)
        steps = math.ceil(len(train_set) / s.batch_size)
        scheduler = None
        if recipe.make_scheduler is not None:
            scheduler = recipe.make_scheduler(optimizer, s.learning_rate, s.epochs, steps)
        best = core.BestWeights(keep=s.early_stopping)
        self.start = time.perf_counter()
        reason = "completed"
        for epoch in range(1, s.epochs + 1):
            self.epoch = epoch
            order = core.epoch_order(len(train_set), s.seed, epoch - 1)
            batches = train_set.batches(order, s.batch_size, epoch - 1)
            train_loss = yield from self.batches(batches, len(order), optimizer, scheduler)
            if train_loss is None:
                reason = "stopped"
                break
            if scheduler is not None and recipe.schedule_step == "epoch":
                scheduler.step()
            yield self.finish_epoch(val_set, train_loss, best)
            if s.early_stopping and epoch - best.epoch >= s.patience:
                reason = "early_stopped"
                break
        yield self.finish(reason, best, val_set)

    def batches(
        self, batches, count: int, optimizer, scheduler
    ) -> Generator[BatchProgress | LayerProbe, None, float | None]:
        """One epoch of batches; returns the mean training loss, or None when stopped."""
        model, control, recipe = self.run.model, self.control, self.run.recipe
        per_batch = scheduler if recipe.schedule_step == "batch" else None
        clip, total = self.settings.grad_clip, 0.0
        group = optimizer.param_groups[0]
        target = recipe.heads[0].target
        model.train()
        iterator = iter(batches)
        probes = self.probes
        while True:
            if control.paused:
                self.paused_time += control.wait_while_paused()
            if control.stopped:
                return None
            started = time.perf_counter()
            batch = next(iterator, None)
            if batch is None:
                return total / count
            self.step += 1
            learning_rate = group["lr"]
            if probes is not None:
                probes.arm()
            value = core.train_step(model, optimizer, recipe.heads, recipe.inputs, batch, clip)
            if per_batch is not None:
                per_batch.step()
            rows = len(batch[target])
            total += value * rows
            rate = rows / max(time.perf_counter() - started, 1e-9)
            yield BatchProgress(self.step, self.epoch, value, learning_rate, rate)
            if probes is not None:
                yield LayerProbe(self.epoch, self.step, types.MappingProxyType(probes.measure()))
                probes = None  # the first batch of the epoch only

    def finish_epoch(self, val_set, train_loss: float, best: core.BestWeights) -> EpochProgress:
        metrics = self.validate(val_set)
        val_loss = metrics.pop("loss")
        best.update(self.run.model, val_loss, self.epoch)
        elapsed = self.elapsed()
        eta = elapsed / self.epoch * (self.settings.epochs - self.epoch)
        return EpochProgress(
            epoch=self.epoch,
            step=self.step,
            train_loss=train_loss,
            val_loss=val_loss,
            metrics=types.MappingProxyType(metrics),
            elapsed=elapsed,
            eta=eta,
        )

    def validate(self, val_set) -> dict[str, float]:
        recipe = self.run.recipe
        if len(val_set) == 0:
            return {"loss": math.nan}
        return core.validation_metrics(self.run.model, recipe.heads, recipe.inputs, val_set)

    def finish(self, reason: str, best: core.BestWeights, val_set) -> RunFinished:
        if reason != "stopped":
            best.restore(self.run.model)
        epochs_run = self.epoch if reason != "stopped" else self.epoch - 1
        metrics = self.validate(val_set)
        final = types.MappingProxyType({"val_loss": metrics.pop("loss"), **metrics})
        return RunFinished(reason, epochs_run, best.epoch, final, self.elapsed())
