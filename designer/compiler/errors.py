"""Errors of compiling and exporting a design, worded for the user.

Both carry the ids of the nodes at fault so the UI can select them; ``str(error)`` is the
whole message (one problem per line) and never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable

from designer.model import Problem


class CompileError(Exception):
    """The design cannot become a model; ``problems`` say why, each naming its node."""

    def __init__(self, problems: Iterable[Problem | str]) -> None:
        self.problems = tuple(p if isinstance(p, Problem) else Problem(p) for p in problems)
        super().__init__("\n".join(p.message for p in self.problems) or "cannot compile")

    @property
    def node_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.node_id for p in self.problems if p.node_id))


class ExportError(Exception):
    """A model cannot be written in the requested format; ``node_id`` names the layer."""

    def __init__(self, message: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.node_id = node_id
