"""From a project to a run that is ready to train, with every check phrased for the user.

`prepare_run` does all the work that can fail for reasons the user must fix (the design does
not compile, the data does not load, the ends of the network do not fit the data) up front,
in the caller's thread, and raises one `RunSetupError` naming the node at fault. What it
returns holds a freshly built model, read-only arrays and the compiled recipe, shares nothing
with the graph, and can be handed to a worker thread as it is. The checks of the design
against its data are `designer.data.checks.data_problems`, which the problems list runs
before training is even asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch
from torch import nn

from designer.compiler import CompileError, compile_design
from designer.data import (
    DataError,
    DataLayout,
    InputSlot,
    OutputSlot,
    PreparedData,
    data_layout,
    load_dataset,
)
from designer.data.checks import data_problems
from designer.io import project_to_json
from designer.model import Project, infer_shapes
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.probes import ProbePlan
from designer.training.recipe import Recipe, compile_recipe


class RunSetupError(ValueError):
    """The project cannot be trained as it is; the message says why and names the node.

    ``node_id`` is the node to select in the canvas, when the problem belongs to one.
    """

    def __init__(self, message: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.node_id = node_id


@dataclass(frozen=True, eq=False)
class PreparedRun:
    """Everything one training run needs, detached from the project it came from."""

    model: nn.Module
    data: PreparedData
    settings: TrainingSettings
    data_settings: DataSettings
    layout: DataLayout
    recipe: Recipe
    name: str = "run"
    metadata: dict[str, object] = field(default_factory=dict)
    snapshot: str = ""  # the project as it was trained (a project file's text)
    probe_plan: ProbePlan | None = None  # which submodule is which node (for statistics)

    @property
    def loss(self) -> str:
        """The loss of the first Output layer."""
        return self.layout.outputs[0].loss


def prepare_run(
    project: Project,
    name: str = "run",
    folder: str | os.PathLike[str] | None = None,
    data: PreparedData | None = None,
) -> PreparedRun:
    """Load the data (unless ``data`` is given, already loaded for this project), check that
    the design fits it, and build a fresh model; relative data paths are taken from
    ``folder``, the project file's folder.

    The model is built as ``build_model(graph, seed=training.seed)`` builds it, so the same
    project always starts from the same weights. Raises `RunSetupError` with a readable message.
    """
    graph = project.graph
    analysis = infer_shapes(graph)
    ends_missing = _ends_missing(project)
    if ends_missing:
        raise RunSetupError(ends_missing)
    if analysis.errors:
        first = analysis.errors[0]
        raise RunSetupError(_with_more(first.message, len(analysis.errors)), first.node_id)
    layout = data_layout(graph, analysis)
    if data is None:
        data = load_data(project.data, layout, folder)
    problems = [p for p in data_problems(project, data, analysis) if p.is_error]
    if problems:
        raise RunSetupError(_with_more(problems[0].message, len(problems)), problems[0].node_id)
    try:
        compiled = compile_design(graph, seed=project.training.seed)
    except CompileError as error:
        raise RunSetupError(str(error), next(iter(error.node_ids), None)) from None
    return PreparedRun(
        model=compiled.module,
        data=data,
        settings=project.training,
        data_settings=project.data,
        layout=layout,
        recipe=compile_recipe(project.training, layout),
        name=name,
        metadata=dict(project.metadata),
        snapshot=project_to_json(project),
        probe_plan=ProbePlan.of(graph, compiled.nodes),
    )


def _ends_missing(project: Project) -> str | None:
    graph = project.graph
    if not graph.nodes_of_role("input"):
        return "Training needs an Input layer: the design has none"
    if not graph.nodes_of_role("output"):
        return "Training needs an Output layer: the design has none"
    return None


def load_data(
    settings: DataSettings, layout: DataLayout, folder: str | os.PathLike[str] | None = None
) -> PreparedData:
    """`load_dataset`, with its `DataError` turned into a `RunSetupError`."""
    try:
        return load_dataset(settings, layout, folder)
    except DataError as error:
        raise RunSetupError(f"The data set cannot be loaded: {error}") from None


def _with_more(message: str, count: int) -> str:
    if count <= 1:
        return message
    return f"{message} (and {count - 1} more problem{'s' * (count > 2)})"


def run_for_module(
    model: nn.Module,
    data: PreparedData,
    settings: TrainingSettings,
    loss: str = "cross_entropy",
    data_settings: DataSettings | None = None,
) -> PreparedRun:
    """A run of any module taking the data's one input and learning its one target with
    ``loss`` (for benchmarks, tests and library use; the app trains designs). The output
    shape is found by running two samples through the module in eval mode."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            dims: tuple[int, ...] | None = tuple(model(torch.tensor(data.x_train[:2])).shape[1:])
    except Exception:  # the run reports what is wrong with the model when it starts
        dims = None
    model.train(was_training)
    info = data.inputs[0]
    layout = DataLayout(
        (InputSlot("", info.name, tuple(info.shape), tokens=info.kind == "tokens"),),
        (OutputSlot("", data.target_names[0], loss, dims=dims, description=""),),
    )
    return PreparedRun(
        model=model,
        data=data,
        settings=settings,
        data_settings=data_settings or DataSettings(),
        layout=layout,
        recipe=compile_recipe(settings, layout),
    )
