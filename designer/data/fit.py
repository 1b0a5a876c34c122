"""Edits that make a design's ends fit a data set: each Input's layout, each output's units.

Changing a data set usually breaks the two ends of a network and nothing in between, so the
fix is offered as plain `SetParam` edits the UI pushes as one undoable "Fit design to data"
step. Only values that differ are changed, so fitting an already fitting design is a no-op
(an empty list), and the user can see and undo exactly what changed. Which loss suits which
targets, and how many units an output needs, come from the training catalogue.
"""

from __future__ import annotations

import numpy as np

from designer.catalog.objectives import fitting_loss, output_units
from designer.data.layout import data_layout
from designer.data.prepare import InputInfo, PreparedData, TargetInfo
from designer.model.edits import Compound, SetParam
from designer.model.graph import Graph

FIT_DESCRIPTION = "Fit design to data"
# Layers that keep their input's width, so a Linear behind them still sets the output width
# (the common "Linear -> Sigmoid -> Output" ending of a binary classifier).
_PASS_THROUGH_CATEGORIES = ("Activation",)
_PASS_THROUGH_TYPES = ("Dropout", "Identity")


def edits_to_fit_data(graph: Graph, data: PreparedData) -> list[SetParam]:
    """`SetParam` edits so each Input node takes the samples of its array in ``data`` and
    the Linear layer that ends each output has one unit per class (or per target value).

    An Output's loss is changed only when it cannot work at all with its targets (a
    classification loss on real values, or a binary loss on more than two classes); then
    cross-entropy or mean squared error is chosen. Nodes whose array the data lacks are
    left alone.
    """
    layout = data_layout(graph)
    edits: list[SetParam] = []
    for slot in layout.inputs:
        if slot.name in data.input_names:
            edits += _input_edits(graph, slot.node_id, data.input(slot.name), data)
    for slot in layout.outputs:
        if slot.name in data.target_names:
            edits += _output_edits(graph, slot.node_id, data.target(slot.name))
    return edits


def fit_compound(graph: Graph, data: PreparedData) -> Compound | None:
    """The fitting edits as one undo step, or None when the design already fits."""
    edits = edits_to_fit_data(graph, data)
    return Compound(edits, FIT_DESCRIPTION) if edits else None


def _changes(graph: Graph, node_id: str, values: dict[str, object]) -> list[SetParam]:
    params = graph.node(node_id).params
    return [
        SetParam(node_id, name, value, FIT_DESCRIPTION)
        for name, value in values.items()
        if params.get(name) != value
    ]


def _input_edits(graph: Graph, node_id: str, info: InputInfo, data: PreparedData) -> list[SetParam]:
    shape = info.shape
    if info.kind == "tokens" and len(shape) == 1:
        highest = max(_largest_id(data.train[info.name]), _largest_id(data.val[info.name]))
        vocab = max(int(graph.node(node_id).params.get("vocab_size", 1)), highest + 1)
        values: dict[str, object] = {"kind": "tokens", "length": shape[0], "vocab_size": vocab}
    elif len(shape) == 1:
        values = {"kind": "features", "features": shape[0]}
    elif len(shape) == 3:
        values = {"kind": "image", "channels": shape[0], "height": shape[1], "width": shape[2]}
    elif len(shape) == 2:
        values = {"kind": "sequence", "length": shape[0], "features": shape[1]}
    else:
        return []
    return _changes(graph, node_id, values)


def _largest_id(array: np.ndarray) -> int:
    return int(array.max()) if array.size else 0


def _output_edits(graph: Graph, node_id: str, target: TargetInfo) -> list[SetParam]:
    current = str(graph.node(node_id).params.get("loss", "cross_entropy"))
    loss = fitting_loss(current, target.task, target.num_classes)
    edits = _changes(graph, node_id, {"loss": loss})
    linear = _final_linear(graph, node_id)
    units = output_units(loss, target.task, target.shape, target.num_classes)
    if linear is not None and units:
        edits += _changes(graph, linear, {"units": units})
    return edits


def _final_linear(graph: Graph, output_id: str) -> str | None:
    """The Linear layer whose units set the network's output width, if there is one."""
    edges = graph.in_edges(output_id)
    seen: set[str] = set()
    while len(edges) == 1 and edges[0].src not in seen:
        node_id = edges[0].src
        seen.add(node_id)
        spec = graph.spec(node_id)
        if spec.type_id == "Linear":
            return node_id
        passes = spec.category in _PASS_THROUGH_CATEGORIES or spec.type_id in _PASS_THROUGH_TYPES
        if not passes:
            return None
        edges = graph.in_edges(node_id)
    return None
