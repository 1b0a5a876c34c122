"""Shape, parameter-count and multiply-add inference over a whole graph.

Errors are data: each `NodeInfo` carries the problems of its node, worded for the user,
and nothing here raises for a bad design. Each graph has one `ShapeCache` that every
reader shares (the editor's document, the compiler, the command line): asked twice about
one state of the graph it infers once, and after an edit it re-runs only what the edit
reached (see `ShapeCache`).
"""

from __future__ import annotations

import functools
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from designer.catalog import LayerSpec, Shape, ShapeError
from designer.catalog.description import FLOAT, INT, REAL_INPUT_MESSAGE
from designer.model.graph import Graph
from designer.model.node import Node

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
    """What inference knows about one node. ``output`` is None when it cannot be known."""

    inputs: tuple[Shape, ...] = ()
    output: Shape | None = None
    params: int = 0
    macs: int = 0
    problems: tuple[Problem, ...] = ()

    @functools.cached_property
    def output_bytes(self) -> int:
        """Bytes of one sample of this node's output (0 when unknown); cached, since
        results are memoized across inferences and the total is summed after each."""
        return tensor_bytes(self.output)


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


class _NodeMemo:
    """What the last inference saw of one node and what it found: reused as a whole while
    nothing feeding it changed, and in part (the port problems and the parameters key)
    when only its input shapes did."""

    __slots__ = ("edges", "info", "key", "label", "params", "port_problems", "shapes", "spec")

    def __init__(self, spec, label, params, edges, shapes, key, port_problems, info) -> None:
        self.spec, self.label, self.params, self.edges = spec, label, params, edges
        self.shapes, self.key, self.port_problems, self.info = shapes, key, port_problems, info


class ShapeCache:
    """The memory that makes re-inference after an edit cheap, kept for one graph at a
    time. Every reader of a graph shares one (`cache_for`), so the document, the compiler
    and the command line never infer the same state twice.

    Three levels, from the cheapest hit to the most general:

    * the last `Analysis`, handed out again until the graph changes (the graph's events
      say when; moving a node changes nothing inference sees);
    * each node's last result, reused while its type, label, parameters, incoming edges
      and input shapes are the same;
    * a bounded memo of rule results by (layer type, parameters, input shapes), shared by
      all nodes alike: 2,000 layers of six kinds with one input shape run six rules.

    Not thread-safe: infer on the thread that edits the graph (the GUI thread).
    """

    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._memo: OrderedDict = OrderedDict()
        self._graph: weakref.ref | None = None
        self._last: dict[str, _NodeMemo] = {}
        self._order: tuple[str, ...] = ()
        self._analysis: Analysis | None = None
        self._graph_problems: list[Problem] | None = None
        #: The nodes whose parameters changed since the last pass; None when more than
        #: parameters changed (nodes, wires or labels), or when there was no pass.
        self._edited: set[str] | None = None

    def previous(self, graph: Graph) -> dict[str, _NodeMemo]:
        """Per-node results of the last inference of ``graph`` ({} for another graph)."""
        self._bind(graph)
        return self._last

    def current(self, graph: Graph) -> Analysis | None:
        """The analysis of ``graph`` as it is now, if one was made since it last changed."""
        self._bind(graph)
        return self._analysis

    def edited(self, graph: Graph) -> set[str] | None:
        """The nodes of ``graph`` whose parameters alone changed since the last pass, or
        None when its structure changed too (then every node is looked at again)."""
        self._bind(graph)
        return self._edited

    @property
    def order(self) -> tuple[str, ...]:
        """The topological order the last pass followed."""
        return self._order

    def _bind(self, graph: Graph) -> None:
        """Follow ``graph`` (forgetting any other): its changes make results stale."""
        followed = self._graph() if self._graph is not None else None
        if followed is graph:
            return
        if followed is not None:
            self._connect(followed, False)
        self._graph = weakref.ref(graph)
        self._last, self._order, self._analysis = {}, (), None
        self._graph_problems = self._edited = None
        self._connect(graph, True)

    def _connect(self, graph: Graph, on: bool) -> None:
        events = graph.events
        structure = (
            events.node_added,
            events.node_removed,
            events.edge_added,
            events.edge_removed,
            events.node_renamed,  # messages name nodes by their labels
        )
        for signal in structure:
            if on:
                signal.connect(self._on_graph_structure_changed)
            else:
                signal.disconnect(self._on_graph_structure_changed, missing_ok=True)
        if on:
            events.param_changed.connect(self._on_graph_param_changed)
        else:
            events.param_changed.disconnect(self._on_graph_param_changed, missing_ok=True)

    def keep(self, graph: Graph, analysis: Analysis, passed: bool = True) -> None:
        """Hand ``analysis`` out for ``graph`` until the graph changes; ``passed`` says
        that a pass visited every node (so that the next may look at edits alone)."""
        self._bind(graph)
        self._analysis = analysis
        self._order = analysis.order
        self._edited = set() if passed else None

    def graph_problems(self, graph: Graph) -> list[Problem]:
        """The problems of the graph's structure (no Input, unused outputs), found again
        only when nodes, wires or labels changed."""
        self._bind(graph)
        if self._graph_problems is None:
            self._graph_problems = _graph_problems(graph)
        return self._graph_problems

    def _on_graph_structure_changed(self, *_args: object) -> None:
        self._analysis = self._graph_problems = self._edited = None

    def _on_graph_param_changed(self, node_id: str, *_args: object) -> None:
        self._analysis = None  # parameters change shapes, never which nodes are used
        if self._edited is not None:
            self._edited.add(node_id)

    def lookup(
        self,
        spec: LayerSpec,
        params: Mapping[str, Any],
        inputs: tuple[Shape, ...],
        key: tuple | None = None,
    ) -> NodeInfo | str:
        """The rule result for a node of ``spec`` with these parameters (``key`` is
        `params_key` of them, when the caller has it) and inputs: a `NodeInfo` shared by
        every node alike, or the error message (the rule's, or that integer tokens
        reach a layer computing on reals)."""
        memo_key = (spec.type_id, key if key is not None else params_key(params), inputs)
        hit = self._memo.get(memo_key)
        if hit is not None:
            self._memo.move_to_end(memo_key)
            return hit
        if spec.needs_real_input and any(s.dtype != FLOAT for s in inputs):
            result: NodeInfo | str = REAL_INPUT_MESSAGE
        else:
            output, count, macs, error = _run_rules(spec, params, inputs)
            result = error if error is not None else NodeInfo(inputs, output, count, macs)
        self._memo[memo_key] = result
        if len(self._memo) > self.capacity:
            self._memo.popitem(last=False)
        return result


