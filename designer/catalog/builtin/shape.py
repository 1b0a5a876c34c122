"""Layers that rearrange values without learning: flatten, reshape, reorder axes, cut out
a slice, split into several outputs, average over an axis.

Axes are counted per sample, as everywhere in the designer: 0 is the first axis after the
batch (which never moves), -1 the last. Split and Chunk have one output port per part.
"""

from __future__ import annotations

import math
from functools import cache

from designer.catalog.builtin.rules import (
    axis_param,
    describe,
    int_param,
    positive_axis,
    single,
)
from designer.catalog.description import (
    Binding,
    LayerSpec,
    ParamSpec,
    PortSpec,
    Shape,
    ShapeError,
    dims_text,
)
from designer.catalog.docs import LayerDocs

CATEGORY = "Shape"
MAX_PARTS = 8
_BIG = 1_000_000


def _text(dims) -> str:
    return dims_text(dims, "")


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
    docs=LayerDocs(
        "y = x reshaped from N × d₁ × d₂ × … to N × (d₁ · d₂ · …)",
        "Lines up all the values of a sample, for instance an image's channels × height "
        "× width, into one long vector, so that Linear layers can follow convolutions.",
    ),
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
            "shape", "ints", (1, -1), help="Target per-sample shape", minimum=1, maximum=_BIG
        ),
    ),
    shape_rule=_reshape_shape,
    binding=Binding(None, forward=_reshape_forward),
    accepts_integers=True,
    docs=LayerDocs(
        "y = x.reshape(N, *shape)   (same values, same order)",
        "Reads the values of each sample in order and lays them out in the new shape; "
        "their number must stay the same. A -1 stands for the one size that makes it fit.",
        reference="torch.reshape",
    ),
)


def _permute_shape(params, inputs) -> Shape:
    (shape,) = inputs
    axes = params["axes"]
    order = [a + shape.rank if a < 0 else a for a in axes]
    if sorted(order) != list(range(shape.rank)):
        raise ShapeError(
            f"axes {_axes(axes)} must name each axis of its {describe(shape)} input once "
            f"(0 to {shape.rank - 1}, in their new order)"
        )
    return Shape(tuple(shape.dims[a] for a in order), shape.dtype)


def _axes(axes) -> str:
    return "(" + ", ".join(map(str, axes)) + ")"


def _permute_forward(module: str, inputs, params) -> str:
    dims = ", ".join(str(a + 1 if a >= 0 else a) for a in params["axes"])
    return f"{inputs[0]}.permute(0, {dims})"


PERMUTE = LayerSpec(
    type_id="Permute",
    display_name="Permute",
    category=CATEGORY,
    help="Reorders the axes of each sample: (1, 0) turns steps × features into features × "
    "steps for a Conv1d. The batch axis stays first.",
    params=(
        ParamSpec(
            "axes",
            "ints",
            (1, 0),
            help="The input's axes in their new order (0 is the first after the batch)",
            minimum=0,
            maximum=7,
        ),
    ),
    shape_rule=_permute_shape,
    binding=Binding(None, forward=_permute_forward),
    accepts_integers=True,
    docs=LayerDocs(
        "y[n, i_a₀, i_a₁, …] = x[n, i₀, i₁, …]   (axes reordered)",
        "Moves the axes of each sample around without changing any value: a recurrent "
        "layer reads steps × features, a Conv1d features × steps.",
        reference="torch.permute",
    ),
)


def _transpose_shape(params, inputs) -> Shape:
    (shape,) = inputs
    first, second = (positive_axis(params[n], shape.rank) for n in ("axis0", "axis1"))
    dims = list(shape.dims)
    dims[first], dims[second] = dims[second], dims[first]
    return Shape(tuple(dims), shape.dtype)


def _transpose_forward(module: str, inputs, params) -> str:
    first, second = (_torch_axis(params[n]) for n in ("axis0", "axis1"))
    return f"{inputs[0]}.transpose({first}, {second})"


def _torch_axis(axis: int) -> int:
    """A per-sample axis as torch counts it (the batch is axis 0; negatives stay)."""
    return axis + 1 if axis >= 0 else axis


