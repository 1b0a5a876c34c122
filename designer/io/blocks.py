"""Reading block definitions: the optional ``blocks`` section of a project file, and
the same records in a block library file (`designer.io.save.block_dicts` writes them).

Each definition is stored as ``{"name": ..., "nodes": [...], "edges": [...]}``, with
nodes and edges exactly as in the design's own lists (a Block input or Block output is
a node like any other), in the order of the project's block table. A block may use
blocks stored before or after it; loading builds them in dependency order, refuses a
block that holds itself (directly or through others) and keeps the file's order, so
save -> load -> save is byte-identical. A project without blocks writes no section at
all, so its file is exactly what it was before blocks existed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from designer.io.errors import ProjectFileError, join
from designer.io.schema import (
    MAX_EDGES,
    MAX_NODES,
    EdgeRecord,
    NodeRecord,
    array,
    edge_record,
    keys,
    node_record,
    string,
)
from designer.model import Graph
from designer.model.block_table import (
    MAX_BLOCK_DEPTH,
    MAX_BLOCKS,
    BlockDefinition,
    BlockTable,
    block_name,
    name_problem,
)

_KEYS = ("name", "nodes", "edges")


@dataclass(frozen=True)
class BlockRecord:
    """One checked entry of ``blocks``; ``path`` is where it is in the file."""

    path: str
    name: str
    nodes: list[NodeRecord]
    edges: list[EdgeRecord]

    def uses(self) -> list[tuple[str, NodeRecord]]:
        """The blocks its nodes are instances of, with the node naming each."""
        return [(name, n) for n in self.nodes if (name := block_name(n.type)) is not None]


def with_dependencies(table: BlockTable, names: Iterable[str]) -> list[str]:
    """``names`` and every block they use at any depth (what a file of them needs)."""
    found: list[str] = []
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in found or name not in table:
            continue
        found.append(name)
        stack.extend(sorted(table.get(name).used_blocks()))
    return found


def in_dependency_order(table: BlockTable) -> list[BlockDefinition]:
    """The definitions of ``table``, each after the ones it uses."""
    return sorted(table, key=lambda definition: table.depth(definition.name))


# --------------------------------------------------------------------------- reading
def read_blocks(value: Any, path: str = "blocks") -> list[BlockRecord]:
    """Check the structure of a ``blocks`` array: names, and the nodes and edges of
    each, within the bounds of the whole file (every block's nodes count)."""
    items = array(value, path, MAX_BLOCKS, "blocks")
    records: list[BlockRecord] = []
    node_count = edge_count = 0
    seen: dict[str, str] = {}
    for index, item in enumerate(items):
        where = join(path, index)
        keys(item, where, _KEYS, ())
        name = string(item["name"], join(where, "name"), 200)
        problem = name_problem(name)
        if problem is None and name in seen:
            problem = f"the block name {name!r} is already used by {seen[name]}"
        if problem is not None:
            raise ProjectFileError(problem, join(where, "name"))
        seen[name] = where
        nodes = array(item["nodes"], join(where, "nodes"), MAX_NODES, "nodes")
        edges = array(item["edges"], join(where, "edges"), MAX_EDGES, "connections")
        node_count, edge_count = node_count + len(nodes), edge_count + len(edges)
        if node_count > MAX_NODES or edge_count > MAX_EDGES:
            message = f"the blocks hold more than {MAX_NODES} nodes or {MAX_EDGES} connections"
            raise ProjectFileError(message, where)
        records.append(
            BlockRecord(
                where,
                name,
                [node_record(n, join(join(where, "nodes"), i)) for i, n in enumerate(nodes)],
                [edge_record(e, join(join(where, "edges"), i)) for i, e in enumerate(edges)],
            )
        )
    return records


#: Fills a graph with checked node and edge records (the loader's own routine).
Fill = Callable[[Graph, list[NodeRecord], list[EdgeRecord]], None]


def build_blocks(table: BlockTable, records: list[BlockRecord], fill: Fill) -> None:
    """Add the definitions to ``table``, each after the blocks it uses, then restore the
    file's order. Raises `ProjectFileError` for a block that uses an unknown block or
    itself, or that nests blocks too deeply."""
    by_name = {record.name: record for record in records}
    for record in records:
        for name, node in record.uses():
            if name not in by_name and name not in table:
                raise ProjectFileError(f"no block named {name!r:.60}", join(node.path, "type"))
    for record in _dependency_order(records, by_name):
        graph = table.new_graph(record.name)
        fill(graph, record.nodes, record.edges)
        table.add(BlockDefinition(record.name, graph))
        if table.depth(record.name) > MAX_BLOCK_DEPTH:
            message = f"blocks may be nested at most {MAX_BLOCK_DEPTH} levels deep"
            raise ProjectFileError(message, record.path)
    table.reorder([*[n for n in table.names() if n not in by_name], *by_name])


def _dependency_order(records: list[BlockRecord], by_name: dict) -> list[BlockRecord]:
    """Records so that each comes after the blocks it uses (depth-first, iterative)."""
    done: set[str] = set()
    order: list[BlockRecord] = []
    for first in records:
        path: list[str] = []
        stack: list[tuple[str, list[str]]] = [(first.name, _uses(by_name, first.name))]
        while stack:
            name, pending = stack[-1]
            if name in done:
                stack.pop()
                continue
            if not path or path[-1] != name:
                path.append(name)
            if pending:
                inner = pending.pop()
                if inner in path:
                    cycle = " -> ".join([*path[path.index(inner) :], inner])
                    message = f"the block {inner!r} holds itself ({cycle})"
                    raise ProjectFileError(message, by_name[inner].path)
                if inner not in done:
                    stack.append((inner, _uses(by_name, inner)))
                continue
            stack.pop()
            path.pop()
            done.add(name)
            order.append(by_name[name])
    return order


def _uses(by_name: dict, name: str) -> list[str]:
    return sorted({used for used, _ in by_name[name].uses() if used in by_name}, reverse=True)
