"""Saving is deterministic and atomic; save -> load -> save gives the same bytes."""

from __future__ import annotations

import copy
import json
import os
import sys

import pytest

from designer.catalog import default_catalog
from designer.io import (
    FORMAT,
    FORMAT_VERSION,
    MIGRATIONS,
    ProjectFileError,
    load_project,
    project_from_dict,
    project_from_json,
    project_to_dict,
    project_to_json,
    save_project,
)
from designer.model import DataSettings, Graph, Project, TrainingSettings


def other_value(param):
    """A valid value different from the default, to catch params that do not round-trip."""
    if param.kind == "choice":
        return param.choices[-1]
    if param.kind == "bool":
        return not param.default
    if param.kind == "float":
        return 0.1 + 0.2  # a float whose repr must survive exactly
    if param.kind == "ints":
        return (3, -1, 2)
    return (param.default or 0) + 1


def rich_project() -> Project:
    """One node of every layer type with non-default parameters, merges, odd labels."""
    graph = Graph()
    for i, spec in enumerate(default_catalog()):
        params = {p.name: other_value(p) for p in spec.params}
        label = f"{spec.prefix} ünï ✓ {i}" if i % 3 == 0 else None
        graph.add_node(spec.type_id, params, label, (i * 220.5, -(i % 4) / 3))
    ids = {graph.node(n).type: n for n in graph.nodes}
    graph.connect(ids["Input"], "out", ids["Linear"], "in")
    for source in ("Tanh", "Linear", "ReLU"):  # merge order differs from node order
        graph.connect(ids[source], "out", ids["Add"], "in")
    graph.connect(ids["Add"], "out", ids["Output"], "in")
    graph.connect(ids["Input"], "out", ids["Concatenate"], "in")
    graph.connect(ids["Chunk"], "part3", ids["Concatenate"], "in")  # a third part
    graph.connect(ids["Split"], "part2", ids["Multiply"], "in")
    graph.connect(ids["Input"], "out", ids["SelfAttention"], "mask")  # an optional input
    return Project(
        graph,
        DataSettings(source="csv", path="data/ünï.csv", target_column="y", noise=0.05),
        TrainingSettings(optimizer="sgd", learning_rate=3e-4, nesterov=True, epochs=7),
        {"name": "Rich ✓", "tags": ["a", "b"], "nested": {"x": [1, 2.5, None, True]}},
    )


def snapshot(project: Project) -> tuple:
    graph = project.graph
    nodes = [(n.id, n.type, n.label, dict(n.params), n.position) for n in graph]
    return nodes, list(graph.edges), project.data, project.training, project.metadata


def test_two_saves_are_byte_identical(tmp_path) -> None:
    project = rich_project()
    save_project(project, tmp_path / "a.nndesign")
    save_project(project, tmp_path / "b.nndesign")
    assert (tmp_path / "a.nndesign").read_bytes() == (tmp_path / "b.nndesign").read_bytes()
    assert project_to_json(project) == project_to_json(rich_project())


def test_save_load_save_is_byte_identical(tmp_path) -> None:
    project = rich_project()
    path = tmp_path / "p.nndesign"
    save_project(project, path)
    loaded = load_project(path)
    assert snapshot(loaded) == snapshot(project)
    save_project(loaded, tmp_path / "again.nndesign")
    assert (tmp_path / "again.nndesign").read_bytes() == path.read_bytes()


def test_the_text_is_sorted_indented_utf8_json(tmp_path) -> None:
    project = rich_project()
    text = project_to_json(project)
    assert text.endswith("}\n")
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "ünï ✓" in text  # written as is, not as \u escapes
    save_project(project, tmp_path / "p.nndesign")
    assert (tmp_path / "p.nndesign").read_text(encoding="utf-8") == text


def test_the_dict_layout() -> None:
    project = rich_project()
    data = project_to_dict(project)
    assert set(data) == {
        "format",
        "format_version",
        "app_version",
        "metadata",
        "nodes",
        "edges",
        "data",
        "training",
    }
    assert data["format"] == FORMAT and data["format_version"] == FORMAT_VERSION == 2
    assert [n["id"] for n in data["nodes"]] == list(project.graph.nodes)
    assert data["edges"] == [
        {"from": [e.src, e.src_port], "to": [e.dst, e.dst_port]} for e in project.graph.edges
    ]
    reshape = next(n for n in data["nodes"] if n["type"] == "Reshape")
    assert reshape["params"]["shape"] == [3, -1, 2]  # a list in JSON, a tuple in the model
    assert reshape["position"] == list(project.graph.node(reshape["id"]).position)
    assert data["data"] == project.data.to_dict()
    assert data["training"] == project.training.to_dict()
    loaded = project_from_dict(data)
    assert loaded.graph.node(reshape["id"]).params["shape"] == (3, -1, 2)


