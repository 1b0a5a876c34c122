"""The one error of importing a PyTorch model, worded for the user."""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from pathlib import Path

MAX_LISTED = 8


class ModelImportError(Exception):
    """A model cannot be imported; the message names what (a module path, an operation,
    a line of the user's file) and why, never as a traceback. ``problems`` holds each
    part that cannot be mapped, so a caller can list them."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        self.problems = tuple(problems)
        super().__init__(message)


def unmapped(what: str, problems: Sequence[str]) -> ModelImportError:
    """One error listing every part of ``what`` that has no catalogue layer."""
    count = len(problems)
    listed = "; ".join(problems[:MAX_LISTED]) + (" …" if count > MAX_LISTED else "")
    noun = "part has" if count == 1 else "parts have"
    return ModelImportError(
        f"cannot import {what}: {count} {noun} no layer type: {listed}", problems
    )


def user_line(error: BaseException, path: str | Path) -> str:
    """``file.py, line 12`` of the deepest frame of ``error`` in the user's file (or the
    file alone), so a failure in their code points at their code."""
    wanted = str(Path(path).resolve())
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if _same_file(frame.filename, wanted):
            line = frame.lineno
    if line is None and isinstance(error, SyntaxError) and error.lineno:
        line = error.lineno
    name = Path(path).name
    return f"{name}, line {line}" if line else name


def _same_file(filename: str, wanted: str) -> bool:
    try:
        return str(Path(filename).resolve()) == wanted
    except (OSError, ValueError):
        return False


def describe_error(error: BaseException) -> str:
    """The first line of an exception's message, or its type when it has none."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {first[:300]}" if first else type(error).__name__
