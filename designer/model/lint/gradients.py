"""Checks of what training measured inside the network (rules NN401-NN405).

The other rules read the design; these read facts a short training run measured, one
`LayerStats` per layer, which the training layer hands down as plain numbers
(`ProbeFacts`), the way the data layer hands down `DataFacts`: the model layer never
sees a tensor. A pre-flight check (a few dozen steps on one batch) also gives its losses
and whether they fell as they must when a network can learn one batch by heart; when they
did not, `likely_cause` names the layer most likely at fault.

Gradients flow from the output back to the input, so a gradient that vanishes or
explodes is reported on the layer where it *starts*: the one nearest the output among
those affected (every layer before it is affected too).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from designer.model.analysis import Problem
from designer.model.lint.base import Hit, LintInput, SettingsFix
from designer.model.lint.training import usual_learning_rate

#: A layer whose gradient is this many times smaller than the largest one in the network
#: barely learns: its gradient has vanished.
VANISHING = 1e-4
#: A gradient norm above this is exploding (a unit-scale network has norms near 1).
EXPLODING = 1e3
#: Activations spread this widely come from weights far too large.
HUGE_ACTIVATION = 1e3
#: A layer widening the spread of its inputs this many times has weights far too large
#: (torch's default initialization widens it about 0.6 times).
HUGE_GAIN = 30.0
#: The fraction of a layer's ReLUs that never fire from which the layer is "dead".
DEAD = 0.9
#: A loss this many times its start on the way has jumped: the steps are too large.
LEAP = 4.0
#: Update/weight ratios below this move the weights too little to learn in a few steps.
TINY_UPDATE = 1e-6


@dataclass(frozen=True)
class LayerStats:
    """What one layer did on one training step: the mean and spread of its output (after
    its fused activation), the fraction of its ReLUs that gave zero for every sample
    (None when it has none), the norm of its weights' gradient and of its weights, the
    spread of its weight values before the step (0 when all are equal, as after a zero
    initialization) and its gain (how many times a weight matrix widens the spread of
    unit-scale inputs), and the size of the step's update relative to the weights (None
    for what a layer does not have)."""

    mean: float
    std: float
    dead: float | None = None
    grad_norm: float | None = None
    weight_norm: float | None = None
    weight_std: float | None = None
    gain: float | None = None
    update_ratio: float | None = None


@dataclass(frozen=True)
class ProbeFacts:
    """What a short run measured, by node id; ``losses`` and ``passed`` come from a
    pre-flight check (empty and None for statistics sampled during training), and
    ``origin`` says where the numbers come from, for the user ("pre-flight check")."""

    layers: Mapping[str, LayerStats] = field(default_factory=dict)
    losses: tuple[float, ...] = ()
    passed: bool | None = None
    learning_rate: float | None = None
    origin: str = ""


# --------------------------------------------------------------------- NN401
def cannot_overfit(ctx: LintInput) -> Iterator[Hit]:
    probes = ctx.probes
    if probes is None or probes.passed is not False:
        return
    node_id, cause = likely_cause(ctx)
    first, last = _ends(probes.losses)
    yield Hit(
        node_id,
        f"cannot learn one batch by heart (the loss went from {first:.4g} to {last:.4g} "
        f"in {len(probes.losses)} steps, where a network that can learn should drive it "
        f"towards zero): {cause}",
    )


def _ends(losses: tuple[float, ...]) -> tuple[float, float]:
    if not losses:
        return math.nan, math.nan
    return losses[0], losses[-1]


def likely_cause(ctx: LintInput) -> tuple[str | None, str]:
    """The layer most likely at fault when a network cannot learn one batch (None for the
    settings or the design as a whole), and why, in words: the first of a zero or
    constant initialization, activations blown up by huge weights, dead ReLUs, a
    vanished gradient, a learning rate too high or too low."""
    probes = ctx.probes
    assert probes is not None
    layers = _in_order(ctx)
    for node_id, stats in layers:
        if stats.weight_std == 0:
            return node_id, (
                "its weights all have the same value, so every unit computes the same "
                "thing and they can never differ; initialize them randomly"
            )
    for node_id, stats in layers:
        if stats.gain is not None and stats.gain > HUGE_GAIN:
            return node_id, (
                f"its weights are far too large: they widen the spread of its input about "
                f"{stats.gain:.3g} times, so the outputs after it saturate the loss; "
                "initialize them smaller"
            )
    for node_id, stats in layers:
        if stats.std > HUGE_ACTIVATION or not math.isfinite(stats.std):
            return node_id, (
                f"its outputs are spread over ±{stats.std:.3g}: its weights are far too "
                "large, so the loss saturates; initialize them smaller"
            )
    if _diverged(probes.losses):
        return None, "the loss leapt up or became NaN: the learning rate is likely too high"
    for node_id, stats in layers:
        if stats.dead is not None and stats.dead >= DEAD:
            return node_id, (
                f"{stats.dead:.0%} of its ReLUs give zero for every sample, so no gradient "
                "passes them; check its initialization, or use LeakyReLU"
            )
    start = vanishing_start(ctx)
    if start is not None:
        return start, "the gradient vanishes here, so this layer and those before it do not learn"
    updates = [s.update_ratio for _, s in layers if s.update_ratio is not None]
    if updates and max(updates) < TINY_UPDATE:
        return None, "the updates barely move the weights: the learning rate is likely too low"
    return None, "check the loss against the targets, the learning rate and the network's size"


def _diverged(losses: tuple[float, ...]) -> bool:
    """Whether the loss became NaN, ended above its start, or leapt far above it."""
    if not losses:
        return False
    if not all(map(math.isfinite, losses)):
        return True
    return losses[-1] > losses[0] or max(losses) > LEAP * losses[0]


def _in_order(ctx: LintInput) -> list[tuple[str, LayerStats]]:
    """The measured layers of the design, inputs first."""
    probes = ctx.probes
    assert probes is not None
    return [(n, probes.layers[n]) for n in ctx.analysis.order if n in probes.layers]


def rate_fix(ctx: LintInput, problem: Problem) -> SettingsFix | None:
    """When the learning rate is the likely cause, the optimizer's usual rate."""
    if ctx.probes is None or ctx.training is None or problem.node_id is not None:
        return None
    node_id, cause = likely_cause(ctx)
    if node_id is not None or "learning rate" not in cause:
        return None
    return usual_learning_rate(ctx, problem)


