"""Splitting and scaling, and the `PreparedData` record every data source ends up as.

`DataError` and the functions up to `split_and_scale` use only NumPy and each other, so
`designer.data.source` can copy their source text into an exported training script: the script
then splits and scales the data with the very same code as the application.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

TASKS = ("classification", "regression")
_PREVIEW_COLUMNS = 12


class DataError(ValueError):
    """The data cannot be loaded or used; the message is meant for the user."""


def is_class_labels(y: np.ndarray) -> bool:
    """Whether `y` holds class indices (1-D integers) rather than real-valued targets."""
    return y.ndim == 1 and y.dtype.kind in "iu"


def split_indices(
    y: np.ndarray, validation_fraction: float, stratify: bool, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled training and validation row indices.

    With `stratify`, each class is split on its own so both parts keep the class ratios; every
    class keeps at least one training row, and the validation part is never empty.
    """
    n = len(y)
    if n < 2:
        raise DataError(f"need at least 2 rows to split into training and validation, got {n}")
    rng = np.random.default_rng([seed, 1])
    if stratify and is_class_labels(y):
        parts = []
        for label in np.unique(y):
            rows = rng.permutation(np.flatnonzero(y == label))
            count = min(round(validation_fraction * len(rows)), len(rows) - 1)
            parts.append(rows[:count])
        val = np.concatenate(parts)
    else:
        val = rng.permutation(n)[: min(round(validation_fraction * n), n - 1)]
    if len(val) == 0:  # tiny data: take one row, from the largest class when stratifying
        candidates = np.arange(n)
        if stratify and is_class_labels(y):
            values, counts = np.unique(y, return_counts=True)
            candidates = np.flatnonzero(y == values[np.argmax(counts)])
        val = rng.permutation(candidates)[:1]
    is_train = np.ones(n, dtype=bool)
    is_train[val] = False
    return rng.permutation(np.flatnonzero(is_train)), rng.permutation(val)


def standardize_features(x_train: np.ndarray, x_val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale feature columns to zero mean and unit variance using training statistics only,
    so nothing about the validation rows leaks into training."""
    mean = x_train.mean(axis=0, dtype=np.float64)
    std = x_train.std(axis=0, dtype=np.float64)
    std[std == 0] = 1.0
    return (
        ((x_train - mean) / std).astype(np.float32),
        ((x_val - mean) / std).astype(np.float32),
    )


def split_and_scale(
    x: np.ndarray,
    y: np.ndarray,
    validation_fraction: float = 0.2,
    stratify: bool = True,
    standardize: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return x_train, y_train, x_val, y_val.

    Only flat feature vectors are standardized; images keep their scale, because
    per-pixel statistics would distort them.
    """
    train, val = split_indices(y, validation_fraction, stratify, seed)
    x_train, x_val = x[train], x[val]
    if standardize and x.ndim == 2:
        x_train, x_val = standardize_features(x_train, x_val)
    return x_train, y[train], x_val, y[val]


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


def _format(value: float) -> str:
    return f"{value:.4g}"


@dataclass(frozen=True, eq=False)
class PreparedData:
    """A loaded, split and scaled data set, ready for training.

    Arrays are read-only so one instance can safely be shared between the UI and a training
    thread. `x` is float32; `y` holds int64 class indices (classification) or float32 rows of
    shape (n, k) (regression).
    """

    name: str
    task: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    feature_shape: tuple[int, ...]
    num_classes: int | None = None
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError(f"unknown task {self.task!r}")
        for field in ("x_train", "y_train", "x_val", "y_val"):
            object.__setattr__(self, field, _frozen(getattr(self, field)))
        if len(self.x_train) != len(self.y_train) or len(self.x_val) != len(self.y_val):
            raise DataError("inputs and targets have different numbers of rows")

    @property
    def num_train(self) -> int:
        return len(self.x_train)

    @property
    def num_val(self) -> int:
        return len(self.x_val)

    @property
    def target_shape(self) -> tuple[int, ...]:
        """Per-sample target shape: () for class indices, (k,) for k regression outputs."""
        return tuple(self.y_train.shape[1:])

    def class_counts(self, part: str = "all") -> dict[str, int]:
        """Rows per class name in the "train", "val" or "all" part (empty for regression)."""
        if self.task != "classification" or self.num_classes is None:
            return {}
        parts = {"train": (self.y_train,), "val": (self.y_val,), "all": (self.y_train, self.y_val)}
        if part not in parts:
            raise ValueError(f"part must be 'train', 'val' or 'all', got {part!r}")
        labels = np.concatenate(parts[part])
        counts = np.bincount(labels, minlength=self.num_classes)
        return {self.class_name(i): int(c) for i, c in enumerate(counts)}

    def class_name(self, index: int) -> str:
        if 0 <= index < len(self.class_names):
            return self.class_names[index]
        return str(index)

    def preview(self, rows: int = 10) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        """Header and the first training rows as strings, for a preview table.

        Wide inputs show their first columns and then an ellipsis; images show a summary
        instead of pixels.
        """
        x, y = self.x_train[:rows], self.y_train[:rows]
        image = len(self.feature_shape) > 1
        if image:
            header = ["input"]
        else:
            names = list(self.feature_names) or [f"x{i}" for i in range(self.feature_shape[0])]
            header = names[:_PREVIEW_COLUMNS] + (["…"] if len(names) > _PREVIEW_COLUMNS else [])
        header.append("target")
        shape = "x".join(str(d) for d in self.feature_shape)
        table = []
        for sample, target in zip(x, y, strict=True):
            if image:
                cells = [f"{shape} image, mean {_format(float(sample.mean()))}"]
            else:
                cells = [_format(float(v)) for v in sample[:_PREVIEW_COLUMNS]]
                if len(sample) > _PREVIEW_COLUMNS:
                    cells.append("…")
            if self.task == "classification":
                cells.append(self.class_name(int(target)))
            else:
                cells.append(", ".join(_format(float(v)) for v in np.ravel(target)))
            table.append(tuple(cells))
        return tuple(header), table

    def summary(self) -> Mapping[str, object]:
        """Key facts for display (read-only mapping)."""
        return types.MappingProxyType(
            {
                "name": self.name,
                "task": self.task,
                "train rows": self.num_train,
                "validation rows": self.num_val,
                "input shape": self.feature_shape,
                "classes": self.num_classes,
            }
        )