TRANSPOSE = LayerSpec(
    type_id="Transpose",
    display_name="Transpose",
    category=CATEGORY,
    help="Swaps two axes of each sample, e.g. steps and features (axes 0 and 1).",
    params=(axis_param(0, "First axis", "axis0"), axis_param(1, "Second axis", "axis1")),
    shape_rule=_transpose_shape,
    binding=Binding(None, forward=_transpose_forward),
    accepts_integers=True,
    docs=LayerDocs(
        "y = x with the two axes swapped",
        "A Permute that exchanges just two axes; the values themselves do not change.",
        reference="torch.transpose",
    ),
)


def _slice_shape(params, inputs) -> Shape:
    (shape,) = inputs
    axis = positive_axis(params["axis"], shape.rank)
    size = shape.dims[axis]
    start, end, step = params["start"], params["end"], params["step"]
    kept = len(range(size)[start:end:step])
    if kept == 0:
        until = "the end" if end is None else f"{end}"
        raise ShapeError(
            f"from {start} to {until} selects none of the {size} values along axis "
            f"{params['axis']} of its {describe(shape)} input"
        )
    dims = list(shape.dims)
    dims[axis] = kept
    return Shape(tuple(dims), shape.dtype)


def _slice_forward(module: str, inputs, params) -> str:
    start, end, step = params["start"], params["end"], params["step"]
    text = f"{start or ''}:{'' if end is None else end}" + (f":{step}" if step != 1 else "")
    axis = params["axis"]
    if axis >= 0:
        return f"{inputs[0]}[{', '.join([':'] * (axis + 1) + [text])}]"
    return f"{inputs[0]}[{', '.join(['...', text] + [':'] * (-axis - 1))}]"


SLICE = LayerSpec(
    type_id="Slice",
    display_name="Slice",
    category=CATEGORY,
    help="Keeps a range of positions along one axis, as Python's start:end:step does "
    "(negative positions count from the end).",
    params=(
        axis_param(0, "Axis to cut"),
        int_param("start", 0, "First position kept", -_BIG, _BIG),
        ParamSpec(
            "end",
            "int",
            None,
            help="Position after the last one kept (empty: to the end)",
            minimum=-_BIG,
            maximum=_BIG,
            optional=True,
        ),
        int_param("step", 1, "Keep every n-th position", 1, _BIG),
    ),
    shape_rule=_slice_shape,
    binding=Binding(None, forward=_slice_forward),
    accepts_integers=True,
    docs=LayerDocs(
        "y = x[…, start:end:step, …]   along the chosen axis",
        "Keeps part of each sample along one axis, exactly as Python slices a list: "
        "the first 10 steps of a sequence, or every second position.",
    ),
)


@cache
def _parts(count: int) -> tuple[PortSpec, ...]:
    return tuple(PortSpec(f"part{index}") for index in range(1, count + 1))


def _split_sizes(params, shape: Shape) -> tuple[int, ...]:
    """The sizes of the parts along the axis, with -1 (the rest) resolved."""
    axis = positive_axis(params["axis"], shape.rank)
    total, sizes = shape.dims[axis], params["sizes"]
    if len(sizes) < 2:
        raise ShapeError("needs at least two sizes, one per part")
    known = sum(s for s in sizes if s != -1)
    where = f"the {total} values along axis {params['axis']}"
    if -1 in sizes:
        if known >= total:
            raise ShapeError(f"sizes {_axes(sizes)} leave nothing for -1 of {where}")
        return tuple(total - known if s == -1 else s for s in sizes)
    if known != total:
        raise ShapeError(f"sizes {' + '.join(map(str, sizes))} = {known} must add up to {where}")
    return sizes


def _split_shapes(params, inputs) -> tuple[Shape, ...]:
    (shape,) = inputs
    axis = positive_axis(params["axis"], shape.rank)
    sizes = _split_sizes(params, shape)
    return tuple(_with_axis(shape, axis, size) for size in sizes)


def _with_axis(shape: Shape, axis: int, size: int) -> Shape:
    dims = list(shape.dims)
    dims[axis] = size
    return Shape(tuple(dims), shape.dtype)


def _split_forward(module: str, inputs, params) -> str:
    x, dim = inputs[0], _torch_axis(params["axis"])
    known = sum(s for s in params["sizes"] if s != -1)
    rest = f"{x}.size({dim}) - {known}"
    sizes = ", ".join(rest if s == -1 else str(s) for s in params["sizes"])
    return f"torch.split({x}, [{sizes}], dim={dim})"


