"""Every kind of bad input raises `ProjectFileError`, and the message names the place."""

from __future__ import annotations

import json
import re
import tracemalloc
from pathlib import Path

import pytest

from designer.io import (
    FORMAT,
    ProjectFileError,
    load_project,
    project_from_dict,
    project_from_json,
    project_to_dict,
)
from designer.model import Graph, Project

IO_PACKAGE = Path(__file__).resolve().parents[2] / "designer" / "io"


def valid() -> dict:
    """input -> fc1 -> output, as saved."""
    graph = Graph()
    a = graph.add_node("Input", {"features": 3}, node_id="a")
    b = graph.add_node("Linear", {"units": 4}, node_id="b")
    c = graph.add_node("Output", {"loss": "mse"}, node_id="c")
    graph.connect(a.id, "out", b.id, "in")
    graph.connect(b.id, "out", c.id, "in")
    return json.loads(json.dumps(project_to_dict(Project(graph))))


def refused(data: dict | str, path: str, match: str = "") -> ProjectFileError:
    """Load ``data`` (a dict, or the text of a file) and check where and why it failed."""
    text = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(ProjectFileError) as caught:
        project_from_json(text)
    error = caught.value
    assert error.path == path, str(error)
    assert re.search(match, error.message), str(error)
    assert str(error) == (f"{path}: {error.message}" if path else error.message)
    assert error.source == "<string>"
    return error


def test_the_valid_file_loads() -> None:
    assert len(project_from_json(json.dumps(valid())).graph) == 3


# ------------------------------------------------------------------------ text level
def test_truncated_file() -> None:
    text = json.dumps(valid(), indent=2)
    cut = text[: len(text) // 2]
    line = cut.count("\n") + 1
    error = refused(cut, error_line(cut), "truncated")
    assert error.path.startswith(f"line {line}, column ")


def error_line(text: str) -> str:
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return f"line {error.lineno}, column {error.colno}"
    raise AssertionError("valid JSON")


def test_broken_json_names_line_and_column() -> None:
    refused('{\n  "format": "nn-designer-project",\n  "nodes": [1 2]\n}', "line 3, column 15")


def test_empty_file() -> None:
    refused("  \n", "", "empty")


def test_not_an_object() -> None:
    refused("[1, 2, 3]", "", "expected an object, got an array.*not an NN Designer project")


def test_missing_format() -> None:
    data = valid()
    del data["format"]
    refused(data, "(top level)", "missing key 'format'")


def test_wrong_format_string() -> None:
    refused({**valid(), "format": "something-else"}, "format", "'something-else'")
    refused({**valid(), "format": 3}, "format", "a whole number")


def test_newer_format_version() -> None:
    refused(
        {**valid(), "format_version": 7},
        "format_version",
        r"^this file was saved by a newer NN Designer \(format 7\); "
        r"this version reads up to format 2$",
    )


@pytest.mark.parametrize("version", ["1", 1.0, True, None])
def test_format_version_of_the_wrong_type(version) -> None:
    refused({**valid(), "format_version": version}, "format_version", "expected a whole number")


def test_non_utf8_bytes(tmp_path) -> None:
    path = tmp_path / "bad.nndesign"
    text = json.dumps(valid(), indent=2).replace('"fc1"', '"fc\udcff"', 1)
    raw = text.encode("utf-8", "surrogateescape")  # a lone 0xff byte inside the label
    path.write_bytes(raw)
    with pytest.raises(ProjectFileError) as caught:
        load_project(path)
    offset = raw.index(b"\xff")
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - raw.rfind(b"\n", 0, offset)
    assert caught.value.path == f"line {line}, column {column}"
    assert "not UTF-8" in caught.value.message and "0xff" in caught.value.message
    assert caught.value.source == str(path)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path) -> None:
    path = tmp_path / "bom.nndesign"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(valid()).encode())
    assert len(load_project(path).graph) == 3


@pytest.mark.parametrize(
    ("literal", "where"),
    [
        ("NaN", "nodes[1].position[0]"),
        ("Infinity", "nodes[1].position[0]"),
        ("-Infinity", "nodes[1].position[0]"),
        ("1e400", "nodes[1].position[0]"),
    ],
)
def test_non_finite_numbers(literal: str, where: str) -> None:
    data = valid()
    data["nodes"][1]["position"][0] = 12345.5
    text = json.dumps(data).replace("12345.5", literal)
    refused(text, where, "finite|too large")


def test_non_finite_numbers_in_metadata() -> None:
    text = json.dumps({**valid(), "metadata": {"score": 0.123456}}).replace("0.123456", "NaN")
    refused(text, "metadata.score", "NaN is not allowed")


def test_a_number_with_thousands_of_digits() -> None:
    text = json.dumps(valid()).replace('"units": 4', '"units": ' + "9" * 5000)
    refused(text, "nodes[1].params.units", "more than 30 digits")


def test_a_repeated_key() -> None:
    text = json.dumps(valid()).replace('"units": 4', '"units": 4, "units": 5')
    refused(text, "nodes[1].params", "'units' appears twice")


