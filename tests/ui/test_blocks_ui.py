"""Blocks from the GUI: grouping a selection with Ctrl+G, opening a block with a
double-click and coming back by the breadcrumbs, repeating it, adding library blocks
from the palette and saving one to the library, each one undo step."""

from __future__ import annotations

import pytest
from block_designs import residual_design, stage_ids
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from designer.io.library import BlockLibrary
from designer.model import Project, infer_shapes
from designer.model.block_edits import GroupIntoBlock
from designer.model.block_table import block_type
from designer.model.edits import SetParam
from designer.ui.blocks import BlockDialogs

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
LEFT, CTRL = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier


class AnsweringDialogs(BlockDialogs):
    """Answers the Block questions from its attributes."""

    def __init__(self) -> None:
        super().__init__(None)
        self.name: str | None = "ResBlock"
        self.count: int | None = 3

    def block_name(self, suggested: str) -> str | None:
        return self.name

    def repeat_count(self, name: str) -> int | None:
        return self.count


@pytest.fixture
def dialogs() -> AnsweringDialogs:
    return AnsweringDialogs()


@pytest.fixture
def window(make_window, tmp_path, dialogs, qtbot):
    win = make_window(block_library=BlockLibrary(tmp_path / "blocks"), block_dialogs=dialogs)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.document.replace_project(Project(residual_design()))
    win.view.fit_to_view()
    return win


def node_point(view, node_id: str):
    item = view.graph_scene.node_item(node_id)
    return view.mapFromScene(item.scenePos() + QPointF(60, 12))  # on the title bar


def click_nodes(qtbot, view, node_ids: list[str]) -> None:
    """Select nodes as a user does: a click, then Ctrl+click on each of the others."""
    for index, node_id in enumerate(node_ids):
        modifier = CTRL if index else Qt.KeyboardModifier.NoModifier
        QTest.mouseClick(view.viewport(), LEFT, modifier, node_point(view, node_id))


def group_stage(qtbot, window) -> str:
    view = window.view
    click_nodes(qtbot, view, stage_ids(1))
    assert window.document.selection == stage_ids(1)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_G, CTRL)
    (block,) = window.document.selection
    return block


def test_ctrl_g_groups_the_clicked_layers_into_one_block_in_one_step(qtbot, window):
    document = window.document
    before = document.analysis.total_params
    steps = document.undo_stack.count()
    block = group_stage(qtbot, window)
    assert document.graph.node(block).type == "block:ResBlock"
    assert document.undo_stack.count() == steps + 1
    assert document.undo_stack.undoText() == "Group into block"
    qtbot.waitUntil(lambda: window.view.graph_scene.node_item(block) is not None)
    assert all(window.view.graph_scene.node_item(n) is None for n in stage_ids(1))
    qtbot.waitUntil(lambda: document.analysis.total_params == before)
    assert infer_shapes(document.graph).valid  # the data's own problems aside
    document.undo_stack.undo()
    assert block not in document.graph.nodes and "ResBlock" not in document.graph.blocks
    assert all(window.view.graph_scene.node_item(n) is not None for n in stage_ids(1))


def test_double_click_opens_the_block_and_the_breadcrumbs_lead_back(qtbot, window):
    document, view = window.document, window.view
    block = group_stage(qtbot, window)
    QTest.mouseDClick(
        view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, node_point(view, block)
    )
    assert document.block_path == ["ResBlock"]
    inner = document.graph.blocks.get("ResBlock").graph
    assert set(view.graph_scene._nodes) == set(inner.nodes)
    crumbs = view.breadcrumbs
    assert crumbs.isVisible() and crumbs.texts() == ["Design", "ResBlock"]
    # an edit inside reaches every instance: the block's parameter count follows
    document.set_selection(["conv2_1"])
    assert window.inspector.isVisible()
    assert document.push(SetParam("conv2_1", "out_channels", 16))  # as the inspector does
    qtbot.waitUntil(lambda: document.analysis.info(block).problems != ())
    assert "inside it, Add 'add_1'" in document.analysis.info(block).problems[0].message
    assert document.view_analysis.info("add_1").problems  # shown on the inner layer
    document.undo_stack.undo()
    qtbot.mouseClick(crumbs.crumbs[0], LEFT)
    assert document.block_path == [] and not crumbs.isVisible()
    assert view.graph_scene.node_item(block) is not None
    qtbot.waitUntil(lambda: not document.analysis.info(block).problems)
    assert infer_shapes(document.graph).valid


