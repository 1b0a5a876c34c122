"""The editors of the inspector form: one small widget class per `ParamSpec` kind.

`make_field` picks the editor for a parameter, so a new layer type needs no UI code. Each
editor pushes user edits through ``on_edit`` and shows model values with its signals
blocked, skipping values it already shows, so the field being typed in keeps its text and
cursor when an undo or an analysis pass refreshes the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from designer.catalog import ParamSpec

EditCallback = Callable[[str, Any], None]
ErrorCallback = Callable[[str], None]

INT_LIMIT = 2**31 - 1
FLOAT_LIMIT = 1e12


class ParamField:
    """The editor of one parameter: ``widget`` plus model-to-widget `show_value`."""

    widget: QWidget

    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        self.spec, self._on_edit, self._on_error = spec, on_edit, on_error

    def value(self) -> Any:
        raise NotImplementedError

    def show_value(self, value: Any) -> None:
        if self.value() == value:
            return
        with QSignalBlocker(self.widget):
            self._set(value)

    def _set(self, value: Any) -> None:
        raise NotImplementedError

    def _emit(self, *_args: object) -> None:
        self._on_edit(self.spec.name, self.value())


class _IntField(ParamField):
    """A spin box over the spec's range; an optional int shows "auto" below it."""

    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        super().__init__(spec, on_edit, on_error)
        self.widget = box = QSpinBox()
        low = int(spec.minimum) if spec.minimum is not None else -INT_LIMIT + 1
        high = int(spec.maximum) if spec.maximum is not None else INT_LIMIT
        if spec.optional:
            low -= 1
            box.setSpecialValueText("auto")
        box.setRange(max(low, -INT_LIMIT), min(high, INT_LIMIT))
        box.setGroupSeparatorShown(high >= 100_000)
        box.setAccelerated(True)
        box.valueChanged.connect(self._emit)

    def value(self) -> int | None:
        box = self.widget
        if self.spec.optional and box.value() == box.minimum():
            return None
        return box.value()

    def _set(self, value: Any) -> None:
        self.widget.setValue(self.widget.minimum() if value is None else int(value))


class FloatSpinBox(QDoubleSpinBox):
    """Shows floats as ``%g`` (``1e-05``, ``0.5``) and accepts scientific notation, so
    epsilons and rates need neither a fixed number of decimals nor trailing zeros."""

    def __init__(self) -> None:
        super().__init__()
        self.setDecimals(15)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        in_range = self.minimum() <= value <= self.maximum()
        state = QValidator.State.Acceptable if in_range else QValidator.State.Intermediate
        return state, text, pos


class _FloatField(ParamField):
    """A float spin box; the step suits the range (adaptive over many decades)."""

    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        super().__init__(spec, on_edit, on_error)
        self.widget = box = FloatSpinBox()
        low = spec.minimum if spec.minimum is not None else -FLOAT_LIMIT
        high = spec.maximum if spec.maximum is not None else FLOAT_LIMIT
        box.setRange(low, high)
        if low > 0 and high / low >= 1000:
            box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        elif high - low <= 1:
            box.setSingleStep(0.05)
        else:
            box.setSingleStep(0.1)
        box.valueChanged.connect(self._emit)

    def value(self) -> float:
        return self.widget.value()

    def _set(self, value: Any) -> None:
        self.widget.setValue(float(value))


class _BoolField(ParamField):
    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        super().__init__(spec, on_edit, on_error)
        self.widget = QCheckBox()
        self.widget.toggled.connect(self._emit)

    def value(self) -> bool:
        return self.widget.isChecked()

    def _set(self, value: Any) -> None:
        self.widget.setChecked(bool(value))


class _ChoiceField(ParamField):
    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        super().__init__(spec, on_edit, on_error)
        self.widget = combo = QComboBox()
        for choice in spec.choices:
            combo.addItem(choice.replace("_", " "), choice)
        combo.currentIndexChanged.connect(self._emit)

    def value(self) -> str:
        return self.widget.currentData()

    def _set(self, value: Any) -> None:
        self.widget.setCurrentIndex(self.widget.findData(value))


class _IntsField(ParamField):
    """A line edit for a list of whole numbers, ``4, 4, 1``; empty means "auto" when the
    parameter is optional. Parse errors are shown, never pushed."""

    def __init__(self, spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback):
        super().__init__(spec, on_edit, on_error)
        self.widget = edit = QLineEdit()
        edit.setPlaceholderText("auto" if spec.optional else "e.g. 4, 4, 1")
        edit.editingFinished.connect(self._on_edit_editing_finished)
        edit.textEdited.connect(self._on_edit_text_edited)

    def value(self) -> tuple[int, ...] | None:
        try:
            return self.parse(self.widget.text())
        except ValueError:
            return ()

    def parse(self, text: str) -> tuple[int, ...] | None:
        """``"4, 4, 1"`` -> ``(4, 4, 1)``; raises ValueError with a message for the user."""
        text = text.strip().strip("()[]").strip()
        if not text or text.lower() == "auto":
            if self.spec.optional:
                return None
            raise ValueError(f"{self.spec.title}: write whole numbers like 4, 4, 1")
        items = [part for part in text.replace(",", " ").split() if part]
        try:
            return tuple(int(part) for part in items)
        except ValueError:
            bad = next(p for p in items if not p.lstrip("-").isdigit())
            raise ValueError(
                f"{self.spec.title}: {bad!r:.20} is not a whole number; write e.g. 4, 4, 1"
            ) from None

    def _set(self, value: Any) -> None:
        self.widget.setText("" if value is None else ", ".join(str(v) for v in value))
        self._mark(valid=True)

    def _mark(self, valid: bool) -> None:
        if self.widget.property("invalid") != (not valid):
            self.widget.setProperty("invalid", not valid)
            self.widget.style().unpolish(self.widget)
            self.widget.style().polish(self.widget)

    def _on_edit_text_edited(self, text: str) -> None:
        try:
            self.parse(text)
        except ValueError:
            return
        self._mark(valid=True)

    def _on_edit_editing_finished(self) -> None:
        try:
            value = self.parse(self.widget.text())
        except ValueError as error:
            self._mark(valid=False)
            self._on_error(str(error))
            return
        self._mark(valid=True)
        self._on_edit(self.spec.name, value)


_FIELDS: dict[str, type[ParamField]] = {
    "int": _IntField,
    "float": _FloatField,
    "bool": _BoolField,
    "choice": _ChoiceField,
    "ints": _IntsField,
}


def make_field(spec: ParamSpec, on_edit: EditCallback, on_error: ErrorCallback) -> ParamField:
    """The editor for ``spec``'s kind, with the help text as its tooltip."""
    field = _FIELDS[spec.kind](spec, on_edit, on_error)
    field.widget.setToolTip(spec.help or spec.title)
    field.widget.setObjectName(f"param_{spec.name}")
    return field
