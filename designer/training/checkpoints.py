"""Saving and loading a model's weights as safetensors files.

safetensors holds tensors only (no pickled code), so opening a weights file someone sent you
cannot run anything. Writes go to a temporary file that replaces the target only when
complete, so a crash never leaves a half-written file behind.
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

from designer.io.atomic import write_atomic
from designer.io.files import read_regular_file

#: The largest weights file read: it is read whole, so a path naming a device or a pipe
#: (which never ends, or blocks) must be refused, and so must a file larger than memory.
MAX_WEIGHTS_BYTES = 16 * 1024 * 1024 * 1024


class CheckpointError(OSError):
    """A weights file cannot be written, read, or does not fit the model."""


def _shape(tensor: torch.Tensor) -> str:
    return "x".join(str(d) for d in tensor.shape) or "scalar"


def save_weights(
    model: nn.Module, path: str | os.PathLike[str], metadata: Mapping[str, str] | None = None
) -> None:
    """Write the model's state dict (parameters and buffers) to `path` atomically."""
    target = Path(path)
    # Copies on the CPU: safetensors refuses tensors that share memory (tied weights).
    tensors = {
        k: v.detach().to("cpu", copy=True).contiguous() for k, v in model.state_dict().items()
    }
    try:
        payload = save_bytes(tensors, metadata=dict(metadata) if metadata else None)
    except (SafetensorError, ValueError, TypeError) as error:
        raise CheckpointError(f"cannot store the weights: {error}") from error
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, payload)  # Ctrl+C included: never a temporary file left
    except OSError as error:
        raise CheckpointError(f"cannot write {target}: {error.strerror or error}") from error


def read_weights(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """The tensors stored in a weights file, by name (only a regular file is read)."""
    try:
        payload = read_regular_file(path, MAX_WEIGHTS_BYTES)
    except FileNotFoundError:
        raise CheckpointError(f"there is no weights file at {path}") from None
    except OSError as error:
        raise CheckpointError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        return load_bytes(payload)
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path} is not a valid safetensors weights file ({error})") from None


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
        raise CheckpointError(f"the weights file does not match the model: {'; '.join(parts)}")
    for name, tensor in expected.items():  # in model order, so the first layer is named
        if stored[name].shape != tensor.shape:
            raise CheckpointError(
                f"the weights file does not match the model: {name!r} is "
                f"{_shape(stored[name])} in the file but {_shape(tensor)} in the model"
            )
    with torch.no_grad():
        model.load_state_dict(stored)
