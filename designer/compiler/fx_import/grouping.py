"""Grouping repeated submodules into blocks: each user ``nn.Module`` class used at two
module paths or more (ResNet's ``BasicBlock``) becomes a block, each use an instance.

The flat import is grouped with the model's own edits (`GroupIntoBlock`), so the design
computes what the flat one does by construction, and the importer still checks it. Inside
a block, a layer is named by its module path relative to the instance (``conv1``,
``downsample.0``). Instances whose layers differ (a downsampling ``BasicBlock`` with a
shortcut, or other channel counts) get one definition per distinct structure, named as
the compiler names variants: ``BasicBlock``, ``BasicBlock2``, ... Inner submodules are
grouped before the ones holding them, so blocks nest as the classes do. A use that cannot
be one block (a path leaves it and comes back) stays flat.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from designer.compiler.fx_import.tracing import Scope
from designer.model import BlockError, Graph
from designer.model.block_edits import GroupIntoBlock, swap_type
from designer.model.block_merge import definition_structure
from designer.model.block_table import block_type, name_problem

_SUFFIX = re.compile(r"_\d+$")


@dataclass
class Origins:
    """Which module of the user's model each node stands for: ``design`` for the design's
    nodes (a layer's module path, an instance's submodule path) and ``blocks`` for each
    block's own nodes, relative to the instance (``conv1``). Weights are named by them."""

    design: dict[str, str]
    blocks: dict[str, dict[str, str]] = field(default_factory=dict)


def repeated_submodules(scopes: Mapping[str, tuple[Scope, ...]]) -> dict[str, list[str]]:
    """The user's submodule classes used at two paths or more, with their paths in
    order of appearance: ``{"BasicBlock": ["layer1.0", "layer1.1", ...]}``."""
    paths: dict[str, list[str]] = {}
    for chain in scopes.values():
        for path, kind in chain:
            if kind and path not in paths.setdefault(kind, []):
                paths[kind].append(path)
    return {kind: found for kind, found in paths.items() if len(found) > 1}


def group_repeated(
    graph: Graph, scopes: Mapping[str, tuple[Scope, ...]], origins: Mapping[str, str]
) -> Origins:
    """Group ``graph`` (a flat import) in place; the origins of the grouped design."""
    grouper = _Grouper(graph, scopes, Origins(dict(origins)))
    uses = [
        (path.count("."), order, kind, path)
        for order, (kind, paths) in enumerate(repeated_submodules(scopes).items())
        for path in paths
    ]
    for _, _, kind, path in sorted(uses, key=lambda use: (-use[0], use[1])):
        grouper.group(kind, path)
    return grouper.origins


class _Grouper:
    def __init__(self, graph: Graph, scopes: Mapping, origins: Origins) -> None:
        self.graph = graph
        self.origins = origins
        #: The module paths each design node belongs to (its scopes, its own module).
        self.homes = {
            node_id: [p for p, _ in chain] + [origins.design.get(node_id, "")]
            for node_id, chain in scopes.items()
        }
        self.variants: dict[str, dict[tuple, str]] = {}

    def group(self, kind: str, path: str) -> None:
        inside = [n for n in self.graph.nodes if self._within(n, path)]
        relative = {n: _relative(self.origins.design.get(n), path) for n in inside}
        if not inside or any(r is None for n, r in relative.items() if n in self.origins.design):
            return  # nothing of its own, or weights from outside it: left flat
        stem = _block_stem(kind)
        edit = GroupIntoBlock(inside, self.graph.blocks.free_name(stem))
        try:
            edit.apply(self.graph)
        except BlockError:
            return
        assert edit.block_id is not None
        definition = self.graph.blocks.get(edit.name)
        _relabel(definition.graph, relative)
        inner = {n: r for n, r in relative.items() if r is not None}
        modules = tuple(inner.get(node.id) for node in definition.graph)
        key = (definition_structure(definition, sample_shapes=False), modules)
        known = self.variants.setdefault(stem, {})
        if key in known:  # the same layers as an earlier use: one definition for both
            swap_type(self.graph, edit.block_id, block_type(known[key]))
            self.graph.blocks.remove(edit.name)
        else:
            known[key] = edit.name
            self.origins.blocks[edit.name] = inner
        self.graph.rename_node(edit.block_id, path)
        for node_id in inside:
            self.origins.design.pop(node_id, None)
            self.homes.pop(node_id, None)
        self.origins.design[edit.block_id] = path
        self.homes[edit.block_id] = [path]

    def _within(self, node_id: str, path: str) -> bool:
        return any(p == path or p.startswith(f"{path}.") for p in self.homes.get(node_id, ()))


def _relative(origin: str | None, path: str) -> str | None:
    if origin is None or not origin.startswith(f"{path}."):
        return None
    return origin[len(path) + 1 :]


def _relabel(graph: Graph, relative: Mapping[str, str | None]) -> None:
    """Name each layer of a new block by its module inside the instance (``conv1``), the
    others by what made them (``add``), so that equal uses read the same."""
    used = {node.label for node in graph if node.id not in relative}  # the ports
    for node in [node for node in graph if node.id in relative]:
        stem = relative[node.id] or _SUFFIX.sub("", node.label)
        label, number = stem, 1
        while label in used:
            number += 1
            label = f"{stem}_{number}"
        used.add(label)
        graph.rename_node(node.id, label)


def _block_stem(kind: str) -> str:
    """A block name from a class's (qualified) name: ``Outer.Inner`` -> ``Inner``."""
    name = re.sub(r"\W", "_", kind.rpartition(".")[2])
    return name if name_problem(name) is None else "Block"


__all__ = ["Origins", "group_repeated", "repeated_submodules"]
