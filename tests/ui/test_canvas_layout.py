"""The layered auto-layout (pure: no widgets needed)."""

from __future__ import annotations

import itertools

from designer.model import Graph
from designer.model.layout import COLUMN_GAP, ROW_GAP, depths, layered_layout


def chain(graph: Graph, *types: str) -> list[str]:
    ids = [graph.add_node(t).id for t in types]
    for a, b in itertools.pairwise(ids):
        graph.connect(a, "out", b, "in")
    return ids


def test_a_chain_is_one_straight_row():
    graph = Graph()
    ids = chain(graph, "Input", "Linear", "ReLU", "Linear", "Output")
    positions = layered_layout(graph)
    assert [positions[n] for n in ids] == [(i * COLUMN_GAP, 0.0) for i in range(5)]


def test_columns_are_longest_path_depths_and_rows_are_spaced():
    graph = Graph()
    a, b, c, d = chain(graph, "Input", "Linear", "ReLU", "Linear")
    skip = graph.add_node("Identity").id
    merge = graph.add_node("Add").id
    graph.connect(a, "out", skip, "in")
    graph.connect(d, "out", merge, "in")
    graph.connect(skip, "out", merge, "in")
    assert depths(graph) == {a: 0, b: 1, c: 2, d: 3, skip: 1, merge: 4}
    positions = layered_layout(graph, origin=(100, 50))
    assert positions[merge][0] == 100 + 4 * COLUMN_GAP
    assert abs(positions[b][1] - positions[skip][1]) == ROW_GAP
    assert min(y for _, y in positions.values()) == 50


def test_rows_follow_their_parents_to_avoid_crossings():
    graph = Graph()
    top, bottom = graph.add_node("Input").id, graph.add_node("Input").id
    # added in the "wrong" order: the child of the bottom input first
    child_of_bottom = graph.add_node("ReLU").id
    child_of_top = graph.add_node("ReLU").id
    graph.connect(top, "out", child_of_top, "in")
    graph.connect(bottom, "out", child_of_bottom, "in")
    positions = layered_layout(graph)
    assert positions[child_of_top][1] < positions[child_of_bottom][1]


def test_empty_graph():
    assert layered_layout(Graph()) == {}
