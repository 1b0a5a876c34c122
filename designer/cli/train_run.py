"""Training a project file without a screen: the `train` verb of the command line.

Prints one progress line per epoch (so the output reads well in a terminal, a log file or
a CI job alike, with no carriage-return tricks) and the final metrics. The exit status tells
scripts what happened: 0 trained, 1 the run could not start or failed, 2 the project file
(or an override) is unusable. Errors are one line on stderr. No Qt is imported. Ctrl+C
stops the loop and goes on up as `KeyboardInterrupt`, which the command line reports.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from designer.catalog.objectives import format_metric
from designer.compiler.weights import WeightsError
from designer.compiler.weights import save_weights as write_weights
from designer.io import EXAMPLES_DIR, ProjectFileError, load_project
from designer.model import DataSettings, Project, SettingsError
from designer.training.loop import EpochProgress, RunControl, RunFailed, RunFinished, train
from designer.training.recording import Recording, RecordTargets
from designer.training.results import evaluate, run_record
from designer.training.run_list import next_run_name
from designer.training.run_store import store_path
from designer.training.session import PreparedRun, RunSetupError, prepare_run
from designer.training.text import format_duration

EXIT_OK, EXIT_FAILED, EXIT_BAD_PROJECT = 0, 1, 2
BAR_WIDTH = 20


def train_project(
    path: str | os.PathLike[str],
    epochs: int | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    device: str | None = None,
    save_weights: str | os.PathLike[str] | None = None,
    data: str | None = None,
    target: str | None = None,
    bundle: str | os.PathLike[str] | None = None,
    record: bool = True,
    tensorboard: str | os.PathLike[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Train the project at ``path`` with optional overrides; returns the exit status.

    ``data`` trains on another CSV file, .npz file or image folder (``target`` names a CSV
    file's target column) without changing the project; relative data paths in the project
    are taken from the project file's folder. ``bundle`` writes a reproducibility bundle
    of the run (`designer.training.bundle`). The run is recorded in the project's run
    store (``NAME.runs.sqlite`` beside it) unless ``record`` is False, and its curves
    written as TensorBoard event files under ``tensorboard`` when given; a problem with
    either is a warning on ``err``, and the run goes on.
    """
    out, err = out or sys.stdout, err or sys.stderr
    try:
        project = _with_overrides(
            load_project(path),
            epochs=epochs,
            learning_rate=lr,
            batch_size=batch_size,
            seed=seed,
            device=device,
        )
        if data is not None or target is not None:
            project.data = data_override(project.data, data, target)
    except ProjectFileError as error:
        return _fail(err, f"{os.fspath(path)}: {error}", EXIT_BAD_PROJECT)
    except SettingsError as error:
        return _fail(err, f"invalid option: {error}", EXIT_BAD_PROJECT)
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    targets = record_targets(path, record, tensorboard, err)
    run_name = next_run_name(targets.store, project.data.source)
    try:
        prepared = prepare_run(project, name=run_name, folder=folder if data is None else None)
    except RunSetupError as error:
        return _fail(err, str(error), EXIT_FAILED)
    recording = Recording.start(prepared, targets, lambda text: _warn(err, text))
    try:
        name = str(project.metadata.get("name") or os.path.basename(os.fspath(path)))
        print(_first_line(name, prepared), file=out, flush=True)
        end, epochs = _run(prepared, out, recording)
        kept = _finish_recording(recording, prepared, end, epochs, err)
    except KeyboardInterrupt:  # wherever it comes: the first line, the loop, the record
        recording.interrupt()
        raise
    finally:
        recording.close()
    if isinstance(end, RunFailed):
        return _fail(err, f"training failed: {end.message}", EXIT_FAILED)
    if end is None:
        return _fail(err, "training ended without a result", EXIT_FAILED)
    reason = end.reason.replace("_", " ")
    summary = f"{format_duration(end.elapsed)}: {format_metrics(end.final_metrics)}"
    print(f"Finished ({reason}) in {summary}", file=out, flush=True)
    if save_weights is not None:
        try:
            write_weights(prepared.model, save_weights)
        except WeightsError as error:
            return _fail(err, str(error), EXIT_FAILED)
        print(f"Saved the weights to {os.fspath(save_weights)}", file=out, flush=True)
    if kept is not None:
        print(kept, file=out, flush=True)
    if bundle is not None:
        return _write_bundle(project, prepared, end, bundle, None if data else folder, out, err)
    return EXIT_OK


def _first_line(name: str, prepared: PreparedRun) -> str:
    """``Training 'Iris' on 'iris' (120 training, 30 validation rows) for 20 epochs``."""
    data, epochs = prepared.data, prepared.settings.epochs
    return (
        f"Training {name!r} on {data.name!r} ({data.num_train} training, "
        f"{data.num_val} validation rows) for {epochs} epoch{'s' * (epochs != 1)}"
    )


def _write_bundle(project, prepared, end, target, folder, out: TextIO, err: TextIO) -> int:
    from designer.training.bundle import BundleRun, write_bundle

    run = BundleRun(
        state=prepared.model.state_dict(),
        metrics=dict(end.final_metrics),
        epochs=prepared.settings.epochs,
        seed=prepared.settings.seed,
    )
    try:
        names = write_bundle(project, run, target, folder)
    except OSError as error:
        return _fail(err, f"cannot write the bundle: {error.strerror or error}", EXIT_FAILED)
    print(f"Wrote the bundle {os.fspath(target)} ({len(names)} files)", file=out, flush=True)
    return EXIT_OK


