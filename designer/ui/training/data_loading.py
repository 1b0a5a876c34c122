"""Loading data sets off the GUI thread: `DataLoadController`.

Reading a large CSV file, scanning an image folder or loading one of scikit-learn's sets
takes from milliseconds to many seconds, so it never runs in the GUI thread. Each request
runs `load_dataset` in a thread of its own; when several requests overlap (the user types a
path, changes the target column, renames an Input), only the newest one's result is
delivered and the others are dropped when they end. A load that is still running after a
moment is announced (`busy_changed`), so the panel can show that it is working.

NOTE: a loading thread touches no Qt object: it leaves its outcome in a queue that the
controller empties on a timer while a load is pending. So a window closed in the middle of
a load (its controller deleted) leaves the thread nothing to reach but the queue, and
quitting never waits for a slow load (the threads are daemons).
"""

from __future__ import annotations

import os
import queue
import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from designer.data import DataError, DataLayout, PreparedData, load_dataset
from designer.data.images import read_image
from designer.model.settings import DataSettings

BUSY_DELAY_MS = 250
POLL_MS = 15
SHUTDOWN_WAIT_S = 5.0
PREVIEW_IMAGES = 16


@dataclass(frozen=True)
class LoadRequest:
    """What to load: the data settings, the design's layout and the project's folder."""

    settings: DataSettings
    layout: DataLayout
    folder: str | None = None

    @property
    def key(self) -> tuple:
        """Two requests with the same key load the same arrays."""
        return self.settings, self.layout.loading_key(), self.folder


def preview_images(data: PreparedData, count: int = PREVIEW_IMAGES) -> dict[str, list]:
    """The first training images of each image-file input, decoded as training decodes
    them (in the loading thread: large photos take a while)."""
    images: dict[str, list[np.ndarray]] = {}
    for info in data.inputs:
        if info.kind == "files":
            files = data.train[info.name][:count]
            images[info.name] = [
                read_image(os.path.join(info.root, str(name)), *info.shape) for name in files
            ]
    return images


def _load(request: LoadRequest) -> tuple[object, str]:
    """(data and its preview images, "") or (None, why it cannot load)."""
    try:
        data = load_dataset(request.settings, request.layout, request.folder)
        return (data, preview_images(data)), ""
    except DataError as error:
        return None, str(error)
    except MemoryError:
        return None, "there is not enough memory to load it"
    except Exception as error:  # a loader must never take the application down
        return None, f"{type(error).__name__}: {error}"


class DataLoadController(QObject):
    """Loads data sets in the background and reports the newest request's outcome.

    Signals:
        loaded(PreparedData): the newest request loaded.
        failed(str): the newest request could not load; the text is for the user.
        busy_changed(bool): a load has been running for a moment (True), or ended (False).
    """

    loaded = Signal(object)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._outcomes: queue.SimpleQueue[tuple[int, object, str]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._on_poll_timeout)
        self._generation = 0
        self._current: LoadRequest | None = None
        self._result: tuple[tuple, PreparedData] | None = None
        self.preview_images: dict[str, list] = {}  # of the last loaded data's image files
        self._busy = False
        self._busy_timer = QTimer(self, singleShot=True, interval=BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(lambda: self._set_busy(True))

    @property
    def pending(self) -> bool:
        """Whether the newest request has not finished yet."""
        return self._current is not None

    @property
    def busy(self) -> bool:
        return self._busy

    def request(self, settings: DataSettings, layout: DataLayout, folder=None) -> None:
        """Load in the background; a request equal to the last loaded one answers at once."""
        request = LoadRequest(settings, layout, os.fspath(folder) if folder else None)
        self._generation += 1
        if self._result is not None and self._result[0] == request.key:
            self._current = None
            self._stop_busy()
            self.loaded.emit(self._result[1])
            return
        self._current = request
        outcomes, generation = self._outcomes, self._generation

        def run() -> None:
            outcomes.put((generation, *_load(request)))

        thread = threading.Thread(target=run, name="data-load", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        self._poll.start()
        if not self._busy:
            self._busy_timer.start()

    def forget(self) -> None:
        """Drop the remembered result and any request in flight (another project opened)."""
        self._generation += 1
        self._current, self._result = None, None
        self.preview_images = {}
        self._stop_busy()

    def shutdown(self, timeout: float = SHUTDOWN_WAIT_S) -> None:
        """Drop any load in flight and give its thread a moment to end (closing)."""
        self.forget()
        self._poll.stop()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]

    def _on_poll_timeout(self) -> None:
        while not self._outcomes.empty():
            self._on_outcome(*self._outcomes.get())
        if self._current is None:
            self._poll.stop()

    def _on_outcome(self, generation: int, result: object, message: str) -> None:
        if generation != self._generation or self._current is None:
            return  # a newer request has been made since: this result is stale
        request, self._current = self._current, None
        self._stop_busy()
        if result is None:
            self.failed.emit(message)
            return
        data, self.preview_images = result  # type: ignore[misc]
        self._result = (request.key, data)
        self.loaded.emit(data)

    def _stop_busy(self) -> None:
        self._busy_timer.stop()
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)
