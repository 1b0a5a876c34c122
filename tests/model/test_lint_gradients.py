"""The rules that read what a short run measured (NN401-NN405), on facts made by hand:
they run only when measurements are given, and name the layer where a problem starts."""

from __future__ import annotations

import itertools
import math

import pytest

from designer.model import Graph, infer_shapes
from designer.model.lint import RULES, LayerStats, ProbeFacts, quick_fix, review
from designer.model.settings import TrainingSettings


def chain() -> tuple[Graph, list[str]]:
    graph = Graph()
    layers = [
        ("Input", {"features": 4}),
        ("Linear", {"units": 8, "activation": "relu"}),
        ("Linear", {"units": 8, "activation": "relu"}),
        ("Linear", {"units": 3}),
        ("Output", {"loss": "cross_entropy"}),
    ]
    ids = [graph.add_node(kind, params).id for kind, params in layers]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    return graph, ids[1:4]


def healthy(**changes) -> LayerStats:
    values = dict(
        mean=0.1, std=0.5, dead=0.0, grad_norm=0.2, weight_norm=2.0, weight_std=0.2, gain=0.6
    )
    values.update(update_ratio=0.01, **changes)
    return LayerStats(**values)


def found(graph: Graph, facts: ProbeFacts | None) -> list[tuple[str, str | None]]:
    analysis = review(graph, infer_shapes(graph), probes=facts)
    return [(p.rule, p.node_id) for p in analysis.problems if p.rule and p.rule >= "NN4"]


def test_the_rules_are_in_the_table_and_need_measurements():
    for rule in ("NN401", "NN402", "NN403", "NN404", "NN405"):
        assert RULES[rule].needs == "probes" and RULES[rule].severity == "warning"
    graph, _ = chain()
    assert found(graph, None) == []


def test_healthy_measurements_give_no_finding():
    graph, layers = chain()
    facts = ProbeFacts({n: healthy() for n in layers}, (1.0, 0.1), passed=True)
    assert found(graph, facts) == []


def test_a_vanishing_gradient_is_reported_where_it_starts():
    graph, (first, second, last) = chain()
    facts = ProbeFacts(
        {first: healthy(grad_norm=1e-9), second: healthy(grad_norm=1e-8), last: healthy()}
    )
    assert found(graph, facts) == [("NN402", second)]


def test_an_exploding_gradient_is_reported_where_it_starts():
    graph, (first, second, last) = chain()
    facts = ProbeFacts(
        {first: healthy(grad_norm=1e6), second: healthy(grad_norm=math.nan), last: healthy()}
    )
    assert found(graph, facts) == [("NN403", second)]


def test_dead_relus_and_badly_scaled_weights_are_named():
    graph, (first, second, last) = chain()
    facts = ProbeFacts(
        {first: healthy(gain=500.0), second: healthy(dead=0.95), last: healthy(weight_std=0.0)}
    )
    assert sorted(found(graph, facts)) == [("NN404", second), ("NN405", first), ("NN405", last)]


def test_a_failed_check_names_the_first_cause_in_order():
    graph, (first, second, last) = chain()
    layers = {first: healthy(), second: healthy(dead=1.0), last: healthy(weight_std=0.0)}
    facts = ProbeFacts(layers, (1.0, 0.9), passed=False)
    analysis = review(graph, infer_shapes(graph), probes=facts)
    (finding,) = [p for p in analysis.problems if p.rule == "NN401"]
    assert finding.node_id == last and "weights all have the same value" in finding.message
    assert "the loss went from 1 to 0.9 in 2 steps" in finding.message


@pytest.mark.parametrize("losses", [(1.0, 3.0), (1.0, 50.0, 0.6), (1.0, math.nan)])
def test_a_rising_loss_blames_the_learning_rate(losses):
    graph, layers = chain()
    facts = ProbeFacts({n: healthy() for n in layers}, losses, passed=False)
    analysis = review(graph, infer_shapes(graph), probes=facts)
    (finding,) = [p for p in analysis.problems if p.rule == "NN401"]
    assert finding.node_id is None and "learning rate is likely too high" in finding.message


def test_a_learning_rate_cause_offers_the_usual_rate_as_a_fix():
    graph, layers = chain()
    training = TrainingSettings(optimizer="adam", learning_rate=5.0)
    facts = ProbeFacts({n: healthy() for n in layers}, (1.0, 3.0), passed=False)
    analysis = review(graph, infer_shapes(graph), training, probes=facts)
    (finding,) = [p for p in analysis.problems if p.rule == "NN401"]
    fix = quick_fix(finding, graph, infer_shapes(graph), training, probes=facts)
    assert finding.fix == fix.description == "Set the learning rate to 0.001"
    assert fix.training.learning_rate == 0.001
    dead = ProbeFacts({layers[0]: healthy(dead=1.0)}, (1.0, 0.9), passed=False)
    analysis = review(graph, infer_shapes(graph), training, probes=dead)
    (finding,) = [p for p in analysis.problems if p.rule == "NN401"]
    assert finding.fix == ""  # a layer's fault: no setting fixes it