def data_override(settings: DataSettings, path: str | None, target: str | None) -> DataSettings:
    """The data settings with another data file or folder (its kind from its name: a folder
    is an image folder, ``.npz`` a NumPy archive, anything else CSV) and target column."""
    if path is None:
        if settings.source != "csv":
            raise SettingsError("data.target_column", "--target applies to CSV files only")
        return settings.replace(target_column=target or "")
    if os.path.isdir(path):
        source = "image_folder"
    else:
        source = "npz" if path.lower().endswith(".npz") else "csv"
    if target is not None and source != "csv":
        raise SettingsError("data.target_column", "--target applies to CSV files only")
    column = target if target is not None else settings.target_column if source == "csv" else ""
    return settings.replace(source=source, path=os.path.abspath(path), target_column=column)


def _with_overrides(project: Project, **overrides: object) -> Project:
    """The project with the given training settings replaced (None keeps a value)."""
    changes = {k: v for k, v in overrides.items() if v is not None}
    if changes:
        project.training = project.training.replace(**changes)
    return project


def _run(
    prepared: PreparedRun, out: TextIO, recording: Recording
) -> tuple[RunFinished | RunFailed | None, list[EpochProgress]]:
    """Drive the loop, printing and recording each epoch; returns the final record (None
    when there is none) and the epochs.

    Ctrl+C stops and closes the loop, then goes on up (the caller records the run as
    interrupted, the command line reports it)."""
    control = RunControl()
    total = prepared.settings.epochs
    records = train(prepared, control)
    epochs: list[EpochProgress] = []
    try:
        for record in records:
            recording.add(record)
            if isinstance(record, EpochProgress):
                epochs.append(record)
                print(epoch_line(record, total), file=out, flush=True)
            elif isinstance(record, RunFinished | RunFailed):
                return record, epochs
    except KeyboardInterrupt:
        control.stop()
        records.close()
        raise
    return None, epochs


def record_targets(
    path: str | os.PathLike[str], record: bool, tensorboard, err: TextIO
) -> RecordTargets:
    """Where this run is recorded: the project's run store (not for a shipped example,
    which is part of the installation) and the TensorBoard folder asked for."""
    store = None
    if record and is_shipped_example(path):
        _warn(err, "the run is not recorded: the examples are part of NN Designer; save a copy")
    elif record:
        store = store_path(os.path.abspath(os.fspath(path)))
    folder = Path(tensorboard) if tensorboard is not None else None
    return RecordTargets(store=store, tensorboard=folder, source="cli")


def is_shipped_example(path: str | os.PathLike[str]) -> bool:
    return Path(path).resolve().parent == EXAMPLES_DIR.resolve()


def _finish_recording(recording, prepared, end, epochs, err: TextIO) -> str | None:
    """Record the end of the run (with its results, as the window shows them); returns
    the line saying where it was kept, if anywhere."""
    if not recording.active:
        return None
    if end is None:
        recording.interrupt()
        return None
    results = None
    if isinstance(end, RunFinished):
        try:
            results = evaluate(prepared, end.final_metrics)
        except Exception as error:  # the run is recorded without them
            _warn(err, f"the results could not be computed: {error}")
    best = end.best_epoch if isinstance(end, RunFinished) else 0
    kept = recording.finish(run_record(prepared, end, epochs, results), best)
    lines = []
    if kept.run_id is not None and recording.store_path is not None:
        lines.append(f"Recorded as run {kept.run_id} in {recording.store_path.name}")
    folder = recording.tensorboard_folder
    if folder is not None:
        lines.append(f"TensorBoard logs in {folder} (tensorboard --logdir {folder.parent})")
    return "\n".join(lines) or None


def _warn(err: TextIO, message: str) -> None:
    print(f"warning: {' '.join(message.split())}", file=err, flush=True)


def epoch_line(record: EpochProgress, total: int) -> str:
    """``epoch  3/20 [###-------]  loss 0.4213  val 0.4012  accuracy 91.2%  ETA 0:04``."""
    done = round(BAR_WIDTH * record.epoch / max(total, 1))
    bar = "#" * done + "-" * (BAR_WIDTH - done)
    width = len(str(total))
    parts = [
        f"epoch {record.epoch:>{width}}/{total} [{bar}]",
        f"loss {record.train_loss:.4f}",
        f"val loss {record.val_loss:.4f}",
    ]
    if record.metrics:
        parts.append(format_metrics(record.metrics))
    parts.append(f"ETA {format_duration(record.eta)}")
    return "  ".join(parts)


def format_metrics(metrics: Mapping[str, float]) -> str:
    """``val_loss 0.1234  accuracy 95.6%``: each metric as the training catalogue formats it."""
    return "  ".join(f"{name} {format_metric(name, value)}" for name, value in metrics.items())


def _fail(err: TextIO, message: str, status: int) -> int:
    print(f"error: {' '.join(message.split())}", file=err, flush=True)
    return status
