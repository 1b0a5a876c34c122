"""From a project to a run that is ready to train, with every check phrased for the user.

`prepare_run` does all the work that can fail for reasons the user must fix (the design does
not compile, the data does not load, the ends of the network do not fit the data) up front,
in the caller's thread, and raises one `RunSetupError` naming the node at fault. What it
returns holds a freshly built model and read-only arrays, shares nothing with the graph, and
can be handed to a worker thread as it is. `data_problems` runs the same fit checks without
building anything, so the problems list can show them before training is even asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from designer.catalog import Shape
from designer.compiler import CompileError, build_model
from designer.data import DataError, PreparedData, load_dataset
from designer.model import Analysis, Graph, Problem, Project, infer_shapes
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.losses import check_loss_for_data


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
    loss: str
    input_id: str
    output_id: str
    name: str = "run"
    metadata: dict[str, object] = field(default_factory=dict)


def single_ends(graph: Graph) -> tuple[str, str]:
    """The ids of the one Input and one Output node; `RunSetupError` for any other count."""
    inputs, outputs = graph.nodes_of_role("input"), graph.nodes_of_role("output")
    if len(inputs) == 1 and len(outputs) == 1:
        return inputs[0], outputs[0]
    return _raise_ends(len(inputs), len(outputs))


def _raise_ends(inputs: int, outputs: int) -> tuple[str, str]:
    def count(n: int, what: str) -> str:
        return f"no {what} layer" if n == 0 else f"{n} {what} layers" if n > 1 else f"1 {what}"

    raise RunSetupError(
        "Training needs exactly one Input and one Output layer; the design has "
        f"{count(inputs, 'Input')} and {count(outputs, 'Output')}"
    )


def prepare_run(project: Project, name: str = "run") -> PreparedRun:
    """Load the data, check that the design fits it, and build a fresh model.

    The model is built with ``build_model(graph, seed=training.seed)``, so the same project
    always starts from the same weights. Raises `RunSetupError` with a readable message.
    """
    graph = project.graph
    input_id, output_id = single_ends(graph)
    analysis = infer_shapes(graph)
    if analysis.errors:
        first = analysis.errors[0]
        raise RunSetupError(_with_more(first.message, len(analysis.errors)), first.node_id)
    data = load_data(project.data)
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
        loss=str(graph.node(output_id).params.get("loss", "cross_entropy")),
        input_id=input_id,
        output_id=output_id,
        name=name,
        metadata=dict(project.metadata),
    )


def load_data(settings: DataSettings) -> PreparedData:
    """`load_dataset`, with its `DataError` turned into a `RunSetupError`."""
    try:
        return load_dataset(settings)
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
    inputs, outputs = graph.nodes_of_role("input"), graph.nodes_of_role("output")
    if len(inputs) > 1 or len(outputs) > 1:
        try:
            single_ends(graph)
        except RunSetupError as error:
            return [Problem(str(error))]
    analysis = analysis if analysis is not None else infer_shapes(graph)
    problems = []
    if inputs:
        problems += _input_problems(graph, inputs[0], data, analysis)
    if outputs:
        problems += _output_problems(graph, outputs[0], data, analysis)
    return problems


def describe_shape(shape: tuple[int, ...]) -> str:
    """How a per-sample shape reads in a message: "4 features", "1x8x8 images"."""
    if len(shape) == 1:
        return f"{shape[0]} feature{'s' * (shape[0] != 1)}"
    if len(shape) == 3:
        return f"{'x'.join(map(str, shape))} images"
    if len(shape) == 2:
        return f"sequences of {shape[0]} steps x {shape[1]} features"
    return f"samples of shape {'x'.join(map(str, shape)) or 'scalar'}"


def _input_problems(
    graph: Graph, node_id: str, data: PreparedData, analysis: Analysis
) -> list[Problem]:
    shape: Shape | None = analysis.info(node_id).output
    if shape is None:
        return []
    name = graph.describe(node_id)
    if shape.dtype != "float32":
        message = f"{name}: takes integer tokens, but {data.name!r} has real-valued inputs"
        return [Problem(message, node_id, field="kind")]
    if tuple(shape.dims) == tuple(data.feature_shape):
        return []
    message = (
        f"{name}: the design takes {describe_shape(tuple(shape.dims))}, but {data.name!r} has "
        f"{describe_shape(data.feature_shape)}; use Fit design to data"
    )
    field_name = "features" if len(data.feature_shape) == 1 == len(shape.dims) else "kind"
    return [Problem(message, node_id, field=field_name)]


def _output_problems(
    graph: Graph, node_id: str, data: PreparedData, analysis: Analysis
) -> list[Problem]:
    loss = str(graph.node(node_id).params.get("loss", "cross_entropy"))
    shape = analysis.info(node_id).output
    dims = tuple(shape.dims) if shape is not None else None
    message = check_loss_for_data(loss, data, dims)
    if message is None:
        return []
    return [Problem(f"{graph.describe(node_id)}: {message}", node_id, field="loss")]
