"""Element-wise activations (one with learned slopes) and the (log-)softmax over an axis."""

from __future__ import annotations

from designer.catalog.builtin.rules import single, torch_dim
from designer.catalog.description import Binding, LayerSpec, ParamSpec, Shape
from designer.catalog.docs import LayerDocs

CATEGORY = "Activation"
#: Where the help page plots an activation and its slope: wide enough for the bends.
CURVE = (-4.0, 4.0)
_NONLINEAR = (
    " Between two linear layers it is what lets the network learn more than a straight "
    "line: without an activation, stacked linear layers equal a single one."
)


def _elementwise(
    type_id: str, help_text: str, docs: tuple[str, str], params=(), kwargs=None, curve=CURVE
) -> LayerSpec:
    formula, about = docs
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=CATEGORY,
        help=help_text,
        params=tuple(params),
        shape_rule=lambda p, s: single(s),
        binding=Binding(f"torch.nn.{type_id}", kwargs=kwargs or (lambda p, s: {})),
        docs=LayerDocs(formula, about, curve=curve),
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
    docs=LayerDocs(
        "y = x for x ≥ 0,  y = a · x for x < 0  (a learned, starting at Init)",
        "A LeakyReLU whose negative slope a is a weight the network learns by gradient "
        "descent along with the others, one a for the layer or one per channel. "
        "It adds almost no parameters and can help deep image networks." + _NONLINEAR,
        curve=CURVE,
    ),
)


def _softmax_shape(params, inputs) -> Shape:
    shape = single(inputs)
    torch_dim(params["axis"], shape.rank)
    return shape


def _softmax(type_id: str, help_text: str, docs: tuple[str, str]) -> LayerSpec:
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
        docs=LayerDocs(*docs),
    )


