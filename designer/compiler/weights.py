"""Saving and loading a model's weights as safetensors files: the one weights API.

safetensors holds tensors only (no pickled code), so opening a weights file someone sent you
cannot run anything. Files are written by the one atomic writer (`designer.io.atomic`) and
read by the one rule for regular files (`designer.io.files`). The exported script loads
these files with ``safetensors.torch.load_file`` into the exported class.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_bytes
from safetensors.torch import save as save_bytes
from torch import nn

from designer.catalog.description import dims_text
from designer.io.atomic import write_atomic
from designer.io.files import read_regular_file

_WRAPPERS = (nn.parallel.DistributedDataParallel, nn.DataParallel)
#: The largest weights file read: it is read whole, so a path naming a device or a pipe
#: (which never ends, or blocks) must be refused, and so must a file larger than memory.
MAX_WEIGHTS_BYTES = 16 * 1024 * 1024 * 1024


class WeightsError(OSError):
    """A weights file cannot be written, read, or does not fit the model."""


def _shape(tensor: torch.Tensor) -> str:
    return dims_text(tensor.shape)


def save_weights(
    model: nn.Module, path: str | os.PathLike[str], metadata: Mapping[str, str] | None = None
) -> None:
    """Write the model's state dict (parameters and buffers) to `path` atomically (the
    module inside a DistributedDataParallel wrapper)."""
    target = Path(path)
    model = getattr(model, "module", model) if isinstance(model, _WRAPPERS) else model
    # Copies on the CPU: safetensors refuses tensors that share memory (tied weights).
    tensors = {
        k: v.detach().to("cpu", copy=True).contiguous() for k, v in model.state_dict().items()
    }
    try:
        payload = save_bytes(tensors, metadata={"format": "pt", **(metadata or {})})
    except (SafetensorError, ValueError, TypeError) as error:
        raise WeightsError(f"cannot store the weights: {error}") from error
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, payload)  # Ctrl+C included: never a temporary file left
    except OSError as error:
        raise WeightsError(f"cannot write {target}: {error.strerror or error}") from error


def read_weights(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """The tensors stored in a weights file, by name (only a regular file is read)."""
    try:
        payload = read_regular_file(path, MAX_WEIGHTS_BYTES)
    except FileNotFoundError:
        raise WeightsError(f"there is no weights file at {path}") from None
    except OSError as error:
        raise WeightsError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        return load_bytes(payload)
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise WeightsError(f"{path} is not a valid safetensors weights file ({error})") from None


def load_weights(model: nn.Module, path: str | os.PathLike[str]) -> None:
    """Copy the weights in `path` into `model`; names and shapes must match exactly."""
    stored = read_weights(path)
    expected = model.state_dict()
    missing = [name for name in expected if name not in stored]
    extra = sorted(name for name in stored if name not in expected)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
        if extra:
            parts.append(f"unexpected {', '.join(extra[:5])}{' …' if len(extra) > 5 else ''}")
        raise WeightsError(f"the weights file does not match the model: {'; '.join(parts)}")
    for name, tensor in expected.items():  # in model order, so the first layer is named
        if stored[name].shape != tensor.shape:
            raise WeightsError(
                f"the weights file does not match the model: {name!r} is "
                f"{_shape(stored[name])} in the file but {_shape(tensor)} in the model"
            )
    with torch.no_grad():
        model.load_state_dict(stored)
