"""TensorBoard event files of a run, for those who read their curves there.

Written with ``torch.utils.tensorboard`` when the optional ``tensorboard`` package is
installed (``pip install "nn-designer[tensorboard]"``); without it, `TensorBoardLog` says
so in one sentence and the run goes on. Each run writes its own sub-folder of the log
folder (``tensorboard --logdir FOLDER`` then lists the runs side by side):

- ``epoch/train_loss``, ``epoch/val_loss`` and ``epoch/<metric>`` per epoch (at the
  epoch's number; an output's metric as ``epoch/<output>/<metric>``),
- ``batch/loss`` and ``batch/learning_rate`` per batch (at the step; the same points the
  run store keeps, so a long run writes at most `recording.MAX_BATCH_POINTS`),
- the run's settings and design hash as text, and its final metrics under ``final/``.

The import of TensorBoard takes a second or more, so it happens here, in the training
thread, never in the window's.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import re
from pathlib import Path

from designer.training.loop import EpochProgress
from designer.training.results import RunRecord
from designer.training.run_codec import BatchCurve, design_hash
from designer.training.session import PreparedRun

INSTALL_HINT = (
    'they need the tensorboard package (pip install "nn-designer[tensorboard]", '
    "or pip install tensorboard)"
)


class TensorBoardError(RuntimeError):
    """Event files cannot be written; the message says why."""


def tensorboard_folder(project_path: Path) -> Path:
    """``NAME.tensorboard`` beside the project file ``NAME.nndesign``: where the window
    writes the logs of the project's runs."""
    return project_path.with_name(project_path.stem + ".tensorboard")


def tensorboard_available() -> bool:
    """Whether the ``tensorboard`` package is installed (without importing it)."""
    return importlib.util.find_spec("tensorboard") is not None


def run_folder_name(name: str, when: datetime.datetime | None = None) -> str:
    """``20240131-142501-Run-3-moons``: sorts by time, readable, safe on any system."""
    when = when or datetime.datetime.now()
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:60] or "run"
    return f"{when:%Y%m%d-%H%M%S}-{slug}"


def free_folder(parent: Path, name: str) -> Path:
    folder, number = parent / name, 2
    while folder.exists():
        folder, number = parent / f"{name}-{number}", number + 1
    return folder


def metric_tag(key: str) -> str:
    """``epoch/accuracy``, or ``epoch/species/accuracy`` for one of several outputs."""
    return "epoch/" + key.replace(": ", "/")


class TensorBoardLog:
    """The event files of one run, in a new sub-folder of ``log_folder``."""

    problem_prefix = "TensorBoard logs stopped"

    def __init__(self, log_folder: Path, prepared: PreparedRun) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise TensorBoardError(INSTALL_HINT) from None
        self.folder = free_folder(Path(log_folder), run_folder_name(prepared.name))
        try:
            self.folder.mkdir(parents=True)
            self.writer = SummaryWriter(log_dir=str(self.folder))
        except OSError as error:
            raise TensorBoardError(
                f"cannot write in {self.folder}: {error.strerror or error}"
            ) from None
        self.writer.add_text("run/settings", _settings_text(prepared), 0)

    def epoch(self, record: EpochProgress, curve: BatchCurve) -> None:
        write = self.writer.add_scalar
        for step, loss, rate in zip(curve.steps, curve.loss, curve.learning_rate, strict=True):
            write("batch/loss", float(loss), int(step))
            write("batch/learning_rate", float(rate), int(step))
        write("epoch/train_loss", record.train_loss, record.epoch)
        write("epoch/val_loss", record.val_loss, record.epoch)
        for key, value in record.metrics.items():
            write(metric_tag(key), value, record.epoch)

    def end(self, record: RunRecord, epochs_run: int, best_epoch: int) -> None:
        if record.results is not None:
            for key, value in record.results.metrics.items():
                self.writer.add_scalar("final/" + key.replace(": ", "/"), value, epochs_run)
        ending = record.reason.replace("_", " ") + (f": {record.message}" if record.message else "")
        self.writer.add_text("run/end", ending, epochs_run)
        self.writer.flush()

    def interrupt(self) -> None:
        self.writer.add_text("run/end", "interrupted", 0)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def _settings_text(prepared: PreparedRun) -> str:
    """Markdown: the design's hash and the settings, for TensorBoard's text tab."""
    settings = {
        "design_hash": design_hash(prepared.snapshot) if prepared.snapshot else "",
        "data": prepared.data_settings.to_dict(),
        "training": prepared.settings.to_dict(),
    }
    return "```\n" + json.dumps(settings, indent=2, sort_keys=True) + "\n```"
