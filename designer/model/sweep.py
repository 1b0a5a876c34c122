"""The search space of a sweep: which training settings and layer parameters vary, and how.

A `SweepSettings` is saved with the project (the ``sweep`` section of a project file), so
the space picked in the window is the one ``nn-designer sweep`` runs, on any machine. It
is plain data, checked like the other settings: `SweepSettings.from_dict` checks each
value's type and range. How a space meets a design (its dimensions made from layers, its
problems on a design, a trial's values applied back) is `designer.model.sweep_design`.
Nothing here knows Optuna: the training layer turns a space into distributions.

# NOTE: a parameter is addressed by node id and parameter name, never by anything
# special to a kind of layer, so any whole-number, real, yes/no or choice parameter of
# any layer (a block's repeat count, once blocks exist, included) is just another
# dimension; training settings are addressed with an empty node id.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from designer.model.settings import SettingsError

if TYPE_CHECKING:  # the project holds a sweep, so the import goes the other way
    pass

FLOAT, INT, CHOICE = "float", "int", "choice"
KINDS = (FLOAT, INT, CHOICE)
SAMPLERS = ("tpe", "grid")
DEFAULT_METRIC = "val_loss"
GRID_POINTS = 5  # values a grid tries of a whole-number or real range
MAX_PARAMETERS = 32
MAX_CHOICES = 64
MAX_TRIALS = 100_000
_MAX_TEXT = 200

Choice = str | bool

#: Training settings a sweep may vary, with the range it starts from (narrower than the
#: setting's own limits: the region where a search usually pays off).
SETTING_RANGES: Mapping[str, tuple[float, float, bool]] = {
    "learning_rate": (1e-4, 1e-1, True),
    "momentum": (0.5, 0.99, False),
    "weight_decay": (1e-6, 1e-2, True),
    "batch_size": (16, 256, True),
    "epochs": (5, 50, False),
    "step_size": (2, 20, False),
    "gamma": (0.1, 0.9, False),
    "patience": (2, 10, False),
    "grad_clip": (0.1, 10.0, True),
}
SETTING_CHOICES = ("optimizer", "schedule", "nesterov", "early_stopping")
SWEEPABLE_SETTINGS = (*SETTING_RANGES, *SETTING_CHOICES)


class SweepError(ValueError):
    """A sweep cannot use this space or these values; the message names the parameter."""


@dataclass(frozen=True)
class SweepParam:
    """One dimension: a training setting (``node == ""``) or a layer's parameter, varied
    over ``low``..``high`` (``log``: evenly in the logarithm, as learning rates are
    searched) or over ``choices``."""

    node: str
    name: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    choices: tuple[Choice, ...] = ()

    @property
    def key(self) -> str:
        """The name of the dimension in a study: ``training.learning_rate``, ``n3.units``."""
        return f"{self.node or 'training'}.{self.name}"

    def to_dict(self) -> dict[str, Any]:
        values: dict[str, Any] = {"node": self.node, "name": self.name, "kind": self.kind}
        if self.kind == CHOICE:
            values["choices"] = list(self.choices)
        else:
            values.update(low=self.low, high=self.high, log=self.log)
        return values

    def replace(self, **changes: Any) -> SweepParam:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class SweepSettings:
    """What a project's sweep searches, for which metric, with which sampler and budget."""

    parameters: tuple[SweepParam, ...] = ()
    metric: str = DEFAULT_METRIC
    sampler: str = "tpe"
    trials: int = 20
    pruning: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", tuple(self.parameters))
        keys = [p.key for p in self.parameters]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                raise SettingsError(f"sweep.parameters[{index}]", f"{key} appears twice")

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": [p.to_dict() for p in self.parameters],
            "metric": self.metric,
            "sampler": self.sampler,
            "trials": self.trials,
            "pruning": self.pruning,
        }

    def replace(self, **changes: Any) -> SweepSettings:
        return dataclasses.replace(self, **changes)

    def param(self, key: str) -> SweepParam | None:
        return next((p for p in self.parameters if p.key == key), None)

    @classmethod
    def from_dict(cls, data: Any, section: str = "sweep") -> SweepSettings:
        """Check and build from a (possibly partial) mapping; errors name the field."""
        fields = {"parameters", "metric", "sampler", "trials", "pruning"}
        _object(data, section, fields)
        items = data.get("parameters", [])
        if not isinstance(items, list | tuple):
            raise SettingsError(f"{section}.parameters", "expected a list")
        if len(items) > MAX_PARAMETERS:
            raise SettingsError(f"{section}.parameters", f"at most {MAX_PARAMETERS} parameters")
        metric = data.get("metric", DEFAULT_METRIC)
        if not isinstance(metric, str) or not metric.strip() or len(metric) > _MAX_TEXT:
            raise SettingsError(f"{section}.metric", "expected the name of a metric")
        sampler = data.get("sampler", "tpe")
        if sampler not in SAMPLERS:
            raise SettingsError(f"{section}.sampler", f"must be one of {', '.join(SAMPLERS)}")
        trials = data.get("trials", 20)
        if isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= MAX_TRIALS:
            raise SettingsError(f"{section}.trials", f"expected 1 to {MAX_TRIALS} trials")
        pruning = data.get("pruning", True)
        if not isinstance(pruning, bool):
            raise SettingsError(f"{section}.pruning", "expected true or false")
        parameters = tuple(
            param_from_dict(item, f"{section}.parameters[{i}]") for i, item in enumerate(items)
        )
        return cls(parameters, metric, sampler, trials, pruning)


