"""How the parts of a run become rows of the run store, and back.

Plain values only: JSON text for what people may want to read with any SQLite tool
(settings, metrics, predictions, library versions), NumPy's ``.npz`` format (read with
``allow_pickle=False``, so a store from anywhere cannot run code) for arrays, and
safetensors for weights. Nothing here touches a database: `designer.training.run_store`
does, and the recorder and the command line share these functions.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from designer import __version__
from designer.training.results import DecisionBoundary, Prediction, RunResults

#: The libraries whose versions a run records (the bundle's requirements, and Python).
PACKAGES = ("torch", "numpy", "safetensors", "Pillow", "scikit-learn")


def design_hash(snapshot: str) -> str:
    """SHA-256 of the network a project file's text describes: its layers (type, name,
    parameters, in file order) and wires. Layer ids, positions, the project's name and
    its settings do not count, so two runs of the same network share a hash whatever the
    layout or hyperparameters, and a design restored from a run hashes as it did."""
    document = json.loads(snapshot)
    nodes = document.get("nodes", [])
    index = {node["id"]: i for i, node in enumerate(nodes)}
    canonical = {
        "nodes": [[n["type"], n["label"], n.get("params", {})] for n in nodes],
        "edges": sorted(
            [index[e["from"][0]], e["from"][1], index[e["to"][0]], e["to"][1]]
            for e in document.get("edges", [])
        ),
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def library_versions() -> dict[str, str]:
    """The versions a run depends on: NN Designer, Python, the libraries, and CUDA when
    torch was built with it."""
    versions = {"nn-designer": __version__, "python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    if torch.version.cuda:
        versions["cuda"] = str(torch.version.cuda)
    return versions


def to_json(value: Any) -> str:
    """Compact, sorted JSON (NaN written as JSON's NaN token, which `from_json` reads)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def from_json(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


# --------------------------------------------------------------------- arrays
@dataclass(frozen=True, eq=False)
class BatchCurve:
    """Batch losses and learning rates by step; each point is the mean loss of
    ``stride`` neighbouring batches (1: every batch) and the rate at the first of them."""

    steps: np.ndarray
    loss: np.ndarray
    learning_rate: np.ndarray
    stride: int = 1

    def __len__(self) -> int:
        return len(self.loss)


def float32_blob(values: Any) -> bytes:
    """Little-endian float32 bytes: four bytes a point, readable by any language."""
    return np.asarray(values, dtype="<f4").tobytes()


def float32_array(blob: bytes | None) -> np.ndarray:
    return np.frombuffer(blob or b"", dtype="<f4").astype(np.float64)


def arrays_blob(arrays: Mapping[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: np.asarray(v) for k, v in arrays.items()})
    return buffer.getvalue()


def blob_arrays(blob: bytes | None) -> dict[str, np.ndarray]:
    if not blob:
        return {}
    with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


# -------------------------------------------------------------------- results
def encode_results(results: RunResults) -> tuple[str, bytes]:
    """The evaluation of a run as (JSON text, arrays): what the results view shows."""
    arrays: dict[str, np.ndarray] = {}
    if results.confusion is not None:
        arrays["confusion"] = results.confusion
    summary: dict[str, Any] = {
        "task": results.task,
        "loss": results.loss,
        "metrics": dict(results.metrics),
        "metric_order": list(results.metrics),
        "class_names": list(results.class_names),
        "predictions": [[p.index, p.true, p.predicted, p.probability] for p in results.predictions],
    }
    boundary = results.boundary
    if boundary is not None:
        summary["boundary"] = {"kind": boundary.kind, "num_classes": boundary.num_classes}
        for name in ("xs", "ys", "values", "points", "labels"):
            arrays[f"boundary_{name}"] = getattr(boundary, name)
    return to_json(summary), arrays_blob(arrays)


def decode_results(text: str, blob: bytes | None) -> RunResults:
    summary = json.loads(text)
    arrays = blob_arrays(blob)
    boundary = None
    if "boundary" in summary:
        parts = {name: arrays[f"boundary_{name}"] for name in ("xs", "ys", "values")}
        boundary = DecisionBoundary(
            **parts,
            kind=summary["boundary"]["kind"],
            points=arrays["boundary_points"],
            labels=arrays["boundary_labels"],
            num_classes=summary["boundary"]["num_classes"],
        )
    metrics = summary["metrics"]
    return RunResults(
        task=summary["task"],
        loss=summary["loss"],
        metrics={name: float(metrics[name]) for name in summary["metric_order"]},
        class_names=tuple(summary["class_names"]),
        confusion=arrays.get("confusion"),
        predictions=tuple(Prediction(*row) for row in summary["predictions"]),
        boundary=boundary,
    )


# -------------------------------------------------------------------- weights
def weights_blob(state: Mapping[str, torch.Tensor]) -> bytes:
    """The weights as a safetensors file's bytes (CPU copies: safetensors refuses
    tensors that share memory, as tied weights do)."""
    return save_tensors({k: v.detach().to("cpu", copy=True).contiguous() for k, v in state.items()})


def blob_weights(blob: bytes) -> dict[str, torch.Tensor]:
    return load_tensors(blob)
