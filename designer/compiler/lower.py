"""Lowering: a checked design becomes a small, ordered, lint-checked IR.

The IR is what both the in-app model (`build`) and the exported source (`codegen`) are made
from, so they cannot disagree. It holds only sanitized identifiers, catalogue templates and
literal keyword arguments; labels are kept solely as ``description`` for messages and as
the ``label`` of Inputs and Outputs (the names of their data arrays and ONNX tensors).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from designer.catalog import Shape
from designer.compiler.errors import CompileError
from designer.compiler.namespace import RESERVED, Namespace
from designer.model import Analysis, Graph, Problem, infer_shapes
from designer.model.graph import short

MAX_PARAMETERS = 500_000_000
MODULE_PATH = re.compile(r"torch\.nn(\.[A-Za-z_][A-Za-z0-9_]*)+")
GLOBALS = frozenset({"torch", "F"})
# Parts of torch a forward has no business touching: files, the network, compilers.
FORBIDDEN_ATTRIBUTES = frozenset(
    {"load", "save", "hub", "ops", "jit", "compile", "library", "package", "serialization",
     "classes", "utils", "distributed", "multiprocessing", "backends", "cuda", "set_grad_enabled"}
)  # fmt: skip
# Builtins a template may call: pure functions on values, none that reach code or files.
SAFE_BUILTINS = frozenset({"tuple", "list", "len", "int", "float", "min", "max", "sum", "abs"})
_LITERALS = (bool, int, float, str, type(None))
_NODES = (
    ast.Expression, ast.Call, ast.Name, ast.Attribute, ast.Subscript, ast.Slice, ast.Constant,
    ast.UnaryOp, ast.USub, ast.BinOp, ast.Add, ast.Mult, ast.Sub, ast.List, ast.Tuple,
    ast.keyword, ast.Load,
)  # fmt: skip


@dataclass(frozen=True)
class IRInput:
    """A forward argument: one per Input node, in graph order (even an Input no Output
    depends on, so that the signature always follows the design)."""

    node_id: str
    name: str
    shape: Shape
    description: str
    label: str = ""


#: The variable of an output port that nothing downstream uses (``_, b = ...``).
UNUSED = "_"


@dataclass(frozen=True)
class IRStep:
    """One layer: ``output = expression``, using ``self.<attribute>`` when it has a module.

    A layer with several output ports binds one variable per port (``a, b = expression``),
    in port order; a port nothing uses gets `UNUSED`.
    """

    node_id: str
    type_id: str
    description: str
    attribute: str | None
    module: str | None
    kwargs: tuple[tuple[str, Any], ...]
    expression: str
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    outputs: tuple[str, ...]
    shapes: tuple[Shape, ...]
    params: int = 0
    onnx: bool = True
    onnx_note: str = ""  # why it does not export to ONNX, when it does not

    @property
    def kwargs_dict(self) -> dict[str, Any]:
        return dict(self.kwargs)

    @property
    def output(self) -> str:
        """The first output's variable (a layer's only one, for most layers)."""
        return self.outputs[0]

    @property
    def shape(self) -> Shape:
        return self.shapes[0]

    @property
    def target(self) -> str:
        """The left-hand side of the step's assignment: ``x`` or ``a, b``."""
        return ", ".join(self.outputs)


@dataclass(frozen=True)
class IROutput:
    """A returned value (``name`` is the variable) and the loss that trains it."""

    node_id: str
    name: str
    loss: str
    shape: Shape
    description: str
    label: str = ""


@dataclass(frozen=True)
class IR:
    """The lowered network: inputs, steps in topological order, outputs."""

    inputs: tuple[IRInput, ...]
    steps: tuple[IRStep, ...]
    outputs: tuple[IROutput, ...]
    warnings: tuple[Problem, ...] = ()
    total_params: int = 0
    total_macs: int = 0
    node_for_attribute: Mapping[str, str] = field(default_factory=dict, compare=False)

    def uses_functional(self) -> bool:
        """Whether any template calls ``F.`` (so the ``import ... as F`` is needed)."""
        return any(
            "F." in step.expression and "F" in _names(step.expression) for step in self.steps
        )


def lower(graph: Graph) -> IR:
    """Check ``graph`` and lower it; raises `CompileError` listing every problem.

    The analysis comes from the graph's one shared cache: when the editor has already
    analysed this state of the graph, lowering infers nothing again.
    """
    analysis = infer_shapes(graph)
    if analysis.errors:
        raise CompileError(analysis.errors)
    incoming = _incoming(graph)
    live = _live_nodes(graph, incoming)
    _check_size(graph, analysis, live)
    used = {source for node_id in live for source in incoming[node_id]}
    variables, attributes = Namespace(), Namespace()
    names: dict[Source, str] = {}
    inputs = tuple(_lower_input(graph, n, analysis, variables, names) for n in _inputs(graph))
    steps = tuple(
        _lower_step(graph, n, analysis, incoming[n], (variables, attributes), names, used)
        for n in analysis.order
        if n in live and graph.spec(n).role == "layer"
    )
    outputs = tuple(
        _lower_output(graph, n, analysis, names[incoming[n][0]])
        for n in graph.nodes_of_role("output")
    )
    ir = IR(
        inputs=inputs,
        steps=steps,
        outputs=outputs,
        warnings=tuple(p for p in analysis.problems if not p.is_error),
        total_params=sum(s.params for s in steps),
        total_macs=sum(analysis.info(s.node_id).macs for s in steps),
        node_for_attribute={s.attribute: s.node_id for s in steps if s.attribute},
    )
    lint(ir)
    return ir


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


