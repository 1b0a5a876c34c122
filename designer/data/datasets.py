"""Built-in data sets and `load_dataset`, the one entry point from settings to `PreparedData`.

Each source is produced by a *portable* function (NumPy only, or a scikit-learn loader imported
inside the function so the application starts fast). `dataset_recipe` says which function to
call with which arguments; `load_dataset` calls it and `designer.data.source` writes the same
call, plus the function's own source text, into exported scripts, so both always agree.
What arrays a design reads (one per Input and Output, token ids, image sizes) comes from its
`DataLayout`.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import numpy as np

from designer.data.images import image_info, scan_image_folder
from designer.data.layout import DEFAULT_LAYOUT, DataLayout
from designer.data.npz import load_npz_arrays
from designer.data.prepare import DataError, InputInfo, PreparedData, TargetInfo, prepare_arrays
from designer.data.tabular import read_csv_table
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
_FOLDER = ("path", "augment", "workers")
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
    "npz": SourceInfo(
        "NumPy .npz file", "arrays x and y, or one array per Input and Output", ("path",)
    ),
    "image_folder": SourceInfo("Image folder", "one sub-folder of images per class", _FOLDER),
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
    "image_folder": scan_image_folder,
}
# What each kind of loader returns: (x, y); (x, y, feature names, class names);
# (arrays, feature names, class names by target); (arrays, class names by target).
PAIR, TABLE, ARRAYS, FOLDER = "pair", "table", "arrays", "folder"
_FORMS = {"csv": TABLE, "npz": ARRAYS, "image_folder": FOLDER}


@dataclass(frozen=True)
class Recipe:
    """A call of a portable loader: `function(**arguments, seed=seed)` gives the raw arrays
    in the loader's ``form`` (see `PAIR` and the others)."""

    function: Callable[..., tuple]
    arguments: Mapping[str, Any] = field(default_factory=dict)
    seeded: bool = False
    form: str = PAIR

    def call(self, seed: int) -> tuple:
        extra = {"seed": seed} if self.seeded else {}
        return self.function(**self.arguments, **extra)

    def load(self, seed: int) -> tuple[dict[str, np.ndarray], list[str], dict[str, list[str]]]:
        """The arrays by name, feature names and class names by target, whatever the form."""
        result = self.call(seed)
        if self.form == PAIR:
            return {"x": result[0], "y": result[1]}, [], {}
        if self.form == TABLE:
            x, y, features, classes = result
            return {"x": x, "y": y}, list(features), {"y": list(classes)}
        if self.form == FOLDER:
            arrays, classes = result
            return arrays, [], classes
        return result


def resolve_path(path: str, folder: str | os.PathLike[str] | None) -> str:
    """A data path as written in a project, made absolute against the project's folder (a
    relative path then still works when the project and its data move together)."""
    expanded = os.path.expanduser(path)
    if folder is None or not expanded or os.path.isabs(expanded):
        return expanded
    return os.path.join(os.fspath(folder), expanded)


def dataset_recipe(
    settings: DataSettings, layout: DataLayout = DEFAULT_LAYOUT, folder: str | None = None
) -> Recipe:
    """Which portable loader reads `settings.source` for a design of ``layout``, and with
    which arguments; a `DataError` when that source cannot feed the layout."""
    if settings.source not in DATA_SOURCES:
        raise DataError(f"unknown data source {settings.source!r}")
    form = _FORMS.get(settings.source, PAIR)
    if form != ARRAYS and not layout.is_single:
        raise DataError(_needs_npz(settings.source, layout))
    function = _LOADERS[settings.source]
    wanted = inspect.signature(function).parameters
    values = {
        "samples": settings.samples,
        "noise": settings.noise,
        "arms": settings.classes,
        "centers": settings.classes,
        "path": resolve_path(settings.path, folder),
        "target_column": settings.target_column,
        "drop_missing": settings.drop_missing,
        "inputs": layout.input_names,
        "targets": layout.target_names,
    }
    arguments = {name: value for name, value in values.items() if name in wanted}
    return Recipe(function, arguments, seeded="seed" in wanted, form=form)


