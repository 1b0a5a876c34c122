"""Blocks in the model: grouping, inference inside, counts, and the block edits' undo."""

from __future__ import annotations

import pytest
from block_designs import residual_design, stage_ids

from designer.model import BlockError, Edge, Graph, PortInUseError, infer_shapes
from designer.model.block_edits import (
    DetachBlock,
    GroupIntoBlock,
    RepeatBlock,
    Ungroup,
    reinsertion_indices,
)
from designer.model.block_table import BlockDefinition, block_type
from designer.model.definition_edits import InBlock, ReplaceBlock
from designer.model.definition_edits import snapshot as definition_snapshot
from designer.model.edits import AddNode, Disconnect, RemoveNodes, Rename, SetParam


def snapshot(graph: Graph) -> tuple:
    nodes = [(n.id, n.type, n.label, dict(n.params), n.position) for n in graph]
    blocks = [
        (d.name, [(n.id, n.type, n.label) for n in d.graph], d.graph.edges) for d in graph.blocks
    ]
    return nodes, list(graph.edges), blocks


def check_undo_redo(graph: Graph, edit) -> None:
    before = snapshot(graph)
    edit.apply(graph)
    after = snapshot(graph)
    assert after != before
    edit.revert(graph)
    assert snapshot(graph) == before
    edit.apply(graph)
    assert snapshot(graph) == after
    edit.revert(graph)
    assert snapshot(graph) == before


def grouped(stages: int = 1) -> tuple[Graph, str]:
    graph = residual_design(stages)
    edit = GroupIntoBlock(stage_ids(1), "BasicBlock")
    edit.apply(graph)
    assert edit.block_id is not None
    return graph, edit.block_id


def test_grouping_keeps_shapes_and_counts_and_names_the_ports():
    flat = residual_design()
    before = infer_shapes(flat)
    graph, block = grouped()
    after = infer_shapes(graph)
    assert after.valid, after.problems
    assert after.total_params == before.total_params
    assert after.total_macs == before.total_macs
    assert after.info(block).output == before.info("relu2_1").output
    assert after.info(block).params == sum(before.info(n).params for n in stage_ids(1))
    spec = graph.spec(block)
    assert [p.name for p in spec.inputs] == ["x"] and [p.name for p in spec.outputs] == ["out"]
    assert graph.in_edges(block) == [Edge("stem_relu", "out", block, "x")]
    assert graph.out_edges(block) == [Edge(block, "out", "flat", "in")]
    definition = graph.blocks.get("BasicBlock")
    inner = definition.graph
    assert inner.node("in1").params["shape"] == (8, 6, 6)
    assert infer_shapes(inner).valid  # the definition checks on its own sample shape


def test_group_is_one_undoable_step():
    check_undo_redo(residual_design(), GroupIntoBlock(stage_ids(1), "BasicBlock"))


def test_group_keeps_merge_order_of_edges_leaving_the_block():
    graph = Graph()
    graph.add_node("Input", {"features": 4}, node_id="in")
    graph.add_node("Linear", {"units": 2}, node_id="a")
    graph.add_node("Linear", {"units": 3}, node_id="b")
    graph.add_node("Concatenate", node_id="cat")
    graph.add_node("Output", {"loss": "mse"}, node_id="out")
    graph.connect("in", "out", "a", "in")
    graph.connect("in", "out", "b", "in")
    graph.connect("b", "out", "cat", "in")
    graph.connect("a", "out", "cat", "in")
    graph.connect("cat", "out", "out", "in")
    edit = GroupIntoBlock(["a"], "Inner")
    edit.apply(graph)
    assert [e.src for e in graph.in_edges("cat")] == ["b", edit.block_id]
    assert infer_shapes(graph).info("cat").output.dims == (5,)


def test_group_refuses_inputs_outputs_and_taken_names():
    graph = residual_design()
    with pytest.raises(BlockError, match="cannot go inside a block"):
        GroupIntoBlock(["in", "stem"], "A").apply(graph)
    with pytest.raises(BlockError, match="select"):
        GroupIntoBlock([], "A").apply(graph)
    with pytest.raises(BlockError, match="block name"):
        GroupIntoBlock(["stem"], "2bad").apply(graph)
    GroupIntoBlock(["stem"], "A").apply(graph)
    with pytest.raises(BlockError, match="already exists"):
        GroupIntoBlock(["head"], "A").apply(graph)