def test_loading_does_not_change_the_callers_dict() -> None:
    data = project_to_dict(rich_project())
    before = copy.deepcopy(data)
    project = project_from_dict(data)
    project.metadata["nested"]["x"].append(9)
    assert data == before


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "p.nndesign"
    save_project(Project(), path)
    old = path.read_bytes()

    def broken_fsync(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        save_project(rich_project(), path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.nndesign"]


def test_a_failed_replace_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "p.nndesign"
    save_project(Project(), path)
    old = path.read_bytes()

    def broken_replace(src, dst) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(PermissionError):
        save_project(rich_project(), path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.nndesign"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and links")
def test_save_keeps_permissions_and_writes_through_links(tmp_path) -> None:
    path = tmp_path / "p.nndesign"
    save_project(Project(), path)
    assert path.stat().st_mode & 0o777 == 0o644
    path.chmod(0o600)
    save_project(rich_project(), path)
    assert path.stat().st_mode & 0o777 == 0o600
    link = tmp_path / "link.nndesign"
    link.symlink_to(path)
    save_project(Project(), link)
    assert link.is_symlink() and load_project(path).graph.nodes == {}


def test_renamed_layer_types_load_under_their_new_name() -> None:
    data = project_to_dict(Project())
    data["nodes"] = [
        {"id": "a", "type": "MultiheadSelfAttention", "label": "att", "params": {"num_heads": 2}}
    ]
    project = project_from_dict(data)
    assert project.graph.node("a").type == "SelfAttention"
    assert project_to_dict(project)["nodes"][0]["type"] == "SelfAttention"


def test_older_formats_are_migrated_step_by_step(monkeypatch) -> None:
    def from_v0(data: dict) -> dict:
        """Format 0 (fake) called the layer type "kind" and had no edges key."""
        for node in data["nodes"]:
            node["type"] = node.pop("kind")
        data["edges"] = data.pop("links", [])
        return data

    monkeypatch.setitem(MIGRATIONS, 0, from_v0)
    old = {
        "format": FORMAT,
        "format_version": 0,
        "nodes": [
            {"id": "i", "kind": "Input", "label": "x", "params": {"features": 3}},
            {"id": "o", "kind": "Output", "label": "y", "params": {"loss": "mse"}},
        ],
        "links": [{"from": ["i", "out"], "to": ["o", "in"]}],
    }
    before = copy.deepcopy(old)
    project = project_from_json(json.dumps(old))
    assert [n.type for n in project.graph] == ["Input", "Output"]
    assert len(project.graph.edges) == 1
    assert project_from_dict(old).graph.nodes.keys() == {"i", "o"}
    assert old == before  # the migration worked on a copy

    def broken(data: dict) -> dict:
        return data["nope"]

    monkeypatch.setitem(MIGRATIONS, 0, broken)
    with pytest.raises(ProjectFileError, match="cannot upgrade this file from format 0") as e:
        project_from_dict(old)
    assert e.value.path == "format_version"
    with pytest.raises(ProjectFileError, match="older than this version can read"):
        project_from_dict({**old, "format_version": -1})


def test_a_newer_format_is_refused_with_a_clear_message() -> None:
    data = {**project_to_dict(Project()), "format_version": 7}
    with pytest.raises(ProjectFileError) as caught:
        project_from_dict(data)
    assert caught.value.message == (
        "this file was saved by a newer NN Designer (format 7); this version reads up to format 2"
    )
    assert caught.value.path == "format_version"


def _backward_chain(count: int) -> str:
    """A project of ``count`` chained nodes with its nodes and edges listed last to first
    (the worst order for keeping the nodes ranked while connecting)."""
    nodes = [{"id": f"n{i}", "type": "Identity", "label": f"x{i}"} for i in range(count)]
    nodes[0] = {"id": "n0", "type": "Input", "label": "x0"}
    nodes.reverse()
    edges = [{"from": [f"n{i}", "out"], "to": [f"n{i + 1}", "in"]} for i in range(count - 1)]
    return json.dumps({**project_to_dict(Project()), "nodes": nodes, "edges": edges[::-1]})


def _calls(function) -> int:
    """How many functions (Python or built-in) ``function()`` calls: a measure of its
    work that, unlike a duration, does not depend on the machine or how busy it is."""
    count = 0

    def profile(_frame, event, _arg) -> None:
        nonlocal count
        count += event in ("call", "c_call")

    sys.setprofile(profile)
    try:
        function()
    finally:
        sys.setprofile(None)
    return count


def test_a_big_design_loads_whatever_the_edge_order() -> None:
    count = 20_000
    project = project_from_json(_backward_chain(count))
    assert len(project.graph) == count and len(project.graph.edges) == count - 1
    assert project.graph.edges[0].src == f"n{count - 2}"  # file order is kept


def test_loading_takes_linear_work_whatever_the_edge_order() -> None:
    """No check per edge that searches the graph: four times the design, about four
    times the work (a search per edge would make it sixteen)."""
    small, large = (_calls(lambda n=n: project_from_json(_backward_chain(n))) for n in (500, 2000))
    assert large < 6 * small