def _needs_npz(source: str, layout: DataLayout) -> str:
    def count(n: int, what: str) -> str:
        return f"{n} {what}{'s' * (n != 1)}"

    names = ", ".join(repr(n) for n in (*layout.input_names, *layout.target_names))
    kind = SOURCES[source].label if source in SOURCES else source
    return (
        f"{kind} gives one input and one target, but the design has "
        f"{count(len(layout.inputs), 'Input')} and {count(len(layout.outputs), 'Output')}; "
        f"use an .npz file with the arrays {names}"
    )


def split_options(settings: DataSettings, layout: DataLayout, kinds: Mapping[str, str]):
    """Keyword arguments of `prepare_arrays` (besides the arrays) for these settings:
    ``kinds`` maps each input array to "float", "tokens" or "files"."""
    return {
        "tokens": tuple(n for n in layout.input_names if kinds.get(n) == "tokens"),
        "floats": tuple(n for n in layout.input_names if kinds.get(n) == "float"),
        "standardize": settings.standardize,
        "stratify_by": layout.target_names[0] if layout.outputs else "",
        "validation_fraction": settings.validation_fraction,
        "stratify": settings.stratify,
        "seed": settings.seed,
    }


def input_kinds(settings: DataSettings, layout: DataLayout) -> dict[str, str]:
    """How each input array is read: image file paths, token ids, or real values."""
    if settings.source == "image_folder":
        return {name: "files" for name in layout.input_names}
    return {slot.name: "tokens" if slot.tokens else "float" for slot in layout.inputs}


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


def load_dataset(
    settings: DataSettings,
    layout: DataLayout = DEFAULT_LAYOUT,
    folder: str | os.PathLike[str] | None = None,
) -> PreparedData:
    """Load, split and (optionally) standardize the data set that `settings` describe, as
    the arrays a design of ``layout`` reads; relative paths are taken from ``folder`` (the
    project's). Raises `DataError` with a message for the user when the data cannot be used.
    """
    folder = os.fspath(folder) if folder is not None else None
    recipe = dataset_recipe(settings, layout, folder)
    arrays, feature_names, class_names = recipe.load(settings.seed)
    if recipe.form == PAIR:
        feature_names, names = _builtin_names(settings)
        class_names = {"y": list(names)}
    kinds = input_kinds(settings, layout)
    train, val = prepare_arrays(arrays, **split_options(settings, layout, kinds))
    path = recipe.arguments.get("path", "")
    inputs = tuple(
        _input_info(slot.name, kinds[slot.name], slot.dims, train, path, feature_names)
        for slot in layout.inputs
    )
    targets = tuple(_target_info(name, arrays[name], class_names) for name in layout.target_names)
    return PreparedData(
        name=settings.source if not path else _file_name(settings),
        inputs=inputs,
        targets=targets,
        train=train,
        val=val,
        source_key=(settings, layout.loading_key(), folder),
    )


def _input_info(
    name: str,
    kind: str,
    dims: tuple[int, ...],
    train: Mapping[str, np.ndarray],
    root: str,
    feature_names: list[str],
) -> InputInfo:
    if kind == "files":
        shape = dims if len(dims) == 3 else image_info(os.path.join(root, str(train[name][0])))
        return InputInfo(name, tuple(shape), kind, root=root)
    shape = tuple(int(d) for d in train[name].shape[1:])
    names = tuple(feature_names) if len(shape) == 1 and len(feature_names) == shape[0] else ()
    return InputInfo(name, shape, kind, feature_names=names)


def _target_info(name: str, array: np.ndarray, class_names: Mapping[str, list[str]]) -> TargetInfo:
    shape = tuple(int(d) for d in array.shape[1:])
    if array.dtype.kind not in "iu":
        return TargetInfo(name, "regression", shape)
    names = tuple(class_names.get(name, ()))
    count = max(len(names), int(array.max()) + 1 if array.size else 0)
    return TargetInfo(name, "classification", shape, count, names)


def _file_name(settings: DataSettings) -> str:
    return PurePath(settings.path).name or settings.source
