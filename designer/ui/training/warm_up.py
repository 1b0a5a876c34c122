"""One-time costs of the first training run, paid at start-up instead.

The first run in a process used to stall the GUI: the first optimizer step makes torch
import about 800 modules (``torch._dynamo``, sympy) while holding the GIL in long
stretches. `warm_up_torch` does that in a background thread as soon as the training UI
is installed, while the user is still designing.
"""

from __future__ import annotations

import threading

import torch

_lock = threading.Lock()
_thread: threading.Thread | None = None
_done = threading.Event()


def _warm_up() -> None:
    """Build and step a throwaway model and optimizer, as a training run does."""
    try:
        layer = torch.nn.Linear(1, 1)
        optimizer = torch.optim.Adam(layer.parameters())
        layer(torch.zeros(1, 1)).sum().backward()
        optimizer.step()
    finally:
        _done.set()


def warm_up_torch() -> threading.Thread | None:
    """Start the warm-up once per process; returns its thread (None if already started).

    A daemon thread, so it can never delay quitting.
    """
    global _thread
    with _lock:
        if _thread is not None:
            return None
        _thread = threading.Thread(target=_warm_up, name="torch-warm-up", daemon=True)
    _thread.start()
    return _thread


def warm_up_finished() -> bool:
    """Whether the warm-up has run to its end."""
    return _done.is_set()


def wait_for_warm_up(timeout: float | None = None) -> bool:
    """Block until the warm-up has run (start it if needed); False on a timeout."""
    warm_up_torch()
    return _done.wait(timeout)


__all__ = ["wait_for_warm_up", "warm_up_finished", "warm_up_torch"]
