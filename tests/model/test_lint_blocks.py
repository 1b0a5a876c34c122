"""The linter sees inside blocks: a finding inside is reported on each instance, once
per distinct input, and silencing it on the inner layer quiets every instance."""

from __future__ import annotations

from designer.model import Graph, infer_shapes
from designer.model.block_edits import GroupIntoBlock, RepeatBlock
from designer.model.definition_edits import InBlock
from designer.model.edits import Silence
from designer.model.lint import quick_fix, review


def design() -> tuple[Graph, list[str]]:
    """input -> [fc1 -> fc2] as a block, twice -> relu -> head -> output."""
    graph = Graph()
    graph.add_node("Input", {"features": 8}, "x", node_id="in")
    graph.add_node("Linear", {"units": 8}, "fc1", node_id="fc1")
    graph.add_node("Linear", {"units": 8}, "fc2", node_id="fc2")
    graph.add_node("ReLU", {}, "relu", node_id="relu")
    graph.add_node("Linear", {"units": 2}, "head", node_id="head")
    graph.add_node("Output", {"loss": "mse"}, "y", node_id="out")
    for src, dst in (("in", "fc1"), ("fc1", "fc2"), ("fc2", "relu"), ("relu", "head")):
        graph.connect(src, "out", dst, "in")
    graph.connect("head", "out", "out", "in")
    group = GroupIntoBlock(["fc1", "fc2"], "Pair")
    group.apply(graph)
    repeat = RepeatBlock(group.block_id, 2)
    repeat.apply(graph)
    return graph, [group.block_id, *repeat.new_ids]


def inside(analysis, rule: str) -> list:
    return [p for p in analysis.problems if p.rule == rule and "inside it" in p.message]


def test_a_finding_inside_a_block_is_reported_on_each_instance():
    graph, instances = design()
    analysis = review(graph, infer_shapes(graph))
    found = inside(analysis, "NN301")
    assert [p.node_id for p in found] == instances
    assert found[0].message.startswith("Pair 'pair1': inside it, Linear 'fc1'")
    assert analysis.info(instances[1]).problems  # shown on the card too
    assert not found[0].fix  # its fix would change the inside, not the instance
    assert quick_fix(found[0], graph, analysis) is None


def test_silencing_inside_the_block_quiets_every_instance():
    graph, _ = design()
    edit = InBlock("Pair", Silence("fc1", "NN301", "a low-rank factorization on purpose"))
    edit.apply(graph)
    assert not inside(review(graph, infer_shapes(graph)), "NN301")
    edit.revert(graph)
    assert len(inside(review(graph, infer_shapes(graph)), "NN301")) == 2
