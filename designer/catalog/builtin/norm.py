"""Normalization layers."""

from __future__ import annotations

from designer.catalog.builtin.rules import need_rank, single
from designer.catalog.description import Binding, LayerSpec, ParamSpec, Shape

CATEGORY = "Normalization"

_EPS = ParamSpec(
    "eps", "float", 1e-5, help="Added to the variance for stability", minimum=1e-12, maximum=1.0
)
_MOMENTUM = ParamSpec(
    "momentum", "float", 0.1, help="Running statistics update rate", minimum=0.0, maximum=1.0
)
_AFFINE = ParamSpec("affine", "bool", True, help="Learn a scale and shift")


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
    LAYER_NORM,
)
