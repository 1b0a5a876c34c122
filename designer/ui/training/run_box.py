"""`RunBox`: the Train, Pause, Resume and Stop buttons, the progress of the run and the
panel's one-line messages, kept in step with a `TrainingController`.

The box never starts a run itself: Train is wired by the `TrainingPanel`, which prepares
the run from the project; Pause, Resume and Stop go straight to the controller.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from designer.training.results import RunRecord
from designer.training.text import format_duration
from designer.ui.training.worker import PAUSED, RUNNING, TrainingController

ERROR_STYLE = "color: #dc2626;"
NOTE_STYLE = "color: palette(placeholder-text);"
READY_TEXT = "Ready"
ENDINGS = {"completed": "Finished", "early_stopped": "Stopped early", "stopped": "Stopped"}


class RunBox(QWidget):
    """Run buttons, progress bar, times and messages for the runs of ``controller``."""

    def __init__(self, controller: TrainingController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._clock = QTimer(self, interval=500)
        self._clock.timeout.connect(self._show_times)
        self._build()
        c = controller
        for button, handler in zip(self.buttons[1:], (c.pause, c.resume, c.stop), strict=True):
            button.clicked.connect(handler)
        c.state_changed.connect(self._on_controller_state_changed)
        c.started.connect(self._on_controller_started)
        c.batch.connect(self._on_controller_batch)
        c.epoch.connect(self._on_controller_epoch)
        c.finished.connect(self._on_controller_finished)
        c.failed.connect(self._on_controller_failed)
        self._on_controller_state_changed(c.state)

    def _build(self) -> None:
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        buttons = QHBoxLayout()
        for button in self.buttons:
            button.setMinimumWidth(56)
            buttons.addWidget(button)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedHeight(8)
        self.time_label = QLabel(READY_TEXT)
        self.time_label.setStyleSheet(NOTE_STYLE)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addLayout(buttons)
        for widget in (self.progress_bar, self.time_label, self.message_label):
            layout.addWidget(widget)

    @property
    def buttons(self) -> tuple[QPushButton, ...]:
        return self.train_button, self.pause_button, self.resume_button, self.stop_button

    def show_message(self, text: str, error: bool = False) -> None:
        """One message under the buttons (red for an ``error``); empty text hides it."""
        self.message_label.setText(text)
        self.message_label.setStyleSheet(ERROR_STYLE if error else "")
        self.message_label.setVisible(bool(text))

    def reset(self) -> None:
        """Forget the last run's progress, times and messages (another project opened)."""
        self._clock.stop()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.time_label.setText(READY_TEXT)
        self.show_message("")

    # -------------------------------------------------------------- handlers
    def _on_controller_state_changed(self, state: str) -> None:
        self.train_button.setEnabled(state == "idle")
        self.pause_button.setEnabled(state == RUNNING)
        self.resume_button.setEnabled(state == PAUSED)
        self.stop_button.setEnabled(state in (RUNNING, PAUSED))
        if state != "idle":
            self._show_times()

    def _on_controller_started(self, _prepared: object) -> None:
        # NOTE: QProgressBar repaints synchronously on setValue; with the panel just
        # brought forward that painted the whole panel inside the click (10-25 ms).
        # With updates off, the bar is painted with everything else on the next frame.
        self.progress_bar.setUpdatesEnabled(False)
        self.progress_bar.setRange(0, self._controller.clock.total_steps)
        self.progress_bar.setValue(0)
        self.progress_bar.setUpdatesEnabled(True)
        self._clock.start()
        self._show_times()

    def _on_controller_batch(self, _records: list) -> None:
        self.progress_bar.setValue(self._controller.clock.done_steps)

    def _on_controller_epoch(self, _record: object) -> None:
        self._show_times()

    def _on_controller_finished(self, record: RunRecord) -> None:
        self._clock.stop()
        if record.reason == "completed":
            self.progress_bar.setValue(self.progress_bar.maximum())
        ended = ENDINGS.get(record.reason, "Finished")
        self.time_label.setText(f"{ended} after {format_duration(record.elapsed)}")
        self.show_message(record.summary)

    def _on_controller_failed(self, message: str) -> None:
        self._clock.stop()
        self.time_label.setText("Failed")
        self.show_message(f"Training failed: {message}", error=True)

    def _show_times(self) -> None:
        clock = self._controller.clock
        epoch = f"Epoch {clock.epoch}/{clock.epochs}" if clock.epoch else "Starting"
        left = clock.remaining()
        eta = f" · about {format_duration(left)} left" if math.isfinite(left) else ""
        paused = " · paused" if self._controller.is_paused else ""
        elapsed = format_duration(clock.elapsed())
        self.time_label.setText(f"{epoch} · {elapsed} elapsed{eta}{paused}")


__all__ = ["READY_TEXT", "RunBox"]
