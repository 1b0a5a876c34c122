"""Every linter rule: a design that triggers it, designs that do not, and its quick fix,
after which the design checks clean of the rule (and still infers) while undo restores
it exactly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from designer.model import Graph, TrainingSettings, infer_shapes
from designer.model.lint import (
    RULES,
    DataFacts,
    SettingsFix,
    TargetFacts,
    quick_fix,
    review,
)

TRAINING = TrainingSettings()


def chain(*layers: tuple[str, dict[str, Any]]) -> Graph:
    """Layers left to right, one column apart, each fed by the one before."""
    graph = Graph()
    previous = None
    for index, (type_id, params) in enumerate(layers):
        node = graph.add_node(type_id, params, position=(220.0 * index, 0.0))
        if previous is not None:
            graph.connect(previous, "out", node.id, "in")
        previous = node.id
    return graph


def features(n: int = 4) -> tuple[str, dict]:
    return ("Input", {"features": n})


def image(c: int = 1, size: int = 12) -> tuple[str, dict]:
    return ("Input", {"kind": "image", "channels": c, "height": size, "width": size})


def sequence(steps: int = 20, width: int = 3) -> tuple[str, dict]:
    return ("Input", {"kind": "sequence", "length": steps, "features": width})


def tokens(vocab: int = 1000, length: int = 8) -> tuple[str, dict]:
    return ("Input", {"kind": "tokens", "length": length, "vocab_size": vocab})


def linear(units: int, activation: str = "none") -> tuple[str, dict]:
    return ("Linear", {"units": units, "activation": activation})


def layer(type_id: str, **params: Any) -> tuple[str, dict]:
    return (type_id, params)


def output(loss: str = "cross_entropy") -> tuple[str, dict]:
    return ("Output", {"loss": loss})


def residual_block() -> Graph:
    """Eight Linears in a row, but with a skip connection around the middle four."""
    graph = chain(features(), *[linear(16, "relu")] * 4)
    last = list(graph.nodes)[-1]
    previous = last
    for _ in range(4):
        node = graph.add_node("Linear", {"units": 16, "activation": "relu"})
        graph.connect(previous, "out", node.id, "in")
        previous = node.id
    add = graph.add_node("Add")
    graph.connect(previous, "out", add.id, "in")
    graph.connect(last, "out", add.id, "in")
    head = graph.add_node("Linear", {"units": 2})
    graph.connect(add.id, "out", head.id, "in")
    graph.connect(head.id, "out", graph.add_node("Output").id, "in")
    return graph


REGRESSION = DataFacts("prices", {"__output__": TargetFacts("regression", (1,), None, 25.0, 346.0)})
UNIT_RANGE = DataFacts("ratios", {"__output__": TargetFacts("regression", (1,), None, 0.1, 0.9)})


@dataclass
class Case:
    """A design for one rule, and what it is checked with."""

    graph: Any  # a function making the Graph
    training: TrainingSettings | None = TRAINING
    data: DataFacts | None = None
    extra: dict = field(default_factory=dict)


def facts_for(graph: Graph, data: DataFacts | None) -> DataFacts | None:
    """``data`` with its targets given to the design's Output node."""
    if data is None:
        return None
    (target,) = data.targets.values()
    return DataFacts(data.name, {n: target for n in graph.nodes_of_role("output")})


