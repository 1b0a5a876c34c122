"""The training loop: a plain generator of immutable progress records, usable from any thread.

It is meant to cost no more than the loop one would write by hand, which is (per epoch)::

    model.train()
    order = torch.randperm(n, generator=generator)      # generator seeded with `seed`
    for start in range(0, n, batch_size):
        rows = order[start:start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(x_train[rows]), y_train[rows])
        loss.backward()
        total += loss.item() * len(rows)
        optimizer.step()
    model.eval()
    with torch.no_grad():
        outputs = model(x_val)                           # validation loss and accuracy
        val_loss = loss_fn(outputs, y_val).item()

after `torch.manual_seed(seed)`, with the whole data set as tensors on the device. `train`
does exactly this (so the final weights are identical for the same seed) plus one progress
record per batch and per epoch; `benchmarks/bench_training.py` compares the two.
"""

from __future__ import annotations

import math
import threading
import time
import types
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass

import torch
from torch import nn

from designer.data import PreparedData
from designer.model.settings import TrainingSettings
from designer.training.losses import check_loss_for_data, make_loss, prepare_targets
from designer.training.metrics import compute_metrics

_EVAL_CHUNK = 1024
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


Progress = BatchProgress | EpochProgress | RunFinished | RunFailed


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
    mps_ok = mps_available()
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if mps_ok else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise _RunError("CUDA was requested, but no CUDA device is available")
    if name == "mps" and not mps_ok:
        raise _RunError("MPS was requested, but it is not available on this machine")
    return torch.device(name)


def make_optimizer(params: list[nn.Parameter], s: TrainingSettings) -> torch.optim.Optimizer:
    """The optimizer named in settings; momentum and Nesterov apply to SGD only."""
    decay = s.weight_decay
    if s.optimizer == "sgd":
        nesterov = s.nesterov and s.momentum > 0
        return torch.optim.SGD(
            params, s.learning_rate, momentum=s.momentum, nesterov=nesterov, weight_decay=decay
        )
    kinds = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop}
    return kinds[s.optimizer](params, s.learning_rate, weight_decay=decay)


