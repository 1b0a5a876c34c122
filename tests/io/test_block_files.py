"""Block definitions in project files: round trips, and every refusal naming its place."""

from __future__ import annotations

import copy

import pytest
from block_designs import residual_design, stage_ids

from designer.io import ProjectFileError, project_from_dict, project_to_dict, project_to_json
from designer.io.load import project_from_json
from designer.model import Project, infer_shapes
from designer.model.block_edits import GroupIntoBlock, RepeatBlock
from designer.model.block_table import MAX_BLOCK_DEPTH


def nested_project() -> Project:
    """Stage 1 as BasicBlock, repeated twice, both wrapped with the head in Outer."""
    graph = residual_design()
    inner = GroupIntoBlock(stage_ids(1), "BasicBlock")
    inner.apply(graph)
    repeat = RepeatBlock(inner.block_id, 2)
    repeat.apply(graph)
    GroupIntoBlock([inner.block_id, *repeat.new_ids, "flat"], "Outer").apply(graph)
    return Project(graph)


def test_blocks_round_trip_byte_identical_with_the_same_meaning():
    project = nested_project()
    text = project_to_json(project)
    again = project_from_json(text)
    assert project_to_json(again) == text
    assert again.graph.blocks.names() == ["BasicBlock", "Outer"]
    before, after = infer_shapes(project.graph), infer_shapes(again.graph)
    assert after.valid and after.total_params == before.total_params


def test_a_design_without_blocks_writes_no_blocks_section():
    assert "blocks" not in project_to_dict(Project(residual_design()))


def test_blocks_may_be_stored_before_the_blocks_they_use():
    data = project_to_dict(nested_project())
    data["blocks"].reverse()
    project = project_from_dict(data)
    assert project.graph.blocks.names() == ["Outer", "BasicBlock"]
    assert infer_shapes(project.graph).valid


def refusal(data) -> ProjectFileError:
    with pytest.raises(ProjectFileError) as caught:
        project_from_dict(data)
    return caught.value


def test_a_block_holding_itself_is_refused():
    data = project_to_dict(nested_project())
    blocks = data["blocks"]
    blocks[0]["nodes"].append(
        {"id": "loop", "type": "block:Outer", "label": "loop", "position": [0, 0]}
    )
    error = refusal(data)
    assert "holds itself" in error.message and "BasicBlock -> Outer -> BasicBlock" in error.message
    own = project_to_dict(nested_project())
    own["blocks"][0]["nodes"].append(
        {"id": "me", "type": "block:BasicBlock", "label": "me", "position": [0, 0]}
    )
    error = refusal(own)
    assert error.path == "blocks[0]" and "BasicBlock -> BasicBlock" in error.message


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d.update(blocks={}), "blocks", "expected an array"),
        (lambda d: d["blocks"][0].update(name="2x"), "blocks[0].name", "start with a letter"),
        (lambda d: d["blocks"][1].update(name="BasicBlock"), "blocks[1].name", "already used"),
        (lambda d: d["blocks"][0].update(extra=1), "blocks[0].extra", "unknown key"),
        (lambda d: d["blocks"][0].pop("edges"), "blocks[0]", "missing key 'edges'"),
        (
            lambda d: d["blocks"][1]["nodes"][0].update(type="block:Nowhere"),
            "blocks[1].nodes[0].type",
            "no block named 'Nowhere'",
        ),
        (
            lambda d: d["blocks"][0]["nodes"][1].update(type="Input", params={}),
            "blocks[0].nodes[1]",
            "cannot go inside a block",
        ),
        (
            lambda d: d["blocks"][0]["nodes"][1]["params"].update(out_channels=0),
            "blocks[0].nodes[1].params.out_channels",
            "at least 1",
        ),
        (
            lambda d: d["blocks"][0]["edges"][0].update(to=["nowhere", "in"]),
            "blocks[0].edges[0].to[0]",
            "no node",
        ),
        (lambda d: d["nodes"].append(_port()), "nodes[6]", "belongs inside a block"),
    ],
)
def test_bad_blocks_name_the_place(change, path, words):
    data = copy.deepcopy(project_to_dict(nested_project()))
    change(data)
    error = refusal(data)
    assert error.path == path and words in error.message


def _port() -> dict:
    return {"id": "stray", "type": "BlockInput", "label": "x", "position": [0, 0]}


def test_nesting_deeper_than_the_limit_is_refused():
    data = project_to_dict(Project(residual_design()))
    chain = [_leaf_block("B0")]
    for level in range(1, MAX_BLOCK_DEPTH + 1):
        chain.append(_wrapper(f"B{level}", f"B{level - 1}"))
    data["blocks"] = chain
    error = refusal(data)
    assert "nested at most" in error.message
    data["blocks"] = chain[:MAX_BLOCK_DEPTH]
    assert len(project_from_dict(data).graph.blocks) == MAX_BLOCK_DEPTH


def _leaf_block(name: str) -> dict:
    return {
        "name": name,
        "nodes": [
            {"id": "x", "type": "BlockInput", "label": "x", "position": [0, 0]},
            {"id": "y", "type": "BlockOutput", "label": "out", "position": [0, 0]},
        ],
        "edges": [{"from": ["x", "out"], "to": ["y", "in"]}],
    }


def _wrapper(name: str, inner: str) -> dict:
    block = _leaf_block(name)
    block["nodes"].insert(
        1, {"id": "b", "type": f"block:{inner}", "label": "b", "position": [0, 0]}
    )
    block["edges"] = [
        {"from": ["x", "out"], "to": ["b", "x"]},
        {"from": ["b", "out"], "to": ["y", "in"]},
    ]
    return block
