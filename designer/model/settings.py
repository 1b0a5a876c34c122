"""Data-set and training settings stored with a project.

These are plain, validated values (stdlib only) so that the project file layer can read and
write them without importing torch; `designer.data` and `designer.training` interpret them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from designer.catalog.objectives import OPTIMIZERS as OPTIMIZER_SPECS
from designer.catalog.objectives import SCHEDULES as SCHEDULE_SPECS

DATA_SOURCES = (
    "moons",
    "circles",
    "xor",
    "spirals",
    "blobs",
    "regression1d",
    "iris",
    "wine",
    "breast_cancer",
    "digits",
    "digits_images",
    "diabetes",
    "csv",
    "npz",
    "image_folder",
)
FILE_SOURCES = ("csv", "npz", "image_folder")
OPTIMIZERS = tuple(OPTIMIZER_SPECS)
SCHEDULES = tuple(SCHEDULE_SPECS)
DEVICES = ("auto", "cpu", "cuda", "mps")


class SettingsError(ValueError):
    """A settings value is missing, of the wrong type or out of range.

    `path` names the field (``"training.batch_size"``) so a file loader can report it.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class _Rule:
    kind: type
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


def _check(path: str, value: Any, rule: _Rule) -> Any:
    if rule.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    wrong_bool = rule.kind is not bool and isinstance(value, bool)
    if wrong_bool or not isinstance(value, rule.kind):
        raise SettingsError(path, f"expected {rule.kind.__name__}, got {type(value).__name__}")
    if rule.kind is float and not math.isfinite(value):
        raise SettingsError(path, "must be a finite number")
    if rule.low is not None and value < rule.low:
        raise SettingsError(path, f"must be at least {rule.low}, got {value}")
    if rule.high is not None and value > rule.high:
        raise SettingsError(path, f"must be at most {rule.high}, got {value}")
    if rule.choices and value not in rule.choices:
        raise SettingsError(path, f"must be one of {', '.join(rule.choices)}; got {value!r}")
    if rule.kind is str and len(value) > 4096:
        raise SettingsError(path, "is too long")
    return value


class _SettingsBase:
    """Shared to_dict/from_dict with per-field validation (rules in each field's metadata)."""

    _section = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = _check(f"{self._section}.{f.name}", getattr(self, f.name), f.metadata["rule"])
            object.__setattr__(self, f.name, value)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: Any, section: str | None = None):
        """Build from a (possibly partial) mapping; unknown keys are errors, missing keys
        take defaults so older files stay readable."""
        section = section or cls._section
        if not isinstance(data, dict):
            raise SettingsError(section, f"expected an object, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for key in data:
            if key not in names:
                raise SettingsError(f"{section}.{key}", "unknown setting")
        return cls(**data)

    def replace(self, **changes: Any):
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


def _f(default: Any, kind: type, low=None, high=None, choices=()) -> Any:
    return field(default=default, metadata={"rule": _Rule(kind, low, high, tuple(choices))})


@dataclass(frozen=True)
class DataSettings(_SettingsBase):
    """Which data set a project trains on and how it is split and scaled."""

    _section = "data"

    source: str = _f("moons", str, choices=DATA_SOURCES)
    samples: int = _f(500, int, 10, 1_000_000)
    noise: float = _f(0.1, float, 0.0, 10.0)
    classes: int = _f(3, int, 2, 100)
    path: str = _f("", str)
    target_column: str = _f("", str)
    drop_missing: bool = _f(False, bool)
    validation_fraction: float = _f(0.2, float, 0.05, 0.9)
    stratify: bool = _f(True, bool)
    standardize: bool = _f(True, bool)
    augment: bool = _f(False, bool)
    workers: int = _f(2, int, 0, 64)
    seed: int = _f(0, int, 0, 2**31 - 1)


@dataclass(frozen=True)
class TrainingSettings(_SettingsBase):
    """Hyperparameters of a training run."""

    _section = "training"

    optimizer: str = _f("adam", str, choices=OPTIMIZERS)
    learning_rate: float = _f(1e-3, float, 1e-8, 10.0)
    momentum: float = _f(0.9, float, 0.0, 0.999)
    nesterov: bool = _f(False, bool)
    weight_decay: float = _f(0.0, float, 0.0, 1.0)
    schedule: str = _f("none", str, choices=SCHEDULES)
    step_size: int = _f(10, int, 1, 100_000)
    gamma: float = _f(0.5, float, 0.0, 1.0)
    batch_size: int = _f(32, int, 1, 65_536)
    epochs: int = _f(20, int, 1, 100_000)
    early_stopping: bool = _f(False, bool)
    patience: int = _f(5, int, 1, 10_000)
    grad_clip: float = _f(0.0, float, 0.0, 1e6)
    seed: int = _f(0, int, 0, 2**31 - 1)
    device: str = _f("auto", str, choices=DEVICES)


def setting_rule(name: str, section: type[_SettingsBase] = TrainingSettings) -> _Rule:
    """The type, range or choices of one setting (a sweep draws its values within them)."""
    for f in dataclasses.fields(section):  # type: ignore[arg-type]
        if f.name == name:
            return f.metadata["rule"]
    raise KeyError(name)
