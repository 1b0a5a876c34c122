"""Clipboard snippets are documents of a sub-graph: the project format's records, checks,
limits and migrations, with every hostile snippet refused by one message naming the place."""

from __future__ import annotations

import copy
import json

import pytest

from designer.io import (
    FORMAT_VERSION,
    SNIPPET_FORMAT,
    ProjectFileError,
    SnippetError,
    project_to_dict,
    schema,
    subgraph_from_dict,
    subgraph_from_json,
    subgraph_to_dict,
    subgraph_to_json,
)
from designer.model import Edge, Graph, Project


def design() -> Graph:
    graph = Graph()
    graph.add_node("Input", {"kind": "features", "features": 6}, "x", (0, 0), "a")
    graph.add_node("Linear", {"units": 8}, "hidden", (220, 0), "b")
    graph.add_node("Reshape", {"shape": (2, -1)}, "r", (440, 5), "c")
    graph.connect("a", "out", "b", "in")
    graph.connect("b", "out", "c", "in")
    return graph


def snippet(**changes) -> dict:
    data = {
        "format": SNIPPET_FORMAT,
        "format_version": FORMAT_VERSION,
        "nodes": [
            {"id": "n1", "type": "Linear", "label": "x", "params": {}, "position": [0, 0]},
            {"id": "n2", "type": "ReLU", "label": "y", "params": {}, "position": [1, 2]},
        ],
        "edges": [{"from": ["n1", "out"], "to": ["n2", "in"]}],
    }
    data.update(changes)
    return data


def test_a_snippet_holds_the_project_files_records_of_the_chosen_nodes():
    graph = design()
    data = subgraph_to_dict(graph, ["c", "b"])
    project = project_to_dict(Project(graph))
    assert data["format"] == SNIPPET_FORMAT and data["format_version"] == FORMAT_VERSION
    assert data["nodes"] == [
        {**project["nodes"][1], "id": "n1"},
        {**project["nodes"][2], "id": "n2"},
    ]
    assert data["edges"] == [{"from": ["n1", "out"], "to": ["n2", "in"]}]
    assert subgraph_to_dict(graph, ["zzz"]) is None and subgraph_to_json(graph, []) == ""


def test_a_snippet_round_trips():
    graph = design()
    pasted = subgraph_from_json(subgraph_to_json(graph, ["b", "c"]))
    assert [(n.id, n.type, n.label, n.position) for n in pasted.nodes] == [
        ("n1", "Linear", "hidden", (220.0, 0.0)),
        ("n2", "Reshape", "r", (440.0, 5.0)),
    ]
    assert pasted.nodes[0].params == graph.node("b").params
    assert pasted.nodes[1].params["shape"] == (2, -1)
    assert pasted.edges == (Edge("n1", "out", "n2", "in"),)


def test_the_first_snippet_format_is_still_read():
    data = snippet(edges=[{"src": "n1", "src_port": "out", "dst": "n2", "dst_port": "in"}])
    del data["format_version"]
    data["version"] = 1
    before = copy.deepcopy(data)
    assert subgraph_from_dict(data).edges == (Edge("n1", "out", "n2", "in"),)
    assert data == before  # the caller's dict is left alone


def test_old_records_go_through_the_project_migrations():
    output = {"id": "o", "type": "Output", "label": "out", "params": {"loss": "mse"}}
    data = snippet(format_version=1, nodes=[output], edges=[])
    (node,) = subgraph_from_dict(data).nodes
    assert node.params["weight"] == 1.0  # added by the project's format 1 -> 2 migration


def test_renamed_layer_types_resolve_as_in_project_files():
    attention = {"id": "n1", "type": "MultiheadSelfAttention", "label": "att"}
    (node,) = subgraph_from_dict(snippet(nodes=[attention], edges=[])).nodes
    assert node.type == "SelfAttention"


def test_the_project_limits_apply(monkeypatch):
    monkeypatch.setattr(schema, "MAX_NODES", 1)
    with pytest.raises(SnippetError, match=r"^nodes: 2 nodes is more than"):
        subgraph_from_dict(snippet())


