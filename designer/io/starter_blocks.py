"""The starter blocks of the library, as data: a residual basic block, a bottleneck
block, a transformer encoder block, and the down and up stages of a U-Net.

Each is written as a library document (`designer.io.library`) and read back through the
same checks as a user's file, so a starter block is exactly what saving it would give.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

from designer.io.library import (
    BLOCK_FORMAT,
    BLOCK_FORMAT_VERSION,
    STARTER,
    LibraryBlock,
    library_block_from_dict,
)
from designer.model import Graph
from designer.model.definition_edits import AddBlocks, snapshot
from designer.model.layout import layered_layout

#: A node: (id, type, label, params); the layout places it (`layered_layout`).
NodeRow = tuple[str, str, str, dict[str, Any]]
#: A wire: "a>b" from a's "out" to b's "in", or (src, src_port, dst, dst_port).
Wire = str | tuple[str, str, str, str]


def _conv(channels: int, kernel: int = 3) -> dict[str, Any]:
    return {"out_channels": channels, "kernel_size": kernel, "padding": kernel // 2}


BASIC_BLOCK: tuple[str, str, list[NodeRow], list[Wire]] = (
    "BasicBlock",
    "Residual basic block (ResNet-18/34): two 3×3 convolutions with batch norm, plus the "
    "input.",
    [
        ("x", "BlockInput", "x", {"shape": [64, 8, 8]}),
        ("conv1", "Conv2d", "conv1", _conv(64)),
        ("bn1", "BatchNorm2d", "bn1", {}),
        ("relu1", "ReLU", "relu1", {}),
        ("conv2", "Conv2d", "conv2", _conv(64)),
        ("bn2", "BatchNorm2d", "bn2", {}),
        ("add", "Add", "add", {}),
        ("relu2", "ReLU", "relu2", {}),
        ("out", "BlockOutput", "out", {}),
    ],
    ["x>conv1", "conv1>bn1", "bn1>relu1", "relu1>conv2", "conv2>bn2", "bn2>add", "x>add",
     "add>relu2", "relu2>out"],
)  # fmt: skip

BOTTLENECK: tuple[str, str, list[NodeRow], list[Wire]] = (
    "Bottleneck",
    "Bottleneck block (ResNet-50): 1×1 down to a quarter of the channels, 3×3, 1×1 back "
    "up, plus the input.",
    [
        ("x", "BlockInput", "x", {"shape": [64, 8, 8]}),
        ("reduce", "Conv2d", "reduce", _conv(16, 1)),
        ("bn1", "BatchNorm2d", "bn1", {}),
        ("relu1", "ReLU", "relu1", {}),
        ("conv", "Conv2d", "conv", _conv(16)),
        ("bn2", "BatchNorm2d", "bn2", {}),
        ("relu2", "ReLU", "relu2", {}),
        ("expand", "Conv2d", "expand", _conv(64, 1)),
        ("bn3", "BatchNorm2d", "bn3", {}),
        ("add", "Add", "add", {}),
        ("relu3", "ReLU", "relu3", {}),
        ("out", "BlockOutput", "out", {}),
    ],
    ["x>reduce", "reduce>bn1", "bn1>relu1", "relu1>conv", "conv>bn2", "bn2>relu2",
     "relu2>expand", "expand>bn3", "bn3>add", "x>add", "add>relu3", "relu3>out"],
)  # fmt: skip

ENCODER: tuple[str, str, list[NodeRow], list[Wire]] = (
    "TransformerEncoder",
    "Transformer encoder block (post-norm): self-attention and a feed-forward layer, "
    "each added to its input and normalized.",
    [
        ("x", "BlockInput", "x", {"shape": [16, 32]}),
        ("attention", "SelfAttention", "attention", {"num_heads": 4}),
        ("add1", "Add", "add1", {}),
        ("norm1", "LayerNorm", "norm1", {}),
        ("expand", "Linear", "expand", {"units": 128}),
        ("gelu", "GELU", "gelu", {}),
        ("project", "Linear", "project", {"units": 32}),
        ("dropout", "Dropout", "dropout", {"p": 0.1}),
        ("add2", "Add", "add2", {}),
        ("norm2", "LayerNorm", "norm2", {}),
        ("out", "BlockOutput", "out", {}),
    ],
    ["x>attention", "attention>add1", "x>add1", "add1>norm1", "norm1>expand", "expand>gelu",
     "gelu>project", "project>dropout", "dropout>add2", "norm1>add2", "add2>norm2",
     "norm2>out"],
)  # fmt: skip

UNET_DOWN: tuple[str, str, list[NodeRow], list[Wire]] = (
    "UNetDown",
    "U-Net down stage: two 3×3 convolutions (kept as the skip) then 2×2 max pooling.",
    [
        ("x", "BlockInput", "x", {"shape": [16, 32, 32]}),
        ("conv1", "Conv2d", "conv1", {**_conv(32), "activation": "relu"}),
        ("conv2", "Conv2d", "conv2", {**_conv(32), "activation": "relu"}),
        ("pool", "MaxPool2d", "pool", {}),
        ("skip", "BlockOutput", "skip", {}),
        ("down", "BlockOutput", "down", {}),
    ],
    ["x>conv1", "conv1>conv2", "conv2>pool", "conv2>skip", "pool>down"],
)

UNET_UP: tuple[str, str, list[NodeRow], list[Wire]] = (
    "UNetUp",
    "U-Net up stage: 2×2 transposed convolution, joined with the skip, then two 3×3 convolutions.",
    [
        ("x", "BlockInput", "x", {"shape": [32, 16, 16]}),
        ("skip", "BlockInput", "skip", {"shape": [32, 32, 32]}),
        ("up", "ConvTranspose2d", "up", {"out_channels": 32}),
        ("join", "Concatenate", "join", {"axis": 0}),
        ("conv1", "Conv2d", "conv1", {**_conv(32), "activation": "relu"}),
        ("conv2", "Conv2d", "conv2", {**_conv(32), "activation": "relu"}),
        ("out", "BlockOutput", "out", {}),
    ],
    ["x>up", "up>join", "skip>join", "join>conv1", "conv1>conv2", "conv2>out"],
)

STARTERS = (BASIC_BLOCK, BOTTLENECK, ENCODER, UNET_DOWN, UNET_UP)


def starter_document(name: str, description: str, nodes: list[NodeRow], wires: list[Wire]):
    """The library document of one starter block (positions come later, `_laid_out`)."""
    records = [
        {"id": node_id, "type": type_id, "label": label, "params": params}
        for node_id, type_id, label, params in nodes
    ]
    edges = []
    for wire in wires:
        src, src_port, dst, dst_port = (
            (*wire.split(">")[:1], "out", wire.split(">")[1], "in")
            if isinstance(wire, str)
            else wire
        )
        edges.append({"from": [src, src_port], "to": [dst, dst_port]})
    block = {"name": name, "nodes": records, "edges": edges}
    return {
        "format": BLOCK_FORMAT,
        "format_version": BLOCK_FORMAT_VERSION,
        "block": name,
        "description": description,
        "blocks": [block],
    }


@cache
def starter_blocks() -> tuple[LibraryBlock, ...]:
    """The starter blocks, read through the library's checks and laid out (once)."""
    return tuple(
        _laid_out(library_block_from_dict(starter_document(*starter), STARTER))
        for starter in STARTERS
    )


def _laid_out(block: LibraryBlock) -> LibraryBlock:
    """``block`` with its layers in columns by depth, as Auto-Arrange places them."""
    graph = Graph()
    AddBlocks(block.snapshots).apply(graph)
    inner = graph.blocks.get(block.name).graph
    for node_id, (x, y) in layered_layout(inner).items():
        inner.move_node(node_id, x, y)
    return replace(block, snapshots=tuple(snapshot(d) for d in graph.blocks))
