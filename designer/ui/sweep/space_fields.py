"""The editors of one dimension of a sweep: low and high ends, log scale, or choices.

Each editor shows a `SweepParam` and hands the edited one to ``on_edit`` (with a merge
key, so typing one end is one undo step); showing a value blocks the widget's signals and
skips a value already shown, so the field being typed in keeps its cursor.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit, QMenu, QSpinBox, QToolButton, QWidget

from designer.model.sweep import CHOICE, INT, SweepParam
from designer.training.text import format_value

INT_LIMIT = 2**31 - 1
Edit = Callable[[SweepParam, str], None]
Fail = Callable[[str], None]


class EndField:
    """The low or high end of a range: a spin box for whole numbers, else a text field
    that reads any number (learning rates span decades, so no fixed decimals)."""

    def __init__(self, param: SweepParam, end: str, on_edit: Edit, on_error: Fail) -> None:
        self.end, self._on_edit, self._on_error = end, on_edit, on_error
        self.param = param
        if param.kind == INT:
            box = QSpinBox()
            box.setRange(-INT_LIMIT, INT_LIMIT)
            box.setKeyboardTracking(False)
            box.setAlignment(Qt.AlignmentFlag.AlignRight)
            box.valueChanged.connect(self._on_box_value_changed)
            self.widget: QWidget = box
        else:
            edit = QLineEdit()
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.editingFinished.connect(self._on_edit_editing_finished)
            self.widget = edit
        self.widget.setObjectName(f"{param.key}.{end}")
        self.show(param)

    def show(self, param: SweepParam) -> None:
        self.param = param
        value = param.low if self.end == "low" else param.high
        with QSignalBlocker(self.widget):
            if isinstance(self.widget, QSpinBox):
                self.widget.setValue(int(value))
            elif self.widget.text() != format_value(float(value)):
                self.widget.setText(format_value(float(value)))

    def _on_box_value_changed(self, value: int) -> None:
        self._on_edit(self.param.replace(**{self.end: value}), f"{self.param.key}.{self.end}")

    def _on_edit_editing_finished(self) -> None:
        assert isinstance(self.widget, QLineEdit)
        text = self.widget.text().strip()
        try:
            value = float(text)
        except ValueError:
            self._on_error(f"The {self.end} end must be a number, not {text!r:.30}")
            self.show(self.param)
            return
        if value != (self.param.low if self.end == "low" else self.param.high):
            self._on_edit(self.param.replace(**{self.end: value}), f"{self.param.key}.{self.end}")


class LogField:
    """Whether a range is searched evenly in the logarithm."""

    def __init__(self, param: SweepParam, on_edit: Edit) -> None:
        self.param, self._on_edit = param, on_edit
        self.widget = QCheckBox()
        self.widget.setObjectName(f"{param.key}.log")
        self.widget.setToolTip("Search evenly in the logarithm (learning rates, widths)")
        self.widget.toggled.connect(self._on_widget_toggled)
        self.show(param)

    def show(self, param: SweepParam) -> None:
        self.param = param
        with QSignalBlocker(self.widget):
            self.widget.setChecked(param.log)

    def _on_widget_toggled(self, checked: bool) -> None:
        self._on_edit(self.param.replace(log=checked), "")


class ChoicesField:
    """A button listing the chosen values; its menu checks any of ``allowed``."""

    def __init__(self, param: SweepParam, allowed: tuple, on_edit: Edit, on_error: Fail) -> None:
        self.param, self.allowed = param, allowed
        self._on_edit, self._on_error = on_edit, on_error
        self.widget = QToolButton()
        self.widget.setObjectName(f"{param.key}.choices")
        self.widget.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.widget.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.menu = QMenu(self.widget)
        self.actions = {}
        for value in allowed:
            action = self.menu.addAction(format_value(value))
            action.setCheckable(True)
            action.toggled.connect(lambda checked, v=value: self._on_choice_toggled(v, checked))
            self.actions[value] = action
        self.widget.setMenu(self.menu)
        self.show(param)

    def show(self, param: SweepParam) -> None:
        self.param = param
        for value, action in self.actions.items():
            with QSignalBlocker(action):
                action.setChecked(value in param.choices)
        text = ", ".join(format_value(value) for value in param.choices)
        self.widget.setText(text)
        self.widget.setToolTip(f"Tries {text}; click to choose")

    def _on_choice_toggled(self, value, checked: bool) -> None:
        chosen = [v for v in self.allowed if (v in self.param.choices) != (v == value)]
        if not chosen:
            self._on_error("Keep at least one choice")
            self.show(self.param)
            return
        self._on_edit(self.param.replace(choices=tuple(chosen)), "")


def fields_for(param: SweepParam, allowed: tuple, on_edit: Edit, on_error: Fail) -> list:
    """The editors of one dimension, in table column order (low, high, log; or choices)."""
    if param.kind == CHOICE:
        return [ChoicesField(param, allowed, on_edit, on_error)]
    return [
        EndField(param, "low", on_edit, on_error),
        EndField(param, "high", on_edit, on_error),
        LogField(param, on_edit),
    ]
