"""`RunHistoryView`: the list of runs beside the results, mirroring a `RunList`.

The list widget only mirrors the `RunList` (its ``inserted``, ``changed``, ``removed``
and ``reset`` events) and turns gestures into requests to it: F2 or *Rename* edits a
run's name in place, ``S`` or *Star* stars it, Delete or *Delete…* deletes it after a
confirmation. Ticking a run overlays its curves (view state, not the run's). The line
under the list says where the runs are kept, or that an unsaved project keeps none, and
shows the last problem with the store; the TensorBoard box sets the preference the
training dock reads when a run starts.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QKeyEvent, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from designer.training.results import RunRecord
from designer.training.run_list import RunList
from designer.ui import theme

RECORD_ROLE = Qt.ItemDataRole.UserRole
STAR_SIZE = 16
SHOWN_RUNS = 3  # the results ask for room to show this many runs at once
UNSAVED_TEXT = "Not recorded: save the project to keep its runs."
ERROR_STYLE = "color: #dc2626;"
QUIET_STYLE = "color: palette(placeholder-text);"
RESTORES = (
    ("design", "Restore Design"),
    ("settings", "Restore Settings"),
    ("both", "Restore Design and Settings"),
)

Confirm = Callable[[str], bool]


def item_text(record: RunRecord) -> str:
    """Two lines: the name, then epochs, headline metric and how it ended."""
    name, _, rest = record.summary.partition(" · ")
    return f"{name}\n{rest}"


def item_tooltip(record: RunRecord) -> str:
    lines = [("Starred: " if record.starred else "") + record.summary]
    if record.message:
        lines.append(record.message)
    if record.recorded:
        lines.append(f"Recorded {record.started.replace('T', ' ')[:16]} UTC (run {record.run_id})")
    else:
        lines.append("Not recorded in a run store")
    lines.append("Tick to overlay its curves · F2 rename · S star · Delete delete")
    return "\n".join(lines)


def _blank_icon() -> QIcon:
    pixmap = QPixmap(STAR_SIZE, STAR_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    return QIcon(pixmap)


class _NameDelegate(QStyledItemDelegate):
    """Edits only the run's name (the item shows more), and hands the new name to
    ``rename(row, text)`` instead of writing the item: the list follows the `RunList`."""

    def __init__(self, rename: Callable[[int, str], None], parent: QWidget) -> None:
        super().__init__(parent)
        self._rename = rename

    def createEditor(self, parent: QWidget, _option, _index: QModelIndex) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        record = index.data(RECORD_ROLE)
        editor.setText(record.name)
        editor.selectAll()

    def updateEditorGeometry(self, editor: QWidget, option, index: QModelIndex) -> None:
        """Over the name's line only: the line below (epochs, metric) stays readable."""
        super().updateEditorGeometry(editor, option, index)
        area = editor.geometry()
        area.setHeight(min(area.height(), editor.sizeHint().height()))
        editor.setGeometry(area)

    def setModelData(self, editor: QWidget, _model, index: QModelIndex) -> None:
        self._rename(index.row(), editor.text())


class RunListWidget(QListWidget):
    """The list, taking its own keys before any shortcut of the window can."""

    key_pressed = Signal(str)  # "star" or "delete"
    KEYS = {Qt.Key.Key_S: "star", Qt.Key.Key_Delete: "delete", Qt.Key.Key_Backspace: "delete"}

    def _action_for(self, event: QKeyEvent) -> str | None:
        if event.modifiers() not in (Qt.KeyboardModifier.NoModifier,):
            return None
        return self.KEYS.get(Qt.Key(event.key()))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self._action_for(event):
            event.accept()  # the key is ours while the list has focus
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._action_for(event)
        if action is not None and self.currentItem() is not None:
            self.key_pressed.emit(action)
            return
        super().keyPressEvent(event)