def params_key(params: Mapping[str, Any]) -> tuple:
    """Parameters as a hashable key (lists become tuples), in name order."""
    return tuple((k, _freeze(v)) for k, v in sorted(params.items()))


def _run_rules(spec: LayerSpec, params: Mapping[str, Any], inputs: tuple[Shape, ...]):
    """(output, params, macs, error message) for one node; never raises."""
    try:
        output = spec.shape_rule(params, inputs)
        return (
            output,
            spec.param_count(params, inputs, output),
            spec.macs(params, inputs, output),
            None,
        )
    except ShapeError as error:
        return None, 0, 0, str(error)
    except Exception as error:  # a faulty rule must not take the app down
        return None, 0, 0, f"cannot infer its shape ({type(error).__name__}: {error})"


_CACHES: weakref.WeakKeyDictionary[Graph, ShapeCache] = weakref.WeakKeyDictionary()


def cache_for(graph: Graph) -> ShapeCache:
    """The one `ShapeCache` of ``graph``, made on first use and gone with the graph."""
    cache = _CACHES.get(graph)
    if cache is None:
        cache = _CACHES[graph] = ShapeCache()
    return cache


def infer_shapes(graph: Graph, cache: ShapeCache | None = None) -> Analysis:
    """Infer every node's output shape, parameter count and multiply-adds.

    Without a ``cache`` the graph's own (`cache_for`) is used, so every reader of one
    graph shares one analysis: asked again before the graph changes, this returns the
    very same `Analysis` object at no cost.
    """
    cache = cache if cache is not None else cache_for(graph)
    analysis = cache.current(graph)
    if analysis is None:
        edited = cache.edited(graph)
        if edited is None:
            try:
                order = tuple(graph.topological_order())
            except Exception:  # only a corrupt graph has a cycle
                analysis = Analysis({}, (Problem("the design contains a cycle"),), ())
                cache.keep(graph, analysis, passed=False)
                return analysis
            infos = _full_pass(graph, order, cache)
        else:
            order = cache.order
            infos = _edited_pass(graph, order, edited, cache)
        analysis = _summarise(graph, order, infos, cache)
        cache.keep(graph, analysis)
    return analysis


