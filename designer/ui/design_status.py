"""`DesignStatus`: the permanent widgets of the window's status bar, which say what the
design costs and whether it is valid.

The zoom of the canvas (a click fits the design), the parameter and multiply-add counts,
and the validity button (a click asks for the problems list) follow the document's
analysis and the view's zoom by themselves, so the window only places them.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton

from designer.model.shapes import format_bytes, format_count
from designer.ui import theme as themes
from designer.ui.canvas import GraphView
from designer.ui.document import GraphDocument


class DesignStatus(QObject):
    """The status bar's zoom button, counts and validity button for one document.

    Signals:
        problems_requested: the validity button was clicked (show the problems list).
    """

    problems_requested = Signal()

    def __init__(self, bar: QStatusBar, document: GraphDocument, view: GraphView) -> None:
        super().__init__(bar)
        self.document = document
        self.params_label = QLabel()
        self.macs_label = QLabel()
        self.validity_button = _flat_button("Show the problems of the design")
        self.validity_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.validity_button.clicked.connect(self.problems_requested)
        self.zoom_button = _flat_button("Zoom of the canvas; click to fit the design (Ctrl+0)")
        self.zoom_button.clicked.connect(view.fit_to_view)
        view.zoom_changed.connect(self._show_zoom)
        self._show_zoom(view.zoom)
        widgets = (self.zoom_button, self.params_label, self.macs_label, self.validity_button)
        for widget in widgets:
            widget.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(widget)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        self._on_document_analysis_changed()

    def _show_zoom(self, zoom: float) -> None:
        self.zoom_button.setText(f"Zoom {round(zoom * 100)} %")

    def _on_document_analysis_changed(self) -> None:
        analysis = self.document.analysis
        if analysis.valid:
            memory = format_bytes(analysis.training_bytes)
            self.params_label.setText(f"Parameters: {analysis.total_params:,}")
            self.params_label.setToolTip(f"{analysis.total_params:,} trainable parameters")
            self.macs_label.setText(f"Multiply-adds: {format_count(analysis.total_macs)}")
            self.macs_label.setToolTip(
                f"{analysis.total_macs:,} multiply-adds per sample; about {memory} of "
                "activations per sample in training"
            )
        else:  # sums over the layers whose shapes are known would mislead
            unknown = "unknown until the errors are fixed"
            self.params_label.setText("Parameters: ?")
            self.params_label.setToolTip(f"Parameters: {unknown}")
            self.macs_label.setText("Multiply-adds: ?")
            self.macs_label.setToolTip(f"Multiply-adds: {unknown}")
        self._show_validity()

    def _show_validity(self) -> None:
        analysis = self.document.analysis
        count = len(analysis.problems)
        style = self.validity_button.style()
        if len(self.document.graph) == 0:
            icon, text = QIcon(), "empty design"
        elif analysis.valid:
            icon = style.standardIcon(style.StandardPixmap.SP_DialogApplyButton)
            text = "valid" if not count else f"valid, {count} warning{'s' * (count > 1)}"
        else:
            icon = themes.status_icon("error")
            text = f"{count} problem{'s' * (count != 1)}"
        self.validity_button.setIcon(icon)
        self.validity_button.setText(text)


def _flat_button(tooltip: str) -> QToolButton:
    button = QToolButton()
    button.setAutoRaise(True)
    button.setToolTip(tooltip)
    return button
