"""`diff_graphs` and `diff_projects`: every kind of edit is found, nodes pair by two of
their three facts (id, label, type), moves are not differences, the order is fixed."""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.model import Edge, Graph, GraphError, Project, TrainingSettings
from designer.model.diff import (
    ABSENT,
    ADDED,
    CHANGED,
    NEW,
    OLD,
    REMOVED,
    NodeChange,
    ParamChange,
    diff_graphs,
    diff_projects,
    match_nodes,
)
from designer.model.diff_text import diff_entries, diff_to_dict, quote, summary
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


def build(layers, wires=()) -> Graph:
    """``layers``: (id, type, label, params); ``wires``: (src id, dst id), out to in."""
    graph = Graph()
    for node_id, type_id, label, params in layers:
        graph.add_node(type_id, params, label=label, node_id=node_id)
    for src, dst in wires:
        graph.connect(src, "out", dst, "in")
    return graph


MLP = [
    ("n1", "Input", "x", {"features": 4}),
    ("n2", "Linear", "hidden", {"units": 16}),
    ("n3", "Linear", "head", {"units": 3}),
    ("n4", "Output", "y", {}),
]
MLP_WIRES = [("n1", "n2"), ("n2", "n3"), ("n3", "n4")]


def mlp() -> Graph:
    return build(MLP, MLP_WIRES)


def edited(*edits) -> Graph:
    graph = mlp()
    for edit in edits:
        edit.apply(graph)
    return graph


def texts(diff) -> list[str]:
    return [entry.line for entry in diff_entries(diff)]


# ------------------------------------------------------------------------ each kind of edit
def test_a_design_equals_itself_and_its_copy():
    diff = diff_graphs(mlp(), mlp())
    assert diff.equal and diff.count == 0 and texts(diff) == []
    assert diff.pairs == (("n1", "n1"), ("n2", "n2"), ("n3", "n3"), ("n4", "n4"))
    assert summary(diff) == "no differences"


def test_an_added_layer_and_its_wires():
    new = edited(
        Disconnect(next(e for e in mlp().edges if e.src == "n2")),
        AddNode("Dropout", {"p": 0.2}, label="drop", node_id="n5"),
        Connect("n2", "out", "n5", "in"),
        Connect("n5", "out", "n3", "in"),
    )
    diff = diff_graphs(mlp(), new)
    assert texts(diff) == [
        "+ added Dropout 'drop'",
        "- removed wire 'hidden' → 'head'",
        "+ added wire 'hidden' → 'drop'",
        "+ added wire 'drop' → 'head'",
    ]
    assert [n.id for n in diff.added] == ["n5"] and not diff.removed and not diff.changed
    assert diff.count == 4 and summary(diff) == "4 differences"


def test_a_removed_layer_takes_its_wires():
    diff = diff_graphs(mlp(), edited(RemoveNodes(["n3"])))
    assert texts(diff) == [
        "- removed Linear 'head'",
        "- removed wire 'hidden' → 'head'",
        "- removed wire 'head' → 'y'",
    ]
    assert diff_graphs(edited(RemoveNodes(["n3"])), mlp()).count == diff.count


def test_changed_parameters_have_old_and_new_values():
    new = edited(SetParam("n2", "units", 32), SetParam("n2", "activation", "gelu"))
    diff = diff_graphs(mlp(), new)
    (change,) = diff.changed
    assert change.params == (
        ParamChange("units", 16, 32),
        ParamChange("activation", "none", "gelu"),
    )
    assert not change.renamed and not change.type_changed
    assert texts(diff) == [
        "~ Linear 'hidden': units 16 → 32",
        "~ Linear 'hidden': activation 'none' → 'gelu'",
    ]


def test_a_renamed_layer_keeps_its_pair():
    diff = diff_graphs(mlp(), edited(Rename("n2", "encoder"), SetParam("n2", "units", 8)))
    (change,) = diff.changed
    assert change.renamed and (change.old.label, change.new.label) == ("hidden", "encoder")
    assert texts(diff) == [
        "~ renamed Linear 'hidden' → 'encoder'",
        "~ Linear 'encoder': units 16 → 8",
    ]
    assert not diff.removed_wires and not diff.added_wires  # the wires stay the same


