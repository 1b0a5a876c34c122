"""The import as the command line and the window run it: a file in, a project out."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import torch

from designer.compiler.fx_import.errors import ModelImportError, describe_error
from designer.compiler.fx_import.importer import ImportResult, import_model
from designer.compiler.fx_import.loading import choose_class, instantiate, load_file
from designer.compiler.weights import MAX_WEIGHTS_BYTES, WeightsError, read_weights, save_weights
from designer.io import save_project
from designer.io.files import read_regular_file


def import_file(
    path: str | os.PathLike[str],
    class_name: str | None = None,
    input_shapes: Sequence[tuple[int, ...]] | None = None,
    weights: str | os.PathLike[str] | None = None,
    flat: bool = False,
) -> ImportResult:
    """Import ``class_name`` (by default the file's last model class) from the Python file
    at ``path``; this runs the file's code. With ``weights`` (a state dict saved by
    ``torch.save``, or safetensors), the imported model holds those weights. Repeated
    submodules become blocks unless ``flat``."""
    module = load_file(path)
    cls = choose_class(module, path, class_name)
    model = instantiate(cls, path)
    if weights is not None:
        load_user_weights(model, weights)
    return import_model(model, input_shapes, path, cls.__name__, flat)


def load_user_weights(model: torch.nn.Module, path: str | os.PathLike[str]) -> None:
    """Load a state dict (``.pt``/``.pth``, read with ``weights_only=True``, which runs no
    code) or a safetensors file into the user's model; names and shapes must match."""
    state = _read_state(Path(path))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        detail = " ".join(str(error).split())[:400]
        raise ModelImportError(f"{Path(path).name} does not fit the model: {detail}") from None


def _read_state(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        try:
            return read_weights(path)
        except WeightsError as error:
            raise ModelImportError(str(error)) from None
    try:
        payload = read_regular_file(path, MAX_WEIGHTS_BYTES)
    except OSError as error:
        raise ModelImportError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        state = torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True)
    except Exception as error:  # any unpickling failure is one message
        raise ModelImportError(
            f"{path.name} is not a state dict torch can load safely ({describe_error(error)})"
        ) from None
    if not (isinstance(state, dict) and all(isinstance(v, torch.Tensor) for v in state.values())):
        raise ModelImportError(
            f"{path.name} holds no state dict (save one with torch.save(model.state_dict(), ...))"
        )
    return state


def weights_path(project_path: str | os.PathLike[str]) -> Path:
    """Where the converted weights of an imported project go: ``OUT.safetensors``."""
    return Path(project_path).with_suffix(".safetensors")


def write_import(
    result: ImportResult, project_path: str | os.PathLike[str], with_weights: bool
) -> list[Path]:
    """Save the project (and the weights under the design's names); the paths written."""
    save_project(result.project, project_path)
    written = [Path(project_path)]
    if with_weights:
        target = weights_path(project_path)
        try:
            save_weights(result.compiled.module, target)
        except WeightsError as error:
            raise ModelImportError(str(error)) from None
        written.append(target)
    return written


__all__ = ["import_file", "load_user_weights", "weights_path", "write_import"]
