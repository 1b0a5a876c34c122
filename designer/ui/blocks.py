"""`BlockController`: the Block menu's commands, and blocks from the library.

Every command turns the selection into one pure block edit (`designer.model.block_edits`)
pushed on the document, so each is one undo step; inside an opened block the document
applies it there. The controller also brings a library block into the project when the
palette adds one, as one undo step with the new instance.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from designer.io.library import BlockLibrary
from designer.model.block_edits import (
    MAX_REPEAT,
    DetachBlock,
    GroupIntoBlock,
    RepeatBlock,
    Ungroup,
)
from designer.model.block_table import block_name, name_problem
from designer.model.definition_edits import AddBlocks, ReplaceBlock, snapshot
from designer.model.edits import Compound
from designer.ui.document import GraphDocument
from designer.ui.window_actions import make_action

#: The user's blocks live in this folder of the per-user configuration folder.
LIBRARY_FOLDER = "blocks"


def user_library() -> BlockLibrary:
    """The library of the user's config folder (``…/blocks``), with the starter blocks."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return BlockLibrary(Path(base) / LIBRARY_FOLDER if base else None)


class BlockDialogs:
    """The questions the Block commands ask, one method each (replaced in tests)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def block_name(self, suggested: str) -> str | None:
        """The name of a new block (None: cancelled)."""
        text, accepted = QInputDialog.getText(
            self.parent, "Group into Block", "Name of the new block:", text=suggested
        )
        return text.strip() if accepted else None

    def repeat_count(self, name: str) -> int | None:
        """How many instances of ``name`` the chain should hold (None: cancelled)."""
        count, accepted = QInputDialog.getInt(
            self.parent, "Repeat Block", f"Number of {name} blocks in the chain:", 2, 2, MAX_REPEAT
        )
        return count if accepted else None


class BlockController(QObject):
    """Group, open, repeat, ungroup, detach and save blocks, on the selected layers.

    Signals:
        library_changed: a block was saved to the library (the palette lists it).
        message(str): what happened, for the status bar.
    """

    library_changed = Signal()
    message = Signal(str)

    def __init__(
        self,
        document: GraphDocument,
        library: BlockLibrary,
        dialogs: BlockDialogs,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.library = library
        self.dialogs = dialogs
        self._library_entries: list[tuple[str, str]] = []
        self.reload_library()

    def reload_library(self) -> None:
        """Read the library's blocks again (after a save)."""
        self._library_entries = [(b.name, b.description) for b in self.library.blocks()]

    def palette_entries(self) -> list[tuple[str, str]]:
        """What the palette's Blocks group lists: the library's blocks, then the blocks
        of the project that the library does not have, as (name, help)."""
        listed = {name for name, _ in self._library_entries}
        own = [
            (name, f"A block of this project; Block › Save Block to Library keeps {name}")
            for name in self.document.graph.blocks.names()
            if name not in listed
        ]
        return [*self._library_entries, *own]

    # ------------------------------------------------------------- commands
    def group(self) -> str | None:
        """Group the selected layers into a new block; returns the new instance's id."""
        selection = self.document.selection
        if not selection:
            self.document.error_raised.emit("Select the layers to group into a block first")
            return None
        name = self.dialogs.block_name(self.document.graph.blocks.free_name("Block"))
        if name is None:
            return None
        problem = name_problem(name)
        if problem is not None:
            self.document.error_raised.emit(problem)
            return None
        edit = GroupIntoBlock(selection, name)
        if not self.document.push(edit):
            return None
        self.document.set_selection([edit.block_id])
        return edit.block_id

    def open_selected(self) -> bool:
        node_id = self._selected_block()
        return node_id is not None and self.document.open_block(node_id)

    def repeat(self) -> list[str]:
        """Chain copies after the selected block; returns the new instances' ids."""
        node_id = self._selected_block()
        if node_id is None:
            return []
        name = block_name(self.document.view_graph.node(node_id).type)
        count = self.dialogs.repeat_count(name or "")
        if count is None:
            return []
        edit = RepeatBlock(node_id, count)
        return list(edit.new_ids) if self.document.push(edit) else []

    def ungroup(self) -> bool:
        node_id = self._selected_block()
        return node_id is not None and self.document.push(Ungroup(node_id))

    def detach(self) -> bool:
        node_id = self._selected_block()
        if node_id is None:
            return False
        edit = DetachBlock(node_id)
        if not self.document.push(edit):
            return False
        self.document.set_selection([node_id])  # the node was made anew with its new type
        self.message.emit(f"This block is now {edit.new_name}; the others stay as they were")
        return True

    def save_to_library(self) -> Path | None:
        """Save the selected block (or the opened one) to the user's library."""
        name = self._chosen_name()
        if name is None:
            return None
        try:
            saved = self.library.save(self.document.graph.blocks, name or "")
        except (OSError, ValueError) as error:
            self.document.error_raised.emit(f"Cannot save the block: {error}")
            return None
        self.library_changed.emit()
        self.message.emit(f"Saved {name} to the block library")
        return saved

    def update_from_library(self) -> bool:
        """Give the selected (or opened) block the library's version of it, with the
        blocks that version uses, as one undo step; every instance follows."""
        name = self._chosen_name()
        if name is None:
            return False
        try:
            block = self.library.get(name)
        except KeyError:
            self.document.error_raised.emit(f"The library has no block named {name}")
            return False
        *uses, main = block.snapshots
        if snapshot(self.document.graph.blocks.get(name)) == main:
            self.message.emit(f"{name} is already the library's version")
            return False
        edit = Compound([AddBlocks(uses), ReplaceBlock(main)], f"Update {name} from library")
        if not self.document.push_design(edit):
            return False
        self.message.emit(f"{name} is now the library's version; every instance follows")
        return True

    def _chosen_name(self) -> str | None:
        """The block of the one selected instance, else the innermost opened block."""
        node_id = self._selected_block(quiet=bool(self.document.block_path))
        if node_id is not None:
            return block_name(self.document.view_graph.node(node_id).type)
        path = self.document.block_path
        return path[-1] if path else None

    def _selected_block(self, quiet: bool = False) -> str | None:
        selection = self.document.selection
        graph = self.document.view_graph
        if len(selection) == 1 and block_name(graph.node(selection[0]).type) is not None:
            return selection[0]
        if not quiet:
            self.document.error_raised.emit("Select one block first")
        return None

    # -------------------------------------------------------------- library
    def add_with_definition(self, type_id: str, add: Callable[[], str | None]) -> str | None:
        """Run ``add`` (which adds a node of ``type_id``) after bringing the library's
        block into the project when it lacks it, both as one undo step."""
        name = block_name(type_id)
        if name is None or name in self.document.graph.blocks:
            return add()
        try:
            block = self.library.get(name)
        except KeyError as error:
            self.document.error_raised.emit(str(error).strip("'\""))
            return None
        stack = self.document.undo_stack
        stack.beginMacro(f"Add block {name}")
        node_id = add() if self.document.push(AddBlocks(block.snapshots)) else None
        stack.endMacro()
        if node_id is None:
            stack.undo()  # nothing half-done stays
        return node_id


