"""The learning-rate range test: a copy trains at growing rates, the curve is smoothed,
and the suggestion trains the examples as well as the rates they were saved with."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from designer.io import example_paths, load_example
from designer.training.loop import EpochProgress, RunControl, train
from designer.training.lr_finder import (
    DIVERGED,
    RatePoint,
    find_learning_rate,
    range_test,
    suggest,
)
from designer.training.session import prepare_run

EXAMPLES = [path.stem for path in example_paths()]
#: Within this fraction counts as "as well" (runs differ by more than this between seeds).
NOISE = 0.05


def prepared(name: str, **training):
    project = load_example(name)
    project.training = project.training.replace(device="cpu", **training)
    return prepare_run(project)


def best_val_loss(name: str, rate: float) -> float:
    records = train(prepared(name, learning_rate=rate))
    return min(r.val_loss for r in records if isinstance(r, EpochProgress))


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_the_suggestion_trains_each_example_as_well_as_its_saved_rate(name):
    saved = load_example(name).training.learning_rate
    finding = find_learning_rate(prepared(name))
    assert finding.suggestion is not None and 1e-5 < finding.suggestion < 1
    assert best_val_loss(name, finding.suggestion) <= best_val_loss(name, saved) * (1 + NOISE)


def test_the_test_runs_on_a_copy_and_is_deterministic():
    run = prepared("iris_mlp")
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    first = find_learning_rate(run, steps=60)
    second = find_learning_rate(run, steps=60)
    assert all(torch.equal(before[k], v) for k, v in run.model.state_dict().items())
    assert first == second


def test_rates_grow_exponentially_and_the_test_stops_when_the_loss_diverges():
    points = list(range_test(prepared("binary_classifier"), steps=200))
    rates = [p.rate for p in points]
    assert rates[0] == pytest.approx(1e-7)
    ratios = {round(b / a, 9) for a, b in itertools.pairwise(rates)}
    assert len(ratios) == 1 and ratios.pop() > 1
    assert len(points) < 200  # the loss blew up before the rate reached 10
    best = min(p.smoothed for p in points)
    last = points[-1]
    assert last.smoothed > DIVERGED * best or not math.isfinite(last.smoothed)


def test_a_stopped_control_ends_the_test():
    control = RunControl()
    points = []
    for point in range_test(prepared("iris_mlp"), control):
        points.append(point)
        if len(points) == 5:
            control.stop()
    assert len(points) == 5


def curve(losses: list[float], start: float = 1e-4, factor: float = 2.0) -> list[RatePoint]:
    return [RatePoint(i, start * factor**i, loss, loss) for i, loss in enumerate(losses)]


def test_the_suggestion_is_the_steepest_descent_or_a_tenth_of_the_minimum():
    # falls slowly, then steeply at step 5, reaches its minimum at step 10
    losses = [1.0, 1.0, 0.99, 0.98, 0.97, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.5, 2.0]
    points = curve(losses, factor=1.5)
    assert suggest(points) == (pytest.approx(points[10].rate / 10), "minimum / 10")
    wide = curve(losses, factor=10.0)
    assert suggest(wide) == (pytest.approx(wide[5].rate), "steepest")
    flat = curve([1.0] * 9 + [0.99, 0.99, 3.0])
    assert suggest(flat)[1] == "minimum / 10"
    assert suggest(curve([1.0, 0.9, 0.8])) == (None, "")
