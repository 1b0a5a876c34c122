"""Convolution, transposed convolution, pooling, global pooling and upsampling."""

from __future__ import annotations

from designer.catalog.builtin.rules import (
    ACTIVATION_PARAM,
    activate,
    describe,
    need_rank,
    single,
    spatial_text,
    window,
)
from designer.catalog.description import Binding, LayerSpec, ParamSpec, Shape, ShapeError

CONV = "Convolution"
POOL = "Pooling"
_LAYOUT = {1: "a channels × length", 2: "a channels × height × width"}


def _int(name: str, default: int, help_text: str, low: int, high: int = 1024) -> ParamSpec:
    return ParamSpec(name, "int", default, help=help_text, minimum=low, maximum=high)


def _slide(spatial, kernel: int, stride: int, padding: int, dilation: int = 1) -> tuple[int, ...]:
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


def _conv_rule(ndim: int):
    def rule(params, inputs) -> Shape:
        shape = single(inputs)
        need_rank(shape, (ndim + 1,), _LAYOUT[ndim])
        channels, groups = shape.dims[0], params["groups"]
        if channels % groups or params["out_channels"] % groups:
            raise ShapeError(
                f"groups {groups} must divide both the {channels} input channels and the "
                f"{params['out_channels']} output channels"
            )
        out = _slide(
            shape.dims[1:],
            params["kernel_size"],
            params["stride"],
            params["padding"],
            params["dilation"],
        )
        return Shape((params["out_channels"], *out))

    return rule


def _conv_params(ndim: int):
    def count(params, inputs, output) -> int:
        cin = inputs[0].dims[0] // params["groups"]
        weight = params["out_channels"] * cin * params["kernel_size"] ** ndim
        return weight + (params["out_channels"] if params["bias"] else 0)

    return count


def _conv_macs(ndim: int):
    def count(params, inputs, output) -> int:
        cin = inputs[0].dims[0] // params["groups"]
        return output.numel * cin * params["kernel_size"] ** ndim

    return count


def _conv(ndim: int) -> LayerSpec:
    type_id = f"Conv{ndim}d"
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=CONV,
        help=f"{ndim}-D convolution: learns local filters shared across positions.",
        params=(
            _int("out_channels", 16, "Number of filters", 1, 65_536),
            _int("kernel_size", 3, "Filter size", 1),
            _int("stride", 1, "Step between windows", 1),
            _int("padding", 0, "Zeros added on each side", 0),
            _int("dilation", 1, "Spacing between filter taps", 1),
            _int("groups", 1, "Split channels into independent groups", 1, 65_536),
            ParamSpec("bias", "bool", True, help="Learn an additive bias"),
            ACTIVATION_PARAM,
        ),
        shape_rule=_conv_rule(ndim),
        binding=Binding(
            f"torch.nn.{type_id}",
            kwargs=lambda p, s: {
                "in_channels": s[0].dims[0],
                "out_channels": p["out_channels"],
                "kernel_size": p["kernel_size"],
                "stride": p["stride"],
                "padding": p["padding"],
                "dilation": p["dilation"],
                "groups": p["groups"],
                "bias": p["bias"],
            },
            forward=lambda m, xs, p: activate(f"{m}({xs[0]})", p["activation"]),
        ),
        param_count=_conv_params(ndim),
        macs=_conv_macs(ndim),
        label_prefix="conv",
    )


def _deconv_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (3,), _LAYOUT[2])
    k, s, p, op = (params[n] for n in ("kernel_size", "stride", "padding", "output_padding"))
    if op >= s:
        raise ShapeError(f"output padding {op} must be smaller than the stride {s}")
    out = tuple((n - 1) * s - 2 * p + (k - 1) + op + 1 for n in shape.dims[1:])
    if min(out) < 1:
        raise ShapeError(f"padding {p} leaves no output for its {describe(shape)} input")
    return Shape((params["out_channels"], *out))


