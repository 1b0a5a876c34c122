"""Core layers: Linear, Dropout, Flatten, Reshape, Identity."""

from __future__ import annotations

import math

from designer.catalog.builtin.rules import ACTIVATION_PARAM, activate, describe, single
from designer.catalog.description import Binding, LayerSpec, ParamSpec, Shape, ShapeError

CATEGORY = "Core"


def _linear_shape(params, inputs) -> Shape:
    shape = single(inputs)
    if shape.rank == 0:
        raise ShapeError("needs at least a 1-D input")
    return Shape((*shape.dims[:-1], params["units"]))


def _linear_params(params, inputs, output) -> int:
    fan_in = inputs[0].dims[-1]
    return fan_in * params["units"] + (params["units"] if params["bias"] else 0)


def _linear_macs(params, inputs, output) -> int:
    return inputs[0].numel * params["units"]


LINEAR = LayerSpec(
    type_id="Linear",
    display_name="Linear",
    category=CATEGORY,
    help="Fully connected layer; its input size is taken from the incoming shape.",
    params=(
        ParamSpec("units", "int", 10, help="Output features", minimum=1, maximum=1_000_000),
        ParamSpec("bias", "bool", True, help="Learn an additive bias"),
        ACTIVATION_PARAM,
    ),
    shape_rule=_linear_shape,
    binding=Binding(
        "torch.nn.Linear",
        kwargs=lambda p, s: {
            "in_features": s[0].dims[-1],
            "out_features": p["units"],
            "bias": p["bias"],
        },
        forward=lambda m, xs, p: activate(f"{m}({xs[0]})", p["activation"]),
    ),
    param_count=_linear_params,
    macs=_linear_macs,
    label_prefix="fc",
)

DROPOUT = LayerSpec(
    type_id="Dropout",
    display_name="Dropout",
    category=CATEGORY,
    help="Randomly zeroes inputs while training to reduce overfitting.",
    params=(ParamSpec("p", "float", 0.5, "Rate", "Drop probability", 0.0, 1.0),),
    shape_rule=lambda p, s: single(s),
    binding=Binding("torch.nn.Dropout", kwargs=lambda p, s: {"p": p["p"]}),
)


def _flatten_shape(params, inputs) -> Shape:
    shape = single(inputs)
    return Shape((shape.numel,))


FLATTEN = LayerSpec(
    type_id="Flatten",
    display_name="Flatten",
    category=CATEGORY,
    help="Flattens each sample into a feature vector.",
    params=(),
    shape_rule=_flatten_shape,
    binding=Binding("torch.nn.Flatten"),
)


def _reshape_shape(params, inputs) -> Shape:
    (shape,) = inputs
    target = params["shape"]
    known = math.prod(d for d in target if d != -1)
    if -1 in target:
        if shape.numel % known:
            raise ShapeError(f"cannot reshape {describe(shape)} into {_text(target)}")
        target = tuple(shape.numel // known if d == -1 else d for d in target)
    if math.prod(target) != shape.numel:
        raise ShapeError(
            f"cannot reshape {describe(shape)} ({shape.numel} values) into "
            f"{_text(target)} ({math.prod(target)} values)"
        )
    return Shape(tuple(target), shape.dtype)


def _text(dims) -> str:
    return "×".join(map(str, dims))


def _reshape_forward(module: str, inputs, params) -> str:
    x = inputs[0]
    dims = ", ".join(str(int(d)) for d in params["shape"])
    return f"{x}.reshape({x}.size(0), {dims})"


RESHAPE = LayerSpec(
    type_id="Reshape",
    display_name="Reshape",
    category=CATEGORY,
    help="Gives each sample a new shape with the same number of values (-1 infers one size).",
    params=(
        ParamSpec(
            "shape", "ints", (1, -1), help="Target per-sample shape", minimum=1, maximum=1_000_000
        ),
    ),
    shape_rule=_reshape_shape,
    binding=Binding(None, forward=_reshape_forward),
    accepts_integers=True,
)

IDENTITY = LayerSpec(
    type_id="Identity",
    display_name="Identity",
    category=CATEGORY,
    help="Passes its input through unchanged; useful as a named junction.",
    params=(),
    shape_rule=lambda p, s: s[0],
    binding=Binding(None, forward=lambda m, xs, p: xs[0]),
    accepts_integers=True,
)


SPECS = (LINEAR, DROPOUT, FLATTEN, RESHAPE, IDENTITY)
