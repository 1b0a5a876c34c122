"""Input and Output nodes: where data enters the network and where its loss is taken."""

from __future__ import annotations

from designer.catalog.builtin.rules import describe
from designer.catalog.description import INT, LayerSpec, ParamSpec, Shape, ShapeError
from designer.catalog.docs import LayerDocs
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
    docs=LayerDocs(
        "x: N × features,  N × channels × height × width,  N × length × features,  "
        "or N × length token ids",
        "Where a batch of N samples enters the network. Its kind and sizes say what one "
        "sample looks like, and every shape downstream follows from them. The training "
        "data must match: Fit design to data in the Training panel sets them for you.",
    ),
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
    docs=LayerDocs(
        "loss = weight · L(prediction, target),  averaged over the batch",
        "Marks a result of the network and says how its error is measured. The loss "
        "compares the prediction with the target: cross-entropy for classes (the layer "
        "before it gives one score per class, no Softmax needed), binary cross-entropy "
        "for yes/no, mean squared or absolute error for numbers. Training lowers the "
        "loss by gradient descent, computing the gradients by backpropagation. With "
        "several outputs, their weighted losses add up.",
    ),
)

SPECS = (INPUT, OUTPUT)
