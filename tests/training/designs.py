"""Designs of every kind the canvas can draw, with data shaped for each, for the tests that
train them everywhere: tokens into an Embedding and recurrent layers, two inputs, two
outputs with weights, per-pixel classification, a U-Net-like regression with a skip, an
image folder, a small transformer with a padding mask and a layer with several outputs,
and a sequence turned channels-first for Conv1d, split into two heads. Each builder writes
its data next to the project and returns the project file's path (data paths in projects
are relative, as users' are)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from designer.io import save_project
from designer.model import DataSettings, Graph, Project, TrainingSettings
from designer.model.block_edits import GroupIntoBlock, RepeatBlock

EPOCHS = 2


class Port(NamedTuple):
    """One output of a layer with several (a Chunk's ``part2``)."""

    node: str
    name: str


class Builder:
    """Adds layers and wires them in a few lines: ``b.add("Linear", units=4, after=x)``."""

    def __init__(self) -> None:
        self.graph = Graph()

    def add(self, type_id: str, label: str | None = None, after=(), **params) -> str:
        """``after`` names what feeds the new node: a node id (its output ``out``), a
        `Port` of a layer with several outputs, or a tuple of those (a merge)."""
        position = (240.0 * len(self.graph), 120.0 * (len(self.graph) % 2))  # no overlaps
        node = self.graph.add_node(type_id, params, label, position)
        for source in (after,) if isinstance(after, str | Port) else after:
            src, port = source if isinstance(source, Port) else (source, "out")
            self.graph.connect(src, port, node.id, "in")
        return node.id


def save(folder: Path, name: str, builder: Builder, data: DataSettings, **training) -> Path:
    settings = TrainingSettings(epochs=EPOCHS, batch_size=16, device="cpu", seed=3, **training)
    project = Project(builder.graph, data, settings, {"name": name})
    path = folder / f"{name}.nndesign"
    save_project(project, path)
    return path


def tokens_classifier(folder: Path) -> Path:
    """Embedding -> bidirectional GRU -> LSTM -> Linear: token ids stay int64 throughout."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 40, (96, 12))
    np.savez(folder / "tokens.npz", x=x, y=(x[:, 0] > 20).astype(np.int64) + (x[:, 1] > 30))
    b = Builder()
    text = b.add("Input", "text", kind="tokens", length=12, vocab_size=40)
    embed = b.add("Embedding", after=text, num_embeddings=40, embedding_dim=8)
    gru = b.add("GRU", after=embed, hidden_size=6, bidirectional=True, return_sequences=True)
    lstm = b.add("LSTM", after=gru, hidden_size=8)
    logits = b.add("Linear", after=lstm, units=3)
    b.add("Output", "label", after=logits)
    data = DataSettings(source="npz", path="tokens.npz")
    return save(folder, "tokens", b, data, optimizer="sgd", schedule="one_cycle", grad_clip=1.0)


def two_inputs(folder: Path) -> Path:
    """An image and a feature vector, joined: the arrays are named after the Inputs."""
    rng = np.random.default_rng(1)
    n = 80
    np.savez(
        folder / "two_inputs.npz",
        picture=rng.normal(size=(n, 1, 8, 8)).astype(np.float32),
        meta=rng.normal(size=(n, 3)),
        kind=np.arange(n) % 2,
    )
    b = Builder()
    picture = b.add("Input", "picture", kind="image", channels=1, height=8, width=8)
    conv = b.add("Conv2d", after=picture, out_channels=4, padding=1, activation="relu")
    pooled = b.add("GlobalAvgPool2d", after=conv)
    meta = b.add("Input", "meta", kind="features", features=3)
    dense = b.add("Linear", after=meta, units=4, activation="relu")
    joined = b.add("Concatenate", after=(pooled, dense))
    dropped = b.add("Dropout", after=joined, p=0.3)
    logits = b.add("Linear", after=dropped, units=2)
    b.add("Output", "kind", after=logits)
    data = DataSettings(source="npz", path="two_inputs.npz")
    return save(folder, "two_inputs", b, data, schedule="cosine", early_stopping=True)


def two_outputs(folder: Path) -> Path:
    """One trunk, a class head and a weighted regression head."""
    rng = np.random.default_rng(2)
    n = 90
    x = rng.normal(size=(n, 6))
    np.savez(
        folder / "two_outputs.npz",
        x=x,
        species=(x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5),
        size=x[:, 2:4] * 2.0,
    )
    b = Builder()
    features = b.add("Input", "x", kind="features", features=6)
    trunk = b.add("Linear", after=features, units=16, activation="relu")
    dropped = b.add("Dropout", after=trunk, p=0.2)
    classes = b.add("Linear", after=dropped, units=3)
    b.add("Output", "species", after=classes)
    values = b.add("Linear", after=trunk, units=2)
    b.add("Output", "size", after=values, loss="mse", weight=0.5)
    data = DataSettings(source="npz", path="two_outputs.npz")
    return save(folder, "two_outputs", b, data, optimizer="adamw", schedule="step", step_size=1)


def segmentation(folder: Path) -> Path:
    """Cross-entropy over the channel axis with a label per pixel."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 1, 12, 12)).astype(np.float32)
    np.savez(folder / "segmentation.npz", x=x, y=(x[:, 0] > 0.3).astype(np.int64))
    b = Builder()
    image = b.add("Input", "image", kind="image", channels=1, height=12, width=12)
    conv = b.add("Conv2d", after=image, out_channels=6, padding=1)
    norm = b.add("BatchNorm2d", after=conv)
    relu = b.add("ReLU", after=norm)
    scores = b.add("Conv2d", after=relu, out_channels=2, kernel_size=1)
    b.add("Output", "mask", after=scores)
    return save(folder, "segmentation", b, DataSettings(source="npz", path="segmentation.npz"))


def unet_regression(folder: Path) -> Path:
    """Down, up and a Concatenate skip; mean squared error on a 1x16x16 output."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(48, 1, 16, 16)).astype(np.float32)
    np.savez(folder / "unet.npz", x=x, y=np.roll(x, 1, axis=3) * 0.5)
    b = Builder()
    image = b.add("Input", "image", kind="image", channels=1, height=16, width=16)
    down = b.add("Conv2d", after=image, out_channels=4, padding=1, activation="relu")
    pooled = b.add("MaxPool2d", after=down)
    middle = b.add("Conv2d", after=pooled, out_channels=4, padding=1, activation="relu")
    up = b.add("Upsample", after=middle)
    skip = b.add("Concatenate", after=(up, down), axis=0)
    out = b.add("Conv2d", after=skip, out_channels=1, kernel_size=1)
    b.add("Output", "denoised", after=out, loss="mse")
    data = DataSettings(source="npz", path="unet.npz")
    return save(folder, "unet", b, data, optimizer="rmsprop")


def residual_blocks(folder: Path) -> Path:
    """A residual block (with batch norm, so buffers too) grouped into a block and chained
    three times: the exported BasicBlock class, used three times, trains as the app does."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(48, 1, 8, 8)).astype(np.float32)
    np.savez(folder / "residual.npz", x=x, y=(x.mean(axis=(1, 2, 3)) > 0).astype(np.int64))
    b = Builder()
    image = b.add("Input", "image", kind="image", channels=1, height=8, width=8)
    stem = b.add("Conv2d", "stem", after=image, out_channels=4, padding=1)
    conv1 = b.add("Conv2d", "conv1", after=stem, out_channels=4, padding=1)
    norm = b.add("BatchNorm2d", "norm", after=conv1)
    relu = b.add("ReLU", "relu", after=norm)
    conv2 = b.add("Conv2d", "conv2", after=relu, out_channels=4, padding=1)
    skip = b.add("Add", "skip", after=(conv2, stem))
    pooled = b.add("GlobalAvgPool2d", after=skip)
    scores = b.add("Linear", after=pooled, units=2)
    b.add("Output", "label", after=scores)
    group = GroupIntoBlock([conv1, norm, relu, conv2, skip], "BasicBlock")
    group.apply(b.graph)
    RepeatBlock(group.block_id, 3).apply(b.graph)
    data = DataSettings(source="npz", path="residual.npz")
    return save(folder, "residual", b, data)


def image_folder(folder: Path, workers: int = 1) -> Path:
    """A folder with one sub-folder of PNG files per class, decoded by worker processes,
    resized to the Input's size and augmented for training."""
    from PIL import Image

    rng = np.random.default_rng(5)
    root = folder / "pictures"
    for label, base in (("dark", 40), ("light", 180)):
        (root / label).mkdir(parents=True)
        for index in range(14):
            pixels = np.clip(base + rng.normal(0, 30, (10, 13, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / label / f"{index:02d}.png")
    b = Builder()
    image = b.add("Input", "image", kind="image", channels=3, height=8, width=8)
    conv = b.add("Conv2d", after=image, out_channels=4, padding=1, activation="relu")
    pooled = b.add("GlobalAvgPool2d", after=conv)
    logits = b.add("Linear", after=pooled, units=2)
    b.add("Output", "label", after=logits)
    data = DataSettings(source="image_folder", path="pictures", augment=True, workers=workers)
    return save(folder, "folder", b, data)


def transformer(folder: Path) -> Path:
    """Token ids (0 is padding, sequences of several lengths) -> Embedding -> positional
    embedding -> causal attention that ignores the padding -> a residual Add and LayerNorm
    -> Chunk: the mean over time of one half and the last step of the other, joined."""
    rng = np.random.default_rng(6)
    n, length = 96, 10
    x = rng.integers(1, 30, (n, length))
    x[np.arange(length) >= rng.integers(3, length + 1, (n, 1))] = 0  # right padding
    np.savez(folder / "transformer.npz", x=x, y=(x[:, 0] > 15).astype(np.int64))
    b = Builder()
    text = b.add("Input", "text", kind="tokens", length=length, vocab_size=30)
    embed = b.add("Embedding", after=text, num_embeddings=30, embedding_dim=8)
    positions = b.add("PositionalEmbedding", after=embed)
    attend = b.add("CausalSelfAttention", after=positions, num_heads=2)
    b.graph.connect(text, "out", attend, "mask")
    residual = b.add("Add", after=(attend, positions))
    norm = b.add("LayerNorm", after=residual)
    halves = b.add("Chunk", after=norm, chunks=2)
    mean = b.add("MeanOverTime", after=Port(halves, "part1"))
    last = b.add("PickStep", after=Port(halves, "part2"), step=-1)
    joined = b.add("Concatenate", after=(mean, last))
    logits = b.add("Linear", after=joined, units=2)
    b.add("Output", "label", after=logits)
    data = DataSettings(source="npz", path="transformer.npz")
    return save(folder, "transformer", b, data, optimizer="adamw", schedule="cosine")


def sequence_conv(folder: Path) -> Path:
    """A steps x features sequence permuted to features x steps for Conv1d, normalized in
    groups, pooled to a fixed length and split into a class head and a regression head."""
    rng = np.random.default_rng(7)
    n = 80
    series = rng.normal(size=(n, 16, 3)).astype(np.float32)
    np.savez(
        folder / "sequence_conv.npz",
        series=series,
        trend=(series[:, :, 0].mean(axis=1) > 0).astype(np.int64),
        level=series[:, -4:, 1:].mean(axis=1),
    )
    b = Builder()
    source = b.add("Input", "series", kind="sequence", length=16, features=3)
    channels = b.add("Permute", after=source, axes=(1, 0))
    conv = b.add("Conv1d", after=channels, out_channels=6, padding=1)
    norm = b.add("GroupNorm", after=conv, num_groups=2)
    act = b.add("PReLU", after=norm, per_channel=True)
    pooled = b.add("AdaptiveAvgPool1d", after=act, length=4)
    flat = b.add("Flatten", after=pooled)
    parts = b.add("Split", after=flat, sizes=(16, -1))
    classes = b.add("Linear", after=Port(parts, "part1"), units=2)
    b.add("Output", "trend", after=classes)
    values = b.add("Linear", after=Port(parts, "part2"), units=2)
    b.add("Output", "level", after=values, loss="mse", weight=0.5)
    data = DataSettings(source="npz", path="sequence_conv.npz")
    return save(folder, "sequence_conv", b, data, optimizer="adam")


KINDS = {
    "tokens": tokens_classifier,
    "two_inputs": two_inputs,
    "two_outputs": two_outputs,
    "segmentation": segmentation,
    "unet": unet_regression,
    "residual_blocks": residual_blocks,
    "image_folder": image_folder,
    "transformer": transformer,
    "sequence_conv": sequence_conv,
}
