"""Nodes and edges: plain records the graph owns. Views hold ids, never these objects."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Node:
    """One layer the user placed: its stable id, type, label, parameters and position.

    ``silenced`` maps the ids of linter rules the user chose to quiet on this layer to
    the reason they gave (see `designer.model.lint`); it is saved with the node.
    """

    id: str
    type: str
    label: str
    params: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)
    silenced: dict[str, str] = field(default_factory=dict)

    def clone(self) -> Node:
        params = copy.deepcopy(self.params)
        return Node(self.id, self.type, self.label, params, self.position, dict(self.silenced))


@dataclass(frozen=True, order=True)
class Edge:
    """A connection from an output port of ``src`` to an input port of ``dst``."""

    src: str
    src_port: str
    dst: str
    dst_port: str

    def touches(self, node_id: str) -> bool:
        return node_id in (self.src, self.dst)
