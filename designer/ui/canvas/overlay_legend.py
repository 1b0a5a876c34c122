"""`OverlayLegend`: what the statistics overlay's colours mean, in a corner of the canvas.

A small frame floating over the view's bottom-left corner: the statistic and where its
numbers come from, a bar of the colour map, and the values at its two ends (on a log
scale, the colours follow the logarithm in between). It shows while the overlay does,
and says so when nothing has been measured yet.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QLinearGradient, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from designer.ui.canvas.overlay import GradientOverlay, colour_at

MARGIN = 12
_STOPS = 16


class ColourBar(QWidget):
    """The colour map from its low end (left) to its high end (right)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(180, 12)
        self.setMaximumHeight(12)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        gradient = QLinearGradient(0, 0, self.width(), 0)
        for index in range(_STOPS + 1):
            gradient.setColorAt(index / _STOPS, colour_at(index / _STOPS))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(gradient)
        painter.drawRoundedRect(QRectF(self.rect()), 3, 3)


class OverlayLegend(QFrame):
    """The legend of ``overlay``, floating over ``host``'s bottom-left corner."""

    def __init__(self, overlay: GradientOverlay, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("overlayLegend")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.overlay = overlay
        self.title = QLabel()
        self.title.setObjectName("overlayLegendTitle")
        self.bar = ColourBar()
        self.low, self.high = QLabel(), QLabel()
        self.high.setAlignment(Qt.AlignmentFlag.AlignRight)
        ends = QHBoxLayout()
        ends.setContentsMargins(0, 0, 0, 0)
        ends.addWidget(self.low)
        ends.addStretch(1)
        ends.addWidget(self.high)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.bar)
        layout.addLayout(ends)
        host.installEventFilter(self)
        overlay.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        overlay = self.overlay
        statistic = overlay.statistic
        origin = overlay.origin
        scale = " (log scale)" if statistic.log else ""
        if not overlay.layers:
            self.title.setText(f"<b>{statistic.title}</b>: run a pre-flight check or train")
        else:
            self.title.setText(f"<b>{statistic.title}</b>{scale} · {origin}")
        bounds = overlay.bounds
        has_range = bool(overlay.layers) and bounds is not None
        self.bar.setVisible(has_range)
        self.low.setVisible(has_range)
        self.high.setVisible(has_range)
        if has_range:
            self.low.setText(statistic.text(bounds[0]))
            self.high.setText(statistic.text(bounds[1]))
        self.setVisible(overlay.visible)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        host = self.parentWidget()
        if host is None:
            return
        self.adjustSize()
        self.move(MARGIN, max(0, host.height() - self.height() - MARGIN))
