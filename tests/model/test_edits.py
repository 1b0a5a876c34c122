"""Every edit's revert restores the graph exactly, and redo repeats the same change."""

from __future__ import annotations

import pytest

from designer.model import CycleError, Edge, Graph, Node, UnknownNodeError
from designer.model.edits import (
    AddNode,
    AddSubgraph,
    Compound,
    Connect,
    Disconnect,
    MoveNodes,
    RemoveNodes,
    Rename,
    SetParam,
)


def snapshot(graph: Graph) -> tuple:
    nodes = [(n.id, n.type, n.label, dict(n.params), n.position) for n in graph]
    return nodes, list(graph.edges)


@pytest.fixture
def graph() -> Graph:
    """input -> fc1 -> {a, b, c, d} -> add -> output: a merge of four branches."""
    graph = Graph()
    graph.add_node("Input", {"features": 4}, node_id="in")
    graph.add_node("Linear", {"units": 6}, node_id="fc1")
    graph.connect("in", "out", "fc1", "in")
    graph.add_node("Add", node_id="add")
    for name in "abcd":
        graph.add_node("Linear", {"units": 6}, label=name, node_id=name)
        graph.connect("fc1", "out", name, "in")
        graph.connect(name, "out", "add", "in")
    graph.add_node("Output", {"loss": "mse"}, node_id="out")
    graph.connect("add", "out", "out", "in")
    return graph


def check_undo_redo(graph: Graph, edit) -> None:
    """apply; revert == before; apply again == after the first apply."""
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


EDITS = {
    "add node": lambda: AddNode("Conv2d", {"out_channels": 4}, position=(5.0, 6.0)),
    "remove first": lambda: RemoveNodes(["in"]),
    "remove merge input": lambda: RemoveNodes(["b"]),
    "connect": lambda: Connect("fc1", "out", "add", "in"),
    "disconnect": lambda: Disconnect(Edge("b", "out", "add", "in")),
    "set param": lambda: SetParam("fc1", "units", 12),
    "set choice": lambda: SetParam("fc1", "activation", "gelu"),
    "move": lambda: MoveNodes({"a": ((0.0, 0.0), (10.0, 20.0)), "b": ((0.0, 0.0), (3.0, 4.0))}),
    "rename": lambda: Rename("fc1", "hidden"),
    "subgraph": lambda: AddSubgraph(
        [Node("x", "Linear", "fc1", {"units": 2}), Node("y", "ReLU", "relu")],
        [Edge("x", "out", "y", "in")],
        offset=(30.0, 30.0),
    ),
    "compound": lambda: Compound(
        [SetParam("a", "units", 3), Rename("a", "alpha"), Disconnect(Edge("c", "out", "add", "in"))]
    ),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_revert_restores_exactly(graph: Graph, name: str) -> None:
    check_undo_redo(graph, EDITS[name]())


def test_remove_nodes_in_the_middle_of_a_merge_restores_edge_order(graph: Graph) -> None:
    before = snapshot(graph)
    edit = RemoveNodes(["c", "a", "fc1"])  # any order, with and without shared edges
    edit.apply(graph)
    assert [e.src for e in graph.in_edges("add")] == ["b", "d"]
    assert {"a", "c", "fc1"}.isdisjoint(graph.nodes)
    edit.revert(graph)
    assert snapshot(graph) == before
    assert [e.src for e in graph.in_edges("add")] == ["a", "b", "c", "d"]


def test_remove_nodes_refuses_unknown_ids_before_changing_anything(graph: Graph) -> None:
    before = snapshot(graph)
    with pytest.raises(UnknownNodeError):
        RemoveNodes(["a", "nope"]).apply(graph)
    assert snapshot(graph) == before


def test_add_node_keeps_its_id_and_label_for_redo(graph: Graph) -> None:
    edit = AddNode("Linear")
    edit.apply(graph)
    first = (edit.node_id, edit.label)
    edit.revert(graph)
    graph.add_node("Tanh")  # would take the next id if AddNode chose again
    graph.remove_node(graph.topological_order()[-1])
    edit.apply(graph)
    assert (edit.node_id, edit.label) == first


def test_set_param_merges_consecutive_changes_of_one_field(graph: Graph) -> None:
    before = snapshot(graph)
    first = SetParam("fc1", "units", 7)
    first.apply(graph)
    second = SetParam("fc1", "units", 9)
    second.apply(graph)
    assert first.merge(second)
    assert first.value == 9
    assert not first.merge(SetParam("fc1", "bias", False))
    assert not first.merge(SetParam("a", "units", 9))
    first.revert(graph)
    assert snapshot(graph) == before
    first.apply(graph)
    assert graph.node("fc1").params["units"] == 9


def test_add_subgraph_ids_and_labels_are_stable_across_redo(graph: Graph) -> None:
    nodes = [Node("p", "Linear", "a", {"units": 5}), Node("q", "Linear", "q", {"units": 2})]
    edit = AddSubgraph(nodes, [Edge("p", "out", "q", "in")], offset=(100.0, 0.0))
    edit.apply(graph)
    ids = edit.new_ids
    after = snapshot(graph)
    assert graph.node(ids[0]).label != "a"  # clashed with an existing label
    assert graph.node(ids[1]).label == "q"
    edit.revert(graph)
    graph.add_node("ReLU")  # taking ids in between must not change the redo
    graph.remove_node(graph.topological_order()[-1])
    edit.apply(graph)
    assert edit.new_ids == ids
    assert snapshot(graph) == after


def test_add_subgraph_rolls_back_on_failure(graph: Graph) -> None:
    before = snapshot(graph)
    nodes = [Node("p", "Linear", "p"), Node("q", "Linear", "q")]
    edges = [Edge("p", "out", "q", "in"), Edge("q", "out", "p", "in")]
    with pytest.raises(CycleError):
        AddSubgraph(nodes, edges).apply(graph)
    assert snapshot(graph) == before


def test_compound_undoes_the_applied_part_on_failure(graph: Graph) -> None:
    before = snapshot(graph)
    edit = Compound([SetParam("a", "units", 3), Connect("add", "out", "a", "in")])
    with pytest.raises(Exception, match="already has an input"):
        edit.apply(graph)
    assert snapshot(graph) == before


def test_disconnect_puts_the_edge_back_at_its_index(graph: Graph) -> None:
    edges = list(graph.edges)
    edit = Disconnect(edges[3])
    edit.apply(graph)
    assert edges[3] not in graph.edges
    edit.revert(graph)
    assert list(graph.edges) == edges
