"""The window's probes of the design: the pre-flight check, the learning-rate finder, and
the statistics overlay that shows what they (and training) measured.

*Training › Pre-flight Check* trains a copy of the design on one batch off the GUI
thread; its measurements go to the document (`GraphDocument.set_probe_facts`), where the
linter's NN4xx rules turn them into findings in the problems list, and the overlay
(*View › Statistics Overlay*) paints them on the canvas. While the design trains, the
worker measures the first batch of every epoch and the overlay follows, once an epoch.
*Training › Find Learning Rate…* opens the range test's dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject

from designer.model.lint import ProbeFacts
from designer.training.loop import LayerProbe
from designer.training.preflight import preflight
from designer.training.session import PreparedRun, RunSetupError, prepare_run
from designer.ui.canvas.overlay import GradientOverlay
from designer.ui.canvas.overlay_legend import OverlayLegend
from designer.ui.training.lr_finder_dialog import LearningRateDialog
from designer.ui.training.probe_runner import ProbeRunner

MESSAGE_MS = 10_000


class ProbeActions(QObject):
    """Pre-flight and rate-finder commands of ``window`` and its statistics overlay."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.overlay = GradientOverlay(window.view.graph_scene, self)
        self.legend = OverlayLegend(self.overlay, window.view)
        self.runner = ProbeRunner(self)
        self.runner.done.connect(self._on_runner_done)
        self.runner.failed.connect(self._on_runner_failed)
        self.rate_dialog: LearningRateDialog | None = None
        window.training.controller.probes.connect(self._on_training_probes)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def busy(self) -> bool:
        """Whether a check, a range test or training runs (one thing trains at a time)."""
        testing = self.rate_dialog is not None and self.rate_dialog.runner.busy
        return self.runner.busy or testing or self.window.training.controller.is_running

    # ------------------------------------------------------------- commands
    def preflight(self) -> bool:
        """Start the pre-flight check; False (and a status message) when it cannot."""
        run = self._prepared()
        if run is None:
            return False
        self.runner.start(lambda _control, _report: preflight(run))
        self._message("Pre-flight check: training a copy of the design on one batch…")
        return True

    def find_learning_rate(self) -> bool:
        """Open the range test's dialog; False (and a status message) when it cannot."""
        run = self._prepared()
        if run is None:
            return False
        if self.rate_dialog is not None:
            self.rate_dialog.close()
        self.rate_dialog = LearningRateDialog(self.document, run, self.window)
        self.rate_dialog.show()
        return True

    def show_overlay(self, on: bool) -> None:
        self.overlay.set_visible(on)

    def shutdown(self) -> None:
        """Stop a check in flight and join its thread (closing, quitting)."""
        self.runner.shutdown()
        if self.rate_dialog is not None:
            self.rate_dialog.runner.shutdown()

    def _prepared(self) -> PreparedRun | None:
        """A run of the project as it is, with the training panel's data when it is
        current (else loaded here), or None with the reason in the status bar."""
        if self.busy:
            self._message("Wait for the running check or training to end")
            return None
        document = self.document
        folder = str(document.path.parent) if document.path is not None else None
        data = self.window.training.panel.current_data()
        try:
            return prepare_run(document.project, folder=folder, data=data)
        except RunSetupError as error:
            if error.node_id:
                document.set_selection([error.node_id])
            self._message(f"Cannot probe the design: {error}")
            return None

    # ------------------------------------------------------------- results
    def _on_runner_done(self, facts: ProbeFacts) -> None:
        self.document.set_probe_facts(facts)
        self.window.actions_by_name["overlay"].setChecked(True)
        first, last = facts.losses[0], facts.losses[-1]
        change = f"the loss went from {first:.4g} to {last:.4g} in {len(facts.losses)} steps"
        if facts.passed:
            self._message(f"Pre-flight check passed: {change}")
            return
        self._message(f"Pre-flight check failed: {change}; see Problems for the likely cause")
        self.window.problems_dock.show()
        self.window.problems_dock.raise_()

    def _on_runner_failed(self, message: str) -> None:
        self._message(f"The pre-flight check failed: {message}")

    def _on_training_probes(self, record: LayerProbe) -> None:
        """Training measured an epoch's first batch: the overlay and findings follow."""
        origin = f"training, epoch {record.epoch}"
        self.document.set_probe_facts(ProbeFacts(record.layers, origin=origin))

    def _message(self, text: str) -> None:
        self.window.statusBar().showMessage(text, MESSAGE_MS)
