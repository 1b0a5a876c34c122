"""Reading a project's runs back from its run store, as the `RunRecord`s the window shows.

Everything the history needs comes back at once (names, stars, curves, final results),
in a few queries over the whole store; the weights, the largest part by far, stay in the
store until something asks for them (`StoredWeights`). A run that cannot be read (a row
damaged by hand, settings this version no longer knows) is left out with a message,
and the other runs still load.
"""

from __future__ import annotations

import math
import types
import zipfile
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import torch

from designer.model import SettingsError
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.loop import EpochProgress
from designer.training.results import RunHistory, RunRecord
from designer.training.run_codec import decode_results, from_json
from designer.training.run_store import RunStore

#: How a run's status reads in the history, where it differs from its end reason.
UNFINISHED = "unfinished"  # still training elsewhere, or its process ended mid-run


@dataclass
class LoadedRuns:
    """The runs of a store (oldest first) and what could not be read."""

    records: list[RunRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class StoredWeights(Mapping):
    """The weights of a stored run, read from the store the first time they are used
    (exporting a bundle, say), then kept."""

    def __init__(self, path: Path, run_id: int) -> None:
        self.path, self.run_id = path, run_id
        self._tensors: dict[str, torch.Tensor] | None = None

    def _load(self) -> dict[str, torch.Tensor]:
        if self._tensors is None:
            with RunStore.open(self.path) as store:
                self._tensors = store.weights(self.run_id)
        return self._tensors

    def __getitem__(self, key: str) -> torch.Tensor:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def _number(value: float | None) -> float:
    """SQLite keeps NaN as NULL; it reads back as NaN."""
    return math.nan if value is None else float(value)


def load_runs(store: RunStore) -> LoadedRuns:
    """Every run in ``store``, oldest first (the order they were recorded in)."""
    loaded = LoadedRuns()
    epochs = _epochs(store)
    results = {
        run_id: (summary, arrays)
        for run_id, summary, arrays in store.query("SELECT run_id, summary, arrays FROM results")
    }
    weighted = {row[0] for row in store.query("SELECT DISTINCT run_id FROM weights")}
    rows = store.query(
        "SELECT id, name, starred, status, message, started_at, elapsed, training, data, "
        "snapshot FROM runs ORDER BY id"
    )
    for row in rows:
        run_id = row[0]
        weights = StoredWeights(store.path, run_id) if run_id in weighted else {}
        try:
            record = _record(row, epochs.get(run_id, []), results.get(run_id), weights)
        except (ValueError, KeyError, TypeError, SettingsError, zipfile.BadZipFile) as error:
            loaded.problems.append(f"run {run_id} ({row[1]}) cannot be read: {error}")
            continue
        loaded.records.append(record)
    return loaded


def _epochs(store: RunStore) -> dict[int, list[EpochProgress]]:
    epochs: dict[int, list[EpochProgress]] = defaultdict(list)
    rows = store.query(
        "SELECT run_id, epoch, step, train_loss, val_loss, metrics, elapsed FROM epochs "
        "ORDER BY run_id, epoch"
    )
    for run_id, epoch, step, train_loss, val_loss, metrics, elapsed in rows:
        values = {k: _number(v) for k, v in from_json(metrics, {}).items()}
        epochs[run_id].append(
            EpochProgress(
                epoch=epoch,
                step=step,
                train_loss=_number(train_loss),
                val_loss=_number(val_loss),
                metrics=types.MappingProxyType(values),
                elapsed=_number(elapsed),
                eta=0.0,
            )
        )
    return epochs


def _record(row: tuple, epochs: list[EpochProgress], results, weights: Mapping) -> RunRecord:
    run_id, name, starred, status, message, started, elapsed, training, data, snapshot = row
    return RunRecord(
        name=name,
        settings=TrainingSettings.from_dict(from_json(training)),
        history=RunHistory.from_epochs(epochs),
        results=decode_results(*results) if results is not None else None,
        state_dict=weights,
        data_settings=DataSettings.from_dict(from_json(data)),
        reason=UNFINISHED if status == "running" else status,
        elapsed=_number(elapsed) if elapsed is not None else 0.0,
        snapshot=snapshot,
        message=message,
        run_id=run_id,
        starred=bool(starred),
        started=started,
    )
