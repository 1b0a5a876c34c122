"""Which catalogue layer a torch module is: derived from the catalogue's own bindings.

Each `LayerSpec` binding names its torch class and how parameters become constructor
arguments (``kwargs``). Importing inverts that: for a module of a bound class, each
parameter takes the value that makes ``kwargs`` agree with the module's attributes, and
the answer is checked by building the module the design would build and comparing its
``extra_repr`` and its state-dict shapes with the user's. So adding a layer type to the
catalogue makes it importable with no table here, and a setting the catalogue cannot
express (``padding_mode='reflect'``, a non-square kernel) is named, never approximated.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from torch import nn

from designer.catalog import Shape, default_catalog
from designer.catalog.description import LayerSpec, ParamError, ParamSpec
from designer.compiler.codegen import module_class

_INPLACE = re.compile(r",?\s*inplace=(True|False)")
_REPEATED = re.compile(r"\((\d+)(?:, \1)*,?\)")


class UnmappableError(ValueError):
    """A module (or call) has no catalogue layer; the message says what differs."""


def torch_path(module: nn.Module) -> str | None:
    """``torch.nn.Conv2d`` for a module of exactly a public ``torch.nn`` class."""
    cls = type(module)
    name = cls.__name__
    return f"torch.nn.{name}" if getattr(nn, name, None) is cls else None


@lru_cache(maxsize=1)
def _specs_by_class() -> dict[str, tuple[LayerSpec, ...]]:
    table: dict[str, list[LayerSpec]] = {}
    for spec in default_catalog():
        if spec.binding is not None and spec.binding.module:
            table.setdefault(spec.binding.module, []).append(spec)
    return {path: tuple(specs) for path, specs in table.items()}


def specs_for(module: nn.Module) -> tuple[LayerSpec, ...]:
    path = torch_path(module)
    return _specs_by_class().get(path, ()) if path else ()


def plain_call(spec: LayerSpec, params: dict[str, Any]) -> bool:
    """Whether the spec's forward is just ``module(x)`` with these parameters."""
    assert spec.binding is not None
    return spec.binding.forward("M", ["X"], params) == "M(X)"


def match_module(
    module: nn.Module,
    inputs: Sequence[Shape],
    specs: Iterable[LayerSpec] | None = None,
    fixed: dict[str, Any] | None = None,
) -> tuple[LayerSpec, dict[str, Any]]:
    """The first of ``specs`` (by default every spec bound to the module's class whose
    forward is a plain call) with parameters that build this very module."""
    candidates = list(specs if specs is not None else specs_for(module))
    if not candidates:
        raise UnmappableError(f"{type(module).__name__} has no layer type in the catalogue")
    reasons = []
    for spec in candidates:
        params = _solve(spec, module, inputs, dict(fixed or {}))
        if params is None:
            continue
        if specs is None and not plain_call(spec, params):
            continue
        difference = _difference(spec, params, module, inputs)
        if difference is None:
            return spec, params
        reasons.append(difference)
    raise UnmappableError(reasons[0] if reasons else _settings_text(module))


def _settings_text(module: nn.Module) -> str:
    return f"{type(module).__name__}({_repr(module)}) cannot be expressed in the catalogue"


def _repr(module: nn.Module) -> str:
    """The module's settings as torch prints them, ``(3, 3)`` read as ``3`` (torch keeps
    what it was given) and ``inplace``, which changes no result, left out."""
    return _REPEATED.sub(r"\1", _INPLACE.sub("", module.extra_repr())).strip(", ")


def _kwargs(spec: LayerSpec, params: dict[str, Any], inputs: Sequence[Shape]) -> dict | None:
    assert spec.binding is not None
    try:
        return spec.binding.kwargs(spec.validate_params(params), inputs)
    except (ParamError, ValueError, TypeError, KeyError, IndexError):
        return None


def _target(module: nn.Module, key: str) -> Any:
    """The module's setting that the constructor argument ``key`` became."""
    if hasattr(module, key):
        value = getattr(module, key)
        if key == "bias" and not isinstance(value, bool):
            return value is not None
        return value
    if key == "bias":
        return any("bias" in name for name, _ in module.named_parameters(recurse=False))
    return None


def _same(expected: Any, actual: Any) -> bool:
    """A catalogue value against a module's: ``3`` matches ``(3, 3)``, ``2.0`` ``2``."""
    if isinstance(actual, list | tuple) and not isinstance(expected, list | tuple):
        return len(actual) > 0 and all(_same(expected, item) for item in actual)
    if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
        return len(expected) == len(actual) and all(map(_same, expected, actual))
    if isinstance(expected, list | tuple):
        return len(expected) > 0 and all(_same(item, actual) for item in expected)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return expected == actual


