"""Writing projects: a deterministic JSON text, written atomically.

Determinism (sorted keys, fixed indentation, nodes in graph order, edges in connection
order) makes two saves of the same project byte-identical, so project files diff cleanly
under version control and save -> load -> save changes nothing.
"""

from __future__ import annotations

import json
import os
from typing import Any

from designer import __version__
from designer.io.atomic import write_atomic
from designer.io.schema import FORMAT, FORMAT_VERSION
from designer.model import Edge, Node, Project
from designer.model.sweep import SweepSettings


def project_to_dict(project: Project) -> dict[str, Any]:
    """The project as plain JSON values (lists, not tuples), in file order. The sweep is
    left out while it is the default one, so files without a sweep stay as they were."""
    graph = project.graph
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "metadata": _plain(project.metadata),
        "nodes": [node_record(node) for node in graph],
        "edges": [edge_record(edge) for edge in graph.edges],
        "data": project.data.to_dict(),
        "training": project.training.to_dict(),
    }
    if project.sweep != SweepSettings():
        document["sweep"] = _plain(project.sweep.to_dict())
    return document


def node_record(node: Node, node_id: str | None = None) -> dict[str, Any]:
    """The file's record of one node (under ``node_id`` if given): the one writer of node
    records, shared by project files and clipboard snippets."""
    record = {
        "id": node.id if node_id is None else node_id,
        "type": node.type,
        "label": node.label,
        "position": [float(node.position[0]), float(node.position[1])],
        "params": _plain(node.params),
    }
    if node.silenced:  # NOTE: only when there are some, so older files stay byte-identical
        record["silenced"] = dict(node.silenced)
    return record


def edge_record(edge: Edge, ids: dict[str, str] | None = None) -> dict[str, Any]:
    """The file's record of one connection (its ends renamed through ``ids`` if given)."""
    src, dst = (edge.src, edge.dst) if ids is None else (ids[edge.src], ids[edge.dst])
    return {"from": [src, edge.src_port], "to": [dst, edge.dst_port]}


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


def _plain(value: Any) -> Any:
    """A JSON-shaped copy: tuples become lists, containers are copied."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