def test_deep_nesting() -> None:
    deep: object = 1
    for _ in range(100):
        deep = {"a": deep}
    data = valid()
    data["nodes"][1]["params"]["deep"] = deep
    path = "nodes[1].params.deep" + ".a" * 60
    error = refused(data, path, "nested more than 64")
    assert len(error.path) < 300
    error = refused({**valid(), "metadata": deep}, "metadata" + ".a" * 8, "nested at most 8")


def test_nesting_deeper_than_the_parser_can_go() -> None:
    refused('{"metadata": ' + "[" * 200_000 + "]" * 200_000 + "}", "", "nested too deeply")


def test_file_too_large_is_refused_before_reading(tmp_path, monkeypatch) -> None:
    path = tmp_path / "huge.nndesign"
    with open(path, "wb") as stream:  # sparse: costs no disk space
        stream.truncate(60 * 1024 * 1024)

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr("os.open", no_reading)
    with pytest.raises(ProjectFileError, match="larger than 50 MB"):
        load_project(path)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(ProjectFileError, match="cannot read the file") as caught:
        load_project(tmp_path / "nope.nndesign")
    assert caught.value.source.endswith("nope.nndesign")


def test_text_of_the_wrong_type() -> None:
    with pytest.raises(ProjectFileError, match="expected text, got bytes"):
        project_from_json(b"{}")  # type: ignore[arg-type]


# ------------------------------------------------------------------ structure level
def test_unknown_top_level_key() -> None:
    refused({**valid(), "extra": 1}, "extra", "unknown key")


@pytest.mark.parametrize(
    ("key", "value", "path", "match"),
    [
        ("nodes", {}, "nodes", "expected an array, got an object"),
        ("edges", "a->b", "edges", "expected an array, got a string"),
        ("metadata", [], "metadata", "expected an object, got an array"),
        ("data", None, "data", "expected an object, got null"),
        ("training", 3, "training", "expected an object, got a whole number"),
        ("app_version", 1, "app_version", "expected a string"),
    ],
)
def test_top_level_values_of_the_wrong_type(key, value, path, match) -> None:
    refused({**valid(), key: value}, path, match)


def test_missing_nodes() -> None:
    data = valid()
    del data["nodes"]
    refused(data, "(top level)", "missing key 'nodes'")


@pytest.mark.parametrize(
    ("change", "path", "match"),
    [
        (lambda n: n.pop("id"), "nodes[1]", "missing key 'id'"),
        (lambda n: n.update(id=5), "nodes[1].id", "expected a string, got a whole number"),
        (lambda n: n.update(id=""), "nodes[1].id", "must not be empty"),
        (lambda n: n.update(type=["Linear"]), "nodes[1].type", "expected a string, got an array"),
        (lambda n: n.update(label=" "), "nodes[1].label", "must not be empty"),
        (lambda n: n.update(label="x" * 10_001), "nodes[1].label", "longer than 10000"),
        (lambda n: n.update(label="\ud800"), "nodes[1].label", "unpaired surrogate"),
        (lambda n: n.update(position=[1]), "nodes[1].position", r"expected \[x, y\]"),
        (lambda n: n.update(position=[1, "2"]), "nodes[1].position[1]", "expected a number"),
        (lambda n: n.update(position=[1e10, 0]), "nodes[1].position[0]", "within"),
        (lambda n: n.update(params=[]), "nodes[1].params", "expected an object"),
        (lambda n: n.update(colour="red"), "nodes[1].colour", "unknown key"),
        (lambda n: n.update({"odd key": 1}), 'nodes[1]["odd key"]', "unknown key"),
    ],
)
def test_bad_node_entries(change, path, match) -> None:
    data = valid()
    change(data["nodes"][1])
    refused(data, path, match)


def test_a_node_that_is_not_an_object() -> None:
    data = valid()
    data["nodes"][2] = "output"
    refused(data, "nodes[2]", "expected an object, got a string")


def test_unknown_layer_type() -> None:
    data = valid()
    data["nodes"][1]["type"] = "Quantum"
    refused(data, "nodes[1].type", "unknown layer type 'Quantum'")


def test_unknown_parameter() -> None:
    data = valid()
    data["nodes"][1]["params"]["colour"] = "red"
    refused(data, "nodes[1].params.colour", "Linear has no parameter 'colour'")


def test_out_of_range_parameter_allocates_nothing() -> None:
    data = valid()
    data["nodes"][1]["params"]["units"] = 10**12
    text = json.dumps(data)
    tracemalloc.start()
    try:
        refused(text, "nodes[1].params.units", "at most")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("units", "10", "whole number"),
        ("bias", 1, "true or false"),
        ("activation", "swish", "must be one of"),
    ],
)
def test_parameters_of_the_wrong_type(name, value, match) -> None:
    data = valid()
    data["nodes"][1]["params"][name] = value
    refused(data, f"nodes[1].params.{name}", match)


def test_duplicate_node_ids() -> None:
    data = valid()
    data["nodes"][2]["id"] = "a"
    refused(data, "nodes[2].id", r"'a' is already used by nodes\[0\]")


