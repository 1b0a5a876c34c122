"""The pre-flight check: the examples learn one batch; broken designs are caught, named."""

from __future__ import annotations

import math

import pytest
import torch
from designs import KINDS

from designer.io import example_paths, load_example, load_project
from designer.training.loop import BatchProgress, LayerProbe, train
from designer.training.preflight import findings, loss_fell, preflight
from designer.training.probes import Probes
from designer.training.session import prepare_run

EXAMPLES = [path.stem for path in example_paths()]


def prepared(name: str, **training):
    project = load_example(name)
    project.training = project.training.replace(device="cpu", **training)
    return project, prepare_run(project)


def node_named(project, label: str) -> str:
    return next(node.id for node in project.graph if node.label == label)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_passes_with_no_finding(name):
    project = load_project(next(p for p in example_paths() if p.stem == name))
    project.training = project.training.replace(device="cpu")
    facts = preflight(prepare_run(project))
    assert facts.passed, facts.losses
    assert findings(project.graph, facts) == []
    modules = {n.id for n in project.graph if n.type in ("Linear", "Conv2d")}
    assert modules <= set(facts.layers)
    for node_id in modules:
        stats = facts.layers[node_id]
        assert stats.grad_norm > 0 and 0 < stats.update_ratio < 1 and stats.std > 0


def test_the_design_weights_are_left_as_they_were():
    _project, run = prepared("iris_mlp")
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    preflight(run, steps=5)
    assert all(torch.equal(before[k], v) for k, v in run.model.state_dict().items())


def test_one_layer_scaled_by_a_thousand_is_named():
    project, run = prepared("iris_mlp")
    with torch.no_grad():
        run.model.hidden1.weight.mul_(1e3)
    problems = findings(project.graph, preflight(run))
    (finding,) = [p for p in problems if p.rule == "NN405"]
    assert finding.node_id == node_named(project, "hidden1")
    assert finding.message.startswith("Linear 'hidden1': its initial weights widen the spread")


def test_weights_scaled_by_a_thousand_fail_and_the_finding_names_the_first_layer():
    project, run = prepared("residual_mlp")
    with torch.no_grad():
        for module in run.model.children():
            if hasattr(module, "weight"):
                module.weight.mul_(1e3)
    facts = preflight(run)
    assert not facts.passed
    (finding,) = [p for p in findings(project.graph, facts) if p.rule == "NN401"]
    assert finding.node_id == node_named(project, "embed")
    assert "Linear 'embed': cannot learn one batch by heart" in finding.message
    assert "weights are far too large" in finding.message


def test_an_all_zero_initialization_is_named_layer_by_layer():
    project, run = prepared("digits_cnn")
    with torch.no_grad():
        for module in run.model.children():
            if hasattr(module, "weight"):
                module.weight.zero_()
    problems = findings(project.graph, preflight(run))
    zero = {node_named(project, label) for label in ("conv1", "conv2", "logits")}
    named = [p for p in problems if p.rule == "NN405"]
    assert {p.node_id for p in named} == zero
    assert all("all its weights have the same value" in p.message for p in named)
    vanished = [p.node_id for p in problems if p.rule == "NN402"]
    assert vanished == [node_named(project, "conv2")]  # nearest the output: where it starts


def test_an_all_zero_initialization_that_cannot_learn_names_the_first_layer():
    project, run = prepared("digits_cnn")
    with torch.no_grad():
        for module in run.model.children():
            if hasattr(module, "weight"):
                module.weight.zero_()
    facts = preflight(run, steps=100)
    assert not facts.passed
    (cause,) = [p for p in findings(project.graph, facts) if p.rule == "NN401"]
    assert cause.node_id == node_named(project, "conv1")
    assert "weights all have the same value" in cause.message


def test_one_zeroed_layer_is_named_even_when_the_loss_falls():
    project, run = prepared("iris_mlp")
    with torch.no_grad():
        run.model.hidden2.weight.zero_()
    problems = findings(project.graph, preflight(run))
    assert [(p.rule, p.node_id) for p in problems if p.rule == "NN405"] == [
        ("NN405", node_named(project, "hidden2"))
    ]


def test_relus_that_never_fire_are_the_named_cause():
    project, run = prepared("iris_mlp")
    with torch.no_grad():
        run.model.hidden2.bias.fill_(-100.0)
    facts = preflight(run)
    hidden2 = node_named(project, "hidden2")
    assert not facts.passed and facts.layers[hidden2].dead == 1.0
    rules = {p.rule: p for p in findings(project.graph, facts)}
    assert rules["NN401"].node_id == hidden2 and "ReLUs give zero" in rules["NN401"].message
    assert rules["NN404"].node_id == hidden2
    assert rules["NN402"].node_id == hidden2  # the gradient vanishes where the ReLUs died


@pytest.mark.parametrize(
    ("rate", "words"), [(10.0, "learning rate is likely too high"), (1e-7, "too low")]
)
def test_a_learning_rate_far_off_is_the_named_cause(rate, words):
    project, run = prepared("iris_mlp", learning_rate=rate)
    facts = preflight(run)
    (finding,) = [p for p in findings(project.graph, facts) if p.rule == "NN401"]
    assert finding.node_id is None and words in finding.message


def test_the_verdict_needs_the_loss_to_fall_and_stay_finite():
    assert loss_fell([1.0, 0.5, 0.2])
    assert loss_fell([1e-4, 1e-4, 1e-4])
    assert not loss_fell([1.0, 0.9, 0.8])
    assert not loss_fell([1.0, float("nan")])
    assert not loss_fell([1.0])


def test_probes_measure_only_when_armed_and_leave_no_hooks_behind():
    project, run = prepared("residual_mlp")
    model = run.model
    with Probes(run.probe_plan, model) as probes:
        model(torch.zeros(4, 2))
        assert probes.measure() == {}
        probes.arm()
        model(torch.zeros(4, 2))
        stats = probes.measure()
    relu = next(n.id for n in project.graph if n.type == "ReLU")
    assert stats[relu].dead is not None and 0 <= stats[relu].dead <= 1
    assert all(not module._forward_hooks for module in model.modules())


def test_training_measures_each_epoch_once_and_trains_the_same_weights():
    project, probed = prepared("iris_mlp", epochs=3)
    _project, plain = prepared("iris_mlp", epochs=3)
    records = list(train(probed, probe=True))
    list(train(plain))
    probes = [r for r in records if isinstance(r, LayerProbe)]
    assert [p.epoch for p in probes] == [1, 2, 3]
    first_steps = [r.step for r in records if isinstance(r, BatchProgress) and r.step % 8 == 1]
    assert [p.step for p in probes] == first_steps
    hidden1 = node_named(project, "hidden1")
    assert all(p.layers[hidden1].grad_norm > 0 for p in probes)
    trained, expected = probed.model.state_dict(), plain.model.state_dict()
    assert all(torch.equal(trained[k], expected[k]) for k in expected)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_of_design_is_measured_without_false_alarms(tmp_path, kind):
    """Recurrent layers (whose outputs are tuples) are measured too; normalization
    layers and PReLU, whose weights start constant by design, raise no alarm."""
    project = load_project(KINDS[kind](tmp_path))
    facts = preflight(prepare_run(project, folder=tmp_path), steps=20)
    measured = {project.graph.node(n).type for n in facts.layers}
    recurrent = {n.type for n in project.graph if n.type in ("LSTM", "GRU")}
    assert recurrent <= measured
    assert all(math.isfinite(s.std) for s in facts.layers.values())
    assert [p for p in findings(project.graph, facts) if p.rule == "NN405"] == []
