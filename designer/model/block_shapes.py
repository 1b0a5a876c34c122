"""Inference inside a block: a definition's sub-graph on the shapes an instance gets.

Each instance of a block may receive different shapes, so a definition is inferred per
distinct tuple of input shapes (the `BlockTable` remembers each result until the table
changes) rather than through the per-graph `ShapeCache` pass, which follows one state of
one graph. Rule results are still shared through one `ShapeCache` memo, so a hundred
instances of a block of ten layers run ten rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from designer.catalog import Shape
from designer.model.analysis import Analysis, NodeInfo, Problem
from designer.model.block_table import BlockDefinition
from designer.model.shape_cache import ShapeCache
from designer.model.shapes import boundary_problems, infer_shapes, node_problem, port_problems

_RULES = ShapeCache()


def infer_definition(definition: BlockDefinition, inputs: tuple[Shape, ...]) -> Analysis:
    """The analysis of ``definition``'s graph with its input ports fed ``inputs`` (in
    port order; missing ones are unknown). Never raises for a bad definition: problems
    are data, as in `infer_shapes`."""
    graph = definition.graph
    given = dict(zip(definition.input_nodes, inputs, strict=False))
    try:
        order = tuple(graph.topological_order())
    except Exception:
        return Analysis({}, (Problem("the block contains a cycle"),), ())
    infos: dict[str, NodeInfo] = {}
    for node_id in order:
        if node_id in given:
            infos[node_id] = NodeInfo((), (given[node_id],), ports=("out",))
            continue
        infos[node_id] = _infer(graph, node_id, infos)
    problems = [*boundary_problems(graph)]
    problems.extend(p for info in infos.values() for p in info.problems)
    return Analysis(
        nodes=infos,
        problems=tuple(problems),
        order=order,
        total_params=sum(i.params for i in infos.values()),
        total_macs=sum(i.macs for i in infos.values()),
        activation_bytes=sum(i.output_bytes for i in infos.values()),
    )


def _infer(graph, node_id: str, infos: dict[str, NodeInfo]) -> NodeInfo:
    node = graph.nodes[node_id]
    spec = graph.catalog.get(node.type)
    edges = graph.in_edges(node_id)
    problems = port_problems(graph, node_id, spec, edges)
    if problems:
        return NodeInfo(problems=tuple(problems))
    shapes = tuple(infos[e.src].output_at(e.src_port) for e in edges)
    if None in shapes:
        return NodeInfo()
    ports = tuple(e.dst_port for e in edges)
    result = _RULES.lookup(spec, node.params, shapes, ports)  # type: ignore[arg-type]
    if isinstance(result, str):
        return NodeInfo(shapes, problems=(node_problem(graph, node_id, result),))  # type: ignore[arg-type]
    return result


def analysis_inside(graph, analysis: Analysis, path: Sequence[tuple[str, str]]) -> Analysis:
    """The analysis of the innermost block of ``path`` (pairs of a block's name and the
    instance opened, each in the graph of the one before, the first in ``graph``, whose
    analysis is ``analysis``): on the shapes that reach the opened instance when they
    are all known, else on its ports' sample shapes."""
    for name, node_id in path:
        inner = graph.blocks.get(name).graph
        info = analysis.info(node_id)
        ports = graph.spec(node_id).inputs if node_id in graph.nodes else ()
        if ports and len(info.inputs) == len(ports):  # known, even with a fault inside
            analysis = graph.blocks.result(name, info.inputs)
        else:
            analysis = infer_shapes(inner)
        graph = inner
    return analysis


def valid_depth(graph, path: Sequence[tuple[str, str]]) -> int:
    """How many leading entries of ``path`` (see `analysis_inside`) still exist: an undo
    may have taken away an opened block or its instance."""
    for depth, (name, node_id) in enumerate(path):
        if name not in graph.blocks or node_id not in graph.nodes:
            return depth
        graph = graph.blocks.get(name).graph
    return len(path)
