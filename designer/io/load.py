"""Reading projects: parse, check the format, migrate, validate, then build the graph.

A project file is untrusted input (it may come from anywhere), so every step is defensive:
the size is checked before reading, the JSON parser refuses NaN, Infinity, absurd numbers
and repeated keys, nesting is bounded, every value is type-checked against the schema and
every parameter against its catalogue range *before* anything is built (a 10^12-unit
Linear is refused, never allocated), and the graph is built through `Graph.add_node` and
`Graph.add_edges` (`Graph.connect` for each edge, in file order) so that every check an
edit gets also applies to a file. Whatever is wrong, the only exception is
`ProjectFileError`, whose message names the place. Nothing here unpickles or evaluates
anything.
"""

from __future__ import annotations

import copy
import json
import os
import re
from typing import Any

from designer.catalog import Catalog, ParamError, default_catalog
from designer.catalog.registry import LayerTypeNotFoundError
from designer.io.blocks import BlockRecord, build_blocks, read_blocks
from designer.io.errors import ProjectFileError, join, kind_of
from designer.io.files import FileRefusedError, read_regular_file
from designer.io.migrations import migrate
from designer.io.schema import (
    FORMAT,
    MAX_FILE_BYTES,
    MAX_VALUES,
    Document,
    EdgeRecord,
    Invalid,
    NodeRecord,
    check_sizes,
    check_tree,
    read_document,
)
from designer.model import (
    DataSettings,
    Edge,
    Graph,
    GraphError,
    IncompatiblePortsError,
    PortOccupiedError,
    Project,
    SettingsError,
    TrainingSettings,
    UnknownPortError,
)
from designer.model.shapes import format_bytes
from designer.model.sweep import SweepSettings

