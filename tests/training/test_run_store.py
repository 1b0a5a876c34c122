"""The run store: what a recorded run keeps, how it reads back, its schema and migrations,
and a store that is locked, read-only, damaged, full or newer than this version."""

from __future__ import annotations

import dataclasses
import itertools
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import torch

from designer.io import project_from_json, project_to_json
from designer.model import Graph, Project
from designer.model.settings import DataSettings, TrainingSettings
from designer.training import recording as recording_module
from designer.training import run_store
from designer.training.loop import BatchProgress, EpochProgress, RunFailed, RunFinished, train
from designer.training.recording import BatchCurveBuffer, Recording, RecordTargets, curve_stride
from designer.training.results import evaluate, run_record
from designer.training.run_codec import design_hash
from designer.training.run_list import RunList
from designer.training.run_loader import load_runs
from designer.training.run_store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    RunStore,
    RunStoreError,
    store_path,
)
from designer.training.session import prepare_run


def moons_project(epochs: int = 3, hidden: int = 8, samples: int = 200) -> Project:
    graph = Graph()
    nodes = [
        ("Input", {"features": 2}, "input"),
        ("Linear", {"units": hidden}, "hidden"),
        ("ReLU", {}, None),
        ("Linear", {"units": 2}, "logits"),
        ("Output", {"loss": "cross_entropy"}, "output"),
    ]
    ids = [graph.add_node(t, p, label).id for t, p, label in nodes]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    data = DataSettings(source="moons", samples=samples)
    training = TrainingSettings(epochs=epochs, batch_size=16, learning_rate=0.02, device="cpu")
    return Project(graph, data, training)


class Trained:
    """A run trained and recorded as the window and the command line do it."""

    def __init__(self, prepared, targets: RecordTargets) -> None:
        self.warnings: list[str] = []
        self.prepared = prepared
        self.epochs: list[EpochProgress] = []
        self.batch_losses: list[float] = []
        recording = Recording.start(prepared, targets, self.warnings.append)
        try:
            for progress in train(prepared):
                recording.add(progress)
                if isinstance(progress, EpochProgress):
                    self.epochs.append(progress)
                elif isinstance(progress, RunFinished | RunFailed):
                    self.end = progress
                elif isinstance(progress, BatchProgress):
                    self.batch_losses.append(progress.batch_loss)
            finished = isinstance(self.end, RunFinished)
            results = evaluate(prepared, self.end.final_metrics) if finished else None
            best = self.end.best_epoch if finished else 0
            ended = run_record(prepared, self.end, self.epochs, results)
            self.record = recording.finish(ended, best)
        finally:
            recording.close()


def record(path: Path, project: Project | None = None, name: str = "Run 1 (moons)", **targets):
    prepared = prepare_run(project or moons_project(), name=name)
    return Trained(prepared, RecordTargets(store=path, **targets))


def loaded(path: Path):
    with RunStore.open(path) as store:
        return load_runs(store)


@pytest.fixture
def store_file(tmp_path) -> Path:
    return store_path(tmp_path / "moons.nndesign")


def test_the_store_sits_beside_the_project_and_is_made_by_the_first_run(tmp_path):
    assert store_path(tmp_path / "a.b.nndesign") == tmp_path / "a.b.runs.sqlite"
    target = store_path(tmp_path / "moons.nndesign")
    assert not target.exists()
    trained = record(target)
    assert target.is_file() and trained.warnings == []
    assert trained.record.run_id == 1 and trained.record.recorded and trained.record.started


