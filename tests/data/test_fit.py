"""Fitting a design's ends to a data set: only what differs changes, as one undoable step."""

from __future__ import annotations

import itertools

import numpy as np

from designer.data import InputInfo, PreparedData, TargetInfo
from designer.data.fit import FIT_DESCRIPTION, edits_to_fit_data, fit_compound
from designer.model import Graph


def chain(graph: Graph, *nodes: tuple[str, dict]) -> list[str]:
    ids = [graph.add_node(t, params).id for t, params in nodes]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    return ids


def classes(features=2, count=2, n=20) -> PreparedData:
    x = np.zeros((n, features), np.float32)
    y = np.arange(n) % count
    return PreparedData.from_xy("toy", "classification", x, y, x[:4], y[:4], count)


def images(shape=(1, 8, 8), count=10, n=20) -> PreparedData:
    x = np.zeros((n, *shape), np.float32)
    y = np.arange(n) % count
    return PreparedData.from_xy("digits", "classification", x, y, x[:4], y[:4], count)


def regression(features=3, targets=1, n=20) -> PreparedData:
    x = np.zeros((n, features), np.float32)
    y = np.zeros((n, targets), np.float32)
    return PreparedData.from_xy("sine", "regression", x, y, x[:4], y[:4])


def mlp(graph: Graph, loss="cross_entropy", end=("Linear", {"units": 5})) -> list[str]:
    return chain(
        graph,
        ("Input", {"features": 7}),
        ("Linear", {"units": 8}),
        ("ReLU", {}),
        end,
        ("Output", {"loss": loss}),
    )


def changes(edits) -> dict:
    return {(e.node_id, e.name): e.value for e in edits}


def test_features_and_classes_follow_the_data():
    graph = Graph()
    ids = mlp(graph)
    edits = edits_to_fit_data(graph, classes(features=2, count=3))
    assert changes(edits) == {(ids[0], "features"): 2, (ids[3], "units"): 3}
    assert all(e.description == FIT_DESCRIPTION for e in edits)


def test_images_set_kind_and_dimensions():
    graph = Graph()
    ids = mlp(graph)
    found = changes(edits_to_fit_data(graph, images((3, 16, 12))))
    expected = {"kind": "image", "channels": 3, "height": 16, "width": 12}
    assert {k[1]: v for k, v in found.items() if k[0] == ids[0]} == expected


def test_binary_loss_gets_one_unit_through_an_activation():
    graph = Graph()
    ids = mlp(graph, loss="bce", end=("Linear", {"units": 4}))
    graph.remove_node(ids[4])
    sigmoid = graph.add_node("Sigmoid").id
    output = graph.add_node("Output", {"loss": "bce"}).id
    graph.connect(ids[3], "out", sigmoid, "in")
    graph.connect(sigmoid, "out", output, "in")
    assert changes(edits_to_fit_data(graph, classes(features=7))) == {(ids[3], "units"): 1}


def test_regression_with_a_classification_loss_switches_to_mse():
    graph = Graph()
    ids = mlp(graph)
    found = changes(edits_to_fit_data(graph, regression(features=7, targets=2)))
    assert found == {(ids[4], "loss"): "mse", (ids[3], "units"): 2}


def test_binary_loss_on_many_classes_switches_to_cross_entropy():
    graph = Graph()
    ids = mlp(graph, loss="bce_with_logits")
    found = changes(edits_to_fit_data(graph, classes(features=7, count=4)))
    assert found == {(ids[4], "loss"): "cross_entropy", (ids[3], "units"): 4}


def test_a_fitting_design_needs_no_edits():
    graph = Graph()
    mlp(graph)
    data = classes(features=7, count=5)
    assert edits_to_fit_data(graph, data) == []
    assert fit_compound(graph, data) is None


def test_compound_applies_and_reverts_as_one_step():
    graph = Graph()
    ids = mlp(graph)
    compound = fit_compound(graph, classes(features=2, count=3))
    assert compound is not None and compound.description == FIT_DESCRIPTION
    compound.apply(graph)
    assert graph.node(ids[0]).params["features"] == 2
    assert graph.node(ids[3]).params["units"] == 3
    compound.revert(graph)
    assert graph.node(ids[0]).params["features"] == 7
    assert graph.node(ids[3]).params["units"] == 5


def test_activations_and_identity_are_looked_through():
    graph = Graph()
    ids = mlp(graph, end=("Identity", {}))
    assert changes(edits_to_fit_data(graph, classes(features=7, count=3))) == {(ids[1], "units"): 3}


def test_output_fed_by_a_merge_keeps_its_layers():
    graph = Graph()
    source = graph.add_node("Input", {"features": 7}).id
    add = graph.add_node("Add").id
    for _ in range(2):
        linear = graph.add_node("Linear", {"units": 5}).id
        graph.connect(source, "out", linear, "in")
        graph.connect(linear, "out", add, "in")
    output = graph.add_node("Output").id
    graph.connect(add, "out", output, "in")
    assert edits_to_fit_data(graph, classes(features=7, count=3)) == []


def test_several_inputs_and_outputs_fit_the_arrays_of_their_names():
    graph = Graph()
    ids = mlp(graph)
    graph.rename_node(ids[0], "pixels")
    graph.rename_node(ids[4], "digit")
    extra = graph.add_node("Input", {"features": 9}, label="meta").id
    n = 12
    data = PreparedData(
        name="two",
        inputs=(InputInfo("pixels", (3,)), InputInfo("ids", (5,), "tokens")),
        targets=(TargetInfo("digit", "classification", (), 4),),
        train={
            "pixels": np.zeros((n, 3), np.float32),
            "ids": np.full((n, 5), 41),
            "digit": np.arange(n) % 4,
        },
        val={
            "pixels": np.zeros((2, 3), np.float32),
            "ids": np.zeros((2, 5), np.int64),
            "digit": np.arange(2),
        },
    )
    found = changes(edits_to_fit_data(graph, data))
    assert found == {(ids[0], "features"): 3, (ids[3], "units"): 4}  # "meta" has no array
    graph.rename_node(extra, "ids")
    found = changes(edits_to_fit_data(graph, data))
    assert found[(extra, "kind")] == "tokens" and found[(extra, "length")] == 5
    assert (extra, "vocab_size") not in found  # ids up to 41 fit the default vocabulary
    graph.set_param(extra, "vocab_size", 10)
    assert changes(edits_to_fit_data(graph, data))[(extra, "vocab_size")] == 42
