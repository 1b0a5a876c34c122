"""Training of PyTorch models on `designer.data` sets: losses, metrics, the loop, checkpoints.

No Qt here: the UI runs `train` in a worker thread and forwards its progress records.
"""

from designer.training.checkpoints import CheckpointError, load_weights, save_weights
from designer.training.loop import (
    BatchProgress,
    EpochProgress,
    Progress,
    RunControl,
    RunFailed,
    RunFinished,
    pick_device,
    train,
)
from designer.training.losses import (
    LOSSES,
    check_loss_for_data,
    check_loss_targets,
    make_loss,
    prepare_targets,
)
from designer.training.metrics import accuracy, compute_metrics, confusion_matrix, r2_score

__all__ = [
    "LOSSES",
    "BatchProgress",
    "CheckpointError",
    "EpochProgress",
    "Progress",
    "RunControl",
    "RunFailed",
    "RunFinished",
    "accuracy",
    "check_loss_for_data",
    "check_loss_targets",
    "compute_metrics",
    "confusion_matrix",
    "load_weights",
    "make_loss",
    "pick_device",
    "prepare_targets",
    "r2_score",
    "save_weights",
    "train",
]