TRIGGERS: dict[str, list[Case]] = {
    "NN101": [
        Case(lambda: chain(image(), layer("Conv2d", out_channels=4), linear(10), output())),
        Case(lambda: chain(image(), linear(3), layer("Flatten"), linear(2), output())),
        Case(lambda: chain(sequence(), layer("Permute", axes=(1, 0)), linear(2), output())),
    ],
    "NN102": [
        Case(lambda: chain(tokens(), layer("Embedding", num_embeddings=100), output("mse"))),
        Case(
            lambda: chain(
                tokens(),
                layer("Slice", start=1),
                layer("Embedding", num_embeddings=999),
                layer("MeanOverTime"),
                linear(2),
                output(),
            )
        ),
    ],
    "NN103": [
        Case(
            lambda: chain(sequence(), layer("Conv1d", out_channels=8), layer("Flatten"), output())
        ),
        Case(lambda: chain(sequence(), layer("MaxPool1d"), layer("Flatten"), output())),
        Case(
            lambda: chain(
                sequence(),
                layer("Permute", axes=(1, 0)),
                layer("Conv1d", out_channels=8, padding=1),
                layer("LSTM", hidden_size=4),
                linear(2),
                output(),
            )
        ),
    ],
    "NN201": [
        Case(lambda: chain(features(), linear(1), layer("Sigmoid"), output("bce"))),
        Case(lambda: chain(features(), linear(1, "sigmoid"), output("bce"))),
    ],
    "NN202": [
        Case(lambda: chain(features(), linear(3), layer("Softmax"), output())),
        Case(lambda: chain(features(), linear(3), layer("LogSoftmax"), output())),
    ],
    "NN203": [
        Case(lambda: chain(features(), linear(3), layer("Dropout"), output())),
        Case(lambda: chain(features(), linear(3), layer("ReLU"), output())),
        Case(lambda: chain(features(), linear(1, "tanh"), output("bce_with_logits"))),
        Case(lambda: chain(features(), linear(2), layer("Sigmoid"), layer("Flatten"), output())),
    ],
    "NN205": [
        Case(
            lambda: chain(features(), linear(1), layer("Sigmoid"), output("mse")), data=REGRESSION
        ),
        Case(lambda: chain(features(), linear(1, "tanh"), output("l1")), data=REGRESSION),
        Case(
            lambda: chain(features(), linear(1, "relu"), output("mse")),
            data=DataFacts("signed", {"": TargetFacts("regression", (1,), None, -2.0, 2.0)}),
        ),
    ],
    "NN206": [
        Case(lambda: chain(features(), linear(1), output("bce"))),
        Case(lambda: chain(features(), linear(1, "relu"), output("bce"))),
    ],
    "NN301": [
        Case(lambda: chain(features(), linear(8), linear(2), output())),
        Case(lambda: chain(features(), linear(8), layer("Dropout"), linear(2), output())),
    ],
    "NN302": [
        Case(
            lambda: chain(
                features(), linear(8), layer("BatchNorm1d"), layer("ReLU"), linear(2), output()
            ),
            training=TrainingSettings(batch_size=1),
        ),
    ],
    "NN303": [
        Case(lambda: chain(features(), linear(3), layer("BatchNorm1d"), output())),
    ],
    "NN304": [
        Case(lambda: chain(features(), *[linear(16, "relu")] * 8, linear(2), output())),
    ],
    "NN305": [
        Case(lambda: chain(features(), linear(2), output()), TrainingSettings(learning_rate=0.5)),
        Case(lambda: chain(features(), linear(2), output()), TrainingSettings(learning_rate=1e-7)),
        Case(
            lambda: chain(features(), linear(2), output()),
            TrainingSettings(optimizer="sgd", learning_rate=5.0),
        ),
    ],
}

CLEAN: dict[str, list[Case]] = {
    "NN101": [
        Case(
            lambda: chain(
                image(), layer("Conv2d", out_channels=4), layer("Flatten"), linear(10), output()
            )
        ),
        Case(lambda: chain(image(), layer("GlobalAvgPool2d"), linear(2), output())),
        Case(
            lambda: chain(sequence(), linear(8, "relu"), layer("MeanOverTime"), linear(2), output())
        ),
        Case(
            lambda: chain(
                sequence(), layer("Reshape", shape=(3, 20)), linear(2), layer("Flatten"), output()
            )
        ),
    ],
    "NN102": [
        Case(lambda: chain(tokens(), layer("Embedding", num_embeddings=1000), output("mse"))),
        Case(lambda: chain(tokens(), layer("Embedding", num_embeddings=5000), output("mse"))),
    ],
    "NN103": [
        Case(
            lambda: chain(
                sequence(),
                layer("Permute", axes=(1, 0)),
                layer("Conv1d", padding=1),
                layer("Flatten"),
                output(),
            )
        ),
        Case(lambda: chain(sequence(), layer("LSTM"), linear(2), output())),
        Case(
            lambda: chain(
                sequence(), layer("Transpose"), layer("MaxPool1d"), layer("Flatten"), output()
            )
        ),
        Case(
            lambda: chain(
                sequence(),
                layer("Permute", axes=(1, 0)),
                layer("Conv1d", padding=1),
                layer("Permute", axes=(1, 0)),
                layer("GRU"),
                linear(2),
                output(),
            )
        ),
    ],
    "NN201": [
        Case(lambda: chain(features(), linear(1), output("bce_with_logits"))),
        Case(lambda: chain(features(), linear(2), layer("Sigmoid"), output("mse"))),
    ],
    "NN202": [
        Case(lambda: chain(features(), linear(3), output())),
        Case(lambda: chain(features(), linear(3), layer("Softmax"), output("mse"))),
    ],
    "NN203": [
        Case(lambda: chain(features(), layer("Dropout"), linear(3), output())),
        Case(lambda: chain(features(), linear(3, "relu"), linear(3), output())),
        Case(lambda: chain(features(), linear(1), layer("ReLU"), output("mse"))),
        Case(lambda: chain(features(), linear(1), layer("Sigmoid"), output("bce"))),
    ],
    "NN205": [
        Case(
            lambda: chain(features(), linear(1), layer("Sigmoid"), output("mse")), data=UNIT_RANGE
        ),
        Case(lambda: chain(features(), linear(1), output("mse")), data=REGRESSION),
        Case(lambda: chain(features(), linear(1), layer("Sigmoid"), output("mse")), data=None),
    ],
    "NN206": [
        Case(lambda: chain(features(), linear(1), layer("Sigmoid"), output("bce"))),
        Case(lambda: chain(features(), linear(1, "sigmoid"), output("bce"))),
        Case(lambda: chain(features(), linear(1), output("bce_with_logits"))),
    ],
    "NN301": [
        Case(lambda: chain(features(), linear(8, "relu"), linear(2), output())),
        Case(lambda: chain(features(), linear(8), layer("ReLU"), linear(2), output())),
    ],
    "NN302": [
        Case(
            lambda: chain(
                features(), linear(8), layer("BatchNorm1d"), layer("ReLU"), linear(2), output()
            )
        ),
        Case(
            lambda: chain(
                features(), linear(8), layer("LayerNorm"), layer("ReLU"), linear(2), output()
            ),
            training=TrainingSettings(batch_size=1),
        ),
        Case(
            lambda: chain(
                features(), linear(8), layer("BatchNorm1d"), layer("ReLU"), linear(2), output()
            ),
            training=None,
        ),
    ],
    "NN303": [
        Case(
            lambda: chain(
                features(), linear(8), layer("BatchNorm1d"), layer("ReLU"), linear(2), output()
            )
        ),
    ],
    "NN304": [
        Case(lambda: chain(features(), *[linear(16, "relu")] * 7, output())),
        Case(
            lambda: chain(
                features(),
                *[linear(16, "relu")] * 4,
                layer("LayerNorm"),
                *[linear(16, "relu")] * 4,
                linear(2),
                output(),
            )
        ),
        Case(residual_block),
    ],
    "NN305": [
        Case(lambda: chain(features(), linear(2), output()), TrainingSettings(learning_rate=0.01)),
        Case(
            lambda: chain(features(), linear(2), output()),
            TrainingSettings(optimizer="sgd", learning_rate=0.1),
        ),
        Case(lambda: chain(features(), linear(2), output()), None),
    ],
}


