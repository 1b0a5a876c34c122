"""A sweep's search space against a design: making its dimensions from a layer's
parameters and the training settings, checking a space on a design, and turning a trial's
values back into a project.

Kept apart from `designer.model.sweep` (the space as plain data, which a project file
holds) because everything here reads a graph: the layer still exists, the range is one its
parameter accepts. Nothing here knows Optuna: the training layer turns a space into
distributions, and a trial's values back into a project with `apply_values`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from designer.catalog import ParamSpec
from designer.model.errors import GraphError
from designer.model.graph import Graph
from designer.model.settings import SettingsError, setting_rule
from designer.model.sweep import (
    CHOICE,
    FLOAT,
    GRID_POINTS,
    INT,
    SETTING_CHOICES,
    SETTING_RANGES,
    SWEEPABLE_SETTINGS,
    Choice,
    SweepError,
    SweepParam,
    SweepSettings,
)

if TYPE_CHECKING:  # the project holds a sweep, so the import goes the other way
    from designer.model.project import Project


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
