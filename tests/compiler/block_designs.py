"""Designs with a residual stage, shared by the block tests of every layer."""

from __future__ import annotations

from designer.model import Graph

RESIDUAL = ["conv1", "relu1", "conv2", "add", "relu2"]


def residual_design(stages: int = 1, channels: int = 8) -> Graph:
    """input -> stem conv -> relu -> ``stages`` x (conv, relu, conv, + skip, relu) ->
    flatten -> linear -> output; the layers of stage k are ``conv1_k`` ... (k from 1)."""
    graph = Graph()
    graph.add_node(
        "Input", {"kind": "image", "channels": 3, "height": 6, "width": 6}, "image", node_id="in"
    )
    graph.add_node(
        "Conv2d", {"out_channels": channels, "kernel_size": 3, "padding": 1}, "stem", node_id="stem"
    )
    graph.add_node("ReLU", {}, "stem_relu", node_id="stem_relu")
    graph.connect("in", "out", "stem", "in")
    graph.connect("stem", "out", "stem_relu", "in")
    previous = "stem_relu"
    for stage in range(1, stages + 1):
        ids = {name: f"{name}_{stage}" for name in RESIDUAL}
        conv = {"out_channels": channels, "kernel_size": 3, "padding": 1}
        graph.add_node("Conv2d", conv, ids["conv1"], node_id=ids["conv1"])
        graph.add_node("ReLU", {}, ids["relu1"], node_id=ids["relu1"])
        graph.add_node("Conv2d", conv, ids["conv2"], node_id=ids["conv2"])
        graph.add_node("Add", {}, ids["add"], node_id=ids["add"])
        graph.add_node("ReLU", {}, ids["relu2"], node_id=ids["relu2"])
        graph.connect(previous, "out", ids["conv1"], "in")
        graph.connect(ids["conv1"], "out", ids["relu1"], "in")
        graph.connect(ids["relu1"], "out", ids["conv2"], "in")
        graph.connect(ids["conv2"], "out", ids["add"], "in")
        graph.connect(previous, "out", ids["add"], "in")
        graph.connect(ids["add"], "out", ids["relu2"], "in")
        previous = ids["relu2"]
    graph.add_node("Flatten", {}, "flat", node_id="flat")
    graph.add_node("Linear", {"units": 3}, "head", node_id="head")
    graph.add_node("Output", {"loss": "cross_entropy"}, "label", node_id="out")
    graph.connect(previous, "out", "flat", "in")
    graph.connect("flat", "out", "head", "in")
    graph.connect("head", "out", "out", "in")
    for column, node_id in enumerate(list(graph.nodes)):  # in a row, as drawn
        graph.move_node(node_id, 240.0 * column, 0.0)
    return graph


def stage_ids(stage: int) -> list[str]:
    return [f"{name}_{stage}" for name in RESIDUAL]
