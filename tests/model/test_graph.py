"""Graph queries and mutators: typed refusals that change nothing, and one event per change."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from designer.model import (
    CycleError,
    DuplicateEdgeError,
    DuplicateNodeError,
    Edge,
    Graph,
    GraphError,
    IncompatiblePortsError,
    InvalidLabelError,
    InvalidParameterError,
    InvalidPositionError,
    PortOccupiedError,
    UnknownLayerTypeError,
    UnknownNodeError,
    UnknownPortError,
)


def snapshot(graph: Graph) -> tuple:
    """Everything observable: node order and contents, edge order."""
    nodes = [(n.id, n.type, n.label, dict(n.params), n.position) for n in graph]
    return nodes, list(graph.edges)


class Recorder:
    """Counts the events a graph emits."""

    def __init__(self, graph: Graph) -> None:
        self.events: list[tuple] = []
        for name in (
            "node_added",
            "node_removed",
            "edge_added",
            "edge_removed",
            "param_changed",
            "node_moved",
            "node_renamed",
        ):
            getattr(graph.events, name).connect(
                lambda *args, name=name: self.events.append((name, *args))
            )

    def names(self) -> Counter:
        return Counter(event[0] for event in self.events)


@pytest.fixture
def chain() -> tuple[Graph, list[str]]:
    """input -> fc1 -> relu -> fc2 -> output, plus add2 -> add1 (two merges)."""
    graph = Graph()
    ids = [
        graph.add_node("Input", {"features": 4}).id,
        graph.add_node("Linear", {"units": 8}).id,
        graph.add_node("ReLU").id,
        graph.add_node("Linear", {"units": 3}).id,
        graph.add_node("Output").id,
    ]
    for a, b in itertools.pairwise(ids):
        graph.connect(a, "out", b, "in")
    ids.append(graph.add_node("Add").id)
    ids.append(graph.add_node("Add").id)
    graph.connect(ids[6], "out", ids[5], "in")
    return graph, ids


REFUSALS = [
    ("cycle", lambda ids: (ids[5], "out", ids[6], "in"), CycleError),
    ("self loop", lambda ids: (ids[2], "out", ids[2], "in"), CycleError),
    ("duplicate", lambda ids: (ids[0], "out", ids[1], "in"), DuplicateEdgeError),
    ("occupied", lambda ids: (ids[0], "out", ids[2], "in"), PortOccupiedError),
    ("output to output", lambda ids: (ids[0], "out", ids[1], "out"), IncompatiblePortsError),
    ("input as source", lambda ids: (ids[1], "in", ids[5], "in"), IncompatiblePortsError),
    ("unknown source node", lambda ids: ("nope", "out", ids[5], "in"), UnknownNodeError),
    ("unknown target node", lambda ids: (ids[0], "out", "nope", "in"), UnknownNodeError),
    ("unknown source port", lambda ids: (ids[0], "bogus", ids[5], "in"), UnknownPortError),
    ("unknown target port", lambda ids: (ids[0], "out", ids[5], "bogus"), UnknownPortError),
    ("source without outputs", lambda ids: (ids[4], "out", ids[5], "in"), UnknownPortError),
]


@pytest.mark.parametrize(("case", "make", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_connections_are_typed_and_change_nothing(chain, case, make, error) -> None:
    graph, ids = chain
    before = snapshot(graph)
    recorder = Recorder(graph)
    with pytest.raises(error) as caught:
        graph.check_connect(*make(ids))
    assert isinstance(caught.value, GraphError) and str(caught.value)
    with pytest.raises(error):
        graph.connect(*make(ids))
    assert snapshot(graph) == before
    assert recorder.events == []


def test_messages_name_the_nodes(chain) -> None:
    graph, ids = chain
    with pytest.raises(CycleError, match="connecting Add 'add1' to Add 'add2' would make a loop"):
        graph.connect(ids[5], "out", ids[6], "in")
    with pytest.raises(PortOccupiedError, match="ReLU 'relu1' already has an input") as caught:
        graph.connect(ids[0], "out", ids[2], "in")
    assert caught.value.node_id == ids[2]


def test_a_merge_takes_many_inputs_in_connection_order(chain) -> None:
    graph, ids = chain
    add = ids[6]
    for src in (ids[3], ids[1], ids[2]):
        graph.connect(src, "out", add, "in")
    assert [e.src for e in graph.in_edges(add)] == [ids[3], ids[1], ids[2]]
    graph.disconnect(Edge(ids[1], "out", add, "in"))
    graph.connect(ids[1], "out", add, "in", index=graph.edge_index(Edge(ids[3], "out", add, "in")))
    assert [e.src for e in graph.in_edges(add)] == [ids[1], ids[3], ids[2]]
    with pytest.raises(DuplicateEdgeError):
        graph.connect(ids[2], "out", add, "in")


def test_queries(chain) -> None:
    graph, ids = chain
    assert graph.topological_order() == [*ids[:5], ids[6], ids[5]]
    assert graph.reaches(ids[0], ids[4]) and not graph.reaches(ids[4], ids[0])
    assert graph.reaches(ids[2], ids[2])
    assert not graph.reaches(ids[0], ids[5])
    assert graph.out_edges(ids[1]) == [Edge(ids[1], "out", ids[2], "in")]
    assert graph.in_edges(ids[0]) == [] and graph.out_edges(ids[4]) == []
    assert graph.has_out_edges(ids[0]) and not graph.has_out_edges(ids[4])
    assert graph.upstream([ids[2]]) == set(ids[:3])
    assert graph.nodes_of_role("input") == [ids[0]]
    assert graph.describe(ids[1]) == "Linear 'fc1'"
    assert graph.node_index(ids[3]) == 3
    with pytest.raises(UnknownNodeError):
        graph.in_edges("nope")


def test_topological_ties_keep_insertion_order() -> None:
    graph = Graph()
    a, b, c, d = (graph.add_node("Identity").id for _ in range(4))
    graph.connect(d, "out", a, "in")
    graph.connect(c, "out", b, "in")
    assert graph.topological_order() == [c, b, d, a]


def test_events_once_per_change_and_none_on_no_op(chain) -> None:
    graph, ids = chain
    recorder = Recorder(graph)
    graph.set_param(ids[1], "units", 9)
    graph.set_param(ids[1], "units", 9)
    graph.move_node(ids[1], 10, 20)
    graph.move_node(ids[1], 10.0, 20.0)
    graph.rename_node(ids[1], "hidden")
    graph.rename_node(ids[1], "hidden")
    edge = graph.connect(ids[0], "out", ids[5], "in")
    graph.disconnect(edge)
    new = graph.add_node("Tanh").id
    graph.remove_node(new)
    assert recorder.events == [
        ("param_changed", ids[1], "units", 9),
        ("node_moved", ids[1], 10.0, 20.0),
        ("node_renamed", ids[1], "hidden"),
        ("edge_added", edge),
        ("edge_removed", edge),
        ("node_added", new),
        ("node_removed", new),
    ]


def test_a_type_change_of_an_equal_value_is_a_change() -> None:
    graph = Graph()
    node = graph.add_node("Dropout", {"p": 1}).id
    recorder = Recorder(graph)
    assert graph.node(node).params["p"] == 1.0 and isinstance(graph.node(node).params["p"], float)
    assert graph.set_param(node, "p", 1) == 1.0
    assert recorder.events == []  # validation made it 1.0 again: no change


def test_remove_node_removes_its_edges_first(chain) -> None:
    graph, ids = chain
    recorder = Recorder(graph)
    graph.remove_node(ids[2])
    assert recorder.names() == Counter({"edge_removed": 2, "node_removed": 1})
    assert recorder.events[-1] == ("node_removed", ids[2])
    assert all(not e.touches(ids[2]) for e in graph.edges)
    assert graph.in_edges(ids[3]) == [] and graph.out_edges(ids[1]) == []
    graph.connect(ids[1], "out", ids[3], "in")  # the freed ports accept again


def test_clear_empties_the_graph(chain) -> None:
    graph, _ = chain
    recorder = Recorder(graph)
    graph.clear()
    assert len(graph) == 0 and graph.edges == ()
    assert recorder.names() == Counter({"node_removed": 7, "edge_removed": 5})


def test_add_node_defaults_labels_and_ids() -> None:
    graph = Graph()
    first = graph.add_node("Linear")
    assert first.id == "n1" and first.label == "fc1"
    assert first.params == {"units": 10, "bias": True, "activation": "none"}
    assert graph.add_node("Linear").label == "fc2"
    graph.add_node("Identity", node_id="n7")
    assert graph.new_node_id() == "n8"
    assert graph.add_node("MultiheadSelfAttention").type == "SelfAttention"
    graph.add_node("Reshape", {"shape": [2, -1]})
    assert graph.node("n9").params["shape"] == (2, -1)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda g: g.add_node("Nope"), UnknownLayerTypeError),
        (lambda g: g.add_node("Linear", {"units": 0}), InvalidParameterError),
        (lambda g: g.add_node("Linear", {"unit": 3}), InvalidParameterError),
        (lambda g: g.add_node("Linear", node_id="n1"), DuplicateNodeError),
        (lambda g: g.add_node("Linear", label="  "), InvalidLabelError),
        (lambda g: g.add_node("Linear", label="x" * 10_001), InvalidLabelError),
        (lambda g: g.add_node("Linear", position=(float("nan"), 0)), InvalidPositionError),
        (lambda g: g.add_node("Linear", position=(1,)), InvalidPositionError),
        (lambda g: g.set_param("n1", "units", 1.5), InvalidParameterError),
        (lambda g: g.set_param("n1", "units", True), InvalidParameterError),
        (lambda g: g.set_param("n1", "nope", 1), InvalidParameterError),
        (lambda g: g.set_param("nope", "units", 1), UnknownNodeError),
        (lambda g: g.move_node("n1", 2e9, 0), InvalidPositionError),
        (lambda g: g.move_node("n1", 10**400, 0), InvalidPositionError),
        (lambda g: g.rename_node("n1", ""), InvalidLabelError),
        (lambda g: g.rename_node("n1", None), InvalidLabelError),
        (lambda g: g.remove_node("nope"), UnknownNodeError),
        (lambda g: g.disconnect(Edge("n1", "out", "n1", "in")), UnknownPortError),
    ],
)
def test_refused_edits_change_nothing(call, error) -> None:
    graph = Graph()
    graph.add_node("Linear")
    before = snapshot(graph)
    recorder = Recorder(graph)
    with pytest.raises(error):
        call(graph)
    assert snapshot(graph) == before and recorder.events == []


def test_invalid_parameter_names_its_field() -> None:
    graph = Graph()
    node = graph.add_node("Conv2d").id
    with pytest.raises(InvalidParameterError, match=r"Conv2d 'conv1'.*at least 1") as caught:
        graph.set_param(node, "kernel_size", 0)
    assert caught.value.field == "kernel_size" and caught.value.node_id == node


def test_reachability_across_long_chains_is_fast() -> None:
    """Joining long chains costs the shorter side, so a big design stays interactive."""
    graph = Graph()
    ids = [graph.add_node("Identity", label=f"i{i}").id for i in range(4000)]
    half = len(ids) // 2
    for a, b in itertools.pairwise(ids[half:]):
        graph.connect(a, "out", b, "in")
    for a, b in reversed(list(itertools.pairwise(ids[:half]))):
        graph.connect(a, "out", b, "in")
    graph.connect(ids[half - 1], "out", ids[half], "in")
    with pytest.raises(CycleError):
        graph.connect(ids[-1], "out", ids[0], "in")
    assert graph.topological_order() == ids


def closure(graph: Graph) -> dict[str, set[str]]:
    """Brute force: every node each node reaches (itself included)."""
    result = {}
    for start in graph.nodes:
        seen, stack = {start}, [start]
        while stack:
            current = stack.pop()
            for edge in graph.edges:
                if edge.src == current and edge.dst not in seen:
                    seen.add(edge.dst)
                    stack.append(edge.dst)
        result[start] = seen
    return result


@pytest.mark.parametrize("bulk", [False, True], ids=["connect", "add_edges"])
@pytest.mark.parametrize("seed", range(6))
def test_reachability_and_cycles_whatever_the_insertion_order(seed: int, bulk: bool) -> None:
    """Edges against the nodes' insertion order keep the internal ranking right."""
    rng = random.Random(seed)
    graph = Graph()
    ids = [graph.add_node("Add", label=f"m{i}").id for i in range(30)]
    hidden = rng.sample(ids, len(ids))  # the true topological order, unlike insertion
    pairs = {tuple(sorted(rng.sample(range(30), 2))) for _ in range(90)}
    edges = [Edge(hidden[a], "out", hidden[b], "in") for a, b in pairs]
    rng.shuffle(edges)
    if bulk:
        graph.add_edges(edges)
    else:
        for edge in edges:
            graph.connect(edge.src, edge.src_port, edge.dst, edge.dst_port)
    reach = closure(graph)
    for a in ids:
        for b in ids:
            assert graph.reaches(a, b) == (b in reach[a]), (a, b)
            if a != b and a in reach[b] and Edge(a, "out", b, "in") not in graph.edges:
                with pytest.raises(CycleError):
                    graph.check_connect(a, "out", b, "in")
    assert graph.upstream([hidden[-1]]) == {n for n in ids if hidden[-1] in reach[n]}


def test_add_edges_stops_at_the_first_refused_edge() -> None:
    graph = Graph()
    a, b, c = (graph.add_node("Add").id for _ in range(3))
    edges = [Edge(a, "out", b, "in"), Edge(b, "out", c, "in"), Edge(c, "out", a, "in")]
    with pytest.raises(CycleError, match="would make a loop"):
        graph.add_edges([*edges, Edge(a, "out", c, "in")])
    assert list(graph.edges) == edges[:2]
