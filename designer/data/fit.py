"""Edits that make a design's ends fit a data set: the Input's layout, the last layer's units.

Changing a data set usually breaks the two ends of a network and nothing in between, so the
fix is offered as plain `SetParam` edits the UI pushes as one undoable "Fit design to data"
step. Only values that differ are changed, so fitting an already fitting design is a no-op
(an empty list), and the user can see and undo exactly what changed.
"""

from __future__ import annotations

from designer.data.prepare import PreparedData
from designer.model.edits import Compound, SetParam
from designer.model.graph import Graph

FIT_DESCRIPTION = "Fit design to data"
CLASSIFICATION_LOSSES = ("cross_entropy", "bce_with_logits", "bce")
BINARY_LOSSES = ("bce_with_logits", "bce")
# Layers that keep their input's width, so a Linear behind them still sets the output width
# (the common "Linear -> Sigmoid -> Output" ending of a binary classifier).
_PASS_THROUGH_CATEGORIES = ("Activation",)
_PASS_THROUGH_TYPES = ("Dropout", "Identity")


def edits_to_fit_data(graph: Graph, data: PreparedData) -> list[SetParam]:
    """`SetParam` edits so the single Input node takes samples of ``data`` and the Linear
    layer that ends the network has one unit per class (or per target value).

    The Output's loss is changed only when it cannot work at all with the data (a
    classification loss on real-valued targets, or a binary loss on more than two classes);
    then cross-entropy or mean squared error is chosen. Designs with several Inputs or
    Outputs are left alone: which end belongs to which array is not known.
    """
    inputs, outputs = graph.nodes_of_role("input"), graph.nodes_of_role("output")
    edits: list[SetParam] = []
    if len(inputs) == 1:
        edits += _input_edits(graph, inputs[0], data.feature_shape)
    if len(outputs) == 1:
        edits += _output_edits(graph, outputs[0], data)
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


def _input_edits(graph: Graph, node_id: str, shape: tuple[int, ...]) -> list[SetParam]:
    if len(shape) == 1:
        values: dict[str, object] = {"kind": "features", "features": shape[0]}
    elif len(shape) == 3:
        values = {"kind": "image", "channels": shape[0], "height": shape[1], "width": shape[2]}
    elif len(shape) == 2:
        values = {"kind": "sequence", "length": shape[0], "features": shape[1]}
    else:
        return []
    return _changes(graph, node_id, values)


def fitting_loss(loss: str, data: PreparedData) -> str:
    """``loss`` if it can train on ``data`` at all, else the usual loss for the task."""
    classification = data.task == "classification"
    if classification != (loss in CLASSIFICATION_LOSSES):
        return "cross_entropy" if classification else "mse"
    if loss in BINARY_LOSSES and data.num_classes not in (None, 2):
        return "cross_entropy"
    return loss


def output_units(loss: str, data: PreparedData) -> int | None:
    """How many values the network must output per sample for ``loss`` on ``data``."""
    if loss == "cross_entropy":
        return data.num_classes
    if loss in BINARY_LOSSES:
        return 1
    target = data.target_shape
    return target[0] if len(target) == 1 else 1 if not target else None


def _output_edits(graph: Graph, node_id: str, data: PreparedData) -> list[SetParam]:
    loss = fitting_loss(graph.node(node_id).params.get("loss", "cross_entropy"), data)
    edits = _changes(graph, node_id, {"loss": loss})
    linear = _final_linear(graph, node_id)
    units = output_units(loss, data)
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
