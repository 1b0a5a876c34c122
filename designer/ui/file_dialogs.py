"""`FileDialogs`: every question that file handling asks the user, one method each.

Kept apart from `designer.ui.files.FileController` (the logic that decides when to ask)
so that tests replace these modal windows with answers instead of clicking through them,
and so that the window, autosave and the importer share the one project file filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from designer.io import EXTENSION
from designer.model import Problem
from designer.ui.export_checks import export_problems_box

PROJECT_SUFFIX = EXTENSION
PROJECT_FILTER = f"NN Designer projects (*{PROJECT_SUFFIX});;All files (*)"
UNSAVED_SAVE, UNSAVED_DISCARD, UNSAVED_CANCEL = "save", "discard", "cancel"


class FileDialogs:
    """The modal questions of file handling, one method each (replaced in tests)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def open_path(self, directory: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(
            self.parent, "Open Project", directory, PROJECT_FILTER
        )
        return Path(path) if path else None

    def compare_path(self, directory: str) -> Path | None:
        """The project to compare the open design with (File > Compare With)."""
        path, _ = QFileDialog.getOpenFileName(
            self.parent, "Compare With Project", directory, PROJECT_FILTER
        )
        return Path(path) if path else None

    def import_source_path(self, directory: str) -> Path | None:
        """The Python file of a model to import (File > Import PyTorch Model)."""
        from designer.ui.import_model import RUNS_CODE, SOURCE_FILTER

        title = f"Import PyTorch Model — {RUNS_CODE}"
        path, _ = QFileDialog.getOpenFileName(self.parent, title, directory, SOURCE_FILTER)
        return Path(path) if path else None

    def import_options(self, path: Path, classes: list[str]):  # -> ImportOptions | None
        """Which class to import, its input shape and weights; None when cancelled."""
        from designer.ui.import_model import ImportOptionsDialog

        dialog = ImportOptionsDialog(path, classes, self.parent)
        return (
            dialog.options() if dialog.exec() == ImportOptionsDialog.DialogCode.Accepted else None
        )

    def save_path(self, title: str, suggested: str, name_filter: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, title, suggested, name_filter)
        return Path(path) if path else None

    def ask_unsaved(self, name: str) -> str:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.warning(
            self.parent,
            "Unsaved Changes",
            f"Do you want to save the changes to “{name}”?\n\n"
            "Your changes will be lost if you don't save them.",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return UNSAVED_SAVE
        if answer == buttons.Discard:
            return UNSAVED_DISCARD
        return UNSAVED_CANCEL

    def ask_restore(self, when: str) -> bool:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.parent,
            "Restore Unsaved Work?",
            "NN Designer did not close properly last time.\n\n"
            f"Restore the design autosaved {when}?",
            buttons.Yes | buttons.No,
            buttons.Yes,
        )
        return answer == buttons.Yes

    def confirm_export(self, what: str, problems: Sequence[Problem]) -> bool:
        """Whether to export ``what`` ("the script") although the design has
        ``problems``: lists them, with "Export anyway" and Cancel (the default)."""
        box, export = export_problems_box(self.parent, what, problems)
        box.exec()
        return box.clickedButton() is export

    def error(self, title: str, message: str) -> None:
        QMessageBox.critical(self.parent, title, message)
