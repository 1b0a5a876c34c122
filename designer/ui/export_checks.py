"""What Export says before it writes: the design's problems, and where the file goes.

An exported script of a design with problems fails later, far from the cause (a shape
mismatch with the data shows up as a traceback in someone else's terminal), so Export
lists the problems first and lets the user cancel. The suggested file name is made from
the project name with safe characters only, so it can be typed in a shell and imported
as a Python module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from html import escape

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from designer.model import Problem

DEFAULT_STEM = "model"
EXPORT_ANYWAY_TEXT = "Export anyway"
MAX_LISTED = 12


def export_file_stem(name: str) -> str:
    """``"Digits CNN"`` -> ``"digits_cnn"``: letters, digits and underscores only, lower
    case, never starting with a digit (a script is also a module); ``"model"`` when
    nothing usable is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = "_".join(re.findall(r"[A-Za-z0-9]+", ascii_name)).lower()
    if not stem:
        return DEFAULT_STEM
    return f"{DEFAULT_STEM}_{stem}" if stem[0].isdigit() else stem


def ordered(problems: Sequence[Problem]) -> list[Problem]:
    """Errors before warnings, each in the analysis order."""
    return sorted(problems, key=lambda p: not p.is_error)


def problems_html(problems: Sequence[Problem], limit: int = MAX_LISTED) -> str:
    """The problems as an HTML list, each marked "Error" or "Warning" in words (no symbol
    that needs a particular font), at most ``limit`` of them plus a count of the rest."""
    shown = ordered(problems)[:limit]
    items = "".join(
        f"<li><b>{'Error' if p.is_error else 'Warning'}:</b> {escape(p.message)}</li>"
        for p in shown
    )
    rest = len(problems) - len(shown)
    more = f"<p>… and {rest} more (see the Problems list).</p>" if rest > 0 else ""
    return f"<ul>{items}</ul>{more}"


def summary(problems: Sequence[Problem]) -> str:
    """``"2 errors and 1 warning"``."""
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    parts = [
        f"{count} {word}{'s' * (count != 1)}"
        for count, word in ((errors, "error"), (warnings, "warning"))
        if count
    ]
    return " and ".join(parts)


def export_problems_box(
    parent: QWidget | None, what: str, problems: Sequence[Problem]
) -> tuple[QMessageBox, QPushButton]:
    """The question asked before exporting a design with ``problems``; returns the box
    and its "Export anyway" button (Cancel is the default and the Escape answer)."""
    errors = any(p.is_error for p in problems)
    consequence = "it will probably not run" if errors else "it may not behave as you expect"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Export a Design with Problems")
    box.setText(f"The design has {summary(problems)}; if you export {what} now, {consequence}.")
    box.setInformativeText(problems_html(problems))
    export = box.addButton(EXPORT_ANYWAY_TEXT, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box, export


__all__ = [
    "DEFAULT_STEM",
    "EXPORT_ANYWAY_TEXT",
    "export_file_stem",
    "export_problems_box",
    "ordered",
    "problems_html",
    "summary",
]