def test_an_edit_inside_the_definition_updates_every_instance():
    graph, first = grouped()
    repeat = RepeatBlock(first, 2)
    repeat.apply(graph)
    (second,) = repeat.new_ids
    assert infer_shapes(graph).info(second).params == 1168
    edit = InBlock("BasicBlock", SetParam("conv2_1", "out_channels", 4))
    edit.apply(graph)
    analysis = infer_shapes(graph)
    (problem,) = [p for p in analysis.problems if p.node_id == first]
    assert problem.message.startswith("BasicBlock 'basicblock1': inside it, Add 'add_1'")
    assert analysis.info(second).output is None  # downstream of the fault
    edit.revert(graph)
    analysis = infer_shapes(graph)
    assert analysis.valid and analysis.info(second).params == 1168


def test_ungroup_restores_the_flat_computation_and_undoes():
    graph, block = grouped()
    total = infer_shapes(graph).total_params
    check_undo_redo(graph, Ungroup(block))
    edit = Ungroup(block)
    edit.apply(graph)
    analysis = infer_shapes(graph)
    assert analysis.valid and analysis.total_params == total
    assert block not in graph.nodes
    assert [graph.node(n).type for n in graph.nodes].count("Conv2d") == 3


def test_ungroup_refuses_an_output_fed_by_nothing_inside_and_changes_nothing():
    graph, block = grouped()
    definition = graph.blocks.get("BasicBlock")
    (output,) = definition.output_nodes
    (feed,) = definition.graph.in_edges(output)
    InBlock("BasicBlock", Disconnect(feed)).apply(graph)
    before = snapshot(graph)
    with pytest.raises(BlockError, match="is fed by nothing inside it"):
        Ungroup(block).apply(graph)
    assert snapshot(graph) == before


def test_detach_gives_the_instance_its_own_copy():
    graph, block = grouped()
    other = graph.add_node(block_type("BasicBlock")).id
    check_undo_redo(graph, DetachBlock(block))
    edit = DetachBlock(block)
    edit.apply(graph)
    assert graph.node(block).type == "block:BasicBlock2"
    InBlock("BasicBlock2", SetParam("conv1_1", "out_channels", 16)).apply(graph)
    assert graph.node(other).type == "block:BasicBlock"
    inner = graph.blocks.get("BasicBlock").graph
    assert inner.node("conv1_1").params["out_channels"] == 8


def test_repeat_chains_copies_and_refuses_a_shape_changing_block():
    graph, block = grouped()
    single = infer_shapes(graph).total_params
    check_undo_redo(graph, RepeatBlock(block, 3))
    edit = RepeatBlock(block, 3)
    edit.apply(graph)
    analysis = infer_shapes(graph)
    assert analysis.valid
    assert analysis.total_params == single + 2 * analysis.info(block).params
    last = edit.new_ids[-1]
    assert graph.out_edges(last) == [Edge(last, "out", "flat", "in")]
    assert graph.in_edges(edit.new_ids[0]) == [Edge(block, "out", edit.new_ids[0], "x")]
    head = GroupIntoBlock(["flat", "head"], "Head")
    head.apply(graph)
    with pytest.raises(BlockError, match="input's shape"):
        RepeatBlock(head.block_id, 2).apply(graph)
    with pytest.raises(BlockError, match="2 to 64"):
        RepeatBlock(block, 1).apply(graph)


def test_a_block_cannot_hold_itself_nor_boundary_nodes_outside():
    graph, _ = grouped()
    with pytest.raises(BlockError, match="hold itself"):
        InBlock("BasicBlock", AddNode(block_type("BasicBlock"))).apply(graph)
    with pytest.raises(BlockError, match="inside a block"):
        graph.add_node("BlockInput")
    inner = graph.blocks.get("BasicBlock").graph
    with pytest.raises(BlockError, match="cannot go inside a block"):
        inner.add_node("Input")


def test_nested_blocks_infer_and_refuse_indirect_recursion():
    graph, block = grouped()
    outer = GroupIntoBlock([block, "flat"], "Outer")
    outer.apply(graph)
    analysis = infer_shapes(graph)
    assert analysis.valid and analysis.total_params == infer_shapes(residual_design()).total_params
    with pytest.raises(BlockError, match="hold itself"):
        InBlock("BasicBlock", AddNode(block_type("Outer"))).apply(graph)


def test_problems_of_a_definition_name_its_ports():
    graph, _ = grouped()
    inner = graph.blocks.get("BasicBlock").graph
    inner.add_node("BlockOutput", {}, "out", node_id="dup")
    messages = [p.message for p in infer_shapes(inner).problems]
    assert any("two output ports" in m for m in messages)
    assert any("its input is not connected" in m for m in messages)


