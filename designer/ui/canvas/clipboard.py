"""Copy, paste and duplicate: the Qt side of clipboard snippets.

What a snippet is, and every check of one, lives in `designer.io.snippet` (a document of a
sub-graph in the project file's records). This module only moves snippet text to and from
the system clipboard and pastes it into a document as one undoable edit, at an offset.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication

from designer.io import SnippetError, subgraph_from_json
from designer.model.edits import AddSubgraph
from designer.ui.document import GraphDocument


def paste_snippet(
    document: GraphDocument, text: Any, offset: tuple[float, float] = (30.0, 30.0)
) -> list[str]:
    """Add the snippet's layers as one undo step and select them; returns the new ids.

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
    edit = AddSubgraph(list(snippet.nodes), list(snippet.edges), offset, description)
    if not document.push(edit):
        return []
    document.set_selection(edit.new_ids)
    return edit.new_ids


def write_clipboard(text: str) -> None:
    """Put a snippet on the system clipboard as plain text (JSON that names its format).

    NOTE: plain text, not a QMimeData of our own type: with PySide6 6.12 a QMimeData handed
    to the clipboard crashes the interpreter at exit (double delete on teardown)."""
    QGuiApplication.clipboard().setText(text)


def read_clipboard() -> str:
    """The text on the clipboard; `subgraph_from_json` decides whether it is a snippet."""
    return QGuiApplication.clipboard().text()
