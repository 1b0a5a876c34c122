"""*Training › Find Learning Rate…*: the range test, its curve, and the rate to use.

The dialog starts the test (`designer.training.lr_finder`) on a copy of the design's
model as it opens, in a thread of its own (`ProbeRunner`), and draws the loss against
the rate on a logarithmic axis as the points arrive: the batch losses faint, the
smoothed loss bold. When the test ends, a line marks the suggested rate and **Use It**
sets it as the project's learning rate, as one undo step of its own. Closing the dialog
stops a test still running.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from designer.training.lr_finder import RateFinding, range_test, suggest
from designer.training.session import PreparedRun
from designer.ui.document import GraphDocument
from designer.ui.plot_style import match_legend, match_palette
from designer.ui.training.probe_runner import ProbeRunner


def rate_job(run: PreparedRun):
    """The range test as a `ProbeRunner` job: reports each point, returns the finding."""

    def job(control, report) -> RateFinding:
        points = []
        for point in range_test(run, control):
            points.append(point)
            report(point)
        suggestion, rule = suggest(points)
        return RateFinding(tuple(points), suggestion, rule)

    return job


class LearningRateDialog(QDialog):
    """The range test of ``run`` (prepared from ``document``'s project)."""

    def __init__(self, document: GraphDocument, run: PreparedRun, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Find Learning Rate")
        self.setObjectName("learningRateDialog")
        self.document = document
        self.finding: RateFinding | None = None
        self._rates: list[float] = []
        self._losses: list[float] = []
        self._smoothed: list[float] = []
        self.runner = ProbeRunner(self)
        self.runner.progress.connect(self._on_runner_progress)
        self.runner.done.connect(self._on_runner_done)
        self.runner.failed.connect(self._on_runner_failed)
        self._build()
        self.resize(720, 480)
        self.runner.start(rate_job(run))

    def _build(self) -> None:
        self.message = QLabel(
            "Training a copy of the design while the learning rate grows from 1e-7 to 10…"
        )
        self.message.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("rateCurve")
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "learning rate")
        self.plot.setLabel("left", "loss")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        legend = self.plot.addLegend(offset=(-10, 10))
        palette = QGuiApplication.palette()
        match_palette(self.plot, palette)
        match_legend(legend, palette)
        faint = pg.mkColor(palette.text().color())
        faint.setAlpha(90)
        self.raw_curve = self.plot.plot([], [], pen=pg.mkPen(faint, width=1), name="batch loss")
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#2563eb", width=2), name="smoothed")
        self.marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#dc2626", width=1))
        self.marker.setVisible(False)
        self.plot.addItem(self.marker)
        buttons = QDialogButtonBox()
        self.use_button = QPushButton("&Use It")
        self.use_button.setEnabled(False)
        self.use_button.setToolTip("Set the suggested rate as the project's learning rate")
        self.use_button.clicked.connect(self._on_use_button_clicked)
        buttons.addButton(self.use_button, QDialogButtonBox.ButtonRole.AcceptRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.plot, 1)
        layout.addWidget(buttons)

    # ---------------------------------------------------------------- results
    def _on_runner_progress(self, points: list) -> None:
        for point in points:
            if math.isfinite(point.loss) and math.isfinite(point.smoothed):
                self._rates.append(point.rate)
                self._losses.append(point.loss)
                self._smoothed.append(point.smoothed)
        self.raw_curve.setData(self._rates, self._losses)
        self.curve.setData(self._rates, self._smoothed)
        self._limit_view()

    def _limit_view(self) -> None:
        """Show the loss from below its lowest to a little above where it started, so
        the divergence at the end does not flatten the interesting part."""
        if self._smoothed:
            low, start = min(self._smoothed), self._smoothed[0]
            high = max(start, low) * 1.25
            self.plot.setYRange(min(low, min(self._losses)), high, padding=0.02)

    def _on_runner_done(self, finding: RateFinding) -> None:
        self.finding = finding
        current = self.document.project.training.learning_rate
        if finding.suggestion is None:
            self.message.setText("The loss diverged too soon to suggest a rate; try a design "
                                 "or batch size that trains more steadily.")  # fmt: skip
            return
        rule = "the steepest fall" if finding.rule == "steepest" else "a tenth of the minimum"
        self.message.setText(
            f"Suggested learning rate: <b>{finding.suggestion:.3g}</b> ({rule} of the "
            f"smoothed loss); the project now trains with {current:g}."
        )
        self.marker.setValue(math.log10(finding.suggestion))  # the axis is log10(rate)
        self.marker.setVisible(True)
        self.use_button.setEnabled(True)

    def _on_runner_failed(self, message: str) -> None:
        self.message.setText(f"The range test failed: {message}")

    def _on_use_button_clicked(self) -> None:
        finding = self.finding
        if finding is None or finding.suggestion is None:
            return
        rate = float(f"{finding.suggestion:.3g}")
        training = self.document.project.training.replace(learning_rate=rate)
        if self.document.set_training_and_params(training, None, f"Use the learning rate {rate:g}"):
            self.accept()

    # ---------------------------------------------------------------- closing
    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.runner.shutdown()
        super().closeEvent(event)


__all__ = ["LearningRateDialog", "rate_job"]