def _live_nodes(graph: Graph, incoming: Mapping[str, list[Source]]) -> set[str]:
    """Nodes on a path to an Output; the rest cannot affect any result and are dropped."""
    live: set[str] = set()
    stack = list(graph.nodes_of_role("output"))
    while stack:
        node_id = stack.pop()
        if node_id not in live:
            live.add(node_id)
            stack.extend(src for src, _port in incoming[node_id])
    return live


def _inputs(graph: Graph) -> list[str]:
    return graph.nodes_of_role("input")


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
) -> IRStep:
    node, spec = graph.node(node_id), graph.spec(node_id)
    info = analysis.info(node_id)
    binding = spec.binding
    variables, attributes = namespaces
    if binding is None or info.output is None:
        raise CompileError([Problem(f"{graph.describe(node_id)} cannot be compiled", node_id)])
    inputs = tuple(names[s] for s in sources)
    attribute = attributes.create(node.label, spec.prefix) if binding.module else None
    try:
        kwargs = tuple(binding.kwargs(node.params, info.inputs).items()) if attribute else ()
        expression = binding.forward(f"self.{attribute}" if attribute else "", inputs, node.params)
        refusal = binding.onnx_refusal(node.params, info.inputs) if binding.onnx_refusal else None
    except Exception as error:
        message = f"{graph.describe(node_id)}: cannot generate code ({short(str(error), 80)})"
        raise CompileError([Problem(message, node_id)]) from None
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
        attribute=attribute,
        module=binding.module,
        kwargs=kwargs,
        expression=expression,
        inputs=inputs,
        input_shapes=info.inputs,
        outputs=tuple(names.get((node_id, port), UNUSED) for port in ports),
        shapes=info.outputs,
        params=info.params,
        onnx=binding.onnx and refusal is None,
        onnx_note=refusal or "",
    )


def _lower_output(graph: Graph, node_id: str, analysis: Analysis, variable: str) -> IROutput:
    shape = analysis.info(node_id).output
    assert shape is not None
    node = graph.node(node_id)
    loss = str(node.params.get("loss", ""))
    return IROutput(node_id, variable, loss, shape, graph.describe(node_id), node.label)


# --------------------------------------------------------------------------- lint
def lint(ir: IR) -> None:
    """Check the IR's invariants; a failure is a compiler or catalogue bug, reported as a
    `CompileError` naming the node rather than as broken generated code."""
    defined: set[str] = set()
    for item in ir.inputs:
        _check_name(item.name, defined, item.node_id)
        defined.add(item.name)
    attributes: set[str] = set()
    for step in ir.steps:
        _lint_step(step, defined, attributes)
        attributes.add(step.attribute or "")
        defined.update(name for name in step.outputs if name != UNUSED)
    for out in ir.outputs:
        if out.name not in defined:
            _fail(out.node_id, f"returns undefined {out.name!r}")


def _lint_step(step: IRStep, defined: set[str], attributes: set[str]) -> None:
    for name in step.inputs:
        if name not in defined:
            _fail(step.node_id, f"uses {name!r} before it is defined")
    if step.attribute is not None:
        _check_name(step.attribute, attributes, step.node_id)
        if not (step.module and MODULE_PATH.fullmatch(step.module)):
            _fail(step.node_id, f"module {step.module!r} is not a torch.nn class")
    for key, value in step.kwargs:
        if not key.isidentifier() or not _is_literal(value):
            _fail(step.node_id, f"keyword argument {key!r} is not a plain literal")
    _lint_expression(step, defined)
    if len(step.outputs) != len(step.shapes) or set(step.outputs) == {UNUSED}:
        _fail(step.node_id, "its outputs do not match its output shapes")
    fresh: set[str] = set()
    for name in step.outputs:
        if name != UNUSED or len(step.outputs) == 1:
            _check_name(name, defined | fresh, step.node_id)
            fresh.add(name)


def _lint_expression(step: IRStep, defined: set[str]) -> None:
    try:
        tree = ast.parse(step.expression, mode="eval")
    except SyntaxError:
        _fail(step.node_id, "its forward template is not an expression")
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif not isinstance(node, _NODES):
            _fail(step.node_id, f"its forward template uses {type(node).__name__}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            _fail(step.node_id, "its forward template reads a private attribute")
        if (
            isinstance(node, ast.Attribute)
            and node.attr in FORBIDDEN_ATTRIBUTES
            and not (_is_self(node))
        ):
            _fail(step.node_id, f"its forward template uses {node.attr!r}")
        if _is_self(node) and node.attr != step.attribute:
            _fail(step.node_id, "its forward template uses another layer's module")
    own = {"self"} if step.attribute else set()
    unknown = names - defined - GLOBALS - SAFE_BUILTINS - own
    if unknown:
        _fail(step.node_id, f"its forward template uses unknown names {sorted(unknown)}")


def _is_self(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and (node.value.id == "self")
    )


def _names(expression: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}


def _check_name(name: str, taken: set[str], node_id: str) -> None:
    if not name.isidentifier() or name in RESERVED or name in taken:
        _fail(node_id, f"identifier {name!r} is not a fresh, safe name")


def _is_literal(value: Any) -> bool:
    if isinstance(value, tuple | list):
        return all(_is_literal(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, _LITERALS)


def _fail(node_id: str, message: str):
    raise CompileError([Problem(f"internal error in layer {node_id}: {message}", node_id)])