def test_a_changed_type_lists_the_parameters_of_both_types():
    old = build([("n1", "Input", "x", {"features": 4}), ("n2", "Linear", "f", {"units": 4})])
    new = build([("n1", "Input", "x", {"features": 4}), ("n2", "Dropout", "f", {"p": 0.3})])
    diff = diff_graphs(old, new)
    (change,) = diff.changed
    assert change.type_changed and not change.renamed
    assert ParamChange("units", 4, ABSENT) in change.params
    assert ParamChange("p", ABSENT, 0.3) in change.params
    lines = texts(diff)
    assert lines[0] == "~ type of 'f': Linear → Dropout"
    assert "~ Dropout 'f': units 4 → (not set)" in lines
    assert "~ Dropout 'f': p (not set) → 0.3" in lines


def test_wires_connected_and_disconnected():
    edge = next(e for e in mlp().edges if e.src == "n3")
    diff = diff_graphs(mlp(), edited(Disconnect(edge), Connect("n2", "out", "n4", "in")))
    assert texts(diff) == ["- removed wire 'head' → 'y'", "+ added wire 'hidden' → 'y'"]
    assert diff.changed == () and diff.count == 2


def test_the_order_of_a_merges_inputs_is_a_difference():
    layers = [
        ("i", "Input", "x", {"features": 4}),
        ("a", "Linear", "a", {"units": 4}),
        ("b", "Linear", "b", {"units": 4}),
        ("cat", "Concatenate", "cat", {}),
    ]
    old = build(layers, [("i", "a"), ("i", "b"), ("a", "cat"), ("b", "cat")])
    new = build(layers, [("i", "a"), ("i", "b"), ("b", "cat"), ("a", "cat")])
    diff = diff_graphs(old, new)
    (change,) = diff.changed
    assert change.reordered == ("in",)
    assert texts(diff) == ["~ Concatenate 'cat': the order of the wires into 'in'"]
    assert not diff.added_wires and not diff.removed_wires


def test_moves_are_recorded_apart_and_are_no_difference():
    moves = {"n2": ((0.0, 0.0), (300.0, 40.0))}
    diff = diff_graphs(mlp(), edited(MoveNodes(moves)))
    assert diff.equal and texts(diff) == []
    (move,) = diff.moved
    assert (move.old.id, move.old_position, move.new_position) == ("n2", (0.0, 0.0), (300.0, 40.0))
    assert summary(diff) == "no differences (1 layer moved, which is not a difference)"


def test_a_pasted_copy_is_added_with_its_new_labels():
    source = mlp()
    paste = AddSubgraph([copy.deepcopy(source.node("n2"))], [], offset=(0.0, 100.0))
    diff = diff_graphs(mlp(), edited(paste))
    assert texts(diff) == ["+ added Linear 'hidden1'"]


def test_a_compound_of_every_edit_and_its_mirror():
    new = edited(
        Compound(
            [
                Rename("n3", "logits"),
                SetParam("n3", "units", 5),
                AddNode("ReLU", label="act", node_id="n9"),
                Connect("n2", "out", "n9", "in"),
                RemoveNodes(["n4"]),
            ]
        )
    )
    forward, backward = diff_graphs(mlp(), new), diff_graphs(new, mlp())
    assert forward.count == backward.count == 6
    assert [n.label for n in forward.added] == [n.label for n in backward.removed] == ["act"]
    assert [n.label for n in forward.removed] == [n.label for n in backward.added] == ["y"]
    assert forward.removed_wires == backward.added_wires
    assert forward.added_wires == backward.removed_wires


def test_a_parameter_that_applies_on_neither_side_is_no_difference():
    """An Input reading features keeps an image height the inspector hides."""
    old = build([("n1", "Input", "x", {"kind": "features", "height": 28})])
    new = build([("n1", "Input", "x", {"kind": "features", "height": 64})])
    assert diff_graphs(old, new).equal
    image = build([("n1", "Input", "x", {"kind": "image", "height": 64})])
    lines = texts(diff_graphs(old, image))
    assert "~ Input 'x': kind 'features' → 'image'" in lines
    assert "~ Input 'x': height (not set) → 64" in lines


