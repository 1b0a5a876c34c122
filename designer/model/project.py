"""A project: the graph plus the data and training settings saved with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from designer.model.graph import Graph
from designer.model.settings import DataSettings, TrainingSettings
from designer.model.sweep import SweepSettings


@dataclass
class Project:
    """Everything a project file holds. ``metadata`` is free-form (name, description);
    ``sweep`` is the search space of the project's sweeps (`designer.model.sweep`)."""

    graph: Graph = field(default_factory=Graph)
    data: DataSettings = field(default_factory=DataSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    metadata: dict[str, Any] = field(default_factory=dict)
    sweep: SweepSettings = field(default_factory=SweepSettings)
