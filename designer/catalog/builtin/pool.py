"""Pooling: sliding windows, pooling to a fixed size, global pooling, and upsampling.

Every layer here works on channels-first data (``channels × length`` for Conv1d,
``channels × height × width`` for images); pooling a ``length × features`` sequence over
its steps is in the Sequence category.
"""

from __future__ import annotations

from designer.catalog.builtin.rules import (
    LAYOUTS,
    int_param,
    need_rank,
    single,
    slide,
    spatial_text,
)
from designer.catalog.description import Binding, LayerSpec, ParamSpec, Shape, ShapeError
from designer.catalog.docs import LayerDocs

POOL = "Pooling"
_WHERE = {1: "along a sequence", 2: "of an image", 3: "of a volume"}
_INDEX = {1: "i", 2: "i, j", 3: "d, i, j"}
_REDUCE = {"Max": "max", "Avg": "mean"}
_POOL_ABOUT = {
    "Max": "Keeps the strongest response of each filter in each window: the feature map "
    "shrinks (by the stride) and small shifts of the input hardly change the result.",
    "Avg": "Replaces each window by its average: the feature map shrinks (by the stride) "
    "and becomes smoother.",
}


def _window_docs(kind: str, ndim: int) -> LayerDocs:
    index = _INDEX[ndim]
    return LayerDocs(
        f"y[c, {index}] = {_REDUCE[kind]} of x[c, …] over the kernel-size window at "
        f"stride · ({index}), for each channel c",
        _POOL_ABOUT[kind] + " It has no weights; each channel is pooled on its own.",
    )


def _pool_rule(ndim: int, kind: str):
    def rule(params, inputs) -> Shape:
        shape = single(inputs)
        need_rank(shape, (ndim + 1,), LAYOUTS[ndim])
        kernel, padding = params["kernel_size"], params["padding"]
        if 2 * padding > kernel:
            raise ShapeError(f"padding {padding} must be at most half the kernel {kernel}")
        if kind == "Avg" and ndim == 3 and min(shape.dims[1:]) < kernel:
            # NOTE: torch's avg_pool3d, unlike every other pooling, checks the kernel
            # against the input before padding.
            raise ShapeError(
                f"kernel {kernel} is larger than its {spatial_text(shape.dims[1:])} input "
                "(padding does not count here)"
            )
        stride = params["stride"] or kernel
        return Shape((shape.dims[0], *slide(shape.dims[1:], kernel, stride, padding)))

    return rule


def _pool(kind: str, ndim: int) -> LayerSpec:
    type_id = f"{kind}Pool{ndim}d"
    what = "Keeps the largest value in" if kind == "Max" else "Averages"
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=POOL,
        help=f"{what} each window {_WHERE[ndim]}.",
        params=(
            int_param("kernel_size", 2, "Window size", 1),
            ParamSpec(
                "stride",
                "int",
                None,
                help="Step (empty: the kernel size)",
                minimum=1,
                maximum=1024,
                optional=True,
            ),
            int_param("padding", 0, "Padding on each side", 0),
        ),
        shape_rule=_pool_rule(ndim, kind),
        binding=Binding(
            f"torch.nn.{type_id}",
            kwargs=lambda p, s: {
                "kernel_size": p["kernel_size"],
                "stride": p["stride"] or p["kernel_size"],
                "padding": p["padding"],
            },
        ),
        macs=lambda p, s, o: o.numel * p["kernel_size"] ** ndim,
        label_prefix="pool",
        docs=_window_docs(kind, ndim),
    )


_SIZE_NAMES = {1: ("length",), 2: ("height", "width")}
_SIZE_DEFAULT = {1: 8, 2: 4}


def _adaptive_rule(ndim: int):
    def rule(params, inputs) -> Shape:
        shape = single(inputs)
        need_rank(shape, (ndim + 1,), LAYOUTS[ndim])
        return Shape((shape.dims[0], *(params[name] for name in _SIZE_NAMES[ndim])))

    return rule


def _adaptive_size(params, ndim: int):
    sizes = tuple(params[name] for name in _SIZE_NAMES[ndim])
    return sizes[0] if ndim == 1 else sizes


def _adaptive_onnx(ndim: int):
    def refusal(params, inputs) -> str | None:
        sizes = tuple(params[name] for name in _SIZE_NAMES[ndim])
        spatial = inputs[0].dims[1:]
        if all(size == 1 for size in sizes) or all(
            n % size == 0 for n, size in zip(spatial, sizes, strict=True)
        ):
            return None
        return (
            f"ONNX pools only by whole windows, and its {spatial_text(spatial)} input does "
            f"not divide into {spatial_text(sizes)} equal windows"
        )

    return refusal