SPLIT = LayerSpec(
    type_id="Split",
    display_name="Split",
    category=CATEGORY,
    help="Cuts each sample along an axis into parts of the given sizes, one output per "
    "part (-1: the rest).",
    params=(
        ParamSpec(
            "sizes",
            "ints",
            (1, -1),
            help="Size of each part along the axis",
            minimum=1,
            maximum=_BIG,
            max_length=MAX_PARTS,
        ),
        axis_param(-1, "Axis to cut along"),
    ),
    shape_rule=_split_shapes,
    binding=Binding(None, forward=_split_forward),
    outputs=_parts(2),
    outputs_rule=lambda p: _parts(len(p["sizes"])),
    accepts_integers=True,
    docs=LayerDocs(
        "y₁, y₂, … = the consecutive parts of x of the given sizes along the axis",
        "Cuts each sample into pieces that continue as separate outputs, for instance "
        "the numeric and the categorical columns of a table.",
        reference="torch.split",
    ),
)


def _chunk_shapes(params, inputs) -> tuple[Shape, ...]:
    (shape,) = inputs
    axis = positive_axis(params["axis"], shape.rank)
    size, chunks = shape.dims[axis], params["chunks"]
    if size % chunks:
        raise ShapeError(
            f"{chunks} parts must divide the {size} values along axis {params['axis']} "
            f"of its {describe(shape)} input"
        )
    return (_with_axis(shape, axis, size // chunks),) * chunks


CHUNK = LayerSpec(
    type_id="Chunk",
    display_name="Chunk",
    category=CATEGORY,
    help="Cuts each sample along an axis into equal parts, one output per part (e.g. "
    "queries, keys and values).",
    params=(
        int_param("chunks", 2, "Number of equal parts", 2, MAX_PARTS),
        axis_param(-1, "Axis to cut along"),
    ),
    shape_rule=_chunk_shapes,
    binding=Binding(
        None,
        forward=lambda m, xs, p: (
            f"torch.chunk({xs[0]}, {p['chunks']}, dim={_torch_axis(p['axis'])})"
        ),
    ),
    outputs=_parts(2),
    outputs_rule=lambda p: _parts(p["chunks"]),
    accepts_integers=True,
    docs=LayerDocs(
        "y₁, …, y_k = k equal consecutive parts of x along the axis",
        "Like Split, with parts of equal size: one projection cut into queries, keys and "
        "values, or into the two halves of a gated unit.",
        reference="torch.chunk",
    ),
)


def _mean_shape(params, inputs) -> Shape:
    shape = single(inputs)
    axis = positive_axis(params["axis"], shape.rank)
    if params["keep_axis"]:
        return _with_axis(shape, axis, 1)
    if shape.rank == 1:
        raise ShapeError(
            f"averaging the only axis of its {describe(shape)} input leaves a single number "
            "per sample; turn on Keep axis for an output of size 1"
        )
    return Shape(shape.dims[:axis] + shape.dims[axis + 1 :])


def _mean_forward(module: str, inputs, params) -> str:
    keep = ", keepdim=True" if params["keep_axis"] else ""
    return f"{inputs[0]}.mean(dim={_torch_axis(params['axis'])}{keep})"


MEAN = LayerSpec(
    type_id="Mean",
    display_name="Mean",
    category=CATEGORY,
    help="Averages each sample over one axis, which disappears (or stays with size 1).",
    params=(
        axis_param(-1, "Axis to average over"),
        ParamSpec("keep_axis", "bool", False, help="Keep the axis, with size 1"),
    ),
    shape_rule=_mean_shape,
    binding=Binding(None, forward=_mean_forward),
    macs=lambda p, s, o: s[0].numel,
    label_prefix="mean",
    docs=LayerDocs(
        "y = (1/n) ∑ᵢ x[…, i, …]   over the n positions of the axis",
        "Averages away one axis of each sample, for instance the positions of a sequence "
        "to get one vector for the whole sequence.",
        reference="torch.mean",
    ),
)

SPECS = (FLATTEN, RESHAPE, PERMUTE, TRANSPOSE, SLICE, SPLIT, CHUNK, MEAN)
