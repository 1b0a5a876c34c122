"""What a finished run leaves behind: final metrics, confusion matrix, sample predictions,
a decision-boundary map, and a `RunRecord` for the history of runs.

All of it is computed once, right after training and in the training thread, into frozen
records of plain NumPy arrays, so the UI only draws and never calls the model (which may sit
on a GPU, or be replaced by the next run) from the GUI thread. The confusion matrix and the
predictions describe the first Output layer; the metrics cover every output.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from designer.catalog.objectives import format_metric, headline_metric, metric_spec
from designer.model.settings import DataSettings, TrainingSettings
from designer.training import core
from designer.training.batches import make_batches
from designer.training.loop import EpochProgress, RunFailed, RunFinished
from designer.training.session import PreparedRun

PREVIEW_SAMPLES = 10
GRID_SIZE = 120
_CHUNK = 4096
_MARGIN = 0.1


@dataclass(frozen=True, slots=True)
class Prediction:
    """One validation sample: the true and predicted target as text, and the model's
    probability for its predicted class (None for regression and dense outputs)."""

    index: int
    true: str
    predicted: str
    probability: float | None = None

    @property
    def correct(self) -> bool:
        return self.true == self.predicted


@dataclass(frozen=True, eq=False)
class DecisionBoundary:
    """The model's answer over a grid of a 2-D input space (standardized units).

    ``values[i, j]`` belongs to the point (``xs[j]``, ``ys[i]``). ``kind`` says what it
    holds: "probability" of class 1 (two classes), "class" index (more classes), or the
    predicted "value" (regression). ``points``/``labels`` are the validation samples.
    """

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    kind: str
    points: np.ndarray
    labels: np.ndarray
    num_classes: int | None = None

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(x min, x max, y min, y max) of the grid."""
        return float(self.xs[0]), float(self.xs[-1]), float(self.ys[0]), float(self.ys[-1])


@dataclass(frozen=True, eq=False)
class RunResults:
    """The evaluation of a trained model on the validation part of its data."""

    task: str
    loss: str
    metrics: Mapping[str, float]
    class_names: tuple[str, ...] = ()
    confusion: np.ndarray | None = None
    predictions: tuple[Prediction, ...] = ()
    boundary: DecisionBoundary | None = None