# -------------------------------------------------------------------------------- matching
def test_designs_built_apart_pair_by_label_and_type():
    """Same layers, created in another order: every id differs, nothing else does."""
    old = mlp()
    order = [MLP[3], MLP[0], MLP[2], MLP[1]]
    ids = {"n4": "n1", "n1": "n2", "n3": "n3", "n2": "n4"}  # n3 keeps its id by chance
    new = build(
        [(ids[i], t, label, p) for i, t, label, p in order],
        [(ids[a], ids[b]) for a, b in MLP_WIRES],
    )
    diff = diff_graphs(old, new)
    assert diff.equal, texts(diff)
    assert dict(diff.pairs) == ids


def test_an_id_alone_never_pairs_two_nodes():
    old = build([("n1", "Input", "x", {"features": 4}), ("n2", "Linear", "a", {})])
    new = build([("n1", "Input", "x", {"features": 4}), ("n2", "ReLU", "b", {})])
    diff = diff_graphs(old, new)
    assert [n.label for n in diff.removed] == ["a"] and [n.label for n in diff.added] == ["b"]
    assert not diff.changed


def test_label_and_type_win_over_id_and_type():
    """Swapped ids in designs built apart: the labels say which layer is which."""
    old = build([("n1", "Linear", "a", {"units": 1}), ("n2", "Linear", "b", {"units": 2})])
    new = build([("n2", "Linear", "a", {"units": 1}), ("n1", "Linear", "b", {"units": 2})])
    assert match_nodes(old, new) == (("n1", "n2"), ("n2", "n1"))
    assert diff_graphs(old, new).equal


def test_repeated_labels_pair_in_graph_order():
    layers = [(f"n{i}", "ReLU", "act", {}) for i in range(1, 4)]
    old = build(layers)
    new = build([(f"m{i}", "ReLU", "act", {}) for i in range(1, 3)])
    diff = diff_graphs(old, new)
    assert diff.pairs == (("n1", "m1"), ("n2", "m2"))
    assert [n.id for n in diff.removed] == ["n3"]


def test_matching_is_the_same_both_ways():
    old = mlp()
    new = edited(Rename("n2", "enc"), AddNode("Linear", label="hidden", node_id="n7"))
    forward = match_nodes(old, new)
    backward = match_nodes(new, old)
    assert sorted(forward) == sorted((o, n) for n, o in backward)
    # the old name now belongs to the new node: the rename reads as added 'enc'
    assert ("n2", "n7") in forward


# -------------------------------------------------------------------------------- settings
def test_settings_changes_are_listed_unless_left_out():
    old = Project(mlp())
    new = Project(mlp(), training=TrainingSettings(learning_rate=0.01, epochs=3))
    diff = diff_projects(old, new)
    assert texts(diff) == ["~ training.learning_rate: 0.001 → 0.01", "~ training.epochs: 20 → 3"]
    assert [s.path for s in diff.settings] == ["training.learning_rate", "training.epochs"]
    assert diff_projects(old, new, settings=False).equal


def test_metadata_is_not_compared():
    old = Project(mlp(), metadata={"name": "a"})
    assert diff_projects(old, Project(mlp(), metadata={"name": "b"})).equal


# ---------------------------------------------------------------------------------- words
def test_hostile_labels_are_quoted_escaped_and_cut():
    hostile = "evil\x1b[2J\n\u202e" + "x" * 100
    diff = diff_graphs(mlp(), edited(Rename("n2", hostile)))
    (line,) = texts(diff)
    assert "\x1b" not in line and "\n" not in line and "\u202e" not in line
    assert "\\x1b[2J\\n\\u202e" in line and "…" in line and len(line) < 120
    assert quote("it's") == '"it\'s"'


def test_the_json_form_leaves_absent_values_out():
    old = build([("n1", "Linear", "f", {"units": 4})])
    new = build([("n1", "Dropout", "f", {"p": 0.5})])
    data = diff_to_dict(diff_graphs(old, new))
    params = {p["name"]: p for p in data["layers"]["changed"][0]["params"]}
    assert params["units"] == {"name": "units", "old": 4}
    assert params["p"] == {"name": "p", "new": 0.5}
    assert json.loads(json.dumps(data)) == data
    assert data["equal"] is False and data["differences"] == diff_graphs(old, new).count


