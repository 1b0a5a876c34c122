"""Snippets of block instances carry their blocks: pasting into another project brings
them along (a block of the same name and another meaning comes as a renamed copy), and a
snippet with bad blocks is refused naming the place."""

from __future__ import annotations

import copy
import json

import pytest
from block_designs import residual_design, stage_ids

from designer.io import SnippetError, subgraph_from_dict, subgraph_from_json, subgraph_to_dict
from designer.model import Graph, infer_shapes
from designer.model.block_edits import GroupIntoBlock, RepeatBlock
from designer.model.block_merge import merge_blocks
from designer.model.definition_edits import AddBlocks
from designer.model.edits import AddSubgraph, Compound


def nested() -> tuple[Graph, str]:
    """Stage 1 as BasicBlock, repeated, both wrapped in Outer; the Outer instance."""
    graph = residual_design()
    inner = GroupIntoBlock(stage_ids(1), "BasicBlock")
    inner.apply(graph)
    repeat = RepeatBlock(inner.block_id, 2)
    repeat.apply(graph)
    outer = GroupIntoBlock([inner.block_id, *repeat.new_ids], "Outer")
    outer.apply(graph)
    assert outer.block_id is not None
    return graph, outer.block_id


def paste(target: Graph, data: dict) -> tuple[Compound, dict]:
    """Paste ``data`` into ``target`` as the window does; the edit and the renaming."""
    snippet = subgraph_from_dict(data, target.catalog)
    merge = merge_blocks(target.blocks, snippet.blocks)
    nodes = [merge.node(node) for node in snippet.nodes]
    edit = Compound([AddBlocks(merge.added), AddSubgraph(nodes, list(snippet.edges))])
    edit.apply(target)
    return edit, dict(merge.renamed)


def test_a_snippet_of_an_instance_carries_its_blocks_at_every_depth():
    graph, outer = nested()
    data = subgraph_to_dict(graph, [outer])
    assert [block["name"] for block in data["blocks"]] == ["BasicBlock", "Outer"]
    assert "blocks" not in subgraph_to_dict(graph, ["stem"])  # plain layers: as before
    snippet = subgraph_from_json(json.dumps(data), Graph().catalog)
    assert [block.name for block in snippet.blocks] == ["BasicBlock", "Outer"]
    assert [node.type for node in snippet.nodes] == ["block:Outer"]


def test_pasting_into_another_project_brings_the_blocks_in_one_undoable_edit():
    graph, outer = nested()
    target = residual_design()
    edit, renamed = paste(target, subgraph_to_dict(graph, [outer]))
    assert renamed == {} and target.blocks.names() == ["BasicBlock", "Outer"]
    (pasted,) = edit.edits[1].new_ids
    target.connect("stem_relu", "out", pasted, "x")
    expected = infer_shapes(graph).info(outer).params
    assert infer_shapes(target).info(pasted).params == expected
    target.disconnect(target.in_edges(pasted)[0])
    edit.revert(target)
    assert len(target.blocks) == 0 and pasted not in target.nodes


def test_pasting_where_the_same_blocks_are_adds_none():
    graph, outer = nested()
    _, renamed = paste(graph, subgraph_to_dict(graph, [outer]))
    assert renamed == {} and graph.blocks.names() == ["BasicBlock", "Outer"]
    assert sum(node.type == "block:Outer" for node in graph) == 2


def test_a_block_of_the_same_name_and_another_meaning_is_pasted_as_a_renamed_copy():
    graph, outer = nested()
    target = residual_design()
    GroupIntoBlock(["conv1_1", "relu1_1"], "BasicBlock").apply(target)  # not the same one
    theirs = copy.deepcopy(target.blocks.get("BasicBlock").graph.nodes)
    edit, renamed = paste(target, subgraph_to_dict(graph, [outer]))
    # Outer is new to the target, but it must use the pasted BasicBlock, not the target's.
    assert renamed == {"BasicBlock": "BasicBlock2"}
    assert target.blocks.names() == ["BasicBlock", "BasicBlock2", "Outer"]
    assert target.blocks.get("Outer").used_blocks() == {"BasicBlock2"}
    assert target.blocks.get("BasicBlock").graph.nodes == theirs
    edit.revert(target)
    assert target.blocks.names() == ["BasicBlock"]


def bad(change) -> dict:
    graph, outer = nested()
    data = subgraph_to_dict(graph, [outer])
    change(data)
    return data


def _set(path: tuple, value):
    def change(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


HOSTILE = [
    (_set(("blocks",), {}), "blocks: expected an array"),
    (_set(("blocks", 0, "name"), "1st"), "blocks[0].name: a block name must start"),
    (_set(("blocks", 1, "name"), "BasicBlock"), "blocks[1].name: the block name 'BasicBlock'"),
    (_set(("blocks", 0, "nodes", 1, "type"), "Nope"), "blocks[0].nodes[1].type: unknown layer"),
    (_set(("blocks", 0, "nodes", 1, "params"), {"out_channels": -1}), "blocks[0].nodes[1].params"),
    (_set(("blocks", 1, "nodes", 1, "type"), "block:Gone"), "blocks[1].nodes[1].type: no block"),
    (
        _set(("blocks", 0, "nodes", 1, "type"), "block:Outer"),
        "blocks[0]: the block 'BasicBlock' holds itself",
    ),
    (_set(("blocks",), []), "nodes[0].type: unknown layer type 'block:Outer'"),
    (_set(("blocks", 0, "extra"), 1), "blocks[0].extra: unknown key"),
]


@pytest.mark.parametrize(("change", "message"), HOSTILE, ids=range(len(HOSTILE)))
def test_snippets_with_bad_blocks_are_refused_naming_the_place(change, message):
    target = residual_design()
    with pytest.raises(SnippetError) as info:
        subgraph_from_json(json.dumps(bad(change)), target.catalog)
    assert message in str(info.value)
    assert len(target.blocks) == 0
