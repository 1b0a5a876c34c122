"""`ResultsView`: what a finished run achieved, and the history of runs to compare.

It only draws the frozen `RunResults` computed in the training thread (metrics, confusion
matrix, sample predictions, decision-boundary grid), so showing an old run from the history
is as cheap as showing the latest and never touches a model. The history is a
`RunHistoryView` of the window's `RunList`, which keeps runs across restarts.

The views sit side by side, each as wide as its data needs: the runs and metrics in a
narrow column, the confusion matrix as wide as its classes, the decision boundary (only
for data that has one) square, and the validation samples take the rest. `needed_height`
says how tall the view must be to show a confusion matrix without scrolling.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.catalog.objectives import format_metric, metric_label
from designer.training.results import RunRecord, RunResults
from designer.training.run_list import RunList
from designer.ui.training.boundary_view import BoundaryView, class_color, mix
from designer.ui.training.run_history_view import Confirm, RunHistoryView

ROW_HEIGHT = 22
COMPACT_ROW_HEIGHT = 20  # the confusion matrix and the samples: ten rows in 200 px
MAX_CONFUSION_SHARE = 0.4  # of the view's width; more classes than fit scroll
MAX_BOUNDARY_SHARE = 0.35
SIDE_COLUMN_WIDTH = 220
BOUNDARY_SIDE = 220  # a decision boundary smaller than this is hard to read
MIN_SECTION_WIDTH = 130  # each view can shrink this far in a narrow window (and scroll)
SECTION_MARGIN = 4
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum"


class _FittingTable(QTableWidget):
    """A table whose columns share its width when they all fit, and otherwise keep the
    width of their contents and scroll (see `_fit_columns`), whatever resizes it."""

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        _fit_columns(self)


def _table(columns: Sequence[str], fitting: bool = False) -> QTableWidget:
    table = (_FittingTable if fitting else QTableWidget)(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    table.verticalHeader().setMinimumSectionSize(ROW_HEIGHT)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return table


def _content_height(table: QTableWidget) -> int:
    """The height showing every row of ``table`` and its header."""
    header = table.horizontalHeader().sizeHint().height()
    return table.verticalHeader().length() + header + 2 * table.frameWidth()


def _fit_columns(table: QTableWidget, narrow: int = 1) -> None:
    """Share the table's width between its columns (but the first ``narrow`` ones) when
    all fit, else size each to its contents and scroll sideways (equal shares cut
    "Predicted" to "edict")."""
    header = table.horizontalHeader()
    wanted = sum(
        max(header.sectionSizeFromContents(i).width(), table.sizeHintForColumn(i))
        for i in range(header.count())
    )
    fits = wanted <= table.viewport().width()
    mode = QHeaderView.ResizeMode.Stretch if fits else QHeaderView.ResizeMode.ResizeToContents
    header.setSectionResizeMode(mode)
    for column in range(min(narrow, header.count())):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)


def _cell(text: str, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    return item


class _Section(QWidget):
    """A titled box that shows its content or, when there is none, a short reason."""

    def __init__(self, title: str, content: QWidget, empty_text: str) -> None:
        super().__init__()
        heading = QLabel(title)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.empty_label = QLabel(empty_text)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: palette(placeholder-text);")
        self.preferred_width: int | None = None
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_label)
        self.pages.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(*(SECTION_MARGIN,) * 4)
        layout.setSpacing(SECTION_MARGIN)
        layout.addWidget(heading)
        layout.addWidget(self.pages, 1)
        self.heading = heading

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.preferred_width is not None:
            hint.setWidth(self.preferred_width)
        return hint

    def show_content(self, shown: bool, empty_text: str | None = None) -> None:
        if empty_text:
            self.empty_label.setText(empty_text)
        self.pages.setCurrentIndex(1 if shown else 0)

    @property
    def has_content(self) -> bool:
        return self.pages.currentIndex() == 1


class ResultsView(QWidget):
    """Final metrics, confusion matrix, predictions and decision boundary of a run, and
    the list of ``runs`` (its own, in memory only, when none is given); checked runs are
    overlaid in the live plots. ``confirm(question)`` asks before a run is deleted.

    Signals:
        overlays_changed(list): the checked `RunRecord`s changed.
        restore_requested(object, str): restore a run's "design", "settings" or "both".
        compare_requested(object): compare a run's design with the current one.
    """

    overlays_changed = Signal(list)
    restore_requested = Signal(object, str)
    compare_requested = Signal(object)

    def __init__(
        self,
        runs: RunList | None = None,
        confirm: Confirm | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("resultsView")
        self.runs = runs if runs is not None else RunList()
        self.run_history = RunHistoryView(self.runs, confirm)
        self.history = self.run_history.list
        self.run_history.current_changed.connect(self._on_run_history_current_changed)
        self.run_history.overlays_changed.connect(self.overlays_changed)
        self.run_history.restore_requested.connect(self.restore_requested)
        self.run_history.compare_requested.connect(self.compare_requested)
        self.metrics_table = _table(["Metric", "Value"], fitting=True)
        self.confusion_table = _table([])
        self.confusion_table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.predictions_table = _table(["#", "True", "Predicted", "Probability"], fitting=True)
        self.confusion_table.setToolTip("Rows: true class · columns: predicted class")
        self.boundary_widget = BoundaryView()
        self.sections = {
            "history": _Section("Runs", self.run_history, ""),
            "metrics": _Section("Final metrics", self.metrics_table, "No results yet."),
            "confusion": _Section(
                "Confusion matrix",
                self.confusion_table,
                "Classification runs show a confusion matrix here.",
            ),
            "predictions": _Section(
                "Validation samples", self.predictions_table, "No predictions yet."
            ),
            "boundary": _Section(
                "Decision boundary", self.boundary_widget, "Shown for data with 2 input features."
            ),
        }
        self.sections["history"].show_content(True)  # with its store line, even when empty
        self._layout()

    def _layout(self) -> None:
        s = self.sections
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(s["history"])
        side.addWidget(s["metrics"])
        side.setStretchFactor(0, 3)  # the runs first: a list to choose from
        side.setStretchFactor(1, 2)
        side.setMaximumWidth(SIDE_COLUMN_WIDTH)
        side.setMinimumWidth(MIN_SECTION_WIDTH)
        self.side_column = side
        for name in ("confusion", "predictions", "boundary"):
            s[name].setMinimumWidth(MIN_SECTION_WIDTH)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for widget, stretch in (
            (side, 0),
            (s["confusion"], 0),
            (s["predictions"], 1),
            (s["boundary"], 0),
        ):
            layout.addWidget(widget, stretch)
        for table in (self.confusion_table, self.predictions_table):
            table.verticalHeader().setMinimumSectionSize(COMPACT_ROW_HEIGHT)
            table.verticalHeader().setDefaultSectionSize(COMPACT_ROW_HEIGHT)
        self.confusion_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.confusion_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        s["confusion"].hide()
        s["boundary"].hide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._size_sections()

    def _size_sections(self) -> None:
        """Give the confusion matrix the width of its classes and the boundary a square."""
        width = max(self.width(), 1)
        confusion = self.sections["confusion"]
        if not confusion.isHidden():
            wanted = self._table_width(self.confusion_table) + 2 * SECTION_MARGIN
            confusion.preferred_width = min(wanted, int(MAX_CONFUSION_SHARE * width))
            confusion.setMaximumWidth(wanted)
            confusion.updateGeometry()
        boundary = self.sections["boundary"]
        if not boundary.isHidden():
            side = self.height() - boundary.heading.sizeHint().height() - 3 * SECTION_MARGIN
            boundary.preferred_width = min(side, int(MAX_BOUNDARY_SHARE * width))
            boundary.setMaximumWidth(max(side, MIN_SECTION_WIDTH))
            boundary.updateGeometry()

    @staticmethod
    def _table_width(table: QTableWidget) -> int:
        """The width showing every column, and the scroll bar when not every row fits."""
        header = table.horizontalHeader()
        labels = table.verticalHeader()
        width = header.length() + 2 * table.frameWidth()
        width += labels.sizeHint().width() if not labels.isHidden() else 0
        rows = labels.length() + header.sizeHint().height() + 2 * table.frameWidth()
        if rows > table.height():
            width += table.verticalScrollBar().sizeHint().width()
        return width

    def needed_height(self) -> int:
        """The height at which the final metrics and the shown confusion matrix need no
        scrolling, a few runs show above the metrics, and a shown decision boundary is
        large enough to read; 0 when nothing is shown. (The samples have rows as
        compact, so as many show.)"""
        needs = [0]
        if self.sections["metrics"].has_content:  # every output's metrics, runs above them
            heading = self.sections["metrics"].heading.sizeHint().height()
            runs = self.run_history.needed_height()
            needs.append(_content_height(self.metrics_table) + 2 * heading + runs)
        if not self.sections["confusion"].isHidden():
            heading = self.sections["confusion"].heading.sizeHint().height()
            needs.append(_content_height(self.confusion_table) + heading + 3 * SECTION_MARGIN)
        if not self.sections["boundary"].isHidden():
            heading = self.sections["boundary"].heading.sizeHint().height()
            needs.append(BOUNDARY_SIDE + heading + 3 * SECTION_MARGIN)
        return max(needs)

    # ---------------------------------------------------------------- history
    @property
    def records(self) -> list[RunRecord]:
        return self.run_history.records

    def checked_records(self) -> list[RunRecord]:
        return self.run_history.checked_records()

    def add_run(self, record: RunRecord) -> None:
        """Add a finished run to the history (unchecked) and show its results."""
        self.runs.add(record)

    def current_record(self) -> RunRecord | None:
        """The run selected in the history (the newest one after a run), or None."""
        return self.run_history.current_record()

    def _on_run_history_current_changed(self, record: RunRecord | None) -> None:
        self.show_results(record.results if record is not None else None)

    # ---------------------------------------------------------------- results
    def show_results(self, results: RunResults | None) -> None:
        """Fill every section from ``results`` (None empties them)."""
        self._show_metrics(results)
        self._show_confusion(results)
        self._show_predictions(results)
        self._show_boundary(results)

    def _show_metrics(self, results: RunResults | None) -> None:
        metrics = dict(results.metrics) if results is not None else {}
        table = self.metrics_table
        table.setRowCount(len(metrics))
        for row, (name, value) in enumerate(metrics.items()):
            text = format_metric(name, value)
            label = metric_label(name)
            table.setItem(row, 0, _cell(label[:1].upper() + label[1:], Qt.AlignmentFlag.AlignLeft))
            table.setItem(row, 1, _cell(text, Qt.AlignmentFlag.AlignRight))
        section = self.sections["metrics"]
        section.show_content(bool(metrics))
        _fit_columns(table)
        # NOTE: no taller than its rows, so the splitter gives the rest to the runs above
        wanted = _content_height(table) + section.heading.sizeHint().height()
        section.setMaximumHeight(wanted + 3 * SECTION_MARGIN if metrics else QWIDGETSIZE_MAX)

    def _show_confusion(self, results: RunResults | None) -> None:
        matrix = results.confusion if results is not None else None
        section = self.sections["confusion"]
        section.setHidden(matrix is None)
        if matrix is None:
            section.show_content(False)
            return
        names = list(results.class_names) or [str(i) for i in range(len(matrix))]
        table = self.confusion_table
        table.setRowCount(len(matrix))
        table.setColumnCount(len(matrix))
        table.setHorizontalHeaderLabels(names)
        table.setVerticalHeaderLabels(names)
        table.verticalHeader().setVisible(True)
        base = self.palette().color(QPalette.ColorRole.Base)
        totals = np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        for row in range(len(matrix)):
            for column in range(len(matrix)):
                share = matrix[row, column] / totals[row, 0]
                accent = class_color(0) if row == column else QColor("#dc2626")
                color = mix(base, accent, 0.85 * share)
                item = _cell(str(int(matrix[row, column])))
                item.setBackground(QBrush(color))
                item.setForeground(QBrush(QColor("white" if color.lightness() < 140 else "black")))
                item.setToolTip(f"true {names[row]}, predicted {names[column]}: {share:.0%}")
                table.setItem(row, column, item)
        section.show_content(True)
        self._size_sections()

    def _show_predictions(self, results: RunResults | None) -> None:
        predictions = results.predictions if results is not None else ()
        table = self.predictions_table
        table.setRowCount(len(predictions))
        wrong = QBrush(QColor("#dc2626"))
        for row, p in enumerate(predictions):
            probability = f"{p.probability:.1%}" if p.probability is not None else "–"
            cells = (str(p.index + 1), p.true, p.predicted, probability)
            for column, text in enumerate(cells):
                item = _cell(text)
                if results.task == "classification" and not p.correct:
                    item.setForeground(wrong)
                    font = QFont(item.font())
                    font.setBold(column == 2)
                    item.setFont(font)
                table.setItem(row, column, item)
        self.sections["predictions"].show_content(bool(predictions))
        _fit_columns(table)

    def _show_boundary(self, results: RunResults | None) -> None:
        boundary = results.boundary if results is not None else None
        section = self.sections["boundary"]
        section.setHidden(boundary is None)
        classified = results is not None and results.task == "classification"
        self.boundary_widget.show_boundary(boundary, classified)
        section.show_content(boundary is not None)
        if boundary is not None:
            self._size_sections()

    def apply_palette(self, palette: QPalette) -> None:
        """Match the boundary plot to the window's colours and redraw the shown run."""
        self.boundary_widget.apply_palette(palette)
        current = self.current_record()
        if current is not None:
            self.show_results(current.results)

    @property
    def has_boundary(self) -> bool:
        return self.sections["boundary"].has_content

    @property
    def has_confusion(self) -> bool:
        return self.sections["confusion"].has_content