def test_too_many_nodes_and_edges() -> None:
    refused({**valid(), "nodes": [{}] * 20_001}, "nodes", "20001 nodes.*20000")
    refused({**valid(), "edges": [{}] * 100_001}, "edges", "100001 connections.*100000")


# ---------------------------------------------------------------------- edge level
@pytest.mark.parametrize(
    ("edge", "path", "match"),
    [
        ({"from": ["a", "out"]}, "edges[1]", "missing key 'to'"),
        ({"from": ["a", "out"], "to": ["b", "in"], "w": 1}, "edges[1].w", "unknown key"),
        ({"from": "a", "to": ["b", "in"]}, "edges[1].from", r"expected \[node id, port name\]"),
        ({"from": ["a", 0], "to": ["b", "in"]}, "edges[1].from[1]", "expected a string"),
        ({"from": ["a", "out"], "to": ["zz", "in"]}, "edges[1].to[0]", "no node with id 'zz'"),
        ({"from": ["zz", "out"], "to": ["c", "in"]}, "edges[1].from[0]", "no node with id"),
        ({"from": ["a", "bogus"], "to": ["c", "in"]}, "edges[1].from[1]", "no output 'bogus'"),
        ({"from": ["a", "out"], "to": ["c", "bogus"]}, "edges[1].to[1]", "no input 'bogus'"),
        ({"from": ["b", "in"], "to": ["c", "in"]}, "edges[1].from[1]", "is an input"),
        ({"from": ["a", "out"], "to": ["b", "out"]}, "edges[1].to[1]", "is an output"),
        ({"from": ["a", "out"], "to": ["b", "in"]}, "edges[1]", "already connected"),
        ({"from": ["b", "out"], "to": ["b", "in"]}, "edges[1]", "cannot feed itself"),
    ],
)
def test_bad_edges(edge, path, match) -> None:
    data = valid()
    data["edges"].insert(1, edge)
    refused(data, path, match)


def test_an_edge_from_a_part_the_node_does_not_have() -> None:
    """A Chunk has one output per part: part3 of a Chunk into 2 is refused where it is."""
    data = valid()
    data["nodes"].append(
        {"id": "k", "type": "Chunk", "label": "k", "position": [0, 0], "params": {"chunks": 2}}
    )
    data["edges"] += [
        {"from": ["b", "out"], "to": ["k", "in"]},
        {"from": ["k", "part3"], "to": ["c", "in"]},
    ]
    del data["edges"][1]
    refused(data, "edges[2].from[1]", "Chunk 'k' has no output 'part3'")
    data["nodes"][-1]["params"]["chunks"] = 3
    assert project_from_json(json.dumps(data)).graph.edges[-1].src_port == "part3"


def test_an_occupied_input() -> None:
    data = valid()
    data["edges"].append({"from": ["a", "out"], "to": ["c", "in"]})
    refused(data, "edges[2].to", "Output 'output1' takes a single input")


def test_a_cycle_names_the_edge_that_closes_it() -> None:
    data = valid()
    data["nodes"] += [
        {"id": f"m{i}", "type": "Add", "label": f"m{i}", "position": [0, 0]} for i in range(3)
    ]
    data["edges"] += [
        {"from": ["m0", "out"], "to": ["m1", "in"]},
        {"from": ["m1", "out"], "to": ["m2", "in"]},
        {"from": ["a", "out"], "to": ["m0", "in"]},
        {"from": ["m2", "out"], "to": ["m0", "in"]},
        {"from": ["m2", "out"], "to": ["b", "in"]},
    ]
    refused(data, "edges[5]", "connecting Add 'm2' to Add 'm0' would make a loop")


# ------------------------------------------------------------------ settings level
@pytest.mark.parametrize(
    ("section", "key", "value", "match"),
    [
        ("training", "batch_size", 0, "at least 1"),
        ("training", "learning_rate", "fast", "expected float"),
        ("training", "warp", 9, "unknown setting"),
        ("data", "source", "mnist-on-the-moon", "must be one of"),
        ("data", "seed", -1, "at least 0"),
    ],
)
def test_bad_settings(section, key, value, match) -> None:
    data = valid()
    data[section][key] = value
    refused(data, f"{section}.{key}", match)


def test_project_from_dict_refuses_non_json_values() -> None:
    data = valid()
    data["metadata"] = {"when": {1, 2}}
    with pytest.raises(ProjectFileError, match="cannot be stored") as caught:
        project_from_dict(data)
    assert caught.value.path == "metadata.when"
    with pytest.raises(ProjectFileError, match="keys must be strings"):
        project_from_dict({**valid(), "metadata": {1: "x"}})


def test_code_in_a_file_is_only_ever_text() -> None:
    data = valid()
    data["nodes"][1]["label"] = "__import__('os').system('echo pwned')"
    data["metadata"] = {"x": "!!python/object/apply:os.system ['echo pwned']"}
    project = project_from_json(json.dumps(data))
    assert project.graph.node("b").label.startswith("__import__")
    for path in IO_PACKAGE.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\bimport pickle|\beval\(|\bexec\(|\bmarshal\b", source), path


def test_the_format_constant() -> None:
    assert FORMAT == "nn-designer-project"