def test_repeat_block_chains_copies_in_one_step(qtbot, window, dialogs):
    document = window.document
    block = group_stage(qtbot, window)
    steps = document.undo_stack.count()
    window.actions_by_name["repeat_block"].trigger()
    instances = [n for n in document.graph if n.type == "block:ResBlock"]
    assert len(instances) == 3 and document.undo_stack.count() == steps + 1
    last = instances[-1].id
    assert [e.dst for e in document.graph.out_edges(last)] == ["flat"]
    assert infer_shapes(document.graph).valid  # the data's own problems aside
    assert document.analysis.info(last).params == document.analysis.info(block).params
    document.undo_stack.undo()
    assert [n.id for n in document.graph if n.type == "block:ResBlock"] == [block]
    dialogs.count = None  # cancelled: nothing happens
    window.actions_by_name["repeat_block"].trigger()
    assert document.undo_stack.index() == steps and document.undo_stack.canRedo()


def test_a_palette_block_arrives_with_its_definition_in_one_step(qtbot, window):
    tree = window.palette.tree
    item = next(
        tree.topLevelItem(g).child(c)
        for g in range(tree.topLevelItemCount())
        for c in range(tree.topLevelItem(g).childCount())
        if tree.topLevelItem(g).child(c).data(0, Qt.ItemDataRole.UserRole)
        == block_type("Bottleneck")
    )
    tree.scrollToItem(item)
    centre = tree.visualItemRect(item).center()
    document = window.document
    steps = document.undo_stack.count()
    qtbot.mouseClick(tree.viewport(), LEFT, pos=centre)
    qtbot.mouseDClick(tree.viewport(), LEFT, pos=centre)
    assert "Bottleneck" in document.graph.blocks
    assert [n.type for n in document.graph].count("block:Bottleneck") == 1
    assert document.undo_stack.count() == steps + 1
    document.undo_stack.undo()
    assert "Bottleneck" not in document.graph.blocks
    assert "block:Bottleneck" not in [n.type for n in document.graph]


def test_save_to_library_lists_the_block_in_the_palette(qtbot, window, tmp_path):
    group_stage(qtbot, window)
    window.actions_by_name["save_block"].trigger()
    assert (tmp_path / "blocks" / "ResBlock.nnblock").is_file()
    types = window.palette.visible_type_ids()
    assert block_type("ResBlock") in types and block_type("BasicBlock") in types


def test_detach_and_ungroup_from_the_menu(qtbot, window):
    document = window.document
    block = group_stage(qtbot, window)
    window.actions_by_name["detach_block"].trigger()
    assert document.graph.node(block).type == "block:ResBlock2"
    window.actions_by_name["ungroup_block"].trigger()
    assert block not in document.graph.nodes
    assert sum(n.type == "Conv2d" for n in document.graph) == 3
    assert infer_shapes(document.graph).valid  # the data's own problems aside


def test_a_bad_block_name_is_refused_with_a_message(qtbot, window, dialogs):
    dialogs.name = "two words"
    click_nodes(qtbot, window.view, ["stem"])
    with qtbot.waitSignal(window.document.error_raised) as said:
        window.actions_by_name["group_block"].trigger()
    assert "block name" in said.args[0]
    assert len(window.document.graph.blocks) == 0


def test_the_blocks_screenshot_renders_an_opened_block(qtbot, tmp_path):
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from designer.ui.screenshot import SIZE
    from designer.ui.screenshot_blocks import render_blocks

    app = QApplication.instance()
    style, palette, sheet = app.style().name(), app.palette(), app.styleSheet()
    out = tmp_path / "blocks.png"
    try:
        render_blocks(out, SIZE, opened=True)
    finally:
        app.setStyle(style)
        app.setPalette(palette)
        app.setStyleSheet(sheet)
    image = QImage(str(out))
    assert (image.width(), image.height()) == SIZE
    assert out.stat().st_size > 30_000