def build_block_actions(window, controller: BlockController) -> dict[str, QAction]:
    """The Block menu's actions (they act on the canvas selection)."""
    act = make_action
    return {
        "group_block": act(
            window,
            "&Group into Block…",
            controller.group,
            shortcut=QKeySequence("Ctrl+G"),
            tip="Make the selected layers one reusable block",
        ),
        "open_block": act(
            window, "&Open Block", controller.open_selected, tip="Edit the block in place"
        ),
        "repeat_block": act(
            window,
            "&Repeat Block…",
            controller.repeat,
            tip="Chain copies of the selected block after it",
        ),
        "ungroup_block": act(
            window, "&Ungroup", controller.ungroup, tip="Put the block's layers in its place"
        ),
        "detach_block": act(
            window,
            "&Detach",
            controller.detach,
            tip="Give this instance its own copy of the block",
        ),
        "update_block": act(
            window,
            "U&pdate from Library",
            controller.update_from_library,
            tip="Replace the block by the library's version; every instance follows",
        ),
        "save_block": act(
            window,
            "&Save Block to Library",
            controller.save_to_library,
            tip="Keep the block in your library (the Blocks group of the palette)",
        ),
    }


def build_block_menu(window, actions: dict[str, QAction]) -> QMenu:
    menu = QMenu("&Block", window)
    menu.addAction(actions["group_block"])
    menu.addAction(actions["open_block"])
    menu.addSeparator()
    menu.addActions([actions["repeat_block"], actions["ungroup_block"], actions["detach_block"]])
    menu.addSeparator()
    menu.addActions([actions["save_block"], actions["update_block"]])
    return menu


def install_blocks(
    window, library: BlockLibrary | None = None, dialogs: BlockDialogs | None = None
) -> BlockController:
    """Give ``window`` its blocks: the controller, the Block menu (before View) with its
    keys on the canvas, the library and the project's own blocks in the palette, and
    library adds from the palette."""
    controller = BlockController(
        window.document, library or user_library(), dialogs or BlockDialogs(window), window
    )
    window.view.adder.fetch_block = controller.add_with_definition
    actions = build_block_actions(window, controller)
    for action in actions.values():
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        window.view.addAction(action)
    window.actions_by_name.update(actions)
    menu = build_block_menu(window, actions)
    window.menuBar().insertMenu(window.menus["view"].menuAction(), menu)
    window.menus["block"] = menu

    shown: list = []

    def show_blocks() -> None:
        entries = controller.palette_entries()
        if entries != shown:  # the palette group is made again only when it changes
            shown[:] = entries
            window.palette.set_blocks(entries)

    def on_library_changed() -> None:
        controller.reload_library()
        show_blocks()

    controller.library_changed.connect(on_library_changed)
    window.document.analysis_changed.connect(show_blocks)  # after any change of the table
    window.document.project_replaced.connect(show_blocks)
    controller.message.connect(window.statusBar().showMessage)
    show_blocks()
    return controller