_NOT_A_PROJECT = "this is not an NN Designer project file"
_BOM = b"\xef\xbb\xbf"


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file; any problem raises `ProjectFileError` naming the place.

    Only a regular file of at most `MAX_FILE_BYTES` is read (see `designer.io.files`), so
    a named pipe, a device or a folder is refused at once instead of hanging or filling
    memory."""
    source = os.fspath(path)
    try:
        raw = read_regular_file(source, MAX_FILE_BYTES)
    except OSError as error:
        reason = error.strerror or str(error)
        if not isinstance(error, FileRefusedError):
            reason = f"cannot read the file: {reason}"
        raise ProjectFileError(reason, source=source) from error
    return project_from_json(_decode(raw, source), source=source)


def project_from_json(text: str, source: str = "<string>") -> Project:
    """Build a project from the text of a project file (``source`` names it in errors)."""
    try:
        return project_from_dict(parse_json(text))
    except ProjectFileError as error:
        error.with_source(source)
        raise


def project_from_dict(data: Any, catalog: Catalog | None = None) -> Project:
    """Build a project from a parsed document, migrating it from older formats first.

    ``data`` is not modified. Everything is validated, so this also accepts hand-built
    or foreign dicts safely.
    """
    if isinstance(data, dict):
        check_sizes(data)
    check_tree(data)
    if not isinstance(data, dict):
        raise ProjectFileError(f"expected an object, got {kind_of(data)}; {_NOT_A_PROJECT}")
    if "format" not in data:
        raise ProjectFileError(f"missing key 'format'; {_NOT_A_PROJECT}", "(top level)")
    if data["format"] != FORMAT:
        got = data["format"]
        shown = repr(got)[:60] if isinstance(got, str) else kind_of(got)
        raise ProjectFileError(f"expected {FORMAT!r}, got {shown}; {_NOT_A_PROJECT}", "format")
    current = migrate(data)
    document = read_document(current)
    blocks = read_blocks(current["blocks"]) if "blocks" in current else []
    return _build(document, catalog or default_catalog(), blocks)


def parse_json(text: str) -> Any:
    """Parse strict JSON; errors say the line and column (1-based)."""
    if not isinstance(text, str):
        raise ProjectFileError(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise ProjectFileError(f"the text is larger than {format_bytes(MAX_FILE_BYTES)}")
    text = text.removeprefix("\ufeff")
    _check_value_count(text)
    try:
        return json.loads(
            text,
            parse_constant=_constant,
            parse_int=_integer,
            parse_float=_real,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        if not text.strip():
            raise ProjectFileError("the file is empty") from None
        unterminated = error.msg.startswith("Unterminated string")  # runs to the end
        if unterminated or error.pos >= len(text.rstrip()):
            message = f"the file ends too early (is it truncated?): {error.msg}"
            raise ProjectFileError(message, where) from None
        raise ProjectFileError(f"not valid JSON: {error.msg}", where) from None
    except RecursionError:
        raise ProjectFileError("arrays or objects are nested too deeply") from None
    except MemoryError:  # the bounds above make this unlikely; never a traceback
        raise ProjectFileError("there is not enough memory to read this file") from None


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


def _check_value_count(text: str) -> None:
    """Refuse text holding more than `MAX_VALUES` JSON values *before* parsing it.

    Parsing builds every value at once (an empty list costs 56 bytes for its 3 bytes of
    text), so the count must come first. Without its strings, the text's commas and
    opening brackets bound the number of values from above; all three are counted in C.
    """
    bare = _STRING.sub("", text)
    count = bare.count(",") + bare.count("[") + bare.count("{") + 1
    if count > MAX_VALUES:
        raise ProjectFileError(
            f"the file holds more than {MAX_VALUES:,} values (numbers, strings, arrays, "
            "objects), more than this version can open"
        )


def _decode(raw: bytes, source: str) -> str:
    raw = raw.removeprefix(_BOM)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        start = error.start
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        message = f"the file is not UTF-8 text (byte 0x{raw[start]:02x})"
        raise ProjectFileError(message, f"line {line}, column {column}", source) from None


def _constant(name: str) -> Invalid:
    return Invalid(f"{name} is not allowed; numbers must be finite")


def _integer(text: str) -> int | Invalid:
    if len(text.lstrip("-")) > 30:
        return Invalid("number has more than 30 digits")
    return int(text)


def _real(text: str) -> float | Invalid:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        return Invalid(f"number {text[:40]} is too large")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any] | Invalid:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                return Invalid(f"the key {key[:60]!r} appears twice in this object")
            seen.add(key)
    return result


# -------------------------------------------------------------------------- building
def _build(document: Document, catalog: Catalog, blocks: list[BlockRecord]) -> Project:
    graph = Graph(catalog)
    build_blocks(graph.blocks, blocks, fill_graph)
    fill_graph(graph, document.nodes, document.edges)
    try:
        data = DataSettings.from_dict(document.data, "data")
        training = TrainingSettings.from_dict(document.training, "training")
        sweep = SweepSettings.from_dict(document.sweep, "sweep")
    except SettingsError as error:
        raise ProjectFileError(error.message, error.path) from None
    return Project(graph, data, training, copy.deepcopy(document.metadata), sweep)


def fill_graph(graph: Graph, nodes: list[NodeRecord], edges: list[EdgeRecord]) -> None:
    """Add the nodes, then the edges, with every check an edit gets (the design's and
    each block's alike)."""
    catalog = graph.catalog
    where: dict[str, str] = {}
    for record in nodes:
        try:
            type_id = catalog.resolve(record.type)
        except LayerTypeNotFoundError:
            message = f"unknown layer type {record.type!r:.80}"
            raise ProjectFileError(message, join(record.path, "type")) from None
        if record.id in where:
            message = f"the node id {record.id!r:.60} is already used by {where[record.id]}"
            raise ProjectFileError(message, join(record.path, "id"))
        spec = catalog.get(type_id)
        try:
            params = spec.validate_params(record.params)
        except ParamError as error:
            place = join(join(record.path, "params"), error.name)
            raise ProjectFileError(f"{spec.display_name}: {error}", place) from None
        try:
            graph.add_node(
                type_id, params, record.label, record.position, record.id, None, record.silenced
            )
        except GraphError as error:
            raise ProjectFileError(str(error), record.path) from None
        where[record.id] = record.path
    _connect(graph, edges)


def _connect(graph: Graph, records: list[EdgeRecord]) -> None:
    """Connect in file order with every check of `Graph.connect` (in one fast batch)."""
    for record in records:
        for end, node_id in (("from", record.src), ("to", record.dst)):
            if node_id not in graph.nodes:
                message = f"no node with id {node_id!r:.60}"
                raise ProjectFileError(message, join(join(record.path, end), 0))
    try:
        graph.add_edges(Edge(r.src, r.src_port, r.dst, r.dst_port) for r in records)
    except GraphError as error:
        record = records[len(graph.edges)]
        place = _edge_place(graph, record, error)
        raise ProjectFileError(_edge_message(graph, error), place) from None


def _edge_place(graph: Graph, record: EdgeRecord, error: GraphError) -> str:
    if isinstance(error, UnknownPortError | IncompatiblePortsError):
        ports = {port.name for port in graph.output_ports(record.src)}
        if record.src_port not in ports:
            return join(join(record.path, "from"), 1)
        return join(join(record.path, "to"), 1)
    if isinstance(error, PortOccupiedError):
        return join(record.path, "to")
    return record.path


def _edge_message(graph: Graph, error: GraphError) -> str:
    if isinstance(error, PortOccupiedError) and error.node_id is not None:
        return (
            f"{graph.describe(error.node_id)} takes a single input, and an earlier "
            "connection already feeds it"
        )
    return str(error)