def _solve(
    spec: LayerSpec, module: nn.Module, inputs: Sequence[Shape], params: dict[str, Any]
) -> dict[str, Any] | None:
    """Parameters whose ``kwargs`` match the module's settings. Parameters that feed the
    same argument (a pool's stride defaults to its kernel) are solved together."""
    base = _kwargs(spec, {}, inputs)
    if base is None:
        return None
    targets = {key: _target(module, key) for key in base}
    for names, keys in _coupled(spec, tuple(inputs), frozenset(params)):
        choices = [_candidates(spec.param(n), [targets[k] for k in keys]) for n in names]
        for values in itertools.product(*choices):
            trial = {**params, **dict(zip(names, values, strict=True))}
            kwargs = _kwargs(spec, trial, inputs)
            if kwargs is not None and all(_same(kwargs[k], targets[k]) for k in keys):
                params = trial
                break
        else:
            return None
    return spec.validate_params(params)


@lru_cache(maxsize=256)
def _coupled(
    spec: LayerSpec, inputs: tuple[Shape, ...], fixed: frozenset[str]
) -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
    """Groups of parameters (with the arguments they change) that share an argument;
    the same for every module of one type and input shape, so it is worked out once."""
    groups: list[tuple[list[str], set[str]]] = []
    for param in spec.params:
        keys = set() if param.name in fixed else _dependent_keys(spec, param, inputs)
        if not keys:
            continue
        names = [param.name]
        for group in [g for g in groups if g[1] & keys]:
            groups.remove(group)
            names, keys = group[0] + names, group[1] | keys
        groups.append((names, keys))
    return tuple((tuple(names), frozenset(keys)) for names, keys in groups)


def _dependent_keys(spec: LayerSpec, param: ParamSpec, inputs: Sequence[Shape]) -> set[str]:
    """Constructor arguments that change when ``param`` does, with the other parameters
    at their defaults or one of them changed (an RNN's dropout shows only when it has
    several layers)."""
    keys: set[str] = set()
    contexts: list[dict[str, Any]] = [{}]
    for other in spec.params:
        if other is not param:
            contexts += [{other.name: value} for value in _alternatives(other)[:1]]
    for context in contexts:
        before = _kwargs(spec, context, inputs)
        for value in _alternatives(param):
            changed = _kwargs(spec, {**context, param.name: value}, inputs)
            if before is not None and changed is not None:
                keys.update(k for k in before if not _same(before[k], changed.get(k)))
    return keys


def _alternatives(param: ParamSpec) -> list[Any]:
    """A few valid values other than the default, to see what the parameter changes."""
    if param.kind == "bool":
        return [not param.default]
    if param.kind == "choice":
        return [c for c in param.choices if c != param.default]
    if param.kind not in ("int", "float"):
        return []
    start = param.default if param.default is not None else param.minimum or 1
    values = [start + 1, start - 1, param.minimum, param.maximum]
    if param.kind == "float":
        values.append(start * 0.5 + 0.125)
    else:
        values = [int(v) for v in values if v is not None]
    return [v for v in values if v is not None and v != param.default and _valid(param, v)]


def _candidates(param: ParamSpec, targets: list[Any]) -> list[Any]:
    if param.kind == "bool":
        return [True, False]
    if param.kind == "choice":
        return list(param.choices)
    found: list[Any] = [None] if param.optional else []
    for value in _flatten(targets):
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if param.kind == "int" and float(value).is_integer():
            found += [int(value), int(value) - 1, int(value) + 1, -int(value)]
        elif param.kind == "float":
            found.append(float(value))
    return [value for value in dict.fromkeys(found) if _valid(param, value)]


def _flatten(values: Iterable[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        flat.extend(_flatten(value) if isinstance(value, list | tuple) else [value])
    return flat


def _valid(param: ParamSpec, value: Any) -> bool:
    try:
        param.validate(value)
    except ParamError:
        return False
    return True


def _difference(
    spec: LayerSpec, params: dict[str, Any], module: nn.Module, inputs: Sequence[Shape]
) -> str | None:
    """None when the design's module would equal the user's, else what differs."""
    assert spec.binding is not None and spec.binding.module
    kwargs = _kwargs(spec, params, inputs)
    if kwargs is None:
        return _settings_text(module)
    try:
        built = module_class(spec.binding.module)(**kwargs)
    except Exception:  # any failure means the settings do not fit
        return _settings_text(module)
    shapes = {k: tuple(v.shape) for k, v in built.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    if _repr(built) != _repr(module) or shapes != theirs:
        return (
            f"{type(module).__name__}({_repr(module)}) differs from what the catalogue's "
            f"{spec.display_name} can build ({type(built).__name__}({_repr(built)}))"
        )
    return None
