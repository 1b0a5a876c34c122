"""One row of the problems list for a linter finding: its mark, its message, its rule id,
and the buttons that apply its quick fix or silence it.

The row is a widget laid over its list item; the list still owns the item (its text, its
node, its selection), and `RowDelegate` paints only the item's background under a row,
so a selected row shows as selected and its text is not drawn twice.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QIcon, QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.model import Problem
from designer.model.lint import RULES
from designer.model.node_fields import MAX_SILENCE_REASON
from designer.ui import theme

#: Set on a list item that has a `FindingRow` over it.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
ICON_SIZE = 16

#: Asks the user why a finding does not apply (None: cancelled).
ReasonAsker = Callable[[QWidget, Problem], "str | None"]


def explain(problem: Problem) -> str:
    """``NN301 · Two Linear layers with nothing between`` and the rule's paragraph."""
    rule = RULES.get(problem.rule or "")
    if rule is None:
        return ""
    return f"{rule.id} · {rule.title}\n\n{rule.explanation}"


def ask_reason(parent: QWidget, problem: Problem) -> str | None:
    """Ask in a dialog why ``problem`` does not apply here; None when cancelled or empty."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(f"Silence {problem.rule}")
    dialog.setLabelText(
        f"Why does {problem.rule} not apply to this layer?\n"
        "The reason is saved with the project, and the finding is no longer shown here."
    )
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    line = dialog.findChild(QLineEdit)
    if line is not None:
        line.setMaxLength(MAX_SILENCE_REASON)
    if dialog.exec() != QInputDialog.DialogCode.Accepted:
        return None
    return dialog.textValue().strip() or None


class FindingRow(QWidget):
    """The mark, the message, the rule id and the actions of one finding.

    Each signal carries the row's `Problem`, so that the list connects its own methods
    (no closures that would keep the list alive from its rows).

    Signals:
        fix_clicked(Problem): the user asked for the quick fix.
        silence_clicked(Problem): the user asked to silence the finding on its layer.
        pressed(Problem): the row was clicked elsewhere (select it, show its layer).
    """

    fix_clicked = Signal(object)
    silence_clicked = Signal(object)
    pressed = Signal(object)

    def __init__(self, problem: Problem, silenceable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findingRow")
        self.problem = problem
        kind = "error" if problem.is_error else "warning"
        self.mark = QLabel()
        self.mark.setPixmap(theme.status_icon(kind).pixmap(ICON_SIZE, ICON_SIZE))
        self.mark.setAccessibleName(kind)
        self.mark.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.mark.setFixedWidth(ICON_SIZE)
        self.text = QLabel(problem.message)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.rule = QLabel(problem.rule or "")
        self.rule.setObjectName("ruleId")
        self.rule.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.fix_button = self._button("Fix", problem.fix)
        self.fix_button.clicked.connect(self._on_fix_button_clicked)
        self.fix_button.setVisible(bool(problem.fix))
        tip = "Silence this finding on its layer, with a reason saved in the project"
        self.silence_button = self._button("Silence…", tip)
        self.silence_button.clicked.connect(self._on_silence_button_clicked)
        self.silence_button.setVisible(silenceable)
        self.setToolTip(explain(problem))
        layout = QHBoxLayout(self)
        # NOTE: the mark where the list's delegate draws the icons of plain problems
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
        layout.setContentsMargins(margin, 2, margin, 2)
        layout.setSpacing(6)
        layout.addWidget(self.mark)
        layout.addWidget(self.text, 1)
        for widget in (self.rule, self.fix_button, self.silence_button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignTop)
        self.set_selected(False)

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        return button

    def _on_fix_button_clicked(self) -> None:
        self.fix_clicked.emit(self.problem)

    def _on_silence_button_clicked(self) -> None:
        self.silence_clicked.emit(self.problem)

    def set_selected(self, selected: bool) -> None:
        """Draw the text in the palette's selected colours on a selected item."""
        colour = "palette(highlighted-text)" if selected else "palette(placeholder-text)"
        self.rule.setStyleSheet(f"color: {colour}; font-size: 8pt;")
        self.text.setStyleSheet("color: palette(highlighted-text);" if selected else "")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A press on the row (not on a button) picks the problem; the list underneath
        does not see it, so it is handled once."""
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            self.pressed.emit(self.problem)
        else:
            super().mousePressEvent(event)


class RowDelegate(QStyledItemDelegate):
    """Paints an item with a row widget over it as background only (selection, hover),
    and gives the row the item's whole rectangle (an editor would get the text's)."""

    def updateEditorGeometry(
        self,
        editor: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if index.data(ROW_ROLE):
            editor.setGeometry(option.rect)
        else:
            super().updateEditorGeometry(editor, option, index)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if not index.data(ROW_ROLE):
            super().paint(painter, option, index)
            return
        plain = QStyleOptionViewItem(option)
        self.initStyleOption(plain, index)
        plain.text = ""
        plain.icon = QIcon()  # the row draws its own mark
        plain.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration
        style = plain.widget.style() if plain.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, plain.widget)


class SilencedRows(QWidget):
    """The rules silenced on one layer, each with its reason and a button to hear it again.

    Signals:
        hear_again(str): the user wants the findings of this rule back on the layer.
    """

    hear_again = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("silencedRows")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 4, 0, 0)
        self.rows: dict[str, QWidget] = {}
        self._shown: dict[str, str] = {}
        self.hide()

    def set_silenced(self, silenced: dict[str, str]) -> None:
        """Show the ``{rule id: reason}`` silenced on the layer; hidden when none."""
        if silenced == self._shown:
            return
        self._shown = dict(silenced)
        for row in self.rows.values():
            self._layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.rows = {}
        for rule, reason in sorted(silenced.items()):
            self.rows[rule] = self._row(rule, reason)
            self._layout.addWidget(self.rows[rule])
        self.setVisible(bool(self.rows))

    def _row(self, rule: str, reason: str) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        known = RULES.get(rule)
        title = f" ({known.title})" if known is not None else ""
        text = QLabel(f"{rule} silenced{title}: {reason}")
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        text.setStyleSheet("color: palette(placeholder-text);")
        button = QToolButton(row)
        button.setText("Hear again")
        button.setToolTip(f"Show the findings of {rule} on this layer again")
        button.setObjectName(rule)
        button.clicked.connect(self._on_button_clicked)
        layout.addWidget(text, 1)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        return row

    def _on_button_clicked(self) -> None:
        button = self.sender()
        if isinstance(button, QToolButton):
            self.hear_again.emit(button.objectName())
