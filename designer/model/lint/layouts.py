"""What the axes of each layer's output mean: features, steps × features, channels first.

Shapes alone cannot tell a ``20×3`` sequence (20 steps of 3 features) from a ``20×3``
Conv1d output (20 channels of length 3), yet a layer reading one as the other runs
without complaint and learns nonsense. The meaning comes from where the data came from:
an Input says what it reads, convolutions and pooling work channels first, sequence
layers steps first, and a Permute of the two axes turns one into the other. Everything
else keeps the layout it is given, or, when it reshapes, makes it unknown (None), and
no rule guesses about an unknown layout.
"""

from __future__ import annotations

from designer.catalog.description import INT
from designer.model.analysis import Analysis
from designer.model.graph import Graph

FEATURES, SEQUENCE, CHANNELS, TOKENS = "features", "sequence", "channels", "tokens"
_INPUT_LAYOUTS = {"features": FEATURES, "image": CHANNELS, "sequence": SEQUENCE, "tokens": TOKENS}
_CHANNELS_FIRST = ("Convolution", "Pooling")
_RESHAPING = ("Reshape", "Mean")
_FLIPPED = {SEQUENCE: CHANNELS, CHANNELS: SEQUENCE}


def infer_layouts(graph: Graph, analysis: Analysis) -> dict[str, str | None]:
    """The layout of each node's output (of every output, for a Split or Chunk), or None
    where it is unknown, in one pass in topological order."""
    layouts: dict[str, str | None] = {}
    for node_id in analysis.order:
        layouts[node_id] = _layout(graph, analysis, layouts, node_id)
    return layouts


def _layout(
    graph: Graph, analysis: Analysis, known: dict[str, str | None], node_id: str
) -> str | None:
    info = analysis.info(node_id)
    shape = info.output
    if shape is None:
        return None
    if shape.rank == 1:
        return TOKENS if shape.dtype == INT else FEATURES
    node, spec = graph.node(node_id), graph.spec(node_id)
    if spec.role == "input":
        return _INPUT_LAYOUTS.get(str(node.params.get("kind")))
    if spec.category in _CHANNELS_FIRST:
        return CHANNELS
    if spec.category == "Sequence":
        return SEQUENCE if shape.rank == 2 else None
    sources = [known.get(e.src) for e in graph.in_edges(node_id) if e.dst_port == "in"]
    if not sources or any(s != sources[0] for s in sources):
        return None
    source = sources[0]
    if node.type in ("Permute", "Transpose"):
        return _FLIPPED.get(source) if swaps_two_axes(node.type, node.params, shape.rank) else None
    if node.type in _RESHAPING or (node.type == "Linear" and source == CHANNELS):
        return None
    same_rank = all(s.rank == shape.rank for s in info.inputs)
    return source if same_rank else None


def swaps_two_axes(type_id: str, params, rank: int) -> bool:
    """Whether a Permute or Transpose exchanges the two axes of a 2-D sample."""
    if rank != 2:
        return False
    if type_id == "Permute":
        return tuple(a % 2 for a in params["axes"]) == (1, 0)
    return params["axis0"] % 2 != params["axis1"] % 2