def test_a_recorded_run_reads_back_as_the_window_shows_it(store_file):
    trained = record(store_file)
    [back] = loaded(store_file).records
    live = trained.record
    assert (back.name, back.reason, back.run_id, back.starred) == (live.name, "completed", 1, False)
    assert back.settings == live.settings and back.data_settings == live.data_settings
    assert back.snapshot == live.snapshot == trained.prepared.snapshot
    for name in ("epochs", "train_loss", "val_loss", "metric"):
        assert np.array_equal(getattr(back.history, name), getattr(live.history, name))
    assert back.history.metric_name == "accuracy" and back.elapsed == live.elapsed
    results, expected = back.results, live.results
    assert dict(results.metrics) == dict(expected.metrics)
    assert list(results.metrics) == list(expected.metrics)  # in the order they were shown
    assert np.array_equal(results.confusion, expected.confusion)
    assert results.predictions == expected.predictions and results.class_names
    assert np.array_equal(results.boundary.values, expected.boundary.values)
    assert results.boundary.kind == expected.boundary.kind
    assert back.state_dict.keys() == live.state_dict.keys()
    assert all(torch.equal(back.state_dict[k], live.state_dict[k]) for k in live.state_dict)


def test_the_row_holds_hash_settings_versions_seed_and_ending(store_file):
    trained = record(store_file)
    with RunStore.open(store_file) as store:
        [row] = store.query(
            "SELECT source, status, design_hash, seed, versions, training, data, device, "
            "epochs_run, best_epoch, final_metrics, num_train, num_val, ended_at FROM runs"
        )
    source, status, digest, seed, versions, training, data, device, *rest = row
    epochs_run, best_epoch, final, num_train, num_val, ended = rest
    assert (source, status, seed, device) == ("app", "completed", 0, "cpu")
    assert digest == design_hash(trained.prepared.snapshot)
    assert json.loads(versions)["torch"] == torch.__version__
    assert TrainingSettings.from_dict(json.loads(training)) == trained.prepared.settings
    assert DataSettings.from_dict(json.loads(data)) == trained.prepared.data_settings
    assert (epochs_run, best_epoch) == (3, trained.end.best_epoch)
    assert json.loads(final) == dict(trained.end.final_metrics)
    assert (num_train, num_val) == (160, 40) and ended


def test_the_design_hash_is_the_network_not_its_layout_ids_or_settings():
    project = moons_project()
    base = design_hash(project_to_json(project))
    moved = moons_project()
    moved.graph.move_node(moved.graph.nodes_of_role("input")[0], 500.0, 80.0)
    moved.training = moved.training.replace(learning_rate=0.5)
    moved.metadata["name"] = "Another name"
    assert design_hash(project_to_json(moved)) == base
    renumbered = json.loads(project_to_json(project))
    mapping = {node["id"]: f"x{node['id']}" for node in renumbered["nodes"]}
    for node in renumbered["nodes"]:
        node["id"] = mapping[node["id"]]
    for edge in renumbered["edges"]:
        edge["from"][0], edge["to"][0] = mapping[edge["from"][0]], mapping[edge["to"][0]]
    assert design_hash(json.dumps(renumbered)) == base
    wider = moons_project(hidden=16)
    assert design_hash(project_to_json(wider)) != base


def test_batch_curves_keep_every_batch_of_a_short_run(store_file):
    trained = record(store_file)
    with RunStore.open(store_file) as store:
        curve = store.batch_curve(1)
    assert curve.stride == 1 and list(curve.steps) == list(range(1, 31))  # 3 epochs x 10
    assert np.allclose(curve.loss, trained.batch_losses, rtol=1e-6)  # float32
    assert np.all(curve.learning_rate > 0)


def test_batch_curves_are_bounded_by_averaging_neighbours(store_file, monkeypatch):
    monkeypatch.setattr(recording_module, "MAX_EPOCH_POINTS", 4)
    trained = record(store_file)  # 10 batches an epoch: windows of 3, 3, 3 and 1
    assert curve_stride(trained.prepared) == 3
    with RunStore.open(store_file) as store:
        curve = store.batch_curve(1)
    assert list(curve.steps[:4]) == [1, 4, 7, 10] and len(curve) == 12
    losses = trained.batch_losses
    assert np.allclose(curve.loss[:4], [np.mean(losses[0:3]), np.mean(losses[3:6]),
                                        np.mean(losses[6:9]), losses[9]], rtol=1e-6)  # fmt: skip