def edit(path: tuple, value) -> dict:
    data = snippet()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


HOSTILE = [
    ("", "the text is empty"),
    ("hello", "line 1, column 1: the text does not hold layers copied from NN Designer"),
    ("[1]", "the text does not hold layers copied from NN Designer"),
    (snippet(format="nn-designer-project"), "does not hold layers copied from NN Designer"),
    (snippet(format_version=FORMAT_VERSION + 1), "format_version: this file was saved by a newer"),
    (snippet(format_version="2"), "format_version: expected a whole number"),
    (snippet(training={}), "training: unknown key"),
    (snippet(nodes=[], edges=[]), "nodes: the snippet holds no layers"),
    (snippet(nodes={}), "nodes: expected an array"),
    (edit(("nodes", 0), 7), "nodes[0]: expected an object"),
    (edit(("nodes", 0, "type"), "NoSuchLayer"), "nodes[0].type: unknown layer type 'NoSuchLayer'"),
    (edit(("nodes", 1, "id"), "n1"), "nodes[1].id: the node id 'n1' is already used"),
    (edit(("nodes", 0, "params"), {"units": -3}), "nodes[0].params.units: Linear: Units"),
    (edit(("nodes", 0, "params"), {"units": 10**12}), "nodes[0].params.units: Linear"),
    (edit(("nodes", 0, "position"), [0]), "nodes[0].position: expected [x, y]"),
    (edit(("nodes", 0, "position"), [1e300, 0]), "nodes[0].position[0]: must be within"),
    (edit(("nodes", 0, "label"), "x" * 20_000), "nodes[0].label: is longer than"),
    (edit(("edges", 0, "to"), ["zz", "in"]), "edges[0].to[0]: no node with id 'zz'"),
    (edit(("edges", 0, "from"), ["n1", "in"]), "edges[0].from[1]: Linear 'x': 'in' is an input"),
    (snippet(edges=[snippet()["edges"][0]] * 2), "edges[1]: Linear 'x' is already connected"),
    ('{"format": "nn-designer-snippet", "nodes": [NaN]}', "NaN is not allowed"),
    ('{"format": "nn-designer-snippet", "format": 1}', "the key 'format' appears twice"),
    ("[" * 100_000, "nested too deeply"),
    ("[]" + " " * schema.MAX_FILE_BYTES, "the text is larger than"),
]


@pytest.mark.parametrize(("text", "message"), HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_snippets_are_refused_naming_the_place(text, message):
    if not isinstance(text, str):
        text = json.dumps(text)
    with pytest.raises(SnippetError) as info:
        subgraph_from_json(text)
    assert isinstance(info.value, ProjectFileError)  # the io layer's one error type
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_cycle_is_refused_as_an_edit_would_be():
    nodes = [
        {"id": "n1", "type": "Add", "label": "a"},
        {"id": "n2", "type": "ReLU", "label": "b"},
    ]
    edges = [
        {"from": ["n1", "out"], "to": ["n2", "in"]},
        {"from": ["n2", "out"], "to": ["n1", "in"]},
    ]
    with pytest.raises(SnippetError, match=r"^edges\[1\]: .*would make a loop"):
        subgraph_from_dict(snippet(nodes=nodes, edges=edges))


def test_silenced_rules_travel_with_the_copied_layers():
    graph = design()
    graph.remove_node("c")
    graph.add_node("Linear", {"units": 4}, "quiet", (0, 0), "q", None, {"NN301": "on purpose"})
    graph.connect("b", "out", "q", "in")
    data = subgraph_to_dict(graph, ["q"])
    assert data["nodes"][0]["silenced"] == {"NN301": "on purpose"}
    (node,) = subgraph_from_dict(data).nodes
    assert node.silenced == {"NN301": "on purpose"}
    bad = edit(("nodes", 0, "silenced"), {"NN301": ""})
    with pytest.raises(SnippetError, match=r"^nodes\[0\]"):
        subgraph_from_dict(bad)
