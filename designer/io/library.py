"""The block library: starter blocks shipped with the application, and the user's own
blocks saved as files in a folder (the UI passes its per-user config folder).

A library file (``<name>.nnblock``) is JSON::

    {"format": "nn-designer-block", "format_version": 1, "block": "BasicBlock",
     "description": "...", "blocks": [...]}

``blocks`` holds the block and every block it uses, as a project file's ``blocks``
section does (`designer.io.blocks`), and is read with the same checks; ``block`` names
the one the file is about. Reading gives `BlockSnapshot` records that an `AddBlocks`
edit builds into a project, so that inserting a library block is one undoable step.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from designer import __version__
from designer.io.atomic import write_atomic
from designer.io.blocks import build_blocks, in_dependency_order, read_blocks, with_dependencies
from designer.io.errors import ProjectFileError
from designer.io.files import FileRefusedError, read_regular_file
from designer.io.load import fill_graph, parse_json
from designer.io.save import block_dicts
from designer.io.schema import check_tree, keys, string
from designer.model import Graph
from designer.model.block_table import BlockTable, name_problem
from designer.model.definition_edits import BlockSnapshot, snapshot

BLOCK_FORMAT = "nn-designer-block"
BLOCK_FORMAT_VERSION = 1
BLOCK_EXTENSION = ".nnblock"
MAX_BLOCK_FILE_BYTES = 5 * 1024 * 1024
MAX_DESCRIPTION = 2_000
_REQUIRED = ("format", "format_version", "block", "blocks")
_OPTIONAL = ("description", "app_version")
STARTER = "starter"
USER = "user"


@dataclass(frozen=True)
class LibraryBlock:
    """One entry of the library: the block's name, where it comes from (`STARTER` or
    `USER`), its description, and the definitions it needs (its own last)."""

    name: str
    source: str
    description: str
    snapshots: tuple[BlockSnapshot, ...]


def library_block_from_dict(data: Any, source: str = USER) -> LibraryBlock:
    """Check a parsed library document and build its blocks in a scratch project, with
    every check a project file gets; raises `ProjectFileError` naming the place."""
    check_tree(data)
    keys(data, "", _REQUIRED, _OPTIONAL)
    if data["format"] != BLOCK_FORMAT:
        raise ProjectFileError(f"expected {BLOCK_FORMAT!r}; this is not a block file", "format")
    if data["format_version"] != BLOCK_FORMAT_VERSION:
        shown = data["format_version"]
        message = f"format version {shown!r:.20} is not one this version can read"
        raise ProjectFileError(message, "format_version")
    name = string(data["block"], "block", 200)
    description = string(data.get("description", ""), "description", MAX_DESCRIPTION, True)
    records = read_blocks(data["blocks"])
    if name not in {record.name for record in records}:
        raise ProjectFileError(f"no block named {name!r:.60} in blocks", "block")
    scratch = Graph()
    build_blocks(scratch.blocks, records, fill_graph)
    needed = with_dependencies(scratch.blocks, [name])
    ordered = [d for d in in_dependency_order(scratch.blocks) if d.name in needed]
    return LibraryBlock(name, source, description, tuple(snapshot(d) for d in ordered))


def read_library_file(path: str | os.PathLike[str]) -> LibraryBlock:
    source = os.fspath(path)
    try:
        raw = read_regular_file(source, MAX_BLOCK_FILE_BYTES)
    except OSError as error:
        reason = error.strerror or str(error)
        if not isinstance(error, FileRefusedError):
            reason = f"cannot read the file: {reason}"
        raise ProjectFileError(reason, source=source) from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProjectFileError("the file is not UTF-8 text", source=source) from None
    try:
        return library_block_from_dict(parse_json(text))
    except ProjectFileError as error:
        raise error.with_source(source) from None


def library_document(table: BlockTable, name: str, description: str = "") -> dict[str, Any]:
    """The library file of block ``name`` of ``table`` (with the blocks it uses)."""
    return {
        "format": BLOCK_FORMAT,
        "format_version": BLOCK_FORMAT_VERSION,
        "app_version": __version__,
        "block": name,
        "description": description,
        "blocks": block_dicts(table, with_dependencies(table, [name])),
    }


class BlockLibrary:
    """The starter blocks and the user's blocks in ``folder`` (None: starters only).

    A user block of a starter's name hides the starter, so a user can keep an edited
    copy under the same name."""

    def __init__(self, folder: str | os.PathLike[str] | None) -> None:
        self.folder = Path(folder) if folder is not None else None

    def blocks(self) -> list[LibraryBlock]:
        """Every block, starters first, each group by name; unreadable files skipped
        (`problems` says why)."""
        from designer.io.starter_blocks import starter_blocks

        user = {block.name: block for block in self._user_blocks()[0]}
        starters = [block for block in starter_blocks() if block.name not in user]
        return [*starters, *sorted(user.values(), key=lambda block: block.name)]

    def problems(self) -> list[str]:
        """Why each unreadable file in the folder was skipped."""
        return self._user_blocks()[1]

    def get(self, name: str) -> LibraryBlock:
        for block in self.blocks():
            if block.name == name:
                return block
        raise KeyError(f"no block named {name!r:.60} in the library")

    def save(self, table: BlockTable, name: str, description: str = "") -> Path:
        """Write block ``name`` of ``table`` to the folder (atomically) and return the path."""
        if self.folder is None:
            raise OSError("this library has no folder for user blocks")
        problem = name_problem(name)
        if problem is not None:
            raise ValueError(problem)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}{BLOCK_EXTENSION}"
        text = json.dumps(library_document(table, name, description), indent=2, sort_keys=True)
        write_atomic(path, (text + "\n").encode("utf-8"))
        return path

    def remove(self, name: str) -> None:
        """Delete the user's block ``name`` (starters cannot be deleted)."""
        if self.folder is None:
            raise KeyError(name)
        (self.folder / f"{name}{BLOCK_EXTENSION}").unlink()

    def _user_blocks(self) -> tuple[list[LibraryBlock], list[str]]:
        if self.folder is None or not self.folder.is_dir():
            return [], []
        blocks, problems = [], []
        for path in sorted(self.folder.glob(f"*{BLOCK_EXTENSION}")):
            try:
                block = read_library_file(path)
            except ProjectFileError as error:
                problems.append(f"{path.name}: {error}")
                continue
            if block.name != path.stem:
                problems.append(f"{path.name}: holds the block {block.name!r}, not {path.stem!r}")
                continue
            blocks.append(block)
        return blocks, problems
