"""When two block definitions are the same block, and planning how blocks from elsewhere
join a project without changing the meaning of the project's own."""

from __future__ import annotations

import dataclasses

from block_designs import residual_design, stage_ids

from designer.model.block_edits import GroupIntoBlock
from designer.model.block_merge import definition_structure, merge_blocks, structure
from designer.model.definition_edits import snapshot


def grouped(ids: list[str], name: str = "ResBlock"):
    graph = residual_design()
    GroupIntoBlock(ids, name).apply(graph)
    return graph


def test_structure_leaves_out_places_and_ids_but_not_parameters():
    item = snapshot(grouped(stage_ids(1)).blocks.get("ResBlock"))
    ids = {node.id: f"other{n}" for n, node in enumerate(item.nodes)}
    moved = [dataclasses.replace(node, id=ids[node.id], position=(5.0, 9.0)) for node in item.nodes]
    edges = [dataclasses.replace(e, src=ids[e.src], dst=ids[e.dst]) for e in item.edges]
    assert structure(moved, edges) == structure(item.nodes, item.edges)
    wider = [dataclasses.replace(n, params={**n.params, "out_channels": 9}) for n in moved]
    assert structure(wider, edges) != structure(item.nodes, item.edges)
    sample = [dataclasses.replace(n, params={"shape": (8, 9, 9)}) for n in item.nodes[:1]]
    other_sample = [*sample, *item.nodes[1:]]
    assert structure(other_sample, item.edges) != structure(item.nodes, item.edges)
    assert structure(other_sample, item.edges, sample_shapes=False) == structure(
        item.nodes, item.edges, sample_shapes=False
    )


def test_merging_keeps_the_same_block_adds_a_missing_one_and_renames_a_clash():
    source = grouped(stage_ids(1)).blocks
    incoming = [snapshot(source.get("ResBlock"))]
    same = grouped(stage_ids(1)).blocks
    assert merge_blocks(same, incoming).added == () and not merge_blocks(same, incoming).renamed
    empty = residual_design().blocks
    assert [s.name for s in merge_blocks(empty, incoming).added] == ["ResBlock"]
    clash = grouped(["conv1_1", "relu1_1"]).blocks
    merge = merge_blocks(clash, incoming)
    assert dict(merge.renamed) == {"ResBlock": "ResBlock2"}
    assert [s.name for s in merge.added] == ["ResBlock2"]
    assert definition_structure(source.get("ResBlock")) == structure(
        merge.added[0].nodes, merge.added[0].edges
    )


def test_an_incoming_name_that_a_renamed_copy_took_is_renamed_again():
    clash = grouped(["conv1_1", "relu1_1"]).blocks
    first = snapshot(grouped(stage_ids(1)).blocks.get("ResBlock"))
    second = dataclasses.replace(first, name="ResBlock2")
    merge = merge_blocks(clash, [first, second])
    assert dict(merge.renamed) == {"ResBlock": "ResBlock2", "ResBlock2": "ResBlock22"}
    assert [s.name for s in merge.added] == ["ResBlock2", "ResBlock22"]
