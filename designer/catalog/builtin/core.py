"""Core layers: Linear, Dropout (element-wise and by channel), Identity, Scale and bias."""

from __future__ import annotations

from designer.catalog.builtin.rules import (
    ACTIVATION_PARAM,
    LAYOUTS,
    activate,
    need_rank,
    single,
)
from designer.catalog.description import Binding, LayerSpec, ParamSpec, Shape, ShapeError
from designer.catalog.docs import LayerDocs

CATEGORY = "Core"


def _linear_shape(params, inputs) -> Shape:
    shape = single(inputs)
    if shape.rank == 0:
        raise ShapeError("needs at least a 1-D input")
    return Shape((*shape.dims[:-1], params["units"]))


def _linear_params(params, inputs, output) -> int:
    fan_in = inputs[0].dims[-1]
    return fan_in * params["units"] + (params["units"] if params["bias"] else 0)


def _linear_macs(params, inputs, output) -> int:
    return inputs[0].numel * params["units"]


LINEAR = LayerSpec(
    type_id="Linear",
    display_name="Linear",
    category=CATEGORY,
    help="Fully connected layer; its input size is taken from the incoming shape.",
    params=(
        ParamSpec(
            "units",
            "int",
            10,
            help="Output features: one neuron each",
            minimum=1,
            maximum=1_000_000,
        ),
        ParamSpec("bias", "bool", True, help="Learn an additive bias"),
        ACTIVATION_PARAM,
    ),
    shape_rule=_linear_shape,
    binding=Binding(
        "torch.nn.Linear",
        kwargs=lambda p, s: {
            "in_features": s[0].dims[-1],
            "out_features": p["units"],
            "bias": p["bias"],
        },
        forward=lambda m, xs, p: activate(f"{m}({xs[0]})", p["activation"]),
    ),
    param_count=_linear_params,
    macs=_linear_macs,
    label_prefix="fc",
    docs=LayerDocs(
        "y = W · x + b   (W: units × inputs weights, b: units biases)",
        "Every output is a neuron: a weighted sum of all the inputs plus a bias. The "
        "weights and biases are learned by gradient descent. Linear layers alone can only "
        "draw straight boundaries; put an activation (ReLU) between them to learn curves. "
        "On an input with several axes it acts on the last one, for each position.",
    ),
)

DROPOUT = LayerSpec(
    type_id="Dropout",
    display_name="Dropout",
    category=CATEGORY,
    help="Randomly zeroes inputs while training to reduce overfitting.",
    params=(ParamSpec("p", "float", 0.5, "Rate", "Drop probability", 0.0, 1.0),),
    shape_rule=lambda p, s: single(s),
    binding=Binding("torch.nn.Dropout", kwargs=lambda p, s: {"p": p["p"]}),
    docs=LayerDocs(
        "training: y = x · m / (1 − p),  m ∈ {0, 1} random with P(m = 0) = p;  evaluation: y = x",
        "While training, each value is zeroed with probability p and the others scaled up "
        "to keep the mean, so the network cannot rely on any single neuron: a simple "
        "guard against overfitting. It does nothing when the model is evaluated.",
    ),
)


IDENTITY = LayerSpec(
    type_id="Identity",
    display_name="Identity",
    category=CATEGORY,
    help="Passes its input through unchanged; useful as a named junction.",
    params=(),
    shape_rule=lambda p, s: s[0],
    binding=Binding(None, forward=lambda m, xs, p: xs[0]),
    accepts_integers=True,
    docs=LayerDocs(
        "y = x",
        "Computes nothing; it gives a point of the design a name, for instance the "
        "junction where a skip connection starts.",
        reference="torch.nn.Identity",
    ),
)


def _dropout2d_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (3,), LAYOUTS[2])
    return shape


DROPOUT_2D = LayerSpec(
    type_id="Dropout2d",
    display_name="Dropout2d",
    category=CATEGORY,
    help="Randomly zeroes whole channels of an image while training: for convolutional "
    "networks, where neighbouring pixels are too alike for element-wise dropout.",
    params=(ParamSpec("p", "float", 0.5, "Rate", "Probability of dropping a channel", 0.0, 1.0),),
    shape_rule=_dropout2d_rule,
    binding=Binding("torch.nn.Dropout2d", kwargs=lambda p, s: {"p": p["p"]}),
    label_prefix="dropout",
    aliases=("SpatialDropout2D",),
    docs=LayerDocs(
        "training: y[c] = x[c] · m_c / (1 − p) for each channel c, m_c ∈ {0, 1};  "
        "evaluation: y = x",
        "Dropout of whole feature maps: each channel of a sample is kept or zeroed as a "
        "whole. Neighbouring pixels are so alike that zeroing single pixels hardly "
        "regularizes a convolutional network; dropping channels does.",
    ),
)


def _scale_bias_forward(module: str, inputs, params) -> str:
    expression = inputs[0]
    if params["scale"] != 1.0:
        expression = f"{expression} * {params['scale']!r}"
    bias = params["bias"]
    if bias != 0.0:
        expression = f"{expression} - {-bias!r}" if bias < 0 else f"{expression} + {bias!r}"
    return expression


SCALE_BIAS = LayerSpec(
    type_id="ScaleBias",
    display_name="Scale and bias",
    category=CATEGORY,
    help="Multiplies by a fixed number, then adds a fixed number: x · scale + bias "
    "(scale 1/255 turns pixel values into 0..1).",
    params=(
        ParamSpec("scale", "float", 1.0, help="Factor", minimum=-1e6, maximum=1e6),
        ParamSpec("bias", "float", 0.0, help="Added after scaling", minimum=-1e6, maximum=1e6),
    ),
    shape_rule=lambda p, s: single(s),
    binding=Binding(None, forward=_scale_bias_forward),
    macs=lambda p, s, o: o.numel,
    label_prefix="scale",
    aliases=("Rescaling",),
    docs=LayerDocs(
        "y = x · scale + bias   (fixed numbers, not learned)",
        "A fixed affine map, typically to bring raw inputs into a convenient range: scale "
        "1/255 turns 0..255 pixel values into 0..1. Unlike a Linear layer's weight and "
        "bias, these numbers are not trained.",
    ),
)

SPECS = (LINEAR, DROPOUT, DROPOUT_2D, IDENTITY, SCALE_BIAS)
