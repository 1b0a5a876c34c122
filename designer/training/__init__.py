"""Training of PyTorch models on `designer.data` sets: the shared core, the loop, the
exported script, bundles, the run history and sweeps. No Qt here: the UI runs `train` in a
worker thread and forwards its progress records.
"""

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
from designer.training.session import PreparedRun, RunSetupError, prepare_run

__all__ = [
    "BatchProgress",
    "EpochProgress",
    "PreparedRun",
    "Progress",
    "RunControl",
    "RunFailed",
    "RunFinished",
    "RunSetupError",
    "pick_device",
    "prepare_run",
    "train",
]
