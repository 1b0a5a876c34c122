"""How runs and sweep trials read, in the window and on the terminal alike: durations,
parameter values and the short names of a sweep's dimensions.

One home for these texts, so the run history, the sweep table and the command line's
progress lines can never show the same value two ways.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from designer.model import Graph
from designer.model.sweep import SweepSettings


def format_duration(seconds: float) -> str:
    """``0:07``, ``12:30`` or ``1:02:03``; ``--:--`` when not known (an infinite ETA)."""
    if not math.isfinite(seconds):
        return "--:--"
    minutes, secs = divmod(round(max(seconds, 0.0)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def short_names(graph: Graph, sweep: SweepSettings) -> dict[str, str]:
    """A short name per dimension key: the setting's name, or ``label.parameter``."""
    names = {}
    for param in sweep.parameters:
        if param.node and param.node in graph.nodes:
            names[param.key] = f"{graph.node(param.node).label}.{param.name}"
        else:
            names[param.key] = param.name if not param.node else param.key
    return names


def format_values(values: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """``learning_rate=0.0038 hidden.units=14``: each value short (4 significant digits)."""
    return " ".join(f"{names.get(key, key)}={format_value(value)}" for key, value in values.items())


def format_value(value: Any) -> str:
    """A float to 4 significant digits (``0.0038``), anything else as it prints."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
