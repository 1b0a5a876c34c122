"""Ctrl+C on the command line: one line and exit status 130, wherever it comes.

An interrupt that arrives while a module is being imported is held until the import is
over (see `interrupts_outside_imports`), since breaking an extension module's import can
abort the whole process.
"""

from __future__ import annotations

import _thread
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from designer.cli.common import EXIT_INTERRUPTED

_INTERRUPT_RETRY_SECONDS = 0.05


def report_interrupted() -> int:
    """Say "interrupted" in one line on stderr; returns `EXIT_INTERRUPTED`."""
    with contextlib.suppress(OSError, ValueError):
        print("interrupted", file=sys.stderr, flush=True)
    return EXIT_INTERRUPTED


@contextlib.contextmanager
def interrupts_outside_imports() -> Iterator[None]:
    """Within this block, Ctrl+C raises `KeyboardInterrupt` only where no module is being
    imported: one arriving during an import is held until the import is over.

    An interrupt inside the import of an extension module is not a clean exception:
    torch's import then aborts the whole process ("terminate called after throwing an
    instance of 'pybind11::error_already_set'"), and NumPy's leaves a half-initialised
    module that fails later with a RecursionError. Such imports happen at start-up and
    lazily mid-run (torch imports its compiler on the first optimizer step). Only the
    main thread's handler is replaced, and only when Ctrl+C is not ignored.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    if not _importing(frame):
        raise KeyboardInterrupt
    # Ask again shortly: interrupt_main() calls this handler anew in the main thread.
    retry = threading.Timer(_INTERRUPT_RETRY_SECONDS, _thread.interrupt_main)
    retry.daemon = True
    retry.start()


def _importing(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False
