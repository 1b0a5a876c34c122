"""Clipboard snippets: a document of a sub-graph, in the project file's own records.

Copying layers writes the chosen nodes (under ids local to the snippet) and the wires
among them as the project format's node and edge records, stamped with the project's
``format_version``; pasting reads them back through the project format's parser, limits,
migrations, record checks and graph builder (`designer.io.load.fill_graph`), so a snippet
can hold exactly what a project file can and is refused for exactly the same reasons. The
clipboard is input from anywhere: every problem is a `SnippetError` (a `ProjectFileError`)
naming the place, such as ``nodes[0].params.units``.

Block instances travel with their blocks: a snippet of them carries the definitions
they use, at any depth, in an optional ``blocks`` list of the project file's own block
records (`designer.io.blocks`), read with the same checks, so that pasting into another
project can bring them along (`designer.model.block_merge`). A snippet with that list is
whole: its nodes may use only the blocks it carries. One without it (layers only, or an
older snippet) reads block types in the target project's blocks.

The first snippet format (``"version": 1``, edges as ``src``/``src_port``/``dst``/
``dst_port``) is still read, as format 2 records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from designer.catalog import Catalog, default_catalog
from designer.io.blocks import build_blocks, in_dependency_order, read_blocks, with_dependencies
from designer.io.errors import ProjectFileError, kind_of
from designer.io.load import fill_graph, parse_json
from designer.io.migrations import migrate
from designer.io.save import block_dicts, edge_dict, node_dict
from designer.io.schema import (
    FORMAT,
    FORMAT_VERSION,
    check_sizes,
    check_tree,
    keys,
    read_graph_records,
)
from designer.model import Edge, Graph, Node
from designer.model.block_table import BlockCatalog, block_name
from designer.model.definition_edits import BlockSnapshot, snapshot

SNIPPET_FORMAT = "nn-designer-snippet"
_KEYS = ("format", "format_version", "nodes", "edges")
_OPTIONAL = ("blocks",)
_NOT_A_SNIPPET = "the text does not hold layers copied from NN Designer"
#: The format of the first snippets, and the project format their node records match.
_FIRST_VERSION, _FIRST_RECORDS = 1, 2


class SnippetError(ProjectFileError):
    """The text is not a snippet this version can paste; the message says where and why."""


@dataclass(frozen=True)
class Snippet:
    """Checked nodes (with snippet-local ids) and the edges among them, ready to add,
    and the block definitions they use (each after the blocks it uses)."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    blocks: tuple[BlockSnapshot, ...] = ()


# ---------------------------------------------------------------------- writing
def subgraph_to_dict(graph: Graph, node_ids: Iterable[str]) -> dict[str, Any] | None:
    """The snippet of ``node_ids`` (in graph order) and the wires among them; ``None``
    when none of the ids is in the graph. Ids are renamed ``n1``, ``n2``... in order."""
    wanted = set(node_ids)
    chosen = [node_id for node_id in graph.nodes if node_id in wanted]
    if not chosen:
        return None
    local = {node_id: f"n{i}" for i, node_id in enumerate(chosen, start=1)}
    document = {
        "format": SNIPPET_FORMAT,
        "format_version": FORMAT_VERSION,
        "nodes": [{**node_dict(graph.node(node_id)), "id": local[node_id]} for node_id in chosen],
        "edges": [
            _renamed(edge_dict(edge), local)
            for edge in graph.edges
            if edge.src in local and edge.dst in local
        ],
    }
    used = {name for n in chosen if (name := block_name(graph.node(n).type)) is not None}
    if used:  # NOTE: only then, so that a snippet of plain layers stays as it was
        document["blocks"] = block_dicts(graph.blocks, with_dependencies(graph.blocks, used))
    return document


def _renamed(record: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """An edge record whose ends are renamed through ``ids``."""
    (src, src_port), (dst, dst_port) = record["from"], record["to"]
    return {"from": [ids[src], src_port], "to": [ids[dst], dst_port]}


def subgraph_to_json(graph: Graph, node_ids: Iterable[str]) -> str:
    """The snippet text of ``node_ids`` (see `subgraph_to_dict`); ``""`` for none."""
    data = subgraph_to_dict(graph, node_ids)
    if data is None:
        return ""
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False)


# ---------------------------------------------------------------------- reading
def subgraph_from_json(text: Any, catalog: Catalog | None = None) -> Snippet:
    """Parse and check snippet text; raises `SnippetError` saying where and why."""
    if not isinstance(text, str) or not text.strip():
        raise SnippetError("the text is empty")
    try:
        data = parse_json(text)
    except ProjectFileError as error:
        if error.path.startswith("line "):  # not JSON at all: most likely plain text
            raise SnippetError(f"{_NOT_A_SNIPPET} ({error.message})", error.path) from None
        raise SnippetError(error.message, error.path) from None
    return subgraph_from_dict(data, catalog)


def subgraph_from_dict(data: Any, catalog: Catalog | None = None) -> Snippet:
    """Check a parsed snippet with the project format's checks; ``data`` is not changed."""
    try:
        graph, carried = _build(data, catalog or default_catalog())
    except SnippetError:
        raise
    except ProjectFileError as error:
        raise SnippetError(error.message, error.path) from None
    blocks = tuple(snapshot(d) for d in in_dependency_order(graph.blocks) if d.name in carried)
    return Snippet(tuple(graph.nodes.values()), graph.edges, blocks)


def _build(data: Any, catalog: Catalog) -> tuple[Graph, set[str]]:
    """The snippet's graph and the names of the blocks it carries."""
    if isinstance(data, dict):
        check_sizes(data)
    check_tree(data)
    if not isinstance(data, dict) or data.get("format") != SNIPPET_FORMAT:
        raise SnippetError(_NOT_A_SNIPPET)
    if "version" in data and "format_version" not in data:
        data = _from_first_format(data)
    keys(data, "", _KEYS, _OPTIONAL)
    # The records are the project's, so the project's migrations bring them up to date.
    records = migrate({**data, "format": FORMAT})
    nodes, edges = read_graph_records(records)
    if not nodes:
        raise SnippetError("the snippet holds no layers", "nodes")
    if "blocks" not in records:
        graph = Graph(catalog)
    else:  # a scratch project of its own blocks, built with a project file's checks
        blocks = read_blocks(records["blocks"])
        graph = Graph(catalog.base if isinstance(catalog, BlockCatalog) else catalog)
        build_blocks(graph.blocks, blocks, fill_graph)
    fill_graph(graph, nodes, edges)
    return graph, set(graph.blocks.names())


def _from_first_format(data: dict[str, Any]) -> dict[str, Any]:
    """A first-format snippet as a current one: same node records, edges as from/to."""
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise SnippetError(f"expected a whole number, got {kind_of(version)}", "version")
    if version != _FIRST_VERSION:
        raise SnippetError(f"unknown snippet version {version}", "version")
    edges = data.get("edges", [])
    if isinstance(edges, list):
        edges = [_first_format_edge(edge) for edge in edges]
    upgraded = {key: value for key, value in data.items() if key != "version"}
    return {**upgraded, "format_version": _FIRST_RECORDS, "edges": edges}


def _first_format_edge(edge: Any) -> Any:
    names = ("src", "src_port", "dst", "dst_port")
    if not isinstance(edge, dict) or set(edge) != set(names):
        return edge  # left as is, so the record check names what is wrong with it
    return {"from": [edge["src"], edge["src_port"]], "to": [edge["dst"], edge["dst_port"]]}
