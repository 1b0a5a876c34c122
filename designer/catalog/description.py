"""What a layer type is: parameters, ports, shape rule, counts and its torch binding."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from designer.catalog.docs import NO_DOCS, LayerDocs, torch_docs_url

Params = Mapping[str, Any]

FLOAT = "float32"
INT = "int64"
REAL_INPUT_MESSAGE = "needs real-valued input, but gets integer tokens (add an Embedding)"
TOKEN_INPUT_MESSAGE = "input {port!r} needs integer token ids, but gets real values"


class ShapeError(ValueError):
    """A layer cannot take the shapes it is given; the message is meant for the user."""


class ParamError(ValueError):
    """A parameter value is invalid; `name` is the parameter, the message says why."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def dims_text(dims: Sequence[int], empty: str = "scalar") -> str:
    """How a per-sample shape reads everywhere (messages, badges, previews): ``3×8×8``."""
    return "×".join(map(str, dims)) or empty


@dataclass(frozen=True)
class Shape:
    """A per-sample tensor shape: the batch dimension is implicit and symbolic (``N``)."""

    dims: tuple[int, ...]
    dtype: str = FLOAT

    @property
    def rank(self) -> int:
        return len(self.dims)

    @property
    def numel(self) -> int:
        return math.prod(self.dims)

    def __str__(self) -> str:
        return dims_text(["N", *self.dims])


