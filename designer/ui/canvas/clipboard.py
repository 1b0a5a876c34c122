"""Copy, paste and duplicate: layers travel as a small versioned JSON *snippet*.

A snippet holds the copied nodes (ids local to the snippet) and the wires among them. It
is strict on the way in: the clipboard is input from anywhere, so every field is checked
and a bad one gives a `SnippetError` with a readable reason, never an exception from deep
inside the model. The document turns that into ``error_raised``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QGuiApplication

from designer.catalog import Catalog, ParamError
from designer.model import Edge, Graph, Node
from designer.model.edits import AddSubgraph
from designer.model.graph import MAX_LABEL_LENGTH
from designer.ui.document import GraphDocument

SNIPPET_FORMAT = "nn-designer-snippet"
SNIPPET_VERSION = 1
MAX_SNIPPET_CHARS = 5_000_000
MAX_SNIPPET_NODES = 5_000


class SnippetError(ValueError):
    """The text is not a snippet this version can paste; the message says why."""


@dataclass(frozen=True)
class Snippet:
    """Decoded layers ready for `AddSubgraph`."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


# ----------------------------------------------------------------- encoding
def encode_snippet(graph: Graph, node_ids: Iterable[str]) -> str:
    """JSON for ``node_ids`` (in graph order) and the wires between them; '' for none."""
    wanted = set(node_ids)
    chosen = [n for n in graph.nodes if n in wanted]
    if not chosen:
        return ""
    local = {node_id: f"n{i}" for i, node_id in enumerate(chosen, start=1)}
    nodes = []
    for node_id in chosen:
        node = graph.node(node_id)
        nodes.append(
            {
                "id": local[node_id],
                "type": node.type,
                "label": node.label,
                "params": {
                    k: list(v) if isinstance(v, tuple) else v for k, v in node.params.items()
                },
                "position": list(node.position),
            }
        )
    edges = [
        {"src": local[e.src], "src_port": e.src_port, "dst": local[e.dst], "dst_port": e.dst_port}
        for e in graph.edges
        if e.src in local and e.dst in local
    ]
    snippet = {"format": SNIPPET_FORMAT, "version": SNIPPET_VERSION, "nodes": nodes, "edges": edges}
    return json.dumps(snippet, indent=1, ensure_ascii=False)


# ----------------------------------------------------------------- decoding
def decode_snippet(text: Any, catalog: Catalog) -> Snippet:
    """Parse and check a snippet; raises `SnippetError` saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise SnippetError("the clipboard is empty")
    if len(text) > MAX_SNIPPET_CHARS:
        raise SnippetError("the clipboard text is too large to be layers")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise SnippetError("the clipboard does not hold layers copied from NN Designer") from None
    if not isinstance(data, dict) or data.get("format") != SNIPPET_FORMAT:
        raise SnippetError("the clipboard does not hold layers copied from NN Designer")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SnippetError("the copied layers have no valid version number")
    if version > SNIPPET_VERSION:
        raise SnippetError("the layers were copied from a newer NN Designer")
    raw_nodes, raw_edges = data.get("nodes"), data.get("edges", [])
    if not isinstance(raw_nodes, list) or not isinstance(raw_edges, list):
        raise SnippetError("the copied layers are malformed ('nodes' and 'edges' must be lists)")
    if not raw_nodes:
        raise SnippetError("the clipboard holds no layers")
    if len(raw_nodes) > MAX_SNIPPET_NODES or len(raw_edges) > 4 * MAX_SNIPPET_NODES:
        raise SnippetError("the clipboard holds too many layers")
    nodes: dict[str, Node] = {}
    for index, raw in enumerate(raw_nodes, start=1):
        node = _decode_node(raw, index, catalog)
        if node.id in nodes:
            raise SnippetError(f"layer {index}: the id {node.id!r:.40} is used twice")
        nodes[node.id] = node
    edges: list[Edge] = []
    for index, raw in enumerate(raw_edges, start=1):
        edge = _decode_edge(raw, index, nodes, catalog)
        if edge in edges:
            raise SnippetError(f"connection {index} is listed twice")
        edges.append(edge)
    return Snippet(tuple(nodes.values()), tuple(edges))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number here")


def _string(raw: dict, key: str, where: str, limit: int = 200) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise SnippetError(f"{where}: {key!r} must be a non-empty text")
    return value


def _decode_node(raw: Any, index: int, catalog: Catalog) -> Node:
    where = f"layer {index}"
    if not isinstance(raw, dict):
        raise SnippetError(f"{where} is not an object")
    node_id = _string(raw, "id", where)
    type_id = _string(raw, "type", where)
    if type_id not in catalog:
        raise SnippetError(f"{where}: unknown layer type {type_id!r:.60}")
    spec = catalog.get(type_id)
    label = _string(raw, "label", where, MAX_LABEL_LENGTH)
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise SnippetError(f"{where}: 'params' must be an object")
    try:
        checked = spec.validate_params(params)
    except ParamError as error:
        raise SnippetError(f"{where} ({spec.display_name}): {error}") from None
    position = raw.get("position", [0, 0])
    if (
        not isinstance(position, list)
        or len(position) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position)
        or not all(math.isfinite(v) and abs(v) < 1e9 for v in position)
    ):
        raise SnippetError(f"{where}: 'position' must be two finite numbers")
    return Node(node_id, spec.type_id, label, checked, (float(position[0]), float(position[1])))


def _decode_edge(raw: Any, index: int, nodes: dict[str, Node], catalog: Catalog) -> Edge:
    where = f"connection {index}"
    if not isinstance(raw, dict):
        raise SnippetError(f"{where} is not an object")
    src, dst = _string(raw, "src", where), _string(raw, "dst", where)
    src_port, dst_port = _string(raw, "src_port", where), _string(raw, "dst_port", where)
    for node_id in (src, dst):
        if node_id not in nodes:
            raise SnippetError(f"{where} names a layer that is not copied ({node_id!r:.40})")
    if catalog.get(nodes[src].type).output_port(src_port, nodes[src].params) is None:
        raise SnippetError(f"{where}: layer {src!r:.40} has no output {src_port!r:.40}")
    if catalog.get(nodes[dst].type).input_port(dst_port) is None:
        raise SnippetError(f"{where}: layer {dst!r:.40} has no input {dst_port!r:.40}")
    return Edge(src, src_port, dst, dst_port)


# ------------------------------------------------------------ document glue
def paste_snippet(
    document: GraphDocument, text: Any, offset: tuple[float, float] = (30.0, 30.0)
) -> list[str]:
    """Add the snippet's layers as one undo step and select them; returns the new ids.

    Anything wrong (garbage text, a refused edit) is reported through
    ``document.error_raised`` and changes nothing.
    """
    try:
        snippet = decode_snippet(text, document.graph.catalog)
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
    """The text on the clipboard; `decode_snippet` decides whether it is a snippet."""
    return QGuiApplication.clipboard().text()
