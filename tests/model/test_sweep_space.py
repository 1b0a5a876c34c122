"""The search space of a sweep: made from the catalogue's parameters and the settings'
rules, checked as a file's values and against a design, saved with the project, and
applied to a copy of a project."""

from __future__ import annotations

import json

import pytest

from designer.io import ProjectFileError, project_from_dict, project_from_json, project_to_json
from designer.model import Graph, Project, SettingsError
from designer.model.sweep import (
    CHOICE,
    FLOAT,
    INT,
    SweepError,
    SweepParam,
    SweepSettings,
    param_from_dict,
)
from designer.model.sweep_design import (
    apply_values,
    describe,
    grid_values,
    node_param,
    setting_param,
    space_problems,
    split_values,
)


def design() -> tuple[Project, dict[str, str]]:
    graph = Graph()
    ids = {
        "linear": graph.add_node("Linear", {"units": 10}, "hidden").id,
        "dropout": graph.add_node("Dropout", {"p": 0.5}, "drop").id,
        "act": graph.add_node("LeakyReLU", {}, "leaky").id,
        "input": graph.add_node("Input", {"kind": "features"}, "x").id,
        "chunk": graph.add_node("Chunk", {"chunks": 3}, "split").id,
        "reshape": graph.add_node("Reshape", {"shape": [2, -1]}, "reshape").id,
    }
    graph.connect(ids["chunk"], "part3", ids["act"], "in")
    return Project(graph), ids


# ------------------------------------------------------------------- making dimensions
def test_settings_start_from_their_usual_ranges_learning_rate_on_a_log_scale() -> None:
    lr = setting_param("learning_rate")
    assert (lr.kind, lr.low, lr.high, lr.log) == (FLOAT, 1e-4, 1e-1, True)
    assert setting_param("batch_size") == SweepParam("", "batch_size", INT, 16, 256, True)
    assert setting_param("optimizer").choices == ("adam", "adamw", "sgd", "rmsprop")
    assert setting_param("nesterov").choices == (False, True)
    with pytest.raises(SweepError, match="'device' is not a training setting a sweep"):
        setting_param("device")


def test_layer_parameters_range_around_their_value_within_the_catalogue() -> None:
    project, ids = design()
    graph = project.graph
    assert node_param(graph, ids["linear"], "units") == SweepParam(
        ids["linear"], "units", INT, 5, 20
    )
    dropout = node_param(graph, ids["dropout"], "p")  # twice 0.5 would leave the range
    assert (dropout.low, dropout.high, dropout.log) == (0.25, 0.75, False)
    assert node_param(graph, ids["linear"], "bias").choices == (False, True)
    assert node_param(graph, ids["act"], "negative_slope").high <= 1e6
    with pytest.raises(SweepError, match="list of numbers"):
        node_param(graph, ids["reshape"], "shape")


def test_keys_and_descriptions_name_the_layer_and_the_setting() -> None:
    project, ids = design()
    units = node_param(project.graph, ids["linear"], "units")
    assert units.key == f"{ids['linear']}.units"
    assert setting_param("learning_rate").key == "training.learning_rate"
    assert describe(project.graph, units) == "hidden: units"
    assert describe(project.graph, setting_param("learning_rate")) == "learning rate"


def test_grid_values_cover_each_range() -> None:
    assert grid_values(setting_param("learning_rate")) == (
        0.0001,
        0.000562341,
        0.00316228,
        0.0177828,
        0.1,
    )
    assert grid_values(SweepParam("", "epochs", INT, 2, 4)) == (2, 3, 4)
    assert grid_values(setting_param("batch_size")) == (16, 32, 64, 128, 256)
    assert grid_values(SweepParam("", "momentum", FLOAT, 0.5, 0.9)) == (0.5, 0.6, 0.7, 0.8, 0.9)
    assert grid_values(setting_param("schedule")) == setting_param("schedule").choices


# ------------------------------------------------------------------- checks
@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({"node": "", "name": "x", "kind": "float", "low": 1.0, "high": 1.0}, "high", "above"),
        (
            {"node": "", "name": "x", "kind": "float", "low": 0, "high": 1, "log": True},
            "low",
            "above 0",
        ),
        ({"node": "", "name": "x", "kind": "int", "low": 0.5, "high": 4}, "low", "whole"),
        ({"node": "", "name": "x", "kind": "int", "low": "1", "high": 4}, "low", "a number"),
        ({"node": "", "name": "x", "kind": "choice", "choices": []}, "choices", "1 to"),
        ({"node": "", "name": "x", "kind": "choice", "choices": ["a", "a"]}, "choices", "twice"),
        ({"node": "", "name": "x", "kind": "choice", "choices": [1.5]}, "choices", "not a choice"),
        ({"node": "", "name": "x", "kind": "cube"}, "kind", "one of"),
        (
            {"node": "", "name": "x", "kind": "int", "low": 1, "high": 2, "step": 1},
            "step",
            "unknown",
        ),
    ],
)
def test_a_bad_dimension_is_refused_naming_its_field(item, field, message) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        param_from_dict(item, "sweep.parameters[0]")
    assert caught.value.path == f"sweep.parameters[0].{field}"


