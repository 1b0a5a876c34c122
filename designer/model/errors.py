"""Typed errors of graph edits. They are raised *before* anything changes, so a caught
error always leaves the graph as it was; the UI shows ``str(error)`` to the user."""

from __future__ import annotations


class GraphError(Exception):
    """Base of every refused graph edit. ``node_id`` names the node at fault, if any."""

    def __init__(self, message: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.node_id = node_id


class UnknownNodeError(GraphError):
    """The edit names a node that is not in the graph."""


class UnknownPortError(GraphError):
    """The edit names a port the node's layer type does not have."""


class UnknownLayerTypeError(GraphError):
    """The layer type is not in the catalogue."""


class CycleError(GraphError):
    """The connection would close a loop; networks here are acyclic."""


class DuplicateEdgeError(GraphError):
    """The same two ports are already connected."""


class PortOccupiedError(GraphError):
    """The input port takes a single connection and already has one."""


class PortInUseError(GraphError):
    """A parameter change would remove an output port that is still connected."""


class IncompatiblePortsError(GraphError):
    """The two ports cannot be joined (output to output, a node to itself, ...)."""


class InvalidParameterError(GraphError):
    """A parameter value is out of range or of the wrong kind; ``field`` names it."""

    def __init__(self, message: str, node_id: str | None, field: str) -> None:
        super().__init__(message, node_id)
        self.field = field


class InvalidLabelError(GraphError):
    """A node label is empty or absurdly long."""


class DuplicateNodeError(GraphError):
    """A node with that id already exists."""


class InvalidPositionError(GraphError):
    """A position is not a pair of finite numbers within the canvas bounds."""


class BlockError(GraphError):
    """A block edit is refused: a block inside itself, nested too deeply, a port node
    outside a block, or a selection that cannot become a block."""


class InvalidSilenceError(GraphError):
    """A rule id or the reason for silencing it on a node is malformed or too long."""