def _full_pass(graph: Graph, order: tuple[str, ...], cache: ShapeCache) -> dict[str, NodeInfo]:
    """Every node's result, reusing what ``cache`` remembers of each."""
    infos: dict[str, NodeInfo] = {}
    outputs: dict[str, Shape | None] = {}
    previous = cache.previous(graph)
    current: dict[str, _NodeMemo] = {}
    nodes, catalog = graph.nodes, graph.catalog
    for node_id in order:
        node = nodes[node_id]
        edges = graph.in_edges(node_id)
        shapes = tuple([outputs[e.src] for e in edges])
        memo = _remember(graph, node, catalog.get(node.type), edges, shapes, previous, cache)
        current[node_id] = memo
        infos[node_id] = info = memo.info
        outputs[node_id] = info.output
    previous.clear()
    previous.update(current)
    return infos


def _edited_pass(
    graph: Graph, order: tuple[str, ...], edited: set[str], cache: ShapeCache
) -> dict[str, NodeInfo]:
    """Every node's result after edits of parameters alone: nodes, wires and labels are
    as the last pass saw them, so a node is looked at again only when its parameters or
    its input shapes changed (the edit reached it)."""
    infos: dict[str, NodeInfo] = {}
    outputs: dict[str, Shape | None] = {}
    memos = cache.previous(graph)
    nodes, catalog = graph.nodes, graph.catalog
    for node_id in order:
        memo = memos[node_id]
        shapes = tuple([outputs[e.src] for e in memo.edges])
        if node_id in edited:
            node = nodes[node_id]
            spec = catalog.get(node.type)
            memo = memos[node_id] = _remember(graph, node, spec, memo.edges, shapes, memos, cache)
        elif not _same(shapes, memo.shapes):
            memo.info = _infer_node(
                graph, node_id, memo.spec, memo.key, memo.port_problems, shapes, cache
            )
            memo.shapes = shapes
        infos[node_id] = info = memo.info
        outputs[node_id] = info.output
    return infos


def _summarise(
    graph: Graph, order: tuple[str, ...], infos: dict[str, NodeInfo], cache: ShapeCache
) -> Analysis:
    """The `Analysis` of a pass: every problem (the graph's own first), the totals."""
    problems = [*cache.graph_problems(graph)]
    for info in infos.values():
        if info.problems:
            problems.extend(info.problems)
    analysis = Analysis(
        nodes=infos,
        problems=tuple(problems),
        order=order,
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


def _remember(
    graph: Graph,
    node: Node,
    spec: LayerSpec,
    edges: list,
    shapes: tuple[Shape | None, ...],
    previous: dict[str, _NodeMemo],
    cache: ShapeCache,
) -> _NodeMemo:
    """The node's result: the last one while nothing it depends on changed, re-inferred
    from its kept port problems and parameters key when only its input shapes did."""
    memo = previous.get(node.id)
    if (
        memo is None
        or memo.spec is not spec
        or memo.label != node.label
        or memo.params != node.params
        or memo.edges != edges
    ):
        problems = tuple(_port_problems(graph, node.id, spec, edges))
        key = params_key(node.params)
        info = _infer_node(graph, node.id, spec, key, problems, shapes, cache)
        return _NodeMemo(spec, node.label, dict(node.params), edges, shapes, key, problems, info)
    if not _same(shapes, memo.shapes):
        memo.info = _infer_node(graph, node.id, spec, memo.key, memo.port_problems, shapes, cache)
        memo.shapes = shapes
    return memo


def _same(new: tuple, old: tuple) -> bool:
    """Whether the input shapes are the very objects seen last time. Cheaper than
    comparing them, and as good: an unchanged result is handed on as the same object
    (shared `NodeInfo`s), and an equal one found again only costs a memo lookup."""
    if len(new) == 1:
        return len(old) == 1 and new[0] is old[0]
    return len(new) == len(old) and all(a is b for a, b in zip(new, old, strict=True))


def _infer_node(
    graph: Graph,
    node_id: str,
    spec: LayerSpec,
    key: tuple,
    port_problems: tuple[Problem, ...],
    shapes: tuple[Shape | None, ...],
    cache: ShapeCache,
) -> NodeInfo:
    if port_problems:
        return NodeInfo(problems=port_problems)
    if None in shapes:
        return NodeInfo()  # an upstream node already reports the cause
    inputs: tuple[Shape, ...] = shapes  # type: ignore[assignment]
    result = cache.lookup(spec, graph.nodes[node_id].params, inputs, key)
    if isinstance(result, str):
        return NodeInfo(inputs, problems=(_problem(graph, node_id, result),))
    return result


def _problem(graph: Graph, node_id: str, message: str, severity: str = ERROR) -> Problem:
    return Problem(f"{graph.describe(node_id)}: {message}", node_id, severity)


def _port_problems(graph: Graph, node_id: str, spec: LayerSpec, edges: list) -> list[Problem]:
    problems = []
    for port in spec.inputs:
        count = sum(1 for e in edges if e.dst_port == port.name)
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
