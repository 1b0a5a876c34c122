"""Autosave and crash recovery.

While the design has unsaved changes it is written every minute to
``<app data>/autosave/<session>.nndesign``; a clean exit deletes the file. A file still
there at start-up therefore means a session ended without closing properly, and the
window offers to restore it.

Each session holds a `QLockFile` next to its autosave, so a second instance running at the
same time never mistakes the first one's autosave for a crash: only files whose lock can
be taken (their owner is gone) are offered for recovery.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer

from designer.ui.file_dialogs import PROJECT_SUFFIX

log = logging.getLogger(__name__)

INTERVAL_MS = 60_000


def default_directory() -> Path:
    """``<AppDataLocation>/autosave``: per user, per application."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "autosave"


@dataclass(frozen=True)
class RecoveryFile:
    """An autosave left behind by a session that did not exit cleanly."""

    path: Path
    origin: Path | None
    saved: datetime

    @property
    def when(self) -> str:
        return self.saved.strftime("on %d %b %Y at %H:%M")


class AutosaveController(QObject):
    """Writes the document to this session's autosave file while it is modified."""

    def __init__(
        self,
        document,  # GraphDocument
        directory: Path | None = None,
        interval_ms: int = INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.directory = directory or default_directory()
        session = f"session-{uuid.uuid4().hex[:12]}"
        self.path = self.directory / f"{session}{PROJECT_SUFFIX}"
        self._info = self.directory / f"{session}.json"
        self._lock: QLockFile | None = None
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.save_now)

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def start(self) -> None:
        """Take this session's lock and start the timer."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_for(self.path)
        if not self._lock.tryLock(0):
            log.warning("could not lock %s; autosave continues unlocked", self.path)
        self._timer.start()

    def save_now(self) -> bool:
        """Write the design if it has unsaved changes; forget the file if it has none."""
        if not self.document.modified:
            self._remove_files()
            return False
        from designer.io import save_project
        from designer.io.atomic import write_atomic

        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            save_project(self.document.project, self.path)
            origin = str(self.document.path) if self.document.path else None
            write_atomic(self._info, json.dumps({"origin": origin}))
        except (OSError, ValueError) as error:
            log.warning("autosave failed: %s", error)
            return False
        return True

    def stop(self) -> None:
        """A clean exit: delete this session's autosave and release its lock."""
        self._timer.stop()
        self._remove_files()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def _remove_files(self) -> None:
        for path in (self.path, self._info):
            path.unlink(missing_ok=True)

    # --------------------------------------------------------------- recovery
    def orphans(self) -> list[RecoveryFile]:
        """Autosaves of sessions that are gone, newest first."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob(f"*{PROJECT_SUFFIX}"):
            if path == self.path:
                continue
            lock = _lock_for(path)
            if not lock.tryLock(0):
                continue  # a running instance owns it
            lock.unlock()
            found.append(_recovery_file(path))
        return sorted(found, key=lambda f: f.saved, reverse=True)

    @staticmethod
    def discard(recovery: RecoveryFile) -> None:
        for path in (recovery.path, recovery.path.with_suffix(".json")):
            path.unlink(missing_ok=True)
        recovery.path.with_suffix(".lock").unlink(missing_ok=True)


def _lock_for(path: Path) -> QLockFile:
    lock = QLockFile(str(path.with_suffix(".lock")))
    # NOTE: Qt treats any lock older than staleLockTime as stale, even when its owner
    # is alive; 0 leaves only the owner-process check, which is what "crashed" means.
    lock.setStaleLockTime(0)
    return lock


def _recovery_file(path: Path) -> RecoveryFile:
    origin = None
    try:
        info = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        origin = Path(info["origin"]) if info.get("origin") else None
    except (OSError, ValueError, TypeError, KeyError):
        pass
    saved = datetime.fromtimestamp(path.stat().st_mtime)
    return RecoveryFile(path, origin, saved)
