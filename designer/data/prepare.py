"""Splitting and scaling, and the `PreparedData` record every data source ends up as.

`DataError` and the functions up to `prepare_arrays` use only NumPy and each other, so
`designer.data.source` can copy their source text into an exported training script: the script
then splits and scales the data with the very same code as the application.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

TASKS = ("classification", "regression")
INPUT_KINDS = ("float", "tokens", "files")


class DataError(ValueError):
    """The data cannot be loaded or used; the message is meant for the user."""


def is_class_labels(y: np.ndarray) -> bool:
    """Whether `y` holds one class index per sample (1-D integers), so it can stratify."""
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


def token_ids(array: np.ndarray, name: str) -> np.ndarray:
    """The array as int64 token ids: integers, or whole numbers stored as floats."""
    if array.dtype.kind not in "biuf":
        raise DataError(f"array {name!r} must hold numbers to be used as token ids")
    if array.dtype.kind == "f" and not np.all(array == np.round(array)):
        raise DataError(f"array {name!r} holds fractions, but its Input takes whole token ids")
    ids = array.astype(np.int64)
    if ids.size and ids.min() < 0:
        raise DataError(f"array {name!r} holds negative token ids; ids start at 0")
    return ids


def prepare_arrays(
    arrays: dict[str, np.ndarray],
    tokens: tuple[str, ...] = (),
    floats: tuple[str, ...] = (),
    standardize: bool = True,
    stratify_by: str = "",
    validation_fraction: float = 0.2,
    stratify: bool = True,
    seed: int = 0,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Split named arrays (one row per sample) into training and validation parts.

    Arrays in ``tokens`` become int64 ids and arrays in ``floats`` float32; with
    ``standardize``, the flat feature arrays among ``floats`` are scaled with training
    statistics (images and sequences keep their values). The split is stratified by the
    class labels in ``stratify_by``, when it holds one label per sample.
    """
    arrays = dict(arrays)
    for name in tokens:
        arrays[name] = token_ids(arrays[name], name)
    for name in floats:
        arrays[name] = arrays[name].astype(np.float32)
    labels = arrays[stratify_by] if stratify_by else next(iter(arrays.values()))
    train_rows, val_rows = split_indices(labels, validation_fraction, stratify, seed)
    train = {name: array[train_rows] for name, array in arrays.items()}
    val = {name: array[val_rows] for name, array in arrays.items()}
    for name in floats if standardize else ():
        if train[name].ndim == 2:
            train[name], val[name] = standardize_features(train[name], val[name])
    return train, val


# ----------------------------------------------------------------- the prepared record
def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class InputInfo:
    """One input array: its name, per-sample shape and kind.

    ``kind`` is "float" (features, images, sequences), "tokens" (int64 ids) or "files"
    (paths of images under ``root``, decoded to ``shape`` while training).
    """

    name: str
    shape: tuple[int, ...]
    kind: str = "float"
    feature_names: tuple[str, ...] = ()
    root: str = ""


@dataclass(frozen=True)
class TargetInfo:
    """One target array: class indices (classification) or real values (regression)."""

    name: str
    task: str
    shape: tuple[int, ...]
    num_classes: int | None = None
    class_names: tuple[str, ...] = ()

    def class_name(self, index: int) -> str:
        if 0 <= index < len(self.class_names):
            return self.class_names[index]
        return str(index)


