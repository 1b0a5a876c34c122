"""The search space of a sweep: which training settings and layer parameters vary, and how.

A `SweepSettings` is saved with the project (the ``sweep`` section of a project file), so
the space picked in the window is the one ``nn-designer sweep`` runs, on any machine. It
is plain data, checked like the other settings: `SweepSettings.from_dict` checks each
value's type and range; `space_problems` checks the space against a design (the layer
still exists, the range is one its parameter accepts). Nothing here knows Optuna: the
training layer turns a space into distributions, and a trial's values back into a
project with `apply_values`.

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

from designer.catalog import ParamSpec
from designer.model.errors import GraphError
from designer.model.graph import Graph
from designer.model.settings import SettingsError, setting_rule

if TYPE_CHECKING:  # the project holds a sweep, so the import goes the other way
    from designer.model.project import Project

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


# ----------------------------------------------------------------- against a design
def describe(graph: Graph, param: SweepParam) -> str:
    """How the dimension reads: ``learning rate`` or ``hidden: units``."""
    if not param.node:
        return param.name.replace("_", " ")
    if param.node not in graph.nodes:
        return f"{param.node} (deleted): {param.name}"
    spec = graph.spec(param.node)
    title = param.name
    if any(p.name == param.name for p in spec.params):
        title = spec.param(param.name).title.lower()
    return f"{graph.node(param.node).label}: {title}"


def space_problems(project: Project, sweep: SweepSettings | None = None) -> list[str]:
    """Why each dimension cannot be swept on this design (empty when all can): the layer
    was deleted, the parameter does not apply, the range leaves the parameter's own."""
    sweep = project.sweep if sweep is None else sweep
    problems = [] if sweep.parameters else ["choose at least one parameter to sweep"]
    for param in sweep.parameters:
        problem = param_problem(project.graph, param)
        if problem is not None:
            problems.append(f"{describe(project.graph, param)}: {problem}")
    return problems


def param_problem(graph: Graph, param: SweepParam) -> str | None:
    """Why ``param`` cannot be swept on ``graph``, or None."""
    if not param.node:
        return _setting_problem(param)
    if param.node not in graph.nodes:
        return f"there is no layer {param.node!r} in the design"
    node, spec = graph.node(param.node), graph.spec(param.node)
    layer = spec.display_name
    if not any(p.name == param.name for p in spec.params):
        return f"{layer} has no parameter {param.name!r}"
    param_spec = spec.param(param.name)
    if param_spec.kind not in _KIND_OF:
        return f"{param_spec.title} cannot be swept (it is a list of numbers)"
    if not param_spec.applies(node.params):
        return f"{param_spec.title} does not apply to this {layer}"
    if _KIND_OF[param_spec.kind] != param.kind:
        return f"{param_spec.title} takes {_KIND_TEXT[param_spec.kind]}"
    if param.kind == CHOICE:
        allowed = (False, True) if param_spec.kind == "bool" else param_spec.choices
        return _choices_problem(param, allowed)
    return _range_problem(param, param_spec.minimum, param_spec.maximum)


_KIND_OF = {"int": INT, "float": FLOAT, "bool": CHOICE, "choice": CHOICE}
_KIND_TEXT = {"int": "whole numbers", "float": "numbers", "bool": "yes or no", "choice": "choices"}


def _setting_problem(param: SweepParam) -> str | None:
    if param.name not in SWEEPABLE_SETTINGS:
        return f"{param.name!r} is not a training setting a sweep can vary"
    rule = setting_rule(param.name)
    kind = CHOICE if rule.kind in (str, bool) else INT if rule.kind is int else FLOAT
    if kind != param.kind:
        return f"the setting takes {'choices' if kind == CHOICE else kind + ' values'}"
    if kind == CHOICE:
        return _choices_problem(param, rule.choices or (False, True))
    return _range_problem(param, rule.low, rule.high)


def _choices_problem(param: SweepParam, allowed: tuple) -> str | None:
    wrong = [c for c in param.choices if c not in allowed or type(c) is not type(allowed[0])]
    if wrong:
        return f"{wrong[0]!r} is not one of {', '.join(map(str, allowed))}"
    return None


def _range_problem(param: SweepParam, minimum: float | None, maximum: float | None) -> str | None:
    if minimum is not None and param.low < minimum:
        return f"the range must start at {minimum:g} or above"
    if maximum is not None and param.high > maximum:
        return f"the range must end at {maximum:g} or below"
    return None


