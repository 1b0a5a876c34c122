"""Loss functions named by Output nodes, the targets each expects, and compatibility checks.

Checking up front turns the usual cryptic shape errors from torch into one sentence a user
can act on ("the output has 1 unit but the data has 3 classes").
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from designer.data import PreparedData

LOSSES: dict[str, type[nn.Module]] = {
    "cross_entropy": nn.CrossEntropyLoss,
    "bce_with_logits": nn.BCEWithLogitsLoss,
    "bce": nn.BCELoss,
    "mse": nn.MSELoss,
    "l1": nn.L1Loss,
    "huber": nn.HuberLoss,
}
LOSS_LABELS = {
    "cross_entropy": "cross-entropy",
    "bce_with_logits": "binary cross-entropy",
    "bce": "binary cross-entropy",
    "mse": "mean squared error",
    "l1": "mean absolute error",
    "huber": "Huber loss",
}
CLASSIFICATION_LOSSES = ("cross_entropy", "bce_with_logits", "bce")
BINARY_LOSSES = ("bce_with_logits", "bce")


def _check_name(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)}")


def make_loss(loss: str) -> nn.Module:
    """A fresh torch loss module (mean reduction) for a loss name."""
    _check_name(loss)
    return LOSSES[loss]()


def loss_task(loss: str) -> str:
    """ "classification" or "regression": the kind of targets a loss works with."""
    _check_name(loss)
    return "classification" if loss in CLASSIFICATION_LOSSES else "regression"


def prepare_targets(loss: str, y: np.ndarray) -> torch.Tensor:
    """Targets in the form the loss expects: class indices (int64, shape (n,)) for
    cross-entropy, float (n, 1) zeros and ones for the binary losses, float as-is otherwise."""
    _check_name(loss)
    if loss == "cross_entropy":
        return torch.tensor(np.asarray(y), dtype=torch.int64).reshape(-1)
    if loss in BINARY_LOSSES:
        return torch.tensor(np.asarray(y), dtype=torch.float32).reshape(-1, 1)
    return torch.tensor(np.asarray(y), dtype=torch.float32)


def _units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape) or "a single number"


def check_loss_targets(
    loss: str,
    task: str,
    num_classes: int | None,
    output_shape: tuple[int, ...] | None,
    *,
    target_shape: tuple[int, ...] = (1,),
    data_name: str = "the data set",
) -> str | None:
    """A user-readable reason why `loss` cannot train a model whose per-sample output has
    `output_shape` (None: not known yet) on this data, or None when they fit."""
    if loss not in LOSSES:
        return f"unknown loss {loss!r}"
    label = LOSS_LABELS[loss]
    name = repr(data_name) if data_name != "the data set" else data_name
    if loss in CLASSIFICATION_LOSSES and task != "classification":
        return f"{label} needs class labels, but {name} has real-valued targets"
    if loss not in CLASSIFICATION_LOSSES and task == "classification":
        return f"{label} needs real-valued targets, but {name} has class labels"
    if loss in BINARY_LOSSES and num_classes is not None and num_classes != 2:
        return f"{label} needs 2 classes, but {name} has {num_classes}; use cross-entropy"
    if output_shape is None:
        return None
    output_shape = tuple(output_shape)
    if len(output_shape) != 1:
        return f"{label} needs a flat output, but the output has shape {_shape_text(output_shape)}"
    units = output_shape[0]
    if loss == "cross_entropy" and num_classes is not None and units != num_classes:
        return f"the output has {_units(units)} but the data has {num_classes} classes"
    if loss in BINARY_LOSSES and units != 1:
        return f"the output has {_units(units)} but {label} needs 1 (the score of class 1)"
    if task == "regression" and tuple(target_shape) != output_shape:
        wanted = target_shape[0] if len(target_shape) == 1 else _shape_text(target_shape)
        plural = "" if wanted == 1 else "s"
        return f"the output has {_units(units)} but the data has {wanted} target value{plural}"
    return None


def check_loss_for_data(
    loss: str, data: PreparedData, output_shape: tuple[int, ...] | None
) -> str | None:
    """`check_loss_targets` for a loaded data set."""
    return check_loss_targets(
        loss,
        data.task,
        data.num_classes,
        output_shape,
        target_shape=data.target_shape,
        data_name=data.name,
    )
