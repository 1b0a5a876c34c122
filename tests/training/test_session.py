"""From a project to a prepared run: every setup problem is one readable error naming its node."""

from __future__ import annotations

import itertools

import pytest
import torch

from designer.data import load_dataset
from designer.data.checks import data_problems, describe_shape
from designer.model import Graph, Project
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.session import RunSetupError, prepare_run


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
    assert project.graph.node(run.layout.inputs[0].node_id).type == "Input"
    assert project.graph.node(run.layout.outputs[0].node_id).type == "Output"
    assert run.recipe.inputs == ("x",) and run.recipe.heads[0].target == "y"
    assert run.model(torch.zeros(3, 2)).shape == (3, 2)


def test_same_seed_gives_same_initial_weights():
    first = prepare_run(mlp_project()).model.state_dict()
    second = prepare_run(mlp_project()).model.state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_a_design_needs_an_input_and_an_output():
    graph = Graph()
    chain(graph, ("Input", {"features": 2}, None), ("Linear", {"units": 2}, None))
    with pytest.raises(RunSetupError, match="needs an Output layer: the design has none"):
        prepare_run(Project(graph))
    with pytest.raises(RunSetupError, match="needs an Input layer: the design has none"):
        prepare_run(Project(Graph()))


def test_several_ends_need_a_data_file_naming_their_arrays():
    project = mlp_project()
    second = project.graph.add_node("Output", {"loss": "mse"}, "score").id
    hidden = next(n.id for n in project.graph if n.label == "hidden")
    linear = project.graph.add_node("Linear", {"units": 1}).id
    project.graph.connect(hidden, "out", linear, "in")
    project.graph.connect(linear, "out", second, "in")
    with pytest.raises(RunSetupError) as caught:
        prepare_run(project)
    assert str(caught.value) == (
        "The data set cannot be loaded: Two moons gives one input and one target, but the "
        "design has 1 Input and 2 Outputs; use an .npz file with the arrays 'input', "
        "'output', 'score'"
    )


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


def test_data_problems_name_the_missing_array_on_each_end():
    project = mlp_project()
    extra = project.graph.add_node("Output", {}, "extra").id
    problems = data_problems(project, load_dataset(DataSettings(source="moons", samples=50)))
    assert {p.node_id for p in problems} == {
        *project.graph.nodes_of_role("input"),
        *project.graph.nodes_of_role("output"),
    }
    message = next(p.message for p in problems if p.node_id == extra)
    assert message == "Output 'extra': 'moons' has no array named 'extra' (it has 'x', 'y')"
    assert all(p.field == "label" for p in problems)


def test_describe_shape():
    assert describe_shape((1,)) == "1 feature"
    assert describe_shape((4,)) == "4 features"
    assert describe_shape((1, 8, 8)) == "1×8×8 images"
