"""Loading data sets off the GUI thread: `DataLoadController`.

Reading a large CSV file, scanning an image folder or loading one of scikit-learn's sets
takes from milliseconds to many seconds, so it never runs in the GUI thread. Each request
runs `load_dataset` on a small thread pool; when several requests overlap (the user types a
path, changes the target column, renames an Input), only the newest one's result is
delivered and the others are dropped when they end. A load that is still running after a
moment is announced (`busy_changed`), so the panel can show that it is working.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from designer.data import DataError, DataLayout, PreparedData, load_dataset
from designer.data.images import read_image
from designer.model.settings import DataSettings

BUSY_DELAY_MS = 250
PREVIEW_IMAGES = 8


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


class _Relay(QObject):
    """Carries a finished load from the pool thread to the controller's thread."""

    done = Signal(int, object, str)


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


class _LoadTask(QRunnable):
    def __init__(self, generation: int, request: LoadRequest, relay: _Relay) -> None:
        super().__init__()
        self.generation, self.request, self.relay = generation, request, relay

    def run(self) -> None:
        request = self.request
        try:
            data = load_dataset(request.settings, request.layout, request.folder)
            images = preview_images(data)
        except DataError as error:
            self.relay.done.emit(self.generation, None, str(error))
        except MemoryError:
            self.relay.done.emit(self.generation, None, "there is not enough memory to load it")
        except Exception as error:  # a loader must never take the application down
            self.relay.done.emit(self.generation, None, f"{type(error).__name__}: {error}")
        else:
            self.relay.done.emit(self.generation, (data, images), "")


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
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)  # a new request never waits for a stale one
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_relay_done)
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
        self._pool.start(_LoadTask(self._generation, request, self._relay))
        if not self._busy:
            self._busy_timer.start()

    def forget(self) -> None:
        """Drop the remembered result and any request in flight (another project opened)."""
        self._generation += 1
        self._current, self._result = None, None
        self.preview_images = {}
        self._stop_busy()

    def shutdown(self) -> None:
        """Wait for running loads to end (their results are dropped); for quitting."""
        self.forget()
        self._pool.waitForDone()

    @Slot(int, object, str)
    def _on_relay_done(self, generation: int, result: object, message: str) -> None:
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
