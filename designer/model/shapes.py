"""Shape, parameter-count and multiply-add inference over a whole graph.

Errors are data: each `NodeInfo` carries the problems of its node, worded for the user,
and nothing here raises for a bad design. Re-inference after an edit is cheap at two levels:
the per-node result is memoized on (layer type, parameters, input shapes), so only nodes
whose inputs or parameters changed run their shape rule again; and the cache also remembers
the last graph it analysed node by node, so an unchanged node (same type, label, parameters,
incoming edges and input shapes) reuses its `NodeInfo` without even building that key.
"""

from __future__ import annotations

import functools
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from designer.catalog import LayerSpec, Shape, ShapeError
from designer.catalog.description import INT
from designer.model.graph import Graph

ERROR = "error"
WARNING = "warning"

#: Training keeps every layer's output for the backward pass and adds a gradient of the
#: same size, so it needs about twice the forward activations.
TRAINING_FACTOR = 2
#: Above this much training memory per sample a design gets a warning: a batch of 32
#: would then need 8 GB, more than most GPUs have free.
ACTIVATION_BUDGET = 256 * 1024 * 1024
_BYTES_PER_ELEMENT = {INT: 8}  # int64 token ids; everything else is float32


@dataclass(frozen=True)
class Problem:
    """Something wrong with the design, attached to a node where there is one."""

    message: str
    node_id: str | None = None
    severity: str = ERROR
    field: str | None = None

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

    @property
    def output_text(self) -> str:
        """``N×8``; for several outputs ``N×2, N×6``, or ``3 × N×4`` when they are alike
        (``?`` when unknown)."""
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


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass
class ShapeCache:
    """A bounded memo of per-node results, kept by a view between inferences."""

    capacity: int = 20_000
    _memo: OrderedDict = field(default_factory=OrderedDict)
    # The previous analysis of one graph (held weakly): node id -> (key parts, NodeInfo).
    _graph: Any = field(default=None, repr=False)
    _last: dict = field(default_factory=dict, repr=False)

    def previous(self, graph: Graph) -> dict:
        """Per-node results of the last inference of ``graph`` ({} for another graph)."""
        if self._graph is None or self._graph() is not graph:
            self._graph, self._last = weakref.ref(graph), {}
        return self._last

    def lookup(self, spec: LayerSpec, params: Mapping[str, Any], inputs: tuple[Shape, ...]):
        key = (spec.type_id, tuple((k, _freeze(v)) for k, v in sorted(params.items())), inputs)
        hit = self._memo.get(key)
        if hit is not None:
            self._memo.move_to_end(key)
            return hit
        result = _run_rules(spec, params, inputs)
        self._memo[key] = result
        if len(self._memo) > self.capacity:
            self._memo.popitem(last=False)
        return result


def _run_rules(spec: LayerSpec, params: Mapping[str, Any], inputs: tuple[Shape, ...]):
    """(output shapes, params, macs, error message) for one node; never raises."""
    try:
        result = spec.shape_rule(params, inputs)
        outputs = result if isinstance(result, tuple) else (result,)
        ports = spec.output_ports(params) or outputs  # an Output node passes its shape on
        if len(outputs) != len(ports) or not all(isinstance(s, Shape) for s in outputs):
            raise TypeError(f"{len(outputs)} shapes for {len(ports)} outputs")
        return (
            outputs,
            spec.param_count(params, inputs, result),
            spec.macs(params, inputs, result),
            None,
        )
    except ShapeError as error:
        return (), 0, 0, str(error)
    except Exception as error:  # a faulty rule must not take the app down
        return (), 0, 0, f"cannot infer its shape ({type(error).__name__}: {error})"


_DEFAULT_CACHE = ShapeCache()


def infer_shapes(graph: Graph, cache: ShapeCache | None = None) -> Analysis:
    """Infer every node's output shape, parameter count and multiply-adds."""
    cache = cache or _DEFAULT_CACHE
    try:
        order = graph.topological_order()
    except Exception:  # only a corrupt graph has a cycle
        return Analysis({}, (Problem("the design contains a cycle"),), ())
    infos: dict[str, NodeInfo] = {}
    previous = cache.previous(graph)
    current: dict[str, tuple] = {}
    nodes, catalog = graph.nodes, graph.catalog
    for node_id in order:
        node = nodes[node_id]
        spec = catalog.get(node.type)
        edges = graph.in_edges(node_id)
        shapes = tuple([infos[e.src].output_at(e.src_port) for e in edges])
        memo = previous.get(node_id)
        if not (
            memo is not None
            and memo[0] is spec
            and memo[1] == node.label
            and memo[2] == node.params
            and memo[3] == edges
            and memo[4] == shapes
        ):
            info = _infer_node(graph, node_id, spec, edges, shapes, cache)
            memo = (spec, node.label, dict(node.params), edges, shapes, info)
        current[node_id] = memo
        infos[node_id] = memo[5]
    previous.clear()
    previous.update(current)
    problems = [*_graph_problems(graph)]
    for node_id in order:
        problems.extend(infos[node_id].problems)
    analysis = Analysis(
        nodes=infos,
        problems=tuple(problems),
        order=tuple(order),
        total_params=sum(i.params for i in infos.values()),
        total_macs=sum(i.macs for i in infos.values()),
        activation_bytes=sum(i.output_bytes for i in infos.values()),
    )
    return with_problems(analysis, _memory_problems(graph, analysis))


