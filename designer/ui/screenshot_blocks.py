"""The README's pictures of blocks (``--blocks``, ``--block-open``, ``--import``): a small
ResNet for the digits example built from the library's BasicBlock, chained three times,
with the code view showing the ``BasicBlock`` class; the same design with the first block
opened on the canvas, the breadcrumbs leading back out; or a small ResNet written in
PyTorch (`IMPORTED_MODEL`) imported, its repeated ``Residual`` grouped into a block."""

from __future__ import annotations

import tempfile
from pathlib import Path

from designer.io.library import BlockLibrary
from designer.model import Graph, Project
from designer.model.block_edits import RepeatBlock
from designer.model.block_table import block_type
from designer.model.definition_edits import AddBlocks
from designer.model.layout import layered_layout

BLOCK = "BasicBlock"
#: The model the import picture imports: what a user might have written in PyTorch.
IMPORTED_MODEL = """import torch
from torch import nn


class Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(x + self.bn2(self.conv2(y)))


class SmallResNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1)
        self.blocks = nn.Sequential(Residual(16), Residual(16), Residual(16))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        x = self.blocks(torch.relu(self.stem(x)))
        return self.head(torch.flatten(self.pool(x), 1))
"""


def resnet(project: Project) -> Project:
    """The digits example's data and training with a ResNet of three BasicBlocks."""
    graph = Graph()
    AddBlocks(BlockLibrary(None).get(BLOCK).snapshots).apply(graph)
    chain = [
        ("Input", "image", {"kind": "image", "channels": 1, "height": 8, "width": 8}),
        ("Conv2d", "stem", {"out_channels": 64, "padding": 1, "activation": "relu"}),
        (block_type(BLOCK), "stage1", {}),
        ("GlobalAvgPool2d", "pool", {}),
        ("Linear", "classes", {"units": 10}),
        ("Output", "digit", {}),
    ]
    previous = None
    for type_id, label, params in chain:
        node = graph.add_node(type_id, params, label)
        if previous is not None:
            spec = graph.spec(node.id)
            graph.connect(
                previous, graph.output_ports(previous)[0].name, node.id, spec.inputs[0].name
            )
        previous = node.id
    first = next(n.id for n in graph if n.type == block_type(BLOCK))
    repeat = RepeatBlock(first, 3)
    repeat.apply(graph)
    for number, node_id in enumerate(repeat.new_ids, start=2):
        graph.rename_node(node_id, f"stage{number}")
    for node_id, (x, y) in layered_layout(graph).items():
        graph.move_node(node_id, x, y)
    return Project(graph, project.data, project.training, {"name": "ResNet for digits"})


def render_blocks(out: Path, size: tuple[int, int], dark: bool = False, opened: bool = False):
    """Render the window with the ResNet (see the module docstring); returns the `QImage`."""
    from PySide6.QtCore import Qt

    from designer.ui.screenshot import render

    def prepare(window) -> None:
        document = window.document
        document.replace_project(resnet(document.project))
        first = next(n.id for n in document.graph if n.type == block_type(BLOCK))
        document.set_selection([first])
        if opened:
            document.open_block(first)
            document.set_selection(["conv2"])
        window.code_dock.raise_()
        window.resizeDocks([window.code_dock], [size[1] * 2 // 5], Qt.Orientation.Vertical)
        palette = window.palette
        blocks = palette.tree.topLevelItem(palette.tree.topLevelItemCount() - 1)
        palette.set_all_folded(True)
        blocks.setExpanded(True)

    return render(out, size, "digits_cnn", dark, prepare=prepare)


def imported(project: Project) -> Project:
    """`IMPORTED_MODEL` imported for 1×8×8 images, with the digits example's data and
    training settings."""
    from designer.compiler.fx_import import import_file
    from designer.ui.training.warm_up import wait_for_warm_up

    wait_for_warm_up()  # NOTE: as the window's importer does: tracing imports torch too
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small_resnet.py"
        path.write_text(IMPORTED_MODEL, encoding="utf-8")
        result = import_file(path, "SmallResNet", [(1, 8, 8)])
    graph = result.project.graph
    for node_id, (x, y) in layered_layout(graph).items():
        graph.move_node(node_id, x, y)
    return Project(graph, project.data, project.training, {"name": "SmallResNet (imported)"})


def render_import(out: Path, size: tuple[int, int], dark: bool = False):
    """Render the window with the imported model and its generated code; the `QImage`."""
    from PySide6.QtCore import Qt

    from designer.ui.screenshot import render

    def prepare(window) -> None:
        document = window.document
        document.replace_project(imported(document.project))
        first = next(n.id for n in document.graph if n.type.startswith("block:"))
        document.set_selection([first])
        window.code_dock.raise_()
        window.resizeDocks([window.code_dock], [size[1] * 2 // 5], Qt.Orientation.Vertical)

    return render(out, size, "digits_cnn", dark, prepare=prepare)
