"""Shape, parameter-count and multiply-add inference over a whole graph.

Errors are data: each `NodeInfo` carries the problems of its node, worded for the user,
and nothing here raises for a bad design. Each graph has one `ShapeCache` that every
reader shares (the editor's document, the compiler, the command line): asked twice about
one state of the graph it infers once, and after an edit it re-runs only what the edit
reached (see `ShapeCache`).
"""

from __future__ import annotations

from dataclasses import replace

from designer.catalog import LayerSpec, Shape
from designer.model.analysis import (
    ACTIVATION_BUDGET,
    ERROR,
    MEMORY_RULE,
    TRAINING_FACTOR,
    WARNING,
    Analysis,
    NodeInfo,
    Problem,
    tensor_bytes,
    with_problems,
)
from designer.model.graph import Graph
from designer.model.node import Node
from designer.model.shape_cache import NodeMemo, ShapeCache, params_key


def infer_shapes(graph: Graph, cache: ShapeCache | None = None) -> Analysis:
    """Infer every node's output shape, parameter count and multiply-adds.

    Without a ``cache`` the graph's own (`Graph.shape_cache`) is used, so every reader of one
    graph shares one analysis: asked again before the graph changes, this returns the
    very same `Analysis` object at no cost.
    """
    cache = cache if cache is not None else graph.shape_cache
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
    previous = cache.previous(graph)
    current: dict[str, NodeMemo] = {}
    nodes, catalog = graph.nodes, graph.catalog
    for node_id in order:
        node = nodes[node_id]
        edges = graph.in_edges(node_id)
        shapes = tuple([infos[e.src].output_at(e.src_port) for e in edges])
        memo = _remember(graph, node, catalog.get(node.type), edges, shapes, previous, cache)
        current[node_id] = memo
        infos[node_id] = memo.info
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
    memos = cache.previous(graph)
    nodes, catalog = graph.nodes, graph.catalog
    for node_id in order:
        memo = memos[node_id]
        shapes = tuple([infos[e.src].output_at(e.src_port) for e in memo.edges])
        if node_id in edited:
            node = nodes[node_id]
            spec = catalog.get(node.type)
            memo = memos[node_id] = _remember(graph, node, spec, memo.edges, shapes, memos, cache)
        elif not _same(shapes, memo.shapes):
            memo.info = _infer_node(graph, node_id, memo, shapes, cache)
            memo.shapes = shapes
        infos[node_id] = memo.info
    return infos


def _summarise(
    graph: Graph, order: tuple[str, ...], infos: dict[str, NodeInfo], cache: ShapeCache
) -> Analysis:
    """The `Analysis` of a pass: every problem (the graph's own first), the totals."""
    problems = [*cache.graph_problems(graph, _graph_problems)]
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


def format_bytes(size: int) -> str:
    """``1.5 KB``, ``256 MB``, ``3.2 GB``: a byte count for messages and status lines
    (one decimal below 10, whole numbers above)."""
    for unit, factor in (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            digits = f"{value:.1f}".removesuffix(".0") if value < 10 else f"{value:.0f}"
            return f"{digits} {unit}"
    return f"{size} bytes"


def format_count(count: int) -> str:
    """``1234`` -> ``1.2k``, ``12345678`` -> ``12.3M``: a parameter or multiply-add count
    short enough for a node's badge or a status line (one decimal below 100, whole
    numbers above; the one compact count text of the app)."""
    for suffix, scale in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("k", 10**3)):
        if abs(count) >= scale:
            scaled = count / scale
            text = f"{scaled:.1f}" if abs(scaled) < 100 else f"{scaled:.0f}"
            return text.removesuffix(".0") + suffix
    return str(count)


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
    return (replace(node_problem(graph, largest, message, WARNING), rule=MEMORY_RULE),)