def tensor_bytes(shape: Shape | None) -> int:
    """Bytes of one sample of a tensor of ``shape`` (0 when the shape is unknown)."""
    if shape is None:
        return 0
    return shape.numel * _BYTES_PER_ELEMENT.get(shape.dtype, 4)


def format_bytes(size: int) -> str:
    """``1.5 KB``, ``256 MB``, ``3.2 GB``: a byte count for messages and status lines
    (one decimal below 10, whole numbers above)."""
    for unit, factor in (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            digits = f"{value:.1f}".removesuffix(".0") if value < 10 else f"{value:.0f}"
            return f"{digits} {unit}"
    return f"{size} bytes"


def _memory_problems(graph: Graph, analysis: Analysis) -> tuple[Problem, ...]:
    """A warning on the largest layer when training would need more than
    `ACTIVATION_BUDGET` per sample: found here, not as an allocator error mid-run."""
    if analysis.training_bytes <= ACTIVATION_BUDGET:
        return ()
    largest = max(analysis.order, key=lambda n: analysis.info(n).output_bytes)
    message = (
        f"training needs about {format_bytes(analysis.training_bytes)} of activation "
        f"memory per sample (more than {format_bytes(ACTIVATION_BUDGET)}); this layer's "
        f"output alone is {format_bytes(analysis.info(largest).output_bytes)}. "
        "Use smaller inputs, fewer channels or more pooling"
    )
    return (_problem(graph, largest, message, WARNING),)


def _infer_node(
    graph: Graph,
    node_id: str,
    spec: LayerSpec,
    edges: list,
    shapes: tuple[Shape | None, ...],
    cache: ShapeCache,
) -> NodeInfo:
    problems = _port_problems(graph, node_id, spec, edges)
    if problems:
        return NodeInfo(problems=tuple(problems))
    if any(shape is None for shape in shapes):
        return NodeInfo()  # an upstream node already reports the cause
    inputs: tuple[Shape, ...] = shapes  # type: ignore[assignment]
    for edge, shape in zip(edges, inputs, strict=True):
        refusal = spec.input_refusal(edge.dst_port, shape.dtype)
        if refusal is not None:
            return NodeInfo(inputs, problems=(_problem(graph, node_id, refusal),))
    params = graph.node(node_id).params
    outputs, count, macs, error = cache.lookup(spec, params, inputs)
    if error is not None:
        return NodeInfo(inputs, problems=(_problem(graph, node_id, error),))
    ports = tuple(port.name for port in spec.output_ports(params))
    return NodeInfo(inputs, outputs, count, macs, ports=ports)


def _problem(graph: Graph, node_id: str, message: str, severity: str = ERROR) -> Problem:
    return Problem(f"{graph.describe(node_id)}: {message}", node_id, severity)


def _port_problems(graph: Graph, node_id: str, spec: LayerSpec, edges: list) -> list[Problem]:
    problems = []
    for port in spec.inputs:
        count = sum(1 for e in edges if e.dst_port == port.name)
        if count == 0 and port.optional:
            continue
        if count == 0:
            problems.append(_problem(graph, node_id, "its input is not connected"))
        elif count < port.min_count:
            problems.append(
                _problem(graph, node_id, f"needs at least {port.min_count} inputs, has {count}")
            )
    return problems


def _graph_problems(graph: Graph) -> list[Problem]:
    problems = []
    inputs: list[str] = []
    outputs: list[str] = []
    unused: list[str] = []
    catalog = graph.catalog
    for node in graph:
        spec = catalog.get(node.type)
        if spec.role == "input":
            inputs.append(node.id)
        elif spec.role == "output":
            outputs.append(node.id)
        if spec.role != "output" and spec.outputs and not graph.has_out_edges(node.id):
            unused.append(node.id)
    if not inputs:
        problems.append(Problem("The design has no Input layer"))
    if not outputs:
        problems.append(Problem("The design has no Output layer"))
    for node_id in unused:
        problems.append(_problem(graph, node_id, "its output is not used", WARNING))
    feeding = graph.upstream(outputs) if outputs else set()
    for node_id in inputs:
        if graph.has_out_edges(node_id) and outputs and node_id not in feeding:
            problems.append(_problem(graph, node_id, "does not lead to any Output", WARNING))
    return problems


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