def class_probabilities(head: core.Head, outputs: torch.Tensor) -> torch.Tensor:
    """Per-class probabilities (n, k) of flat outputs, following the loss's convention:
    softmax of class scores, sigmoid of a logit, or a probability as it is."""
    if head.kind == "classes":
        return torch.softmax(outputs, dim=1)
    score = outputs.reshape(len(outputs), -1)[:, 0]
    positive = torch.sigmoid(score) if head.threshold == 0.0 else score.clamp(0, 1)
    return torch.stack([1 - positive, positive], dim=1)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts with rows = true class and columns = predicted class (int64, k x k)."""
    y_true = np.asarray(y_true, dtype=np.int64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.int64).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError("y_true and y_pred must have the same length")
    valid = (y_true >= 0) & (y_true < num_classes) & (y_pred >= 0) & (y_pred < num_classes)
    if not np.all(valid):
        raise ValueError(f"class indices must be in 0..{num_classes - 1}")
    flat = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def _first_outputs(run: PreparedRun, device: torch.device):
    """(output, target) of the first Output layer per validation batch, on the CPU."""
    part = "val" if run.data.num_val else "train"
    batches = make_batches(run, part, device)
    model, recipe = run.model, run.recipe
    head = recipe.heads[0]
    model.eval()
    try:
        rows = torch.arange(len(batches))
        with torch.no_grad():
            for batch in batches.batches(rows, core.EVAL_BATCH_SIZE):
                outputs = core.as_outputs(model(*(batch[name] for name in recipe.inputs)))
                yield outputs[0].detach().float().cpu(), batch[head.target].cpu()
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def evaluate(run: PreparedRun, metrics: Mapping[str, float]) -> RunResults:
    """The confusion matrix, predictions on the first validation samples and, for two
    input features, the decision boundary of the trained model; ``metrics`` are the run's
    final validation metrics."""
    data, head = run.data, run.recipe.heads[0]
    target = data.target(head.target)
    parameter = next(iter(run.model.parameters()), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    classification = head.kind != "values" and target.task == "classification"
    classes = (head.shape[0] if head.kind == "classes" else 2) if classification else 0
    confusion = np.zeros((classes, classes), dtype=np.int64) if classification else None
    predictions: list[Prediction] = []
    for outputs, targets in _first_outputs(run, device):
        if confusion is not None:
            predicted = head.predict(outputs).reshape(-1).numpy()
            confusion += confusion_matrix(targets.long().reshape(-1).numpy(), predicted, classes)
        if len(predictions) < PREVIEW_SAMPLES:
            predictions += _predictions(head, target, outputs, targets, len(predictions))
    names = tuple(target.class_name(i) for i in range(classes)) if classification else ()
    boundary = None
    if data.feature_shape == (2,) and len(data.inputs) == 1 and data.inputs[0].kind == "float":
        boundary = decision_boundary(run, device)
    return RunResults(
        task=target.task,
        loss=run.loss,
        metrics=types.MappingProxyType(dict(metrics)),
        class_names=names,
        confusion=confusion,
        predictions=tuple(predictions[:PREVIEW_SAMPLES]),
        boundary=boundary,
    )


def _predictions(head, target, outputs, targets, start: int) -> list[Prediction]:
    count = min(PREVIEW_SAMPLES - start, len(outputs))
    if head.kind == "values":
        return [
            Prediction(start + i, _values(targets[i]), _values(outputs[i])) for i in range(count)
        ]
    if head.dense:
        predicted = head.predict(outputs)
        labels = targets.long().reshape(predicted.shape)
        return [
            Prediction(
                start + i,
                f"{labels[i].numel()} labels",
                f"{(predicted[i] == labels[i]).double().mean().item():.1%} right",
            )
            for i in range(count)
        ]
    probabilities = class_probabilities(head, outputs)
    predicted = probabilities.argmax(dim=1)
    labels = targets.long().reshape(-1)
    return [
        Prediction(
            start + i,
            target.class_name(int(labels[i])),
            target.class_name(int(predicted[i])),
            float(probabilities[i, predicted[i]]),
        )
        for i in range(count)
    ]


def _values(values: torch.Tensor) -> str:
    flat = values.reshape(-1)
    text = ", ".join(f"{float(v):.4g}" for v in flat[:6])
    return text + (", …" if len(flat) > 6 else "")


def grid_axes(points: np.ndarray, size: int = GRID_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced x and y coordinates covering ``points`` with a small margin."""
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.maximum((high - low) * _MARGIN, 0.5)
    axes = [np.linspace(low[d] - pad[d], high[d] + pad[d], size) for d in range(2)]
    return axes[0].astype(np.float32), axes[1].astype(np.float32)


def _grid_outputs(model: nn.Module, points: np.ndarray, device: torch.device) -> torch.Tensor:
    model.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(points), _CHUNK):
            batch = torch.tensor(points[start : start + _CHUNK]).to(device)
            chunks.append(core.as_outputs(model(batch))[0].detach().float().cpu())
    return torch.cat(chunks)


def decision_boundary(
    run: PreparedRun, device: torch.device, size: int = GRID_SIZE
) -> DecisionBoundary:
    """The model's prediction over a ``size`` x ``size`` grid spanning all the data."""
    data, head = run.data, run.recipe.heads[0]
    xs, ys = grid_axes(np.concatenate([data.x_train, data.x_val]), size)
    xx, yy = np.meshgrid(xs, ys)
    outputs = _grid_outputs(run.model, np.stack([xx.ravel(), yy.ravel()], axis=1), device)
    if head.kind != "values" and data.task == "classification":
        probabilities = class_probabilities(head, outputs).numpy()
        if probabilities.shape[1] == 2:
            kind, values = "probability", probabilities[:, 1]
        else:
            kind, values = "class", probabilities.argmax(axis=1).astype(np.float32)
    else:
        kind, values = "value", outputs.numpy().reshape(len(outputs), -1)[:, 0]
    points, labels = (data.x_val, data.y_val) if data.num_val else (data.x_train, data.y_train)
    return DecisionBoundary(
        xs=xs,
        ys=ys,
        values=np.asarray(values, dtype=np.float32).reshape(size, size),
        kind=kind,
        points=np.asarray(points),
        labels=np.asarray(labels).reshape(len(labels), -1)[:, 0],
        num_classes=data.num_classes,
    )