def make_scheduler(
    optimizer: torch.optim.Optimizer, s: TrainingSettings, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """The learning-rate schedule; one-cycle is stepped per batch, the others per epoch."""
    schedules = torch.optim.lr_scheduler
    if s.schedule == "step":
        return schedules.StepLR(optimizer, step_size=s.step_size, gamma=s.gamma)
    if s.schedule == "cosine":
        return schedules.CosineAnnealingLR(optimizer, T_max=s.epochs)
    if s.schedule == "one_cycle":
        total = s.epochs * steps_per_epoch
        return schedules.OneCycleLR(optimizer, max_lr=s.learning_rate, total_steps=total)
    return None


def _error_text(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0].strip() if lines else type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _describe(error: BaseException, step: int, epoch: int) -> str:
    if isinstance(error, _RunError):
        return str(error)
    text = _error_text(error)
    where = f"at step {step} (epoch {epoch})" if step else "before the first step"
    if isinstance(error, MemoryError) or "out of memory" in text.lower():
        return f"ran out of memory {where}; try a smaller batch size or model"
    return f"the model failed {where}: {text}"


@dataclass
class _Tensors:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor


def _to_tensors(model: nn.Module, data: PreparedData, loss: str, device: torch.device) -> _Tensors:
    dtypes = [p.dtype for p in model.parameters() if p.is_floating_point()]
    dtype = dtypes[0] if dtypes else torch.float32
    return _Tensors(
        torch.tensor(data.x_train, dtype=dtype, device=device),
        prepare_targets(loss, data.y_train).to(device),
        torch.tensor(data.x_val, dtype=dtype, device=device),
        prepare_targets(loss, data.y_val).to(device),
    )


def _check_model(model: nn.Module, data: PreparedData, loss: str, x: torch.Tensor) -> None:
    """Run two samples through the model (eval mode, no gradients, so neither weights nor the
    random state change) to report a wrong output size before training starts."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            output = model(x[:2])
    finally:
        model.train(was_training)
    if not isinstance(output, torch.Tensor):
        raise _RunError(f"the model returned {type(output).__name__}, not a tensor")
    problem = check_loss_for_data(loss, data, tuple(output.shape[1:]))
    if problem:
        raise _RunError(problem)


def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module, loss: str
) -> tuple[float, dict[str, float]]:
    """Mean loss and metrics over a data part, in chunks, without gradients."""
    if len(x) == 0:
        return float("nan"), {}
    model.eval()
    with torch.no_grad():
        chunks = [model(x[i : i + _EVAL_CHUNK]) for i in range(0, len(x), _EVAL_CHUNK)]
        outputs = chunks[0] if len(chunks) == 1 else torch.cat(chunks)
        value = float(loss_fn(outputs, y))
        return value, compute_metrics(outputs, y, loss)


class _Best:
    """Lowest validation loss so far, with a copy of the weights when early stopping."""

    def __init__(self, keep_weights: bool) -> None:
        self.keep_weights = keep_weights
        self.loss = math.inf
        self.epoch = 0
        self.state: dict[str, torch.Tensor] | None = None

    def update(self, model: nn.Module, loss: float, epoch: int) -> None:
        if loss < self.loss:
            self.loss, self.epoch = loss, epoch
            if self.keep_weights:
                self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def restore(self, model: nn.Module) -> None:
        if self.state is not None:
            model.load_state_dict(self.state)


def train(
    model: nn.Module,
    data: PreparedData,
    settings: TrainingSettings,
    loss: str,
    control: RunControl | None = None,
) -> Iterator[Progress]:
    """Train `model` in place, yielding a `BatchProgress` per batch, an `EpochProgress` per
    epoch and finally one `RunFinished` or `RunFailed`.

    Never raises for problems of the model or data: NaN/infinite losses and exceptions in the
    model (shape errors, out of memory) end the run with `RunFailed`. With early stopping, the
    weights of the best validation epoch are restored at the end.
    """
    run = _Run(model, data, settings, loss, control or RunControl())
    try:
        yield from run.epochs()
    except Exception as error:  # the run must end with a record, whatever the model does
        yield RunFailed(_describe(error, run.step, run.epoch), run.step)


class _Run:
    """State of one `train` call; split out so each piece stays short."""

    def __init__(
        self,
        model: nn.Module,
        data: PreparedData,
        settings: TrainingSettings,
        loss: str,
        control: RunControl,
    ) -> None:
        self.model, self.data, self.settings, self.loss = model, data, settings, loss
        self.control = control
        self.step = 0
        self.epoch = 0
        self.params: list[nn.Parameter] = []
        self.paused_time = 0.0
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start - self.paused_time

    def epochs(self) -> Iterator[Progress]:
        s, model = self.settings, self.model
        device = pick_device(s.device)
        model.to(device)
        tensors = _to_tensors(model, self.data, self.loss, device)
        if len(tensors.x_train) == 0:
            raise _RunError("there are no training rows")
        _check_model(model, self.data, self.loss, tensors.x_train)
        params = self.params = [p for p in model.parameters() if p.requires_grad]
        if not params:
            raise _RunError("the model has no trainable parameters")
        torch.manual_seed(s.seed)
        generator = torch.Generator().manual_seed(s.seed)
        steps_per_epoch = math.ceil(len(tensors.x_train) / s.batch_size)
        optimizer = make_optimizer(params, s)
        scheduler = make_scheduler(optimizer, s, steps_per_epoch)
        loss_fn = make_loss(self.loss)
        best = _Best(keep_weights=s.early_stopping)
        self.start = time.perf_counter()
        reason = "completed"
        for epoch in range(1, s.epochs + 1):
            self.epoch = epoch
            order = torch.randperm(len(tensors.x_train), generator=generator).to(device)
            train_loss = yield from self.batches(tensors, order, optimizer, scheduler, loss_fn)
            if train_loss is None:
                reason = "stopped"
                break
            if scheduler is not None and s.schedule != "one_cycle":
                scheduler.step()
            yield self.finish_epoch(tensors, loss_fn, train_loss, best)
            if s.early_stopping and epoch - best.epoch >= s.patience:
                reason = "early_stopped"
                break
        yield self.finish(reason, best, tensors, loss_fn)

    def batches(
        self,
        t: _Tensors,
        order: torch.Tensor,
        optimizer: torch.optim.Optimizer,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None,
        loss_fn: nn.Module,
    ) -> Generator[BatchProgress, None, float | None]:
        """One epoch of batches; returns the mean training loss, or None when stopped."""
        model, control, clip = self.model, self.control, self.settings.grad_clip
        per_batch = scheduler if self.settings.schedule == "one_cycle" else None
        size, total = self.settings.batch_size, 0.0
        group = optimizer.param_groups[0]
        model.train()
        for begin in range(0, len(order), size):
            if control.paused:
                self.paused_time += control.wait_while_paused()
            if control.stopped:
                return None
            started = time.perf_counter()
            self.step += 1
            rows = order[begin : begin + size]
            optimizer.zero_grad()
            batch_loss = loss_fn(model(t.x_train[rows]), t.y_train[rows])
            batch_loss.backward()
            value = batch_loss.item()
            if not math.isfinite(value):
                kind = "NaN" if math.isnan(value) else "infinite"
                raise _RunError(f"loss became {kind} at step {self.step} (epoch {self.epoch})")
            if clip > 0:
                nn.utils.clip_grad_norm_(self.params, clip)
            learning_rate = group["lr"]
            optimizer.step()
            if per_batch is not None:
                per_batch.step()
            count = len(rows)
            total += value * count
            rate = count / max(time.perf_counter() - started, 1e-9)
            yield BatchProgress(self.step, self.epoch, value, learning_rate, rate)
        return total / len(order)

    def finish_epoch(
        self, t: _Tensors, loss_fn: nn.Module, train_loss: float, best: _Best
    ) -> EpochProgress:
        val_loss, metrics = evaluate(self.model, t.x_val, t.y_val, loss_fn, self.loss)
        best.update(self.model, val_loss if len(t.x_val) else train_loss, self.epoch)
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

    def finish(self, reason: str, best: _Best, t: _Tensors, loss_fn: nn.Module) -> RunFinished:
        if reason != "stopped":
            best.restore(self.model)
        epochs_run = self.epoch if reason != "stopped" else self.epoch - 1
        val_loss, metrics = evaluate(self.model, t.x_val, t.y_val, loss_fn, self.loss)
        final = types.MappingProxyType({"val_loss": val_loss, **metrics})
        return RunFinished(reason, epochs_run, best.epoch, final, self.elapsed())
