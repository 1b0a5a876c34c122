"""When two block definitions are the same block, and bringing definitions from elsewhere
(a pasted snippet) into a project without replacing the project's own.

`structure` is what a definition means: its layers (type, parameters, label, silenced
rules) in order and its wires, but not where its nodes stand on the canvas nor their ids,
which are layout and bookkeeping. Pasting and importing both ask "is this the block the
project already has?" through it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from designer.model.block_table import BLOCK_INPUT, BlockDefinition, BlockTable, block_type
from designer.model.block_table import block_name as name_of_type
from designer.model.definition_edits import BlockSnapshot
from designer.model.node import Edge, Node


def structure(nodes: Sequence[Node], edges: Sequence[Edge], sample_shapes: bool = True) -> tuple:
    """A comparable summary of a definition's graph. With ``sample_shapes`` False the
    Block inputs' sample shapes are left out too: they only show shapes while editing, so
    two uses of one module class at different image sizes are still one block."""
    index = {node.id: number for number, node in enumerate(nodes)}
    layers = tuple(
        (
            node.type,
            _frozen({} if node.type == BLOCK_INPUT and not sample_shapes else node.params),
            node.label,
            _frozen(node.silenced),
        )
        for node in nodes
    )
    wires = tuple((index[e.src], e.src_port, index[e.dst], e.dst_port) for e in edges)
    return layers, wires


def definition_structure(definition: BlockDefinition, sample_shapes: bool = True) -> tuple:
    """`structure` of a definition in a project's table."""
    graph = definition.graph
    return structure(list(graph), graph.edges, sample_shapes)


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


@dataclass(frozen=True)
class BlockMerge:
    """How definitions from elsewhere join a project: ``added``, the ones it lacks
    (under their new names), and ``renamed``, each incoming name that another block of
    the project holds -> the name its copy gets."""

    added: tuple[BlockSnapshot, ...]
    renamed: Mapping[str, str]

    def node(self, node: Node) -> Node:
        """A copy of ``node`` whose block type follows the renaming."""
        copy = node.clone()
        name = name_of_type(node.type)
        if name is not None and name in self.renamed:
            copy.type = block_type(self.renamed[name])
        return copy


def merge_blocks(table: BlockTable, snapshots: Sequence[BlockSnapshot]) -> BlockMerge:
    """Plan bringing ``snapshots`` (each after the blocks it uses) into ``table``: a
    definition the project has under the same name and `structure` is the project's;
    one it lacks is added; one whose name another block holds is added as a renamed copy
    (``BasicBlock2``), and the blocks using it follow, so that nothing of the project
    changes meaning."""
    renamed: dict[str, str] = {}
    added: list[BlockSnapshot] = []
    for item in snapshots:
        merge = BlockMerge((), renamed)
        nodes = tuple(merge.node(node) for node in item.nodes)
        mine = structure(nodes, item.edges)
        if item.name in table and definition_structure(table.get(item.name)) == mine:
            continue
        name = item.name
        taken = {a.name for a in added}
        if name in table or name in taken:
            name = table.free_name(item.name, taken)
            renamed[item.name] = name
        added.append(dataclasses.replace(item, name=name, nodes=nodes))
    return BlockMerge(tuple(added), renamed)


__all__ = ["BlockMerge", "definition_structure", "merge_blocks", "structure"]
