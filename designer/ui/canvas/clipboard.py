"""Copy, paste and duplicate: the Qt side of clipboard snippets.

What a snippet is, and every check of one, lives in `designer.io.snippet` (a document of a
sub-graph in the project file's records). This module only moves snippet text to and from
the system clipboard and pastes it into a document as one undoable edit, at an offset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtGui import QGuiApplication

from designer.io import SnippetError, subgraph_from_json
from designer.model.block_merge import merge_blocks
from designer.model.definition_edits import AddBlocks
from designer.model.edits import AddSubgraph, Compound
from designer.ui.document import GraphDocument


def paste_snippet(
    document: GraphDocument,
    text: Any,
    offset: tuple[float, float] = (30.0, 30.0),
    notify: Callable[[str], None] | None = None,
) -> list[str]:
    """Add the snippet's layers, with the blocks they use that the project lacks, as one
    undo step and select them; returns the new ids. A block the project holds in another
    version comes as a renamed copy, and ``notify`` says so.

    Anything wrong (garbage text, a refused edit) is reported through
    ``document.error_raised`` and changes nothing.
    """
    try:
        snippet = subgraph_from_json(text, document.graph.catalog)
    except SnippetError as error:
        document.error_raised.emit(f"Cannot paste: {error}")
        return []
    count = len(snippet.nodes)
    description = "Paste layer" if count == 1 else f"Paste {count} layers"
    merge = merge_blocks(document.graph.blocks, snippet.blocks)
    nodes = [merge.node(node) for node in snippet.nodes]
    paste = AddSubgraph(nodes, list(snippet.edges), offset, description)
    edit = Compound([AddBlocks(merge.added), paste], description) if merge.added else paste
    if not document.push(edit):
        return []
    document.set_selection(paste.new_ids)
    if merge.renamed and notify is not None:
        notify(_renamed_note(merge.renamed))
    return paste.new_ids


def _renamed_note(renamed: Mapping[str, str]) -> str:
    """``Pasted BasicBlock as BasicBlock2: ...``, for the status bar."""
    pairs = ", ".join(f"{old} as {new}" for old, new in renamed.items())
    return f"Pasted {pairs}: this project has another block of that name"


def write_clipboard(text: str) -> None:
    """Put a snippet on the system clipboard as plain text (JSON that names its format).

    NOTE: plain text, not a QMimeData of our own type: with PySide6 6.12 a QMimeData handed
    to the clipboard crashes the interpreter at exit (double delete on teardown)."""
    QGuiApplication.clipboard().setText(text)


def read_clipboard() -> str:
    """The text on the clipboard; `subgraph_from_json` decides whether it is a snippet."""
    return QGuiApplication.clipboard().text()
