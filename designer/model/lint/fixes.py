"""The pieces quick fixes are made of, and the few graph walks several rules share.

Every fix is one edit (a `Compound` is one undo step) built from the invertible edits of
`designer.model.edits`: a layer spliced into a wire, a layer taken out of one, a
parameter set. A new layer goes between the two it joins, in free space when the two
are close (the model knows positions, not card sizes, so it keeps a card's size clear).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from designer.model.edits import Compound, Edit, SetParam, bypass, splice
from designer.model.graph import Graph
from designer.model.lint.base import LintInput
from designer.model.node import Edge

#: Room a card needs (a card is 184 wide and at most ~100 high) and one row's step.
CARD_ROOM = (200.0, 100.0)
ROW_STEP = 110.0
_TRIES = 9
#: Layers that only re-lay the same values out; a rule looking for "the layer right
#: before the Output" looks through them.
PASS_THROUGH = ("Identity", "Flatten", "Reshape")


def spot_between(graph: Graph, src: str, dst: str) -> tuple[float, float]:
    """Where a layer inserted between ``src`` and ``dst`` goes: halfway, or the nearest
    free spot a row below or above that (alternating), in whole pixels."""
    (xa, ya), (xb, yb) = graph.node(src).position, graph.node(dst).position
    x, y = float(round((xa + xb) / 2)), float(round((ya + yb) / 2))
    width, height = CARD_ROOM
    taken = [node.position for node in graph]
    for attempt in range(_TRIES):
        rows = (attempt + 1) // 2 * (1 if attempt % 2 else -1)
        spot = (x, y + rows * ROW_STEP)
        if not any(abs(px - spot[0]) < width and abs(py - spot[1]) < height for px, py in taken):
            return spot
    return (x, y + ROW_STEP * _TRIES)


def insert_before(
    graph: Graph,
    edge: Edge,
    type_id: str,
    params: Mapping[str, Any] | None = None,
    description: str = "",
) -> Compound:
    """Splice a new ``type_id`` layer into ``edge``, placed between its two ends."""
    position = spot_between(graph, edge.src, edge.dst)
    return splice(graph, edge, type_id, position, params, description)[0]


def take_out(graph: Graph, node_id: str, description: str = "") -> Compound:
    """Remove a one-input layer, wiring its input straight on (see `bypass`)."""
    return bypass(graph, node_id, description or f"Remove {graph.describe(node_id)}")


def no_activation(graph: Graph, node_id: str, description: str = "") -> Edit:
    """Turn off a layer's built-in activation."""
    return SetParam(node_id, "activation", "none", description or "Remove the activation")


def input_edge(ctx: LintInput, node_id: str) -> Edge | None:
    """The wire into a node's main input (``in``), or None."""
    edges = [e for e in ctx.graph.in_edges(node_id) if e.dst_port == "in"]
    return edges[0] if len(edges) == 1 else None


def feeder(ctx: LintInput, node_id: str) -> str | None:
    """The layer that makes what ``node_id`` gets, looking through layers that only
    reshape (`PASS_THROUGH`) and feed nothing else; None when unwired."""
    edge = input_edge(ctx, node_id)
    while edge is not None:
        source = ctx.graph.node(edge.src)
        if source.type not in PASS_THROUGH or len(ctx.graph.out_edges(source.id)) != 1:
            return source.id
        edge = input_edge(ctx, source.id)
    return None


def fused_activation(ctx: LintInput, node_id: str) -> str:
    """The activation a layer applies itself (a Linear's or a convolution's), or "none"."""
    return str(ctx.graph.node(node_id).params.get("activation", "none"))


def token_input(ctx: LintInput, node_id: str) -> str | None:
    """The token Input whose ids reach ``node_id``'s input through layers that pass ids
    on unchanged (Identity, Reshape, Permute, Slice, Split...), or None."""
    edge = input_edge(ctx, node_id)
    while edge is not None:
        source = ctx.graph.node(edge.src)
        spec = ctx.graph.spec(source.id)
        if spec.role == "input":
            return source.id if source.params.get("kind") == "tokens" else None
        if not spec.accepts_integers or source.type == "Embedding":
            return None
        edge = input_edge(ctx, source.id)
    return None
