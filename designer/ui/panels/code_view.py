"""`CodeViewPanel`: the PyTorch code of the design, live and read-only.

The code is regenerated (debounced) after every analysis, only while the panel is visible,
and the lines that belong to the selected node are highlighted through the generator's
``line_to_node`` map, so the user sees which code each box on the canvas becomes. The map
belongs to the graph the code was generated from: when another project opens it goes with
the old code, so a selection in the new design never lights up lines of the old one.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from html import escape

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QShowEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from designer.ui.document import GraphDocument

DEBOUNCE_MS = 150
FIX_PROBLEMS_TEXT = "Fix the problems to see the code"

_LIGHT = {
    "keyword": "#7c3aed",
    "builtin": "#0369a1",
    "string": "#15803d",
    "number": "#c2410c",
    "comment": "#6b7280",
    "decorator": "#b45309",
    "definition": "#1d4ed8",
    "line": "#fff6d6",
}
_DARK = {
    "keyword": "#c4b5fd",
    "builtin": "#7dd3fc",
    "string": "#86efac",
    "number": "#fdba74",
    "comment": "#8b95a3",
    "decorator": "#fcd34d",
    "definition": "#93c5fd",
    "line": "#3a3520",
}
_WORD = r"\b(?:{})\b"
_RULES = (
    ("number", re.compile(r"\b(?:0[xob][0-9a-fA-F_]+|\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?)\b")),
    ("keyword", re.compile(_WORD.format("|".join(keyword.kwlist)))),
    ("builtin", re.compile(_WORD.format("self|super|print|range|len|int|float|isinstance"))),
    ("definition", re.compile(r"(?<=\bdef )\w+|(?<=\bclass )\w+")),
    ("decorator", re.compile(r"^\s*@[\w.]+")),
)
_STRING_OR_COMMENT = re.compile(
    r"""(?P<string>(?:\b[rbfuRBFU]{1,2})?(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'))"""
    r"|(?P<comment>\#.*)"
)
_TRIPLE = ('"""', "'''")


class PythonHighlighter(QSyntaxHighlighter):
    """Colours Python: keywords, builtins, strings (triple-quoted across lines),
    numbers, comments, decorators and the names of defined functions and classes."""

    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        for name, color in (_DARK if dark else _LIGHT).items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(color))
            if name in ("keyword", "definition"):
                fmt.setFontWeight(QFont.Weight.DemiBold)
            if name == "comment":
                fmt.setFontItalic(True)
            self._formats[name] = fmt
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        start = self._continue_triple(text)
        if start < 0:
            return
        for name, pattern in _RULES:
            for match in pattern.finditer(text, start):
                self.setFormat(match.start(), match.end() - match.start(), self._formats[name])
        self._strings_and_comments(text, start)

    def _continue_triple(self, text: str) -> int:
        """Colour the tail of a triple-quoted string begun on an earlier line; returns
        where ordinary highlighting resumes, or -1 when the whole line is string."""
        self.setCurrentBlockState(0)
        previous = self.previousBlockState()
        if previous <= 0:
            return 0
        end = text.find(_TRIPLE[previous - 1])
        if end < 0:
            self.setFormat(0, len(text), self._formats["string"])
            self.setCurrentBlockState(previous)
            return -1
        self.setFormat(0, end + 3, self._formats["string"])
        return end + 3

    def _strings_and_comments(self, text: str, position: int) -> None:
        while position < len(text):
            triple = min(
                (
                    (text.find(q, position), i)
                    for i, q in enumerate(_TRIPLE)
                    if q in text[position:]
                ),
                default=None,
            )
            match = _STRING_OR_COMMENT.search(text, position)
            if triple is not None and (match is None or triple[0] <= match.start()):
                at, index = triple
                end = text.find(_TRIPLE[index], at + 3)
                if end < 0:
                    self.setFormat(at, len(text) - at, self._formats["string"])
                    self.setCurrentBlockState(index + 1)
                    return
                self.setFormat(at, end + 3 - at, self._formats["string"])
                position = end + 3
                continue
            if match is None:
                return
            kind = "string" if match.group("string") else "comment"
            self.setFormat(match.start(), match.end() - match.start(), self._formats[kind])
            position = match.end()


