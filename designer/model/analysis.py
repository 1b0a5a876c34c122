"""What inference finds: each node's shapes, counts and problems, and the design's totals.

Plain frozen records, shared by everyone who reads an analysis; see `shapes` for how they
are found and `shape_cache` for how they are kept.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace

from designer.catalog import Shape
from designer.catalog.description import INT

ERROR = "error"
WARNING = "warning"

#: Training keeps every layer's output for the backward pass and adds a gradient of the
#: same size, so it needs about twice the forward activations.
TRAINING_FACTOR = 2
#: Above this much training memory per sample a design gets a warning: a batch of 32
#: would then need 8 GB, more than most GPUs have free.
ACTIVATION_BUDGET = 256 * 1024 * 1024
#: The linter rule (see `designer.model.lint`) of the warning inference gives a design
#: over `ACTIVATION_BUDGET`: inference owns the estimate, the rule table the explanation.
MEMORY_RULE = "NN306"
_BYTES_PER_ELEMENT = {INT: 8}  # int64 token ids; everything else is float32


@dataclass(frozen=True)
class Problem:
    """Something wrong with the design, attached to a node where there is one.

    ``rule`` is the id of the linter rule that explains it (``NN101``; None for the
    problems no rule covers), and ``fix`` names the quick fix that rule offers for it
    ("" for none); `designer.model.lint` describes both.
    """

    message: str
    node_id: str | None = None
    severity: str = ERROR
    field: str | None = None
    rule: str | None = None
    fix: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass(frozen=True)
class NodeInfo:
    """What inference knows about one node: the shape of each output port (``ports``
    names them, in order), empty when it cannot be known."""

    inputs: tuple[Shape, ...] = ()
    outputs: tuple[Shape, ...] = ()
    params: int = 0
    macs: int = 0
    problems: tuple[Problem, ...] = ()
    ports: tuple[str, ...] = ()

    @property
    def output(self) -> Shape | None:
        """The first (for most layers the only) output's shape, or None when unknown."""
        return self.outputs[0] if self.outputs else None

    def output_at(self, port: str) -> Shape | None:
        """The shape leaving output ``port`` (None when unknown)."""
        if len(self.outputs) == 1:
            return self.outputs[0]
        try:
            return self.outputs[self.ports.index(port)]
        except ValueError:
            return None

    @functools.cached_property
    def output_text(self) -> str:
        """``N×8``; for several outputs ``N×2, N×6``, or ``3 × N×4`` when they are alike
        (``?`` when unknown). Cached: alike nodes share one result, and the canvas shows
        this text on each of them."""
        if len(self.outputs) > 1 and len(set(self.outputs)) == 1:
            return f"{len(self.outputs)} × {self.outputs[0]}"
        return ", ".join(map(str, self.outputs)) or "?"

    @functools.cached_property
    def output_bytes(self) -> int:
        """Bytes of one sample of this node's outputs (0 when unknown); cached, since
        results are memoized across inferences and the total is summed after each."""
        return sum(tensor_bytes(shape) for shape in self.outputs)


@dataclass(frozen=True)
class Analysis:
    """The result of `infer_shapes` for a whole graph."""

    nodes: Mapping[str, NodeInfo]
    problems: tuple[Problem, ...]
    order: tuple[str, ...]
    total_params: int = 0
    total_macs: int = 0
    #: Bytes of every layer's output for one sample in a forward pass (of the layers
    #: whose shape is known); see `training_bytes` for what a training step needs.
    activation_bytes: int = 0
    #: Findings of the linter that the user silenced on their nodes: not in
    #: ``problems``, kept so that a view can list them with the reasons given.
    silenced: tuple[Problem, ...] = ()

    @property
    def training_bytes(self) -> int:
        """Estimated activation memory per sample while training (outputs and gradients)."""
        return TRAINING_FACTOR * self.activation_bytes

    @property
    def valid(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def info(self, node_id: str) -> NodeInfo:
        return self.nodes.get(node_id, NodeInfo())


def tensor_bytes(shape: Shape | None) -> int:
    """Bytes of one sample of a tensor of ``shape`` (0 when the shape is unknown)."""
    if shape is None:
        return 0
    return shape.numel * _BYTES_PER_ELEMENT.get(shape.dtype, 4)


def with_problems(analysis: Analysis, extra: tuple[Problem, ...]) -> Analysis:
    """``analysis`` with problems found outside the graph (data that does not fit the
    design) attached to their nodes as if inference had found them."""
    if not extra:
        return analysis
    nodes = dict(analysis.nodes)
    kept = []
    for problem in extra:
        if problem.node_id is not None:
            if problem.node_id not in nodes:
                continue  # the node was deleted since the problem was found
            info = nodes[problem.node_id]
            nodes[problem.node_id] = replace(info, problems=(*info.problems, problem))
        kept.append(problem)
    return replace(analysis, nodes=nodes, problems=(*analysis.problems, *kept))
