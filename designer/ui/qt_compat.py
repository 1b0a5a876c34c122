"""Guards against defects of particular Qt binding releases, and against collecting Qt
objects outside the GUI thread (`GuiThreadCollector`), applied when the application is
created (`designer.ui.application.create_application`), never on import.

PySide6 6.12 on Python < 3.12: methods returning nothing hand back ``None`` without a new
reference, so every ``item.setPos(...)`` drops one reference to ``None`` until the
interpreter aborts ("Fatal Python error: none_dealloc: deallocating None") after a few
thousand calls. ``True`` and ``False`` are under-counted the same way by some calls (a
long session ends in "bool_dealloc: deallocating True or False" as the interpreter shuts
down). Python 3.12 made these constants immortal (PEP 683); on older interpreters we give
each a reference count no session can exhaust, which is what immortality amounts to.

NOTE: no upstream report of the defect was found, so the bound is the releases it was seen
in and tested with: 6.12.x (`AFFECTED_BINDINGS`). A later release is left alone; if it
still has the defect, the canvas tests (thousands of moves) abort and the bound is raised.
"""

from __future__ import annotations

import ctypes
import gc
import sys

import shiboken6
from PySide6.QtCore import QObject, QTimer

#: The binding releases with the defect: from the first (inclusive) to the last
#: (exclusive), as (major, minor).
AFFECTED_BINDINGS = ((6, 12), (6, 13))
#: The first Python whose constants are immortal, so the defect cannot harm it.
IMMORTAL_NONE_PYTHON = (3, 12)
_IMMORTAL = 1 << 40
#: How often the GUI thread checks whether a garbage collection is due.
COLLECT_INTERVAL_MS = 500


def needs_none_guard(
    python: tuple[int, ...] = tuple(sys.version_info[:2]),
    binding: tuple[int, ...] = tuple(shiboken6.__version_info__[:2]),
) -> bool:
    """Whether this interpreter and binding release have the ``None`` defect."""
    first, last = AFFECTED_BINDINGS
    return tuple(python[:2]) < IMMORTAL_NONE_PYTHON and first <= tuple(binding[:2]) < last


#: The constants the binding under-counts.
CONSTANTS = (None, True, False)


def keep_constants_alive() -> bool:
    """Make ``None``, ``True`` and ``False`` effectively immortal where the binding
    under-counts them; returns whether the guard is in force. Idempotent."""
    if not needs_none_guard():
        return False
    for constant in CONSTANTS:
        refcount = ctypes.c_ssize_t.from_address(id(constant))
        if refcount.value < _IMMORTAL:
            refcount.value += _IMMORTAL
    return True


class GuiThreadCollector(QObject):
    """Python's cyclic garbage collector, run only in the GUI thread.

    Left automatic, a collection runs in whichever thread happens to allocate when a
    threshold is crossed: a data-loading, training or warm-up thread. If the garbage then
    holds Qt objects (a closed dialog's widgets in a reference cycle), they are destroyed
    in that thread, which crashes the process at random (a segmentation fault inside
    "Garbage-collecting" in a worker thread). So automatic collection is switched off and
    this timer in the GUI thread collects instead, by generation, with the interpreter's
    own thresholds (as pyqtgraph's `GarbageCollector` does); reference counting, which
    frees almost everything, is untouched."""

    def __init__(self, parent: QObject, interval_ms: int = COLLECT_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(interval_ms)

    def collect(self) -> None:
        """Collect the generations whose counts crossed their thresholds."""
        counts = gc.get_count()
        for generation in range(3):
            if counts[generation] <= self.thresholds[generation]:
                return
            gc.collect(generation)
