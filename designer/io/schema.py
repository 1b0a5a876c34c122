"""The layout of a ``.nndesign`` project file and the structural checks of one.

A project file is JSON::

    {
      "format": "nn-designer-project",
      "format_version": 1,
      "app_version": "0.1.0",
      "metadata": {"name": "...", "description": "..."},
      "nodes": [{"id": "n1", "type": "Linear", "label": "fc1",
                 "position": [220.0, 0.0], "params": {"units": 10, ...},
                 "silenced": {"NN301": "a linear bottleneck, on purpose"}}, ...],
      "edges": [{"from": ["n1", "out"], "to": ["n2", "in"]}, ...],
      "data": {...DataSettings...},
      "training": {...TrainingSettings...},
      "sweep": {...SweepSettings...}
    }

``sweep`` (format 2, optional) is written only when the project has a search space, and
``blocks`` (optional, see `designer.io.blocks`) only when it has block definitions.

Nodes are in graph order and edges in connection order (the argument order of a merge).
A node's optional ``silenced`` maps the ids of linter rules quieted on it to the reason
given (written only when there are some, so files without it read as before).
This module checks only the *shape* of the document (types, keys, limits) and turns it into
plain records; whether a layer type, parameter or port exists is the loader's business.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from designer.io.errors import ProjectFileError, join, kind_of
from designer.model.errors import InvalidSilenceError
from designer.model.node_fields import MAX_SILENCED_RULES, check_silence

FORMAT = "nn-designer-project"
FORMAT_VERSION = 2
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
_TOP_OPTIONAL = ("app_version", "metadata", "data", "training", "sweep", "blocks")
_NODE_REQUIRED = ("id", "type", "label")
_NODE_OPTIONAL = ("position", "params", "silenced")
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
    silenced: dict[str, str] = field(default_factory=dict)


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
    sweep: dict[str, Any]


def check_tree(root: Any, root_path: str = "") -> None:
    """Fail on anything that is not plain, finite, moderately nested JSON.

    Iterative, with one iterator per open container, so a hostile document can exhaust
    neither the stack nor memory; the common leaves (ASCII text, moderate whole numbers,
    finite reals) are checked inline, as this walk visits every value of the file; the
    path is built only for the item at fault. Tuples count as arrays so hand-built dicts
    are accepted.
    """
    problem = _leaf_problem(root) or _key_problem(root)
    if problem is not None:
        raise ProjectFileError(problem, root_path or "(top level)")
    limit = 10**MAX_INT_DIGITS
    keys: list[str | int] = []  # from the root to the container being walked
    stack = [_pairs(root)]
    while stack:
        for key, value in stack[-1]:
            kind = type(value)
            if (
                (kind is str and value.isascii())
                or (kind is int and -limit < value < limit)
                or (kind is float and math.isfinite(value))
            ):
                continue
            if isinstance(value, dict | list | tuple):
                problem = _key_problem(value)
                if len(stack) >= MAX_DEPTH:
                    problem = f"nested more than {MAX_DEPTH} levels deep"
                if problem is None:
                    keys.append(key)
                    stack.append(_pairs(value))
                    break
            else:
                problem = _leaf_problem(value)
                if problem is None:
                    continue
            raise ProjectFileError(problem, _join_all(root_path, [*keys, key]))
        else:
            stack.pop()
            if keys:
                keys.pop()


def check_sizes(data: dict[str, Any]) -> None:
    """The bounds that keep reading a document cheap, checked before it is walked whole:
    the number of nodes and edges, and what the free-form metadata holds."""
    for key, limit, what in (("nodes", MAX_NODES, "nodes"), ("edges", MAX_EDGES, "connections")):
        if isinstance(data.get(key), list | tuple):
            array(data[key], key, limit, what)
    if isinstance(data.get("metadata"), dict):
        check_metadata(data["metadata"])


def walk(root: Any) -> Iterator[tuple[list[str | int], str | int, Any, int]]:
    """Every value below ``root``, depth first in document order, as ``(keys, key, value,
    depth)``: ``keys`` leads from the root to the value's container (the same list,
    updated as the walk goes on), ``depth`` is 1 for the root's own items.

    One iterator per open container and no copies, so walking a list of two million
    numbers costs next to no memory; the consumer may stop (raise) at any value before
    the walk goes into it.
    """
    keys: list[str | int] = []
    stack = [_pairs(root)]
    while stack:
        for key, value in stack[-1]:
            yield keys, key, value, len(stack)
            if isinstance(value, dict | list | tuple):
                keys.append(key)
                stack.append(_pairs(value))
                break
        else:
            stack.pop()
            if keys:
                keys.pop()


def _pairs(container: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(container, dict):
        return iter(container.items())
    if isinstance(container, list | tuple):
        return enumerate(container)
    return iter(())


def _key_problem(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                return f"object keys must be strings, got {kind_of(key)}"
    return None


def _join_all(root: str, keys: list[str | int]) -> str:
    path = root
    for key in keys:
        path = join(path, key)
    return path or "(top level)"


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


def read_document(data: dict[str, Any]) -> Document:
    """Check the structure of a current-format document and return its records."""
    keys(data, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    app_version = string(data.get("app_version", ""), "app_version", 100, empty=True)
    metadata = object_(data.get("metadata", {}), "metadata")
    check_metadata(metadata)
    nodes, edges = read_graph_records(data)
    return Document(
        app_version=app_version,
        metadata=metadata,
        nodes=nodes,
        edges=edges,
        data=object_(data.get("data", {}), "data"),
        training=object_(data.get("training", {}), "training"),
        sweep=object_(data.get("sweep", {}), "sweep"),
    )


def read_graph_records(data: dict[str, Any]) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """The checked ``nodes`` and ``edges`` of a document: the part that project files and
    clipboard snippets (documents of a sub-graph) share."""
    nodes = array(data["nodes"], "nodes", MAX_NODES, "nodes")
    edges = array(data["edges"], "edges", MAX_EDGES, "connections")
    return (
        [node_record(item, join("nodes", i)) for i, item in enumerate(nodes)],
        [edge_record(item, join("edges", i)) for i, item in enumerate(edges)],
    )


def check_metadata(metadata: dict[str, Any], root_path: str = "metadata") -> None:
    """Refuse metadata beyond the `MAX_METADATA_*` bounds, naming the place at fault.

    Cheap: the walk stops at the first bound crossed (the tree was already checked to be
    plain, finite JSON), and `walk` copies nothing, however long a list is."""
    count, chars = 1, 0  # the metadata object itself is the first value
    for keys, key, value, depth in walk(metadata):
        count += 1
        texts = [text for text in (key, value) if isinstance(text, str)]
        chars += sum(len(text) for text in texts)
        problem = None
        if count > MAX_METADATA_VALUES:
            problem = f"metadata may hold at most {MAX_METADATA_VALUES:,} values in all"
        elif isinstance(value, dict | list | tuple) and depth >= MAX_METADATA_DEPTH:
            problem = f"metadata may be nested at most {MAX_METADATA_DEPTH} levels deep"
        elif any(len(text) > MAX_METADATA_STRING for text in texts):
            problem = f"text in metadata is longer than {MAX_METADATA_STRING:,} characters"
        elif chars > MAX_METADATA_CHARS:
            problem = f"metadata may hold at most {MAX_METADATA_CHARS:,} characters of text"
        if problem is not None:
            raise ProjectFileError(problem, _join_all(root_path, [*keys, key]))


def node_record(item: Any, path: str) -> NodeRecord:
    """A checked node entry (of the design or of a block)."""
    item = object_(item, path)
    keys(item, path, _NODE_REQUIRED, _NODE_OPTIONAL)
    position = _pair(item.get("position", (0.0, 0.0)), join(path, "position"))
    return NodeRecord(
        path=path,
        id=string(item["id"], join(path, "id"), MAX_ID_LENGTH),
        type=string(item["type"], join(path, "type"), 200),
        label=string(item["label"], join(path, "label"), MAX_LABEL_LENGTH),
        position=position,
        params=object_(item.get("params", {}), join(path, "params")),
        silenced=_silenced(item.get("silenced", {}), join(path, "silenced")),
    )


def _silenced(value: Any, path: str) -> dict[str, str]:
    """A node's silenced rules: at most `MAX_SILENCED_RULES`, each a rule id with a
    short, non-empty reason."""
    silenced = object_(value, path)
    if len(silenced) > MAX_SILENCED_RULES:
        raise ProjectFileError(
            f"at most {MAX_SILENCED_RULES} rules can be silenced on one layer", path
        )
    checked = {}
    for rule, reason in silenced.items():
        try:
            checked[rule] = check_silence(rule, reason)
        except InvalidSilenceError as error:
            raise ProjectFileError(str(error), join(path, rule)) from None
    return checked


def _pair(value: Any, path: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ProjectFileError(f"expected [x, y], got {kind_of(value)}", path)
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ProjectFileError(f"expected a number, got {kind_of(v)}", join(path, i))
        if not abs(v) < MAX_POSITION:
            raise ProjectFileError(f"must be within ±{MAX_POSITION:g}", join(path, i))
    return float(value[0]), float(value[1])


def edge_record(item: Any, path: str) -> EdgeRecord:
    """A checked edge entry (of the design or of a block)."""
    item = object_(item, path)
    keys(item, path, _EDGE_KEYS, ())
    src, src_port = _end(item["from"], join(path, "from"))
    dst, dst_port = _end(item["to"], join(path, "to"))
    return EdgeRecord(path, src, src_port, dst, dst_port)


def _end(value: Any, path: str) -> tuple[str, str]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ProjectFileError(f"expected [node id, port name], got {kind_of(value)}", path)
    node = string(value[0], join(path, 0), MAX_ID_LENGTH)
    port = string(value[1], join(path, 1), 100)
    return node, port


def keys(item: Any, path: str, required: tuple, optional: tuple) -> None:
    """Refuse a non-object, a missing required key or a key that is not allowed."""
    item = object_(item, path)
    for key in required:
        if key not in item:
            raise ProjectFileError(f"missing key {key!r}", path or "(top level)")
    allowed = set(required) | set(optional)
    for key in item:
        if key not in allowed:
            raise ProjectFileError("unknown key", join(path, key))


def object_(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProjectFileError(f"expected an object, got {kind_of(value)}", path)
    return value


def array(value: Any, path: str, limit: int, what: str) -> list[Any] | tuple[Any, ...]:
    """``value`` if it is an array of at most ``limit`` items (``what`` names them)."""
    if not isinstance(value, list | tuple):
        raise ProjectFileError(f"expected an array, got {kind_of(value)}", path)
    if len(value) > limit:
        raise ProjectFileError(
            f"{len(value)} {what} is more than this version can open ({limit})", path
        )
    return value


def string(value: Any, path: str, limit: int, empty: bool = False) -> str:
    """``value`` if it is a string of at most ``limit`` characters (non-blank unless
    ``empty``)."""
    if not isinstance(value, str):
        raise ProjectFileError(f"expected a string, got {kind_of(value)}", path)
    if not empty and not value.strip():
        raise ProjectFileError("must not be empty", path)
    if len(value) > limit:
        raise ProjectFileError(f"is longer than {limit} characters", path)
    return value