# ----------------------------------------------------------------- making dimensions
def setting_param(name: str) -> SweepParam:
    """A training setting as a dimension, over its usual range or all its choices."""
    if name in SETTING_RANGES:
        low, high, log = SETTING_RANGES[name]
        kind = INT if setting_rule(name).kind is int else FLOAT
        return SweepParam("", name, kind, low, high, log)
    if name not in SETTING_CHOICES:
        raise SweepError(f"{name!r} is not a training setting a sweep can vary")
    return SweepParam("", name, CHOICE, choices=setting_rule(name).choices or (False, True))


def allowed_choices(graph: Graph, param: SweepParam) -> tuple[Choice, ...]:
    """Every value a choice dimension could try (its own, for a layer deleted since)."""
    if not param.node:
        known = param.name in SWEEPABLE_SETTINGS
        return setting_rule(param.name).choices or (False, True) if known else param.choices
    if param.node not in graph.nodes:
        return param.choices
    spec = graph.spec(param.node)
    if not any(p.name == param.name for p in spec.params):
        return param.choices
    found = spec.param(param.name)
    return (False, True) if found.kind == "bool" else found.choices


def sweepable(spec: ParamSpec) -> bool:
    """Whether a layer parameter of this kind can be a dimension (lists of ints cannot)."""
    return spec.kind in _KIND_OF


def node_param(graph: Graph, node_id: str, name: str) -> SweepParam:
    """A layer's parameter as a dimension around its current value: choices all its
    choices, numbers from half to twice the value (logarithmic for a wide range), within
    the parameter's own limits."""
    spec = graph.spec(node_id).param(name)
    if not sweepable(spec):
        raise SweepError(f"{spec.title} cannot be swept (it is a list of numbers)")
    if spec.kind in ("bool", "choice"):
        choices = (False, True) if spec.kind == "bool" else spec.choices
        return SweepParam(node_id, name, CHOICE, choices=tuple(choices))
    value = graph.node(node_id).params.get(name)
    low, high = _around(spec, value if value is not None else spec.minimum or 1)
    if spec.kind == "int":
        low, high = math.floor(low), max(math.ceil(high), math.floor(low) + 1)
    log = low > 0 and high >= 8 * low
    return SweepParam(node_id, name, _KIND_OF[spec.kind], low, high, log)


def _around(spec: ParamSpec, value: float) -> tuple[float, float]:
    minimum = spec.minimum if spec.minimum is not None else -math.inf
    maximum = spec.maximum if spec.maximum is not None else math.inf
    if value > 0:  # half the value to twice it, or halfway to a limit (an extreme) below
        low = max(minimum, value / 2)
        high = value * 2 if value * 2 < maximum else (value + maximum) / 2
    else:
        low, high = max(minimum, 0.0), min(maximum, 1.0 if spec.kind == "float" else 4.0)
    if low >= high:  # the value sits at a limit of a narrow range: take the whole range
        low, high = max(minimum, value - 1), min(maximum, value + 1)
    return low, high


# ----------------------------------------------------------------- values of a trial
def grid_values(param: SweepParam, points: int = GRID_POINTS) -> tuple[Any, ...]:
    """The values a grid tries: every choice; every whole number of a short range; else
    ``points`` values spread evenly (in the logarithm for a logarithmic range)."""
    if param.kind == CHOICE:
        return param.choices
    low, high = param.low, param.high
    if param.kind == INT and high - low < points:
        return tuple(range(int(low), int(high) + 1))
    if param.log:
        ratio = math.log(high / low)
        spread = [low * math.exp(ratio * i / (points - 1)) for i in range(points)]
    else:
        spread = [low + (high - low) * i / (points - 1) for i in range(points)]
    if param.kind == INT:
        return tuple(dict.fromkeys(min(int(high), max(int(low), round(v))) for v in spread))
    return tuple(float(f"{v:.6g}") for v in spread)


def split_values(
    sweep: SweepSettings, values: Mapping[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, str, Any]]]:
    """A trial's values by dimension key, as training-setting changes and ``(node, name,
    value)`` parameter changes; keys of dimensions no longer in the space are left out."""
    settings: dict[str, Any] = {}
    params: list[tuple[str, str, Any]] = []
    for param in sweep.parameters:
        if param.key not in values:
            continue
        if param.node:
            params.append((param.node, param.name, values[param.key]))
        else:
            settings[param.name] = values[param.key]
    return settings, params


def apply_values(project: Project, values: Mapping[str, Any]) -> None:
    """Set a trial's values on ``project`` (a copy: trials never touch the open design).

    Raises `SweepError` naming the parameter when the design refuses a value (a layer
    deleted since, a value that would take away a wired output)."""
    settings, params = split_values(project.sweep, values)
    try:
        project.training = project.training.replace(**settings)
    except SettingsError as error:
        raise SweepError(str(error)) from None
    for node_id, name, value in params:
        try:
            project.graph.set_param(node_id, name, value)
        except GraphError as error:
            raise SweepError(str(error)) from None
