"""The linter's rules that read the data: each mismatch of a design with its data is one
finding with a rule id and a quick fix, after which the design fits the data."""

from __future__ import annotations

import numpy as np
import pytest

from designer.data import PreparedData, data_facts
from designer.data.checks import data_problems
from designer.model import Graph, Project, infer_shapes
from designer.model.lint import quick_fix, review


def chain(*layers) -> Graph:
    graph = Graph()
    previous = None
    for index, (type_id, params) in enumerate(layers):
        node = graph.add_node(type_id, params, position=(220.0 * index, 0.0))
        if previous is not None:
            graph.connect(previous, "out", node.id, "in")
        previous = node.id
    return graph


def data(x: np.ndarray, y: np.ndarray, task: str, classes: int | None = None) -> PreparedData:
    half = len(x) // 2
    return PreparedData.from_xy("set", task, x[:half], y[:half], x[half:], y[half:], classes)


def images(n: int = 20, channels: int = 1, size: int = 8) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(n, channels, size, size)).astype(np.float32)


def labels(n: int = 20, classes: int = 3) -> np.ndarray:
    return np.arange(n) % classes


def checked(graph: Graph, prepared: PreparedData):
    """The review of ``graph`` with ``prepared``, as the app and ``check`` make it."""
    project = Project(graph)
    analysis = infer_shapes(graph)
    problems = data_problems(project, prepared, analysis)
    facts = data_facts(project, prepared, analysis)
    return review(graph, analysis, project.training, facts, problems), facts


def fixed(graph: Graph, prepared: PreparedData, rule: str):
    """Apply the quick fix of the one finding of ``rule``; the review afterwards."""
    reviewed, facts = checked(graph, prepared)
    (finding,) = [p for p in reviewed.problems if p.rule == rule]
    fix = quick_fix(finding, graph, infer_shapes(graph), None, facts)
    assert fix.description == finding.fix
    fix.apply(graph)
    return checked(graph, prepared)[0]


IMAGE = ("Input", {"kind": "image", "channels": 1, "height": 8, "width": 8})


def test_scores_per_pixel_for_one_label_per_image_is_one_finding_with_a_fix():
    graph = chain(IMAGE, ("Conv2d", {"out_channels": 3, "padding": 1}), ("Output", {}))
    reviewed, _ = checked(graph, data(images(), labels(), "classification", 3))
    (problem,) = reviewed.problems
    assert problem.rule == "NN104" and problem.is_error and problem.node_id == "n3"
    assert "takes a class label per position" in problem.message
    assert problem.fix == "Insert global average pooling"
    assert fixed(graph, data(images(), labels(), "classification", 3), "NN104").problems == ()


def test_a_linear_on_a_feature_map_explains_the_outputs_mismatch_in_one_finding():
    graph = chain(IMAGE, ("Conv2d", {"out_channels": 4}), ("Linear", {"units": 3}), ("Output", {}))
    prepared = data(images(), labels(), "classification", 3)
    reviewed, _ = checked(graph, prepared)
    (problem,) = reviewed.problems
    assert problem.rule == "NN101" and problem.node_id == "n3" and problem.is_error
    assert problem.message.endswith("This is also why Output 'output1' does not fit the data.")
    assert reviewed.info("n4").problems == ()  # the Output is not marked twice
    assert fixed(graph, prepared, "NN101").problems == ()


@pytest.mark.parametrize(
    ("head", "loss", "targets", "task", "classes", "wanted"),
    [
        (3, "cross_entropy", labels(classes=4), "classification", 4, 4),
        (2, "bce_with_logits", labels(classes=2), "classification", 2, 1),
        (1, "mse", np.ones((20, 2), np.float32), "regression", None, 2),
    ],
)
def test_output_units_that_do_not_match_the_data_are_set_by_the_fix(
    head, loss, targets, task, classes, wanted
):
    x = np.random.default_rng(1).normal(size=(20, 5)).astype(np.float32)
    prepared = data(x, targets, task, classes)
    graph = chain(
        ("Input", {"features": 5}),
        ("Linear", {"units": 8, "activation": "relu"}),
        ("Linear", {"units": head}),
        ("Dropout", {}) if loss == "mse" else ("Identity", {}),  # looked through
        ("Output", {"loss": loss}),
    )
    reviewed, _ = checked(graph, prepared)
    units = [p for p in reviewed.problems if p.rule == "NN204"]
    assert len(units) == 1 and units[0].is_error
    assert "NN204" not in [p.rule for p in fixed(graph, prepared, "NN204").problems]
    assert graph.node("n3").params["units"] == wanted


def test_a_loss_unfit_for_the_targets_is_no_rule_of_the_linter():
    x = np.random.default_rng(1).normal(size=(20, 5)).astype(np.float32)
    prepared = data(x, np.ones((20,), np.float32), "regression")
    graph = chain(("Input", {"features": 5}), ("Linear", {"units": 3}), ("Output", {}))
    reviewed, _ = checked(graph, prepared)
    (problem,) = reviewed.problems
    assert problem.rule is None and "needs class labels" in problem.message


def test_a_sigmoid_cannot_reach_regression_targets_beyond_one():
    x = np.random.default_rng(2).normal(size=(20, 5)).astype(np.float32)
    y = np.linspace(25.0, 346.0, 20, dtype=np.float32)[:, None]
    prepared = data(x, y, "regression")
    graph = chain(
        ("Input", {"features": 5}), ("Linear", {"units": 1}), ("Sigmoid", {}),
        ("Output", {"loss": "mse"}),
    )  # fmt: skip
    reviewed, facts = checked(graph, prepared)
    assert facts.targets["n4"].low == 25.0 and facts.targets["n4"].high == 346.0
    (problem,) = reviewed.problems
    assert problem.rule == "NN205" and "range from 25 to 346" in problem.message
    assert fixed(graph, prepared, "NN205").problems == ()
    assert [n.type for n in graph] == ["Input", "Linear", "Output"]


def test_without_data_the_data_rules_stay_silent():
    graph = chain(
        ("Input", {"features": 5}), ("Linear", {"units": 1}), ("Sigmoid", {}),
        ("Output", {"loss": "mse"}),
    )  # fmt: skip
    assert review(graph, infer_shapes(graph)).problems == ()


def test_class_labels_have_no_range():
    prepared = data(images(), labels(), "classification", 3)
    graph = chain(IMAGE, ("GlobalAvgPool2d", {}), ("Output", {}))
    facts = data_facts(Project(graph), prepared)
    assert facts.targets["n3"].low is None and facts.targets["n3"].num_classes == 3
