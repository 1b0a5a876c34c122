"""Thin `QUndoCommand`s over the pure invertible edits of `designer.model.edits`.

`GraphDocument.push` applies the edit itself first, so a `GraphError` is caught before
anything reaches the stack; the command then skips the ``redo`` that `QUndoStack.push` calls.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from designer.model import Graph
from designer.model.edits import Edit, MoveNodes, SetParam

SET_PARAM_ID = 1001
MOVE_ID = 1002


class EditCommand(QUndoCommand):
    """Applies an `Edit` on redo and reverts it on undo."""

    def __init__(self, graph: Graph, edit: Edit, applied: bool = False) -> None:
        super().__init__(edit.description)
        self.graph = graph
        self.edit = edit
        self._skip_first_redo = applied

    def redo(self) -> None:
        if self._skip_first_redo:  # the document applied it already, to catch refusals
            self._skip_first_redo = False
            return
        self.edit.apply(self.graph)

    def undo(self) -> None:
        self.edit.revert(self.graph)

    def id(self) -> int:
        if isinstance(self.edit, SetParam):
            return SET_PARAM_ID
        return -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Typing a number into one field is one undo step: successive SetParam edits of
        the same field merge, keeping the oldest value as the undo target."""
        if not isinstance(other, EditCommand):
            return False
        mine, theirs = self.edit, other.edit
        if isinstance(mine, SetParam) and isinstance(theirs, SetParam):
            return mine.merge(theirs)
        return False


__all__ = ["MOVE_ID", "EditCommand", "MoveNodes"]