CONV_TRANSPOSE_2D = LayerSpec(
    type_id="ConvTranspose2d",
    display_name="ConvTranspose2d",
    category=CONV,
    help="Transposed 2-D convolution: learnable upsampling.",
    params=(
        _int("out_channels", 16, "Number of filters", 1, 65_536),
        _int("kernel_size", 2, "Filter size", 1),
        _int("stride", 2, "Upsampling step", 1),
        _int("padding", 0, "Cropped from each side", 0),
        _int("output_padding", 0, "Extra size added to one side", 0),
        ParamSpec("bias", "bool", True, help="Learn an additive bias"),
        ACTIVATION_PARAM,
    ),
    shape_rule=_deconv_rule,
    binding=Binding(
        "torch.nn.ConvTranspose2d",
        kwargs=lambda p, s: {
            "in_channels": s[0].dims[0],
            "out_channels": p["out_channels"],
            "kernel_size": p["kernel_size"],
            "stride": p["stride"],
            "padding": p["padding"],
            "output_padding": p["output_padding"],
            "bias": p["bias"],
        },
        forward=lambda m, xs, p: activate(f"{m}({xs[0]})", p["activation"]),
    ),
    param_count=lambda p, s, o: (
        s[0].dims[0] * p["out_channels"] * p["kernel_size"] ** 2
        + (p["out_channels"] if p["bias"] else 0)
    ),
    macs=lambda p, s, o: s[0].numel * p["out_channels"] * p["kernel_size"] ** 2,
    label_prefix="deconv",
)


def _pool_rule(ndim: int):
    def rule(params, inputs) -> Shape:
        shape = single(inputs)
        need_rank(shape, (ndim + 1,), _LAYOUT[ndim])
        kernel, padding = params["kernel_size"], params["padding"]
        if 2 * padding > kernel:
            raise ShapeError(f"padding {padding} must be at most half the kernel {kernel}")
        stride = params["stride"] or kernel
        return Shape((shape.dims[0], *_slide(shape.dims[1:], kernel, stride, padding)))

    return rule


def _pool(type_id: str, ndim: int, help_text: str) -> LayerSpec:
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=POOL,
        help=help_text,
        params=(
            _int("kernel_size", 2, "Window size", 1),
            ParamSpec(
                "stride",
                "int",
                None,
                help="Step (empty: the kernel size)",
                minimum=1,
                maximum=1024,
                optional=True,
            ),
            _int("padding", 0, "Padding on each side", 0),
        ),
        shape_rule=_pool_rule(ndim),
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
    )


def _global_pool_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (3,), _LAYOUT[2])
    return Shape((shape.dims[0],))


GLOBAL_AVG_POOL = LayerSpec(
    type_id="GlobalAvgPool2d",
    display_name="Global average pooling",
    category=POOL,
    help="Averages each channel over the whole image, giving one value per channel.",
    params=(),
    shape_rule=_global_pool_rule,
    binding=Binding(
        "torch.nn.AdaptiveAvgPool2d",
        kwargs=lambda p, s: {"output_size": 1},
        forward=lambda m, xs, p: f"torch.flatten({m}({xs[0]}), 1)",
    ),
    macs=lambda p, s, o: s[0].numel,
    label_prefix="gap",
)


def _upsample_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (3,), _LAYOUT[2])
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
        _int("scale_factor", 2, "Enlargement factor", 1, 64),
        ParamSpec(
            "mode", "choice", "nearest", help="Interpolation", choices=("nearest", "bilinear")
        ),
    ),
    shape_rule=_upsample_rule,
    binding=Binding("torch.nn.Upsample", kwargs=_upsample_kwargs),
    macs=lambda p, s, o: o.numel if p["mode"] == "bilinear" else 0,
)

SPECS = (
    _conv(1),
    _conv(2),
    CONV_TRANSPOSE_2D,
    _pool("MaxPool1d", 1, "Keeps the largest value in each window along a sequence."),
    _pool("MaxPool2d", 2, "Keeps the largest value in each window of an image."),
    _pool("AvgPool2d", 2, "Averages each window of an image."),
    GLOBAL_AVG_POOL,
    UPSAMPLE,
)