@dataclass(frozen=True)
class ParamSpec:
    """A typed layer parameter with its default and valid range or choices.

    ``kind`` is one of ``int``, ``float``, ``bool``, ``choice``, ``ints`` (a tuple of
    positive ints, e.g. a target shape). ``optional`` ints may also be ``None``.
    """

    name: str
    kind: str
    default: Any
    label: str = ""
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False
    max_length: int = 8
    only_when: tuple[str, tuple[Any, ...]] | None = None

    def applies(self, params: Mapping[str, Any]) -> bool:
        """Whether this parameter matters given the others (forms hide it otherwise),
        e.g. an Input's ``height`` only for images."""
        if self.only_when is None:
            return True
        name, values = self.only_when
        return params.get(name) in values

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def validate(self, value: Any) -> Any:
        """Return the value normalized to this kind, or raise `ParamError` saying why."""
        if value is None and self.optional:
            return None
        check = _CHECKS[self.kind]
        return check(self, value)

    def _range(self, value: float) -> None:
        if self.minimum is not None and value < self.minimum:
            raise ParamError(self.name, f"{self.title} must be at least {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(self.name, f"{self.title} must be at most {self.maximum:g}")


def _check_int(spec: ParamSpec, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParamError(spec.name, f"{spec.title} must be a whole number, got {value!r:.40}")
    spec._range(value)
    return value


def _check_float(spec: ParamSpec, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParamError(spec.name, f"{spec.title} must be a number, got {value!r:.40}")
    if not math.isfinite(value):
        raise ParamError(spec.name, f"{spec.title} must be a finite number")
    spec._range(value)
    return float(value)


def _check_bool(spec: ParamSpec, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ParamError(spec.name, f"{spec.title} must be true or false, got {value!r:.40}")
    return value


def _check_choice(spec: ParamSpec, value: Any) -> str:
    if not isinstance(value, str) or value not in spec.choices:
        options = ", ".join(spec.choices)
        raise ParamError(spec.name, f"{spec.title} must be one of {options}; got {value!r:.40}")
    return value


def _check_ints(spec: ParamSpec, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= spec.max_length:
        raise ParamError(
            spec.name, f"{spec.title} must be a list of 1 to {spec.max_length} whole numbers"
        )
    items = tuple(value)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ParamError(spec.name, f"{spec.title} must hold whole numbers, got {item!r:.40}")
        if item != -1:
            spec._range(item)
    if items.count(-1) > 1:
        raise ParamError(spec.name, f"{spec.title} may contain -1 at most once")
    return items


_CHECKS: dict[str, Callable[[ParamSpec, Any], Any]] = {
    "int": _check_int,
    "float": _check_float,
    "bool": _check_bool,
    "choice": _check_choice,
    "ints": _check_ints,
}


@dataclass(frozen=True)
class PortSpec:
    """A named input or output. An input with ``multiple`` accepts any number of edges
    (merges); their order is the order in which they were connected.

    An ``optional`` input may stay unconnected; optional inputs come after the required
    ones, so a shape rule or forward template tells which it got from how many inputs
    arrive. A ``tokens`` input takes integer token ids (a padding mask, say) where the
    layer's other inputs take real values.
    """

    name: str
    multiple: bool = False
    min_count: int = 1
    optional: bool = False
    tokens: bool = False


#: A shape rule returns the output's shape, or one shape per output port for a layer
#: with several outputs (in port order); count rules get what the shape rule returned.
ShapeRule = Callable[[Params, Sequence[Shape]], Any]
CountRule = Callable[[Params, Sequence[Shape], Any], int]
PortsRule = Callable[[Params], tuple[PortSpec, ...]]
ForwardRule = Callable[[str, Sequence[str], Params], str]
KwargsRule = Callable[[Params, Sequence[Shape]], dict[str, Any]]


def _no_count(params: Params, inputs: Sequence[Shape], output: Shape) -> int:
    return 0


def _call_module(module: str, inputs: Sequence[str], params: Params) -> str:
    return f"{module}({inputs[0]})"


@dataclass(frozen=True)
class Binding:
    """How a layer becomes torch code.

    ``module`` is a dotted torch class (``"torch.nn.Linear"``) built with ``kwargs``, or
    ``None`` for layers that are a pure expression (Add, Concatenate). ``forward`` writes the
    Python expression of the layer's output from the module attribute (``"self.fc1"``) and
    the input variable names. The in-memory model and the exported script share this one
    expression, so what the user drew is exactly what both run. For a layer with several
    output ports the expression gives a sequence of as many tensors, which the generated
    code unpacks (``a, b = torch.chunk(x, 2, dim=1)``).
    """

    module: str | None
    kwargs: KwargsRule = field(default=lambda params, inputs: {})
    forward: ForwardRule = _call_module
    onnx: bool = True
    #: Why a layer that exports to ONNX in general cannot with these parameters and
    #: input shapes (None: it can), so that an export is refused up front with the reason.
    onnx_refusal: Callable[[Params, Sequence[Shape]], str | None] | None = None


@dataclass(frozen=True)
class LayerSpec:
    """Everything the application knows about one layer type.

    ``outputs`` are the output ports for the default parameters; a layer whose number of
    outputs follows a parameter (Chunk into ``chunks`` parts) also has ``outputs_rule``,
    and `output_ports` gives a node's actual ports from its parameters.
    """

    type_id: str
    display_name: str
    category: str
    help: str
    params: tuple[ParamSpec, ...]
    shape_rule: ShapeRule
    binding: Binding | None
    inputs: tuple[PortSpec, ...] = (PortSpec("in"),)
    outputs: tuple[PortSpec, ...] = (PortSpec("out"),)
    param_count: CountRule = _no_count
    macs: CountRule = _no_count
    accepts_integers: bool = False
    label_prefix: str = ""
    aliases: tuple[str, ...] = ()
    role: str = "layer"
    outputs_rule: PortsRule | None = None
    docs: LayerDocs = NO_DOCS

    def param(self, name: str) -> ParamSpec:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise ParamError(name, f"{self.display_name} has no parameter {name!r:.60}")

    def defaults(self) -> dict[str, Any]:
        return {spec.name: spec.default for spec in self.params}

    def validate_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Complete ``params`` with defaults and validate each; unknown names are errors."""
        for name in params:
            self.param(name)
        return {s.name: s.validate(params.get(s.name, s.default)) for s in self.params}

    def input_port(self, name: str) -> PortSpec | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output_ports(self, params: Params | None = None) -> tuple[PortSpec, ...]:
        """The output ports of a node with these (validated) parameters."""
        if self.outputs_rule is None or params is None:
            return self.outputs
        return self.outputs_rule(params)

    def output_port(self, name: str, params: Params | None = None) -> PortSpec | None:
        return next((p for p in self.output_ports(params) if p.name == name), None)

    @property
    def needs_real_input(self) -> bool:
        """Whether integer token ids may not flow into the first input: inference, the
        canvas's wiring check and shape rules share this one rule (merges judge their
        inputs themselves)."""
        single = bool(self.inputs) and not self.inputs[0].multiple
        return self.role == "layer" and not self.accepts_integers and single

    def input_refusal(self, port: str, dtype: str) -> str | None:
        """Why a tensor of ``dtype`` may not enter input ``port``, or None if it may:
        token ids into a layer computing on reals, or reals into a ``tokens`` input."""
        spec = self.input_port(port)
        if spec is not None and spec.tokens:
            return None if dtype == INT else TOKEN_INPUT_MESSAGE.format(port=port)
        if dtype != FLOAT and self.needs_real_input:
            return REAL_INPUT_MESSAGE
        return None

    @property
    def docs_reference(self) -> str | None:
        """The torch name that documents this layer: the page's own reference, or the
        class the layer compiles to; None for a layer torch has no page for."""
        return self.docs.reference or (self.binding.module if self.binding else None)

    @property
    def docs_url(self) -> str | None:
        """Where torch's manual describes this layer (no network is touched)."""
        return torch_docs_url(self.docs_reference)

    @property
    def prefix(self) -> str:
        return self.label_prefix or self.type_id.lower()
