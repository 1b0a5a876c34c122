"""Sequence layers: token and position embeddings, recurrent layers, and pooling over
time or picking one time step (attention is in `attention`).

Sequences are batch-first, ``length × features`` per sample, as a reader expects.
"""

from __future__ import annotations

from designer.catalog.builtin.attention import ATTENTION, CAUSAL_ATTENTION
from designer.catalog.builtin.rules import describe, need_rank, single
from designer.catalog.description import INT, Binding, LayerSpec, ParamSpec, Shape, ShapeError

CATEGORY = "Sequence"


def _embedding_rule(params, inputs) -> Shape:
    (shape,) = inputs
    if shape.dtype != INT:
        raise ShapeError(f"needs integer tokens, but gets real values {describe(shape)}")
    return Shape((*shape.dims, params["embedding_dim"]))


EMBEDDING = LayerSpec(
    type_id="Embedding",
    display_name="Embedding",
    category=CATEGORY,
    help="Looks up a learned vector for each token id.",
    params=(
        ParamSpec(
            "num_embeddings", "int", 1000, help="Vocabulary size", minimum=1, maximum=10_000_000
        ),
        ParamSpec("embedding_dim", "int", 32, help="Vector size", minimum=1, maximum=65_536),
    ),
    shape_rule=_embedding_rule,
    binding=Binding(
        "torch.nn.Embedding",
        kwargs=lambda p, s: {
            "num_embeddings": p["num_embeddings"],
            "embedding_dim": p["embedding_dim"],
        },
    ),
    param_count=lambda p, s, o: p["num_embeddings"] * p["embedding_dim"],
    accepts_integers=True,
    label_prefix="embed",
)

_RNN_PARAMS = (
    ParamSpec(
        "hidden_size", "int", 32, help="Features of the hidden state", minimum=1, maximum=65_536
    ),
    ParamSpec("num_layers", "int", 1, help="Stacked recurrent layers", minimum=1, maximum=16),
    ParamSpec("bidirectional", "bool", False, help="Also read the sequence backwards"),
    ParamSpec(
        "dropout", "float", 0.0, help="Dropout between stacked layers", minimum=0.0, maximum=1.0
    ),
    ParamSpec(
        "return_sequences",
        "bool",
        False,
        help="Output every time step (on) or only the final state (off)",
    ),
    ParamSpec("bias", "bool", True, help="Learn additive biases"),
)


def _rnn_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (2,), "a length × features")
    width = params["hidden_size"] * (2 if params["bidirectional"] else 1)
    if params["return_sequences"]:
        return Shape((shape.dims[0], width))
    return Shape((width,))


def _rnn_params(gates: int):
    def count(params, inputs, output) -> int:
        hidden, directions = params["hidden_size"], 2 if params["bidirectional"] else 1
        total, fan_in = 0, inputs[0].dims[-1]
        for _ in range(params["num_layers"]):
            per_direction = gates * hidden * (fan_in + hidden)
            if params["bias"]:
                per_direction += 2 * gates * hidden
            total += directions * per_direction
            fan_in = hidden * directions
        return total

    return count


def _rnn_macs(gates: int):
    def count(params, inputs, output) -> int:
        weights = _rnn_params(gates)({**params, "bias": False}, inputs, output)
        return weights * inputs[0].dims[0]

    return count


def _rnn_forward(lstm: bool):
    def forward(module: str, inputs, params) -> str:
        call = f"{module}({inputs[0]})"
        if params["return_sequences"]:
            return f"{call}[0]"
        final = f"{call}[1][0]" if lstm else f"{call}[1]"
        if params["bidirectional"]:
            return f"torch.cat(tuple({final}[-2:]), dim=1)"
        return f"{final}[-1]"

    return forward


def _rnn_kwargs(params, inputs) -> dict:
    kwargs = {
        "input_size": inputs[0].dims[-1],
        "hidden_size": params["hidden_size"],
        "num_layers": params["num_layers"],
        "bias": params["bias"],
        "batch_first": True,
        "dropout": params["dropout"] if params["num_layers"] > 1 else 0.0,
        "bidirectional": params["bidirectional"],
    }
    if "nonlinearity" in params:
        kwargs["nonlinearity"] = params["nonlinearity"]
    return kwargs