@dataclass(frozen=True, eq=False)
class PreparedData:
    """A loaded, split and scaled data set, ready for training.

    ``train`` and ``val`` map array names to read-only arrays (one row per sample), so one
    instance can safely be shared between the UI and a training thread. Inputs are float32,
    int64 token ids or image file paths; targets are int64 class indices (one per sample or
    per position) or float32 values. The ``x_*``/``y_*`` and other single-array properties
    describe the first input and the first target.
    """

    name: str
    inputs: tuple[InputInfo, ...]
    targets: tuple[TargetInfo, ...]
    train: Mapping[str, np.ndarray]
    val: Mapping[str, np.ndarray]
    source_key: tuple = field(default=(), compare=False)

    def __post_init__(self) -> None:
        for info in self.targets:
            if info.task not in TASKS:
                raise DataError(f"unknown task {info.task!r}")
        names = [*self.input_names, *self.target_names]
        for part in ("train", "val"):
            arrays = getattr(self, part)
            missing = [name for name in names if name not in arrays]
            if missing:
                raise DataError(f"the data has no array named {missing[0]!r}")
            frozen = {name: _frozen(arrays[name]) for name in names}
            if len({len(a) for a in frozen.values()}) > 1:
                raise DataError("the arrays of the data set have different numbers of rows")
            object.__setattr__(self, part, types.MappingProxyType(frozen))

    @classmethod
    def from_xy(
        cls,
        name: str,
        task: str,
        x_train: np.ndarray,
        y_train: np.ndarray,
        x_val: np.ndarray,
        y_val: np.ndarray,
        num_classes: int | None = None,
        class_names: tuple[str, ...] = (),
        feature_names: tuple[str, ...] = (),
    ) -> PreparedData:
        """A set of one input ``x`` and one target ``y`` (real values or token ids)."""
        kind = "tokens" if x_train.dtype.kind in "iu" else "float"
        shape = tuple(int(d) for d in x_train.shape[1:])
        return cls(
            name=name,
            inputs=(InputInfo("x", shape, kind, tuple(feature_names)),),
            targets=(
                TargetInfo("y", task, tuple(y_train.shape[1:]), num_classes, tuple(class_names)),
            ),
            train={"x": x_train, "y": y_train},
            val={"x": x_val, "y": y_val},
        )

    # ------------------------------------------------------------- names and parts
    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(info.name for info in self.inputs)

    @property
    def target_names(self) -> tuple[str, ...]:
        return tuple(info.name for info in self.targets)

    def input(self, name: str) -> InputInfo:
        return next(info for info in self.inputs if info.name == name)

    def target(self, name: str) -> TargetInfo:
        return next(info for info in self.targets if info.name == name)

    @property
    def num_train(self) -> int:
        return len(self.train[self.target_names[0]])

    @property
    def num_val(self) -> int:
        return len(self.val[self.target_names[0]])

    @property
    def has_files(self) -> bool:
        return any(info.kind == "files" for info in self.inputs)

    # ------------------------------------------------- the first input and target
    @property
    def x_train(self) -> np.ndarray:
        return self.train[self.input_names[0]]

    @property
    def y_train(self) -> np.ndarray:
        return self.train[self.target_names[0]]

    @property
    def x_val(self) -> np.ndarray:
        return self.val[self.input_names[0]]

    @property
    def y_val(self) -> np.ndarray:
        return self.val[self.target_names[0]]

    @property
    def feature_shape(self) -> tuple[int, ...]:
        return self.inputs[0].shape

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.inputs[0].feature_names

    @property
    def task(self) -> str:
        return self.targets[0].task

    @property
    def num_classes(self) -> int | None:
        return self.targets[0].num_classes

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.targets[0].class_names

    @property
    def target_shape(self) -> tuple[int, ...]:
        """Per-sample shape of the first target: () for one class index per sample."""
        return self.targets[0].shape

    def class_name(self, index: int) -> str:
        return self.targets[0].class_name(index)

    def class_counts(self, part: str = "all") -> dict[str, int]:
        """Labels per class name of the first target in the "train", "val" or "all" part
        (empty for regression); dense targets count every position."""
        target = self.targets[0]
        if target.task != "classification" or target.num_classes is None:
            return {}
        parts = {"train": (self.train,), "val": (self.val,), "all": (self.train, self.val)}
        if part not in parts:
            raise ValueError(f"part must be 'train', 'val' or 'all', got {part!r}")
        labels = np.concatenate([np.ravel(arrays[target.name]) for arrays in parts[part]])
        counts = np.bincount(labels, minlength=target.num_classes)
        return {target.class_name(i): int(c) for i, c in enumerate(counts)}
