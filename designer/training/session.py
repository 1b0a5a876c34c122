"""From a project to a run that is ready to train, with every check phrased for the user.

`prepare_run` does all the work that can fail for reasons the user must fix (the design does
not compile, the data does not load, the ends of the network do not fit the data) up front,
in the caller's thread, and raises one `RunSetupError` naming the node at fault. What it
returns holds a freshly built model, read-only arrays and the compiled recipe, shares nothing
with the graph, and can be handed to a worker thread as it is. `data_problems` runs the same
fit checks without building anything, so the problems list can show them before training
is even asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch
from torch import nn

from designer.catalog.objectives import target_problem
from designer.compiler import CompileError, build_model
from designer.data import (
    DataError,
    DataLayout,
    InputSlot,
    OutputSlot,
    PreparedData,
    data_layout,
    load_dataset,
)
from designer.model import Analysis, Problem, Project, infer_shapes
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.recipe import Recipe, compile_recipe

IMAGE_CHANNELS = (1, 3)


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

    The model is built with ``build_model(graph, seed=training.seed)``, so the same project
    always starts from the same weights. Raises `RunSetupError` with a readable message.
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
        model = build_model(graph, seed=project.training.seed)
    except CompileError as error:
        raise RunSetupError(str(error), next(iter(error.node_ids), None)) from None
    return PreparedRun(
        model=model,
        data=data,
        settings=project.training,
        data_settings=project.data,
        layout=layout,
        recipe=compile_recipe(project.training, layout),
        name=name,
        metadata=dict(project.metadata),
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


def data_problems(
    project: Project, data: PreparedData, analysis: Analysis | None = None
) -> list[Problem]:
    """Why the design cannot train on ``data``, as problems attached to the Input and Output
    nodes (``field`` names the parameter to change). Empty when they fit.

    Designs without an Input or Output get nothing here: the analysis reports those already.
    """
    graph = project.graph
    analysis = analysis if analysis is not None else infer_shapes(graph)
    layout = data_layout(graph, analysis)
    problems = _name_problems(layout)
    for slot in layout.inputs:
        if slot.name not in data.input_names:
            problems.append(_missing(slot.node_id, slot.description, slot.name, data))
        else:
            problems += _input_problems(slot, data)
    for slot in layout.outputs:
        if slot.name not in data.target_names:
            problems.append(_missing(slot.node_id, slot.description, slot.name, data))
        else:
            problems += _output_problems(slot, data)
    return problems


def _name_problems(layout: DataLayout) -> list[Problem]:
    problems = []
    for name in layout.duplicate_names():
        slots = [s for s in (*layout.inputs, *layout.outputs) if s.name == name]
        message = (
            f"{slots[-1].description}: another Input or Output is also named {name!r}; each "
            "reads the data array of its own name, so give them different names"
        )
        problems.append(Problem(message, slots[-1].node_id, field="label"))
    return problems


def _missing(node_id: str, description: str, name: str, data: PreparedData) -> Problem:
    arrays = ", ".join(repr(n) for n in (*data.input_names, *data.target_names))
    message = f"{description}: {data.name!r} has no array named {name!r} (it has {arrays})"
    return Problem(message, node_id, field="label")


def describe_shape(shape: tuple[int, ...]) -> str:
    """How a per-sample shape reads in a message: "4 features", "1x8x8 images"."""
    if len(shape) == 1:
        return f"{shape[0]} feature{'s' * (shape[0] != 1)}"
    if len(shape) == 3:
        return f"{'x'.join(map(str, shape))} images"
    if len(shape) == 2:
        return f"sequences of {shape[0]} steps x {shape[1]} features"
    return f"samples of shape {'x'.join(map(str, shape)) or 'scalar'}"


def _input_problems(slot, data: PreparedData) -> list[Problem]:
    info = data.input(slot.name)
    name, dims = slot.description, tuple(slot.dims)

    def problem(message: str, field_name: str = "kind") -> list[Problem]:
        return [Problem(f"{name}: {message}", slot.node_id, field=field_name)]

    if info.kind == "files":
        if len(dims) != 3:
            return problem(f"{data.name!r} holds images; set the Input's kind to image")
        if dims[0] not in IMAGE_CHANNELS:
            return problem("image files give 1 (grey) or 3 (RGB) channels", "channels")
        return []
    if slot.tokens and info.kind != "tokens":
        return problem(f"takes integer tokens, but {data.name!r} has real-valued inputs")
    if slot.tokens:
        return _token_problems(slot, data, problem)
    if dims == tuple(info.shape):
        return []
    message = (
        f"the design takes {describe_shape(dims)}, but {data.name!r} has "
        f"{describe_shape(tuple(info.shape))}; use Fit design to data"
    )
    return problem(message, "features" if len(info.shape) == 1 == len(dims) else "kind")


def _token_problems(slot, data: PreparedData, problem) -> list[Problem]:
    info = data.input(slot.name)
    if tuple(info.shape) != tuple(slot.dims):
        length = info.shape[0] if len(info.shape) == 1 else "x".join(map(str, info.shape))
        return problem(f"takes {slot.dims[0]} tokens, but {data.name!r} has {length}", "length")
    arrays = [data.train[slot.name], data.val[slot.name]]
    highest = max(int(a.max()) for a in arrays if a.size) if any(a.size for a in arrays) else 0
    if slot.vocab_size is not None and highest >= slot.vocab_size:
        return problem(
            f"{data.name!r} has token ids up to {highest}, but the vocabulary has "
            f"{slot.vocab_size} (ids 0 to {slot.vocab_size - 1}); raise the vocabulary size",
            "vocab_size",
        )
    return []


def _output_problems(slot, data: PreparedData) -> list[Problem]:
    target = data.target(slot.name)
    message = target_problem(
        slot.loss, slot.dims, target.task, target.shape, target.num_classes, data.name
    )
    if message is None:
        return []
    return [Problem(f"{slot.description}: {message}", slot.node_id, field="loss")]


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
