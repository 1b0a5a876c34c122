"""The catalogue of layer types, looked up by id (or by a former name of a renamed type)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from designer.catalog.description import LayerSpec

CATEGORY_ORDER = (
    "Input/Output",
    "Core",
    "Shape",
    "Activation",
    "Convolution",
    "Pooling",
    "Normalization",
    "Sequence",
    "Merge",
)


class LayerTypeNotFoundError(KeyError):
    """No layer type of that name (nor a former name of one) is in the catalogue."""

    def __init__(self, type_id: str) -> None:
        super().__init__(type_id)
        self.type_id = type_id

    def __str__(self) -> str:
        return f"unknown layer type {self.type_id!r:.80}"


class Catalog:
    """An ordered set of `LayerSpec`s; renamed types resolve through their aliases."""

    def __init__(self, specs: Iterable[LayerSpec]) -> None:
        self._specs: dict[str, LayerSpec] = {}
        self._aliases: dict[str, str] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: LayerSpec) -> None:
        if spec.type_id in self._specs or spec.type_id in self._aliases:
            raise ValueError(f"layer type {spec.type_id!r} is registered twice")
        self._specs[spec.type_id] = spec
        for alias in spec.aliases:
            self._aliases[alias] = spec.type_id

    def resolve(self, type_id: str) -> str:
        """The current id for ``type_id``, following renames; raises `LayerTypeNotFoundError`."""
        if type_id in self._specs:
            return type_id
        if type_id in self._aliases:
            return self._aliases[type_id]
        raise LayerTypeNotFoundError(type_id)

    def get(self, type_id: str) -> LayerSpec:
        return self._specs[self.resolve(type_id)]

    def __contains__(self, type_id: object) -> bool:
        return isinstance(type_id, str) and (type_id in self._specs or type_id in self._aliases)

    def __iter__(self) -> Iterator[LayerSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def categories(self) -> list[tuple[str, list[LayerSpec]]]:
        """Specs grouped by category in palette order."""
        order = {name: i for i, name in enumerate(CATEGORY_ORDER)}
        groups: dict[str, list[LayerSpec]] = {}
        for spec in self:
            groups.setdefault(spec.category, []).append(spec)
        return sorted(groups.items(), key=lambda item: order.get(item[0], len(order)))


@cache
def default_catalog() -> Catalog:
    """The built-in layer types. Cached: the catalogue is immutable once built."""
    from designer.catalog.builtin import MODULES

    return Catalog(spec for module in MODULES for spec in module.SPECS)