def main_metric(metrics: Mapping[str, float] | Sequence[str]) -> str | None:
    """The one metric to plot per epoch and to summarize a run with."""
    return headline_metric(list(metrics))


def headline_of(run: PreparedRun) -> str:
    """The metric a run will be summarized by, known before its first epoch: the first
    output's accuracy, or its R² for real-valued targets."""
    heads = run.recipe.heads
    metric = "r2" if heads[0].kind == "values" else "accuracy"
    return f"{heads[0].target}: {metric}" if len(heads) > 1 else metric


@dataclass(frozen=True, eq=False)
class RunHistory:
    """Per-epoch curves of a run as arrays (epochs are 1-based)."""

    epochs: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    metric: np.ndarray
    metric_name: str | None = None

    @classmethod
    def from_epochs(cls, records: Sequence[EpochProgress]) -> RunHistory:
        name = main_metric(records[0].metrics) if records else None
        return cls(
            epochs=np.array([r.epoch for r in records], dtype=np.float64),
            train_loss=np.array([r.train_loss for r in records], dtype=np.float64),
            val_loss=np.array([r.val_loss for r in records], dtype=np.float64),
            metric=np.array([r.metrics.get(name, np.nan) for r in records], dtype=np.float64),
            metric_name=name,
        )


def cpu_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached CPU copy of the model's weights, safe to keep after the model is gone."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


@dataclass(frozen=True, eq=False)
class RunRecord:
    """One finished run in the history list: what was trained how, and what came out."""

    name: str
    settings: TrainingSettings
    history: RunHistory
    results: RunResults | None
    state_dict: Mapping[str, torch.Tensor] = field(repr=False, default_factory=dict)
    data_settings: DataSettings | None = None
    reason: str = "completed"
    elapsed: float = 0.0
    snapshot: str = ""  # the project as it was trained (a project file's text)
    message: str = ""  # why a failed run failed
    run_id: int | None = None  # its id in the project's run store, once recorded
    starred: bool = False
    started: str = ""  # when it started (ISO 8601, UTC), once recorded

    @property
    def recorded(self) -> bool:
        """Whether the run is kept in a run store (and so outlives the window)."""
        return self.run_id is not None

    @property
    def summary(self) -> str:
        """One line for the history list: name, epochs and the headline metric."""
        parts = [self.name, f"{len(self.history.epochs)} epochs"]
        metrics = self.results.metrics if self.results else {}
        name = main_metric(metrics)
        if name:
            spec = metric_spec(name)
            label = name.replace(spec.metric_id, spec.label) if spec else name
            parts.append(f"{label} {format_metric(name, metrics[name])}")
        if self.reason != "completed":
            parts.append(self.reason.replace("_", " "))
        return " · ".join(parts)


def run_record(
    prepared: PreparedRun,
    end: RunFinished | RunFailed,
    epochs: Sequence[EpochProgress],
    results: RunResults | None,
) -> RunRecord:
    """The `RunRecord` of a run that ended with ``end``: its kept weights (as a CPU
    copy) for a finished run, none for a failed one, whose ``message`` says why."""
    failed = isinstance(end, RunFailed)
    last = epochs[-1].elapsed if epochs else 0.0
    elapsed = end.elapsed if isinstance(end, RunFinished) else last
    return RunRecord(
        name=prepared.name,
        settings=prepared.settings,
        history=RunHistory.from_epochs(epochs),
        results=results,
        state_dict={} if failed else cpu_state(prepared.model),
        data_settings=prepared.data_settings,
        reason="failed" if failed else end.reason,
        elapsed=elapsed,
        snapshot=prepared.snapshot,
        message=end.message if failed else "",
    )
