"""The guard against the ``None`` (and ``True``/``False``) defect of PySide6 6.12 is bound
to the affected releases and applied when the application is created, never as a side
effect of an import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from designer.ui.qt_compat import needs_none_guard

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
immortal = 1 << 40
import designer.ui, designer.ui.main_window, designer.ui.canvas
def guarded():
    return all(sys.getrefcount(constant) >= immortal for constant in (None, True, False))
print(guarded())
from designer.ui.application import create_application
from designer.ui.qt_compat import needs_none_guard
create_application(["probe"])
print(guarded(), needs_none_guard())
"""


@pytest.mark.parametrize(
    ("python", "binding", "needed"),
    [
        ((3, 11), (6, 12), True),
        ((3, 10), (6, 12, 3), True),
        ((3, 11), (6, 11), False),
        ((3, 11), (6, 13), False),  # beyond the releases seen and tested
        ((3, 12), (6, 12), False),  # None is immortal
        ((3, 13), (7, 0), False),
    ],
)
def test_the_guard_is_bound_to_the_affected_releases(python, binding, needed):
    assert needs_none_guard(python, binding) is needed


def test_importing_applies_nothing_and_creating_the_application_applies_the_guard():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    imported, started = result.stdout.splitlines()
    assert imported == "False"  # importing the UI left None alone
    applied, needed = started.split()
    assert applied == needed  # the application applies the guard where it is needed


def test_cyclic_garbage_is_collected_by_the_gui_thread_timer_only(qapp):
    import gc
    import weakref

    from designer.ui.qt_compat import GuiThreadCollector

    collector = qapp.findChild(GuiThreadCollector)
    assert collector is not None and not gc.isenabled()  # no collection in worker threads

    class Cycle:
        pass

    item = Cycle()
    item.self = item
    alive = weakref.ref(item)
    del item
    assert alive() is not None  # only a collection frees a cycle
    thresholds, collector.thresholds = collector.thresholds, (-1, -1, -1)
    try:
        collector.collect()
    finally:
        collector.thresholds = thresholds
    assert alive() is None
