"""The words of a `DesignDiff`: one entry per difference, a summary, and a JSON form.

The command line prints these entries and the compare window lists the very same ones,
so the two never word a difference differently. Labels and text values are shown
through `quote` (cut short, then ``repr``), so a label holding control characters or an
escape sequence is shown escaped rather than acted on, in a terminal as in a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from designer.model.diff import (
    ABSENT,
    ADDED,
    CHANGED,
    REMOVED,
    DesignDiff,
    NodeChange,
    NodeMove,
    NodeRef,
    WireRef,
)

QUOTE_LIMIT = 40
LAYER, WIRE, SETTING = "layer", "wire", "setting"
#: The sign before an entry in text output, as in a unified diff (``~`` for a change).
SIGNS = {ADDED: "+", REMOVED: "-", CHANGED: "~"}


@dataclass(frozen=True)
class DiffEntry:
    """One difference in words. ``kind`` is added, removed or changed; ``subject`` a
    layer, wire or setting; ``old_ids`` and ``new_ids`` name the nodes it concerns on
    each side (a removed layer has none on the new side)."""

    kind: str
    subject: str
    text: str
    old_ids: tuple[str, ...] = ()
    new_ids: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        """The entry as the command line prints it: its sign, then its text."""
        return f"{SIGNS[self.kind]} {self.text}"


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``'label'``: cut to ``limit`` characters, control characters escaped."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def value_text(value: Any) -> str:
    """A parameter or setting value as the project file would write it."""
    if value is ABSENT:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(value_text(item) for item in value) + "]"
    return repr(value)


def node_text(node: NodeRef) -> str:
    """``Linear 'hidden'``: a node as messages name it."""
    return f"{node.title} {quote(node.label)}"


def wire_text(wire: WireRef) -> str:
    """``'a' → 'b'``, with the port names where they are not the usual out and in."""
    src = quote(wire.src.label) + ("" if wire.src_port == "out" else f".{wire.src_port}")
    dst = quote(wire.dst.label) + ("" if wire.dst_port == "in" else f".{wire.dst_port}")
    return f"{src} → {dst}"


def diff_entries(diff: DesignDiff) -> tuple[DiffEntry, ...]:
    """Every difference, in the diff's order: layers removed, added and changed, wires
    removed and added, then settings."""
    entries = [
        DiffEntry(REMOVED, LAYER, f"removed {node_text(n)}", old_ids=(n.id,)) for n in diff.removed
    ]
    entries += [
        DiffEntry(ADDED, LAYER, f"added {node_text(n)}", new_ids=(n.id,)) for n in diff.added
    ]
    for change in diff.changed:
        entries += _change_entries(change)
    for kind, wires in ((REMOVED, diff.removed_wires), (ADDED, diff.added_wires)):
        entries += [_wire_entry(diff, kind, wire) for wire in wires]
    entries += [
        DiffEntry(CHANGED, SETTING, f"{s.path}: {value_text(s.old)} → {value_text(s.new)}")
        for s in diff.settings
    ]
    return tuple(entries)


def _change_entries(change: NodeChange) -> list[DiffEntry]:
    ids = {"old_ids": (change.old.id,), "new_ids": (change.new.id,)}
    name = node_text(change.new)
    texts = []
    if change.type_changed:
        texts.append(f"type of {quote(change.new.label)}: {change.old.title} → {change.new.title}")
    if change.renamed:
        texts.append(f"renamed {node_text(change.old)} → {quote(change.new.label)}")
    texts += [f"{name}: {p.name} {value_text(p.old)} → {value_text(p.new)}" for p in change.params]
    texts += [f"{name}: the order of the wires into {quote(port)}" for port in change.reordered]
    return [DiffEntry(CHANGED, LAYER, text, **ids) for text in texts]


def _wire_entry(diff: DesignDiff, kind: str, wire: WireRef) -> DiffEntry:
    """A wire entry naming its two ends on both sides (where they have partners), so that
    selecting it shows the same place in both designs."""
    ends = (wire.src.id, wire.dst.id)
    if kind == REMOVED:
        partners = tuple(diff.new_id_of[e] for e in ends if e in diff.new_id_of)
        return DiffEntry(kind, WIRE, f"removed wire {wire_text(wire)}", ends, partners)
    partners = tuple(diff.old_id_of[e] for e in ends if e in diff.old_id_of)
    return DiffEntry(kind, WIRE, f"added wire {wire_text(wire)}", partners, ends)


def summary(diff: DesignDiff) -> str:
    """One line: how many differences, and how many layers only moved."""
    count = diff.count
    text = "no differences" if not count else f"{count} difference{'s' * (count != 1)}"
    moved = len(diff.moved)
    if moved:
        text += f" ({moved} layer{'s' * (moved != 1)} moved, which is not a difference)"
    return text


# ---------------------------------------------------------------------------------- JSON
def diff_to_dict(diff: DesignDiff) -> dict[str, Any]:
    """The diff as JSON values; a value a side lacks (`ABSENT`) is left out."""
    return {
        "equal": diff.equal,
        "differences": diff.count,
        "layers": {
            "removed": [_node(n) for n in diff.removed],
            "added": [_node(n) for n in diff.added],
            "changed": [_change(c) for c in diff.changed],
        },
        "wires": {
            "removed": [_wire(w) for w in diff.removed_wires],
            "added": [_wire(w) for w in diff.added_wires],
        },
        "settings": [
            {"setting": s.path, "old": _json(s.old), "new": _json(s.new)} for s in diff.settings
        ],
        "moved": [_moved(m) for m in diff.moved],
    }


def _node(node: NodeRef) -> dict[str, Any]:
    return {"id": node.id, "label": node.label, "type": node.type}


def _change(change: NodeChange) -> dict[str, Any]:
    params = []
    for p in change.params:
        item: dict[str, Any] = {"name": p.name}
        item.update(
            {side: _json(v) for side, v in (("old", p.old), ("new", p.new)) if v is not ABSENT}
        )
        params.append(item)
    return {
        "old": _node(change.old),
        "new": _node(change.new),
        "params": params,
        "reordered_inputs": list(change.reordered),
    }


def _wire(wire: WireRef) -> dict[str, Any]:
    return {
        "from": {**_node(wire.src), "port": wire.src_port},
        "to": {**_node(wire.dst), "port": wire.dst_port},
    }


def _moved(move: NodeMove) -> dict[str, Any]:
    return {
        "old": _node(move.old),
        "new": _node(move.new),
        "from": list(move.old_position),
        "to": list(move.new_position),
    }


def _json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