SPECS = (
    _elementwise(
        "ReLU",
        "max(0, x): the default choice for hidden layers.",
        (
            "y = max(0, x)",
            "The rectified linear unit passes positive values and turns negative ones into "
            "0. It is cheap, and its slope is 1 wherever it is active, so gradients pass "
            "through deep networks undiminished: the default for hidden layers. A neuron "
            "whose inputs stay negative outputs 0 and stops learning (it 'dies'); "
            "LeakyReLU avoids that." + _NONLINEAR,
        ),
    ),
    _elementwise(
        "ReLU6",
        "min(max(0, x), 6): a ReLU capped at 6, as in MobileNetV2.",
        (
            "y = min(max(0, x), 6)",
            "A ReLU that never exceeds 6. The bounded range suits low-precision (8-bit) "
            "arithmetic on phones, which is why MobileNet uses it." + _NONLINEAR,
        ),
        curve=(-4.0, 8.0),
    ),
    _elementwise(
        "LeakyReLU",
        "Like ReLU but lets a small slope through for negative inputs.",
        (
            "y = x for x ≥ 0,  y = negative_slope · x for x < 0",
            "A ReLU that keeps a small slope for negative inputs, so a neuron never stops "
            "passing gradient back. A safe replacement when many ReLU neurons die." + _NONLINEAR,
        ),
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
        (
            "y = x for x > 0,  y = α · (eˣ − 1) for x ≤ 0",
            "Like ReLU for positive inputs, but bends smoothly towards −α for negative ones, "
            "so the mean output stays nearer 0 and learning can be faster." + _NONLINEAR,
        ),
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
        (
            "y = λ · x for x > 0,  y = λ · α · (eˣ − 1) for x ≤ 0,  λ ≈ 1.0507, α ≈ 1.6733",
            "An ELU scaled by constants chosen so that, with suitable weight initialization, "
            "the outputs of each layer keep mean 0 and variance 1 on their own: deep "
            "fully connected networks train without normalization layers." + _NONLINEAR,
        ),
    ),
    _elementwise(
        "GELU",
        "Gaussian error linear unit, as used in transformers.",
        (
            "y = x · Φ(x),  Φ the standard normal distribution function",
            "Multiplies each input by the probability that a standard normal variable is "
            "smaller: a smooth ReLU that dips slightly below 0. The activation of BERT, "
            "GPT and most transformers; the tanh approximation is a little faster." + _NONLINEAR,
        ),
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
    _elementwise(
        "SiLU",
        "x · sigmoid(x), also called swish.",
        (
            "y = x · σ(x),  σ(x) = 1 / (1 + e⁻ˣ)",
            "The input gated by its own sigmoid: smooth, slightly negative for small "
            "negative inputs, like ReLU for large ones. Common in modern image networks "
            "(EfficientNet)." + _NONLINEAR,
        ),
    ),
    _elementwise(
        "Mish",
        "x · tanh(softplus(x)): a smooth ReLU, as in YOLOv4.",
        (
            "y = x · tanh(ln(1 + eˣ))",
            "A smooth, non-monotonic cousin of SiLU, used in object detectors such as "
            "YOLOv4." + _NONLINEAR,
        ),
    ),
    _elementwise(
        "Hardswish",
        "x · ReLU6(x + 3) / 6: a cheap swish, as in MobileNetV3.",
        (
            "y = x · min(max(0, x + 3), 6) / 6",
            "A piecewise approximation of SiLU (swish) without an exponential: nearly the "
            "same accuracy, cheaper on phones." + _NONLINEAR,
        ),
    ),
    _elementwise(
        "Softplus",
        "log(1 + exp(βx)) / β: a smooth ReLU that is positive everywhere.",
        (
            "y = ln(1 + e^(β·x)) / β   (y = x where β·x > threshold)",
            "A smooth ReLU whose output is always positive: for a quantity that must be "
            "positive, such as a standard deviation. Larger β makes the bend sharper." + _NONLINEAR,
        ),
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
    _elementwise(
        "Sigmoid",
        "Squashes to (0, 1): probabilities for binary outputs.",
        (
            "y = σ(x) = 1 / (1 + e⁻ˣ)",
            "Squashes any number into (0, 1), so the output reads as a probability: the "
            "last layer of a yes/no classifier (with binary cross-entropy loss). In hidden "
            "layers its slope, at most 0.25, shrinks gradients: prefer ReLU there." + _NONLINEAR,
        ),
        curve=(-6.0, 6.0),
    ),
    _elementwise(
        "Hardsigmoid",
        "ReLU6(x + 3) / 6: a cheap sigmoid, as in MobileNetV3.",
        (
            "y = min(max(0, x + 3), 6) / 6",
            "A piecewise linear approximation of the sigmoid without an exponential, for "
            "gates in mobile networks." + _NONLINEAR,
        ),
        curve=(-6.0, 6.0),
    ),
    _elementwise(
        "Tanh",
        "Squashes to (-1, 1).",
        (
            "y = tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)",
            "Squashes any number into (−1, 1), centred on 0: the classic activation of "
            "recurrent networks, and an output layer for targets in that range." + _NONLINEAR,
        ),
    ),
    _softmax(
        "Softmax",
        "Turns scores along an axis into probabilities that sum to 1.",
        (
            "yᵢ = e^(xᵢ) / ∑ⱼ e^(xⱼ)   over the chosen axis",
            "Turns a vector of scores into probabilities: all positive, summing to 1, the "
            "largest score getting the largest share. For reading a classifier's output; "
            "to train, leave it out and use the cross-entropy loss, which applies it "
            "itself in a numerically safer way.",
        ),
    ),
    _softmax(
        "LogSoftmax",
        "Logarithm of softmax, numerically stable.",
        (
            "yᵢ = xᵢ − ln ∑ⱼ e^(xⱼ)   over the chosen axis",
            "The logarithm of Softmax, computed without overflow: log-probabilities, as "
            "the negative log-likelihood loss expects them.",
        ),
    ),
)
