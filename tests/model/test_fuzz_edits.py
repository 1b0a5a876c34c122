"""Random edit sequences, garbage values included, with undo.

Invariants: an edit either applies or raises a `GraphError` having changed nothing;
reverting an edit restores the graph exactly; reverting everything gives back the start;
the graph's indexes (adjacency, topological ranks) agree with a brute-force reading of its
edge list; `infer_shapes` never raises and its memo never serves a stale result.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from designer.catalog import default_catalog
from designer.model import Edge, Graph, GraphError, ShapeCache, infer_shapes
from designer.model.edits import (
    AddNode,
    Connect,
    Disconnect,
    MoveNodes,
    RemoveNodes,
    Rename,
    SetParam,
)

CATALOG = default_catalog()
TYPES = sorted(spec.type_id for spec in CATALOG)

garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.integers(-3, 40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.integers(-2, 9), max_size=4),
    st.tuples(st.integers(-1, 9), st.integers(-1, 9)),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def snapshot(graph: Graph) -> tuple:
    nodes = [(n.id, n.type, n.label, dict(n.params), n.position) for n in graph]
    return nodes, list(graph.edges)


def value_for(spec_param) -> st.SearchStrategy:
    """Valid values of a parameter most of the time, garbage otherwise."""
    kind = spec_param.kind
    if kind == "choice":
        valid = st.sampled_from(spec_param.choices)
    elif kind == "bool":
        valid = st.booleans()
    elif kind == "float":
        valid = st.floats(spec_param.minimum or 0.0, spec_param.maximum or 1.0)
    elif kind == "ints":
        valid = st.lists(st.sampled_from([-1, 1, 2, 3, 4]), min_size=1, max_size=3)
    else:
        low = int(spec_param.minimum if spec_param.minimum is not None else 0)
        valid = st.integers(low, low + 8)
        if spec_param.optional:
            valid = st.one_of(st.none(), valid)
    return st.one_of(valid, valid, valid, garbage)


class EditMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.graph = Graph()
        self.cache = ShapeCache()
        self.start = snapshot(self.graph)
        self.done: list[tuple[object, tuple]] = []  # (edit, snapshot before it)

    # ----------------------------------------------------------------- helpers
    def attempt(self, edit) -> None:
        before = snapshot(self.graph)
        try:
            edit.apply(self.graph)
        except GraphError:
            assert snapshot(self.graph) == before, "a refused edit changed the graph"
            return
        self.done.append((edit, before))

    def pick_node(self, data: st.DataObject) -> str:
        ids = list(self.graph.nodes)
        if not ids or data.draw(st.integers(0, 9)) == 0:
            return "ghost"
        return data.draw(st.sampled_from(ids))

    # ------------------------------------------------------------------- rules
    @initialize(types=st.lists(st.sampled_from(TYPES), min_size=3, max_size=8))
    def start_with_some_layers(self, types: list[str]) -> None:
        for type_id in types:
            self.graph.add_node(type_id)
        self.start = snapshot(self.graph)

    @rule(type_id=st.sampled_from(TYPES))
    def add_plain(self, type_id: str) -> None:
        self.attempt(AddNode(type_id))

    @rule(type_id=st.one_of(st.sampled_from(TYPES), st.just("NoSuchLayer")), data=st.data())
    def add(self, type_id: str, data: st.DataObject) -> None:
        params = {}
        if type_id in CATALOG:
            for p in CATALOG.get(type_id).params:
                if data.draw(st.integers(0, 3)) == 0:
                    params[p.name] = data.draw(value_for(p))
        if data.draw(st.integers(0, 9)) == 0:
            params[data.draw(st.text(max_size=4))] = 1
        label = data.draw(st.one_of(st.none(), st.none(), st.text(max_size=8)))
        x, y = data.draw(st.tuples(garbage, garbage)) if data.draw(st.booleans()) else (0, 0)
        self.attempt(AddNode(type_id, params, label, (x, y)))

    @precondition(lambda self: len(self.graph) > 0)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        count = data.draw(st.integers(1, 3))
        self.attempt(RemoveNodes([self.pick_node(data) for _ in range(count)]))

    @precondition(lambda self: len(self.graph) > 0)
    @rule(data=st.data())
    def connect(self, data: st.DataObject) -> None:
        src, dst = self.pick_node(data), self.pick_node(data)
        src_port = data.draw(st.sampled_from(["out"] * 8 + ["in", "bogus"]))
        dst_port = data.draw(st.sampled_from(["in"] * 8 + ["out", "bogus"]))
        self.attempt(Connect(src, src_port, dst, dst_port))

    @precondition(lambda self: len(self.graph) > 1)
    @rule(data=st.data())
    def connect_plausibly(self, data: st.DataObject) -> None:
        """A connection that usually succeeds: an output into a free or merging input."""
        graph = self.graph
        sources = [n for n in graph.nodes if graph.spec(n).outputs]
        targets = [
            n
            for n in graph.nodes
            if graph.spec(n).inputs and (graph.spec(n).inputs[0].multiple or not graph.in_edges(n))
        ]
        if sources and targets:
            src, dst = data.draw(st.sampled_from(sources)), data.draw(st.sampled_from(targets))
            self.attempt(Connect(src, "out", dst, "in"))

    @precondition(lambda self: len(self.graph.edges) > 0)
    @rule(data=st.data())
    def disconnect(self, data: st.DataObject) -> None:
        edge = data.draw(st.sampled_from(self.graph.edges))
        if data.draw(st.integers(0, 4)) == 0:
            edge = Edge(edge.src, edge.src_port, edge.dst, "bogus")
        self.attempt(Disconnect(edge))

    @precondition(lambda self: len(self.graph) > 0)
    @rule(data=st.data())
    def set_param(self, data: st.DataObject) -> None:
        node_id = self.pick_node(data)
        if node_id in self.graph.nodes and self.graph.spec(node_id).params:
            param = data.draw(st.sampled_from(self.graph.spec(node_id).params))
            name, value = param.name, data.draw(value_for(param))
        else:
            name, value = data.draw(st.text(max_size=5)), data.draw(garbage)
        self.attempt(SetParam(node_id, name, value))

    @precondition(lambda self: len(self.graph) > 0)
    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        node_id = self.pick_node(data)
        old = self.graph.node(node_id).position if node_id in self.graph.nodes else (0.0, 0.0)
        new = data.draw(st.tuples(garbage, garbage) | st.tuples(st.floats(-1e3, 1e3), st.just(1.0)))
        self.attempt(MoveNodes({node_id: (old, new)}))

    @precondition(lambda self: len(self.graph) > 0)
    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        label = data.draw(st.one_of(st.text(max_size=10), garbage))
        self.attempt(Rename(self.pick_node(data), label))

    @precondition(lambda self: len(self.done) > 0)
    @rule()
    def undo(self) -> None:
        edit, before = self.done.pop()
        edit.revert(self.graph)
        assert snapshot(self.graph) == before

    # -------------------------------------------------------------- invariants
    @invariant()
    def indexes_agree_with_the_edge_list(self) -> None:
        graph = self.graph
        ports = {n: [p.name for p in graph.spec(n).inputs] for n in graph.nodes}
        for node_id in graph.nodes:
            incoming = [e for e in graph.edges if e.dst == node_id]
            incoming.sort(key=lambda e, p=ports[node_id]: p.index(e.dst_port))
            assert graph.in_edges(node_id) == incoming
            assert graph.out_edges(node_id) == [e for e in graph.edges if e.src == node_id]
            assert graph.has_out_edges(node_id) == any(e.src == node_id for e in graph.edges)
        order = graph.topological_order()
        assert sorted(order) == sorted(graph.nodes)
        position = {n: i for i, n in enumerate(order)}
        assert all(position[e.src] < position[e.dst] for e in graph.edges)

    @invariant()
    def reachability_matches_brute_force(self) -> None:
        graph = self.graph
        for start in graph.nodes:
            seen, stack = {start}, [start]
            while stack:
                current = stack.pop()
                for edge in graph.edges:
                    if edge.src == current and edge.dst not in seen:
                        seen.add(edge.dst)
                        stack.append(edge.dst)
            assert all(graph.reaches(start, goal) == (goal in seen) for goal in graph.nodes)

    @invariant()
    def inference_never_raises(self) -> None:
        analysis = infer_shapes(self.graph, self.cache)
        assert set(analysis.nodes) == set(self.graph.nodes)
        fresh = infer_shapes(self.graph, ShapeCache())  # the memo changes nothing
        assert fresh.nodes == analysis.nodes and fresh.problems == analysis.problems
        shared = infer_shapes(self.graph)  # the graph's own cache, kept across edits
        assert shared.nodes == fresh.nodes and shared.problems == fresh.problems
        assert infer_shapes(self.graph) is shared

    def teardown(self) -> None:
        while self.done:
            self.undo()
        assert snapshot(self.graph) == self.start


TestEdits = EditMachine.TestCase
