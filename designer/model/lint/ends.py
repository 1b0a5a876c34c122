"""Checks and fixes of how a network ends and what its loss expects (rules NN201-NN206).

Each loss wants its input in one form: cross-entropy and binary cross-entropy with
logits want raw scores (they apply the softmax or sigmoid themselves, in a numerically
stable way), binary cross-entropy wants probabilities, and a regression loss wants values
that can reach its targets. The layer right before an Output decides which it gets.
"""

from __future__ import annotations

from collections.abc import Iterator

from designer.catalog.objectives import CLASSES, LOSSES, output_units
from designer.model.analysis import Problem
from designer.model.edits import Compound, Edit, SetParam
from designer.model.lint.base import Hit, LintInput
from designer.model.lint.fixes import feeder, fused_activation, no_activation, take_out

LOGIT_LOSSES = ("cross_entropy", "bce_with_logits")
REGRESSION_LOSSES = ("mse", "l1", "huber")
_SIGMOIDS = ("Sigmoid", "Hardsigmoid")
_PROBABILITIES = (*_SIGMOIDS, "Softmax")
_SOFTMAXES = ("Softmax", "LogSoftmax")
_DROPOUTS = ("Dropout", "Dropout2d")
#: The values an activation can give (None: no bound on that side), by layer type and
#: by the name of a Linear's or convolution's built-in activation.
_RANGES = {
    "Sigmoid": (0.0, 1.0),
    "Hardsigmoid": (0.0, 1.0),
    "Tanh": (-1.0, 1.0),
    "ReLU": (0.0, None),
    "ReLU6": (0.0, 6.0),
    "Softplus": (0.0, None),
}
_FUSED_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, None)}


def _outputs(ctx: LintInput, *losses: str) -> Iterator[tuple[str, str, str]]:
    """(Output id, its loss, the layer feeding it) for the Outputs with these losses."""
    for node_id in ctx.of_types("Output"):
        loss = str(ctx.graph.node(node_id).params.get("loss"))
        source = feeder(ctx, node_id)
        if source is not None and loss in losses:
            yield node_id, loss, source


def _label(ctx: LintInput, node_id: str) -> str:
    return ctx.graph.describe(node_id)


def _output_of(ctx: LintInput, problem: Problem) -> tuple[str, str] | None:
    """(Output id, feeding layer) of a finding on an Output."""
    if problem.node_id is None or problem.node_id not in ctx.graph.nodes:
        return None
    source = feeder(ctx, problem.node_id)
    return None if source is None else (problem.node_id, source)


def _remove_squashing(ctx: LintInput, source: str, description: str) -> Edit:
    """Take out an activation layer, or turn off a layer's built-in activation."""
    if ctx.spec(source).category == "Activation":
        return take_out(ctx.graph, source, description)
    return no_activation(ctx.graph, source, description)


# --------------------------------------------------------------------- NN201
def _is_sigmoid(ctx: LintInput, node_id: str) -> bool:
    node = ctx.graph.node(node_id)
    return node.type == "Sigmoid" or fused_activation(ctx, node_id) == "sigmoid"


def sigmoid_then_bce(ctx: LintInput) -> Iterator[Hit]:
    for node_id, _, source in _outputs(ctx, "bce"):
        if _is_sigmoid(ctx, source):
            yield Hit(
                node_id,
                f"binary cross-entropy takes the probabilities of {_label(ctx, source)}; "
                "taking the logits before the sigmoid (binary cross-entropy with logits) "
                "is the same loss, computed without rounding to 0 or 1",
                field="loss",
            )


def use_logits(ctx: LintInput, problem: Problem) -> Edit | None:
    found = _output_of(ctx, problem)
    if found is None or not _is_sigmoid(ctx, found[1]):
        return None
    output, source = found
    text = "Use binary cross-entropy with logits"
    loss = SetParam(output, "loss", "bce_with_logits", text)
    return Compound([_remove_squashing(ctx, source, text), loss], text)


# --------------------------------------------------------------------- NN206
def bce_without_probabilities(ctx: LintInput) -> Iterator[Hit]:
    for node_id, _, source in _outputs(ctx, "bce"):
        node = ctx.graph.node(source)
        if node.type not in _PROBABILITIES and fused_activation(ctx, source) != "sigmoid":
            yield Hit(
                node_id,
                f"binary cross-entropy needs probabilities between 0 and 1, but "
                f"{_label(ctx, source)} gives any real number, and torch stops with an "
                "error at the first value outside; use binary cross-entropy with logits",
                field="loss",
            )


def logits_loss(ctx: LintInput, problem: Problem) -> Edit | None:
    if problem.node_id is None:
        return None
    return SetParam(
        problem.node_id, "loss", "bce_with_logits", "Use binary cross-entropy with logits"
    )


