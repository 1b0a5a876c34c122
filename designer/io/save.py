"""Writing projects: a deterministic JSON text, written atomically.

Determinism (sorted keys, fixed indentation, nodes in graph order, edges in connection
order) makes two saves of the same project byte-identical, so project files diff cleanly
under version control and save -> load -> save changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from designer import __version__
from designer.io.schema import FORMAT, FORMAT_VERSION
from designer.model import Project


def project_to_dict(project: Project) -> dict[str, Any]:
    """The project as plain JSON values (lists, not tuples), in file order."""
    graph = project.graph
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "metadata": _plain(project.metadata),
        "nodes": [
            {
                "id": node.id,
                "type": node.type,
                "label": node.label,
                "position": [float(node.position[0]), float(node.position[1])],
                "params": _plain(node.params),
            }
            for node in graph
        ],
        "edges": [
            {"from": [edge.src, edge.src_port], "to": [edge.dst, edge.dst_port]}
            for edge in graph.edges
        ],
        "data": project.data.to_dict(),
        "training": project.training.to_dict(),
    }


def project_to_json(project: Project) -> str:
    """The exact text of the project file (ending in a newline)."""
    text = json.dumps(
        project_to_dict(project), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False
    )
    return text + "\n"


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write the project to ``path`` atomically.

    The text goes to a temporary file in the same folder, is flushed and synced to disk,
    and then replaces ``path`` in one step, so a crash, a full disk or an error while
    writing leaves the previous file intact (and no temporary file behind). A symbolic
    link is written through, not replaced; an existing file keeps its permissions.
    """
    payload = project_to_json(project).encode("utf-8")
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    folder = target.parent
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, _mode_for(target))
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _sync_folder(folder)


def _plain(value: Any) -> Any:
    """A JSON-shaped copy: tuples become lists, containers are copied."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _mode_for(target: Path) -> int:
    """Permissions for the new file: those of the file it replaces, else rw-r--r--."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o644


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows syncing a folder."""
    if os.name != "posix":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
