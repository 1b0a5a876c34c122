"""A node's silenced linter rules in the project file: saved with their reasons, loaded
back, absent from files that silence nothing, and checked on load."""

from __future__ import annotations

import copy
import json

import pytest
from test_bad_files import refused, valid

from designer.io import load_project, project_from_dict, project_to_json, save_project
from designer.io.migrations import migrate
from designer.model import Graph, Project
from designer.model.edits import Silence


def test_silenced_rules_round_trip_through_a_file(tmp_path):
    graph = Graph()
    graph.add_node("Input", {"features": 3}, node_id="a")
    graph.add_node("Linear", {"units": 4}, node_id="b")
    Silence("b", "NN301", "a linear bottleneck, on purpose: ☺").apply(graph)
    path = tmp_path / "quiet.nndesign"
    save_project(Project(graph), path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["nodes"][1]["silenced"] == {"NN301": "a linear bottleneck, on purpose: ☺"}
    assert "silenced" not in saved["nodes"][0]  # nothing silenced: nothing written
    loaded = load_project(path)
    assert loaded.graph.node("b").silenced == {"NN301": "a linear bottleneck, on purpose: ☺"}
    assert project_to_json(loaded) == path.read_text(encoding="utf-8")


def test_files_without_silenced_rules_load_as_before():
    data = valid()
    assert all("silenced" not in node for node in data["nodes"])
    project = project_from_dict(data)
    assert all(node.silenced == {} for node in project.graph)


def test_a_format_1_file_migrates_without_silenced_rules():
    data = copy.deepcopy(valid())
    data["format_version"] = 1
    assert all("silenced" not in node for node in migrate(data)["nodes"])


@pytest.mark.parametrize(
    ("silenced", "path", "match"),
    [
        ([], "nodes[1].silenced", "expected an object, got an array"),
        ({"NN301": 3}, "nodes[1].silenced.NN301", "silencing NN301 needs a reason"),
        ({"NN301": ""}, "nodes[1].silenced.NN301", "needs a reason"),
        ({"lint": "x"}, "nodes[1].silenced.lint", "'lint' is not a rule id"),
        ({"NN301": "x" * 501}, "nodes[1].silenced.NN301", "longer than 500 characters"),
        ({f"NN{i:03d}": "x" for i in range(65)}, "nodes[1].silenced", "at most 64 rules"),
    ],
)
def test_bad_silenced_rules_name_the_place(silenced, path, match):
    data = valid()
    data["nodes"][1]["silenced"] = silenced
    refused(data, path, match)
