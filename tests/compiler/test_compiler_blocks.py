"""Blocks in generated code: one class per block (per distinct code), instantiated per
use; the in-app model, the exported class and the flat design compute the same thing."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
import torch
from block_designs import residual_design, stage_ids
from test_compiler_codegen import assert_ruff_clean
from test_compiler_equivalence import assert_equivalent, exec_source
from test_compiler_graphs import random_graph

from designer.compiler import CompileError, build_model, generate_module_code, lower
from designer.compiler.export import example_inputs
from designer.compiler.lint import lint
from designer.io.library import BlockLibrary
from designer.model import BlockError, Graph
from designer.model.block_edits import GroupIntoBlock, RepeatBlock
from designer.model.definition_edits import AddBlocks


def resnet(stages: int = 3) -> Graph:
    """The residual design with its first stage grouped into BasicBlock, chained."""
    graph = residual_design(1)
    group = GroupIntoBlock(stage_ids(1), "BasicBlock")
    group.apply(graph)
    if stages > 1:
        RepeatBlock(group.block_id, stages).apply(graph)
    return graph


def test_a_resnet_exports_basic_block_plus_net_like_a_person_would(tmp_path):
    source = generate_module_code(resnet()).source
    assert source.count("class BasicBlock(nn.Module):") == 1
    assert source.count("class Net(nn.Module):") == 1
    assert source.index("class BasicBlock") < source.index("class Net")
    assert source.count("= BasicBlock()") == 3
    assert "def forward(self, x: torch.Tensor) -> torch.Tensor:" in source
    (tmp_path / "model.py").write_text(source, encoding="utf-8")
    assert_ruff_clean(tmp_path)


def test_the_block_design_is_the_flat_design():
    """Same parameter count, same seeded weights in the same order, same outputs."""
    blocks, flat = resnet(3), residual_design(3)
    assert lower(blocks).total_params == lower(flat).total_params
    first, second = build_model(blocks, seed=5).eval(), build_model(flat, seed=5).eval()
    mine = list(first.state_dict().values())
    theirs = list(second.state_dict().values())
    assert len(mine) == len(theirs) and all(
        torch.equal(a, b) for a, b in zip(mine, theirs, strict=True)
    )
    (image,) = example_inputs(lower(flat), batch=2)
    with torch.no_grad():
        assert torch.equal(first(image), second(image))


def test_in_app_and_exported_models_agree_with_nested_blocks():
    graph = resnet(2)
    node_ids = [n for n in graph.nodes if graph.node(n).type == "block:BasicBlock"]
    GroupIntoBlock([*node_ids, "flat"], "Trunk").apply(graph)
    source = generate_module_code(graph).source
    assert (
        source.index("class BasicBlock") < source.index("class Trunk") < source.index("class Net")
    )
    assert_equivalent(graph, seed=3)
    assert_equivalent(resnet(3), seed=1)


def test_a_block_whose_layers_follow_its_input_gets_a_class_per_variant():
    graph = Graph()
    graph.add_node("Input", {"features": 8}, "features", node_id="in")
    graph.add_node("Linear", {"units": 6}, "wide", node_id="a")
    graph.add_node("Linear", {"units": 6}, "again", node_id="b")
    graph.add_node("Linear", {"units": 3}, "narrow", node_id="c")
    graph.add_node("Output", {"loss": "mse"}, node_id="out")
    for src, dst in (("in", "a"), ("a", "b"), ("b", "c"), ("c", "out")):
        graph.connect(src, "out", dst, "in")
    group = GroupIntoBlock(["a"], "Dense")
    group.apply(graph)
    graph.remove_node("b")
    second = graph.add_node("block:Dense", node_id="b")
    graph.connect(group.block_id, "out", second.id, "x")
    graph.connect(second.id, "out", "c", "in")
    ir = lower(graph)
    assert [block.class_name for block in ir.blocks] == ["Dense", "Dense2"]
    assert_equivalent(graph)


def test_a_block_with_two_outputs_unpacks_them():
    graph = Graph()
    graph.add_node("Input", {"features": 6}, "features", node_id="in")
    graph.add_node("Chunk", {"chunks": 2}, "halves", node_id="split")
    graph.add_node("Linear", {"units": 3}, "left", node_id="left")
    graph.add_node("Linear", {"units": 3}, "right", node_id="right")
    graph.add_node("Add", {}, "sum", node_id="sum")
    graph.add_node("Output", {"loss": "mse"}, node_id="out")
    graph.connect("in", "out", "split", "in")
    graph.connect("split", "part1", "left", "in")
    graph.connect("split", "part2", "right", "in")
    graph.connect("left", "out", "sum", "in")
    graph.connect("right", "out", "sum", "in")
    graph.connect("sum", "out", "out", "in")
    GroupIntoBlock(["split", "left", "right"], "Halves").apply(graph)
    source = generate_module_code(graph).source
    assert "return left, right" in source
    assert "halves1_out, halves1_out2 = self.halves1(features)" in source
    assert_equivalent(graph)


def test_lint_refuses_a_step_calling_an_undefined_block_class():
    ir = lower(resnet(1))
    step = next(s for s in ir.steps if s.block)
    broken = replace(step, block="Missing")
    with pytest.raises(CompileError, match="not defined before"):
        lint(replace(ir, steps=tuple(broken if s is step else s for s in ir.steps)))


def test_the_main_class_is_renamed_when_a_block_has_its_name():
    source = generate_module_code(resnet(1), class_name="basic block").source
    assert "class BasicBlock(nn.Module):" in source and "class BasicBlockNet(nn.Module):" in source
    assert "Net" in exec_source(source)["BasicBlockNet"].__name__


def starter_design(names: list[str], input_params: dict) -> tuple[Graph, list[str]]:
    graph = Graph()
    library = BlockLibrary(None)
    for name in names:
        AddBlocks(library.get(name).snapshots).apply(graph)
    graph.add_node("Input", input_params, "data", node_id="in")
    return graph, [graph.add_node(f"block:{name}").id for name in names]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("BasicBlock", {"kind": "image", "channels": 64, "height": 6, "width": 6}),
        ("Bottleneck", {"kind": "image", "channels": 64, "height": 5, "width": 5}),
        ("TransformerEncoder", {"kind": "sequence", "length": 7, "features": 32}),
    ],
)
def test_each_single_port_starter_block_compiles_and_agrees(name, params):
    graph, (block,) = starter_design([name], params)
    graph.add_node("Output", {"loss": "mse"}, "target", node_id="out")
    graph.connect("in", "out", block, "x")
    graph.connect(block, "out", "out", "in")
    assert f"class {name}(nn.Module):" in generate_module_code(graph).source
    assert_equivalent(graph, seed=2)


def test_the_unet_stages_compile_and_agree():
    image = {"kind": "image", "channels": 16, "height": 8, "width": 8}
    graph, (down, up) = starter_design(["UNetDown", "UNetUp"], image)
    graph.add_node("Conv2d", {"out_channels": 32, "padding": 1}, "middle", node_id="mid")
    graph.add_node("Conv2d", {"out_channels": 1, "kernel_size": 1}, "head", node_id="head")
    graph.add_node("Output", {"loss": "mse"}, "target", node_id="out")
    graph.connect("in", "out", down, "x")
    graph.connect(down, "down", "mid", "in")
    graph.connect("mid", "out", up, "x")
    graph.connect(down, "skip", up, "skip")
    graph.connect(up, "out", "head", "in")
    graph.connect("head", "out", "out", "in")
    source = generate_module_code(graph).source
    assert "unetdown1_skip, unetdown1_down = self.unetdown1(data)" in source
    assert_equivalent(graph, seed=4)


@pytest.mark.parametrize("seed", range(0, 40, 4))
def test_grouping_any_selection_keeps_the_computation(seed):
    """Random designs, random selections of their layers: a selection that can be a block
    becomes one without changing the parameter count, and the in-app model and exported
    class still agree; one that cannot is refused leaving the design exactly as it was.

    Layers that reach no Output are taken out first: the flat design drops them, while a
    block computes all its outputs whether the design uses them or not."""
    rng = random.Random(seed)
    for attempt in range(4):
        graph = random_graph(seed + attempt)
        used = graph.upstream(graph.nodes_of_role("output"))
        for node_id in [n for n in graph.nodes if n not in used]:
            graph.remove_node(node_id)
        layers = [n for n in graph.nodes if graph.spec(n).role == "layer"]
        chosen = rng.sample(layers, rng.randint(1, max(1, len(layers) // 2)))
        flat = lower(graph)
        before = (list(graph.nodes), graph.edges)
        try:
            GroupIntoBlock(chosen, "Part").apply(graph)
        except BlockError:
            assert (list(graph.nodes), graph.edges) == before
            assert "Part" not in graph.blocks
            continue
        grouped = lower(graph)
        assert grouped.total_params == flat.total_params
        assert_equivalent(graph, seed=seed)
