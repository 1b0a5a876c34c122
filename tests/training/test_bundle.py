"""Reproducibility bundles: unpacked anywhere and rerun with their own script on a CPU,
they end with exactly the recorded final metrics and weights."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from designs import image_folder, two_outputs
from safetensors.torch import load_file

from designer.cli import main
from designer.io import EXAMPLES_DIR, load_project
from designer.training import bundle as bundles

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def make_bundle(project_path: Path, out: Path, epochs: int = 2) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    target = out / "bundle.zip"
    assert main(["bundle", str(project_path), "-o", str(target), "--epochs", str(epochs)]) == 0
    return target


def rerun(bundle: Path, folder: Path) -> tuple[dict, dict, dict]:
    """Unpack ``bundle`` in ``folder`` and run the command its README gives."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    command = [
        sys.executable, "model.py", "--epochs", str(run["epochs"]), "--seed", str(run["seed"]),
        "--device", "cpu", "--save", "rerun.safetensors", "--metrics", "metrics.json",
    ]  # fmt: skip
    assert " ".join(["python", *command[1:9]]) in (folder / "README.md").read_text()
    result = subprocess.run(
        command, cwd=folder, capture_output=True, text=True, env=ENV, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    return run, metrics, load_file(folder / "rerun.safetensors")


def assert_reproduced(run: dict, metrics: dict, weights: dict, folder: Path) -> None:
    assert metrics == run["final_metrics"]  # exactly, every digit
    recorded = load_file(folder / "weights.safetensors")
    assert recorded.keys() == weights.keys()
    assert all(torch.equal(recorded[k], weights[k]) for k in recorded)


@pytest.mark.slow
def test_a_built_in_data_set_bundle_reruns_exactly(tmp_path):
    bundle = make_bundle(EXAMPLES_DIR / "iris_mlp.nndesign", tmp_path)
    names = zipfile.ZipFile(bundle).namelist()
    expected = {"README.md", "model.py", "project.nndesign", "requirements.txt", "run.json"}
    assert expected | {"split.json", "weights.safetensors"} == set(names)
    requirements = zipfile.ZipFile(bundle).read("requirements.txt").decode()
    assert f"torch=={torch.__version__}" in requirements
    unpacked = tmp_path / "elsewhere"
    assert_reproduced(*rerun(bundle, unpacked), unpacked)
    split = json.loads((unpacked / "split.json").read_text(encoding="utf-8"))
    assert len(split["train_rows"]) == 120 and len(split["validation_rows"]) == 30
    assert load_project(unpacked / "project.nndesign").graph.nodes  # opens as a project


@pytest.mark.slow
@pytest.mark.parametrize(
    "make", [two_outputs, lambda folder: image_folder(folder, workers=0)], ids=["npz", "images"]
)
def test_a_bundle_carries_its_data_file_and_reruns_exactly(tmp_path, make):
    (tmp_path / "project").mkdir()
    project = make(tmp_path / "project")
    bundle = make_bundle(project, tmp_path)
    unpacked = tmp_path / "elsewhere"
    shutil.rmtree(tmp_path / "project")  # the original data is gone: the bundle has it
    assert_reproduced(*rerun(bundle, unpacked), unpacked)
    assert load_project(unpacked / "project.nndesign").data.path.startswith("data/")
    split = json.loads((unpacked / "split.json").read_text(encoding="utf-8"))
    assert len(split["data"]["sha256"]) == 64 and split["data"]["bytes"] > 0


def test_data_too_large_to_carry_is_recorded_by_its_hash(tmp_path, monkeypatch):
    monkeypatch.setattr(bundles, "MAX_BUNDLED_DATA", 10)
    project = two_outputs(tmp_path)
    bundle = make_bundle(project, tmp_path, epochs=1)
    archive = zipfile.ZipFile(bundle)
    assert not any(name.startswith("data/") for name in archive.namelist())
    assert "too large to include" in archive.read("README.md").decode()
    split = json.loads(archive.read("split.json"))
    size, digest = bundles.file_digest(tmp_path / "two_outputs.npz")
    assert split["data"] == {"path": "two_outputs.npz", "bytes": size, "sha256": digest}


def test_bundles_of_the_same_run_are_the_same_bytes(tmp_path):
    first = make_bundle(EXAMPLES_DIR / "binary_classifier.nndesign", tmp_path / "a", epochs=1)
    second = make_bundle(EXAMPLES_DIR / "binary_classifier.nndesign", tmp_path / "b", epochs=1)
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.slow
def test_a_recorded_run_bundles_without_training_again(tmp_path, capsys):
    project = tmp_path / "iris.nndesign"
    shutil.copy(EXAMPLES_DIR / "iris_mlp.nndesign", project)
    assert main(["train", str(project), "--epochs", "2", "--device", "cpu"]) == 0
    assert "Recorded as run 1" in capsys.readouterr().out
    target = tmp_path / "run1.zip"
    assert main(["bundle", str(project), "--run", "1", "-o", str(target)]) == 0
    assert "from run 1" in capsys.readouterr().err
    unpacked = tmp_path / "elsewhere"
    assert_reproduced(*rerun(target, unpacked), unpacked)
    assert main(["bundle", str(project), "--run", "7", "-o", str(target)]) == 1
    assert "no finished run 7 in iris.runs.sqlite (finished runs: 1)" in capsys.readouterr().err
