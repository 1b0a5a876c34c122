"""Thin `QUndoCommand`s over the pure invertible edits of `designer.model.edits`, and over
the project's frozen data and training settings.

`GraphDocument` applies each change itself first, so a `GraphError` is caught before
anything reaches the stack; the command then skips the ``redo`` that `QUndoStack.push` calls.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from designer.model import Graph, Project
from designer.model.edits import Compound, Edit, MoveNodes, SetParam
from designer.model.settings import DataSettings, TrainingSettings
from designer.model.sweep import SweepSettings

SET_PARAM_ID = 1001
MOVE_ID = 1002
SETTINGS_ID = 1003
SECTIONS = ("data", "training", "sweep")

Settings = DataSettings | TrainingSettings | SweepSettings


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


def changed_fields(old: Settings, new: Settings) -> tuple[str, ...]:
    """The names of the settings whose values differ between ``old`` and ``new``."""
    return tuple(
        f.name for f in dataclasses.fields(old) if getattr(old, f.name) != getattr(new, f.name)
    )


class SettingsCommand(QUndoCommand):
    """Replaces the project's ``data``, ``training`` or ``sweep`` settings, together with
    the graph edit the new settings call for (fitting the design to a newly chosen data
    set, or the layer parameters of a sweep's best trial), so that undo restores both and
    redo re-applies both.

    ``notify(section)`` is called after every change, so the views showing the settings
    follow undo and redo. Successive changes of the same single setting merge into one
    step, as parameter edits do: typing a number, or stepping a spin box, is one step.
    Commands with a ``merge_key`` merge only with commands of the same key (a sweep's
    settings are one list, and its edits of one range merge, not those of two ranges);
    a command that is not ``mergeable`` is always a step of its own.
    """

    def __init__(
        self,
        project: Project,
        section: str,
        old: Settings,
        new: Settings,
        notify: Callable[[str], None],
        fit: Edit | None = None,
        description: str = "Change settings",
        mergeable: bool = True,
        merge_key: str = "",
    ) -> None:
        super().__init__(description)
        if section not in SECTIONS:
            raise ValueError(f"unknown settings section {section!r}")
        self.project, self.section = project, section
        self.old, self.new, self.fit = old, new, fit
        self._notify = notify
        self._fields = changed_fields(old, new)
        self.mergeable, self.merge_key = mergeable, merge_key
        self._skip_first_redo = True  # `GraphDocument` applies the change before pushing

    @property
    def fields(self) -> tuple[str, ...]:
        return self._fields

    def redo(self) -> None:
        if self._skip_first_redo:
            self._skip_first_redo = False
            return
        setattr(self.project, self.section, self.new)
        if self.fit is not None:
            self.fit.apply(self.project.graph)
        self._notify(self.section)

    def undo(self) -> None:
        if self.fit is not None:
            self.fit.revert(self.project.graph)
        setattr(self.project, self.section, self.old)
        self._notify(self.section)

    def id(self) -> int:
        return SETTINGS_ID if self.mergeable else -1  # QUndoStack never merges -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SettingsCommand) or other.section != self.section:
            return False
        if not other.mergeable or other.merge_key != self.merge_key:
            return False
        if len(self._fields) != 1 or other.fields != self._fields:
            return False
        self.new = other.new
        fits = [edit for edit in (self.fit, other.fit) if edit is not None]
        self.fit = fits[0] if len(fits) == 1 else Compound(fits, other.text()) if fits else None
        if other.fit is not None:
            self.setText(other.text())
        self.setObsolete(self.new == self.old and self.fit is None)
        return True


__all__ = ["MOVE_ID", "EditCommand", "MoveNodes", "SettingsCommand", "changed_fields"]
