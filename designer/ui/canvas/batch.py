"""Doing many things to the canvas at once: making or dropping a design's items."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector while thousands of items are made or dropped.

    NOTE: making the items of a large design allocates enough objects to trigger full
    collections, each walking every object of the application (tens of milliseconds)
    and finding no garbage here; the collector resumes, and catches up, right after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