class RunHistoryView(QWidget):
    """The runs of a `RunList`; see the module docstring.

    Signals:
        current_changed(object): the selected run (a `RunRecord`, or None).
        overlays_changed(list): the ticked runs changed.
        restore_requested(object, str): restore a run's "design", "settings" or "both".
        compare_requested(object): compare a run's design with the current one.
    """

    current_changed = Signal(object)
    overlays_changed = Signal(list)
    restore_requested = Signal(object, str)
    compare_requested = Signal(object)

    def __init__(self, runs: RunList, confirm: Confirm | None = None) -> None:
        super().__init__()
        self.runs = runs
        self._confirm = confirm or self._ask
        self.list = RunListWidget()
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setItemDelegate(_NameDelegate(self._on_delegate_rename, self.list))
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setIconSize(QSize(STAR_SIZE, STAR_SIZE))
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.tensorboard_check = QCheckBox("TensorBoard logs")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for widget in (self.list, self.status_label, self.tensorboard_check):
            layout.addWidget(widget, 1 if widget is self.list else 0)
        self._problem = ""
        self._marks = {True: theme.status_icon("star"), False: _blank_icon()}
        self._connect()
        self._on_runs_reset()

    def _connect(self) -> None:
        events = self.runs.events
        events.inserted.connect(self._on_runs_inserted)
        events.changed.connect(self._on_runs_changed)
        events.removed.connect(self._on_runs_removed)
        events.reset.connect(self._on_runs_reset)
        events.problem.connect(self._on_runs_problem)
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)
        self.list.itemChanged.connect(self._on_list_item_changed)
        self.list.customContextMenuRequested.connect(self._on_list_context_menu)
        self.list.key_pressed.connect(self._on_list_key_pressed)

    # ---------------------------------------------------------------- reading
    def needed_height(self) -> int:
        """The height showing up to `SHOWN_RUNS` runs and the lines under the list."""
        rows = min(max(self.list.count(), 1), SHOWN_RUNS)
        row = self.list.sizeHintForRow(0) if self.list.count() else 2 * self.fontMetrics().height()
        below = sum(
            w.sizeHint().height() + 2
            for w in (self.status_label, self.tensorboard_check)
            if not w.isHidden()
        )
        return rows * row + 2 * self.list.frameWidth() + below

    @property
    def records(self) -> list[RunRecord]:
        return [self.list.item(i).data(RECORD_ROLE) for i in range(self.list.count())]

    def checked_records(self) -> list[RunRecord]:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [i.data(RECORD_ROLE) for i in items if i.checkState() == Qt.CheckState.Checked]

    def current_record(self) -> RunRecord | None:
        item = self.list.currentItem()
        return item.data(RECORD_ROLE) if item is not None else None

    # ------------------------------------------------------- mirroring the list
    def _make_item(self, record: RunRecord) -> QListWidgetItem:
        item = QListWidgetItem()
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
        item.setCheckState(Qt.CheckState.Unchecked)
        self._fill(item, record)
        return item

    def _fill(self, item: QListWidgetItem, record: RunRecord) -> None:
        blocker = self.list.blockSignals(True)  # no itemChanged: the ticks did not change
        item.setText(item_text(record))
        item.setIcon(self._marks[record.starred])  # blank when not: the names stay aligned
        item.setData(RECORD_ROLE, record)
        item.setToolTip(item_tooltip(record))
        self.list.blockSignals(blocker)

    def _on_runs_inserted(self, index: int, record: RunRecord) -> None:
        item = self._make_item(record)
        self.list.insertItem(index, item)
        self.list.setCurrentItem(item)  # a run just ended: show its results

    def _on_runs_changed(self, index: int, record: RunRecord) -> None:
        item = self.list.item(index)
        self._fill(item, record)
        if item.checkState() == Qt.CheckState.Checked:
            self.overlays_changed.emit(self.checked_records())

    def _on_runs_removed(self, index: int) -> None:
        item = self.list.takeItem(index)
        if item is not None and item.checkState() == Qt.CheckState.Checked:
            self.overlays_changed.emit(self.checked_records())
        if self.list.count() == 0:
            self.current_changed.emit(None)

    def _on_runs_reset(self) -> None:
        self._problem = ""
        with_ticks = bool(self.checked_records())
        self.list.clear()
        for record in self.runs.records:
            self.list.addItem(self._make_item(record))
        if self.list.count():
            self.list.setCurrentRow(self.list.count() - 1)
        else:
            self.current_changed.emit(None)
        if with_ticks:
            self.overlays_changed.emit([])
        self._show_status()

    def _on_runs_problem(self, message: str) -> None:
        self._problem = message
        self._show_status()

    def _show_status(self) -> None:
        """The line under the list: the last problem with the store, or that an unsaved
        project keeps no runs; hidden while all is well (the list's tooltip then says
        where the runs are kept)."""
        store = self.runs.store_path
        if self._problem:
            text, style = self._problem, ERROR_STYLE
        elif store is None:
            text, style = UNSAVED_TEXT, QUIET_STYLE
        else:
            text, style = "", QUIET_STYLE
        self.status_label.setText(text)
        self.status_label.setStyleSheet(style)
        self.status_label.setVisible(bool(text))
        kept = f"Runs are recorded in {store}" if store is not None else UNSAVED_TEXT
        self.list.setToolTip(f"{kept}\nTick a run to overlay its curves; right-click for more")

    # ----------------------------------------------------------------- gestures
    def _on_list_current_item_changed(self, current, _previous) -> None:
        self.current_changed.emit(current.data(RECORD_ROLE) if current is not None else None)

    def _on_list_item_changed(self, _item: QListWidgetItem) -> None:
        self.overlays_changed.emit(self.checked_records())

    def _on_delegate_rename(self, row: int, text: str) -> None:
        self.runs.rename(row, text)

    def _on_list_key_pressed(self, action: str) -> None:
        row = self.list.currentRow()
        if action == "star":
            self.toggle_star(row)
        else:
            self.delete(row)

    def rename(self, row: int) -> None:
        """Start editing the name of the run in ``row`` (F2 does the same)."""
        self.list.setCurrentRow(row)
        self.list.editItem(self.list.item(row))

    def toggle_star(self, row: int) -> None:
        self.runs.set_starred(row, not self.runs[row].starred)

    def delete(self, row: int) -> bool:
        """Delete the run in ``row`` once the user confirms; whether it was deleted."""
        record = self.runs[row]
        what = "and everything recorded of it " if record.recorded else ""
        if not self._confirm(f"Delete “{record.name}” {what}for good?"):
            return False
        return self.runs.delete([row])

    def _ask(self, question: str) -> bool:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Delete Run", question, buttons.Yes | buttons.Cancel, buttons.Cancel
        )
        return answer == buttons.Yes

    def context_menu(self, row: int) -> QMenu:
        """The menu of the run in ``row``: rename, star, delete, restore."""
        record = self.runs[row]
        menu = QMenu(self)
        entries = (
            ("Rename", "F2", lambda: self.rename(row)),
            ("Unstar" if record.starred else "Star", "S", lambda: self.toggle_star(row)),
            ("Delete…", "Del", lambda: self.delete(row)),
        )
        for text, keys, slot in entries:
            action = QAction(text, menu)
            action.setShortcut(QKeySequence(keys))  # shown in the menu; the list takes them
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.addSeparator()
        compare = menu.addAction("Compare With Current Design…")
        compare.setEnabled(bool(record.snapshot))
        compare.triggered.connect(lambda _checked=False: self.compare_requested.emit(record))
        for what, text in RESTORES:
            action = menu.addAction(text)
            action.setEnabled(bool(record.snapshot))
            action.triggered.connect(
                lambda _checked=False, w=what: self.restore_requested.emit(self.runs[row], w)
            )
        return menu

    def _on_list_context_menu(self, position: QPoint) -> None:
        item = self.list.itemAt(position)
        if item is not None:
            self.list.setCurrentItem(item)
            menu = self.context_menu(self.list.row(item))
            menu.exec(self.list.mapToGlobal(position))
            menu.deleteLater()