def test_a_block_is_copied_and_pasted_as_another_instance(qtbot, window):
    document, view = window.document, window.view
    block = group_stage(qtbot, window)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_C, CTRL)
    QTest.keyClick(view, Qt.Key.Key_V, CTRL)
    instances = [n.id for n in document.graph if n.type == "block:ResBlock"]
    assert len(instances) == 2 and block in instances
    assert document.selection == [i for i in instances if i != block]
    assert len(document.graph.blocks) == 1  # both use the one definition


def test_update_from_library_brings_every_instance_back_in_one_step(qtbot, window):
    document = window.document
    block = group_stage(qtbot, window)
    window.actions_by_name["save_block"].trigger()
    assert document.open_block(block)
    assert document.push(SetParam("conv1_1", "out_channels", 16))
    document.close_blocks()
    document.set_selection([block])
    window.actions_by_name["update_block"].trigger()
    inner = document.graph.blocks.get("ResBlock").graph
    assert inner.node("conv1_1").params["out_channels"] == 8
    qtbot.waitUntil(lambda: document.analysis.info(block).params == 1168)
    document.undo_stack.undo()
    inner = document.graph.blocks.get("ResBlock").graph
    assert inner.node("conv1_1").params["out_channels"] == 16
    with qtbot.waitSignal(window.blocks.message):
        document.undo_stack.redo()
        window.actions_by_name["update_block"].trigger()  # already the library's


def test_escape_leaves_the_opened_block(qtbot, window):
    document, view = window.document, window.view
    block = group_stage(qtbot, window)
    QTest.mouseDClick(
        view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, node_point(view, block)
    )
    assert document.block_path == ["ResBlock"]
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert document.block_path == [] and view.graph_scene.node_item(block) is not None


def test_the_projects_own_blocks_are_listed_in_the_palette(qtbot, window):
    document = window.document
    group_stage(qtbot, window)
    qtbot.waitUntil(lambda: block_type("ResBlock") in window.palette.visible_type_ids())
    document.set_selection([])
    window.view.add_layer(block_type("ResBlock"))  # what a double-click in the palette does
    assert [n.type for n in document.graph].count("block:ResBlock") == 2
    document.undo_stack.undo()
    document.undo_stack.undo()  # the grouping too: the block is gone from the palette
    qtbot.waitUntil(lambda: block_type("ResBlock") not in window.palette.visible_type_ids())


@pytest.fixture
def other(make_window, qtbot):
    """A second window, with the residual design of its own."""
    win = make_window()
    win.resize(1024, 700)
    win.show()
    qtbot.waitExposed(win)
    win.document.replace_project(Project(residual_design()))
    return win


def activate(qtbot, win) -> None:
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)


def copy_block_and_paste_in(qtbot, window, other) -> str:
    """Group stage 1 in ``window``, copy it with Ctrl+C, paste it in ``other`` (Ctrl+V)."""
    activate(qtbot, window)
    block = group_stage(qtbot, window)
    QTest.keyClick(window.view, Qt.Key.Key_C, CTRL)
    activate(qtbot, other)
    other.view.setFocus()
    QTest.keyClick(other.view, Qt.Key.Key_V, CTRL)
    return block


def test_a_block_pasted_into_another_project_brings_its_definition(qtbot, window, other):
    copy_block_and_paste_in(qtbot, window, other)
    document = other.document
    assert document.graph.blocks.names() == ["ResBlock"]
    (pasted,) = document.selection
    assert document.graph.node(pasted).type == "block:ResBlock"
    assert document.undo_stack.count() == 1  # the definition and the instance: one step
    document.undo_stack.undo()
    assert len(document.graph.blocks) == 0 and pasted not in document.graph.nodes


def test_a_block_whose_name_the_other_project_uses_is_pasted_renamed(qtbot, window, other):
    document = other.document
    assert document.push(GroupIntoBlock(["conv1_1", "relu1_1"], "ResBlock"))  # another one
    theirs = [node.type for node in document.graph.blocks.get("ResBlock").graph]
    copy_block_and_paste_in(qtbot, window, other)
    assert document.graph.blocks.names() == ["ResBlock", "ResBlock2"]
    (pasted,) = document.selection
    assert document.graph.node(pasted).type == "block:ResBlock2"
    assert [node.type for node in document.graph.blocks.get("ResBlock").graph] == theirs
    assert "Pasted ResBlock as ResBlock2" in other.statusBar().currentMessage()
    document.undo_stack.undo()
    assert document.graph.blocks.names() == ["ResBlock"]
