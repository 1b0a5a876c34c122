"""`ProblemsPanel`: the analysis problems of the design, errors first.

Clicking a problem selects its node and emits ``node_focus_requested`` so the window can
centre the canvas on it; the panel itself knows nothing about the canvas.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from designer.model import Problem
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
        style = self.style()
        error_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        warning_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
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
