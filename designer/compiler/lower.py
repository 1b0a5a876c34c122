"""Lowering: a checked design becomes a small, ordered, lint-checked IR (`designer.compiler.ir`).

The IR is what both the in-app model (`build`) and the exported source (`codegen`) are made
from, so they cannot disagree. A block instance becomes one step calling a submodule of
the block's own class; each block is lowered once per distinct code (`BlockClasses`), so
a design of ten residual blocks exports one ``BasicBlock`` class used ten times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from designer.catalog import Shape
from designer.compiler.errors import CompileError
from designer.compiler.ir import IR, UNUSED, IRBlock, IRInput, IROutput, IRStep
from designer.compiler.lint import lint
from designer.compiler.namespace import BLOCK_RESERVED, RESERVED, Namespace
from designer.model import Analysis, Graph, Problem, infer_shapes
from designer.model.block_table import block_name
from designer.model.node_fields import short

__all__ = ["IR", "UNUSED", "IRBlock", "IRInput", "IROutput", "IRStep", "lint", "lower"]

MAX_PARAMETERS = 500_000_000
_DESIGN_ROLES = ("input", "output")
_BLOCK_ROLES = ("block_input", "block_output")


def lower(graph: Graph) -> IR:
    """Check ``graph`` and lower it; raises `CompileError` listing every problem.

    The analysis comes from the graph's one shared cache: when the editor has already
    analysed this state of the graph, lowering infers nothing again.
    """
    analysis = infer_shapes(graph)
    if analysis.errors:
        raise CompileError(analysis.errors)
    classes = BlockClasses(graph)
    ir = _lower_graph(graph, analysis, _DESIGN_ROLES, classes)
    ir = replace(ir, blocks=tuple(classes.order))
    lint(ir)
    return ir


def _lower_graph(
    graph: Graph, analysis: Analysis, roles: tuple[str, str], classes: BlockClasses
) -> IR:
    """The IR of a design (``roles`` Input and Output) or of a block's graph (Block
    input and Block output)."""
    input_role, output_role = roles
    incoming = _incoming(graph)
    live = _live_nodes(graph, incoming, output_role)
    if input_role == "input":
        _check_size(graph, analysis, live)
    used = {source for node_id in live for source in incoming[node_id]}
    reserved = RESERVED if input_role == "input" else BLOCK_RESERVED
    variables, attributes = Namespace(reserved), Namespace(reserved)
    names: dict[Source, str] = {}
    inputs = tuple(
        _lower_input(graph, n, analysis, variables, names) for n in graph.nodes_of_role(input_role)
    )
    steps = tuple(
        _lower_step(graph, n, analysis, incoming[n], (variables, attributes), names, used, classes)
        for n in analysis.order
        if n in live and graph.spec(n).role in ("layer", "block")
    )
    outputs = tuple(
        _lower_output(graph, n, analysis, names[incoming[n][0]])
        for n in graph.nodes_of_role(output_role)
    )
    return IR(
        inputs=inputs,
        steps=steps,
        outputs=outputs,
        warnings=tuple(p for p in analysis.problems if not p.is_error),
        total_params=sum(s.params for s in steps),
        total_macs=sum(analysis.info(s.node_id).macs for s in steps),
        node_for_attribute={s.attribute: s.node_id for s in steps if s.attribute},
    )


class BlockClasses:
    """The block classes one lowering needs, each lowered once per distinct input shapes
    and kept once per distinct code: instances whose shapes give the same layers share a
    class, and a block whose layers differ with its input (a Linear's ``in_features``)
    gets a class per variant (``BasicBlock``, ``BasicBlock2``). ``order`` lists them
    each after the classes it uses."""

    def __init__(self, graph: Graph) -> None:
        self.blocks = graph.blocks
        self.order: list[IRBlock] = []
        self._by_shapes: dict[tuple[str, tuple[Shape, ...]], IRBlock] = {}
        self._by_code: dict[str, IRBlock] = {}
        self._taken: set[str] = set()

    def lower(self, name: str, shapes: tuple[Shape, ...]) -> IRBlock:
        key = (name, shapes)
        found = self._by_shapes.get(key)
        if found is None:
            definition = self.blocks.get(name)
            analysis = self.blocks.result(name, shapes)
            ir = _lower_graph(definition.graph, analysis, _BLOCK_ROLES, self)
            code = f"{name}:{_signature(ir)}"
            found = self._by_code.get(code)
            if found is None:
                found = self._by_code[code] = IRBlock(self._class_name(name), name, ir)
                self.order.append(found)
            self._by_shapes[key] = found
        return found

    def _class_name(self, name: str) -> str:
        stem = name if name not in RESERVED else f"{name}Block"
        candidate, number = stem, 1
        while candidate in self._taken:
            number += 1
            candidate = f"{stem}{number}"
        self._taken.add(candidate)
        return candidate


def _signature(ir: IR) -> str:
    """What makes two lowerings of a block the same class: its code and arguments."""
    steps = [
        (s.attribute, s.module, s.block, s.kwargs, s.expression, s.inputs, s.outputs)
        for s in ir.steps
    ]
    return repr((steps, [i.name for i in ir.inputs], [o.name for o in ir.outputs]))


#: One output port of one node: (node id, port name).
Source = tuple[str, str]


def _incoming(graph: Graph) -> dict[str, list[Source]]:
    """The output ports feeding each node, in the order `Graph.in_edges` gives (one pass)."""
    edges: dict[str, list] = {node_id: [] for node_id in graph.nodes}
    for edge in graph.edges:
        edges[edge.dst].append(edge)
    result = {}
    for node_id, into in edges.items():
        ports = [p.name for p in graph.spec(node_id).inputs]
        into.sort(key=lambda e: ports.index(e.dst_port) if e.dst_port in ports else 0)
        result[node_id] = [(e.src, e.src_port) for e in into]
    return result


def _live_nodes(graph: Graph, incoming: Mapping[str, list[Source]], role: str) -> set[str]:
    """Nodes on a path to an Output (of ``role``); the rest cannot affect any result and
    are dropped."""
    live: set[str] = set()
    stack = list(graph.nodes_of_role(role))
    while stack:
        node_id = stack.pop()
        if node_id not in live:
            live.add(node_id)
            stack.extend(src for src, _port in incoming[node_id])
    return live


def _check_size(graph: Graph, analysis: Analysis, live: set[str]) -> None:
    """Refuse absurd models before any memory is allocated for them."""
    sizes = {n: analysis.info(n).params for n in live}
    total = sum(sizes.values())
    if total > MAX_PARAMETERS:
        biggest = max(sizes, key=lambda n: (sizes[n], n))
        raise CompileError(
            [
                Problem(
                    f"the model would have {total:,} parameters, more than the limit of "
                    f"{MAX_PARAMETERS:,}; the largest layer is {graph.describe(biggest)} "
                    f"with {sizes[biggest]:,}",
                    biggest,
                )
            ]
        )


def _lower_input(
    graph: Graph, node_id: str, analysis: Analysis, variables: Namespace, names: dict
) -> IRInput:
    node, spec = graph.node(node_id), graph.spec(node_id)
    name = variables.create(node.label, spec.prefix)
    for port in graph.output_ports(node_id):
        names[(node_id, port.name)] = name
    shape = analysis.info(node_id).output
    assert shape is not None  # a valid analysis knows every shape
    return IRInput(node_id, name, shape, graph.describe(node_id), node.label)


def _lower_step(
    graph: Graph,
    node_id: str,
    analysis: Analysis,
    sources: list[Source],
    namespaces: tuple[Namespace, Namespace],
    names: dict[Source, str],
    used: set[Source],
    classes: BlockClasses,
) -> IRStep:
    node, spec = graph.node(node_id), graph.spec(node_id)
    info = analysis.info(node_id)
    variables, attributes = namespaces
    if (spec.binding is None and spec.role != "block") or info.output is None:
        raise CompileError([Problem(f"{graph.describe(node_id)} cannot be compiled", node_id)])
    inputs = tuple(names[s] for s in sources)
    if spec.role == "block":
        parts = _block_call(graph, node_id, info.inputs, inputs, attributes, classes)
    else:
        parts = _layer_call(graph, node_id, info.inputs, inputs, attributes)
    ports = [port.name for port in graph.output_ports(node_id)]
    for port in ports:
        if len(ports) == 1:
            names[(node_id, port)] = variables.create(node.label, spec.prefix)
        elif (node_id, port) in used:
            names[(node_id, port)] = variables.create(f"{node.label}_{port}", spec.prefix)
    return IRStep(
        node_id=node_id,
        type_id=spec.type_id,
        description=graph.describe(node_id),
        inputs=inputs,
        input_shapes=info.inputs,
        outputs=tuple(names.get((node_id, port), UNUSED) for port in ports),
        shapes=info.outputs,
        params=info.params,
        **parts,
    )


def _layer_call(graph, node_id, shapes, inputs, attributes: Namespace) -> dict:
    """The parts of a layer's step that its catalogue binding gives."""
    node, spec = graph.node(node_id), graph.spec(node_id)
    binding = spec.binding
    attribute = attributes.create(node.label, spec.prefix) if binding.module else None
    try:
        kwargs = tuple(binding.kwargs(node.params, shapes).items()) if attribute else ()
        expression = binding.forward(f"self.{attribute}" if attribute else "", inputs, node.params)
        refusal = binding.onnx_refusal(node.params, shapes) if binding.onnx_refusal else None
    except Exception as error:
        message = f"{graph.describe(node_id)}: cannot generate code ({short(str(error), 80)})"
        raise CompileError([Problem(message, node_id)]) from None
    return {
        "attribute": attribute,
        "module": binding.module,
        "kwargs": kwargs,
        "expression": expression,
        "onnx": binding.onnx and refusal is None,
        "onnx_note": refusal or "",
    }


def _block_call(graph, node_id, shapes, inputs, attributes: Namespace, classes) -> dict:
    """The parts of a block instance's step: a submodule of the block's class, called."""
    node, spec = graph.node(node_id), graph.spec(node_id)
    block = classes.lower(block_name(node.type), shapes)
    attribute = attributes.create(node.label, spec.prefix)
    refusing = next((s for s in block.ir.steps if not s.onnx), None)
    return {
        "attribute": attribute,
        "module": None,
        "block": block.class_name,
        "kwargs": (),
        "expression": f"self.{attribute}({', '.join(inputs)})",
        "onnx": refusing is None,
        "onnx_note": "" if refusing is None else f"{refusing.description}: {refusing.onnx_note}",
    }


def _lower_output(graph: Graph, node_id: str, analysis: Analysis, variable: str) -> IROutput:
    shape = analysis.info(node_id).output
    assert shape is not None
    node = graph.node(node_id)
    loss = str(node.params.get("loss", ""))
    return IROutput(node_id, variable, loss, shape, graph.describe(node_id), node.label)
