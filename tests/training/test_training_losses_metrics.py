"""Loss construction, target preparation, compatibility messages, and metrics."""

import numpy as np
import pytest
import torch
from sklearn import metrics as sk
from torch import nn

from designer.data import load_dataset
from designer.model.settings import DataSettings
from designer.training import (
    LOSSES,
    accuracy,
    check_loss_for_data,
    check_loss_targets,
    compute_metrics,
    confusion_matrix,
    make_loss,
    prepare_targets,
    r2_score,
)
from designer.training.losses import loss_task
from designer.training.metrics import mean_absolute_error, predict_classes


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("cross_entropy", nn.CrossEntropyLoss),
        ("bce_with_logits", nn.BCEWithLogitsLoss),
        ("bce", nn.BCELoss),
        ("mse", nn.MSELoss),
        ("l1", nn.L1Loss),
        ("huber", nn.HuberLoss),
    ],
)
def test_make_loss(name, kind):
    assert isinstance(make_loss(name), kind) and name in LOSSES


def test_unknown_loss():
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        make_loss("hinge")
    assert check_loss_targets("hinge", "classification", 2, (2,)) == "unknown loss 'hinge'"


def test_prepare_targets_shapes_and_dtypes():
    labels = np.array([0, 1, 1], dtype=np.int64)
    ce = prepare_targets("cross_entropy", labels)
    assert ce.dtype == torch.int64 and ce.shape == (3,)
    for name in ("bce", "bce_with_logits"):
        binary = prepare_targets(name, labels)
        assert binary.dtype == torch.float32 and binary.shape == (3, 1)
        assert binary[:, 0].tolist() == [0.0, 1.0, 1.0]
    values = np.array([[0.5], [1.5]], dtype=np.float32)
    assert prepare_targets("huber", values).shape == (2, 1)
    assert loss_task("l1") == "regression" and loss_task("bce") == "classification"


C, R = "classification", "regression"
LOSS_CASES = [
    (("cross_entropy", C, 3, (3,)), None),
    (("bce", C, 2, (1,)), None),
    (("mse", R, None, (1,)), None),
    (("cross_entropy", C, 3, None), None),
    (("cross_entropy", C, 3, (1,)), "the output has 1 unit but the data has 3 classes"),
    (("cross_entropy", C, 2, (5,)), "the output has 5 units but the data has 2 classes"),
    (
        ("cross_entropy", C, 3, (3, 4)),
        "cross-entropy needs a flat output, but the output has shape 3x4",
    ),
    (
        ("bce_with_logits", C, 2, (2,)),
        "the output has 2 units but binary cross-entropy needs 1 (the score of class 1)",
    ),
    (
        ("bce", C, 4, (1,)),
        "binary cross-entropy needs 2 classes, but the data set has 4; use cross-entropy",
    ),
    (("l1", R, None, (3,)), "the output has 3 units but the data has 1 target value"),
    (
        ("huber", C, 2, (1,)),
        "Huber loss needs real-valued targets, but the data set has class labels",
    ),
]


@pytest.mark.parametrize(("args", "expected"), LOSS_CASES)
def test_check_loss_targets(args, expected):
    assert check_loss_targets(*args) == expected


def test_check_loss_for_data_names_the_data_set():
    diabetes = load_dataset(DataSettings(source="diabetes"))
    assert check_loss_for_data("cross_entropy", diabetes, (10,)) == (
        "cross-entropy needs class labels, but 'diabetes' has real-valued targets"
    )
    assert check_loss_for_data("mse", diabetes, (1,)) is None
    assert check_loss_targets("mse", "regression", None, (2,), target_shape=(2,)) is None


def test_accuracy_decision_rules():
    targets = torch.tensor([0, 1, 1, 0])
    scores = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0], [5.0, -1.0]])
    assert accuracy(scores, targets, "cross_entropy") == 0.75
    logits = torch.tensor([[-1.0], [0.5], [-0.1], [0.2]])
    assert predict_classes(logits, "bce_with_logits").tolist() == [0, 1, 0, 1]
    assert accuracy(logits, targets.float().reshape(-1, 1), "bce_with_logits") == 0.5
    probabilities = torch.tensor([[0.1], [0.6], [0.4], [0.51]])
    assert predict_classes(probabilities, "bce").tolist() == [0, 1, 0, 1]
    with pytest.raises(ValueError):
        predict_classes(scores, "mse")


def test_regression_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(50, 2)).astype(np.float32)
    p = (y + rng.normal(scale=0.3, size=y.shape)).astype(np.float32)
    yt, pt = torch.from_numpy(y), torch.from_numpy(p)
    assert mean_absolute_error(pt, yt) == pytest.approx(sk.mean_absolute_error(y, p), rel=1e-5)
    assert r2_score(pt, yt) == pytest.approx(sk.r2_score(y, p), rel=1e-5)
    assert r2_score(yt, yt) == 1.0
    constant = torch.ones(4, 1)
    assert r2_score(constant, constant) == 1.0 and r2_score(constant * 2, constant) == 0.0
    assert set(compute_metrics(pt, yt, "mse")) == {"mae", "r2"}
    assert compute_metrics(pt[:0], yt[:0], "mse") == {}


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