def test_blocks_table_validates_definitions():
    graph = Graph()
    with pytest.raises(ValueError, match="not the definition"):
        graph.blocks.add(BlockDefinition("A", Graph(graph.catalog)))
    with pytest.raises(ValueError, match="another project"):
        graph.blocks.add(BlockDefinition("A", Graph().blocks.new_graph("A")))


def test_reinsertion_indices_keep_places_among_kept_edges():
    # edges 0..5; 1, 3, 4 removed; 3 and 4 replaced -> after kept 0, 2: at 2 and 3
    assert reinsertion_indices([1, 3, 4], [3, 4]) == [2, 3]
    assert reinsertion_indices([0], [0]) == [0]


def test_a_selection_a_path_leaves_and_reenters_is_refused_untouched():
    graph = residual_design()
    before = snapshot(graph)
    with pytest.raises(BlockError, match="fed by the selection and feeds it too"):
        GroupIntoBlock(["conv1_1", "conv2_1"], "Gap").apply(graph)
    assert snapshot(graph) == before


def test_a_wired_port_cannot_be_removed_or_renamed_inside_the_block():
    graph, block = grouped()
    inner = graph.blocks.get("BasicBlock").graph
    before = snapshot(graph)
    for edit in (RemoveNodes(["in1"]), Rename("in1", "features"), Rename("out1", "y")):
        with pytest.raises(PortInUseError, match="basicblock1' is wired to the port"):
            InBlock("BasicBlock", edit).apply(graph)
        assert snapshot(graph) == before
    graph.disconnect(graph.in_edges(block)[0])
    InBlock("BasicBlock", Rename("in1", "features")).apply(graph)
    assert [p.name for p in graph.spec(block).inputs] == ["features"]
    graph.connect("stem_relu", "out", block, "features")
    assert infer_shapes(graph).valid and inner.node("in1").label == "features"


def test_a_new_port_inside_sorts_the_instances_wires_by_port():
    graph, block = grouped()
    inner = graph.blocks.get("BasicBlock").graph
    assert [e.dst_port for e in graph.in_edges(block)] == ["x"]
    inner.add_node("BlockInput", {"shape": [8, 6, 6]}, "skip", node_id="skip", index=0)
    inner.add_node("Add", {}, "mix", node_id="mix")
    inner.connect("skip", "out", "mix", "in")
    inner.connect("relu2_1", "out", "mix", "in")
    inner.disconnect(inner.in_edges("out1")[0])
    inner.connect("mix", "out", "out1", "in")
    assert [p.name for p in graph.spec(block).inputs] == ["skip", "x"]
    graph.connect("stem", "out", block, "skip")
    assert [e.dst_port for e in graph.in_edges(block)] == ["skip", "x"]
    assert infer_shapes(graph).valid


def test_replacing_a_definition_updates_instances_keeps_wired_ports_and_undoes():
    graph, block = grouped()
    before = snapshot(graph)
    residual = residual_design(1, channels=4)  # the same block, 4 channels wide
    narrow = GroupIntoBlock(stage_ids(1), "BasicBlock")
    narrow.apply(residual)
    new = definition_snapshot(residual.blocks.get("BasicBlock"))
    edit = ReplaceBlock(new)
    edit.apply(graph)
    (problem,) = infer_shapes(graph).info(block).problems  # the instance follows at once
    assert "inside it, Add 'add_1': needs inputs of one shape" in problem.message
    assert "4×6×6 and 8×6×6" in problem.message
    edit.revert(graph)
    assert snapshot(graph) == before and infer_shapes(graph).info(block).params == 1168
    inner = residual.blocks.get("BasicBlock").graph
    residual.disconnect(residual.in_edges(narrow.block_id)[0])
    inner.rename_node("in1", "features")  # nothing uses it there now
    with pytest.raises(BlockError, match="wired to the port 'x', which the new BasicBlock"):
        ReplaceBlock(definition_snapshot(residual.blocks.get("BasicBlock"))).apply(graph)
    assert snapshot(graph) == before


def test_an_instance_help_page_lists_the_ports_and_the_layers_inside():
    graph, block = grouped()
    docs = graph.spec(block).docs
    assert docs.formula == "BasicBlock(x) → (out)"
    assert "5 layers: Conv2d 'conv1_1', ReLU 'relu1_1'" in docs.about