_NONLINEARITY = ParamSpec(
    "nonlinearity",
    "choice",
    "tanh",
    help="Activation of the hidden state",
    choices=("tanh", "relu"),
)


def _rnn(type_id: str, gates: int, help_text: str, extra=()) -> LayerSpec:
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=CATEGORY,
        help=help_text,
        params=(*_RNN_PARAMS, *extra),
        shape_rule=_rnn_rule,
        binding=Binding(
            f"torch.nn.{type_id}", kwargs=_rnn_kwargs, forward=_rnn_forward(type_id == "LSTM")
        ),
        param_count=_rnn_params(gates),
        macs=_rnn_macs(gates),
        label_prefix=type_id.lower(),
    )


def _positions_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (2,), "a length × features")
    return shape


POSITIONAL_EMBEDDING = LayerSpec(
    type_id="PositionalEmbedding",
    display_name="Positional embedding",
    category=CATEGORY,
    help="Adds a learned vector to each position of a sequence, so that attention, which "
    "ignores order, can tell the positions apart.",
    params=(),
    shape_rule=_positions_rule,
    binding=Binding(
        "torch.nn.Embedding",
        kwargs=lambda p, s: {"num_embeddings": s[0].dims[0], "embedding_dim": s[0].dims[1]},
        forward=lambda m, xs, p: f"{xs[0]} + {m}.weight",
    ),
    param_count=lambda p, s, o: s[0].numel,
    macs=lambda p, s, o: s[0].numel,
    label_prefix="positions",
    aliases=("PositionEmbedding",),
)


def _over_time_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (2,), "a length × features")
    return Shape(shape.dims[1:])


def _over_time(kind: str, call: str, alias: str) -> LayerSpec:
    what = "Averages" if kind == "Mean" else "Takes the maximum of"
    return LayerSpec(
        type_id=f"{kind}OverTime",
        display_name=f"{kind} over time",
        category=CATEGORY,
        help=f"{what} each feature over all time steps: length × features becomes "
        "features, e.g. before a classifier head.",
        params=(),
        shape_rule=_over_time_rule,
        binding=Binding(None, forward=lambda m, xs, p: f"{xs[0]}.{call}(dim=1)"),
        macs=lambda p, s, o: s[0].numel,
        label_prefix=f"time_{kind.lower()}",
        aliases=(alias,),
    )


def _pick_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (2,), "a length × features")
    length, step = shape.dims[0], params["step"]
    if not -length <= step < length:
        raise ShapeError(
            f"step {step} is beyond its {length} time steps (0 is the first, -1 the last)"
        )
    return Shape(shape.dims[1:])


PICK_STEP = LayerSpec(
    type_id="PickStep",
    display_name="Pick one time step",
    category=CATEGORY,
    help="Keeps the features of one time step: 0 the first, -1 the last (where a recurrent "
    "layer has read the whole sequence).",
    params=(
        ParamSpec(
            "step",
            "int",
            -1,
            help="Which step (negative: counted from the end)",
            minimum=-1_000_000,
            maximum=1_000_000,
        ),
    ),
    shape_rule=_pick_rule,
    binding=Binding(None, forward=lambda m, xs, p: f"{xs[0]}[:, {int(p['step'])}]"),
    label_prefix="step",
)

SPECS = (
    EMBEDDING,
    POSITIONAL_EMBEDDING,
    _rnn("LSTM", 4, "Long short-term memory: a recurrent layer with gated memory."),
    _rnn("GRU", 3, "Gated recurrent unit: a lighter recurrent layer."),
    _rnn("RNN", 1, "Plain (Elman) recurrent layer: the simplest memory.", [_NONLINEARITY]),
    ATTENTION,
    CAUSAL_ATTENTION,
    _over_time("Mean", "mean", "GlobalAveragePooling1D"),
    _over_time("Max", "amax", "GlobalMaxPooling1D"),
    PICK_STEP,
)
