"""Checks and fixes of what makes a design hard to train (rules NN301-NN305).

None of these stops a run: the network trains, only worse than it could. Two Linears in a
row are one Linear with more parameters; BatchNorm needs a batch to take statistics over;
a long chain of layers with neither normalization nor skip connections lets gradients
fade; and a learning rate far from the optimizer's usual range diverges or stalls.
"""

from __future__ import annotations

from collections.abc import Iterator

from designer.catalog.objectives import LEARNING_RATES, OPTIMIZERS
from designer.model.analysis import Problem
from designer.model.edits import Edit, SetParam
from designer.model.lint.base import Hit, LintInput, SettingsFix
from designer.model.lint.ends import remove_layer
from designer.model.lint.fixes import feeder, fused_activation

#: Layers that are linear maps once trained (dropout scales by a constant in evaluation).
_LINEAR_MAPS = ("Identity", "Dropout", "ScaleBias")
BATCH_NORMS = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
#: The layers with weights that make a chain deep.
_WEIGHTED = (
    "Linear",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
)
#: Layers with weights in a row, with no normalization or skip connection among them,
#: from which a chain counts as deep.
DEEP_CHAIN = 8
#: How far outside an optimizer's usual rates (as a factor) a rate is "far" outside.
FAR = 3.0
GOOD_BATCH = 32


# --------------------------------------------------------------------- NN301
def stacked_linears(ctx: LintInput) -> Iterator[Hit]:
    for node_id in ctx.of_types("Linear"):
        source = _through_linear_maps(ctx, node_id)
        if source is None or ctx.graph.node(source).type != "Linear":
            continue
        if fused_activation(ctx, source) == "none":
            yield Hit(
                source,
                f"feeds {ctx.graph.describe(node_id)} with no activation between them, and "
                "two linear maps in a row are just one linear map: the second adds "
                "parameters but no power. Give this one an activation such as ReLU",
                field="activation",
            )


def _through_linear_maps(ctx: LintInput, node_id: str) -> str | None:
    edges = ctx.graph.in_edges(node_id)
    while len(edges) == 1:
        source = ctx.graph.node(edges[0].src)
        if source.type not in _LINEAR_MAPS:
            return source.id
        edges = ctx.graph.in_edges(source.id)
    return None


def relu_after(ctx: LintInput, problem: Problem) -> Edit | None:
    if problem.node_id is None or problem.node_id not in ctx.graph.nodes:
        return None
    text = f"Give {ctx.graph.describe(problem.node_id)} a ReLU activation"
    return SetParam(problem.node_id, "activation", "relu", text)


# --------------------------------------------------------------------- NN302
def batch_norm_on_one_sample(ctx: LintInput) -> Iterator[Hit]:
    assert ctx.training is not None
    if ctx.training.batch_size != 1:
        return
    for node_id in ctx.of_types(*BATCH_NORMS):
        yield Hit(
            node_id,
            "normalizes over the batch, but batches hold one sample: its statistics are "
            "those of a single sample (for a feature vector torch refuses to train). Use "
            "batches of 16 or more, or LayerNorm or GroupNorm instead",
        )


def larger_batches(ctx: LintInput, problem: Problem) -> SettingsFix | None:
    if ctx.training is None:
        return None
    training = ctx.training.replace(batch_size=GOOD_BATCH)
    return SettingsFix(training, f"Train with batches of {GOOD_BATCH}")


# --------------------------------------------------------------------- NN303
def batch_norm_before_output(ctx: LintInput) -> Iterator[Hit]:
    for output in ctx.of_types("Output"):
        source = feeder(ctx, output)
        if source is not None and ctx.graph.node(source).type in BATCH_NORMS:
            yield Hit(
                source,
                "normalizes the network's output itself, so every prediction is pulled "
                "towards the batch's mean and spread whatever the targets are; remove it "
                "(normalize hidden layers instead)",
            )


remove_batch_norm = remove_layer


# --------------------------------------------------------------------- NN304
def deep_plain_chain(ctx: LintInput) -> Iterator[Hit]:
    """The layer where a plain chain reaches `DEEP_CHAIN` layers with weights: a run of
    layers each fed by the one before alone, with no normalization among them. A merge
    or a fork (the two ends of a skip connection) ends the run, since the gradient then
    has a shorter way back."""
    if len(ctx.of_types(*_WEIGHTED)) < DEEP_CHAIN:
        return
    run: dict[str, int] = {}
    graph = ctx.graph
    for node_id in ctx.analysis.order:
        edges = graph.in_edges(node_id)
        plain = len(edges) == 1 and not _forks(graph, edges[0].src)
        before = run.get(edges[0].src, 0) if plain else 0
        if graph.spec(node_id).category == "Normalization":
            before = -1  # counts to 0 with the line below: the run starts again
        weighted = graph.node(node_id).type in _WEIGHTED
        run[node_id] = max(0, before + weighted)
        if weighted and run[node_id] == DEEP_CHAIN:
            yield Hit(
                node_id,
                f"is the {DEEP_CHAIN}th layer with weights in a row with neither "
                "normalization nor a skip connection between them: gradients fade or "
                "grow on the way back through such a chain, and it trains slowly if at "
                "all. Add BatchNorm or LayerNorm every few layers, or residual connections",
            )


def _forks(graph, node_id: str) -> bool:
    return len(graph.out_edges(node_id)) > 1


# --------------------------------------------------------------------- NN305
def learning_rate_out_of_range(ctx: LintInput) -> Iterator[Hit]:
    assert ctx.training is not None
    settings = ctx.training
    usual = LEARNING_RATES.get(settings.optimizer)
    if usual is None:
        return
    rate, name = settings.learning_rate, OPTIMIZERS[settings.optimizer].label
    if usual.low / FAR <= rate <= usual.high * FAR:
        return
    side = "above" if rate > usual.high else "below"
    effect = "diverge (the loss jumps or becomes NaN)" if side == "above" else "barely move"
    yield Hit(
        None,
        f"the learning rate {rate:g} is far {side} the {usual.low:g} to {usual.high:g} "
        f"that {name} usually trains well with; training will likely {effect}. Try "
        f"{usual.default:g}",
        field="training.learning_rate",
    )


def usual_learning_rate(ctx: LintInput, problem: Problem) -> SettingsFix | None:
    if ctx.training is None or ctx.training.optimizer not in LEARNING_RATES:
        return None
    rate = LEARNING_RATES[ctx.training.optimizer].default
    training = ctx.training.replace(learning_rate=rate)
    return SettingsFix(training, f"Set the learning rate to {rate:g}")
