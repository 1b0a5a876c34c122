"""Suite-wide settings: headless Qt, torch imported before any QApplication, and a guard
that fails any test leaving a thread running: a Python thread, or a `QThread` (which the
Python thread list does not show)."""

from __future__ import annotations

import os
import sys
import threading
import weakref
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# The graph builders and ruff check of the compiler tests, and the designs of every kind in
# the training tests, are shared by other test folders.
sys.path.insert(0, str(Path(__file__).parent / "compiler"))
sys.path.insert(0, str(Path(__file__).parent / "training"))

import pytest

try:  # NOTE: torch must be imported before the QApplication exists (see ARCHITECTURE.md)
    import torch

    torch.set_num_threads(1)
except ImportError:  # the pure layers are tested without torch too
    torch = None

from hypothesis import HealthCheck, settings

try:  # as `create_application` does: guard a defect of one Qt binding release first
    from designer.ui.qt_compat import keep_constants_alive

    keep_constants_alive()
except ImportError:  # the pure layers are tested without Qt too
    pass

try:
    from PySide6.QtCore import QThread
except ImportError:  # the pure layers are tested without Qt too
    QThread = None

pytest_plugins = ("pytester",)
QTHREAD_GRACE_MS = 1000  # a thread ending as the test ends (its `finished` on the way)

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _no_leaked_threads(monkeypatch):
    """A test that leaves a thread of its own running fails: a Python thread, or a
    `QThread` started during the test (recorded by wrapping `QThread.start`, as napari's
    suite does). A leaked `QThread` is asked to quit afterwards, so that one leak does not
    crash the tests after it."""
    before = set(threading.enumerate())
    started = _record_qthread_starts(monkeypatch) if QThread is not None else {}
    yield
    leaked = [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.daemon and t is not threading.main_thread()
    ]
    for thread in leaked:
        thread.join(timeout=5)
    still = [t.name for t in leaked if t.is_alive()]
    running = _running_qthreads(started)
    assert not still, f"test left threads running: {still}"
    assert not running, f"test left QThreads running: {running}"


def _record_qthread_starts(monkeypatch) -> weakref.WeakKeyDictionary:
    """Wrap `QThread.start` for this test; returns the started threads with where each
    was started from (weakly held: a deleted thread is no leak)."""
    started: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    original = QThread.start

    def start(self, *args, **kwargs):
        caller = sys._getframe(1)
        started[self] = f"{self.objectName() or 'QThread'} started at " + (
            f"{caller.f_code.co_filename}:{caller.f_lineno}"
        )
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", start)
    return started


def _running_qthreads(started: weakref.WeakKeyDictionary) -> list[str]:
    """The recorded threads still running after a short grace; each is then told to quit."""
    running = []
    for thread, where in list(started.items()):
        try:
            if not thread.isRunning() or thread.wait(QTHREAD_GRACE_MS):
                continue
        except RuntimeError:  # its C++ object is gone: it cannot be running
            continue
        running.append(where)
        thread.quit()
        thread.wait(QTHREAD_GRACE_MS)
    return running


@pytest.fixture
def watched_control():
    """The `RunControl` class, made observable: ``blocked`` is set while the training
    loop waits in a pause, so tests wait for that event instead of sleeping and guessing
    how long a loaded machine needs to get there."""
    from designer.training.loop import RunControl

    class WatchedControl(RunControl):
        def __init__(self) -> None:
            super().__init__()
            self.blocked = threading.Event()

        def wait_while_paused(self) -> float:
            if not self.paused:
                return super().wait_while_paused()
            self.blocked.set()
            try:
                return super().wait_while_paused()
            finally:
                self.blocked.clear()

    return WatchedControl


class FakeClock:
    """A stand-in for `time.perf_counter` and `time.monotonic`: each reading is a
    microsecond after the last, and `advance` jumps ahead, so durations are exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 1e-6
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_clock(monkeypatch) -> FakeClock:
    """Replace the clocks of the `time` module with one `FakeClock` for this test."""
    import time

    clock = FakeClock()
    monkeypatch.setattr(time, "perf_counter", clock)
    monkeypatch.setattr(time, "monotonic", clock)
    return clock


def pytest_collection_modifyitems(config, items):
    has_cuda = torch is not None and torch.cuda.is_available()
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords and not has_cuda:
            item.add_marker(skip)
