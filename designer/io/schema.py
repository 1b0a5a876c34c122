"""The layout of a ``.nndesign`` project file and the structural checks of one.

A project file is JSON::

    {
      "format": "nn-designer-project",
      "format_version": 1,
      "app_version": "0.1.0",
      "metadata": {"name": "...", "description": "..."},
      "nodes": [{"id": "n1", "type": "Linear", "label": "fc1",
                 "position": [220.0, 0.0], "params": {"units": 10, ...}}, ...],
      "edges": [{"from": ["n1", "out"], "to": ["n2", "in"]}, ...],
      "data": {...DataSettings...},
      "training": {...TrainingSettings...}
    }

Nodes are in graph order and edges in connection order (the argument order of a merge).
This module checks only the *shape* of the document (types, keys, limits) and turns it into
plain records; whether a layer type, parameter or port exists is the loader's business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from designer.io.errors import ProjectFileError, join, kind_of

FORMAT = "nn-designer-project"
FORMAT_VERSION = 1
EXTENSION = ".nndesign"

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_NODES = 20_000
MAX_EDGES = 100_000
MAX_LABEL_LENGTH = 10_000
MAX_ID_LENGTH = 200
MAX_DEPTH = 64
MAX_INT_DIGITS = 30
MAX_POSITION = 1e9
#: Values (numbers, strings, true/false/null, arrays, objects) a file may hold at most,
#: counted before parsing: the largest project that can be opened (20,000 layers,
#: 100,000 connections) holds about 1.3 million, and two million parse in well under a
#: second into about 100 MB; without the bound, a 50 MB file of ``[[],[],...]`` would
#: become 17 million lists and several gigabytes.
MAX_VALUES = 2_000_000

#: ``metadata`` is free-form (name, description, notes), so it is bounded on its own:
#: values in all (entries of its arrays and objects, counted all the way down), nesting
#: depth, characters of one string (or key) and characters of all its strings and keys.
MAX_METADATA_VALUES = 10_000
MAX_METADATA_DEPTH = 8
MAX_METADATA_STRING = 100_000
MAX_METADATA_CHARS = 1_000_000

_TOP_REQUIRED = ("format", "format_version", "nodes", "edges")
_TOP_OPTIONAL = ("app_version", "metadata", "data", "training")
_NODE_REQUIRED = ("id", "type", "label")
_NODE_OPTIONAL = ("position", "params")
_EDGE_KEYS = ("from", "to")


class Invalid:
    """Stands in for a value the JSON parser must not produce (NaN, a 5000-digit number,
    an object with a repeated key) so that the tree walk can report *where* it was."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


@dataclass(frozen=True)
class NodeRecord:
    """One checked entry of ``nodes``; ``path`` is where it is in the file."""

    path: str
    id: str
    type: str
    label: str
    position: tuple[float, float]
    params: dict[str, Any]


@dataclass(frozen=True)
class EdgeRecord:
    """One checked entry of ``edges``."""

    path: str
    src: str
    src_port: str
    dst: str
    dst_port: str


@dataclass(frozen=True)
class Document:
    """A structurally valid, current-format project document."""

    app_version: str
    metadata: dict[str, Any]
    nodes: list[NodeRecord]
    edges: list[EdgeRecord]
    data: dict[str, Any]
    training: dict[str, Any]


def check_tree(root: Any, root_path: str = "") -> None:
    """Fail on anything that is not plain, finite, moderately nested JSON.

    Iterative, so a hostile document cannot exhaust the stack; paths are built only for
    the item at fault. Tuples count as arrays so hand-built dicts are accepted.
    """
    stack: list[tuple[Any, int, Any]] = [(root, 0, None)]
    while stack:
        value, depth, where = stack.pop()
        problem = _leaf_problem(value)
        if problem is None and isinstance(value, dict | list | tuple):
            if depth >= MAX_DEPTH:
                problem = f"nested more than {MAX_DEPTH} levels deep"
            elif isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(key, str):
                        raise ProjectFileError(
                            f"object keys must be strings, got {kind_of(key)}",
                            _path(root_path, where),
                        )
                    stack.append((item, depth + 1, (where, key)))
            else:
                stack.extend((item, depth + 1, (where, i)) for i, item in enumerate(value))
        if problem is not None:
            raise ProjectFileError(problem, _path(root_path, where))


def _leaf_problem(value: Any) -> str | None:
    if isinstance(value, Invalid):
        return value.reason
    if value is None or isinstance(value, bool | dict | list | tuple):
        return None
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "text holds an unpaired surrogate (\\ud800-\\udfff escape)"
        return None
    if isinstance(value, int):
        if abs(value) >= 10**MAX_INT_DIGITS:
            return f"number has more than {MAX_INT_DIGITS} digits"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "numbers must be finite (no NaN or Infinity)"
    return f"{kind_of(value)} cannot be stored in a project file"


def _path(root: str, where: Any) -> str:
    keys: list[str | int] = []
    while where is not None:
        where, key = where
        keys.append(key)
    path = root
    for key in reversed(keys):
        path = join(path, key)
    return path or "(top level)"


