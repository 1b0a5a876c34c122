"""The training catalogue (losses, optimizers, schedules, metrics) and the metrics that the
shared core computes from batch sums, checked against torch and scikit-learn."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn import metrics as sk

from designer.catalog import default_catalog
from designer.catalog.objectives import (
    LOSSES,
    METRICS,
    OPTIMIZERS,
    SCHEDULES,
    fitting_loss,
    format_metric,
    headline_metric,
    output_units,
    split_metric_key,
    target_problem,
)
from designer.data import DataLayout, InputSlot, OutputSlot
from designer.model.settings import OPTIMIZERS as OPTIMIZER_SETTINGS
from designer.model.settings import SCHEDULES as SCHEDULE_SETTINGS
from designer.model.settings import TrainingSettings
from designer.training import core
from designer.training.recipe import compile_recipe
from designer.training.results import confusion_matrix


def test_every_loss_names_a_torch_function_that_takes_a_reduction():
    for spec in LOSSES.values():
        function = getattr(F, spec.function.removeprefix("F."))
        output = torch.rand(4, 1) if spec.is_binary else torch.randn(4, 3)
        target = {
            "classes": torch.tensor([0, 2, 1, 0]),
            "binary": torch.tensor([[0.0], [1.0], [1.0], [0.0]]),
            "values": torch.randn(4, 3),
        }[spec.targets]
        assert function(output, target, reduction="sum").ndim == 0
    assert default_catalog().get("Output").param("loss").choices == tuple(LOSSES)


def test_settings_choices_come_from_the_catalogue():
    assert tuple(OPTIMIZERS) == OPTIMIZER_SETTINGS and tuple(SCHEDULES) == SCHEDULE_SETTINGS


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_every_optimizer_and_schedule_compiles_and_steps(optimizer, schedule):
    settings = TrainingSettings(optimizer=optimizer, schedule=schedule, nesterov=True)
    layout = DataLayout((InputSlot("", "x", (2,)),), (OutputSlot("", "y", "mse", dims=(1,)),))
    recipe = compile_recipe(settings, layout)
    layer = torch.nn.Linear(2, 1)
    optim = recipe.make_optimizer(layer.parameters(), 0.01)
    assert type(optim).__name__.lower() == optimizer
    assert recipe.schedule_step == SCHEDULES[schedule].step
    if recipe.make_scheduler is not None:
        scheduler = recipe.make_scheduler(optim, 0.01, 3, 5)
        optim.step()
        scheduler.step()
    assert 'HEADS = (Head("y", F.mse_loss, 1.0, "values", (1,)),)' in recipe.source


C, R = "classification", "regression"
TARGET_CASES = [
    (("cross_entropy", (3,), C, (), 3), None),
    (("bce", (1,), C, (), 2), None),
    (("mse", (1,), R, (1,), None), None),
    (("cross_entropy", None, C, (), 3), None),
    (("cross_entropy", (1,), C, (), 3), "the output has 1 unit but the data has 3 classes"),
    (("cross_entropy", (5,), C, (), 2), "the output has 5 units but the data has 2 classes"),
    (
        ("cross_entropy", (3, 4), C, (), 3),
        "cross-entropy on a 3×4 output takes a class label per position, but the data set "
        "has one label per sample; flatten or pool the output to one score per class",
    ),
    (("cross_entropy", (2, 8, 8), C, (8, 8), 2), None),  # segmentation
    (("cross_entropy", (4, 8, 8), C, (8, 8), 3), None),  # a class may be missing from data
    (
        ("cross_entropy", (2, 8, 8), C, (8, 8), 3),
        "the output has 2 units but the data has 3 classes",
    ),
    (
        ("cross_entropy", (2,), C, (8, 8), 2),
        "the output has one score per class for the whole sample, but the data set has a 8×8 "
        "map of labels per sample; keep the positions (no pooling or Flatten before the "
        "Output) to classify each one",
    ),
    (
        ("cross_entropy", (2, 8, 8), C, (4, 4), 2),
        "the output has shape 2×8×8 (classes first), so the labels must be 8×8 per sample, "
        "but the data set has 4×4",
    ),
    (("bce_with_logits", (1, 8, 8), C, (8, 8), 2), None),  # binary masks
    (
        ("bce_with_logits", (2,), C, (), 2),
        "the output has 2 units but binary cross-entropy needs 1 (the score of class 1)",
    ),
    (
        ("bce", (1,), C, (), 4),
        "binary cross-entropy needs 2 classes, but the data set has 4; use cross-entropy",
    ),
    (("l1", (3,), R, (1,), None), "the output has 3 units but the data has 1 target value"),
    (("mse", (1, 64, 64), R, (1, 64, 64), None), None),  # dense regression
    (("mse", (1, 64, 64), R, (64, 64), None), None),
    (
        ("mse", (2, 8), R, (4, 4), None),
        "the output has shape 2×8, but the targets in the data set have shape 4×4",
    ),
    (
        ("huber", (1,), C, (), 2),
        "Huber loss needs real-valued targets, but the data set has class labels",
    ),
    (("hinge", (1,), C, (), 2), "unknown loss 'hinge'"),
]


@pytest.mark.parametrize(("args", "expected"), TARGET_CASES)
def test_target_problem(args, expected):
    assert target_problem(*args) == expected


def test_fitting_loss_and_units():
    assert fitting_loss("mse", C, 3) == "cross_entropy"
    assert fitting_loss("bce", C, 4) == "cross_entropy" and fitting_loss("bce", C, 2) == "bce"
    assert fitting_loss("cross_entropy", R, None) == "mse"
    assert output_units("cross_entropy", C, (), 7) == 7
    assert output_units("cross_entropy", C, (8, 8), 7) is None  # dense: no Linear decides
    assert output_units("bce", C, (), 2) == 1 and output_units("mse", R, (3,), None) == 3


def test_metric_names_and_formats():
    assert split_metric_key("mask: mean_iou") == ("mask", "mean_iou")
    assert split_metric_key("accuracy") == ("", "accuracy")
    assert format_metric("accuracy", 0.9123) == "91.2%" and format_metric("r2", 0.5) == "0.5"
    assert format_metric("val_loss", float("nan")) == "n/a"
    assert headline_metric(["val_loss", "a: r2", "b: accuracy"]) == "b: accuracy"
    assert set(METRICS) >= {"accuracy", "mean_iou", "mae", "r2", "loss"}


def head(kind="classes", shape=(3,), loss=F.cross_entropy, threshold=0.0):
    return core.Head("y", loss, 1.0, kind, shape, threshold)


def summarize_batches(h, outputs, targets, size=7):
    sums = []
    for start in range(0, len(outputs), size):
        part = core.head_sums(h, outputs[start : start + size], targets[start : start + size])
        sums = [part] if not sums else [sums[0] + part]
    return core.summarize((h,), sums)


def test_classification_metrics_match_torch_and_scikit_learn():
    generator = torch.Generator().manual_seed(0)
    outputs = torch.randn(50, 4, generator=generator)
    targets = torch.randint(0, 4, (50,), generator=generator)
    metrics = summarize_batches(head(shape=(4,)), outputs, targets)
    assert metrics["loss"] == pytest.approx(F.cross_entropy(outputs, targets).item(), rel=1e-6)
    predicted = outputs.argmax(dim=1).numpy()
    assert metrics["accuracy"] == pytest.approx(sk.accuracy_score(targets.numpy(), predicted))
    logits = torch.tensor([[-1.0], [0.5], [-0.1], [0.2]])
    assert head("binary", (1,)).predict(logits)[:, 0].tolist() == [0, 1, 0, 1]
    probabilities = torch.tensor([[0.1], [0.6], [0.4], [0.51]])
    assert head("binary", (1,), threshold=0.5).predict(probabilities)[:, 0].tolist() == [
        0,
        1,
        0,
        1,
    ]


def test_segmentation_metrics_are_per_pixel_with_mean_iou():
    generator = torch.Generator().manual_seed(1)
    outputs = torch.randn(12, 3, 5, 5, generator=generator)
    targets = torch.randint(0, 3, (12, 5, 5), generator=generator)
    metrics = summarize_batches(head(shape=(3, 5, 5)), outputs, targets)
    predicted = outputs.argmax(dim=1).reshape(-1).numpy()
    truth = targets.reshape(-1).numpy()
    assert metrics["accuracy"] == pytest.approx(sk.accuracy_score(truth, predicted))
    expected_iou = sk.jaccard_score(truth, predicted, average="macro")
    assert metrics["mean_iou"] == pytest.approx(expected_iou)
    assert metrics["loss"] == pytest.approx(F.cross_entropy(outputs, targets).item(), rel=1e-6)


def test_regression_metrics_match_scikit_learn_for_flat_and_dense_outputs():
    rng = np.random.default_rng(0)
    for shape in ((2,), (1, 4, 4)):
        y = rng.normal(size=(50, *shape)).astype(np.float32)
        p = (y + rng.normal(scale=0.3, size=y.shape)).astype(np.float32)
        metrics = summarize_batches(
            head("values", shape, F.mse_loss), torch.from_numpy(p), torch.from_numpy(y)
        )
        flat_y, flat_p = y.reshape(50, -1), p.reshape(50, -1)
        assert metrics["mae"] == pytest.approx(sk.mean_absolute_error(flat_y, flat_p), rel=1e-5)
        assert metrics["r2"] == pytest.approx(sk.r2_score(flat_y, flat_p), rel=1e-5)
        assert metrics["loss"] == pytest.approx(sk.mean_squared_error(flat_y, flat_p), rel=1e-5)


def test_several_outputs_give_a_weighted_loss_and_named_metrics():
    a = core.Head("a", F.cross_entropy, 0.5, "classes", (2,))
    b = core.Head("b", F.mse_loss, 2.0, "values", (1,))
    outputs = (torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([[1.0], [3.0]]))
    batch = {"a": torch.tensor([0, 0]), "b": torch.tensor([[1.0], [1.0]])}
    sums = [core.head_sums(h, o, batch[h.target]) for h, o in zip((a, b), outputs, strict=True)]
    metrics = core.summarize((a, b), sums)
    ce = F.cross_entropy(outputs[0], batch["a"]).item()
    assert metrics["a: accuracy"] == 0.5 and metrics["b: mae"] == 1.0
    assert metrics["loss"] == pytest.approx(0.5 * ce + 2.0 * 2.0)
    total = core.total_loss((a, b), outputs, batch)
    assert total.item() == pytest.approx(metrics["loss"])


def test_confusion_matrix_matches_scikit_learn():
    rng = np.random.default_rng(1)
    true, predicted = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    expected = sk.confusion_matrix(true, predicted, labels=range(4))
    assert np.array_equal(confusion_matrix(true, predicted, 4), expected)
    assert confusion_matrix([0, 0], [0, 1], 3).tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 0]]
    with pytest.raises(ValueError, match="class indices"):
        confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix([0], [0, 1], 3)
