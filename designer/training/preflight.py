"""The pre-flight check: can the design learn one batch by heart?

A network that can learn at all memorizes one small batch within a few dozen steps, so
its loss on that batch falls towards zero. `preflight` trains a *copy* of a prepared
run's model (the design's weights stay as they are) on the first batch of the first
epoch with the project's optimizer and learning rate, for up to `STEPS` steps (it stops
as soon as the loss has fallen), measuring every layer on the first step with `Probes`.
The verdict: the loss passed when its best over the last steps is at most
`PASS_FRACTION` of the first (or below `SMALL_LOSS`). When it did not, the linter's rule
NN401 reads the measurements and names the likely cause
(`designer.model.lint.gradients.likely_cause`); the same measurements feed the vanishing
and exploding gradient, dead-ReLU and initialization rules, and the canvas overlay.
"""

from __future__ import annotations

import copy
import math

import torch

from designer.model import Graph, infer_shapes
from designer.model.analysis import Problem
from designer.model.lint import ProbeFacts, review
from designer.model.lint.table import RULE_LIST
from designer.training import core
from designer.training.batches import make_batches
from designer.training.loop import pick_device
from designer.training.probes import ProbePlan, Probes
from designer.training.session import PreparedRun

#: Steps on the one batch at most: enough for a design that can learn to memorize it,
#: even at a modest learning rate (the check stops as soon as the loss has fallen).
STEPS = 300
#: The loss passes when it falls to this fraction of where it started ...
PASS_FRACTION = 0.25
#: ... or below this, whatever it started at.
SMALL_LOSS = 1e-3
#: The last steps whose best loss is judged (a loss may wobble from step to step).
_TAIL = 5


def preflight(run: PreparedRun, steps: int = STEPS) -> ProbeFacts:
    """Train a copy of ``run.model`` on one batch for up to ``steps`` steps (fewer once
    the loss has fallen as it must); returns the losses, the verdict and each layer's
    statistics at the first step (none for a run without a `ProbePlan`). A loss that
    becomes NaN or infinite ends the check, failed. Touches no graph, so it may run in
    any thread."""
    device = pick_device(run.settings.device)
    model = copy.deepcopy(run.model).to(device)
    batch = first_batch(run, device)
    torch.manual_seed(run.settings.seed)
    optimizer = run.recipe.make_optimizer(model.parameters(), run.settings.learning_rate)
    model.train()
    with Probes(run.probe_plan or ProbePlan({}), model) as probes:
        probes.arm()
        losses = [_step(run, model, optimizer, batch)]
        layers = probes.measure()
        while len(losses) < steps and math.isfinite(losses[-1]):
            losses.append(_step(run, model, optimizer, batch))
            if len(losses) > _TAIL and loss_fell(losses):
                break
    learning_rate = run.settings.learning_rate
    return ProbeFacts(layers, tuple(losses), loss_fell(losses), learning_rate, "pre-flight check")


def _step(run: PreparedRun, model, optimizer, batch: dict) -> float:
    """One optimizer step on ``batch``; its loss (NaN or infinite when it became so)."""
    recipe = run.recipe
    try:
        return core.train_step(
            model, optimizer, recipe.heads, recipe.inputs, batch, run.settings.grad_clip
        )
    except FloatingPointError as error:
        return math.nan if str(error) == "nan" else math.inf


def first_batch(run: PreparedRun, device: torch.device) -> dict:
    """The first batch of the first epoch of ``run``'s training part, as the loop gets it."""
    source = make_batches(run, "train", device)
    try:
        if len(source) == 0:
            raise ValueError("there are no training rows")
        order = core.epoch_order(len(source), run.settings.seed, 0)
        size = min(run.settings.batch_size, len(order))
        return next(iter(source.batches(order[:size], size)))
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def loss_fell(losses: list[float] | tuple[float, ...]) -> bool:
    """Whether the losses fell as a network's that can learn one batch must."""
    if len(losses) < 2 or not all(map(math.isfinite, losses)):
        return False
    best = min(losses[-_TAIL:])
    return best <= SMALL_LOSS or best <= losses[0] * PASS_FRACTION


def findings(graph: Graph, facts: ProbeFacts) -> list[Problem]:
    """The linter's findings about what ``facts`` measured (rules NN4xx), in rule order."""
    rules = [rule for rule in RULE_LIST if rule.needs == "probes"]
    analysis = review(graph, infer_shapes(graph), rules=rules, probes=facts)
    return [p for p in analysis.problems if p.rule in {rule.id for rule in rules}]
