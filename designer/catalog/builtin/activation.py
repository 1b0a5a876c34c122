"""Element-wise activations (one with learned slopes) and the (log-)softmax over an axis."""

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


def _prelu_count(params, inputs, output) -> int:
    return inputs[0].dims[0] if params["per_channel"] else 1


PRELU = LayerSpec(
    type_id="PReLU",
    display_name="PReLU",
    category=CATEGORY,
    help="Like LeakyReLU, but learns the slope for negative inputs: one for the layer, or "
    "one per channel (the first axis of each sample).",
    params=(
        ParamSpec("per_channel", "bool", False, help="Learn one slope per channel"),
        ParamSpec(
            "init", "float", 0.25, help="Starting slope for x < 0", minimum=0.0, maximum=10.0
        ),
    ),
    shape_rule=lambda p, s: single(s),
    binding=Binding(
        "torch.nn.PReLU",
        kwargs=lambda p, s: {"num_parameters": _prelu_count(p, s, None), "init": p["init"]},
    ),
    param_count=_prelu_count,
    macs=lambda p, s, o: o.numel,
    label_prefix="prelu",
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
    _elementwise("ReLU6", "min(max(0, x), 6): a ReLU capped at 6, as in MobileNetV2."),
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
    PRELU,
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
        "SELU",
        "Scaled ELU: keeps activations normalized in deep plain networks (self-normalizing).",
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
    _elementwise("Mish", "x · tanh(softplus(x)): a smooth ReLU, as in YOLOv4."),
    _elementwise("Hardswish", "x · ReLU6(x + 3) / 6: a cheap swish, as in MobileNetV3."),
    _elementwise(
        "Softplus",
        "log(1 + exp(βx)) / β: a smooth ReLU that is positive everywhere.",
        [
            ParamSpec("beta", "float", 1.0, help="Sharpness β", minimum=0.01, maximum=100.0),
            ParamSpec(
                "threshold",
                "float",
                20.0,
                help="Above this βx the output is x (for numerical stability)",
                minimum=0.0,
                maximum=100.0,
            ),
        ],
        lambda p, s: {"beta": p["beta"], "threshold": p["threshold"]},
    ),
    _elementwise("Sigmoid", "Squashes to (0, 1): probabilities for binary outputs."),
    _elementwise("Hardsigmoid", "ReLU6(x + 3) / 6: a cheap sigmoid, as in MobileNetV3."),
    _elementwise("Tanh", "Squashes to (-1, 1)."),
    _softmax("Softmax", "Turns scores along an axis into probabilities that sum to 1."),
    _softmax("LogSoftmax", "Logarithm of softmax, numerically stable."),
)
