"""The run store: every training run of a project, kept in ``NAME.runs.sqlite`` beside it.

One SQLite file (standard library ``sqlite3``, no ORM) per project, created by its first
recorded run. Its schema carries a version (``PRAGMA user_version``) and an application
id, and opening an older store upgrades it step by step (`MIGRATIONS`, as project files
are migrated); a store from a newer version, or a file that is not a run store, is
refused with one message. Every change is one short transaction, so a crash leaves the
store as it was before the change or after it, never between; the training thread
batches its writes, so a transaction never holds the store for more than moments and
the window can rename or delete runs while another trains.

Tables (see `_create_schema_1`):

- ``runs``: one row per run: name, star, where it ran, status (running, completed,
  early_stopped, stopped, failed, interrupted) and message, start and end times,
  training time, seed, the design as a project file's text and its hash, the data and
  training settings (JSON), the data's name and sizes, library versions, device, the
  headline metric and the final metrics.
- ``epochs``: per epoch the step, training and validation loss, every metric (JSON)
  and the time so far.
- ``batches``: per epoch the batch losses and learning rates as float32 blobs, at most
  `designer.training.recording.MAX_BATCH_POINTS` a run (means of neighbouring batches).
- ``results``: what the results view shows (metrics, classes, predictions as JSON;
  confusion matrix and decision boundary as ``.npz`` arrays).
- ``weights``: the kept weights as a safetensors file, in chunks under SQLite's limit.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from designer.io.atomic import write_atomic
from designer.training.run_codec import (
    BatchCurve,
    blob_weights,
    encode_results,
    float32_array,
    float32_blob,
    to_json,
    weights_blob,
)

STORE_SUFFIX = ".runs.sqlite"
SCHEMA_VERSION = 1
APPLICATION_ID = 0x4E4E5253  # "NNRS": says this SQLite file is a run store
BUSY_TIMEOUT_S = 2.0
WEIGHT_CHUNK = 64 * 1024 * 1024  # SQLite refuses values over 1e9 bytes

Migration = Callable[[sqlite3.Connection], None]


def store_path(project_path: str | os.PathLike[str]) -> Path:
    """``NAME.runs.sqlite`` for the project file ``NAME.nndesign``, in its folder."""
    path = Path(project_path)
    return path.with_name(path.stem + STORE_SUFFIX)


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class RunStoreError(OSError):
    """The store cannot be read or written; the message says why, in words."""


def explain(error: BaseException, path: Path) -> str:
    """One sentence saying why ``path`` could not be used, from an SQLite or OS error."""
    name = path.name
    code = getattr(error, "sqlite_errorname", "")  # set by sqlite3 on its own errors
    reasons = {
        "SQLITE_BUSY": f"{name} is in use by another program (it is locked)",
        "SQLITE_LOCKED": f"{name} is in use by another program (it is locked)",
        "SQLITE_READONLY": f"{name} is read-only",
        "SQLITE_FULL": f"the disk holding {name} is full",
        "SQLITE_CANTOPEN": f"{name} cannot be opened or created (is its folder writable?)",
        "SQLITE_PERM": f"there is no permission to write {name}",
        "SQLITE_NOTADB": f"{name} is not a run store or is damaged; move it aside",
        "SQLITE_CORRUPT": f"{name} is damaged; move it aside to start a new one",
        "SQLITE_IOERR": f"{name} could not be read or written (a disk error)",
    }
    for prefix, reason in reasons.items():
        if code.startswith(prefix):
            return reason
    if isinstance(error, OSError):
        return f"{name}: {error.strerror or error}"
    return f"{name}: {error}"


# ------------------------------------------------------------------ migrations
def _create_schema_1(db: sqlite3.Connection) -> None:
    _execute_all(
        db,
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused after a delete
            name TEXT NOT NULL,
            starred INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL,                  -- 'app' or 'cli'
            status TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            started_at TEXT NOT NULL,
            ended_at TEXT,
            elapsed REAL,                          -- seconds of training, pauses excluded
            epochs_run INTEGER,
            best_epoch INTEGER,
            seed INTEGER NOT NULL,
            design_hash TEXT NOT NULL,
            snapshot TEXT NOT NULL,                -- the project file as it was trained
            training TEXT NOT NULL,                -- JSON
            data TEXT NOT NULL,                    -- JSON
            data_name TEXT NOT NULL,
            num_train INTEGER NOT NULL,
            num_val INTEGER NOT NULL,
            versions TEXT NOT NULL,                -- JSON {package: version}
            device TEXT NOT NULL,
            metric_name TEXT,
            final_metrics TEXT                     -- JSON
        );
        CREATE TABLE epochs (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            epoch INTEGER NOT NULL,
            step INTEGER NOT NULL,
            train_loss REAL,
            val_loss REAL,
            metrics TEXT NOT NULL,
            elapsed REAL NOT NULL,
            PRIMARY KEY (run_id, epoch)
        ) WITHOUT ROWID;
        CREATE TABLE batches (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            epoch INTEGER NOT NULL,
            first_step INTEGER NOT NULL,
            stride INTEGER NOT NULL,               -- batches averaged into each point
            loss BLOB NOT NULL,                    -- float32, little-endian
            learning_rate BLOB NOT NULL,
            PRIMARY KEY (run_id, epoch)
        ) WITHOUT ROWID;
        CREATE TABLE results (
            run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
            summary TEXT NOT NULL,                 -- JSON
            arrays BLOB NOT NULL                   -- .npz
        );
        CREATE TABLE weights (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            chunk INTEGER NOT NULL,
            data BLOB NOT NULL,                    -- a safetensors file, in chunks
            PRIMARY KEY (run_id, chunk)
        );
        """,
    )