# --------------------------------------------------------------------- NN405
def badly_scaled_weights(ctx: LintInput) -> Iterator[Hit]:
    for node_id, stats in _in_order(ctx):
        if stats.weight_std == 0:
            yield Hit(
                node_id,
                "all its weights have the same value (a zero initialization, and equal "
                "weights stay equal): its units all compute the same thing, get the same "
                "gradient and stay alike, so the layer works like a single unit",
            )
        elif stats.gain is not None and stats.gain > HUGE_GAIN:
            yield Hit(
                node_id,
                f"its initial weights widen the spread of its input about {stats.gain:.3g} "
                "times (torch's default initialization about 0.6 times): the values after "
                "it are huge, activations saturate and steps are erratic",
            )


# --------------------------------------------------------------------- NN402
def vanishing_start(ctx: LintInput) -> str | None:
    """The layer nearest the output whose gradient is `VANISHING` times smaller than the
    largest that has not exploded (beside an exploding one, every gradient looks small),
    or None."""
    norms = [(n, s.grad_norm) for n, s in _in_order(ctx) if s.grad_norm is not None]
    finite = [norm for _, norm in norms if norm <= EXPLODING]
    if len(finite) < 2 or max(finite) == 0:
        return None
    floor = max(finite) * VANISHING
    faded = [n for n, norm in norms if norm < floor]
    return faded[-1] if faded else None


def vanishing_gradient(ctx: LintInput) -> Iterator[Hit]:
    start = vanishing_start(ctx)
    if start is None or ctx.probes is None:
        return
    norm = ctx.probes.layers[start].grad_norm
    yield Hit(
        start,
        f"its weights' gradient ({norm:.2g}) is over {1 / VANISHING:,.0f} times smaller than "
        "the largest in the network: the gradient vanishes here on its way back, so this "
        "layer and those before it barely learn",
    )


# --------------------------------------------------------------------- NN403
def exploding_gradient(ctx: LintInput) -> Iterator[Hit]:
    exploded = [
        n
        for n, s in _in_order(ctx)
        if s.grad_norm is not None and not s.grad_norm <= EXPLODING  # NaN counts
    ]
    if exploded and ctx.probes is not None:
        start = exploded[-1]
        norm = ctx.probes.layers[start].grad_norm
        yield Hit(
            start,
            f"its weights' gradient has a norm of {norm:.3g}: the gradient explodes here "
            "on its way back, so steps throw the weights around. Smaller initial weights, "
            "normalization, gradient clipping or a lower learning rate tame it",
        )


# --------------------------------------------------------------------- NN404
def dead_relus(ctx: LintInput) -> Iterator[Hit]:
    for node_id, stats in _in_order(ctx):
        if stats.dead is not None and stats.dead >= DEAD:
            yield Hit(
                node_id,
                f"{stats.dead:.0%} of its ReLUs give zero for every sample of the batch: "
                "no gradient passes a ReLU that never fires, so those units have stopped "
                "learning",
            )
