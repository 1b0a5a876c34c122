"""`WelcomePanel`: a card over the empty canvas with the three ways to begin.

It floats over the canvas rather than replacing it, so the grid stays visible and a layer
dragged from the palette can be dropped beside the card; the window hides it as soon as
the design has a node.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsDropShadowEffect,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from designer import APP_NAME
from designer.ui import theme

CARD_WIDTH = 460


def example_info(path: Path) -> tuple[str, str]:
    """An example's name and description from its metadata (shipped, trusted files),
    falling back to the file name: ``binary_classifier`` -> ``Binary classifier``."""
    fallback = path.stem.replace("_", " ").replace("-", " ").strip().capitalize()
    try:
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        return str(metadata.get("name") or fallback), str(metadata.get("description", ""))
    except (OSError, ValueError, AttributeError):
        return fallback, ""


def example_title(path: Path) -> str:
    return example_info(path)[0]


class WelcomePanel(QFrame):
    """Start from blank, open a file, or open one of the shipped examples.

    Signals:
        blank_requested, open_requested: the two buttons.
        example_requested(object): the `Path` of the chosen example.
    """

    blank_requested = Signal()
    open_requested = Signal()
    example_requested = Signal(object)

    def __init__(self, examples: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setFixedWidth(CARD_WIDTH)
        shadow = QGraphicsDropShadowEffect(self, blurRadius=28, xOffset=0, yOffset=4)
        shadow.setColor(Qt.GlobalColor.gray)
        self.setGraphicsEffect(shadow)
        title = QLabel(f"Welcome to {APP_NAME}")
        title.setStyleSheet("font-size: 17pt; font-weight: 600;")
        subtitle = QLabel(
            "Drag layers from the palette onto the canvas and wire them up; the code and "
            "the shapes follow as you go."
        )
        subtitle.setWordWrap(True)
        subtitle.setStyleSheet("color: palette(placeholder-text);")
        self.blank_button = self._button("new", "Start from a blank design", self.blank_requested)
        self.open_button = self._button("open", "Open a project…", self.open_requested)
        self.blank_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(6)
        layout.addWidget(self.blank_button)
        layout.addWidget(self.open_button)
        self.example_buttons = self._examples(layout, examples)
        self.adjustSize()

    def _button(self, icon_name: str, text: str, signal: Signal) -> QPushButton:
        button = QPushButton(theme.icon("actions", icon_name), f"  {text}")
        button.setMinimumHeight(34)
        button.setStyleSheet("text-align: left; padding-left: 10px;")
        button.clicked.connect(signal.emit)
        return button

    def _examples(self, layout: QVBoxLayout, examples: list[Path]) -> list[QPushButton]:
        if not examples:
            return []
        layout.addSpacing(8)
        heading = QLabel("OR OPEN AN EXAMPLE")
        heading.setStyleSheet("font-size: 8pt; font-weight: 600; letter-spacing: 1px;")
        layout.addWidget(heading)
        grid = QGridLayout()
        grid.setSpacing(6)
        buttons = []
        for index, path in enumerate(examples):
            title, description = example_info(path)
            button = QPushButton(title)
            button.setToolTip(description or path.name)
            button.setMinimumHeight(30)
            button.clicked.connect(lambda _=False, p=path: self.example_requested.emit(p))
            grid.addWidget(button, index // 2, index % 2)
            buttons.append(button)
        layout.addLayout(grid)
        return buttons

    def attach(self, host: QWidget) -> None:
        """Float centred over ``host`` and follow its size."""
        self.setParent(host)
        host.installEventFilter(self)
        self._recenter()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self._recenter()
        return False

    def _recenter(self) -> None:
        host = self.parentWidget()
        if host is None:
            return
        self.adjustSize()
        x = max(0, (host.width() - self.width()) // 2)
        y = max(0, (host.height() - self.height()) // 2)
        self.move(x, y)