def _execute_all(db: sqlite3.Connection, script: str) -> None:
    """Run each statement of ``script`` inside the caller's transaction (``executescript``
    would commit it first)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


#: ``version -> function`` upgrading a store of that schema version to the next one;
#: version 0 is a new, empty file.
MIGRATIONS: dict[int, Migration] = {0: _create_schema_1}


# ----------------------------------------------------------------------- store
class RunStore:
    """An open run store, used from one thread (SQLite connections are not shared).

    ``RunStore.open(path)`` opens an existing store, ``create=True`` makes one when there
    is none. Every method raises `RunStoreError` with a readable message.
    """

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db, self.path = db, path

    @classmethod
    def open(cls, path: str | os.PathLike[str], create: bool = False) -> RunStore:
        path = Path(path)
        if not create and not path.is_file():
            raise RunStoreError(f"{path.name} does not exist")
        mode = "rwc" if create else "rw"
        uri = f"{path.absolute().as_uri()}?mode={mode}"
        try:
            db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except (sqlite3.Error, OSError) as error:
            raise RunStoreError(explain(error, path)) from error
        store = cls(db, path)
        try:
            with store._errors():
                store._prepare()
        except BaseException:
            db.close()
            raise
        return store

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except RunStoreError:
            raise
        except (sqlite3.Error, OSError) as error:
            raise RunStoreError(explain(error, self.path)) from error

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: all of it is kept, or (on any error, Ctrl+C included)
        none of it."""
        db = self._db
        with self._errors():
            if db.in_transaction:  # one cut short by Ctrl+C before it could roll back
                db.execute("ROLLBACK")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def _prepare(self) -> None:
        """Check that this is a run store of a version this code reads; upgrade it."""
        db = self._db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        application = db.execute("PRAGMA application_id").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if (version or tables) and application != APPLICATION_ID:
            raise RunStoreError(f"{self.path.name} is an SQLite file, but not a run store")
        if version > SCHEMA_VERSION:
            raise RunStoreError(
                f"{self.path.name} was written by a newer NN Designer (store version "
                f"{version}; this version reads up to {SCHEMA_VERSION})"
            )
        if version == SCHEMA_VERSION:
            return
        if not tables:  # must precede the first table to take effect
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        with self.transaction():
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](db)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def version(self) -> int:
        with self._errors():
            return self._db.execute("PRAGMA user_version").fetchone()[0]

    def query(self, sql: str, parameters: Sequence[object] = ()) -> list[tuple]:
        """Rows of a read-only query (for the loader and tests)."""
        with self._errors():
            return self._db.execute(sql, parameters).fetchall()

    # -------------------------------------------------------------- recording
    def begin_run(self, row: dict[str, object]) -> int:
        """Insert a run that has started (status "running"); returns its id."""
        columns, marks = ", ".join(row), ", ".join("?" for _ in row)
        with self.transaction() as db:
            sql = f"INSERT INTO runs ({columns}) VALUES ({marks})"
            cursor = db.execute(sql, list(row.values()))
            return int(cursor.lastrowid)

    def add_epochs(self, run_id: int, epochs: Sequence[tuple[object, BatchCurve | None]]) -> None:
        """Add finished epochs (an `EpochProgress` each, with its batch curve)."""
        with self.transaction() as db:
            for record, curve in epochs:
                db.execute(
                    "INSERT OR REPLACE INTO epochs VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        run_id,
                        record.epoch,
                        record.step,
                        record.train_loss,
                        record.val_loss,
                        to_json(dict(record.metrics)),
                        record.elapsed,
                    ),
                )
                if curve is not None and len(curve):
                    db.execute(
                        "INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            run_id,
                            record.epoch,
                            int(curve.steps[0]),
                            curve.stride,
                            float32_blob(curve.loss),
                            float32_blob(curve.learning_rate),
                        ),
                    )

    def end_run(self, run_id: int, status: str, changes: dict[str, object], record=None) -> None:
        """Mark the run ended (``status``), with ``changes`` to its row and, given its
        `RunRecord`, its results and kept weights."""
        values = {"status": status, "ended_at": now(), **changes}
        assignments = ", ".join(f"{name} = ?" for name in values)
        results = weights = None
        if record is not None and record.results is not None:
            results = encode_results(record.results)
        if record is not None and record.state_dict:
            weights = weights_blob(record.state_dict)
        with self.transaction() as db:
            db.execute(f"UPDATE runs SET {assignments} WHERE id = ?", [*values.values(), run_id])
            if results is not None:
                db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", (run_id, *results))
            if weights is not None:
                db.execute("DELETE FROM weights WHERE run_id = ?", (run_id,))
                for chunk, start in enumerate(range(0, len(weights), WEIGHT_CHUNK)):
                    part = weights[start : start + WEIGHT_CHUNK]
                    db.execute("INSERT INTO weights VALUES (?, ?, ?)", (run_id, chunk, part))

    # ---------------------------------------------------------------- editing
    def rename(self, run_id: int, name: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET name = ? WHERE id = ?", (name, run_id))

    def set_starred(self, run_id: int, starred: bool) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET starred = ? WHERE id = ?", (int(starred), run_id))

    def delete(self, run_ids: Sequence[int]) -> None:
        """Delete runs with everything recorded of them, and give the space back."""
        with self.transaction() as db:
            for table, key in (*((t, "run_id") for t in _PARTS), ("runs", "id")):
                db.executemany(f"DELETE FROM {table} WHERE {key} = ?", [(i,) for i in run_ids])
        with self._errors():
            # executescript steps it to the end (execute frees one page a step)
            self._db.executescript("PRAGMA incremental_vacuum;")

    def copy_to(self, target: str | os.PathLike[str]) -> None:
        """Write a consistent copy of the whole store to ``target`` (atomically: SQLite's
        backup into a temporary file that then replaces the target)."""

        def write(temporary: str) -> None:
            destination = sqlite3.connect(temporary)
            try:
                self._db.backup(destination)
            finally:
                destination.close()

        with self._errors():
            write_atomic(target, write)

    # ---------------------------------------------------------------- reading
    def weights(self, run_id: int) -> dict:
        """The kept weights of a run (empty when none were kept)."""
        rows = self.query("SELECT data FROM weights WHERE run_id = ? ORDER BY chunk", (run_id,))
        if not rows:
            return {}
        try:
            return blob_weights(b"".join(row[0] for row in rows))
        except Exception as error:  # safetensors' own error types vary between versions
            raise RunStoreError(f"the weights of run {run_id} are damaged: {error}") from None

    def batch_curve(self, run_id: int) -> BatchCurve:
        """The batch curve of a whole run: a point per stored batch window."""
        rows = self.query(
            "SELECT first_step, stride, loss, learning_rate FROM batches "
            "WHERE run_id = ? ORDER BY epoch",
            (run_id,),
        )
        steps, losses, rates, strides = [], [], [], [1]
        for first, stride, loss, rate in rows:
            values = float32_array(loss)
            steps.append(first + stride * np.arange(len(values)))
            losses.append(values)
            rates.append(float32_array(rate))
            strides.append(stride)
        if not rows:
            return BatchCurve(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
        joined = (np.concatenate(parts) for parts in (steps, losses, rates))
        return BatchCurve(*joined, stride=max(strides))


_PARTS = ("epochs", "batches", "results", "weights")
