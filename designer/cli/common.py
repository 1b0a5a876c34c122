"""What every verb of the command line shares: exit statuses, reading the project file,
and text that is safe to print to a terminal."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command ended by Ctrl+C


class BadInputError(Exception):
    """The project file cannot be used at all (exit status 2)."""


def load_project_file(path: str) -> Any:
    """The project at ``path``; any reason it cannot be read is a `BadInputError`."""
    try:
        from designer.io import ProjectFileError, load_project
    except ImportError as error:  # pragma: no cover -- an incomplete installation
        raise BadInputError(f"cannot read projects: {error}") from None
    try:
        return load_project(path)
    except ProjectFileError as error:
        raise BadInputError(f"cannot read {os.fspath(path)!r}: {error}") from None
    except (OSError, ValueError) as error:
        raise BadInputError(f"cannot read {os.fspath(path)!r}: {error}") from None


def printable(text: str) -> str:
    """Text safe for a terminal: control characters (escape sequences) are escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def one_line(text: str) -> str:
    return printable(" ".join(text.split()))


def tolerant_output() -> None:
    """Never crash on a label the terminal's encoding cannot show."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
