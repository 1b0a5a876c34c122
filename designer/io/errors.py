"""The one error a project file can cause, and the JSON paths its messages use."""

from __future__ import annotations

import json
import re

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEY_LENGTH = 60  # a longer key is shown cut short, so a message stays one short line


class ProjectFileError(ValueError):
    """A project file (or dict) cannot be read; the message says where and why.

    ``path`` names the place: a JSON path such as ``nodes[3].params.units`` for a bad
    value, or ``line 12, column 5`` for text that is not JSON. ``str(error)`` is
    ``"<path>: <message>"`` so a dialog can show it as is. ``source`` is the file the
    text came from (a path, or ``"<string>"``), kept separate so messages stay short.
    """

    def __init__(self, message: str, path: str = "", source: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path
        self.source = source

    def with_source(self, source: str) -> ProjectFileError:
        """This error, marked as coming from ``source`` (for errors raised deep inside)."""
        if not self.source:
            self.source = source
        return self


def join(path: str, key: str | int) -> str:
    """Extend a JSON path: ``join("nodes", 3)`` is ``nodes[3]``; odd or long keys are
    quoted, long ones cut short."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if len(key) <= _KEY_LENGTH and _NAME.fullmatch(key):
        return f"{path}.{key}" if path else key
    shown = key if len(key) <= _KEY_LENGTH else key[:_KEY_LENGTH] + "…"
    return f"{path}[{json.dumps(shown, ensure_ascii=False)}]"


def kind_of(value: object) -> str:
    """How a message names the JSON type of ``value`` ("an array", "a string", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__} (not JSON)"
