"""Dockable panels around the canvas: palette, inspector, problems and generated code.

Each panel talks to the `GraphDocument` only (signals in, edits out), so the window
merely places them and wires the few requests that concern the canvas.
"""

from designer.ui.panels.code_view import CodeViewPanel, PythonHighlighter
from designer.ui.panels.inspector import InspectorPanel
from designer.ui.panels.palette import LAYER_MIME_TYPE, PalettePanel, layer_mime_data
from designer.ui.panels.problems import ProblemsPanel

__all__ = [
    "LAYER_MIME_TYPE",
    "CodeViewPanel",
    "InspectorPanel",
    "PalettePanel",
    "ProblemsPanel",
    "PythonHighlighter",
    "layer_mime_data",
]
