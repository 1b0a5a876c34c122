"""`TrialsModel`: the trials of a sweep as a table: number, state, metric, epochs, one
column per dimension, time and the reason of a failure; the best trial in bold.

Rows follow the controller's `TrialRow`s: a new trial is inserted, a changed one updated
in place, so a selection and the scroll position survive the updates of a running sweep.
Sorting (by clicking a header) uses each cell's raw value, not its text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from designer.catalog.objectives import format_metric, metric_label
from designer.training.sweep_study import FAILED, PRUNED, TrialRow
from designer.training.text import format_duration, format_value

SORT_ROLE = Qt.ItemDataRole.UserRole
STATE_COLORS = {FAILED: "#dc2626", PRUNED: "#a16207"}
Index = QModelIndex | QPersistentModelIndex


class TrialsModel(QAbstractTableModel):
    """The table of trials; `set_trials` shows the current ones."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[TrialRow] = []
        self._keys: tuple[str, ...] = ()
        self._headers: list[str] = []
        self._metric = "val_loss"
        self._best: int | None = None

    def set_trials(
        self,
        rows: Sequence[TrialRow],
        names: Mapping[str, str],
        metric: str,
        best: int | None,
    ) -> None:
        """Show ``rows`` (by trial number), with a column per dimension in ``names``
        (key -> column title); ``best`` is the number of the best trial."""
        rows = sorted(rows, key=lambda row: row.number)
        headers = ["#", "State", metric_label(metric).capitalize(), "Epochs", *names.values()]
        headers += ["Time", "Reason"]
        self._best = best
        same_table = headers == self._headers and tuple(names) == self._keys
        old = [row.number for row in self._rows]
        if not same_table or old != [row.number for row in rows[: len(old)]]:
            self.beginResetModel()
            self._rows, self._keys, self._headers = list(rows), tuple(names), headers
            self._metric = metric
            self.endResetModel()
            return
        if len(rows) > len(old):
            self.beginInsertRows(QModelIndex(), len(old), len(rows) - 1)
            self._rows = list(rows)
            self.endInsertRows()
        else:
            self._rows = list(rows)
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self._headers) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def trial(self, row: int) -> TrialRow:
        return self._rows[row]

    # ------------------------------------------------------------ Qt model
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == SORT_ROLE:
            return self._sort_value(row, column)
        if role == Qt.ItemDataRole.FontRole and row.number == self._best:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == 1 and row.state in STATE_COLORS:
            return QColor(STATE_COLORS[row.state])
        if role == Qt.ItemDataRole.ToolTipRole and row.reason:
            return row.reason
        if role == Qt.ItemDataRole.TextAlignmentRole and 0 < column < len(self._headers) - 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: TrialRow, column: int) -> str:
        if column == 0:
            return str(row.number)
        if column == 1:
            return row.state + (" (best)" if row.number == self._best else "")
        if column == 2:
            if row.value is None or not math.isfinite(row.value):
                return ""
            return format_metric(self._metric, row.value)
        if column == 3:
            return str(row.epoch) if row.epoch else ""
        keys = len(self._keys)
        if column < 4 + keys:
            key = self._keys[column - 4]
            return format_value(row.values[key]) if key in row.values else ""
        if column == 4 + keys:
            return format_duration(row.seconds) if row.seconds is not None else ""
        return row.reason

    def _sort_value(self, row: TrialRow, column: int) -> Any:
        if column == 0:
            return row.number
        if column == 2:
            return row.value if row.value is not None else math.nan
        if column == 3:
            return row.epoch
        keys = len(self._keys)
        if 4 <= column < 4 + keys:
            value = row.values.get(self._keys[column - 4])
            return value if isinstance(value, int | float) else str(value)
        if column == 4 + keys:
            return row.seconds or 0.0
        return self._text(row, column)
