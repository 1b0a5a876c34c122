"""Quality measures reported while training: accuracy, MAE, R², and the confusion matrix."""

from __future__ import annotations

import numpy as np
import torch

from designer.training.losses import CLASSIFICATION_LOSSES


def predict_classes(outputs: torch.Tensor, loss: str) -> torch.Tensor:
    """Predicted class indices (shape (n,)) from raw model outputs.

    The decision rule follows the loss: the highest score for cross-entropy, a positive logit
    for BCE-with-logits, and a probability above 0.5 for BCE (which expects a sigmoid output).
    """
    if loss == "cross_entropy":
        return outputs.argmax(dim=1)
    if loss == "bce_with_logits":
        return (outputs.reshape(len(outputs), -1)[:, 0] > 0).long()
    if loss == "bce":
        return (outputs.reshape(len(outputs), -1)[:, 0] > 0.5).long()
    raise ValueError(f"{loss!r} is not a classification loss")


def accuracy(outputs: torch.Tensor, targets: torch.Tensor, loss: str) -> float:
    """Fraction of rows whose predicted class equals the target class."""
    if len(targets) == 0:
        return float("nan")
    predicted = predict_classes(outputs, loss)
    return float((predicted == targets.reshape(-1).long()).float().mean())


def mean_absolute_error(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    return float((outputs.reshape(targets.shape) - targets).abs().mean())


def r2_score(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Coefficient of determination, averaged over output columns (1.0 is perfect, 0.0 is no
    better than predicting the mean)."""
    y = targets.double().reshape(len(targets), -1)
    p = outputs.double().reshape(y.shape)
    residual = ((y - p) ** 2).sum(dim=0)
    total = ((y - y.mean(dim=0)) ** 2).sum(dim=0)
    constant = total == 0
    scores = torch.where(constant, (residual == 0).double(), 1 - residual / total.clamp_min(1e-300))
    return float(scores.mean())


def compute_metrics(outputs: torch.Tensor, targets: torch.Tensor, loss: str) -> dict[str, float]:
    """{"accuracy": ...} for classification losses, {"mae": ..., "r2": ...} for regression."""
    if loss in CLASSIFICATION_LOSSES:
        return {"accuracy": accuracy(outputs, targets, loss)}
    if len(targets) == 0:
        return {}
    return {"mae": mean_absolute_error(outputs, targets), "r2": r2_score(outputs, targets)}


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