def _adaptive(kind: str, ndim: int) -> LayerSpec:
    type_id = f"Adaptive{kind}Pool{ndim}d"
    verb = "Averages" if kind == "Avg" else "Takes the maximum of"
    pooling = "average" if kind == "Avg" else "max"
    size_text = "length" if ndim == 1 else "height × width"
    return LayerSpec(
        type_id=type_id,
        display_name=f"Adaptive {pooling} pooling {ndim}d",
        category=POOL,
        help=f"{verb} regions sized to give a fixed output {size_text}, whatever the "
        "input's size (e.g. 7×7 before a classifier head).",
        params=tuple(
            int_param(name, _SIZE_DEFAULT[ndim], f"Output {name}", 1, 4096)
            for name in _SIZE_NAMES[ndim]
        ),
        shape_rule=_adaptive_rule(ndim),
        binding=Binding(
            f"torch.nn.{type_id}",
            kwargs=lambda p, s: {"output_size": _adaptive_size(p, ndim)},
            onnx_refusal=_adaptive_onnx(ndim),
        ),
        macs=lambda p, s, o: max(s[0].numel, o.numel),
        label_prefix="pool",
        docs=LayerDocs(
            f"y[c, {_INDEX[ndim]}] = {_REDUCE[kind]} of x[c, …] over region ({_INDEX[ndim]}) "
            f"of an even split of the input into the output {size_text}",
            "Chooses its windows from the input's size so that the output always has the "
            "size you set: a classifier head after it works for any input size.",
        ),
    )


def _global_pool_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (3,), LAYOUTS[2])
    return Shape((shape.dims[0],))


def _global_pool(kind: str, display_name: str, verb: str) -> LayerSpec:
    return LayerSpec(
        type_id=f"Global{kind}Pool2d",
        display_name=display_name,
        category=POOL,
        help=f"{verb} each channel over the whole image, giving one value per channel.",
        params=(),
        shape_rule=_global_pool_rule,
        binding=Binding(
            f"torch.nn.Adaptive{kind}Pool2d",
            kwargs=lambda p, s: {"output_size": 1},
            forward=lambda m, xs, p: f"torch.flatten({m}({xs[0]}), 1)",
        ),
        macs=lambda p, s, o: s[0].numel,
        label_prefix="gap" if kind == "Avg" else "gmp",
        docs=LayerDocs(
            f"y[c] = {_REDUCE[kind]} over i, j of x[c, i, j]",
            "Summarizes each feature map by one number, so channels × height × width "
            "becomes a vector of channels: the usual bridge from convolutions to the final "
            "Linear layer, with no weights and for any image size.",
        ),
    )


def _upsample_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (3,), LAYOUTS[2])
    factor = params["scale_factor"]
    return Shape((shape.dims[0], *(n * factor for n in shape.dims[1:])))


def _upsample_kwargs(params, inputs) -> dict:
    kwargs = {"scale_factor": float(params["scale_factor"]), "mode": params["mode"]}
    if params["mode"] == "bilinear":
        kwargs["align_corners"] = False
    return kwargs


UPSAMPLE = LayerSpec(
    type_id="Upsample",
    display_name="Upsample",
    category=POOL,
    help="Enlarges an image by an integer factor.",
    params=(
        int_param("scale_factor", 2, "Enlargement factor", 1, 64),
        ParamSpec(
            "mode", "choice", "nearest", help="Interpolation", choices=("nearest", "bilinear")
        ),
    ),
    shape_rule=_upsample_rule,
    binding=Binding("torch.nn.Upsample", kwargs=_upsample_kwargs),
    macs=lambda p, s, o: o.numel if p["mode"] == "bilinear" else 0,
    docs=LayerDocs(
        "y[c, i, j] = x[c, floor(i / f), floor(j / f)] (nearest),  or interpolated between "
        "the four nearest pixels (bilinear)",
        "Makes an image f times larger without learned weights: each pixel is repeated "
        "(nearest) or blended with its neighbours (bilinear). Followed by a convolution, "
        "it is an alternative to ConvTranspose2d that avoids checkerboard artefacts.",
    ),
)

SPECS = (
    _pool("Max", 1),
    _pool("Max", 2),
    _pool("Max", 3),
    _pool("Avg", 1),
    _pool("Avg", 2),
    _pool("Avg", 3),
    _adaptive("Avg", 1),
    _adaptive("Avg", 2),
    _adaptive("Max", 1),
    _adaptive("Max", 2),
    _global_pool("Avg", "Global average pooling", "Averages"),
    _global_pool("Max", "Global max pooling", "Takes the maximum of"),
    UPSAMPLE,
)
