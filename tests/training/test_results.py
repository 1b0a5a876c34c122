"""Evaluating a trained model: metrics, confusion matrix, predictions, decision boundary."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from designer.data import load_dataset
from designer.model.settings import DataSettings, TrainingSettings
from designer.training import EpochProgress, core, train
from designer.training.batches import make_batches
from designer.training.results import (
    GRID_SIZE,
    PREVIEW_SAMPLES,
    RunHistory,
    RunRecord,
    class_probabilities,
    cpu_state,
    evaluate,
    main_metric,
)
from designer.training.session import run_for_module


def evaluated(model, data, loss):
    """`evaluate` with the run's final validation metrics, as the worker calls it."""
    run = run_for_module(model, data, TrainingSettings(device="cpu"), loss)
    batches = make_batches(run, "val", torch.device("cpu"))
    metrics = core.validation_metrics(model, run.recipe.heads, run.recipe.inputs, batches)
    return evaluate(run, {"val_loss": metrics.pop("loss"), **metrics})


def mlp(inputs: int, outputs: int, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(inputs, 16), nn.Tanh(), nn.Linear(16, outputs))


def fit(model, data, loss, epochs=15):
    settings = TrainingSettings(epochs=epochs, learning_rate=0.03, device="cpu")
    records = train(run_for_module(model, data, settings, loss))
    return [r for r in records if isinstance(r, EpochProgress)]


@pytest.fixture(scope="module")
def moons():
    return load_dataset(DataSettings(source="moons", samples=200, noise=0.1))


def test_binary_results_with_probability_boundary(moons):
    model = mlp(2, 2)
    fit(model, moons, "cross_entropy")
    results = evaluated(model, moons, "cross_entropy")
    assert results.task == "classification" and results.class_names == ("0", "1")
    assert set(results.metrics) == {"val_loss", "accuracy"}
    assert results.metrics["accuracy"] > 0.8
    assert results.confusion.shape == (2, 2) and results.confusion.sum() == moons.num_val
    correct = np.trace(results.confusion) / moons.num_val
    assert math.isclose(correct, results.metrics["accuracy"], abs_tol=1e-6)
    assert len(results.predictions) == PREVIEW_SAMPLES
    first = results.predictions[0]
    assert first.true == moons.class_name(int(moons.y_val[0]))
    assert 0.5 <= first.probability <= 1.0
    boundary = results.boundary
    assert boundary.kind == "probability" and boundary.values.shape == (GRID_SIZE, GRID_SIZE)
    assert boundary.values.min() >= 0.0 and boundary.values.max() <= 1.0
    x0, x1, y0, y1 = boundary.extent
    everything = np.concatenate([moons.x_train, moons.x_val])
    assert x0 < everything[:, 0].min() and x1 > everything[:, 0].max()
    assert y0 < everything[:, 1].min() and y1 > everything[:, 1].max()
    assert len(boundary.points) == moons.num_val == len(boundary.labels)


def test_boundary_matches_model_at_a_grid_point(moons):
    model = mlp(2, 2)
    boundary = evaluated(model, moons, "cross_entropy").boundary
    i, j = 7, 93
    point = torch.tensor([[boundary.xs[j], boundary.ys[i]]])
    with torch.no_grad():
        expected = torch.softmax(model(point), dim=1)[0, 1].item()
    assert boundary.values[i, j] == pytest.approx(expected, abs=1e-5)


def test_many_classes_give_a_class_map():
    blobs = load_dataset(DataSettings(source="blobs", samples=150, classes=3))
    results = evaluated(mlp(2, 3), blobs, "cross_entropy")
    assert results.boundary.kind == "class"
    assert set(np.unique(results.boundary.values)) <= {0.0, 1.0, 2.0}
    assert results.confusion.shape == (3, 3)


def test_binary_logit_output(moons):
    results = evaluated(mlp(2, 1), moons, "bce_with_logits")
    assert results.confusion.shape == (2, 2)
    assert all(0.5 <= p.probability <= 1.0 for p in results.predictions)


def test_regression_has_no_confusion_and_no_boundary_for_one_feature():
    sine = load_dataset(DataSettings(source="regression1d", samples=100))
    results = evaluated(mlp(1, 1), sine, "mse")
    assert results.confusion is None and results.boundary is None
    assert {"val_loss", "mae", "r2"} <= set(results.metrics)
    assert results.predictions[0].probability is None
    assert results.predictions[0].true == f"{float(sine.y_val[0, 0]):.4g}"


def test_images_have_no_boundary():
    digits = load_dataset(DataSettings(source="digits_images"))
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    results = evaluated(model, digits, "cross_entropy")
    assert results.boundary is None and results.confusion.shape == (10, 10)


def test_class_probabilities_follow_the_loss():
    logits = torch.tensor([[0.0], [100.0]])
    with_logits = core.Head("y", None, 1.0, "binary", (1,), threshold=0.0)
    assert class_probabilities(with_logits, logits)[1, 1] == pytest.approx(1.0)
    probabilities = core.Head("y", None, 1.0, "binary", (1,), threshold=0.5)
    assert class_probabilities(probabilities, torch.tensor([[0.25]]))[0].tolist() == [0.75, 0.25]


def test_history_and_record(moons):
    model = mlp(2, 2)
    epochs = fit(model, moons, "cross_entropy", epochs=3)
    history = RunHistory.from_epochs(epochs)
    assert history.epochs.tolist() == [1, 2, 3] and history.metric_name == "accuracy"
    assert history.val_loss[-1] == epochs[-1].val_loss
    state = cpu_state(model)
    with torch.no_grad():
        model[0].weight.add_(1.0)
    assert not torch.equal(state["0.weight"], model[0].weight)
    results = evaluated(model, moons, "cross_entropy")
    record = RunRecord("Run 1", TrainingSettings(), history, results, state, reason="stopped")
    assert record.summary.startswith("Run 1 · 3 epochs · accuracy ")
    assert record.summary.endswith("stopped")
    assert main_metric({"val_loss": 1.0, "r2": 0.5}) == "r2"
    assert RunHistory.from_epochs([]).metric_name is None


@pytest.mark.gpu
def test_evaluate_a_model_on_cuda(moons):
    model = mlp(2, 2).to("cuda")
    results = evaluated(model, moons, "cross_entropy")
    assert results.boundary.values.shape == (GRID_SIZE, GRID_SIZE)
    assert all(t.device.type == "cpu" for t in cpu_state(model).values())