def rules_found(graph: Graph, case: Case) -> list[str]:
    analysis = review(graph, infer_shapes(graph), case.training, facts_for(graph, case.data))
    return [p.rule for p in analysis.problems]


def snapshot(graph: Graph) -> tuple:
    nodes = [(n.id, n.type, n.label, dict(n.params), n.position, dict(n.silenced)) for n in graph]
    return nodes, list(graph.edges)


TRIGGER_CASES = [(rule, i) for rule, cases in TRIGGERS.items() for i in range(len(cases))]
CLEAN_CASES = [(rule, i) for rule, cases in CLEAN.items() for i in range(len(cases))]


@pytest.mark.parametrize(("rule", "index"), TRIGGER_CASES)
def test_the_rule_finds_its_case(rule, index):
    case = TRIGGERS[rule][index]
    graph = case.graph()
    assert infer_shapes(graph).valid, [p.message for p in infer_shapes(graph).problems]
    assert rules_found(graph, case).count(rule) == 1


@pytest.mark.parametrize(("rule", "index"), CLEAN_CASES)
def test_the_rule_leaves_a_sound_design_alone(rule, index):
    case = CLEAN[rule][index]
    graph = case.graph()
    assert infer_shapes(graph).valid
    assert rule not in rules_found(graph, case)


@pytest.mark.parametrize(("rule", "index"), TRIGGER_CASES)
def test_the_quick_fix_clears_the_rule_and_undo_restores_the_design(rule, index):
    case = TRIGGERS[rule][index]
    graph = case.graph()
    data = facts_for(graph, case.data)
    analysis = review(graph, infer_shapes(graph), case.training, data)
    (finding,) = [p for p in analysis.problems if p.rule == rule]
    fix = quick_fix(finding, graph, infer_shapes(graph), case.training, data)
    if RULES[rule].fix is None:
        assert fix is None and finding.fix == ""
        return
    assert fix is not None and finding.fix == fix.description
    if isinstance(fix, SettingsFix):
        fixed = Case(case.graph, fix.training, case.data)
        assert rule not in rules_found(graph, fixed)
        return
    before = snapshot(graph)
    fix.apply(graph)
    assert infer_shapes(graph).valid
    assert rule not in rules_found(graph, case)
    fix.revert(graph)
    assert snapshot(graph) == before
    fix.apply(graph)  # redo: the same change again
    assert rule not in rules_found(graph, case)


def test_every_rule_has_an_explanation_and_findings_say_which_node():
    for rule in RULES.values():
        assert rule.id.startswith("NN") and len(rule.explanation) > 100
        assert rule.title and rule.title[0].isupper()
    graph = TRIGGERS["NN101"][0].graph()
    (finding,) = review(graph, infer_shapes(graph)).problems
    assert finding.message.startswith("Linear 'fc1': works on the last axis of its N×4×10×10")
    assert finding.severity == "warning" and finding.fix == "Insert Flatten before Linear 'fc1'"
