"""Built-in data sets: shapes, dtypes, determinism, and `PreparedData` helpers."""

import numpy as np
import pytest

from designer.data import SOURCES, DataError, PreparedData, load_dataset
from designer.model.settings import DATA_SOURCES, DataSettings

BUILTIN = [s for s in DATA_SOURCES if s not in ("csv", "npz", "image_folder")]

EXPECTED = {
    # source: (feature shape, task, number of classes, total rows)
    "moons": ((2,), "classification", 2, 300),
    "circles": ((2,), "classification", 2, 300),
    "xor": ((2,), "classification", 2, 300),
    "spirals": ((2,), "classification", 4, 300),
    "blobs": ((2,), "classification", 4, 300),
    "regression1d": ((1,), "regression", None, 300),
    "iris": ((4,), "classification", 3, 150),
    "wine": ((13,), "classification", 3, 178),
    "breast_cancer": ((30,), "classification", 2, 569),
    "digits": ((64,), "classification", 10, 1797),
    "digits_images": ((1, 8, 8), "classification", 10, 1797),
    "diabetes": ((10,), "regression", None, 442),
}


@pytest.mark.parametrize("source", BUILTIN)
def test_every_builtin_source_loads_with_right_shapes_and_dtypes(source):
    data = load_dataset(DataSettings(source=source, samples=300, classes=4))
    shape, task, classes, rows = EXPECTED[source]
    assert data.feature_shape == shape
    assert data.task == task
    assert data.num_classes == classes
    assert data.num_train + data.num_val == rows
    assert data.x_train.shape[1:] == data.x_val.shape[1:] == shape
    assert data.x_train.dtype == data.x_val.dtype == np.float32
    if task == "classification":
        assert data.y_train.dtype == np.int64 and data.y_train.ndim == 1
        assert len(data.class_names) == classes
        assert set(np.unique(data.y_train)) <= set(range(classes))
        assert data.target_shape == ()
    else:
        assert data.y_train.dtype == np.float32 and data.y_train.shape[1:] == (1,)
        assert data.target_shape == (1,)
    assert np.all(np.isfinite(data.x_train))
    assert 0.15 < data.num_val / rows < 0.25
    assert source in SOURCES


def test_synthetic_sets_depend_on_seed_size_and_noise():
    base = DataSettings(source="moons", samples=200, noise=0.1, seed=3)
    a, b = load_dataset(base), load_dataset(base)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.x_train, load_dataset(base.replace(seed=4)).x_train)
    assert load_dataset(base.replace(samples=100)).num_train == 80
    quiet = load_dataset(base.replace(noise=0.0, standardize=False))
    radius = np.linalg.norm(quiet.x_train[quiet.y_train == 0], axis=1)
    assert np.allclose(radius, 1.0, atol=1e-5)  # the outer moon is on the unit circle


def test_circles_without_noise_have_two_radii():
    data = load_dataset(DataSettings(source="circles", noise=0.0, standardize=False))
    radius = np.linalg.norm(data.x_train, axis=1)
    assert np.allclose(radius[data.y_train == 0], 1.0, atol=1e-5)
    assert np.allclose(radius[data.y_train == 1], 0.5, atol=1e-5)


def test_xor_labels_follow_quadrants_without_noise():
    data = load_dataset(DataSettings(source="xor", noise=0.0, standardize=False))
    x, y = data.x_train, data.y_train
    assert np.array_equal(y, ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(np.int64))


def test_regression1d_follows_sine_without_noise():
    data = load_dataset(DataSettings(source="regression1d", noise=0.0, standardize=False))
    assert np.allclose(data.y_train[:, 0], np.sin(3 * data.x_train[:, 0]), atol=1e-5)


def test_digit_images_are_scaled_to_unit_range_and_not_standardized():
    data = load_dataset(DataSettings(source="digits_images", standardize=True))
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0


def test_arrays_are_read_only():
    data = load_dataset(DataSettings(source="moons", samples=50))
    with pytest.raises(ValueError):
        data.x_train[0, 0] = 1.0


def test_class_counts_by_part():
    data = load_dataset(DataSettings(source="iris"))
    assert data.class_counts() == {"setosa": 50, "versicolor": 50, "virginica": 50}
    assert sum(data.class_counts("val").values()) == data.num_val
    assert data.class_counts("train")["setosa"] == 40
    with pytest.raises(ValueError):
        data.class_counts("test")
    assert load_dataset(DataSettings(source="diabetes")).class_counts() == {}


def test_prepared_data_rejects_mismatched_rows_and_unknown_task():
    x, y = np.zeros((4, 2), np.float32), np.zeros(3, np.int64)
    with pytest.raises(DataError, match="different numbers of rows"):
        PreparedData.from_xy("t", "classification", x, y, x, y)
    with pytest.raises(DataError, match="unknown task"):
        PreparedData.from_xy("t", "ranking", x, y[:4], x, y[:4])
