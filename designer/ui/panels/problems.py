"""`ProblemsPanel`: the analysis problems of the design (of the opened block, while one
is open on the canvas), errors first.

Clicking a problem selects its node and emits ``node_focus_requested`` so the window can
centre the canvas on it; the panel itself knows nothing about the canvas. A linter
finding shows its rule id, its explanation as a tooltip, a *Fix* button when its rule
has a quick fix (one undo step) and *Silence…*, which asks for a reason and saves it on
the layer. `ProblemRows` shows a few problems as marked lines of text (the inspector's
list for one layer), a finding with its rule's explanation beneath.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
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
from designer.model.lint import RULES, can_silence
from designer.ui import theme
from designer.ui.document import GraphDocument
from designer.ui.panels.finding_row import (
    ROW_ROLE,
    FindingRow,
    ReasonAsker,
    RowDelegate,
    ask_reason,
)

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

    def __init__(
        self,
        document: GraphDocument,
        parent: QWidget | None = None,
        ask: ReasonAsker = ask_reason,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("problems")
        self._document = document
        self._ask = ask
        self._counts = (-1, -1)
        self.rows: dict[int, FindingRow] = {}  # by list row
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.setItemDelegate(RowDelegate(self.list))
        self.list.itemClicked.connect(self._on_list_item_clicked)
        self.list.itemActivated.connect(self._on_list_item_clicked)
        self.list.itemSelectionChanged.connect(self._on_list_item_selection_changed)
        self.list.viewport().installEventFilter(self)
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
        problems = self._document.view_analysis.problems
        return sorted(problems, key=lambda p: not p.is_error)

    def _on_document_analysis_changed(self) -> None:
        empty = len(self._document.view_graph) == 0
        # NOTE: "no Input, no Output" on a blank canvas is noise, not news.
        problems = [] if empty else self.problems
        self.empty_label.setText(EMPTY_DESIGN_TEXT if empty else NO_PROBLEMS_TEXT)
        error_icon, warning_icon = theme.status_icon("error"), theme.status_icon("warning")
        self.list.clear()
        self.rows = {}
        for problem in problems:
            item = QListWidgetItem(
                error_icon if problem.is_error else warning_icon, problem.message
            )
            item.setData(NODE_ROLE, problem.node_id)
            item.setToolTip(problem.message)
            self.list.addItem(item)
            if problem.rule in RULES:
                self._add_row(item, problem)
        self._fit_rows()
        self.pages.setCurrentIndex(1 if problems else 0)
        errors = sum(p.is_error for p in problems)
        counts = (errors, len(problems) - errors)
        if counts != self._counts:
            self._counts = counts
            self.count_changed.emit(*counts)

    def _add_row(self, item: QListWidgetItem, problem: Problem) -> None:
        """Lay a `FindingRow` over ``item``, with its actions wired to ``problem``."""
        # NOTE: made with its parent, so that Qt owns it: the list deletes it with its item,
        # and dropping the Python reference (a rebuild) must not delete it under the list.
        row = FindingRow(problem, can_silence(problem), self.list.viewport())
        row.fix_clicked.connect(self._on_row_fix_clicked)
        row.silence_clicked.connect(self._on_row_silence_clicked)
        row.pressed.connect(self._on_row_pressed)
        item.setData(ROW_ROLE, True)
        item.setToolTip(row.toolTip())
        self.list.setItemWidget(item, row)
        self.rows[self.list.row(item)] = row

    def _fit_rows(self) -> None:
        """Give each row's item the height its wrapped text needs at the list's width."""
        width = self.list.viewport().width()
        for index, row in self.rows.items():
            self.list.item(index).setSizeHint(QSize(width, row.heightForWidth(width)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.list.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_rows()
        return super().eventFilter(watched, event)

    def _on_row_fix_clicked(self, problem: Problem) -> None:
        self._document.apply_fix(problem)

    def _on_row_silence_clicked(self, problem: Problem) -> None:
        """Ask why the finding does not apply, and silence it on its layer with that."""
        if problem.node_id is None or problem.rule is None:
            return
        reason = self._ask(self, problem)
        if reason:
            self._document.silence(problem.node_id, problem.rule, reason)

    def _on_row_pressed(self, problem: Problem) -> None:
        for index, row in self.rows.items():
            if row.problem is problem:
                item = self.list.item(index)
                self.list.setCurrentItem(item)
                self._on_list_item_clicked(item)

    def _on_list_item_selection_changed(self) -> None:
        for index, row in self.rows.items():
            row.set_selected(self.list.item(index).isSelected())

    def _on_list_item_clicked(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id and node_id in self._document.view_graph.nodes:
            self._document.set_selection([node_id])
            self.node_focus_requested.emit(node_id)


class ProblemRows(QWidget):
    """Problems as lines of wrapped text, each after its drawn error or warning mark; a
    linter finding with its rule's id, title and explanation beneath."""

    ICON_SIZE = 16

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemRows")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 4, 0, 0)
        self._grid.setHorizontalSpacing(6)
        self._grid.setColumnStretch(1, 1)
        self.rows: list[tuple[QLabel, QLabel]] = []
        self.explanations: list[QLabel] = []
        self._shown: tuple[Problem, ...] = ()
        self.hide()

    def set_problems(self, problems: Sequence[Problem]) -> None:
        """Show ``problems`` (errors first); hidden when there are none."""
        if tuple(problems) == self._shown:
            return
        self._shown = tuple(problems)
        for widget in [w for pair in self.rows for w in pair] + self.explanations:
            self._grid.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self.rows, self.explanations = [], []
        line = 0
        for problem in sorted(problems, key=lambda p: not p.is_error):
            kind = "error" if problem.is_error else "warning"
            icon = QLabel()
            icon.setPixmap(theme.status_icon(kind).pixmap(self.ICON_SIZE, self.ICON_SIZE))
            icon.setAccessibleName(kind)
            icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            text = _wrapped(problem.message)
            text.setStyleSheet(f"color: {theme.status_colour(kind)};")
            self._grid.addWidget(icon, line, 0)
            self._grid.addWidget(text, line, 1)
            self.rows.append((icon, text))
            line += 1
            rule = RULES.get(problem.rule or "")
            if rule is not None:
                explanation = _wrapped(f"{rule.id} · {rule.title}. {rule.explanation}")
                explanation.setStyleSheet("color: palette(placeholder-text); font-size: 8pt;")
                self._grid.addWidget(explanation, line, 1)
                self.explanations.append(explanation)
                line += 1
        self.setVisible(bool(self.rows))


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
