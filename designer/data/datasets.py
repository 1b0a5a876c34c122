"""Built-in data sets and `load_dataset`, the one entry point from settings to `PreparedData`.

Each source is produced by a *portable* function (NumPy only, or a scikit-learn loader imported
inside the function so the application starts fast). `dataset_recipe` says which function to
call with which arguments; `load_dataset` calls it and `designer.data.source` writes the same
call, plus the function's own source text, into exported scripts, so both always agree.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import numpy as np

from designer.data.prepare import DataError, PreparedData, is_class_labels, split_and_scale
from designer.data.tabular import load_npz_arrays, read_csv_table
from designer.model.settings import DATA_SOURCES, DataSettings

# --- portable generators of synthetic sets ---------------------------------------------------


def make_moons(samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, labels 0 and 1."""
    rng = np.random.default_rng(seed)
    y = np.arange(samples) % 2
    angle = rng.uniform(0.0, np.pi, samples)
    x = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x[y == 1] = 1.0 - x[y == 1] - [0.0, 0.5]
    x += rng.normal(0.0, noise, x.shape)
    return x.astype(np.float32), y.astype(np.int64)


def make_circles(samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (label 1) inside a large one (label 0)."""
    rng = np.random.default_rng(seed)
    y = np.arange(samples) % 2
    angle = rng.uniform(0.0, 2.0 * np.pi, samples)
    radius = np.where(y == 1, 0.5, 1.0)
    x = np.stack([np.cos(angle), np.sin(angle)], axis=1) * radius[:, None]
    x += rng.normal(0.0, noise, x.shape)
    return x.astype(np.float32), y.astype(np.int64)


def make_xor(samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in a square, labelled 1 where exactly one coordinate is positive."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (samples, 2))
    y = (x[:, 0] > 0) != (x[:, 1] > 0)
    x += rng.normal(0.0, noise, x.shape)
    return x.astype(np.float32), y.astype(np.int64)


def make_spirals(samples: int, noise: float, arms: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`arms` interleaved spirals of 1.5 turns each, one class per arm."""
    rng = np.random.default_rng(seed)
    y = np.arange(samples) % arms
    t = rng.uniform(0.05, 1.0, samples)
    angle = 3.0 * np.pi * t + 2.0 * np.pi * y / arms
    x = np.stack([np.cos(angle), np.sin(angle)], axis=1) * t[:, None]
    x += rng.normal(0.0, noise * 0.5, x.shape)
    return x.astype(np.float32), y.astype(np.int64)


def make_blobs(
    samples: int, noise: float, centers: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters around `centers` points on a circle; more noise widens them."""
    rng = np.random.default_rng(seed)
    y = np.arange(samples) % centers
    angle = 2.0 * np.pi * np.arange(centers) / centers
    middle = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = middle[y] + rng.normal(0.0, 0.3 + noise, (samples, 2))
    return x.astype(np.float32), y.astype(np.int64)


def make_regression1d(samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(3x) plus Gaussian noise, for x uniform in [-1.5, 1.5]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, (samples, 1))
    y = np.sin(3.0 * x) + rng.normal(0.0, noise, x.shape)
    return x.astype(np.float32), y.astype(np.float32)


# --- portable loaders of scikit-learn's bundled sets (no download) ---------------------------


def load_iris_data() -> tuple[np.ndarray, np.ndarray]:
    """Iris flowers: 4 measurements, 3 species."""
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    return x.astype(np.float32), y.astype(np.int64)


def load_wine_data() -> tuple[np.ndarray, np.ndarray]:
    """Wine: 13 chemical measurements, 3 cultivars."""
    from sklearn.datasets import load_wine

    x, y = load_wine(return_X_y=True)
    return x.astype(np.float32), y.astype(np.int64)


def load_breast_cancer_data() -> tuple[np.ndarray, np.ndarray]:
    """Breast cancer: 30 tumour features, malignant (0) or benign (1)."""
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    return x.astype(np.float32), y.astype(np.int64)


def load_digits_data() -> tuple[np.ndarray, np.ndarray]:
    """Handwritten digits as 64 pixel features scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return (x / 16.0).astype(np.float32), y.astype(np.int64)


def load_digits_images() -> tuple[np.ndarray, np.ndarray]:
    """Handwritten digits as 1x8x8 images scaled to [0, 1], for convolutional models."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return (x / 16.0).reshape(-1, 1, 8, 8).astype(np.float32), y.astype(np.int64)


def load_diabetes_data() -> tuple[np.ndarray, np.ndarray]:
    """Diabetes progression (regression): 10 scaled features, one real-valued target."""
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    return x.astype(np.float32), y.reshape(-1, 1).astype(np.float32)


# --- descriptions and recipes ----------------------------------------------------------------


@dataclass(frozen=True)
class SourceInfo:
    """What a source is and which `DataSettings` fields matter for it (for the UI)."""

    label: str
    description: str
    settings: tuple[str, ...] = ()


_SYNTHETIC = ("samples", "noise", "seed")
SOURCES: Mapping[str, SourceInfo] = {
    "moons": SourceInfo("Two moons", "two interleaving half circles", _SYNTHETIC),
    "circles": SourceInfo("Circles", "a circle inside a circle", _SYNTHETIC),
    "xor": SourceInfo("XOR", "four quadrants, opposite ones share a class", _SYNTHETIC),
    "spirals": SourceInfo("Spirals", "one spiral arm per class", (*_SYNTHETIC, "classes")),
    "blobs": SourceInfo("Blobs", "Gaussian clusters, one per class", (*_SYNTHETIC, "classes")),
    "regression1d": SourceInfo("Sine curve", "y = sin(3x) + noise (regression)", _SYNTHETIC),
    "iris": SourceInfo("Iris", "150 flowers, 4 features, 3 species"),
    "wine": SourceInfo("Wine", "178 wines, 13 features, 3 cultivars"),
    "breast_cancer": SourceInfo("Breast cancer", "569 tumours, 30 features, 2 classes"),
    "digits": SourceInfo("Digits (features)", "1797 8x8 digits as 64 features"),
    "digits_images": SourceInfo("Digits (images)", "1797 digits as 1x8x8 images"),
    "diabetes": SourceInfo("Diabetes", "442 patients, 10 features (regression)"),
    "csv": SourceInfo(
        "CSV file", "a table with a header row", ("path", "target_column", "drop_missing")
    ),
    "npz": SourceInfo("NumPy .npz file", "arrays named x and y", ("path",)),
}

_LOADERS: dict[str, Callable[..., tuple]] = {
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spirals": make_spirals,
    "blobs": make_blobs,
    "regression1d": make_regression1d,
    "iris": load_iris_data,
    "wine": load_wine_data,
    "breast_cancer": load_breast_cancer_data,
    "digits": load_digits_data,
    "digits_images": load_digits_images,
    "diabetes": load_diabetes_data,
    "csv": read_csv_table,
    "npz": load_npz_arrays,
}


@dataclass(frozen=True)
class Recipe:
    """A call of a portable loader: `function(**arguments, seed=seed)` gives the raw arrays;
    loaders of files also return feature and class names (`with_names`)."""

    function: Callable[..., tuple]
    arguments: Mapping[str, Any] = field(default_factory=dict)
    seeded: bool = False
    with_names: bool = False

    def call(self, seed: int) -> tuple:
        extra = {"seed": seed} if self.seeded else {}
        return self.function(**self.arguments, **extra)


def dataset_recipe(settings: DataSettings) -> Recipe:
    """Which portable loader reads `settings.source`, and with which arguments."""
    if settings.source not in DATA_SOURCES:
        raise DataError(f"unknown data source {settings.source!r}")
    function = _LOADERS[settings.source]
    wanted = inspect.signature(function).parameters
    values = {
        "samples": settings.samples,
        "noise": settings.noise,
        "arms": settings.classes,
        "centers": settings.classes,
        "path": settings.path,
        "target_column": settings.target_column,
        "drop_missing": settings.drop_missing,
    }
    arguments = {name: value for name, value in values.items() if name in wanted}
    with_names = settings.source in ("csv", "npz")
    return Recipe(function, arguments, seeded="seed" in wanted, with_names=with_names)


def split_options(settings: DataSettings) -> dict[str, Any]:
    """Keyword arguments of `split_and_scale` (besides the arrays) for these settings."""
    return {
        "validation_fraction": settings.validation_fraction,
        "stratify": settings.stratify,
        "standardize": settings.standardize,
        "seed": settings.seed,
    }


@functools.lru_cache(maxsize=16)
def _sklearn_names(source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    import sklearn.datasets

    name = "digits" if source.startswith("digits") else source
    bunch = getattr(sklearn.datasets, f"load_{name}")()
    features = () if source == "digits_images" else tuple(str(f) for f in bunch.feature_names)
    classes = tuple(str(c) for c in getattr(bunch, "target_names", ()))
    return features, classes


def _builtin_names(settings: DataSettings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    source = settings.source
    if source == "regression1d":
        return ("x",), ()
    if source in ("spirals", "blobs"):
        return ("x1", "x2"), tuple(str(i) for i in range(settings.classes))
    if source in ("moons", "circles", "xor"):
        return ("x1", "x2"), ("0", "1")
    return _sklearn_names(source)


def load_dataset(settings: DataSettings) -> PreparedData:
    """Load, split and (optionally) standardize the data set that `settings` describe.

    Raises `DataError` with a message for the user when the data cannot be used.
    """
    recipe = dataset_recipe(settings)
    if recipe.with_names:
        x, y, feature_names, class_names = recipe.call(settings.seed)
    else:
        x, y = recipe.call(settings.seed)
        feature_names, class_names = _builtin_names(settings)
    x_train, y_train, x_val, y_val = split_and_scale(x, y, **split_options(settings))
    classification = is_class_labels(y)
    num_classes = None
    if classification:
        num_classes = max(len(class_names), int(y.max()) + 1 if len(y) else 0)
    return PreparedData(
        name=settings.source if settings.source not in ("csv", "npz") else _file_name(settings),
        task="classification" if classification else "regression",
        x_train=x_train,
        y_train=y_train,
        x_val=x_val,
        y_val=y_val,
        feature_shape=tuple(int(d) for d in x.shape[1:]),
        num_classes=num_classes,
        class_names=tuple(class_names),
        feature_names=tuple(feature_names),
    )


def _file_name(settings: DataSettings) -> str:
    return PurePath(settings.path).name or settings.source
