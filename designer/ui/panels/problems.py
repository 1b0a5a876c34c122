"""`ProblemsPanel`: the analysis problems of the design, errors first.

Clicking a problem selects its node and emits ``node_focus_requested`` so the window can
centre the canvas on it; the panel itself knows nothing about the canvas. `ProblemRows`
shows a few problems as marked lines of text (the inspector's list for one layer).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from designer.model import Problem
from designer.ui import theme
from designer.ui.document import GraphDocument

NODE_ROLE = Qt.ItemDataRole.UserRole
NO_PROBLEMS_TEXT = "No problems: the design is valid."
EMPTY_DESIGN_TEXT = "The design is empty: add layers from the palette to begin."


class ProblemsPanel(QWidget):
    """A list of the document's problems with severity icons.

    Signals:
        node_focus_requested(str): the user picked a problem of this node.
        count_changed(int, int): the number of errors and warnings changed.
    """

    node_focus_requested = Signal(str)
    count_changed = Signal(int, int)

    def __init__(self, document: GraphDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problems")
        self._document = document
        self._counts = (-1, -1)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.itemClicked.connect(self._on_list_item_clicked)
        self.list.itemActivated.connect(self._on_list_item_clicked)
        self.empty_label = QLabel(NO_PROBLEMS_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: palette(placeholder-text);")
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty_label)
        self.pages.addWidget(self.list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        self._on_document_analysis_changed()

    @property
    def problems(self) -> list[Problem]:
        """The problems in display order: errors before warnings, then as inferred."""
        problems = self._document.analysis.problems
        return sorted(problems, key=lambda p: not p.is_error)

    def _on_document_analysis_changed(self) -> None:
        empty = len(self._document.graph) == 0
        # NOTE: "no Input, no Output" on a blank canvas is noise, not news.
        problems = [] if empty else self.problems
        self.empty_label.setText(EMPTY_DESIGN_TEXT if empty else NO_PROBLEMS_TEXT)
        error_icon, warning_icon = theme.status_icon("error"), theme.status_icon("warning")
        self.list.clear()
        for problem in problems:
            item = QListWidgetItem(
                error_icon if problem.is_error else warning_icon, problem.message
            )
            item.setData(NODE_ROLE, problem.node_id)
            item.setToolTip(problem.message)
            self.list.addItem(item)
        self.pages.setCurrentIndex(1 if problems else 0)
        errors = sum(p.is_error for p in problems)
        counts = (errors, len(problems) - errors)
        if counts != self._counts:
            self._counts = counts
            self.count_changed.emit(*counts)

    def _on_list_item_clicked(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id and node_id in self._document.graph.nodes:
            self._document.set_selection([node_id])
            self.node_focus_requested.emit(node_id)


class ProblemRows(QWidget):
    """Problems as lines of wrapped text, each after its drawn error or warning mark."""

    ICON_SIZE = 16

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemRows")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 4, 0, 0)
        self._grid.setHorizontalSpacing(6)
        self._grid.setColumnStretch(1, 1)
        self.rows: list[tuple[QLabel, QLabel]] = []
        self._shown: tuple[Problem, ...] = ()
        self.hide()

    def set_problems(self, problems: Sequence[Problem]) -> None:
        """Show ``problems`` (errors first); hidden when there are none."""
        if tuple(problems) == self._shown:
            return
        self._shown = tuple(problems)
        for icon, text in self.rows:
            for widget in (icon, text):
                self._grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
        self.rows = []
        ordered = sorted(problems, key=lambda p: not p.is_error)
        for row, problem in enumerate(ordered):
            kind = "error" if problem.is_error else "warning"
            icon = QLabel()
            icon.setPixmap(theme.status_icon(kind).pixmap(self.ICON_SIZE, self.ICON_SIZE))
            icon.setAccessibleName(kind)
            icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            text = QLabel(problem.message)
            text.setTextFormat(Qt.TextFormat.PlainText)
            text.setWordWrap(True)
            text.setStyleSheet(f"color: {theme.status_colour(kind)};")
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._grid.addWidget(icon, row, 0)
            self._grid.addWidget(text, row, 1)
            self.rows.append((icon, text))
        self.setVisible(bool(self.rows))
