"""The block library: starter blocks as data, user blocks as files in a folder."""

from __future__ import annotations

import json

import pytest
from block_designs import residual_design, stage_ids

from designer.io import ProjectFileError
from designer.io.library import (
    STARTER,
    USER,
    BlockLibrary,
    library_block_from_dict,
    library_document,
    read_library_file,
)
from designer.io.starter_blocks import starter_blocks
from designer.model import Graph, infer_shapes
from designer.model.block_edits import GroupIntoBlock
from designer.model.block_table import block_type
from designer.model.definition_edits import AddBlocks
from designer.model.edits import AddNode, Compound

STARTER_NAMES = ["BasicBlock", "Bottleneck", "TransformerEncoder", "UNetDown", "UNetUp"]


def test_the_starter_blocks_check_clean_on_their_sample_shapes():
    assert [block.name for block in starter_blocks()] == STARTER_NAMES
    for block in starter_blocks():
        graph = Graph()
        AddBlocks(block.snapshots).apply(graph)
        inner = graph.blocks.get(block.name).graph
        analysis = infer_shapes(inner)
        assert analysis.valid and not analysis.problems, (block.name, analysis.problems)
        assert block.source == STARTER and block.description


def test_a_starter_instance_infers_on_what_feeds_it():
    graph = Graph()
    block = BlockLibrary(None).get("BasicBlock")
    graph.add_node("Input", {"kind": "image", "channels": 64, "height": 5, "width": 5}, "x")
    insert = Compound([AddBlocks(block.snapshots), AddNode(block_type("BasicBlock"))])
    insert.apply(graph)
    instance = insert.edits[1].node_id
    graph.connect("n1", "out", instance, "x")
    info = infer_shapes(graph).info(instance)
    assert info.output.dims == (64, 5, 5)
    assert info.params == 2 * (64 * 64 * 9 + 64) + 2 * 128
    insert.revert(graph)
    assert len(graph.blocks) == 0 and instance not in graph.nodes


def grouped_project() -> Graph:
    graph = residual_design()
    GroupIntoBlock(stage_ids(1), "Residual").apply(graph)
    return graph


def test_saving_to_the_user_folder_and_reading_back(tmp_path):
    library = BlockLibrary(tmp_path / "blocks")
    graph = grouped_project()
    path = library.save(graph.blocks, "Residual", "my residual stage")
    assert path.name == "Residual.nnblock"
    entry = library.get("Residual")
    assert entry.source == USER and entry.description == "my residual stage"
    (saved,) = entry.snapshots
    original = graph.blocks.get("Residual").graph
    assert [n.id for n in saved.nodes] == [n.id for n in original]
    assert saved.edges == original.edges
    assert [b.name for b in library.blocks()] == [*STARTER_NAMES, "Residual"]
    other = Graph()
    AddBlocks(entry.snapshots).apply(other)
    assert other.blocks.get("Residual").graph.edges == original.edges
    library.remove("Residual")
    assert [b.name for b in library.blocks()] == STARTER_NAMES


def test_a_user_block_of_a_starter_name_hides_the_starter(tmp_path):
    library = BlockLibrary(tmp_path)
    graph = residual_design()
    GroupIntoBlock(stage_ids(1), "BasicBlock").apply(graph)
    library.save(graph.blocks, "BasicBlock")
    entries = [b for b in library.blocks() if b.name == "BasicBlock"]
    assert [b.source for b in entries] == [USER]


def test_nested_blocks_are_saved_with_the_blocks_they_use(tmp_path):
    graph = grouped_project()
    instance = next(n for n in graph.nodes if graph.node(n).type == "block:Residual")
    GroupIntoBlock([instance, "flat"], "Trunk").apply(graph)
    document = library_document(graph.blocks, "Trunk")
    assert [b["name"] for b in document["blocks"]] == ["Residual", "Trunk"]
    block = library_block_from_dict(json.loads(json.dumps(document)))
    assert [s.name for s in block.snapshots] == ["Residual", "Trunk"]
    fresh = Graph()
    AddBlocks(list(reversed(block.snapshots))).apply(fresh)
    assert fresh.blocks.names() == ["Residual", "Trunk"]


def test_adding_keeps_a_block_the_project_already_has():
    graph = grouped_project()
    edit = AddBlocks(BlockLibrary(None).get("BasicBlock").snapshots)
    mine = Graph()
    GroupIntoBlock(["stem"], "BasicBlock").apply(graph)
    before = graph.blocks.get("BasicBlock")
    edit.apply(graph)
    assert edit.added == [] and graph.blocks.get("BasicBlock") is before
    AddBlocks(BlockLibrary(None).get("BasicBlock").snapshots).apply(mine)
    assert len(mine.blocks.get("BasicBlock").graph) == 9


def test_unreadable_files_are_skipped_with_a_reason(tmp_path):
    (tmp_path / "Broken.nnblock").write_text("{", encoding="utf-8")
    (tmp_path / "Other.nnblock").write_text(
        json.dumps(library_document(grouped_project().blocks, "Residual")), encoding="utf-8"
    )
    library = BlockLibrary(tmp_path)
    assert [b.name for b in library.blocks()] == STARTER_NAMES
    problems = library.problems()
    assert any(p.startswith("Broken.nnblock:") and "ends too early" in p for p in problems)
    assert any("holds the block 'Residual', not 'Other'" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d.update(format="x"), "format", "not a block file"),
        (lambda d: d.update(format_version=9), "format_version", "not one this version"),
        (lambda d: d.update(block="Nope"), "block", "no block named 'Nope'"),
        (lambda d: d.update(extra=1), "extra", "unknown key"),
        (lambda d: d["blocks"][0].update(name="a b"), "blocks[0].name", "start with a letter"),
    ],
)
def test_bad_library_files_name_the_place(tmp_path, change, path, words):
    document = library_document(grouped_project().blocks, "Residual")
    change(document)
    target = tmp_path / "bad.nnblock"
    target.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ProjectFileError) as caught:
        read_library_file(target)
    assert caught.value.path == path and words in caught.value.message
    assert caught.value.source == str(target)
