"""The sweep's parallel-coordinates plot colours the best trials brightest, whether its
metric is one to minimize (a loss) or to maximize (accuracy), and its colour bar agrees."""

from __future__ import annotations

import pytest

pytest.importorskip("optuna")

from designer.model.sweep_design import setting_param
from designer.training.sweep_study import COMPLETE, TrialRow
from designer.ui.sweep.parallel_plot import ParallelCoordinatesPlot

RATE = setting_param("learning_rate")


def rows(*values: float) -> list[TrialRow]:
    return [
        TrialRow(number, COMPLETE, {RATE.key: 0.001 * (number + 1)}, value)
        for number, value in enumerate(values)
    ]


@pytest.mark.parametrize(("metric", "best"), [("val_loss", 0), ("accuracy", 1)])
def test_the_best_trial_is_the_brightest_line(qtbot, metric, best):
    plot = ParallelCoordinatesPlot()
    qtbot.addWidget(plot)
    plot.set_space([RATE], {}, metric)
    plot.set_trials(rows(0.2, 0.9), best=best)
    pens = {number: line.opts["pen"] for number, line in plot._lines.items()}
    brightest = plot.color_map.map(1.0, mode="qcolor")
    assert pens[best].color() == brightest
    assert pens[best].width() > pens[1 - best].width()
    bar = plot.color_bar.colorMap()
    low_colour = bar.map(0.0, mode="qcolor")  # the bar's bottom is the lowest value
    assert (low_colour == brightest) == (metric == "val_loss")
