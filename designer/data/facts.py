"""What the linter's data rules need to know of a loaded data set, by Output node.

The linter (`designer.model.lint`) sits below the data layer and never sees arrays; this
module reads them once and hands over plain facts: each Output's task, target shape,
number of classes, and for real-valued targets their smallest and largest value (so a
rule can tell that a sigmoid cannot reach targets up to 346).
"""

from __future__ import annotations

import weakref

import numpy as np

from designer.catalog.objectives import REGRESSION
from designer.data.layout import data_layout
from designer.data.prepare import PreparedData
from designer.model import Analysis, Project
from designer.model.lint import DataFacts, TargetFacts

_RANGES: weakref.WeakKeyDictionary[PreparedData, dict[str, tuple[float, float] | None]] = (
    weakref.WeakKeyDictionary()
)


def data_facts(project: Project, data: PreparedData, analysis: Analysis | None = None) -> DataFacts:
    """The facts of ``data`` for each Output node of ``project`` that it has targets for."""
    layout = data_layout(project.graph, analysis)
    targets = {}
    for slot in layout.outputs:
        if slot.name not in data.target_names:
            continue
        info = data.target(slot.name)
        low, high = _range(data, slot.name) or (None, None)
        targets[slot.node_id] = TargetFacts(
            info.task, tuple(info.shape), info.num_classes, low, high
        )
    return DataFacts(data.name, targets)


def _range(data: PreparedData, name: str) -> tuple[float, float] | None:
    """The smallest and largest real-valued target, over both parts (None for class
    labels or no rows); found once per loaded data set, which edits do not change."""
    ranges = _RANGES.setdefault(data, {})
    if name not in ranges:
        ranges[name] = None
        if data.target(name).task == REGRESSION:
            parts = [part[name] for part in (data.train, data.val) if part[name].size]
            if parts:
                low = min(float(np.min(part)) for part in parts)
                high = max(float(np.max(part)) for part in parts)
                ranges[name] = (low, high)
    return ranges[name]
