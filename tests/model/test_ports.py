"""Ports beyond one input and one output: a layer with an output per part (Chunk, Split,
whose number of parts is a parameter), an optional input, and an input taking token ids
(attention's padding mask)."""

from __future__ import annotations

import pytest

from designer.catalog.description import INT
from designer.model import Edge, Graph, PortInUseError, UnknownPortError, infer_shapes
from designer.model.edits import SetParam


def snapshot(graph: Graph) -> tuple:
    return [(n.id, dict(n.params)) for n in graph], list(graph.edges)


def split_design(sizes=(2, 3, -1)) -> tuple[Graph, str]:
    """Input(8) -> Split(sizes) with each part into a Linear and an Output of its own."""
    graph = Graph()
    x = graph.add_node("Input", {"features": 8}, node_id="x")
    split = graph.add_node("Split", {"sizes": sizes}, node_id="split")
    graph.connect(x.id, "out", split.id, "in")
    for index, _ in enumerate(sizes, start=1):
        fc = graph.add_node("Linear", {"units": 2}, node_id=f"fc{index}")
        out = graph.add_node("Output", node_id=f"out{index}")
        graph.connect(split.id, f"part{index}", fc.id, "in")
        graph.connect(fc.id, "out", out.id, "in")
    return graph, split.id


def test_each_wire_carries_the_shape_of_its_own_port():
    graph, split = split_design()
    analysis = infer_shapes(graph)
    assert analysis.valid, analysis.problems
    info = analysis.info(split)
    assert [s.dims for s in info.outputs] == [(2,), (3,), (3,)]
    assert info.ports == ("part1", "part2", "part3")
    assert info.output_text == "N×2, N×3, N×3"
    graph.set_param(split, "sizes", (3, 3, 2))
    assert infer_shapes(graph).info(split).output_text == "N×3, N×3, N×2"
    graph.set_param(split, "sizes", (2, 2, 2, -1))  # parts alike: counted
    assert infer_shapes(graph).info(split).output_text == "4 × N×2"
    assert [analysis.info(f"fc{i}").inputs[0].dims for i in (1, 2, 3)] == [(2,), (3,), (3,)]
    assert analysis.info(split).output_at("part2").dims == (3,)
    assert analysis.info(split).output_at("nope") is None


def test_the_number_of_output_ports_follows_the_parameters():
    graph, split = split_design()
    assert [p.name for p in graph.output_ports(split)] == ["part1", "part2", "part3"]
    graph.disconnect(Edge(split, "part3", "fc3", "in"))
    graph.set_param(split, "sizes", (4, 4))
    assert [p.name for p in graph.output_ports(split)] == ["part1", "part2"]
    with pytest.raises(UnknownPortError, match="no output 'part3'"):
        graph.connect(split, "part3", "fc3", "in")
    graph.set_param(split, "sizes", (4, 2, 1, 1))
    graph.connect(split, "part4", "fc3", "in")
    assert infer_shapes(graph).valid


def test_a_change_that_would_remove_a_wired_port_is_refused_and_changes_nothing():
    graph, split = split_design()
    before = snapshot(graph)
    with pytest.raises(PortInUseError, match="'part3' is connected"):
        graph.set_param(split, "sizes", (4, -1))
    assert snapshot(graph) == before
    edit = SetParam(split, "sizes", (4, -1))
    with pytest.raises(PortInUseError):
        edit.apply(graph)
    assert snapshot(graph) == before


def test_undo_and_redo_of_a_change_of_parts():
    graph = Graph()
    x = graph.add_node("Input", {"features": 6})
    chunk = graph.add_node("Chunk", {"chunks": 2})
    graph.connect(x.id, "out", chunk.id, "in")
    edit = SetParam(chunk.id, "chunks", 3)
    edit.apply(graph)
    graph.connect(chunk.id, "part3", graph.add_node("Output", {"loss": "mse"}).id, "in")
    assert [s.dims for s in infer_shapes(graph).info(chunk.id).outputs] == [(2,)] * 3
    graph.disconnect(graph.edges[-1])
    edit.revert(graph)
    assert [p.name for p in graph.output_ports(chunk.id)] == ["part1", "part2"]


def test_an_optional_input_may_stay_unconnected_and_a_token_input_takes_only_ids():
    graph = Graph()
    text = graph.add_node("Input", {"kind": "tokens", "length": 5, "vocab_size": 9})
    embed = graph.add_node("Embedding", {"num_embeddings": 9, "embedding_dim": 4})
    attention = graph.add_node("SelfAttention", {"num_heads": 2})
    out = graph.add_node("Output", {"loss": "mse"})
    graph.connect(text.id, "out", embed.id, "in")
    graph.connect(embed.id, "out", attention.id, "in")
    graph.connect(attention.id, "out", out.id, "in")
    assert infer_shapes(graph).valid  # no mask: nothing to report
    graph.connect(text.id, "out", attention.id, "mask")
    analysis = infer_shapes(graph)
    assert analysis.valid
    assert analysis.info(attention.id).inputs == (
        analysis.info(embed.id).output,
        analysis.info(text.id).output,
    )
    assert analysis.info(text.id).output.dtype == INT
    graph.disconnect(Edge(text.id, "out", attention.id, "mask"))
    graph.connect(embed.id, "out", attention.id, "mask")
    (problem,) = infer_shapes(graph).errors
    assert problem.node_id == attention.id
    assert "input 'mask' needs integer token ids, but gets real values" in problem.message


def test_a_mask_must_have_one_id_per_step():
    graph = Graph()
    text = graph.add_node("Input", {"kind": "tokens", "length": 5, "vocab_size": 9})
    other = graph.add_node("Input", {"kind": "tokens", "length": 7, "vocab_size": 9})
    embed = graph.add_node("Embedding", {"num_embeddings": 9, "embedding_dim": 4})
    attention = graph.add_node("CausalSelfAttention", {"num_heads": 2})
    out = graph.add_node("Output", {"loss": "mse"})
    graph.connect(text.id, "out", embed.id, "in")
    graph.connect(embed.id, "out", attention.id, "in")
    graph.connect(other.id, "out", attention.id, "mask")
    graph.connect(attention.id, "out", out.id, "in")
    (problem,) = infer_shapes(graph).errors
    assert "needs the 5 token ids of the sequence (id 0 marks padding), but gets 7" in (
        problem.message
    )
