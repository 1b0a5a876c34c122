"""A file saved in format 1 must keep loading, with the same meaning, forever.

``golden/format_v1.nndesign`` holds every layer type that format 1 had, with non-default
parameters, three merges and three outputs. Never regenerate it: if a change to the
format breaks this test, add a migration (and an alias for a renamed layer type) instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.io import FORMAT_VERSION, load_project, project_to_json
from designer.model import ShapeCache, infer_shapes

GOLDEN = Path(__file__).resolve().parent / "golden" / "format_v1.nndesign"

TYPES_IN_FORMAT_1 = {
    "Add", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Concatenate", "Conv1d", "Conv2d",
    "ConvTranspose2d", "Dropout", "ELU", "Embedding", "Flatten", "GELU", "GRU",
    "GlobalAvgPool2d", "Identity", "Input", "LSTM", "LayerNorm", "LeakyReLU", "Linear",
    "LogSoftmax", "MaxPool1d", "MaxPool2d", "Multiply", "Output", "ReLU", "Reshape",
    "SelfAttention", "SiLU", "Sigmoid", "Softmax", "Tanh", "Upsample",
}  # fmt: skip


@pytest.fixture(scope="module")
def project():
    return load_project(GOLDEN)


def by_label(project, label: str):
    return next(node for node in project.graph if node.label == label)


def test_the_golden_file_is_format_1() -> None:
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert data["format_version"] == 1 and data["app_version"] == "0.1.0"
    assert {node["type"] for node in data["nodes"]} == TYPES_IN_FORMAT_1


def test_it_loads_with_its_meaning_intact(project) -> None:
    graph = project.graph
    assert len(graph) == 44 and len(graph.edges) == 44
    assert {node.type for node in graph} == TYPES_IN_FORMAT_1
    assert by_label(project, "reshape").params["shape"] == (3, -1)
    assert by_label(project, "conv").params == {
        "out_channels": 8,
        "kernel_size": 3,
        "stride": 1,
        "padding": 1,
        "dilation": 1,
        "groups": 1,
        "bias": True,
        "activation": "relu",
    }
    assert by_label(project, "lstm").params["bidirectional"] is True
    assert by_label(project, "upsample").params["mode"] == "bilinear"
    assert by_label(project, "avgpool").params["stride"] == 2
    assert by_label(project, "maxpool").params["stride"] is None
    add = by_label(project, "add").id
    sources = [graph.node(e.src).label for e in graph.in_edges(add)]
    assert sources == ["image_fc", "gru"]  # merge order is connection order, not node order
    assert by_label(project, "classes").position == (21 * 220.0, 0.0)
    assert project.data.source == "csv" and project.data.target_column == "label"
    assert project.training.optimizer == "adamw" and project.training.schedule == "cosine"
    assert project.training.learning_rate == 0.0005 and project.training.device == "cpu"
    assert project.metadata["author"] == "NN Designer tests ✓"


def test_it_still_infers_cleanly(project) -> None:
    analysis = infer_shapes(project.graph, ShapeCache())
    assert analysis.problems == ()
    outputs = {by_label(project, name).id for name in ("classes", "flag", "target")}
    assert {analysis.info(n).output.dims for n in outputs} == {(3,), (1,), (4,)}


def test_saving_it_again_changes_only_what_format_2_added(project) -> None:
    old = json.loads(GOLDEN.read_text(encoding="utf-8"))
    saved = json.loads(project_to_json(project))
    assert saved["format_version"] == FORMAT_VERSION == 2
    for node in old["nodes"]:
        if node["type"] == "Output":
            node["params"]["weight"] = 1.0  # format 2: the loss weight, 1 before
    old["data"].update(augment=False, workers=2)  # format 2: image folder settings
    old["format_version"], old["app_version"] = 2, saved["app_version"]
    assert saved == old
