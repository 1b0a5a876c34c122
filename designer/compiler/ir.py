"""The IR that lowering produces and that the in-app model, the generated source and the
exports are all made from (see `designer.compiler.lower`).

It holds only sanitized identifiers, catalogue templates and literal keyword arguments;
labels are kept solely as ``description`` for messages and as the ``label`` of Inputs and
Outputs (the names of their data arrays and ONNX tensors).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from designer.catalog import Shape
from designer.model import Problem


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
    #: The class of a block instance's submodule (an `IRBlock` of the design's IR);
    #: then ``module`` is None and ``attribute`` names the submodule.
    block: str | None = None

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
    blocks: tuple[IRBlock, ...] = ()

    def uses_functional(self) -> bool:
        """Whether any template calls ``F.`` (so the ``import ... as F`` is needed)."""
        return any(
            "F." in step.expression and "F" in names_in(step.expression)
            for ir in (self, *(block.ir for block in self.blocks))
            for step in ir.steps
        )


@dataclass(frozen=True)
class IRBlock:
    """The class of one block: ``class_name`` (unique in the generated module), the
    block it comes from, and the IR of its ``forward`` (inputs are its Block inputs,
    outputs its Block outputs; ``blocks`` of this IR is empty, the design's IR lists
    every block class once, each after the classes it uses)."""

    class_name: str
    name: str
    ir: IR


def names_in(expression: str) -> set[str]:
    """The names an expression reads."""
    return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}
