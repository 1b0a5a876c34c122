"""The pure model of a design: graph, nodes, edges, edits, shape inference, settings.

Imports neither Qt nor torch; views mirror it through the psygnal events on ``graph.events``.
"""

from designer.model.errors import (
    BlockError,
    CycleError,
    DuplicateEdgeError,
    DuplicateNodeError,
    GraphError,
    IncompatiblePortsError,
    InvalidLabelError,
    InvalidParameterError,
    InvalidPositionError,
    InvalidSilenceError,
    PortInUseError,
    PortOccupiedError,
    UnknownLayerTypeError,
    UnknownNodeError,
    UnknownPortError,
)
from designer.model.graph import Graph
from designer.model.node import Edge, Node
from designer.model.project import Project
from designer.model.settings import DataSettings, SettingsError, TrainingSettings
from designer.model.shapes import Analysis, NodeInfo, Problem, ShapeCache, infer_shapes

__all__ = [
    "Analysis",
    "BlockError",
    "CycleError",
    "DataSettings",
    "DuplicateEdgeError",
    "DuplicateNodeError",
    "Edge",
    "Graph",
    "GraphError",
    "IncompatiblePortsError",
    "InvalidLabelError",
    "InvalidParameterError",
    "InvalidPositionError",
    "InvalidSilenceError",
    "Node",
    "NodeInfo",
    "PortInUseError",
    "PortOccupiedError",
    "Problem",
    "Project",
    "SettingsError",
    "ShapeCache",
    "TrainingSettings",
    "UnknownLayerTypeError",
    "UnknownNodeError",
    "UnknownPortError",
    "infer_shapes",
]
