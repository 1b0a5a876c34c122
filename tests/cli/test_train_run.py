"""The headless `train` verb: progress lines, final metrics, weights and exit statuses."""

from __future__ import annotations

import io
import itertools
import shutil
from pathlib import Path

import pytest
import torch

from designer.cli.train_run import (
    EXIT_BAD_PROJECT,
    EXIT_FAILED,
    EXIT_OK,
    epoch_line,
    train_project,
)
from designer.compiler.weights import read_weights
from designer.io import load_project, save_project
from designer.model import Graph, Project
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.loop import EpochProgress
from designer.training.text import format_duration

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "resources" / "examples" / "binary_classifier.nndesign"
)


def binary_classifier() -> Project:
    """The shipped example's design: 30 features -> 10 -> ReLU -> 1 -> Sigmoid, BCE."""
    graph = Graph()
    nodes = [
        ("Input", {"features": 30}),
        ("Linear", {"units": 10}),
        ("ReLU", {}),
        ("Linear", {"units": 1}),
        ("Sigmoid", {}),
        ("Output", {"loss": "bce"}),
    ]
    ids = [graph.add_node(t, p).id for t, p in nodes]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    training = TrainingSettings(epochs=30, learning_rate=0.01)
    return Project(graph, DataSettings(source="breast_cancer"), training, {"name": "Binary"})


@pytest.fixture
def example(tmp_path) -> Path:
    """A copy of the shipped example (a run is recorded beside its project)."""
    path = tmp_path / "binary_classifier.nndesign"
    if EXAMPLE.is_file():
        shutil.copy(EXAMPLE, path)
    else:
        save_project(binary_classifier(), path)
    return path


def run(path, **options) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = train_project(path, out=out, err=err, **options)
    return status, out.getvalue(), err.getvalue()


def test_trains_the_example_for_two_epochs(example, tmp_path):
    weights = tmp_path / "weights.safetensors"
    status, out, err = run(example, epochs=2, device="cpu", save_weights=weights)
    assert status == EXIT_OK and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("Training ") and "for 2 epochs" in lines[0]
    assert lines[1].startswith("epoch 1/2 [##########----------]  loss ")
    assert lines[2].startswith("epoch 2/2 [####################]")
    assert "val loss" in lines[2] and "accuracy" in lines[2] and "ETA 0:00" in lines[2]
    assert lines[3].startswith("Finished (completed) in ") and "accuracy" in lines[3]
    assert lines[4] == f"Saved the weights to {weights}"
    stored = read_weights(weights)
    assert stored and all(isinstance(t, torch.Tensor) for t in stored.values())


def test_overrides_change_the_run(example):
    status, out, _ = run(example, epochs=1, lr=0.05, batch_size=64, seed=1, device="cpu")
    assert status == EXIT_OK and "for 1 epoch\n" in out and "epoch 1/1" in out


@pytest.mark.parametrize("content", ["{not json", '{"format": "something else"}'])
def test_bad_project_file_is_one_line_and_status_2(tmp_path, content):
    path = tmp_path / "bad.nndesign"
    path.write_text(content)
    status, out, err = run(path)
    assert status == EXIT_BAD_PROJECT and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: ")


def test_missing_file_is_status_2(tmp_path):
    status, _, err = run(tmp_path / "nowhere.nndesign")
    assert status == EXIT_BAD_PROJECT and "cannot read" in err and err.count("\n") == 1


def test_bad_override_is_status_2(example):
    status, _, err = run(example, lr=-1.0)
    assert status == EXIT_BAD_PROJECT and "learning_rate" in err and err.count("\n") == 1


def test_project_that_does_not_fit_its_data_fails_with_status_1(tmp_path):
    project = binary_classifier()
    project.data = DataSettings(source="iris")
    path = tmp_path / "misfit.nndesign"
    save_project(project, path)
    status, out, err = run(path)
    assert status == EXIT_FAILED and out == ""
    assert err.startswith("error: Input ") and "'iris' has 4 features" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device_fails_with_status_1(example):
    status, _, err = run(example, epochs=1, device="cuda")
    assert status == EXIT_FAILED and "CUDA" in err


def test_example_round_trips_through_the_loader(example):
    assert load_project(example).graph.nodes_of_role("output")


def test_formatting_helpers():
    assert format_duration(7.4) == "0:07" and format_duration(750) == "12:30"
    assert format_duration(3723) == "1:02:03" and format_duration(float("nan")) == "--:--"
    record = EpochProgress(3, 30, 0.5, 0.25, {"mae": 0.125}, 1.0, 2.0)
    assert epoch_line(record, 10) == (
        "epoch  3/10 [######--------------]  loss 0.5000  val loss 0.2500  mae 0.125  ETA 0:02"
    )
