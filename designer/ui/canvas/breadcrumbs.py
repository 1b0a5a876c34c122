"""`BreadcrumbBar`: ``Design › BasicBlock``, over the canvas while a block is open.

Each crumb is a button that goes back out to that level; the last one names the block
being edited. Hidden while the canvas shows the design itself.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from designer.ui.document import GraphDocument

DESIGN = "Design"
SEPARATOR = "›"


class BreadcrumbBar(QFrame):
    """The way back out of opened blocks (see the module docstring)."""

    def __init__(self, document: GraphDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("breadcrumbs")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.document = document
        self.crumbs: list[QToolButton] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(4)
        document.view_changed.connect(self._on_document_view_changed)
        document.project_replaced.connect(self._on_document_view_changed)
        self._on_document_view_changed()

    def texts(self) -> list[str]:
        """What the crumbs read, outermost first."""
        return [crumb.text() for crumb in self.crumbs]

    def _on_document_view_changed(self) -> None:
        layout = self.layout()
        while layout.count():
            widget = layout.takeAt(0).widget()
            if widget is not None:
                widget.hide()  # gone from sight now, deleted once its events are done
                widget.deleteLater()
        self.crumbs = []
        path = self.document.block_path
        for depth, text in enumerate([DESIGN, *path]):
            if depth:
                layout.addWidget(QLabel(SEPARATOR, self))
            crumb = QToolButton(self)
            crumb.setText(text)
            crumb.setAutoRaise(True)
            crumb.setToolTip("Back to the design" if depth == 0 else f"Back to {text}")
            current = depth == len(path)
            crumb.setEnabled(not current)
            if current:  # where the canvas is: bold, and nothing to click
                font = crumb.font()
                font.setBold(True)
                crumb.setFont(font)
            crumb.clicked.connect(lambda _checked=False, d=depth: self.document.close_blocks(d))
            layout.addWidget(crumb)
            self.crumbs.append(crumb)
        self.setVisible(bool(path))
        self.adjustSize()
