"""Input and Output nodes: where data enters the network and where its loss is taken."""

from __future__ import annotations

from designer.catalog.builtin.rules import describe
from designer.catalog.description import INT, LayerSpec, ParamSpec, Shape, ShapeError
from designer.catalog.objectives import CLASSES, LOSSES

INPUT_KINDS = ("features", "image", "sequence", "tokens")
MAX_DIM = 1_000_000
MAX_LOSS_WEIGHT = 1000.0


def _input_shape(params, inputs) -> Shape:
    kind = params["kind"]
    if kind == "features":
        return Shape((params["features"],))
    if kind == "image":
        return Shape((params["channels"], params["height"], params["width"]))
    if kind == "sequence":
        return Shape((params["length"], params["features"]))
    return Shape((params["length"],), INT)


def _output_shape(params, inputs) -> Shape:
    (shape,) = inputs
    loss = params["loss"]
    if shape.dtype == INT:
        raise ShapeError("gets integer tokens; the network must end in real-valued outputs")
    spec = LOSSES[loss]
    if spec.targets == CLASSES and (shape.rank == 0 or shape.dims[0] < 2):
        raise ShapeError(
            f"{spec.label} needs one output per class (at least 2), but gets {describe(shape)}"
        )
    return shape


def _dim(name: str, default: int, help_text: str, *kinds: str) -> ParamSpec:
    return ParamSpec(
        name,
        "int",
        default,
        help=help_text,
        minimum=1,
        maximum=MAX_DIM,
        only_when=("kind", kinds),
    )


INPUT = LayerSpec(
    type_id="Input",
    display_name="Input",
    category="Input/Output",
    help="Where samples enter the network: a feature vector, an image or a sequence.",
    params=(
        ParamSpec("kind", "choice", "features", help="Layout of one sample", choices=INPUT_KINDS),
        _dim(
            "features",
            2,
            "Features per sample (per time step for sequences)",
            "features",
            "sequence",
        ),
        _dim("channels", 1, "Image channels", "image"),
        _dim("height", 28, "Image height in pixels", "image"),
        _dim("width", 28, "Image width in pixels", "image"),
        _dim("length", 16, "Sequence length", "sequence", "tokens"),
        _dim("vocab_size", 1000, "Number of distinct tokens", "tokens"),
    ),
    shape_rule=_input_shape,
    binding=None,
    inputs=(),
    role="input",
    label_prefix="input",
)

OUTPUT = LayerSpec(
    type_id="Output",
    display_name="Output",
    category="Input/Output",
    help="A network output and the loss that trains it.",
    params=(
        ParamSpec(
            "loss",
            "choice",
            "cross_entropy",
            help="Loss between this output and the targets",
            choices=tuple(LOSSES),
        ),
        ParamSpec(
            "weight",
            "float",
            1.0,
            label="Loss weight",
            help="How much this output's loss counts in the total (with several outputs)",
            minimum=0.0,
            maximum=MAX_LOSS_WEIGHT,
        ),
    ),
    shape_rule=_output_shape,
    binding=None,
    outputs=(),
    role="output",
    label_prefix="output",
)

SPECS = (INPUT, OUTPUT)
