"""`ResultsView`: what a finished run achieved, and the history of runs to compare.

It only draws the frozen `RunResults` computed in the training thread (metrics, confusion
matrix, sample predictions, decision-boundary grid), so showing an old run from the history
is as cheap as showing the latest and never touches a model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.training.results import DecisionBoundary, RunRecord, RunResults

CLASS_COLORS = (
    "#2563eb", "#ea580c", "#16a34a", "#dc2626", "#9333ea",
    "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d",
)  # fmt: skip
RECORD_ROLE = Qt.ItemDataRole.UserRole
ROW_HEIGHT = 22
METRIC_LABELS = {"val_loss": "Validation loss", "accuracy": "Accuracy", "mae": "MAE", "r2": "R²"}


def class_color(index: int) -> QColor:
    return QColor(CLASS_COLORS[index % len(CLASS_COLORS)])


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` blended towards ``b`` by ``t`` (0..1)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def _table(columns: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    table.verticalHeader().setMinimumSectionSize(ROW_HEIGHT)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return table


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
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_label)
        self.pages.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(heading)
        layout.addWidget(self.pages, 1)

    def show_content(self, shown: bool, empty_text: str | None = None) -> None:
        if empty_text:
            self.empty_label.setText(empty_text)
        self.pages.setCurrentIndex(1 if shown else 0)

    @property
    def has_content(self) -> bool:
        return self.pages.currentIndex() == 1


class ResultsView(QWidget):
    """Final metrics, confusion matrix, predictions and decision boundary of a run, and
    the list of runs; checked runs are overlaid in the live plots.

    Signals:
        overlays_changed(list): the checked `RunRecord`s changed.
    """

    overlays_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsView")
        self.history = QListWidget()
        self.history.setToolTip("Finished runs; tick a run to overlay its curves")
        self.history.currentItemChanged.connect(self._on_history_current_item_changed)
        self.history.itemChanged.connect(self._on_history_item_changed)
        self.metrics_table = _table(["Metric", "Value"])
        self.metrics_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.confusion_table = _table([])
        self.confusion_table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.predictions_table = _table(["#", "True", "Predicted", "Probability"])
        self.predictions_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.confusion_table.setToolTip("Rows: true class · columns: predicted class")
        self._build_boundary()
        self.sections = {
            "history": _Section("Runs", self.history, "No runs yet."),
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
        self._layout()

    def _build_boundary(self) -> None:
        self.boundary_widget = pg.PlotWidget()
        plot = self.boundary_plot = self.boundary_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setLabel("bottom", "x1 (standardized)")
        plot.setLabel("left", "x2 (standardized)")
        self.boundary_image = pg.ImageItem(axisOrder="row-major")
        self.boundary_curve = pg.IsocurveItem(
            level=0.5, pen=pg.mkPen("#111827", width=1), axisOrder="row-major"
        )
        self.boundary_curve.setParentItem(self.boundary_image)
        self.boundary_points = pg.ScatterPlotItem(size=6, pxMode=True)
        plot.addItem(self.boundary_image)
        plot.addItem(self.boundary_points)
        self.boundary_widget.setMinimumSize(180, 150)
        self.apply_palette(self.palette())

    def _layout(self) -> None:
        s = self.sections
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(s["history"])
        left.addWidget(s["metrics"])
        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(s["confusion"])
        middle.addWidget(s["predictions"])
        left.setMinimumWidth(150)
        middle.setMinimumWidth(200)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for widget in (left, middle, s["boundary"]):
            self.splitter.addWidget(widget)
        for index, stretch in enumerate((3, 4, 3)):
            self.splitter.setStretchFactor(index, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    # ---------------------------------------------------------------- history
    @property
    def records(self) -> list[RunRecord]:
        return [self.history.item(i).data(RECORD_ROLE) for i in range(self.history.count())]

    def checked_records(self) -> list[RunRecord]:
        items = (self.history.item(i) for i in range(self.history.count()))
        return [i.data(RECORD_ROLE) for i in items if i.checkState() == Qt.CheckState.Checked]

    def add_run(self, record: RunRecord) -> None:
        """Add a finished run to the history (unchecked) and show its results."""
        item = QListWidgetItem(record.summary.replace(" · ", "\n", 1))
        item.setData(RECORD_ROLE, record)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        item.setToolTip(f"{record.summary}\nTick to overlay its curves in the plots")
        self.history.addItem(item)
        self.history.setCurrentItem(item)
        self.sections["history"].show_content(True)

    def clear_history(self) -> None:
        self.history.clear()
        self.sections["history"].show_content(False)
        self.show_results(None)
        self.overlays_changed.emit([])

    def _on_history_current_item_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        record = current.data(RECORD_ROLE) if current is not None else None
        self.show_results(record.results if record is not None else None)

    def _on_history_item_changed(self, _item: QListWidgetItem) -> None:
        self.overlays_changed.emit(self.checked_records())

    # ---------------------------------------------------------------- results
    def show_results(self, results: RunResults | None) -> None:
        """Fill every section from ``results`` (None empties them)."""
        self._show_metrics(results)
        self._show_confusion(results)
        self._show_predictions(results)
        self._show_boundary(results.boundary if results is not None else None, results)

    def _show_metrics(self, results: RunResults | None) -> None:
        metrics = dict(results.metrics) if results is not None else {}
        table = self.metrics_table
        table.setRowCount(len(metrics))
        for row, (name, value) in enumerate(metrics.items()):
            text = f"{value:.2%}" if name == "accuracy" else f"{value:.4g}"
            table.setItem(row, 0, _cell(METRIC_LABELS.get(name, name), Qt.AlignmentFlag.AlignLeft))
            table.setItem(row, 1, _cell(text, Qt.AlignmentFlag.AlignRight))
        self.sections["metrics"].show_content(bool(metrics))

    def _show_confusion(self, results: RunResults | None) -> None:
        matrix = results.confusion if results is not None else None
        section = self.sections["confusion"]
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
                color = _mix(base, accent, 0.85 * share)
                item = _cell(str(int(matrix[row, column])))
                item.setBackground(QBrush(color))
                item.setForeground(QBrush(QColor("white" if color.lightness() < 140 else "black")))
                item.setToolTip(f"true {names[row]}, predicted {names[column]}: {share:.0%}")
                table.setItem(row, column, item)
        section.show_content(True)

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

    def _show_boundary(self, boundary: DecisionBoundary | None, results: RunResults | None) -> None:
        section = self.sections["boundary"]
        if boundary is None:
            section.show_content(False)
            self.boundary_image.clear()
            self.boundary_points.clear()
            return
        base = self.palette().color(QPalette.ColorRole.Base)
        x0, x1, y0, y1 = boundary.extent
        self.boundary_image.setImage(boundary.values, lut=_lookup_table(boundary, base))
        self.boundary_image.setLevels(_levels(boundary))
        self.boundary_image.setRect(x0, y0, x1 - x0, y1 - y0)
        self.boundary_curve.setVisible(boundary.kind == "probability")
        if boundary.kind == "probability":
            self.boundary_curve.setData(boundary.values, level=0.5)
        classified = results is not None and results.task == "classification"
        brushes = [
            pg.mkBrush(class_color(int(label)) if classified else QColor("#4b5563"))
            for label in boundary.labels
        ]
        self.boundary_points.setData(
            pos=boundary.points, brush=brushes, pen=pg.mkPen(base, width=1)
        )
        self.boundary_plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        section.show_content(True)

    def apply_palette(self, palette: QPalette) -> None:
        """Match the boundary plot to the window's colours and redraw the shown run."""
        self.boundary_widget.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.WindowText)
        for name in ("left", "bottom"):
            axis = self.boundary_plot.getAxis(name)
            axis.setPen(pg.mkPen(text, width=1))
            axis.setTextPen(pg.mkPen(text))
        current = self.history.currentItem()
        if current is not None:
            self.show_results(current.data(RECORD_ROLE).results)

    @property
    def has_boundary(self) -> bool:
        return self.sections["boundary"].has_content

    @property
    def has_confusion(self) -> bool:
        return self.sections["confusion"].has_content


def _levels(boundary: DecisionBoundary) -> tuple[float, float]:
    if boundary.kind == "probability":
        return 0.0, 1.0
    if boundary.kind == "class":
        return 0.0, float(max((boundary.num_classes or 2) - 1, 1))
    values = boundary.values
    return float(np.nanmin(values)), float(np.nanmax(values)) + 1e-12


def _lookup_table(boundary: DecisionBoundary, base: QColor) -> np.ndarray:
    """Pale class colours, so the validation points drawn on top stay readable."""
    if boundary.kind == "class":
        count = max(boundary.num_classes or 2, 2)
        colors = [_mix(base, class_color(i), 0.35) for i in range(count)]
    elif boundary.kind == "probability":
        low, high = _mix(base, class_color(0), 0.45), _mix(base, class_color(1), 0.45)
        colors = [
            _mix(low, base, t / 127) if t < 128 else _mix(base, high, (t - 128) / 127)
            for t in range(256)
        ]
    else:
        return pg.colormap.get("viridis").getLookupTable(nPts=256, alpha=False)
    return np.array([[c.red(), c.green(), c.blue()] for c in colors], dtype=np.uint8)
