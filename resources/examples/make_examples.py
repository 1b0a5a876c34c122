"""Generate the example projects shipped with NN Designer.

The examples are built through the model (so every edit check applies) and saved with the
project writer, which makes the files deterministic: running this again gives identical
bytes, and a test checks that the committed files match. Run from the repository root::

    python resources/examples/make_examples.py

It writes each example to ``resources/examples/``, which ships as part of the
``designer.resources`` package. ``--out DIR`` writes to another folder instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from designer.io import EXTENSION, save_project  # noqa: E402
from designer.model import DataSettings, Graph, Project, TrainingSettings  # noqa: E402

DEFAULT_FOLDERS = (ROOT / "resources" / "examples",)
SPACING = 220.0
Layer = tuple[str, str, dict[str, Any]]


SIGMOID_SHOWN = (
    "The example shows the probability as a layer of its own; the logits form that NN201 "
    "explains is the better choice for a design of your own."
)


def _chain(graph: Graph, layers: Sequence[Layer], start: float = 0.0, y: float = 0.0) -> list[str]:
    """Add layers left to right, one column apart, each fed by the previous one."""
    ids: list[str] = []
    for i, (type_id, label, params) in enumerate(layers):
        node = graph.add_node(type_id, params, label, (start + i * SPACING, y))
        if ids:
            graph.connect(ids[-1], "out", node.id, "in")
        ids.append(node.id)
    return ids


def _project(
    graph: Graph, name: str, description: str, data: DataSettings, training: TrainingSettings
) -> Project:
    """An example project: every example carries its name and what it shows."""
    return Project(graph, data, training, {"name": name, "description": description})


def _sequential(
    name: str,
    description: str,
    layers: Sequence[Layer],
    data: DataSettings,
    training: TrainingSettings,
) -> Project:
    """An example whose network is one chain of ``layers``, left to right."""
    graph = Graph()
    _chain(graph, layers)
    return _project(graph, name, description, data, training)


def binary_classifier() -> Project:
    project = _sequential(
        "Binary classifier",
        (
            "Tells malignant from benign breast tumours from 30 measurements: a small "
            "MLP ending in a sigmoid, trained with binary cross-entropy. It usually "
            "reaches about 95% validation accuracy within 30 epochs."
        ),
        [
            ("Input", "features", {"kind": "features", "features": 30}),
            ("Linear", "hidden", {"units": 10, "activation": "relu"}),
            ("Linear", "logit", {"units": 1}),
            ("Sigmoid", "probability", {}),
            ("Output", "diagnosis", {"loss": "bce"}),
        ],
        DataSettings(source="breast_cancer", classes=2),
        TrainingSettings(optimizer="adam", learning_rate=0.01, epochs=30, batch_size=32),
    )
    # The tour's first design shows the sigmoid as a layer on purpose; the linter's advice
    # (NN201, the logits form) is set aside with the reason, to show how silencing reads.
    output = next(node.id for node in project.graph if node.type == "Output")
    project.graph.set_silenced(output, "NN201", SIGMOID_SHOWN)
    return project


def iris_mlp() -> Project:
    return _sequential(
        "Iris MLP",
        (
            "Classifies iris flowers into 3 species from 4 measurements with a two-layer "
            "MLP and cross-entropy; validation accuracy is usually above 90%."
        ),
        [
            ("Input", "measurements", {"kind": "features", "features": 4}),
            ("Linear", "hidden1", {"units": 16, "activation": "relu"}),
            ("Linear", "hidden2", {"units": 16, "activation": "relu"}),
            ("Linear", "logits", {"units": 3}),
            ("Output", "species", {"loss": "cross_entropy"}),
        ],
        DataSettings(source="iris", classes=3),
        TrainingSettings(optimizer="adam", learning_rate=0.01, epochs=50, batch_size=16),
    )


def digits_cnn() -> Project:
    conv = {"kernel_size": 3, "padding": 1, "activation": "relu"}
    return _sequential(
        "Digits CNN",
        (
            "A small convolutional network reading 8×8 images of handwritten digits: two "
            "3×3 convolutions, max pooling and global average pooling; validation "
            "accuracy is usually above 90%."
        ),
        [
            ("Input", "image", {"kind": "image", "channels": 1, "height": 8, "width": 8}),
            ("Conv2d", "conv1", {"out_channels": 16, **conv}),
            ("MaxPool2d", "pool1", {"kernel_size": 2}),
            ("Conv2d", "conv2", {"out_channels": 32, **conv}),
            ("GlobalAvgPool2d", "gap", {}),
            ("Linear", "logits", {"units": 10}),
            ("Output", "digit", {"loss": "cross_entropy"}),
        ],
        DataSettings(source="digits_images", classes=10),
        TrainingSettings(optimizer="adam", learning_rate=0.005, epochs=15, batch_size=64),
    )


def residual_mlp() -> Project:
    graph = Graph()
    stem = _chain(
        graph,
        [
            ("Input", "point", {"kind": "features", "features": 2}),
            ("Linear", "embed", {"units": 32, "activation": "relu"}),
        ],
    )
    branch = _chain(
        graph,
        [
            ("Linear", "block_fc1", {"units": 32, "activation": "relu"}),
            ("Linear", "block_fc2", {"units": 32}),
        ],
        start=2 * SPACING,
        y=-120.0,
    )
    head = _chain(
        graph,
        [
            ("Add", "skip", {}),
            ("ReLU", "block_relu", {}),
            ("Linear", "logits", {"units": 2}),
            ("Output", "label", {"loss": "cross_entropy"}),
        ],
        start=4 * SPACING,
    )
    graph.connect(stem[-1], "out", branch[0], "in")
    graph.connect(branch[-1], "out", head[0], "in")
    graph.connect(stem[-1], "out", head[0], "in")  # the skip connection
    return _project(
        graph,
        "Residual MLP",
        (
            "Separates the two moons with a residual block: the block's output is added "
            "to its input (a skip connection) before the ReLU. Validation accuracy is "
            "usually above 95%."
        ),
        DataSettings(source="moons", samples=1000, noise=0.2, classes=2),
        TrainingSettings(optimizer="adam", learning_rate=0.01, epochs=40, batch_size=32),
    )


EXAMPLES = {
    "binary_classifier": binary_classifier,
    "iris_mlp": iris_mlp,
    "digits_cnn": digits_cnn,
    "residual_mlp": residual_mlp,
}


def build_examples() -> dict[str, Project]:
    """Every example project by file stem."""
    return {name: make() for name, make in EXAMPLES.items()}


def write_examples(folders: Sequence[Path] = DEFAULT_FOLDERS) -> list[Path]:
    """Save every example into each folder; returns the files written."""
    written = []
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        for name, project in build_examples().items():
            path = folder / f"{name}{EXTENSION}"
            save_project(project, path)
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, action="append", help="folder to write to")
    args = parser.parse_args(argv)
    for path in write_examples(args.out or DEFAULT_FOLDERS):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
