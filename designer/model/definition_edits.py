"""Invertible edits of the block table itself: edits inside a definition, and adding
definitions (new, or from the library's snapshots)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

from designer.model.block_table import (
    INPUT_ROLE,
    OUTPUT_ROLE,
    BlockDefinition,
    BlockTable,
    block_name,
)
from designer.model.edits import Edit
from designer.model.errors import BlockError
from designer.model.graph import Graph
from designer.model.node import Edge, Node


@dataclass
class InBlock:
    """An edit of the graph inside block ``name``: every instance follows it."""

    name: str
    edit: Edit
    description: str = ""

    def __post_init__(self) -> None:
        self.description = self.description or self.edit.description

    def apply(self, graph: Graph) -> None:
        self.edit.apply(graph.blocks.get(self.name).graph)

    def revert(self, graph: Graph) -> None:
        self.edit.revert(graph.blocks.get(self.name).graph)


@dataclass(frozen=True)
class BlockSnapshot:
    """A definition as plain records (a library entry, say), to be built into any
    project's table: nodes and edges of its graph, in order."""

    name: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def used_blocks(self) -> set[str]:
        return {name for n in self.nodes if (name := block_name(n.type)) is not None}


def snapshot(definition: BlockDefinition) -> BlockSnapshot:
    graph = definition.graph
    return BlockSnapshot(definition.name, tuple(n.clone() for n in graph), graph.edges)


@dataclass
class AddBlocks:
    """Add definitions from snapshots, each after the blocks it uses; a name the
    project already has keeps the project's own definition (its instances stay as
    they are). ``added`` lists what apply added."""

    snapshots: Sequence[BlockSnapshot]
    description: str = "Add blocks"
    added: list[str] = field(default_factory=list, init=False)

    def apply(self, graph: Graph) -> None:
        table = graph.blocks
        pending = [s for s in self.snapshots if s.name not in table]
        self.added = []
        try:
            while pending:
                ready = [s for s in pending if s.used_blocks() <= set(table.names())]
                if not ready:
                    missing = sorted(pending[0].used_blocks() - set(table.names()))
                    raise BlockError(f"the block {pending[0].name!r} uses unknown {missing}")
                for item in ready:
                    table.add(_build(table, item))
                    self.added.append(item.name)
                pending = [s for s in pending if s not in ready]
        except Exception:
            self.revert(graph)
            raise

    def revert(self, graph: Graph) -> None:
        for name in reversed(self.added):
            graph.blocks.remove(name)


def _build(table: BlockTable, item: BlockSnapshot) -> BlockDefinition:
    inner = table.new_graph(item.name)
    for node in item.nodes:
        params = copy.deepcopy(node.params)
        inner.add_node(node.type, params, node.label, node.position, node.id, None, node.silenced)
    for e in item.edges:
        inner.connect(e.src, e.src_port, e.dst, e.dst_port)
    return BlockDefinition(item.name, inner)


@dataclass
class DefineBlock:
    """Add a block definition to the project (from the library, say)."""

    definition: BlockDefinition
    description: str = "Add block"

    def apply(self, graph: Graph) -> None:
        graph.blocks.add(self.definition)

    def revert(self, graph: Graph) -> None:
        graph.blocks.remove(self.definition.name)


@dataclass
class ReplaceBlock:
    """Give block ``snapshot.name`` the definition ``snapshot`` (the library's version of
    it): every instance follows, as after an edit inside. A port that an instance has
    wired must stay, so that no wire hangs from a port that is gone."""

    snapshot: BlockSnapshot
    description: str = "Update block from library"
    _old: BlockDefinition | None = field(default=None, init=False)
    _new: BlockDefinition | None = field(default=None, init=False)

    def apply(self, graph: Graph) -> None:
        table, name = graph.blocks, self.snapshot.name
        old = table.get(name)
        new = self._new or _build(table, self.snapshot)
        for role, output in ((INPUT_ROLE, False), (OUTPUT_ROLE, True)):
            for port in set(old.port_names(role)) - set(new.port_names(role)):
                user = table.port_user(name, port, output)
                if user is not None:
                    raise BlockError(
                        f"{user} is wired to the port {port!r}, which the new {name} "
                        "lacks; remove that connection first"
                    )
        self._old, self._new = table.replace(new), new

    def revert(self, graph: Graph) -> None:
        assert self._old is not None
        graph.blocks.replace(self._old)
