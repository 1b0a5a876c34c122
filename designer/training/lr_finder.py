"""The learning-rate range test: which rate should this design train with?

As in Smith's "Cyclical Learning Rates" and fastai's ``lr_find``: a *copy* of the prepared
model (the design's weights stay as they are) trains with the project's optimizer on the
training batches in their usual order, while the rate grows exponentially from
`MIN_RATE` to `MAX_RATE` over `STEPS` steps. The batch losses are smoothed with an
exponential moving average (bias-corrected, so the first points are not pulled towards
zero); the test ends early once the smoothed loss is `DIVERGED` times its best, or not
finite.

The suggestion combines the two common rules, taking the more careful: the rate where
the smoothed loss falls fastest against the logarithm of the rate (the steepest descent,
searched before the loss reaches its minimum: there the network learns quickest), or a
tenth of the rate at the minimum, whichever is lower. The moving average lags the raw
loss by some steps, which shifts the curve towards higher rates, so the steepest point
alone is often too bold for a full run; a tenth of the minimum keeps well clear of
divergence. A curve with no clear descent (the smoothed loss falls by less than
`MIN_DROP` of its start) gets the tenth of the minimum.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from designer.training import core
from designer.training.batches import make_batches
from designer.training.loop import RunControl, pick_device
from designer.training.session import PreparedRun

MIN_RATE = 1e-7
MAX_RATE = 10.0
STEPS = 200
#: Weight of the past in the moving average of the loss.
SMOOTHING = 0.9
#: The test stops when the smoothed loss is this many times its best.
DIVERGED = 4.0
#: A steepest point is used only when the smoothed loss fell by this fraction of its start.
MIN_DROP = 0.05
#: Points at each end of the curve the steepest-descent search leaves out (the first are
#: noisy, the gradient of the last is taken towards the minimum).
_EDGE = 3


@dataclass(frozen=True)
class RatePoint:
    """One step of the range test: its rate, its batch loss and the smoothed loss."""

    step: int
    rate: float
    loss: float
    smoothed: float


@dataclass(frozen=True)
class RateFinding:
    """The whole curve, the rate suggested, and how it was chosen ("steepest" descent or
    "minimum / 10"); ``suggestion`` is None when the curve has too few points."""

    points: tuple[RatePoint, ...]
    suggestion: float | None
    rule: str

    @property
    def rates(self) -> list[float]:
        return [p.rate for p in self.points]

    @property
    def smoothed(self) -> list[float]:
        return [p.smoothed for p in self.points]


def range_test(
    run: PreparedRun,
    control: RunControl | None = None,
    steps: int = STEPS,
    min_rate: float = MIN_RATE,
    max_rate: float = MAX_RATE,
) -> Iterator[RatePoint]:
    """Train a copy of ``run.model`` for up to ``steps`` steps at exponentially growing
    rates, yielding a `RatePoint` per step; stops early when ``control`` is stopped or the
    loss diverges. Deterministic: the copy, the seed and the batch order are the run's."""
    control = control or RunControl()
    settings, recipe = run.settings, run.recipe
    device = pick_device(settings.device)
    model = copy.deepcopy(run.model).to(device)
    source = make_batches(run, "train", device)
    try:
        if len(source) == 0:
            raise ValueError("there are no training rows")
        torch.manual_seed(settings.seed)
        optimizer = recipe.make_optimizer(model.parameters(), min_rate)
        factor = (max_rate / min_rate) ** (1 / max(steps - 1, 1))
        average, best = 0.0, math.inf
        model.train()
        for step, batch in enumerate(_endless(source, settings.batch_size, settings.seed)):
            if step >= steps or control.stopped:
                return
            rate = min_rate * factor**step
            for group in optimizer.param_groups:
                group["lr"] = rate
            try:
                loss = core.train_step(
                    model, optimizer, recipe.heads, recipe.inputs, batch, settings.grad_clip
                )
            except FloatingPointError:
                return
            average = SMOOTHING * average + (1 - SMOOTHING) * loss
            smoothed = average / (1 - SMOOTHING ** (step + 1))
            yield RatePoint(step, rate, loss, smoothed)
            best = min(best, smoothed)
            if not math.isfinite(smoothed) or smoothed > DIVERGED * best:
                return
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def _endless(source, batch_size: int, seed: int) -> Iterator[dict]:
    """The training batches epoch after epoch, in the loop's order."""
    epoch = 0
    while True:
        order = core.epoch_order(len(source), seed, epoch)
        yield from source.batches(order, batch_size, epoch)
        epoch += 1


def suggest(points: list[RatePoint] | tuple[RatePoint, ...]) -> tuple[float | None, str]:
    """The suggested rate of a range test's curve and the rule that chose it (see the
    module's docstring)."""
    if len(points) < 2 * _EDGE + 2:
        return None, ""
    losses = [p.smoothed for p in points]
    lowest = min(range(len(points)), key=losses.__getitem__)
    minimum = points[lowest].rate / 10
    steepest = _steepest(points, lowest)
    if steepest is None or losses[0] - losses[lowest] < MIN_DROP * abs(losses[0]):
        return minimum, "minimum / 10"
    if steepest < minimum:
        return steepest, "steepest"
    return minimum, "minimum / 10"


def _steepest(points, lowest: int) -> float | None:
    """The rate where the smoothed loss falls fastest against log(rate), before its
    lowest point; None when it does not fall there."""
    losses = [p.smoothed for p in points]
    logs = [math.log10(p.rate) for p in points]
    slopes = {
        i: (losses[i + 1] - losses[i - 1]) / (logs[i + 1] - logs[i - 1])
        for i in range(_EDGE, min(lowest, len(points) - 1))
    }
    if not slopes:
        return None
    index = min(slopes, key=slopes.__getitem__)
    return points[index].rate if slopes[index] < 0 else None


def find_learning_rate(run: PreparedRun, steps: int = STEPS) -> RateFinding:
    """Run the whole range test and suggest a rate."""
    points = tuple(range_test(run, steps=steps))
    suggestion, rule = suggest(points)
    return RateFinding(points, suggestion, rule)
