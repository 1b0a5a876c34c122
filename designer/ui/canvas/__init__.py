"""The node-graph canvas: a `GraphScene` mirroring the model and a `GraphView` showing it."""

from designer.ui.canvas.scene import GraphScene
from designer.ui.canvas.view import GraphView

__all__ = ["GraphScene", "GraphView"]
