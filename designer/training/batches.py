"""The samples of a prepared run as batches: tensors in memory, or images from a folder.

The in-app counterpart of the exported script's ``make_batches``: both build the same
`core.TensorBatches` or `core.ImageBatches`, so the batches of an epoch are the same in the
application and in the script. Image folders are decoded by worker processes started with
"spawn": forking a process that runs Qt threads is not safe.
"""

from __future__ import annotations

import torch

from designer.training import core
from designer.training.session import PreparedRun

WORKER_CONTEXT = "spawn"


class ClosableImageBatches(core.ImageBatches):
    """`core.ImageBatches` whose worker processes can be ended when the run ends, rather
    than when the garbage collector gets to them."""

    def close(self) -> None:
        iterator = getattr(self.loader, "_iterator", None)
        shutdown = getattr(iterator, "_shutdown_workers", None)
        if shutdown is not None:
            shutdown()
        self.loader = None


def make_batches(run: PreparedRun, part: str, device: torch.device):
    """The "train" or "val" part of ``run.data`` as a batch source on ``device``."""
    data, recipe = run.data, run.recipe
    arrays = data.train if part == "train" else data.val
    files = [info for info in data.inputs if info.kind == "files"]
    if not files:
        return core.TensorBatches(dict(arrays), recipe.inputs, recipe.heads, device)
    settings = run.data_settings
    return ClosableImageBatches(
        files[0].root,
        dict(arrays),
        recipe.inputs,
        recipe.heads,
        device,
        files[0].shape,
        augment=settings.augment and part == "train",
        seed=run.settings.seed,
        workers=settings.workers,
        context=WORKER_CONTEXT,
    )
