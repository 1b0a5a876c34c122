"""`ShapeCache`: what inference remembers between one edit and the next.

Each graph owns one (`Graph.shape_cache`), shared by every reader of that graph, so that
the editor's document, the compiler and the command line never infer one state of a
design twice, and an edit costs only what it reached. There is no cache beside it (no
module-level table of graphs): the cache lives and dies with its graph.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from designer.catalog import LayerSpec, Shape, ShapeError
from designer.model.analysis import Analysis, NodeInfo, Problem

if TYPE_CHECKING:  # the graph owns its cache, so the cache cannot import the graph
    from designer.model.graph import Graph


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


class NodeMemo:
    """What the last inference saw of one node and what it found: reused as a whole while
    nothing feeding it changed, and in part (the port problems, the parameters key and
    the input ports its wires enter) when only its input shapes did. ``info``, what
    inference found, is set once it has been found."""

    __slots__ = (
        "edges",
        "info",
        "key",
        "label",
        "params",
        "port_problems",
        "ports",
        "shapes",
        "spec",
    )

    info: NodeInfo

    def __init__(self, spec, label, params, edges, shapes, key, port_problems) -> None:
        self.spec, self.label, self.params, self.edges = spec, label, params, edges
        self.shapes, self.key, self.port_problems = shapes, key, port_problems
        self.ports = tuple([edge.dst_port for edge in edges])


class ShapeCache:
    """The memory that makes re-inference after an edit cheap, kept for one graph at a
    time. The graph owns it (`Graph.shape_cache`) and every reader of the graph shares it,
    so the document, the compiler and the command line never infer the same state twice.

    Three levels, from the cheapest hit to the most general:

    * the last `Analysis`, handed out again until the graph changes (the graph's events
      say when; moving a node changes nothing inference sees);
    * each node's last result, reused while its type, label, parameters, incoming edges
      and input shapes are the same;
    * a bounded memo of rule results by (layer type, parameters, input shapes, the ports
      they enter), shared by all nodes alike: 2,000 layers of six kinds with one input
      shape run six rules.

    Equal output shapes found apart (a Dropout whose rate changed) are handed out as one
    tuple of the same `Shape` objects, so readers compare results by identity: inference
    looks no further downstream, and the canvas repaints no row.

    Not thread-safe: infer on the thread that edits the graph (the GUI thread).
    """

    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._memo: OrderedDict = OrderedDict()
        self._outputs: dict[tuple[Shape, ...], tuple[Shape, ...]] = {}
        self._graph: weakref.ref | None = None
        self._last: dict[str, NodeMemo] = {}
        self._order: tuple[str, ...] = ()
        self._analysis: Analysis | None = None
        self._graph_problems: list[Problem] | None = None
        #: The nodes whose parameters changed since the last pass; None when more than
        #: parameters changed (nodes, wires or labels), or when there was no pass.
        self._edited: set[str] | None = None

    def previous(self, graph: Graph) -> dict[str, NodeMemo]:
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
            graph.blocks.events.changed.connect(self._on_graph_structure_changed)
        else:
            events.param_changed.disconnect(self._on_graph_param_changed, missing_ok=True)
            graph.blocks.events.changed.disconnect(
                self._on_graph_structure_changed, missing_ok=True
            )

    def keep(self, graph: Graph, analysis: Analysis, passed: bool = True) -> None:
        """Hand ``analysis`` out for ``graph`` until the graph changes; ``passed`` says
        that a pass visited every node (so that the next may look at edits alone)."""
        self._bind(graph)
        self._analysis = analysis
        self._order = analysis.order
        self._edited = set() if passed else None

    def graph_problems(self, graph: Graph, find: Callable[[Graph], list[Problem]]) -> list[Problem]:
        """The problems of the graph's structure (no Input, unused outputs), as ``find``
        finds them: again only when nodes, wires or labels changed."""
        self._bind(graph)
        if self._graph_problems is None:
            self._graph_problems = find(graph)
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
        ports: tuple[str, ...],
        key: tuple | None = None,
    ) -> NodeInfo | str:
        """The result for a node of ``spec`` with these parameters (``key`` is
        `params_key` of them, when the caller has it) and ``inputs`` entering its input
        ``ports``: a `NodeInfo` shared by every node alike, or the error message (an input
        its port refuses, such as token ids into a layer computing on reals, or the rule's
        own)."""
        # A block's spec is made anew whenever any block changes, so the spec itself (not
        # its type id) keys its results: an edited block is never served an old result.
        kind = spec if spec.role == "block" else spec.type_id
        memo_key = (kind, key if key is not None else params_key(params), inputs, ports)
        hit = self._memo.get(memo_key)
        if hit is not None:
            self._memo.move_to_end(memo_key)
            return hit
        result = _refusal(spec, ports, inputs)
        if result is None:
            outputs, count, macs, error = _run_rules(spec, params, inputs)
            if error is not None:
                result = error
            else:
                names = tuple(port.name for port in spec.output_ports(params))
                result = NodeInfo(inputs, self._shared(outputs), count, macs, ports=names)
        self._memo[memo_key] = result
        if len(self._memo) > self.capacity:
            self._memo.popitem(last=False)
        return result

    def _shared(self, outputs: tuple[Shape, ...]) -> tuple[Shape, ...]:
        """``outputs``, or the equal tuple handed out before (bounded like the memo)."""
        if len(self._outputs) >= self.capacity:
            self._outputs.clear()
        return self._outputs.setdefault(outputs, outputs)


def _refusal(spec: LayerSpec, ports: tuple[str, ...], inputs: tuple[Shape, ...]) -> str | None:
    """Why one of ``inputs`` may not enter its port (the first reason), or None."""
    for port, shape in zip(ports, inputs, strict=True):
        reason = spec.input_refusal(port, shape.dtype)
        if reason is not None:
            return reason
    return None


def params_key(params: Mapping[str, Any]) -> tuple:
    """Parameters as a hashable key (lists become tuples), in name order."""
    return tuple((k, _freeze(v)) for k, v in sorted(params.items()))


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
