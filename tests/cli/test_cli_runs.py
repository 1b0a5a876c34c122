"""`nn-designer train` records its runs beside the project (unless --no-record) and writes
TensorBoard event files with --tensorboard; a problem with either is one warning line and
the run still trains."""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from designer.cli import main
from designer.cli.train_run import is_shipped_example
from designer.compiler.weights import read_weights
from designer.io import EXAMPLES_DIR, load_project, save_project
from designer.training.run_loader import load_runs
from designer.training.run_store import RunStore

EXAMPLE = EXAMPLES_DIR / "iris_mlp.nndesign"


@pytest.fixture
def project_file(tmp_path) -> Path:
    project = load_project(EXAMPLE)
    project.training = project.training.replace(epochs=3)
    path = tmp_path / "iris.nndesign"
    save_project(project, path)
    return path


def runs_of(project_file: Path):
    with RunStore.open(project_file.with_name("iris.runs.sqlite")) as store:
        return load_runs(store).records


def test_each_run_is_recorded_and_numbered_on(project_file, capsys):
    weights = project_file.parent / "w.safetensors"
    assert main(["train", str(project_file), "--save-weights", str(weights)]) == 0
    assert main(["train", str(project_file), "--epochs", "2", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert "Recorded as run 1 in iris.runs.sqlite" in out
    assert "Recorded as run 2 in iris.runs.sqlite" in out
    first, second = runs_of(project_file)
    assert (first.name, second.name) == ("Run 1 (iris)", "Run 2 (iris)")
    assert len(first.history.epochs) == 3 and len(second.history.epochs) == 2
    assert second.settings.epochs == 2 and second.settings.seed == 4  # as trained
    assert '"epochs": 2' in second.snapshot  # the options are part of what was trained
    assert first.results.confusion.sum() == 30 and first.reason == "completed"
    saved = read_weights(weights)
    assert all(torch.equal(saved[k], first.state_dict[k]) for k in saved)
    with RunStore.open(project_file.with_name("iris.runs.sqlite")) as store:
        assert store.query("SELECT DISTINCT source FROM runs") == [("cli",)]


def test_no_record_leaves_no_store(project_file, capsys):
    assert main(["train", str(project_file), "--no-record"]) == 0
    assert "Recorded" not in capsys.readouterr().out
    assert sorted(p.name for p in project_file.parent.iterdir()) == ["iris.nndesign"]


def test_a_shipped_example_is_not_recorded_beside_the_installation(capsys):
    assert is_shipped_example(EXAMPLE)
    assert main(["train", str(EXAMPLE), "--epochs", "1"]) == 0
    err = capsys.readouterr().err
    assert err == (
        "warning: the run is not recorded: the examples are part of NN Designer; save a copy\n"
    )
    assert not EXAMPLE.with_name("iris_mlp.runs.sqlite").exists()


def test_a_damaged_store_is_one_warning_and_the_run_trains(project_file, capsys):
    store = project_file.with_name("iris.runs.sqlite")
    store.write_bytes(b"\x00garbage" * 512)
    assert main(["train", str(project_file)]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        "warning: The run is not recorded: iris.runs.sqlite is not a run store or is "
        "damaged; move it aside\n"
    )
    assert "Finished (completed)" in captured.out and "Recorded" not in captured.out
    assert store.read_bytes() == b"\x00garbage" * 512


def test_tensorboard_event_files_are_written_and_readable(project_file, capsys):
    logs = project_file.parent / "logs"
    assert main(["train", str(project_file), "--tensorboard", str(logs), "--no-record"]) == 0
    [folder] = list(logs.iterdir())
    assert folder.name.endswith("-Run-1-iris")
    assert f"TensorBoard logs in {folder}" in capsys.readouterr().out
    events = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"epoch/train_loss", "epoch/val_loss", "epoch/accuracy"} <= tags
    assert {"batch/loss", "batch/learning_rate", "final/accuracy"} <= tags
    assert [e.step for e in events.Scalars("epoch/val_loss")] == [1, 2, 3]
    batches = events.Scalars("batch/loss")
    per_epoch = math.ceil(120 / load_project(project_file).training.batch_size)
    assert [e.step for e in batches] == list(range(1, 3 * per_epoch + 1))  # every batch
    assert all(e.value > 0 for e in batches)
    assert "run/settings/text_summary" in events.Tags()["tensors"]  # text is a tensor


def test_tensorboard_runs_sit_side_by_side(project_file):
    logs = project_file.parent / "logs"
    for _ in range(2):
        assert main(["train", str(project_file), "--tensorboard", str(logs)]) == 0
    assert sorted(p.name[16:] for p in logs.iterdir()) == ["Run-1-iris", "Run-2-iris"]


def test_without_tensorboard_installed_one_warning(project_file, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    logs = project_file.parent / "logs"
    assert main(["train", str(project_file), "--tensorboard", str(logs)]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        "warning: No TensorBoard logs: they need the tensorboard package (pip install "
        '"nn-designer[tensorboard]", or pip install tensorboard)\n'
    )
    assert not logs.exists() and "Recorded as run 1" in captured.out


def test_the_store_copy_opens_like_the_original(project_file, tmp_path):
    assert main(["train", str(project_file)]) == 0
    other = tmp_path / "copy"
    other.mkdir()
    shutil.copy(project_file.with_name("iris.runs.sqlite"), other / "iris.runs.sqlite")
    shutil.copy(project_file, other / "iris.nndesign")
    assert [r.name for r in runs_of(other / "iris.nndesign")] == ["Run 1 (iris)"]
