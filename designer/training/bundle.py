"""Reproducibility bundles: one zip file from which a run can be repeated exactly.

A bundle holds the design (``project.nndesign``), the exported training script
(``model.py``), the trained weights, the run's final metrics and settings (``run.json``),
the exact versions of the libraries used (``requirements.txt``), the data split (the row
indices of each part) and, for data read from a file, the file itself (or, when it is too
large to carry, its size and SHA-256 so the same file can be checked), plus a README saying
how to rerun it. The script and the app are one computation, so ``python model.py`` in the
unpacked bundle ends with the very metrics recorded in ``run.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import torch
from safetensors.torch import save as save_tensors

from designer import __version__
from designer.data import data_layout, dataset_recipe
from designer.data.datasets import input_kinds, resolve_path, split_options
from designer.data.prepare import split_indices
from designer.io import project_to_json
from designer.io.atomic import write_atomic
from designer.model import Project
from designer.model.settings import FILE_SOURCES
from designer.training.script import generate_script

DATA_FOLDER = "data"
MAX_BUNDLED_DATA = 200 * 1024 * 1024  # larger data files are recorded by hash, not carried
PACKAGES = ("torch", "numpy", "safetensors", "Pillow", "scikit-learn")


@dataclass(frozen=True)
class BundleRun:
    """What a finished run contributes: its weights, final metrics and settings used."""

    state: Mapping[str, torch.Tensor]
    metrics: Mapping[str, float]
    epochs: int
    seed: int


def write_bundle(
    project: Project, run: BundleRun, out: str | os.PathLike[str], folder: str | None = None
) -> list[str]:
    """Write the bundle of ``run`` of ``project`` to ``out`` (atomically); relative data
    paths are taken from ``folder``. Returns the names of the files it holds."""
    files: dict[str, bytes] = {}
    carried = _data_files(project, folder, files)
    bundled = project_for_bundle(project, carried)
    files["project.nndesign"] = project_to_json(bundled).encode()
    script = generate_script(bundled, project_folder=".", script_folder=".")
    files["model.py"] = script.source.encode()
    files["weights.safetensors"] = save_tensors(
        {k: v.detach().cpu().contiguous() for k, v in run.state.items()}
    )
    files["requirements.txt"] = requirements().encode()
    files["split.json"] = _split_json(project, folder).encode()
    files["run.json"] = _run_json(project, run).encode()
    files["README.md"] = _readme(project, run, carried).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # same bytes each time
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    write_atomic(out, buffer.getvalue())
    return sorted(files)


def project_for_bundle(project: Project, carried: str | None) -> Project:
    """The project as the bundle holds it: its data path pointing into the bundle."""
    if carried is None:
        return project
    return Project(
        project.graph, project.data.replace(path=carried), project.training, dict(project.metadata)
    )


def _data_files(project: Project, folder: str | None, files: dict[str, bytes]) -> str | None:
    """Carry the data file (or folder of images) when small enough; its bundle path."""
    data = project.data
    if data.source not in FILE_SOURCES:
        return None
    path = Path(resolve_path(data.path, folder))
    members = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    size = sum(p.stat().st_size for p in members)
    if size > MAX_BUNDLED_DATA:
        return None
    root = f"{DATA_FOLDER}/{path.name}"
    for member in members:
        relative = member.relative_to(path).as_posix() if path.is_dir() else ""
        files[f"{root}/{relative}" if relative else root] = member.read_bytes()
    return root


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, or of every file in a folder (names included)."""
    digest = hashlib.sha256()
    members = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    total = 0
    for member in members:
        if path.is_dir():
            digest.update(member.relative_to(path).as_posix().encode() + b"\0")
        with open(member, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
                total += len(block)
    return total, digest.hexdigest()


def _split_json(project: Project, folder: str | None) -> str:
    """The validation and training rows, as the split gives them, and the data's hash."""
    settings = project.data
    layout = data_layout(project.graph)
    recipe = dataset_recipe(settings, layout, folder)
    arrays, _, _ = recipe.load(settings.seed)
    options = split_options(settings, layout, input_kinds(settings, layout))
    labels = (
        arrays[options["stratify_by"]] if options["stratify_by"] else next(iter(arrays.values()))
    )
    train, val = split_indices(
        labels, settings.validation_fraction, settings.stratify, settings.seed
    )
    record: dict[str, object] = {"train_rows": train.tolist(), "validation_rows": val.tolist()}
    if settings.source in FILE_SOURCES:
        size, sha = file_digest(Path(resolve_path(settings.path, folder)))
        record["data"] = {"path": settings.path, "bytes": size, "sha256": sha}
    return json.dumps(record) + "\n"


def _run_json(project: Project, run: BundleRun) -> str:
    record = {
        "name": str(project.metadata.get("name", "") or "Untitled"),
        "epochs": run.epochs,
        "seed": run.seed,
        "final_metrics": dict(run.metrics),
        "training": project.training.to_dict(),
        "data": project.data.to_dict(),
        "nn_designer": __version__,
        "python": platform.python_version(),
    }
    return json.dumps(record, indent=2, sort_keys=True) + "\n"


def requirements() -> str:
    """The exact versions of the libraries the script uses, as pip reads them."""
    lines = []
    for package in PACKAGES:
        try:
            lines.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    return "\n".join(lines) + "\n"


def _readme(project: Project, run: BundleRun, carried: str | None) -> str:
    command = f"python model.py --epochs {run.epochs} --seed {run.seed} --device cpu"
    data = (
        f"The data is in `{carried}`."
        if carried
        else "The data is built by the script (a built-in set)."
        if project.data.source not in FILE_SOURCES
        else "The data file was too large to include: put it where `model.py`'s --data "
        "option says, and check it against the size and SHA-256 in `split.json`."
    )
    metrics = "\n".join(f"- {name}: {value!r}" for name, value in run.metrics.items())
    return f"""# Reproducing this run

Made by NN Designer {__version__}. {data}

```sh
python -m venv .venv && .venv/bin/pip install -r requirements.txt
.venv/bin/{command} --save weights.safetensors --metrics metrics.json
```

On a CPU this ends with exactly these final validation metrics (also in `run.json`) and
with weights equal to `weights.safetensors`:

{metrics}

`split.json` lists the rows of the training and validation parts; `project.nndesign`
opens in NN Designer.
"""


__all__ = ["BundleRun", "file_digest", "requirements", "write_bundle"]
