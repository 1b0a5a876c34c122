"""Splitting and standardization."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.data import DataError, prepare_arrays
from designer.data.prepare import split_indices, token_ids

ROOT = Path(__file__).resolve().parents[2]


def test_split_is_a_seeded_partition():
    y = np.arange(100) % 3
    train, val = split_indices(y, 0.25, stratify=False, seed=1)
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(100))
    assert len(val) == 25
    again = split_indices(y, 0.25, stratify=False, seed=1)
    assert np.array_equal(train, again[0]) and np.array_equal(val, again[1])
    assert not np.array_equal(val, split_indices(y, 0.25, stratify=False, seed=2)[1])


def test_stratification_keeps_class_ratios():
    y = np.array([0] * 900 + [1] * 90 + [2] * 10, dtype=np.int64)
    train, val = split_indices(y, 0.2, stratify=True, seed=0)
    assert np.bincount(y[val]).tolist() == [180, 18, 2]
    assert np.bincount(y[train]).tolist() == [720, 72, 8]


def test_stratification_keeps_a_training_row_for_rare_classes():
    y = np.array([0] * 20 + [1], dtype=np.int64)
    train, val = split_indices(y, 0.9, stratify=True, seed=0)
    assert 20 in train and len(val) >= 1


def test_regression_targets_are_not_stratified_and_tiny_sets_still_split():
    y = np.linspace(0, 1, 10, dtype=np.float32).reshape(-1, 1)
    train, val = split_indices(y, 0.05, stratify=True, seed=0)
    assert len(val) == 1 and len(train) == 9
    with pytest.raises(DataError, match="at least 2 rows"):
        split_indices(y[:1], 0.5, stratify=True, seed=0)


def split_and_scale(x, y, fraction, stratify, standardize, seed):
    train, val = prepare_arrays(
        {"x": x, "y": y},
        floats=("x",),
        standardize=standardize,
        stratify_by="y",
        validation_fraction=fraction,
        stratify=stratify,
        seed=seed,
    )
    return train["x"], train["y"], val["x"], val["y"]


def test_standardization_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    x = rng.normal(5.0, 3.0, (200, 3)).astype(np.float32)
    x[:, 2] = 7.0  # a constant column must not divide by zero
    y = np.zeros(200, dtype=np.int64)
    x_train, y_train, x_val, _ = split_and_scale(x, y, 0.3, True, True, seed=0)
    assert np.allclose(x_train[:, :2].mean(axis=0), 0.0, atol=1e-5)
    assert np.allclose(x_train[:, :2].std(axis=0), 1.0, atol=1e-4)
    assert np.all(x_train[:, 2] == 0.0) and np.all(x_val[:, 2] == 0.0)
    # the validation part is scaled with the training mean and std, not its own
    raw_train, _, raw_val, _ = split_and_scale(x, y, 0.3, True, False, seed=0)
    mean = raw_train.mean(axis=0, dtype=np.float64)
    std = raw_train.std(axis=0, dtype=np.float64)
    assert np.allclose(x_val[:, :2], (raw_val[:, :2] - mean[:2]) / std[:2], atol=1e-5)
    assert not np.allclose(x_val[:, :2].mean(axis=0), 0.0, atol=1e-3)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64


def test_images_are_not_standardized():
    x = np.arange(4 * 1 * 2 * 2, dtype=np.float32).reshape(4, 1, 2, 2)
    x_train, _, x_val, _ = split_and_scale(x, np.arange(4) % 2, 0.5, True, True, seed=0)
    assert set(np.concatenate([x_train, x_val]).ravel().tolist()) == set(x.ravel().tolist())


def test_several_arrays_are_split_by_the_same_rows_and_tokens_stay_integers():
    rows = 40
    arrays = {
        "row": np.arange(rows).reshape(rows, 1),
        "meta": np.arange(rows * 2, dtype=np.float64).reshape(rows, 2),
        "label": np.arange(rows) % 2,
        "mask": np.arange(rows).reshape(rows, 1, 1) * np.ones((1, 2, 2), np.int64),
    }
    train, val = prepare_arrays(
        arrays, tokens=("row",), floats=("meta",), stratify_by="label", seed=3
    )
    assert len(train["row"]) + len(val["row"]) == rows
    assert train["row"].dtype == np.int64 and train["meta"].dtype == np.float32
    assert np.allclose(train["meta"].mean(axis=0), 0.0, atol=1e-5)  # standardized
    for part in (train, val):  # every array is split by the same rows
        row = part["row"][:, 0]
        assert np.array_equal(part["label"], row % 2)
        assert np.array_equal(part["mask"][:, 1, 1], row)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (np.array([[0.5, 1.0]]), "fractions"),
        (np.array([[-1, 2]]), "negative token ids"),
        (np.array([["a", "b"]]), "must hold numbers"),
    ],
)
def test_token_ids_must_be_whole_non_negative_numbers(values, message):
    with pytest.raises(DataError, match=message):
        token_ids(values, "ids")
    assert token_ids(np.array([[1.0, 2.0]]), "ids").dtype == np.int64


@settings(max_examples=40, deadline=None)
@given(
    labels=st.lists(st.integers(0, 4), min_size=2, max_size=200),
    fraction=st.floats(0.05, 0.9),
    stratify=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
)
def test_split_is_always_a_partition_with_both_parts(labels, fraction, stratify, seed):
    y = np.array(labels, dtype=np.int64)
    train, val = split_indices(y, fraction, stratify, seed)
    assert len(train) >= 1 and len(val) >= 1
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(len(y)))
    if stratify and max(np.bincount(y)) >= 2:
        assert set(y[train].tolist()) == set(labels)  # every class keeps a training row


def test_data_package_imports_neither_torch_nor_scikit_learn_nor_qt():
    code = (
        "import sys, designer.data\n"
        "heavy = {m.split('.')[0] for m in sys.modules} & {'torch', 'sklearn', 'PySide6'}\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
