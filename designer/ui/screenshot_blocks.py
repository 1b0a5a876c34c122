"""The README's pictures of blocks (``--blocks``, ``--block-open``): a small ResNet for
the digits example built from the library's BasicBlock, chained three times, with the
code view showing the ``BasicBlock`` class; or the same design with the first block
opened on the canvas, the breadcrumbs leading back out."""

from __future__ import annotations

from pathlib import Path

from designer.io.library import BlockLibrary
from designer.model import Graph, Project
from designer.model.block_edits import RepeatBlock
from designer.model.block_table import block_type
from designer.model.definition_edits import AddBlocks
from designer.model.layout import layered_layout

BLOCK = "BasicBlock"


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
