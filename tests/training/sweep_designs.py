"""A tiny trainable project with a sweep, for the sweep tests of every folder: two-moons
data, 2 -> Linear 'hidden' -> ReLU -> Linear 'logits' -> Output, a few epochs of a few
batches, so a trial takes a fraction of a second."""

from __future__ import annotations

import itertools
from pathlib import Path

from designer.io import save_project
from designer.model import DataSettings, Graph, Project, TrainingSettings
from designer.model.sweep import SweepSettings
from designer.model.sweep_design import node_param, setting_param

HIDDEN, LOGITS = "n2", "n4"


def tiny_project(epochs: int = 1, metric: str = "accuracy", **sweep) -> Project:
    """The project, sweeping the learning rate and the hidden layer's units."""
    graph = Graph()
    layers = [
        ("Input", {"features": 2}, "x"),
        ("Linear", {"units": 8}, "hidden"),
        ("ReLU", {}, "relu"),
        ("Linear", {"units": 2}, "logits"),
        ("Output", {"loss": "cross_entropy"}, "y"),
    ]
    ids = [
        graph.add_node(t, p, label, (200.0 * i, 0.0)).id for i, (t, p, label) in enumerate(layers)
    ]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    assert ids[1] == HIDDEN and ids[3] == LOGITS
    training = TrainingSettings(epochs=epochs, batch_size=40, device="cpu", seed=1)
    data = DataSettings(source="moons", samples=200)
    space = (setting_param("learning_rate"), node_param(graph, HIDDEN, "units"))
    project = Project(graph, data, training, {"name": "tiny"})
    project.sweep = SweepSettings(space, metric=metric, **sweep)
    return project


def save_tiny(folder: Path, name: str = "tiny", **options) -> Path:
    path = folder / f"{name}.nndesign"
    save_project(tiny_project(**options), path)
    return path