def test_the_curve_of_a_long_run_stays_within_its_bound():
    prepared = prepare_run(moons_project(epochs=100_000, samples=200_000))
    stride = curve_stride(prepared)
    steps = 10_000  # 160 000 training rows in batches of 16
    assert steps / stride * 100_000 <= recording_module.MAX_BATCH_POINTS * 1.01
    buffer = BatchCurveBuffer(stride=4)
    for step in range(1, 11):
        buffer.add(type("B", (), {"step": step, "batch_loss": float(step), "learning_rate": 0.1}))
    curve = buffer.take()
    assert list(curve.steps) == [1, 5, 9] and list(curve.loss) == [2.5, 6.5, 9.5]
    assert len(buffer.take()) == 0


def test_a_failed_run_is_recorded_with_its_message_and_epochs(store_file):
    project = moons_project(epochs=5)
    project.training = project.training.replace(learning_rate=10.0, optimizer="sgd")
    prepared = prepare_run(project, name="Run 1 (moons)")
    exploding = dataclasses.replace(prepared, model=Exploding(prepared.model, after=25))
    trained = Trained(exploding, RecordTargets(store=store_file))
    assert isinstance(trained.end, RunFailed)
    [back] = loaded(store_file).records
    assert back.reason == "failed" and "boom in the model" in back.message
    assert len(back.history.epochs) == len(trained.epochs) == 2 and back.results is None
    assert back.state_dict == {} and "failed" in back.summary


class Exploding(torch.nn.Module):
    def __init__(self, inner: torch.nn.Module, after: int) -> None:
        super().__init__()
        self.inner, self.after, self.calls = inner, after, 0

    def forward(self, x):
        self.calls += 1
        if self.calls > self.after:
            raise RuntimeError("boom in the model")
        return self.inner(x)


# ---------------------------------------------------------------------- schema
def test_the_schema_carries_its_version_and_application_id(store_file):
    record(store_file)
    db = sqlite3.connect(store_file)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        db.close()
    assert {"runs", "epochs", "batches", "results", "weights"} <= tables


