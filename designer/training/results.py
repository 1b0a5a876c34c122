"""What a finished run leaves behind: final metrics, confusion matrix, sample predictions,
a decision-boundary map, and a `RunRecord` for the history of runs.

All of it is computed once, right after training and in the training thread, into frozen
records of plain NumPy arrays, so the UI only draws and never calls the model (which may sit
on a GPU, or be replaced by the next run) from the GUI thread.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from designer.data import PreparedData
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.loop import EpochProgress
from designer.training.losses import CLASSIFICATION_LOSSES, make_loss, prepare_targets
from designer.training.metrics import compute_metrics, confusion_matrix, predict_classes

PREVIEW_SAMPLES = 10
GRID_SIZE = 120
_CHUNK = 4096
_MARGIN = 0.1


@dataclass(frozen=True, slots=True)
class Prediction:
    """One validation sample: the true and predicted target as text, and the model's
    probability for its predicted class (None for regression)."""

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


def _outputs(model: nn.Module, x: np.ndarray) -> torch.Tensor:
    """Model outputs for ``x`` on the CPU, in chunks, in eval mode without gradients."""
    parameter = next(iter(model.parameters()), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    dtype = parameter.dtype if parameter is not None else torch.float32
    model.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(x), _CHUNK):
            batch = torch.tensor(np.asarray(x[start : start + _CHUNK]), dtype=dtype)
            chunks.append(model(batch.to(device)).detach().float().cpu())
    if not chunks:
        return torch.empty(0)
    return torch.cat(chunks)


def class_probabilities(outputs: torch.Tensor, loss: str) -> torch.Tensor:
    """Per-class probabilities (n, k) from raw outputs, following the loss's convention."""
    if loss == "cross_entropy":
        return torch.softmax(outputs, dim=1)
    score = outputs.reshape(len(outputs), -1)[:, 0]
    positive = torch.sigmoid(score) if loss == "bce_with_logits" else score.clamp(0, 1)
    return torch.stack([1 - positive, positive], dim=1)


def evaluate(model: nn.Module, data: PreparedData, loss: str) -> RunResults:
    """Final metrics, confusion matrix, predictions on the first validation samples and,
    for two input features, the decision boundary; all on the validation part."""
    x, y = (data.x_val, data.y_val) if data.num_val else (data.x_train, data.y_train)
    outputs = _outputs(model, x)
    targets = prepare_targets(loss, y)
    metrics = {"val_loss": float(make_loss(loss)(outputs, targets))}
    metrics.update(compute_metrics(outputs, targets, loss))
    classification = loss in CLASSIFICATION_LOSSES and data.task == "classification"
    confusion, predictions = None, _regression_predictions(outputs, y)
    names = tuple(data.class_name(i) for i in range(data.num_classes or 0))
    if classification:
        predicted = predict_classes(outputs, loss).numpy()
        confusion = confusion_matrix(y, predicted, data.num_classes or 2)
        probabilities = class_probabilities(outputs, loss).numpy()
        predictions = _class_predictions(data, y, predicted, probabilities)
    boundary = decision_boundary(model, data, loss) if data.feature_shape == (2,) else None
    return RunResults(
        task=data.task,
        loss=loss,
        metrics=types.MappingProxyType(metrics),
        class_names=names,
        confusion=confusion,
        predictions=predictions,
        boundary=boundary,
    )


def _class_predictions(
    data: PreparedData, y: np.ndarray, predicted: np.ndarray, probabilities: np.ndarray
) -> tuple[Prediction, ...]:
    count = min(PREVIEW_SAMPLES, len(y))
    return tuple(
        Prediction(
            i,
            data.class_name(int(y[i])),
            data.class_name(int(predicted[i])),
            float(probabilities[i, predicted[i]]),
        )
        for i in range(count)
    )


def _regression_predictions(outputs: torch.Tensor, y: np.ndarray) -> tuple[Prediction, ...]:
    def text(values: np.ndarray) -> str:
        return ", ".join(f"{float(v):.4g}" for v in np.ravel(values))

    predicted = outputs.numpy().reshape(len(outputs), -1)
    count = min(PREVIEW_SAMPLES, len(y), len(predicted))
    return tuple(Prediction(i, text(y[i]), text(predicted[i])) for i in range(count))


def grid_axes(points: np.ndarray, size: int = GRID_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced x and y coordinates covering ``points`` with a small margin."""
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.maximum((high - low) * _MARGIN, 0.5)
    axes = [np.linspace(low[d] - pad[d], high[d] + pad[d], size) for d in range(2)]
    return axes[0].astype(np.float32), axes[1].astype(np.float32)


def decision_boundary(
    model: nn.Module, data: PreparedData, loss: str, size: int = GRID_SIZE
) -> DecisionBoundary:
    """The model's prediction over a ``size`` x ``size`` grid spanning all the data."""
    xs, ys = grid_axes(np.concatenate([data.x_train, data.x_val]), size)
    xx, yy = np.meshgrid(xs, ys)
    outputs = _outputs(model, np.stack([xx.ravel(), yy.ravel()], axis=1))
    if loss in CLASSIFICATION_LOSSES and data.task == "classification":
        probabilities = class_probabilities(outputs, loss).numpy()
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


def main_metric(metrics: Mapping[str, float]) -> str | None:
    """The one metric to plot per epoch: accuracy for classification, R² for regression."""
    for name in ("accuracy", "r2", "mae"):
        if name in metrics:
            return name
    return None


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

    @property
    def summary(self) -> str:
        """One line for the history list: name, epochs and the headline metric."""
        parts = [self.name, f"{len(self.history.epochs)} epochs"]
        metrics = self.results.metrics if self.results else {}
        name = main_metric(metrics)
        if name:
            value = metrics[name]
            label = {"r2": "R²", "mae": "MAE"}.get(name, name)
            parts.append(f"{label} {value:.1%}" if name == "accuracy" else f"{label} {value:.3g}")
        if self.reason != "completed":
            parts.append(self.reason.replace("_", " "))
        return " · ".join(parts)
