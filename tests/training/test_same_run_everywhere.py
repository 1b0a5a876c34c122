"""The promise of the exported script: the same project, seed and data end with bit-identical
weights in the app's loop, under ``nn-designer train`` and in ``python model.py``, for the
examples and for every kind of design the canvas can draw."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from designs import EPOCHS, KINDS
from safetensors.torch import load_file

from designer.cli import main as cli_main
from designer.io import EXAMPLES_DIR, load_project
from designer.training import RunFinished, prepare_run, train
from designer.training.script import generate_script

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
EXAMPLES = sorted(path.stem for path in EXAMPLES_DIR.glob("*.nndesign"))


def app_weights(path: Path) -> dict[str, torch.Tensor]:
    """Train as the window does: prepare the run, then drive the loop to its end."""
    project = load_project(path)
    project.training = project.training.replace(epochs=EPOCHS, device="cpu")
    run = prepare_run(project, folder=path.parent)
    end = list(train(run))[-1]
    assert isinstance(end, RunFinished), end
    return {k: v.detach().clone() for k, v in run.model.state_dict().items()}


def cli_weights(path: Path, folder: Path) -> dict[str, torch.Tensor]:
    target = folder / "cli.safetensors"
    arguments = ["train", str(path), "--epochs", str(EPOCHS), "--device", "cpu"]
    assert cli_main([*arguments, "--save-weights", str(target)]) == 0
    return load_file(target)


def script_weights(path: Path, folder: Path) -> dict[str, torch.Tensor]:
    """Export the script elsewhere (so a relative data path must be resolved) and run it
    in a process of its own."""
    scripts = folder / "exported"
    scripts.mkdir()
    code = generate_script(load_project(path), project_folder=path.parent, script_folder=scripts)
    (scripts / "model.py").write_text(code.source, encoding="utf-8")
    command = [sys.executable, "model.py", "--epochs", str(EPOCHS), "--device", "cpu"]
    result = subprocess.run(
        [*command, "--save", "w.safetensors"],
        cwd=scripts,
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"epoch {EPOCHS}/{EPOCHS}" in result.stdout or "stopping early" in result.stdout
    return load_file(scripts / "w.safetensors")


def assert_identical(first: dict, second: dict, what: str) -> None:
    assert first.keys() == second.keys(), what
    different = [k for k in first if not torch.equal(first[k], second[k])]
    assert not different, f"{what}: {different} differ"


def check_everywhere(path: Path, folder: Path) -> None:
    torch.set_num_threads(1)
    app = app_weights(path)
    assert_identical(app, cli_weights(path, folder), "app and nn-designer train")
    assert_identical(app, script_weights(path, folder), "app and the exported script")


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_trains_the_same_everywhere(tmp_path, example):
    path = tmp_path / f"{example}.nndesign"
    shutil.copy(EXAMPLES_DIR / f"{example}.nndesign", path)
    check_everywhere(path, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_of_design_trains_the_same_everywhere(tmp_path, kind):
    path = KINDS[kind](tmp_path)
    check_everywhere(path, tmp_path)
