"""Reading the converted arguments of an fx call: numbers, tensors, dims."""

from __future__ import annotations

from typing import Any

from designer.compiler.fx_import.modules import UnmappableError
from designer.compiler.fx_import.values import Const, Out


def const(value: Any) -> Any:
    if isinstance(value, Const):
        return value.value
    if isinstance(value, list | tuple):
        return type(value)(const(v) for v in value)
    if isinstance(value, Out):
        raise UnmappableError("a tensor is used where a fixed number is expected")
    return value


def tensor(value: Any) -> Out:
    if not isinstance(value, Out):
        raise UnmappableError("expects a tensor")
    return value


def argument(args: tuple, kwargs: dict, index: int, name: str, default: Any = None) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def per_sample_axis(dim: Any, rank: int) -> int:
    """A torch dim (batch included) as a per-sample axis; the batch axis is refused."""
    dim = const(dim)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise UnmappableError(f"the dim must be one whole number, got {dim!r}")
    if dim == 0 or dim == -(rank + 1):
        raise UnmappableError("works along the batch axis, which a design never touches")
    return dim - 1 if dim > 0 else dim