def test_a_dimension_may_appear_only_once() -> None:
    lr = setting_param("learning_rate")
    with pytest.raises(SettingsError, match=r"training\.learning_rate appears twice"):
        SweepSettings((lr, lr))


def test_space_problems_name_the_layer_and_what_is_wrong() -> None:
    project, ids = design()
    units = node_param(project.graph, ids["linear"], "units")
    project.sweep = SweepSettings(
        (
            units.replace(high=10**9),
            SweepParam("n99", "units", INT, 1, 4),
            SweepParam(ids["dropout"], "p", INT, 0, 1),
            SweepParam(ids["input"], "height", INT, 4, 8),
            setting_param("learning_rate").replace(low=1e-9),
            SweepParam("", "optimizer", CHOICE, choices=("adam", "lbfgs")),
            SweepParam("", "device", CHOICE, choices=("cpu",)),
        )
    )
    assert space_problems(project) == [
        "hidden: units: the range must end at 1e+06 or below",
        "n99 (deleted): units: there is no layer 'n99' in the design",
        "drop: rate: Rate takes numbers",
        "x: height: Height does not apply to this Input",
        "learning rate: the range must start at 1e-08 or above",
        "optimizer: 'lbfgs' is not one of adam, adamw, sgd, rmsprop",
        "device: 'device' is not a training setting a sweep can vary",
    ]
    project.sweep = SweepSettings()
    assert space_problems(project) == ["choose at least one parameter to sweep"]


# ------------------------------------------------------------------- values
def test_values_go_to_a_copy_of_the_project_settings_and_layers_alike() -> None:
    project, ids = design()
    project.sweep = SweepSettings(
        (setting_param("learning_rate"), node_param(project.graph, ids["linear"], "units"))
    )
    copy = project_from_json(project_to_json(project))
    values = {"training.learning_rate": 0.02, f"{ids['linear']}.units": 17, "gone.units": 3}
    assert split_values(project.sweep, values) == (
        {"learning_rate": 0.02},
        [(ids["linear"], "units", 17)],
    )
    apply_values(copy, values)
    assert (
        copy.training.learning_rate == 0.02 and copy.graph.node(ids["linear"]).params["units"] == 17
    )
    assert (
        project.training.learning_rate == 0.001
        and project.graph.node(ids["linear"]).params["units"] == 10
    )


def test_a_value_the_design_refuses_is_a_sweep_error_naming_the_layer() -> None:
    project, ids = design()
    chunks = node_param(project.graph, ids["chunk"], "chunks")
    project.sweep = SweepSettings((chunks,))
    with pytest.raises(SweepError, match=r"'split'.*output 'part3' is connected"):
        apply_values(project, {chunks.key: 2})


# ------------------------------------------------------------------- the file
def test_the_sweep_is_saved_with_the_project_and_read_back() -> None:
    project, ids = design()
    project.sweep = SweepSettings(
        (setting_param("learning_rate"), node_param(project.graph, ids["linear"], "bias")),
        metric="accuracy",
        sampler="grid",
        trials=7,
        pruning=False,
    )
    text = project_to_json(project)
    assert project_from_json(text).sweep == project.sweep
    assert project_to_json(project_from_json(text)) == text


def test_a_project_without_a_sweep_saves_no_sweep_section() -> None:
    project, _ = design()
    assert "sweep" not in json.loads(project_to_json(project))
    assert project_from_json(project_to_json(project)).sweep == SweepSettings()


def test_format_1_files_get_an_empty_sweep() -> None:
    document = json.loads(project_to_json(design()[0]))
    document["format_version"] = 1
    assert project_from_dict(document).sweep == SweepSettings()


@pytest.mark.parametrize(
    ("sweep", "place"),
    [
        ({"trials": 0}, "sweep.trials"),
        ({"sampler": "random"}, "sweep.sampler"),
        (
            {"parameters": [{"node": "", "name": "lr", "kind": "float", "low": 2, "high": 1}]},
            "sweep.parameters[0].high",
        ),
        ({"parameters": {}}, "sweep.parameters"),
        ({"colour": "red"}, "sweep.colour"),
        ([], "sweep"),
    ],
)
def test_a_bad_sweep_in_a_file_names_its_place(sweep, place) -> None:
    document = json.loads(project_to_json(design()[0]))
    document["sweep"] = sweep
    with pytest.raises(ProjectFileError) as caught:
        project_from_dict(document)
    assert caught.value.path == place
