"""Small helpers that shape rules share: rank checks, sliding windows, activations."""

from __future__ import annotations

from collections.abc import Sequence

from designer.catalog.description import (
    INT,
    REAL_INPUT_MESSAGE,
    ParamSpec,
    Shape,
    ShapeError,
    dims_text,
)

ACTIVATIONS = ("none", "relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh")
_ACTIVATION_CALLS = {
    "relu": "torch.relu",
    "leaky_relu": "F.leaky_relu",
    "elu": "F.elu",
    "gelu": "F.gelu",
    "silu": "F.silu",
    "sigmoid": "torch.sigmoid",
    "tanh": "torch.tanh",
}

ACTIVATION_PARAM = ParamSpec(
    "activation", "choice", "none", help="Applied to the output", choices=ACTIVATIONS
)


def activate(expression: str, activation: str) -> str:
    """Wrap a forward expression in the fused activation, Keras style."""
    if activation == "none":
        return expression
    return f"{_ACTIVATION_CALLS[activation]}({expression})"


def describe(shape: Shape) -> str:
    return dims_text(shape.dims)


def single(inputs: Sequence[Shape]) -> Shape:
    (shape,) = inputs
    if shape.dtype == INT:
        raise ShapeError(REAL_INPUT_MESSAGE)
    return shape


def need_rank(shape: Shape, ranks: Sequence[int], meaning: str) -> None:
    """Fail with a message naming the expected layout when the rank is wrong."""
    if shape.rank not in ranks:
        raise ShapeError(f"needs {meaning} input, but gets {describe(shape)}")


def torch_dim(axis: int, rank: int) -> int:
    """Map an axis counted over the per-sample dims to torch's dim (with batch)."""
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for a {rank}-D input")
    return axis + 1 if axis >= 0 else axis


def window(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    """Output length of a convolution or pooling window, as torch computes it."""
    span = dilation * (kernel - 1) + 1
    if size + 2 * padding < span:
        return 0
    return (size + 2 * padding - span) // stride + 1


def spatial_text(dims: Sequence[int]) -> str:
    return dims_text(dims, "")


#: The per-sample layout a convolution or pooling layer of each dimension needs.
LAYOUTS = {
    1: "a channels × length",
    2: "a channels × height × width",
    3: "a channels × depth × height × width",
}


def int_param(name: str, default: int, help_text: str, low: int, high: int = 1024) -> ParamSpec:
    return ParamSpec(name, "int", default, help=help_text, minimum=low, maximum=high)


def axis_param(default: int, help_text: str, name: str = "axis") -> ParamSpec:
    """An axis of each sample: 0 is the first after the batch, -1 the last."""
    return ParamSpec(name, "int", default, help=help_text, minimum=-8, maximum=7)


def slide(spatial, kernel: int, stride: int, padding: int, dilation: int = 1) -> tuple[int, ...]:
    """Output spatial size of a sliding window, with the error a user can act on."""
    out = tuple(window(n, kernel, stride, padding, dilation) for n in spatial)
    if min(out) < 1:
        span = dilation * (kernel - 1) + 1
        reach = f"kernel {kernel}" + (f" with dilation {dilation}" if dilation > 1 else "")
        pad = f" padded by {padding}" if padding else ""
        raise ShapeError(
            f"{reach} (span {span}) is larger than its {spatial_text(spatial)} input{pad}"
        )
    return out


def positive_axis(axis: int, rank: int) -> int:
    """``axis`` (maybe negative) as an index into the per-sample dims, or a `ShapeError`."""
    torch_dim(axis, rank)  # refuses an axis out of range
    return axis if axis >= 0 else axis + rank