def test_entries_name_the_nodes_on_both_sides():
    new = edited(RemoveNodes(["n4"]), AddNode("Output", label="z", node_id="n8"))
    new.connect("n3", "out", "n8", "in")
    entries = diff_entries(diff_graphs(mlp(), new))
    by_text = {e.line: e for e in entries}
    removed = by_text["- removed wire 'head' → 'y'"]
    assert (removed.kind, removed.subject) == (REMOVED, "wire")
    assert removed.old_ids == ("n3", "n4") and removed.new_ids == ("n3",)
    added = by_text["+ added wire 'head' → 'z'"]
    assert added.kind == ADDED and added.old_ids == ("n3",) and added.new_ids == ("n3", "n8")
    assert by_text["- removed Output 'y'"].new_ids == ()
    assert all(e.kind in (ADDED, REMOVED, CHANGED) for e in entries)


def test_the_record_is_frozen():
    diff = diff_graphs(mlp(), edited(SetParam("n2", "units", 2)))
    with pytest.raises(AttributeError):
        diff.changed = ()  # type: ignore[misc]
    assert isinstance(diff.changed[0], NodeChange)
    assert hash(diff.changed[0])  # every value in it is immutable


def test_marks_for_each_side():
    new = edited(
        RemoveNodes(["n4"]), SetParam("n2", "units", 3), AddNode("Output", label="z", node_id="n8")
    )
    new.connect("n3", "out", "n8", "in")
    diff = diff_graphs(mlp(), new)
    assert diff.node_marks(OLD) == {"n4": REMOVED, "n2": CHANGED}
    assert diff.node_marks(NEW) == {"n8": ADDED, "n2": CHANGED}
    assert diff.wire_marks(OLD) == {Edge("n3", "out", "n4", "in"): REMOVED}
    assert diff.wire_marks(NEW) == {Edge("n3", "out", "n8", "in"): ADDED}


# ------------------------------------------------------------------------ random edits
def _random_edit(data, graph: Graph):
    """One edit drawn at random, valid or not (an invalid one is simply refused)."""
    ids = sorted(graph.nodes) or ["n1"]
    node = data.draw(st.sampled_from(ids))
    kind = data.draw(st.sampled_from(["rename", "param", "add", "remove", "wire", "cut", "move"]))
    if kind == "rename":
        return Rename(node, data.draw(st.sampled_from(["x", "hidden", "head", "y", "new"])))
    if kind == "param":
        return SetParam(node, "units", data.draw(st.integers(1, 4)))
    if kind == "add":
        type_id = data.draw(st.sampled_from(["Linear", "ReLU", "Dropout"]))
        return AddNode(type_id, label=data.draw(st.sampled_from(["hidden", "extra", None])))
    if kind == "remove":
        return RemoveNodes([node])
    if kind == "wire":
        return Connect(node, "out", data.draw(st.sampled_from(ids)), "in")
    if kind == "cut" and graph.edges:
        return Disconnect(data.draw(st.sampled_from(graph.edges)))
    return MoveNodes({node: ((0.0, 0.0), (data.draw(st.integers(0, 900)) * 1.0, 5.0))})


@settings(max_examples=80)
@given(st.data())
def test_random_edits_give_mirrored_consistent_diffs(data):
    old, new = mlp(), mlp()
    for _ in range(data.draw(st.integers(0, 8))):
        with contextlib.suppress(GraphError):  # a refused edit changes nothing
            _random_edit(data, new).apply(new)
    forward, backward = diff_graphs(old, new), diff_graphs(new, old)
    assert diff_graphs(new, new).equal
    assert sorted(backward.pairs) == sorted((n, o) for o, n in forward.pairs)
    assert forward.count == backward.count == len(diff_entries(forward))
    assert {n.id for n in forward.removed} == set(old.nodes) - {o for o, _ in forward.pairs}
    assert {n.id for n in forward.added} == set(new.nodes) - {n for _, n in forward.pairs}
    assert forward.removed_wires == backward.added_wires
    kept = len(old.edges) - len(forward.removed_wires)
    assert kept == len(new.edges) - len(forward.added_wires)
    same_design = _without_positions(old) == _without_positions(new)
    assert forward.equal or not same_design


def _without_positions(graph: Graph) -> tuple:
    nodes = sorted((n.id, n.type, n.label, sorted(n.params.items())) for n in graph)
    return nodes, sorted(graph.edges)
