"""From a project to a prepared run: every setup problem is one readable error naming its node."""

from __future__ import annotations

import itertools

import pytest
import torch

from designer.data import load_dataset
from designer.model import Graph, Project
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.session import (
    RunSetupError,
    data_problems,
    describe_shape,
    prepare_run,
)


def chain(graph: Graph, *nodes: tuple[str, dict, str | None]) -> list[str]:
    ids = [graph.add_node(t, params, label).id for t, params, label in nodes]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    return ids


def mlp_project(features=2, classes=2, loss="cross_entropy", source="moons") -> Project:
    graph = Graph()
    chain(
        graph,
        ("Input", {"features": features}, "input"),
        ("Linear", {"units": 8}, "hidden"),
        ("ReLU", {}, None),
        ("Linear", {"units": classes}, "logits"),
        ("Output", {"loss": loss}, "output"),
    )
    data = DataSettings(source=source, samples=100)
    return Project(graph, data, TrainingSettings(epochs=2, device="cpu", seed=3))


def test_prepared_run_holds_a_fresh_model_and_the_data():
    project = mlp_project()
    run = prepare_run(project, name="first")
    assert run.name == "first" and run.loss == "cross_entropy"
    assert run.data.feature_shape == (2,) and run.data.num_train == 80
    assert run.settings is project.training and run.data_settings is project.data
    assert project.graph.node(run.input_id).type == "Input"
    assert project.graph.node(run.output_id).type == "Output"
    assert run.model(torch.zeros(3, 2)).shape == (3, 2)


def test_same_seed_gives_same_initial_weights():
    first = prepare_run(mlp_project()).model.state_dict()
    second = prepare_run(mlp_project()).model.state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)


@pytest.mark.parametrize(
    ("inputs", "outputs", "text"),
    [(2, 1, "2 Input layers and 1 Output"), (1, 0, "1 Input and no Output layer")],
)
def test_only_single_input_single_output_designs_train(inputs, outputs, text):
    graph = Graph()
    for _ in range(inputs):
        chain(graph, ("Input", {"features": 2}, None), ("Linear", {"units": 2}, None))
    for _ in range(outputs):
        graph.add_node("Output")
    with pytest.raises(RunSetupError, match="exactly one Input and one Output") as caught:
        prepare_run(Project(graph))
    assert text in str(caught.value)


def test_loss_that_does_not_fit_the_targets_names_the_output_node():
    project = mlp_project(features=10, classes=2, source="diabetes")
    with pytest.raises(RunSetupError) as caught:
        prepare_run(project)
    assert str(caught.value) == (
        "Output 'output': cross-entropy needs class labels, but 'diabetes' has real-valued targets"
    )
    assert caught.value.node_id == project.graph.nodes_of_role("output")[0]


def test_input_shape_mismatch_names_the_input_node():
    project = mlp_project(features=3)
    with pytest.raises(RunSetupError, match="Input 'input': the design takes 3 features") as caught:
        prepare_run(project)
    assert "'moons' has 2 features" in str(caught.value)
    assert caught.value.node_id == project.graph.nodes_of_role("input")[0]


def test_design_errors_come_before_data_and_name_the_node():
    project = mlp_project()
    hidden = next(n.id for n in project.graph if n.label == "hidden")
    project.graph.disconnect(project.graph.in_edges(hidden)[0])
    with pytest.raises(RunSetupError, match="not connected") as caught:
        prepare_run(project)
    assert caught.value.node_id == hidden


def test_data_that_cannot_load_is_a_setup_error(tmp_path):
    project = mlp_project()
    project.data = DataSettings(source="csv", path=str(tmp_path / "missing.csv"))
    with pytest.raises(RunSetupError, match="cannot be loaded"):
        prepare_run(project)


def test_data_problems_are_attached_to_the_ends():
    project = mlp_project(features=5, classes=3, loss="bce_with_logits")
    data = load_dataset(DataSettings(source="iris"))
    problems = data_problems(project, data)
    by_node = {p.node_id: p for p in problems}
    input_id = project.graph.nodes_of_role("input")[0]
    output_id = project.graph.nodes_of_role("output")[0]
    assert set(by_node) == {input_id, output_id}
    assert by_node[input_id].field == "features" and "'iris' has 4 features" in (
        by_node[input_id].message
    )
    assert by_node[output_id].field == "loss" and "needs 2 classes" in by_node[output_id].message
    assert all(p.is_error for p in problems)


def test_data_problems_empty_when_design_fits():
    project = mlp_project(features=4, classes=3)
    assert data_problems(project, load_dataset(DataSettings(source="iris"))) == []


def test_data_problems_report_several_ends_once():
    project = mlp_project()
    project.graph.add_node("Output")
    problems = data_problems(project, load_dataset(DataSettings(source="moons", samples=50)))
    assert len(problems) == 1 and problems[0].node_id is None
    assert "exactly one Input and one Output" in problems[0].message


def test_describe_shape():
    assert describe_shape((1,)) == "1 feature"
    assert describe_shape((4,)) == "4 features"
    assert describe_shape((1, 8, 8)) == "1x8x8 images"
