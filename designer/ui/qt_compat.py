"""Guards against defects of particular Qt binding releases, applied once at import.

PySide6 6.12.0 on Python < 3.12: methods returning nothing hand back ``None`` without a new
reference, so every ``item.setPos(...)`` drops one reference to ``None`` until the
interpreter aborts ("Fatal Python error: none_dealloc: deallocating None") after a few
thousand calls. Python 3.12 made ``None`` immortal (PEP 683); on older interpreters we give
it a reference count no session can exhaust, which is what immortality amounts to.
"""

from __future__ import annotations

import ctypes
import sys

import shiboken6

_IMMORTAL = 1 << 40


def keep_none_alive() -> None:
    """Make ``None`` effectively immortal where the binding under-counts it."""
    if sys.version_info >= (3, 12) or tuple(shiboken6.__version_info__[:2]) < (6, 12):
        return
    refcount = ctypes.c_ssize_t.from_address(id(None))
    if refcount.value < _IMMORTAL:
        refcount.value += _IMMORTAL
