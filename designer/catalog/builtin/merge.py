"""Merges of any number of inputs: element-wise Add and Multiply, and Concatenate."""

from __future__ import annotations

from designer.catalog.builtin.rules import describe, torch_dim
from designer.catalog.description import (
    Binding,
    LayerSpec,
    ParamSpec,
    PortSpec,
    Shape,
    ShapeError,
)
from designer.catalog.docs import LayerDocs

CATEGORY = "Merge"
_INPUTS = (PortSpec("in", multiple=True, min_count=2),)


def _real(inputs) -> None:
    if any(s.dtype != inputs[0].dtype for s in inputs):
        raise ShapeError("cannot merge integer tokens with real values")


def _same_shape(params, inputs) -> Shape:
    _real(inputs)
    first = inputs[0]
    for other in inputs[1:]:
        if other.dims != first.dims:
            raise ShapeError(
                f"needs inputs of one shape, but gets {describe(first)} and {describe(other)}"
            )
    return first


def _concat_shape(params, inputs) -> Shape:
    _real(inputs)
    first = inputs[0]
    if any(s.rank != first.rank for s in inputs):
        raise ShapeError("needs inputs with the same number of axes")
    axis = torch_dim(params["axis"], first.rank) - 1
    axis = axis if axis >= 0 else axis + first.rank + 1
    for other in inputs[1:]:
        for i, (a, b) in enumerate(zip(first.dims, other.dims, strict=True)):
            if i != axis and a != b:
                raise ShapeError(
                    f"can only join {describe(first)} and {describe(other)} along axis "
                    f"{params['axis']} if the other axes match"
                )
    dims = list(first.dims)
    dims[axis] = sum(s.dims[axis] for s in inputs)
    return Shape(tuple(dims), first.dtype)


def _concat_forward(module: str, inputs, params) -> str:
    axis = int(params["axis"])
    return f"torch.cat([{', '.join(inputs)}], dim={axis + 1 if axis >= 0 else axis})"


def _elementwise(type_id: str, operator: str, help_text: str, docs: LayerDocs) -> LayerSpec:
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=CATEGORY,
        help=help_text,
        params=(),
        shape_rule=_same_shape,
        binding=Binding(None, forward=lambda m, xs, p: f" {operator} ".join(xs)),
        inputs=_INPUTS,
        macs=lambda p, s, o: o.numel * (len(s) - 1),
        label_prefix=type_id.lower(),
        docs=docs,
    )


CONCATENATE = LayerSpec(
    type_id="Concatenate",
    display_name="Concatenate",
    category=CATEGORY,
    help="Joins its inputs along an axis, in the order they were connected.",
    params=(
        ParamSpec(
            "axis", "int", -1, help="Axis of each sample to join along", minimum=-8, maximum=7
        ),
    ),
    shape_rule=_concat_shape,
    binding=Binding(None, forward=_concat_forward),
    inputs=_INPUTS,
    label_prefix="concat",
    docs=LayerDocs(
        "y = [x₁, x₂, …]   joined along the axis (its sizes add up)",
        "Puts its inputs side by side, for instance features computed by two branches, "
        "so the next layer sees them all. The other axes must agree.",
        reference="torch.cat",
    ),
)

SPECS = (
    _elementwise(
        "Add",
        "+",
        "Adds its inputs element-wise: residual and skip connections.",
        LayerDocs(
            "y = x₁ + x₂ + …   (element by element, same shapes)",
            "Adding a block's input to its output (a residual connection, as in ResNet) "
            "lets the block learn only a correction and gives gradients a direct path "
            "back through very deep networks.",
            reference="torch.add",
        ),
    ),
    _elementwise(
        "Multiply",
        "*",
        "Multiplies its inputs element-wise: gating.",
        LayerDocs(
            "y = x₁ ⊙ x₂ ⊙ …   (element by element, same shapes)",
            "Multiplying by a Sigmoid output between 0 and 1 lets one branch open or "
            "close the other value by value: a gate, as in gated linear units.",
            reference="torch.mul",
        ),
    ),
    CONCATENATE,
)
