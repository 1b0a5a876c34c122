"""Why a design cannot train on a data set: problems attached to its Input and Output nodes.

The one check of a design against its data (arrays named after the nodes, shapes, token
vocabularies, image channels, losses against targets), shared by the problems list, the
training setup and ``nn-designer check``. Pure: needs neither torch nor Qt.
"""

from __future__ import annotations

from designer.catalog.description import dims_text
from designer.catalog.objectives import CLASSES, CLASSIFICATION, LOSSES, target_problem
from designer.data.layout import DataLayout, InputSlot, OutputSlot, data_layout
from designer.data.prepare import PreparedData, TargetInfo
from designer.model import Analysis, Problem, Project, infer_shapes
from designer.model.lint import OUTPUT_UNITS, SCORES_PER_POSITION

IMAGE_CHANNELS = (1, 3)


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
        return f"{dims_text(shape)} images"
    if len(shape) == 2:
        return f"sequences of {shape[0]} steps x {shape[1]} features"
    return f"samples of shape {dims_text(shape)}"


def _input_problems(slot: InputSlot, data: PreparedData) -> list[Problem]:
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


def _token_problems(slot: InputSlot, data: PreparedData, problem) -> list[Problem]:
    info = data.input(slot.name)
    if tuple(info.shape) != tuple(slot.dims):
        length = info.shape[0] if len(info.shape) == 1 else dims_text(info.shape)
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


def _output_problems(slot: OutputSlot, data: PreparedData) -> list[Problem]:
    target = data.target(slot.name)
    message = target_problem(
        slot.loss, slot.dims, target.task, target.shape, target.num_classes, data.name
    )
    if message is None:
        return []
    rule = _target_rule(slot, target)
    return [Problem(f"{slot.description}: {message}", slot.node_id, field="loss", rule=rule)]


def _target_rule(slot: OutputSlot, target: TargetInfo) -> str | None:
    """The linter rule that explains (and fixes) why the output does not fit its targets
    when only its size is wrong: scores per position for one label per sample, or the
    wrong number of units; None when the loss does not suit the targets at all."""
    spec = LOSSES.get(slot.loss)
    if spec is None or slot.dims is None:
        return None
    if spec.is_classification != (target.task == CLASSIFICATION):
        return None
    if spec.is_binary and (target.num_classes or 2) > 2:
        return None
    output, wanted = tuple(slot.dims), tuple(target.shape)
    if spec.targets == CLASSES:
        if len(output) >= 2 and not wanted:
            return SCORES_PER_POSITION
        return OUTPUT_UNITS if output and output[1:] == wanted else None
    return OUTPUT_UNITS if len(output) <= 1 and len(wanted) <= 1 else None
