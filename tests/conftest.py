"""Suite-wide settings: headless Qt, torch imported before any QApplication, and a guard
that fails any test leaving a thread running."""

from __future__ import annotations

import os
import sys
import threading
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

try:  # guards a defect of one Qt binding release before any test touches Qt
    from designer.ui.qt_compat import keep_none_alive

    keep_none_alive()
except ImportError:  # the pure layers are tested without Qt too
    pass

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _no_leaked_threads():
    """A test that leaves a thread of its own running fails."""
    before = set(threading.enumerate())
    yield
    leaked = [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.daemon and t is not threading.main_thread()
    ]
    for thread in leaked:
        thread.join(timeout=5)
    still = [t.name for t in leaked if t.is_alive()]
    assert not still, f"test left threads running: {still}"


def pytest_collection_modifyitems(config, items):
    has_cuda = torch is not None and torch.cuda.is_available()
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords and not has_cuda:
            item.add_marker(skip)