def _object(data: Any, path: str, fields: set[str]) -> None:
    if not isinstance(data, dict):
        raise SettingsError(path, f"expected an object, got {type(data).__name__}")
    for key in data:
        if key not in fields:
            raise SettingsError(f"{path}.{key}", "unknown setting")


def param_from_dict(data: Any, path: str) -> SweepParam:
    """One dimension from its saved form, every value checked (see `check_param`)."""
    _object(data, path, {"node", "name", "kind", "low", "high", "log", "choices"})
    for key in ("node", "name", "kind"):
        value = data.get(key)
        if not isinstance(value, str) or len(value) > _MAX_TEXT:
            raise SettingsError(f"{path}.{key}", "expected a short text")
    if data["kind"] not in KINDS:
        raise SettingsError(f"{path}.kind", f"must be one of {', '.join(KINDS)}")
    if data["kind"] == CHOICE:
        choices = data.get("choices")
        if not isinstance(choices, list | tuple):
            raise SettingsError(f"{path}.choices", "expected a list of choices")
        param = SweepParam(data["node"], data["name"], CHOICE, choices=tuple(choices))
    else:
        for key in ("low", "high"):
            value = data.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SettingsError(f"{path}.{key}", "expected a number")
        log = data.get("log", False)
        if not isinstance(log, bool):
            raise SettingsError(f"{path}.log", "expected true or false")
        param = SweepParam(data["node"], data["name"], data["kind"], data["low"], data["high"], log)
    check_param(param, path)
    if param.kind == INT:
        return param.replace(low=int(param.low), high=int(param.high))
    if param.kind == FLOAT:
        return param.replace(low=float(param.low), high=float(param.high))
    return param


def check_param(param: SweepParam, path: str = "sweep") -> None:
    """Refuse a dimension no sampler can draw from, whatever the design: raises
    `SettingsError` naming the field."""
    if not param.name:
        raise SettingsError(f"{path}.name", "must not be empty")
    if param.kind not in KINDS:
        raise SettingsError(f"{path}.kind", f"must be one of {', '.join(KINDS)}")
    if param.kind == CHOICE:
        choices = param.choices
        if not 1 <= len(choices) <= MAX_CHOICES:
            raise SettingsError(f"{path}.choices", f"expected 1 to {MAX_CHOICES} choices")
        for value in choices:
            if not isinstance(value, str | bool) or (isinstance(value, str) and len(value) > 200):
                raise SettingsError(f"{path}.choices", f"{value!r:.40} is not a choice")
        if len(set(choices)) != len(choices):
            raise SettingsError(f"{path}.choices", "a choice appears twice")
        return
    low, high = param.low, param.high
    if not (math.isfinite(low) and math.isfinite(high)):
        raise SettingsError(f"{path}.low", "the range must be finite")
    if param.kind == INT and (low != int(low) or high != int(high)):
        raise SettingsError(f"{path}.low", "a whole-number range needs whole numbers")
    if not low < high:
        raise SettingsError(f"{path}.high", f"the high end must be above the low end {low:g}")
    if param.log and low <= 0:
        raise SettingsError(f"{path}.low", "a logarithmic range must start above 0")