def read_document(data: dict[str, Any]) -> Document:
    """Check the structure of a current-format document and return its records."""
    _keys(data, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    app_version = _string(data.get("app_version", ""), "app_version", 100, empty=True)
    metadata = _object(data.get("metadata", {}), "metadata")
    check_metadata(metadata)
    nodes = _array(data["nodes"], "nodes", MAX_NODES, "nodes")
    edges = _array(data["edges"], "edges", MAX_EDGES, "connections")
    return Document(
        app_version=app_version,
        metadata=metadata,
        nodes=[_node(item, join("nodes", i)) for i, item in enumerate(nodes)],
        edges=[_edge(item, join("edges", i)) for i, item in enumerate(edges)],
        data=_object(data.get("data", {}), "data"),
        training=_object(data.get("training", {}), "training"),
    )


def check_metadata(metadata: dict[str, Any], root_path: str = "metadata") -> None:
    """Refuse metadata beyond the `MAX_METADATA_*` bounds, naming the place at fault.

    Iterative and cheap: each value is visited once, and the walk stops at the first
    bound crossed (the tree was already checked to be plain, finite JSON)."""
    stack: list[tuple[Any, int, Any]] = [(metadata, 0, None)]
    count = chars = 0
    while stack:
        value, depth, where = stack.pop()
        count += 1
        if count > MAX_METADATA_VALUES:
            message = f"metadata may hold at most {MAX_METADATA_VALUES:,} values in all"
            raise ProjectFileError(message, _path(root_path, where))
        if isinstance(value, dict | list | tuple):
            if depth >= MAX_METADATA_DEPTH:
                message = f"metadata may be nested at most {MAX_METADATA_DEPTH} levels deep"
                raise ProjectFileError(message, _path(root_path, where))
            items = list(value.items() if isinstance(value, dict) else enumerate(value))
            for key, item in reversed(items):  # reversed: visited in document order
                if isinstance(key, str):
                    chars += _metadata_text(key, root_path, (where, key))
                stack.append((item, depth + 1, (where, key)))
        elif isinstance(value, str):
            chars += _metadata_text(value, root_path, where)
        if chars > MAX_METADATA_CHARS:
            message = f"metadata may hold at most {MAX_METADATA_CHARS:,} characters of text"
            raise ProjectFileError(message, _path(root_path, where))


def _metadata_text(text: str, root_path: str, where: Any) -> int:
    if len(text) > MAX_METADATA_STRING:
        message = f"text in metadata is longer than {MAX_METADATA_STRING:,} characters"
        raise ProjectFileError(message, _path(root_path, where))
    return len(text)


def _node(item: Any, path: str) -> NodeRecord:
    item = _object(item, path)
    _keys(item, path, _NODE_REQUIRED, _NODE_OPTIONAL)
    position = _pair(item.get("position", (0.0, 0.0)), join(path, "position"))
    return NodeRecord(
        path=path,
        id=_string(item["id"], join(path, "id"), MAX_ID_LENGTH),
        type=_string(item["type"], join(path, "type"), 200),
        label=_string(item["label"], join(path, "label"), MAX_LABEL_LENGTH),
        position=position,
        params=_object(item.get("params", {}), join(path, "params")),
    )


def _pair(value: Any, path: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ProjectFileError(f"expected [x, y], got {kind_of(value)}", path)
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ProjectFileError(f"expected a number, got {kind_of(v)}", join(path, i))
        if not abs(v) < MAX_POSITION:
            raise ProjectFileError(f"must be within ±{MAX_POSITION:g}", join(path, i))
    return float(value[0]), float(value[1])


def _edge(item: Any, path: str) -> EdgeRecord:
    item = _object(item, path)
    _keys(item, path, _EDGE_KEYS, ())
    src, src_port = _end(item["from"], join(path, "from"))
    dst, dst_port = _end(item["to"], join(path, "to"))
    return EdgeRecord(path, src, src_port, dst, dst_port)


def _end(value: Any, path: str) -> tuple[str, str]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ProjectFileError(f"expected [node id, port name], got {kind_of(value)}", path)
    node = _string(value[0], join(path, 0), MAX_ID_LENGTH)
    port = _string(value[1], join(path, 1), 100)
    return node, port


def _keys(item: dict[str, Any], path: str, required: tuple, optional: tuple) -> None:
    for key in required:
        if key not in item:
            raise ProjectFileError(f"missing key {key!r}", path or "(top level)")
    allowed = set(required) | set(optional)
    for key in item:
        if key not in allowed:
            raise ProjectFileError("unknown key", join(path, key))


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProjectFileError(f"expected an object, got {kind_of(value)}", path)
    return value


def _array(value: Any, path: str, limit: int, what: str) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, list | tuple):
        raise ProjectFileError(f"expected an array, got {kind_of(value)}", path)
    if len(value) > limit:
        raise ProjectFileError(
            f"{len(value)} {what} is more than this version can open ({limit})", path
        )
    return value


def _string(value: Any, path: str, limit: int, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise ProjectFileError(f"expected a string, got {kind_of(value)}", path)
    if not empty and not value.strip():
        raise ProjectFileError("must not be empty", path)
    if len(value) > limit:
        raise ProjectFileError(f"is longer than {limit} characters", path)
    return value