def _remember(
    graph: Graph,
    node: Node,
    spec: LayerSpec,
    edges: list,
    shapes: tuple[Shape | None, ...],
    previous: dict[str, NodeMemo],
    cache: ShapeCache,
) -> NodeMemo:
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
        problems = tuple(port_problems(graph, node.id, spec, edges))
        key = params_key(node.params)
        memo = NodeMemo(spec, node.label, dict(node.params), edges, shapes, key, problems)
        memo.info = _infer_node(graph, node.id, memo, shapes, cache)
    elif not _same(shapes, memo.shapes):
        memo.info = _infer_node(graph, node.id, memo, shapes, cache)
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
    memo: NodeMemo,
    shapes: tuple[Shape | None, ...],
    cache: ShapeCache,
) -> NodeInfo:
    """The node's result for these input shapes, from what ``memo`` keeps of it (its
    port problems, the ports its wires enter and its parameters key)."""
    if memo.port_problems:
        return NodeInfo(problems=memo.port_problems)
    if None in shapes:
        return NodeInfo()  # an upstream node already reports the cause
    inputs: tuple[Shape, ...] = shapes  # type: ignore[assignment]
    result = cache.lookup(memo.spec, memo.params, inputs, memo.ports, memo.key)
    if isinstance(result, str):
        return NodeInfo(inputs, problems=(node_problem(graph, node_id, result),))
    return result


def node_problem(graph: Graph, node_id: str, message: str, severity: str = ERROR) -> Problem:
    """A problem of one node, its message led by how messages name the node."""
    return Problem(f"{graph.describe(node_id)}: {message}", node_id, severity)


def port_problems(graph: Graph, node_id: str, spec: LayerSpec, edges: list) -> list[Problem]:
    """The node's inputs that are missing or too few."""
    problems = []
    for port in spec.inputs:
        count = sum(1 for e in edges if e.dst_port == port.name)
        if count == 0 and port.optional:
            continue
        if count == 0:
            problems.append(node_problem(graph, node_id, "its input is not connected"))
        elif count < port.min_count:
            problems.append(
                node_problem(graph, node_id, f"needs at least {port.min_count} inputs, has {count}")
            )
    return problems


def _graph_problems(graph: Graph) -> list[Problem]:
    problems = []
    inputs: list[str] = []
    outputs: list[str] = []
    unused: list[str] = []
    catalog = graph.catalog
    inside = graph.block_name is not None
    for node in graph:
        spec = catalog.get(node.type)
        if spec.role == ("block_input" if inside else "input"):
            inputs.append(node.id)
        elif spec.role == ("block_output" if inside else "output"):
            outputs.append(node.id)
        if spec.outputs and not spec.role.endswith("output") and not graph.has_out_edges(node.id):
            unused.append(node.id)
    if inside:
        problems.extend(boundary_problems(graph))
    else:
        if not inputs:
            problems.append(Problem("The design has no Input layer"))
        if not outputs:
            problems.append(Problem("The design has no Output layer"))
    for node_id in unused:
        problems.append(node_problem(graph, node_id, "its output is not used", WARNING))
    feeding = graph.upstream(outputs) if outputs else set()
    for node_id in inputs:
        if graph.has_out_edges(node_id) and outputs and node_id not in feeding:
            problems.append(node_problem(graph, node_id, "does not lead to any Output", WARNING))
    return problems


def boundary_problems(graph: Graph) -> list[Problem]:
    """What is wrong with the ports of a block's graph: no output, or two ports of one
    name (a port's name is its node's label)."""
    problems = []
    name = graph.block_name
    roles = [graph.catalog.get(node.type).role for node in graph]
    if "block_output" not in roles:
        problems.append(Problem(f"the block {name!r} has no Block output"))
    for role, what in (("block_input", "input"), ("block_output", "output")):
        seen: set[str] = set()
        for node, node_role in zip(graph, roles, strict=True):
            if node_role != role:
                continue
            if node.label in seen:
                message = f"two {what} ports of the block {name!r} are named {node.label!r}"
                problems.append(Problem(message, node.id))
            seen.add(node.label)
    return problems


__all__ = [
    "ACTIVATION_BUDGET",
    "ERROR",
    "TRAINING_FACTOR",
    "WARNING",
    "Analysis",
    "NodeInfo",
    "Problem",
    "ShapeCache",
    "format_bytes",
    "infer_shapes",
    "tensor_bytes",
    "with_problems",
]