# --------------------------------------------------------------------- NN202
def softmax_then_cross_entropy(ctx: LintInput) -> Iterator[Hit]:
    for _output, _, source in _outputs(ctx, "cross_entropy"):
        kind = ctx.graph.node(source).type
        if kind == "Softmax":
            yield Hit(
                source,
                "cross-entropy applies a softmax itself, so this one is applied twice: the "
                "scores are squeezed together and learning slows down; remove it",
            )
        elif kind == "LogSoftmax":
            yield Hit(
                source,
                "cross-entropy applies a log-softmax itself; this one adds nothing but "
                "work (and the scores no longer read as logits); remove it",
            )


def remove_layer(ctx: LintInput, problem: Problem) -> Edit | None:
    if problem.node_id is None or len(ctx.graph.in_edges(problem.node_id)) != 1:
        return None
    return take_out(ctx.graph, problem.node_id)


# --------------------------------------------------------------------- NN203
def squashed_before_output(ctx: LintInput) -> Iterator[Hit]:
    """Dropout right before any Output; an activation right before a loss on logits."""
    for _output, loss, source in _outputs(ctx, *LOSSES):
        node = ctx.graph.node(source)
        if node.type in _DROPOUTS:
            yield Hit(
                source,
                "drops values of the network's output itself while training, so the loss "
                "sees predictions with holes in them; put dropout before the last layer "
                "with weights instead",
            )
        elif loss in LOGIT_LOSSES and _squashes_logits(ctx, source, loss):
            what = "its activation" if ctx.spec(source).category != "Activation" else "it"
            yield Hit(
                source,
                f"bends the scores {LOSSES[loss].label} takes as raw logits (any real "
                f"number, which the loss turns into probabilities itself); remove {what}",
            )


def _squashes_logits(ctx: LintInput, source: str, loss: str) -> bool:
    node = ctx.graph.node(source)
    if ctx.spec(source).category == "Activation":
        return not (loss == "cross_entropy" and node.type in _SOFTMAXES)  # NN202's case
    return fused_activation(ctx, source) != "none"


def remove_dropout_or_activation(ctx: LintInput, problem: Problem) -> Edit | None:
    if problem.node_id is None or problem.node_id not in ctx.graph.nodes:
        return None
    node_id = problem.node_id
    if "activation" in ctx.graph.node(node_id).params:
        return no_activation(ctx.graph, node_id, f"Remove the activation of {_label(ctx, node_id)}")
    return remove_layer(ctx, problem)


# --------------------------------------------------------------------- NN204
def fit_output_units(ctx: LintInput, problem: Problem) -> Edit | None:
    """Set the width of the layer that makes the Output's values to what the data needs:
    a Linear's units or a convolution's channels, looking through element-wise layers."""
    output = problem.node_id
    if ctx.data is None or output is None or output not in ctx.data.targets:
        return None
    target, loss = ctx.data.targets[output], LOSSES.get(str(ctx.graph.node(output).params["loss"]))
    if loss is None:
        return None
    if loss.targets == CLASSES and target.shape:
        wanted = target.num_classes  # dense: one channel of scores per class
    else:
        wanted = output_units(loss.loss_id, target.task, target.shape, target.num_classes)
    maker = _width_maker(ctx, output)
    if wanted is None or maker is None:
        return None
    name, param = maker
    text = f"Give {_label(ctx, name)} {wanted} {'units' if param == 'units' else 'channels'}"
    return SetParam(name, param, wanted, text)


def _width_maker(ctx: LintInput, output: str) -> tuple[str, str] | None:
    node_id = feeder(ctx, output)
    while node_id is not None:
        params = ctx.graph.node(node_id).params
        for param in ("units", "out_channels"):
            if param in params:
                return node_id, param
        info = ctx.analysis.info(node_id)
        if len(info.inputs) != 1 or info.inputs[0] != info.output:
            return None
        node_id = feeder(ctx, node_id)
    return None


# --------------------------------------------------------------------- NN205
def bounded_regression(ctx: LintInput) -> Iterator[Hit]:
    """A regression Output behind an activation whose range misses the data's targets."""
    assert ctx.data is not None
    for node_id, _, source in _outputs(ctx, *REGRESSION_LOSSES):
        target = ctx.data.targets.get(node_id)
        bounds = _bounds(ctx, source)
        if target is None or bounds is None or target.low is None or target.high is None:
            continue
        low, high = bounds
        if target.low < low or (high is not None and target.high > high):
            reach = f"[{low:g}, {high:g}]" if high is not None else f"at least {low:g}"
            yield Hit(
                source,
                f"gives only values {reach}, but the targets of {ctx.data.name!r} range "
                f"from {target.low:.4g} to {target.high:.4g}, so the network cannot reach "
                "them; a regression output is usually left linear",
            )


def _bounds(ctx: LintInput, node_id: str) -> tuple[float, float | None] | None:
    kind = ctx.graph.node(node_id).type
    if kind in _RANGES:
        return _RANGES[kind]
    return _FUSED_RANGES.get(fused_activation(ctx, node_id))


def unbounded_output(ctx: LintInput, problem: Problem) -> Edit | None:
    if problem.node_id is None or problem.node_id not in ctx.graph.nodes:
        return None
    if _bounds(ctx, problem.node_id) is None:
        return None
    return remove_dropout_or_activation(ctx, problem)