def test_an_older_store_is_upgraded_step_by_step(store_file, monkeypatch):
    record(store_file)

    def add_notes(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT ''")

    monkeypatch.setattr(run_store, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(run_store.MIGRATIONS, SCHEMA_VERSION, add_notes)
    with RunStore.open(store_file) as store:
        assert store.version == SCHEMA_VERSION + 1
        assert store.query("SELECT notes FROM runs") == [("",)]
        assert [r.name for r in load_runs(store).records] == ["Run 1 (moons)"]


def test_a_failed_upgrade_leaves_the_store_as_it_was(store_file, monkeypatch):
    record(store_file)

    def broken(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE runs ADD COLUMN notes TEXT")
        db.execute("this is not SQL")

    monkeypatch.setattr(run_store, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(run_store.MIGRATIONS, SCHEMA_VERSION, broken)
    with pytest.raises(RunStoreError):
        RunStore.open(store_file)
    monkeypatch.undo()
    with RunStore.open(store_file) as store:
        assert store.version == SCHEMA_VERSION
        columns = [row[1] for row in store.query("PRAGMA table_info(runs)")]
    assert "notes" not in columns


def test_a_store_from_a_newer_version_is_refused_and_kept(store_file):
    record(store_file)
    db = sqlite3.connect(store_file)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(RunStoreError, match="newer NN Designer"):
        RunStore.open(store_file)
    trained = record(store_file, name="Run 2")
    assert trained.warnings == [
        f"The run is not recorded: {store_file.name} was written by a newer NN Designer "
        f"(store version 99; this version reads up to {SCHEMA_VERSION})"
    ]
    assert trained.record.run_id is None and isinstance(trained.end, RunFinished)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not a database at all, " * 100, "is not a run store or is damaged"),
        ("sqlite", "is an SQLite file, but not a run store"),
    ],
)
def test_a_damaged_or_foreign_file_is_named_and_left_alone(store_file, content, reason):
    if content == "sqlite":
        db = sqlite3.connect(store_file)
        db.execute("CREATE TABLE mine (x)")
        db.commit()
        db.close()
    else:
        store_file.write_bytes(content)
    before = store_file.read_bytes()
    trained = record(store_file)
    assert isinstance(trained.end, RunFinished)  # the run went on
    assert len(trained.warnings) == 1 and reason in trained.warnings[0]
    assert store_file.name in trained.warnings[0]
    assert store_file.read_bytes() == before
    runs = RunList()
    problems: list[str] = []
    runs.events.problem.connect(problems.append)
    runs.open(store_file)
    assert len(runs) == 0 and len(problems) == 1 and reason in problems[0]


# ------------------------------------------------------------ failing stores
def test_a_locked_store_is_one_message_and_the_run_goes_on(store_file, monkeypatch):
    record(store_file)
    monkeypatch.setattr(run_store, "BUSY_TIMEOUT_S", 0.05)
    holder = sqlite3.connect(store_file, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        trained = record(store_file, name="Run 2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert isinstance(trained.end, RunFinished) and len(trained.epochs) == 3
    assert trained.warnings == [f"The run is not recorded: {store_file.name} is in use by "
                                "another program (it is locked)"]  # fmt: skip
    assert [r.name for r in loaded(store_file).records] == ["Run 1 (moons)"]


def opened_with(monkeypatch, *pragmas: str) -> None:
    """Every store opened from now on behaves as one on such a disk would."""
    original = RunStore.open.__func__

    def open_limited(cls, path, create=False):
        store = original(cls, path, create)
        for pragma in pragmas:
            store.query(pragma)
        return store

    monkeypatch.setattr(RunStore, "open", classmethod(open_limited))


def test_a_full_disk_mid_run_stops_recording_not_training(store_file, monkeypatch):
    record(store_file)  # the store exists: its pages are counted below
    pages = sqlite3.connect(store_file).execute("PRAGMA page_count").fetchone()[0]
    opened_with(monkeypatch, f"PRAGMA max_page_count = {pages + 3}")
    bigger = moons_project(epochs=3, hidden=512)  # weights too large for 3 more pages
    trained = record(store_file, project=bigger, name="Run 2")
    assert isinstance(trained.end, RunFinished) and len(trained.epochs) == 3
    assert trained.warnings == [
        f"Recording stopped: the disk holding {store_file.name} is full; training goes on"
    ]
    monkeypatch.undo()
    runs = loaded(store_file).records
    assert [r.reason for r in runs] == ["completed", "unfinished"]  # kept up to the failure
    assert runs[1].state_dict == {} and runs[1].results is None


def test_a_read_only_store_is_one_message(store_file, monkeypatch):
    record(store_file)
    opened_with(monkeypatch, "PRAGMA query_only = ON")
    trained = record(store_file, name="Run 2")
    assert isinstance(trained.end, RunFinished)
    assert trained.warnings == [f"The run is not recorded: {store_file.name} is read-only"]
    runs = RunList()
    runs.open(store_file)
    problems: list[str] = []
    runs.events.problem.connect(problems.append)
    assert not runs.rename(0, "Better name") and runs[0].name == "Run 1 (moons)"
    assert problems == [f"The run was not renamed: {store_file.name} is read-only"]


def test_an_unwritable_folder_is_one_message(tmp_path):
    missing = tmp_path / "no such folder" / "moons.runs.sqlite"
    trained = record(missing)
    assert isinstance(trained.end, RunFinished)
    assert trained.warnings == [
        "The run is not recorded: moons.runs.sqlite cannot be opened or created "
        "(is its folder writable?)"
    ]


# ------------------------------------------------------------------ editing
def test_rename_star_and_delete_last(store_file):
    for number in (1, 2, 3):
        record(store_file, name=f"Run {number} (moons)")
    runs = RunList()
    runs.open(store_file)
    assert runs.next_number() == 4
    assert runs.rename(0, "  Baseline   wide ") and runs[0].name == "Baseline wide"
    assert not runs.rename(0, "   ")  # an empty name changes nothing
    assert runs.set_starred(2, True) and runs[2].starred
    assert runs.delete([1])
    again = RunList()
    again.open(store_file)
    assert [(r.name, r.starred, r.run_id) for r in again.records] == [
        ("Baseline wide", False, 1),
        ("Run 3 (moons)", True, 3),
    ]
    with RunStore.open(store_file) as store:
        for table in ("epochs", "batches", "results", "weights"):
            assert store.query(f"SELECT DISTINCT run_id FROM {table} ORDER BY run_id") == [
                (1,),
                (3,),
            ]
    assert record(store_file, name="Run 4 (moons)").record.run_id == 4  # ids never reused


def test_deleting_a_run_gives_its_space_back(store_file):
    record(store_file)
    size = store_file.stat().st_size
    record(store_file, project=moons_project(hidden=1024), name="Run 2")
    assert store_file.stat().st_size > size + 30_000
    runs = RunList()
    runs.open(store_file)
    runs.delete([1])
    assert store_file.stat().st_size < size + 30_000


def test_saving_under_another_name_takes_the_runs_along(tmp_path):
    old = store_path(tmp_path / "a.nndesign")
    record(old)
    runs = RunList()
    runs.open(old)
    new = store_path(tmp_path / "b.nndesign")
    runs.relocate(new)
    assert new.is_file() and runs.store_path == new
    assert [r.name for r in runs.records] == ["Run 1 (moons)"]
    runs.rename(0, "Only in b")
    assert [r.name for r in loaded(old).records] == ["Run 1 (moons)"]
    assert [r.name for r in loaded(new).records] == ["Only in b"]


def test_a_restored_snapshot_is_the_trained_project(store_file):
    project = moons_project()
    project.metadata["name"] = "Moons"
    record(store_file, project=project)
    [back] = loaded(store_file).records
    assert project_to_json(project_from_json(back.snapshot)) == project_to_json(project)


def test_a_path_with_spaces_hashes_and_accents_is_fine(tmp_path):
    folder = tmp_path / "my runs #1 ?über%20"
    folder.mkdir()
    path = store_path(folder / "moons.nndesign")
    assert record(path).warnings == []
    assert [r.name for r in loaded(path).records] == ["Run 1 (moons)"]
    assert sorted(p.name for p in folder.iterdir()) == ["moons.runs.sqlite"]


def test_a_sink_that_breaks_is_dropped_and_the_run_goes_on(store_file, monkeypatch):
    from designer.training import tensorboard

    def broken(self, record, curve):
        raise TypeError("an event file could not be written")

    monkeypatch.setattr(tensorboard.TensorBoardLog, "epoch", broken)
    trained = record(store_file, tensorboard=store_file.parent / "logs")
    assert isinstance(trained.end, RunFinished) and len(trained.epochs) == 3
    assert trained.warnings == [
        "TensorBoard logs stopped: an event file could not be written; training goes on"
    ]
    assert loaded(store_file).records[0].reason == "completed"  # the store went on


def test_a_sink_that_cannot_open_for_any_reason_is_one_message(store_file, monkeypatch):
    from designer.training import tensorboard

    def surprise(self, folder, prepared):
        raise TypeError("Descriptors cannot be created directly")

    monkeypatch.setattr(tensorboard.TensorBoardLog, "__init__", surprise)
    trained = record(store_file, tensorboard=store_file.parent / "logs")
    assert isinstance(trained.end, RunFinished)
    assert trained.warnings == ["No TensorBoard logs: Descriptors cannot be created directly"]
