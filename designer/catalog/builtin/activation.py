"""Element-wise activations and the (log-)softmax over a chosen axis."""

from __future__ import annotations

from designer.catalog.builtin.rules import single, torch_dim
from designer.catalog.description import Binding, LayerSpec, ParamSpec, Shape

CATEGORY = "Activation"


def _elementwise(type_id: str, help_text: str, params=(), kwargs=None) -> LayerSpec:
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=CATEGORY,
        help=help_text,
        params=tuple(params),
        shape_rule=lambda p, s: single(s),
        binding=Binding(f"torch.nn.{type_id}", kwargs=kwargs or (lambda p, s: {})),
    )


def _softmax_shape(params, inputs) -> Shape:
    shape = single(inputs)
    torch_dim(params["axis"], shape.rank)
    return shape


def _softmax(type_id: str, help_text: str) -> LayerSpec:
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=CATEGORY,
        help=help_text,
        params=(
            ParamSpec(
                "axis", "int", -1, help="Axis of each sample to normalize", minimum=-8, maximum=7
            ),
        ),
        shape_rule=_softmax_shape,
        binding=Binding(
            f"torch.nn.{type_id}",
            kwargs=lambda p, s: {"dim": torch_dim(p["axis"], s[0].rank)},
        ),
    )


SPECS = (
    _elementwise("ReLU", "max(0, x): the default choice for hidden layers."),
    _elementwise(
        "LeakyReLU",
        "Like ReLU but lets a small slope through for negative inputs.",
        [
            ParamSpec(
                "negative_slope", "float", 0.01, help="Slope for x < 0", minimum=0.0, maximum=10.0
            )
        ],
        lambda p, s: {"negative_slope": p["negative_slope"]},
    ),
    _elementwise(
        "ELU",
        "Exponential linear unit: smooth for negative inputs.",
        [
            ParamSpec(
                "alpha", "float", 1.0, help="Saturation value for x < 0", minimum=0.0, maximum=100.0
            )
        ],
        lambda p, s: {"alpha": p["alpha"]},
    ),
    _elementwise(
        "GELU",
        "Gaussian error linear unit, as used in transformers.",
        [
            ParamSpec(
                "approximate",
                "choice",
                "none",
                help="Exact or tanh approximation",
                choices=("none", "tanh"),
            )
        ],
        lambda p, s: {"approximate": p["approximate"]},
    ),
    _elementwise("SiLU", "x · sigmoid(x), also called swish."),
    _elementwise("Sigmoid", "Squashes to (0, 1): probabilities for binary outputs."),
    _elementwise("Tanh", "Squashes to (-1, 1)."),
    _softmax("Softmax", "Turns scores along an axis into probabilities that sum to 1."),
    _softmax("LogSoftmax", "Logarithm of softmax, numerically stable."),
)
