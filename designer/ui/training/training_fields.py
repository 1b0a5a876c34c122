"""The training panel's form fields: one widget per data or training setting.

``data_rows`` and ``training_rows`` build the fields (named as the settings they edit,
with their labels); ``field_value``, ``set_field_value`` and ``changed_signal`` read,
write and watch any of them alike, whatever kind of widget it is.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from designer.catalog.objectives import OPTIMIZERS, SCHEDULES
from designer.data import SOURCES
from designer.training.loop import available_devices
from designer.ui.panels.terms import glossary_tooltip

OPTIMIZER_LABELS = {name: spec.label for name, spec in OPTIMIZERS.items()}
SCHEDULE_LABELS = {name: spec.label for name, spec in SCHEDULES.items()}
DEVICE_LABELS = {"auto": "Automatic", "cpu": "CPU", "cuda": "CUDA GPU", "mps": "Apple GPU"}

Rows = dict[str, tuple[str, QWidget]]
#: The glossary terms each training setting is about: its label and field explain them.
SETTING_TERMS = {
    "optimizer": ("gradient descent",),
    "learning_rate": ("learning rate", "gradient descent"),
    "weight_decay": ("weight", "overfitting"),
    "batch_size": ("batch",),
    "epochs": ("epoch",),
    "early_stopping": ("overfitting", "epoch"),
    "grad_clip": ("gradient",),
}


class CompactDoubleSpinBox(QDoubleSpinBox):
    """A float spin box that drops trailing zeros ("0.001", not "0.001000"), so values that
    need many decimals stay readable when they do not use them."""

    def textFromValue(self, value: float) -> str:
        text = f"{value:.{self.decimals()}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text


def spin_box(
    low: float, high: float, step: float = 1, decimals: int | None = None
) -> QAbstractSpinBox:
    """A spin box over [low, high]; with ``decimals`` a float box whose step adapts to the
    value (so 0.001 steps by 0.0001), as learning rates span several decades."""
    if decimals is None:
        box = QSpinBox()
        box.setRange(int(low), int(high))
        box.setSingleStep(int(step))
    else:
        box = CompactDoubleSpinBox()
        box.setDecimals(decimals)
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
    box.setKeyboardTracking(False)
    box.setAlignment(Qt.AlignmentFlag.AlignRight)
    return box


def combo_box(items: dict[str, str]) -> QComboBox:
    """A combo box showing each text with its value as the item data; it may be narrower
    than its longest text (the list shows them whole), so the panel fits a narrow dock."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(6)
    for value, text in items.items():
        box.addItem(text, value)
    return box


def data_rows() -> Rows:
    """The data settings' fields, by setting name, each with its form label."""
    rows = {
        "source": ("Data set", combo_box({k: info.label for k, info in SOURCES.items()})),
        "samples": ("Samples", spin_box(10, 1_000_000, 50)),
        "noise": ("Noise", spin_box(0.0, 10.0, 0.05, 2)),
        "classes": ("Classes", spin_box(2, 100)),
        "seed": ("Data seed", spin_box(0, 2**31 - 1)),
        "path": ("File", QLineEdit()),
        "target_column": ("Target column", QComboBox()),
        "drop_missing": ("Missing values", QCheckBox("Drop those rows")),
        "augment": ("Augment", QCheckBox("Flips, crops")),
        "workers": ("Decoding", spin_box(0, 64)),
        "validation_fraction": ("Validation part", spin_box(0.05, 0.9, 0.05, 2)),
    }
    source = rows["source"][1]
    for index, info in enumerate(SOURCES.values()):
        source.setItemData(index, info.description, Qt.ItemDataRole.ToolTipRole)
    rows["path"][1].setPlaceholderText("Choose a file or folder…")
    rows["augment"][1].setToolTip(
        "Random horizontal flips and crops of training images (the same for the same seed)"
    )
    rows["workers"][1].setSuffix(" processes")
    rows["workers"][1].setSpecialValueText("none")
    rows["workers"][1].setToolTip(
        "Processes decoding images while training (none: the training thread)"
    )
    return rows


def training_rows() -> Rows:
    """The training settings' fields, by setting name, each with its form label."""
    devices = {d: DEVICE_LABELS.get(d, d) for d in available_devices()}
    rows = {
        "optimizer": ("Optimizer", combo_box(OPTIMIZER_LABELS)),
        "learning_rate": ("Learning rate", spin_box(1e-6, 10.0, 1e-4, 6)),
        "momentum": ("Momentum", spin_box(0.0, 0.999, 0.05, 3)),
        "nesterov": ("Nesterov", QCheckBox("Use Nesterov")),
        "weight_decay": ("Weight decay", spin_box(0.0, 1.0, 1e-4, 6)),
        "schedule": ("LR schedule", combo_box(SCHEDULE_LABELS)),
        "step_size": ("Step every", spin_box(1, 100_000)),
        "gamma": ("Decay factor", spin_box(0.0, 1.0, 0.05, 3)),
        "batch_size": ("Batch size", spin_box(1, 65_536)),
        "epochs": ("Epochs", spin_box(1, 100_000)),
        "early_stopping": ("Early stopping", QCheckBox("When it stalls")),
        "patience": ("Patience", spin_box(1, 10_000)),
        "grad_clip": ("Clip gradients", spin_box(0.0, 1e6, 0.5, 2)),
        "seed": ("Seed", spin_box(0, 2**31 - 1)),
        "device": ("Device", combo_box(devices)),
    }
    rows["grad_clip"][1].setSpecialValueText("off")
    rows["step_size"][1].setSuffix(" epochs")
    for name, terms in SETTING_TERMS.items():
        rows[name][1].setToolTip(glossary_tooltip(*terms))
    return rows


def explain_labels(form: QFormLayout) -> None:
    """Give each label of ``form`` its field's tooltip, so that hovering the word
    (*Learning rate*) explains it, not only hovering the field."""
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if label is None or field is None or field.widget() is None or label.widget() is None:
            continue
        if field.widget().toolTip() and not label.widget().toolTip():
            label.widget().setToolTip(field.widget().toolTip())


def field_value(widget: QWidget) -> object:
    """The setting value a field shows (a combo box's item data, not its text)."""
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QLineEdit):
        return widget.text()
    return widget.value()


def set_field_value(widget: QWidget, value: object) -> None:
    """Show ``value`` in a field without emitting its change signal; a combo box offers
    a text value it lacks (e.g. a device saved on another machine)."""
    with QSignalBlocker(widget):
        if isinstance(widget, QComboBox):
            index = widget.findData(value)
            if index < 0 and isinstance(value, str) and value:
                widget.addItem(value, value)
                index = widget.count() - 1
            widget.setCurrentIndex(max(index, 0))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QLineEdit):
            widget.setText(str(value))
        else:
            widget.setValue(value)


def changed_signal(widget: QWidget):
    """The signal a field emits when the user has changed its value."""
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QCheckBox):
        return widget.toggled
    if isinstance(widget, QLineEdit):
        return widget.editingFinished
    return widget.valueChanged


__all__ = [
    "DEVICE_LABELS",
    "OPTIMIZER_LABELS",
    "SCHEDULE_LABELS",
    "SETTING_TERMS",
    "CompactDoubleSpinBox",
    "changed_signal",
    "combo_box",
    "data_rows",
    "explain_labels",
    "field_value",
    "set_field_value",
    "spin_box",
    "training_rows",
]
