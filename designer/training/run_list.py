"""`RunList`: the runs of the open project, oldest first, kept in step with its run store.

A plain object with change events (psygnal, as the graph has), so the results view only
mirrors it and the rules live here: a project saved as ``NAME.nndesign`` keeps its runs in
``NAME.runs.sqlite`` (`designer.training.run_store`), read back when the project opens;
renaming, starring and deleting a run change the store first and the list only when that
worked. A project not saved yet has no store: its runs live as long as the window, and
`recorded` says so. A store that cannot be read or written is reported through
``events.problem``, once per attempt, in words; the list stays as it was.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from psygnal import Signal, SignalGroup

from designer.training.results import RunRecord
from designer.training.run_loader import load_runs
from designer.training.run_store import RunStore, RunStoreError

_NUMBERED = re.compile(r"^Run (\d+)\b")


def next_run_number(names: Iterable[str]) -> int:
    """One more than the highest "Run N" among ``names``: default names go on after a
    restart instead of starting over."""
    numbers = [int(m.group(1)) for name in names if (m := _NUMBERED.match(name))]
    return max(numbers, default=0) + 1


def run_name(number: int, source: str) -> str:
    """The default name of a run: ``Run 3 (moons)``."""
    return f"Run {number} ({source})"


def next_run_name(store: Path | None, source: str) -> str:
    """The default name of the next run recorded in ``store`` (read if it exists; a
    store that cannot be read counts as empty, and recording then says why)."""
    names: list[str] = []
    if store is not None and store.is_file():
        try:
            with RunStore.open(store) as opened:
                names = [row[0] for row in opened.query("SELECT name FROM runs")]
        except RunStoreError:
            pass
    return run_name(next_run_number(names), source)


class RunListEvents(SignalGroup):
    """``inserted(index, record)``, ``changed(index, record)``, ``removed(index)``,
    ``reset()`` (everything changed: another project), ``problem(message)``."""

    inserted = Signal(int, object)
    changed = Signal(int, object)
    removed = Signal(int)
    reset = Signal()
    problem = Signal(str)


class RunList:
    """The runs the results view lists; see the module docstring."""

    def __init__(self) -> None:
        self.events = RunListEvents()
        self._records: list[RunRecord] = []
        self._store: Path | None = None

    # ------------------------------------------------------------------ reading
    @property
    def store_path(self) -> Path | None:
        """The run store new runs are recorded in; None for an unsaved project."""
        return self._store

    @property
    def records(self) -> tuple[RunRecord, ...]:
        return tuple(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index: int) -> RunRecord:
        return self._records[index]

    def next_number(self) -> int:
        """The number of the next run's default name ("Run 7"): one more than any run
        listed is numbered, so names go on after a restart instead of starting over."""
        return next_run_number(record.name for record in self._records)

    # ------------------------------------------------------------------ opening
    def open(self, store: Path | None) -> None:
        """List the runs recorded in ``store`` (none when there is no such file yet, or
        no store at all), forgetting those listed before."""
        self._store = store
        self._records, problems = self._read(store)
        self.events.reset.emit()
        for problem in problems:  # after the reset, which starts the view afresh
            self.events.problem.emit(problem)

    def relocate(self, store: Path | None) -> None:
        """The project was saved under another name: its runs go with it (the store is
        copied when there is none at the new place), and runs trained before it was
        ever saved stay listed (they are not in any store)."""
        old, self._store = self._store, store
        if store == old:
            return
        problems = []
        if old is not None and store is not None and old.is_file() and not store.exists():
            try:
                with RunStore.open(old) as source:
                    source.copy_to(store)
            except RunStoreError as error:
                problems.append(f"The runs were not copied to {store.name}: {error}")
        unrecorded = [record for record in self._records if not record.recorded]
        records, more = self._read(store)
        self._records = records + unrecorded
        self.events.reset.emit()
        for problem in problems + more:
            self.events.problem.emit(problem)

    @staticmethod
    def _read(store: Path | None) -> tuple[list[RunRecord], list[str]]:
        """The runs recorded in ``store``, and what could not be read."""
        if store is None or not store.exists():
            return [], []
        try:
            with RunStore.open(store) as opened:
                loaded = load_runs(opened)
        except RunStoreError as error:
            return [], [f"The recorded runs cannot be read: {error}"]
        return loaded.records, loaded.problems

    def report(self, problem: str) -> None:
        """Say that the runs could not be recorded as asked (from whoever records them)."""
        self.events.problem.emit(problem)

    # ------------------------------------------------------------------ editing
    def add(self, record: RunRecord) -> None:
        """A run just ended (already recorded by whoever trained it, or not)."""
        self._records.append(record)
        self.events.inserted.emit(len(self._records) - 1, record)

    def rename(self, index: int, name: str) -> bool:
        """Give a run another name (surrounding spaces dropped; an empty name or the same
        one changes nothing); False when the store refused."""
        record = self._records[index]
        name = " ".join(name.split())
        if not name or name == record.name:
            return False
        return self._change(index, dataclasses.replace(record, name=name), "renamed")

    def set_starred(self, index: int, starred: bool) -> bool:
        record = self._records[index]
        if record.starred == starred:
            return False
        return self._change(index, dataclasses.replace(record, starred=starred), "starred")

    def _change(self, index: int, new: RunRecord, verb: str) -> bool:
        if new.recorded:
            try:
                with self._opened() as store:
                    if new.name != self._records[index].name:
                        store.rename(new.run_id, new.name)
                    else:
                        store.set_starred(new.run_id, new.starred)
            except RunStoreError as error:
                self.events.problem.emit(f"The run was not {verb}: {error}")
                return False
        self._records[index] = new
        self.events.changed.emit(index, new)
        return True

    def delete(self, indexes: Sequence[int]) -> bool:
        """Delete runs, with all that was recorded of them; False when the store refused
        (and then none is deleted)."""
        indexes = sorted(set(indexes), reverse=True)
        ids = [self._records[i].run_id for i in indexes if self._records[i].recorded]
        if ids:
            try:
                with self._opened() as store:
                    store.delete(ids)
            except RunStoreError as error:
                self.events.problem.emit(f"Nothing was deleted: {error}")
                return False
        for index in indexes:
            del self._records[index]
            self.events.removed.emit(index)
        return True

    def _opened(self) -> RunStore:
        if self._store is None:
            raise RunStoreError("the project has no run store")
        return RunStore.open(self._store)
