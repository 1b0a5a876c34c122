"""Convolutions over sequences, images and volumes, and transposed convolutions."""

from __future__ import annotations

from designer.catalog.builtin.rules import (
    ACTIVATION_PARAM,
    LAYOUTS,
    activate,
    describe,
    int_param,
    need_rank,
    single,
    slide,
)
from designer.catalog.description import Binding, LayerSpec, ParamSpec, Shape, ShapeError
from designer.catalog.docs import LayerDocs

CONV = "Convolution"
_WHAT = {1: "a sequence", 2: "an image", 3: "a volume (a 3-D scan or a clip of frames)"}
_AT = {1: "i", 2: "i, j", 3: "d, i, j"}
_HOW = {
    1: " A steps × features sequence becomes channels × steps through a Permute.",
    2: "",
    3: " An image whose channels are slices becomes 1 × slices × height × width through a Reshape.",
}


def _conv_rule(ndim: int):
    def rule(params, inputs) -> Shape:
        shape = single(inputs)
        need_rank(shape, (ndim + 1,), LAYOUTS[ndim])
        channels, groups = shape.dims[0], params["groups"]
        if channels % groups or params["out_channels"] % groups:
            raise ShapeError(
                f"groups {groups} must divide both the {channels} input channels and the "
                f"{params['out_channels']} output channels"
            )
        out = slide(
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
        help=f"{ndim}-D convolution over {_WHAT[ndim]}: learns local filters shared "
        f"across positions.{_HOW[ndim]}",
        params=(
            int_param("out_channels", 16, "Number of filters", 1, 65_536),
            int_param("kernel_size", 3, "Filter size", 1),
            int_param("stride", 1, "Step between windows", 1),
            int_param("padding", 0, "Zeros added on each side", 0),
            int_param("dilation", 1, "Spacing between filter taps", 1),
            int_param("groups", 1, "Split channels into independent groups", 1, 65_536),
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
        docs=LayerDocs(
            f"y[o, {_AT[ndim]}] = b[o] + ∑ over input channels c and kernel offsets k of "
            f"W[o, c, k] · x[c, stride · ({_AT[ndim]}) + dilation · k − padding]",
            "Slides small learned filters over the input; each filter is a neuron that "
            "sees only a window and has the same weights everywhere, so it finds a "
            "pattern (an edge, a texture) wherever it is, with far fewer weights than a "
            "Linear layer. Each output channel is one filter's response map. Stack "
            "convolutions with ReLU and pooling to see larger and larger patterns.",
        ),
    )


def _deconv_rule(ndim: int):
    def rule(params, inputs) -> Shape:
        shape = single(inputs)
        need_rank(shape, (ndim + 1,), LAYOUTS[ndim])
        k, s, p, op = (params[n] for n in ("kernel_size", "stride", "padding", "output_padding"))
        if op >= s:
            raise ShapeError(f"output padding {op} must be smaller than the stride {s}")
        out = tuple((n - 1) * s - 2 * p + (k - 1) + op + 1 for n in shape.dims[1:])
        if min(out) < 1:
            raise ShapeError(f"padding {p} leaves no output for its {describe(shape)} input")
        return Shape((params["out_channels"], *out))

    return rule


def _deconv(ndim: int) -> LayerSpec:
    type_id = f"ConvTranspose{ndim}d"
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=CONV,
        help=f"Transposed {ndim}-D convolution: learnable upsampling of {_WHAT[ndim]}.",
        params=(
            int_param("out_channels", 16, "Number of filters", 1, 65_536),
            int_param("kernel_size", 2, "Filter size", 1),
            int_param("stride", 2, "Upsampling step", 1),
            int_param("padding", 0, "Cropped from each side", 0),
            int_param("output_padding", 0, "Extra size added to one side", 0),
            ParamSpec("bias", "bool", True, help="Learn an additive bias"),
            ACTIVATION_PARAM,
        ),
        shape_rule=_deconv_rule(ndim),
        binding=Binding(
            f"torch.nn.{type_id}",
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
            s[0].dims[0] * p["out_channels"] * p["kernel_size"] ** ndim
            + (p["out_channels"] if p["bias"] else 0)
        ),
        macs=lambda p, s, o: s[0].numel * p["out_channels"] * p["kernel_size"] ** ndim,
        label_prefix="deconv",
        docs=LayerDocs(
            f"y[o, stride · ({_AT[ndim]}) + k − padding] += W[c, o, k] · x[c, {_AT[ndim]}]"
            ", summed over c, plus b[o]",
            "The reverse of a strided convolution's sampling: each input position paints "
            "a learned filter, scaled by its value, onto a larger output, stride steps "
            "apart. With stride 2 it doubles the size: the upsampling half of "
            "autoencoders, U-Nets and image generators.",
        ),
    )


SPECS = (_conv(1), _conv(2), _conv(3), _deconv(1), _deconv(2))