class CodeEditor(QPlainTextEdit):
    """A read-only editor with a line-number gutter, so a message that names a line of
    the exported script can be found here too."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._gutter = _Gutter(self)
        self.blockCountChanged.connect(self._on_block_count_changed)
        self.updateRequest.connect(self._on_update_request)
        self._on_block_count_changed(1)

    def gutter_width(self) -> int:
        digits = max(2, len(str(self.blockCount())))
        return 14 + self.fontMetrics().horizontalAdvance("9") * digits

    def _on_block_count_changed(self, _count: int) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self._gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.setFont(self.font())
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        width, height = self._gutter.width() - 6, self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible():
                right = Qt.AlignmentFlag.AlignRight
                painter.drawText(0, top, width, height, right, str(block.blockNumber() + 1))
            top += round(self.blockBoundingRect(block).height())
            block = block.next()
        painter.end()


class _Gutter(QWidget):
    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_gutter(event)


class CodeViewPanel(QWidget):
    """Read-only generated code: the model class, or the whole training script."""

    def __init__(self, document: GraphDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeView")
        self._document = document
        self._line_to_node: Mapping[int, str] = {}
        self._code_graph = None  # the Graph whose code is shown (identity, not equality)
        self._dirty = True
        self._dark = False
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self.editor = CodeEditor(self)
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.highlighter = PythonHighlighter(self.editor.document())
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setMargin(12)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.editor)
        self.pages.addWidget(self.message)
        self.script_toggle = QCheckBox("Whole training script", self)
        self.script_toggle.setToolTip("Show the runnable script: model, data and training loop")
        self.script_toggle.toggled.connect(self._on_script_toggle_toggled)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("Copy the code to the clipboard")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        bar.addWidget(self.script_toggle)
        bar.addStretch(1)
        bar.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.pages)
        document.analysis_changed.connect(self._on_document_changed)
        document.project_replaced.connect(self._on_document_project_replaced)
        document.selection_changed.connect(self._on_document_selection_changed)

    # ---------------------------------------------------------------- public
    @property
    def code(self) -> str:
        """The code shown, or "" while the design does not compile."""
        return self.editor.toPlainText() if self.pages.currentIndex() == 0 else ""

    def set_dark(self, dark: bool) -> None:
        self._dark = dark
        self.highlighter.set_dark(dark)
        self._highlight_selection()

    def refresh(self) -> None:
        """Regenerate now (the debounce timer calls this; tests may too)."""
        self._timer.stop()
        self._dirty = False
        try:
            code, error = self._generate()
        except ImportError as failure:  # e.g. torch missing: say why, keep the app usable
            self._show_message("The code generator is not available", str(failure))
            return
        if code is None:
            self._show_problems(str(error))
            return
        if code.source != self.editor.toPlainText():
            scroll = self.editor.verticalScrollBar().value()
            self.editor.setPlainText(code.source)
            self.editor.verticalScrollBar().setValue(scroll)
        self._line_to_node = dict(code.line_to_node)
        self._code_graph = self._document.graph
        self.pages.setCurrentIndex(0)
        self.copy_button.setEnabled(True)
        self._highlight_selection()

    def _generate(self):  # -> (PythonCode | None, CompileError | None)
        from designer.compiler import CompileError, generate_module_code
        from designer.training.script import generate_script

        try:
            if self.script_toggle.isChecked():
                return generate_script(self._document.project), None
            return generate_module_code(self._document.graph), None
        except CompileError as error:
            return None, error

    def _show_problems(self, reason: str) -> None:
        errors = self._document.analysis.errors
        items = "".join(f"<li>{escape(p.message)}</li>" for p in errors[:20])
        self._show_message(FIX_PROBLEMS_TEXT, reason, f"<ul>{items}</ul>" if items else "")

    def _show_message(self, title: str, reason: str, detail: str = "") -> None:
        detail = detail or f"<p>{escape(reason)}</p>"
        self.message.setText(f"<h3>{title}</h3>{detail}")
        self.pages.setCurrentIndex(1)
        self.copy_button.setEnabled(False)
        self._line_to_node = {}

    # --------------------------------------------------------------- highlight
    def _highlight_selection(self) -> None:
        if self._code_graph is not self._document.graph:
            self._line_to_node = {}  # lines of another design's code
        # the selection inside an opened block names that block's layers, not the design's
        selected = set() if self._document.block_path else set(self._document.selection)
        color = QColor((_DARK if self._dark else _LIGHT)["line"])
        selections, first = [], None
        for line, node_id in sorted(self._line_to_node.items()):
            if node_id not in selected:
                continue
            block = self.editor.document().findBlockByNumber(line - 1)
            if not block.isValid():
                continue
            extra = QTextEdit.ExtraSelection()
            extra.format.setBackground(color)
            extra.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            extra.cursor = QTextCursor(block)
            selections.append(extra)
            first = block if first is None else first
        self.editor.setExtraSelections(selections)
        if first is not None:
            self._scroll_to(first.blockNumber())

    def _scroll_to(self, block_number: int) -> None:
        cursor = QTextCursor(self.editor.document().findBlockByNumber(block_number))
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()

    @property
    def highlighted_lines(self) -> list[int]:
        """1-based numbers of the lines highlighted for the selection."""
        return [s.cursor.blockNumber() + 1 for s in self.editor.extraSelections()]

    # ---------------------------------------------------------------- handlers
    def _on_document_changed(self) -> None:
        self._dirty = True
        if self.isVisible():
            self._timer.start()

    def _on_document_project_replaced(self) -> None:
        """Another design: forget the old code and its line map at once."""
        self._line_to_node = {}
        self._code_graph = None
        self.editor.setExtraSelections([])
        self.editor.clear()
        self._on_document_changed()

    def _on_document_selection_changed(self, _selection: list) -> None:
        self._highlight_selection()

    def _on_script_toggle_toggled(self, _checked: bool) -> None:
        self.refresh()

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.editor.toPlainText())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self._timer.start()
