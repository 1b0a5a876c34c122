"""Small helpers that shape rules share: rank checks, sliding windows, activations."""

from __future__ import annotations

from collections.abc import Sequence

from designer.catalog.description import INT, REAL_INPUT_MESSAGE, ParamSpec, Shape, ShapeError

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
    return "×".join(map(str, shape.dims)) or "scalar"


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
    return "×".join(map(str, dims))
