"""Normalization layers: over the batch (BatchNorm), each sample (LayerNorm), groups of
channels (GroupNorm) or each channel of each sample (InstanceNorm)."""

from __future__ import annotations

from designer.catalog.builtin.rules import LAYOUTS, describe, int_param, need_rank, single
from designer.catalog.description import Binding, LayerSpec, ParamSpec, Shape, ShapeError
from designer.catalog.docs import LayerDocs

CATEGORY = "Normalization"

_EPS = ParamSpec(
    "eps", "float", 1e-5, help="Added to the variance for stability", minimum=1e-12, maximum=1.0
)
_MOMENTUM = ParamSpec(
    "momentum", "float", 0.1, help="Running statistics update rate", minimum=0.0, maximum=1.0
)
_AFFINE = ParamSpec("affine", "bool", True, help="Learn a scale and shift")
_NORMALIZE = "y = (x − μ) / √(σ² + eps) · γ + β"
_GAMMA = " γ and β (learned, with Affine on) let the layer undo the normalization where that helps."


def _norm_docs(over: str, about: str) -> LayerDocs:
    return LayerDocs(f"{_NORMALIZE},   μ, σ²: mean and variance {over}", about + _GAMMA)


def _batch_norm_rule(ranks: tuple[int, ...], meaning: str):
    def rule(params, inputs) -> Shape:
        shape = single(inputs)
        need_rank(shape, ranks, meaning)
        return shape

    return rule


def _batch_norm(type_id: str, ranks: tuple[int, ...], meaning: str, help_text: str) -> LayerSpec:
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=CATEGORY,
        help=help_text,
        params=(_EPS, _MOMENTUM, _AFFINE),
        shape_rule=_batch_norm_rule(ranks, meaning),
        binding=Binding(
            f"torch.nn.{type_id}",
            kwargs=lambda p, s: {
                "num_features": s[0].dims[0],
                "eps": p["eps"],
                "momentum": p["momentum"],
                "affine": p["affine"],
            },
        ),
        param_count=lambda p, s, o: 2 * s[0].dims[0] if p["affine"] else 0,
        macs=lambda p, s, o: 2 * s[0].numel,
        label_prefix="bn",
        docs=_norm_docs(
            "of each channel over the batch (and positions) while training; running "
            "averages of them when evaluating",
            "Rescales every channel to mean 0 and variance 1 over the batch, which keeps "
            "the inputs of the next layer in a steady range: training is faster and "
            "tolerates larger learning rates. It behaves differently in training and "
            "evaluation and needs batches of more than one sample; place it between a "
            "convolution or Linear layer and its activation.",
        ),
    )


def _layer_norm_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, range(1, 9), "an at least 1-D")
    return shape


LAYER_NORM = LayerSpec(
    type_id="LayerNorm",
    display_name="LayerNorm",
    category=CATEGORY,
    help="Normalizes each sample over its last axis.",
    params=(
        _EPS,
        ParamSpec("affine", "bool", True, help="Learn a scale and shift"),
    ),
    shape_rule=_layer_norm_rule,
    binding=Binding(
        "torch.nn.LayerNorm",
        kwargs=lambda p, s: {
            "normalized_shape": s[0].dims[-1],
            "eps": p["eps"],
            "elementwise_affine": p["affine"],
        },
    ),
    param_count=lambda p, s, o: 2 * s[0].dims[-1] if p["affine"] else 0,
    macs=lambda p, s, o: 2 * s[0].numel,
    label_prefix="ln",
    docs=_norm_docs(
        "of each sample's last axis (its features)",
        "Normalizes the features of each sample, or of each position of a sequence, on "
        "its own, so it does not depend on the batch: the normalization of transformers "
        "and recurrent networks.",
    ),
)


def _group_norm_rule(params, inputs) -> Shape:
    shape = single(inputs)
    channels, groups = shape.dims[0], params["num_groups"]
    if channels % groups:
        raise ShapeError(
            f"{groups} groups must divide the {channels} channels (the first axis) of its "
            f"{describe(shape)} input"
        )
    return shape


GROUP_NORM = LayerSpec(
    type_id="GroupNorm",
    display_name="GroupNorm",
    category=CATEGORY,
    help="Normalizes each sample over groups of channels; unlike BatchNorm it works the "
    "same for any batch size.",
    params=(int_param("num_groups", 2, "Groups of channels", 1, 65_536), _EPS, _AFFINE),
    shape_rule=_group_norm_rule,
    binding=Binding(
        "torch.nn.GroupNorm",
        kwargs=lambda p, s: {
            "num_groups": p["num_groups"],
            "num_channels": s[0].dims[0],
            "eps": p["eps"],
            "affine": p["affine"],
        },
    ),
    param_count=lambda p, s, o: 2 * s[0].dims[0] if p["affine"] else 0,
    macs=lambda p, s, o: 2 * s[0].numel,
    label_prefix="gn",
    docs=_norm_docs(
        "of each sample's group of channels (and their positions)",
        "Splits the channels into groups and normalizes each group of each sample: "
        "independent of the batch, so it works where batches are small (detection, "
        "segmentation). One group is LayerNorm over channels and positions; one channel "
        "per group is InstanceNorm.",
    ),
)


def _instance_norm_rule(ndim: int):
    def rule(params, inputs) -> Shape:
        shape = single(inputs)
        need_rank(shape, (ndim + 1,), LAYOUTS[ndim])
        if shape.numel == shape.dims[0]:
            raise ShapeError(
                f"needs more than one value per channel to normalize, but its "
                f"{describe(shape)} input has one"
            )
        return shape

    return rule


def _instance_norm(ndim: int, what: str) -> LayerSpec:
    type_id = f"InstanceNorm{ndim}d"
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=CATEGORY,
        help=f"Normalizes each channel of each {what} on its own (style transfer, GANs).",
        params=(
            _EPS,
            ParamSpec("affine", "bool", False, help="Learn a scale and shift per channel"),
        ),
        shape_rule=_instance_norm_rule(ndim),
        binding=Binding(
            f"torch.nn.{type_id}",
            kwargs=lambda p, s: {
                "num_features": s[0].dims[0],
                "eps": p["eps"],
                "affine": p["affine"],
            },
        ),
        param_count=lambda p, s, o: 2 * s[0].dims[0] if p["affine"] else 0,
        macs=lambda p, s, o: 2 * s[0].numel,
        label_prefix="inorm",
        docs=_norm_docs(
            "of each channel of each sample, over its positions",
            "Removes each channel's own mean and contrast in every sample, which for "
            "images is much of their style: used in style transfer and image generators.",
        ),
    )


SPECS = (
    _batch_norm(
        "BatchNorm1d",
        (1, 2),
        "a features or channels × length",
        "Normalizes each feature over the batch.",
    ),
    _batch_norm(
        "BatchNorm2d",
        (3,),
        "a channels × height × width",
        "Normalizes each image channel over the batch.",
    ),
    _batch_norm(
        "BatchNorm3d",
        (4,),
        LAYOUTS[3],
        "Normalizes each channel of a volume over the batch.",
    ),
    LAYER_NORM,
    GROUP_NORM,
    _instance_norm(1, "sequence (channels × length)"),
    _instance_norm(2, "image"),
)
