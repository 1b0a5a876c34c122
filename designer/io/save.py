"""Writing projects: a deterministic JSON text, written atomically.

Determinism (sorted keys, fixed indentation, nodes in graph order, edges in connection
order) makes two saves of the same project byte-identical, so project files diff cleanly
under version control and save -> load -> save changes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from designer import __version__
from designer.io.atomic import write_atomic
from designer.io.schema import FORMAT, FORMAT_VERSION
from designer.model import Edge, Node, Project
from designer.model.block_table import BlockTable
from designer.model.sweep import SweepSettings


def project_to_dict(project: Project) -> dict[str, Any]:
    """The project as plain JSON values (lists, not tuples), in file order. The sweep is
        left out while it is the default one, and the blocks while there are none, so files
    without them stay as they were."""
    graph = project.graph
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "metadata": plain(project.metadata),
        "nodes": [node_dict(node) for node in graph],
        "edges": [edge_dict(edge) for edge in graph.edges],
        "data": project.data.to_dict(),
        "training": project.training.to_dict(),
    }
    if project.sweep != SweepSettings():
        document["sweep"] = plain(project.sweep.to_dict())
    if len(graph.blocks):
        document["blocks"] = block_dicts(graph.blocks)
    return document


def project_to_json(project: Project) -> str:
    """The exact text of the project file (ending in a newline)."""
    text = json.dumps(
        project_to_dict(project), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False
    )
    return text + "\n"


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write the project to ``path`` atomically (`designer.io.atomic`): a crash, a full
    disk or an error while writing leaves the previous file intact."""
    write_atomic(path, project_to_json(project).encode("utf-8"))


def node_dict(node: Node) -> dict[str, Any]:
    """A node as the file stores it (in the design and in blocks alike)."""
    record = {
        "id": node.id,
        "type": node.type,
        "label": node.label,
        "position": [float(node.position[0]), float(node.position[1])],
        "params": plain(node.params),
    }
    if node.silenced:  # NOTE: only when there are some, so older files stay byte-identical
        record["silenced"] = dict(node.silenced)
    return record


def edge_dict(edge: Edge) -> dict[str, Any]:
    return {"from": [edge.src, edge.src_port], "to": [edge.dst, edge.dst_port]}


def block_dicts(table: BlockTable, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The block definitions named (all by default) as the ``blocks`` section stores
    them, in the table's order (see `designer.io.blocks`)."""
    wanted = set(table.names() if names is None else names)
    return [
        {
            "name": definition.name,
            "nodes": [node_dict(node) for node in definition.graph],
            "edges": [edge_dict(edge) for edge in definition.graph.edges],
        }
        for definition in table
        if definition.name in wanted
    ]


def plain(value: Any) -> Any:
    """A JSON-shaped copy: tuples become lists, containers are copied."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value
