"""Sequence layers: token and position embeddings, recurrent layers, and pooling over
time or picking one time step (attention is in `attention`).

Sequences are batch-first, ``length × features`` per sample, as a reader expects.
"""

from __future__ import annotations

from designer.catalog.builtin.attention import ATTENTION, CAUSAL_ATTENTION
from designer.catalog.builtin.rules import describe, need_rank, single
from designer.catalog.description import INT, Binding, LayerSpec, ParamSpec, Shape, ShapeError
from designer.catalog.docs import LayerDocs

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
    docs=LayerDocs(
        "y = E[token]   (E: a learned table of vocabulary size × vector size)",
        "Turns each integer token id (a word, a character) into a row of a learned table, "
        "so that tokens used alike end up with similar vectors. It is a Linear layer on a "
        "one-hot input, computed as a lookup: the first layer of every text model.",
    ),
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


_RNN_ABOUT = (
    " Reads the sequence step by step, carrying a hidden state h that sums up what it "
    "has read; the same weights serve every step. It outputs h at every step (Return "
    "sequences on) or only at the last one, for a classifier of whole sequences."
)


def _rnn(type_id: str, gates: int, help_text: str, docs: tuple[str, str], extra=()) -> LayerSpec:
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
        docs=LayerDocs(docs[0], docs[1] + _RNN_ABOUT),
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
    docs=LayerDocs(
        "y[t] = x[t] + P[t]   (P: a learned vector per position t)",
        "Attention and pooling treat a sequence as an unordered set; adding a learned "
        "vector for each position lets the layers after it know where each token stands.",
    ),
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
        docs=LayerDocs(
            f"y[f] = {call} over t of x[t, f]",
            "Summarizes a whole sequence, whatever its length, in one vector of features: "
            + (
                "every step counts equally."
                if kind == "Mean"
                else "the strongest response of each feature anywhere in the sequence counts."
            ),
            reference=f"torch.{call}",
        ),
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
    docs=LayerDocs(
        "y = x[step]   (step −1 is the last one)",
        "Keeps the features of one time step and drops the others: the last output of a "
        "recurrent layer has read the whole sequence and can feed a classifier.",
        reference="torch.select",
    ),
)

SPECS = (
    EMBEDDING,
    POSITIONAL_EMBEDDING,
    _rnn(
        "LSTM",
        4,
        "Long short-term memory: a recurrent layer with gated memory.",
        (
            "i, f, o = σ(W·x_t + U·h_{t−1} + b) (three gates),  "
            "g = tanh(W_g·x_t + U_g·h_{t−1} + b_g);  "
            "c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)",
            "Gates decide what the memory cell c forgets, what it takes in and what it "
            "shows, which lets gradients survive over long sequences.",
        ),
    ),
    _rnn(
        "GRU",
        3,
        "Gated recurrent unit: a lighter recurrent layer.",
        (
            "r, z = σ(W·x_t + U·h_{t−1} + b),  n = tanh(W_n·x_t + r ⊙ (U_n·h_{t−1}) + b_n)"
            ";  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}",
            "A simpler gated memory than the LSTM, with two gates and no separate cell; "
            "often as good, and faster.",
        ),
    ),
    _rnn(
        "RNN",
        1,
        "Plain (Elman) recurrent layer: the simplest memory.",
        (
            "h_t = tanh(W·x_t + U·h_{t−1} + b)   (or ReLU)",
            "The simplest recurrent layer. Gradients fade over many steps, so it "
            "remembers only the recent past; prefer LSTM or GRU for long sequences.",
        ),
        [_NONLINEARITY],
    ),
    ATTENTION,
    CAUSAL_ATTENTION,
    _over_time("Mean", "mean", "GlobalAveragePooling1D"),
    _over_time("Max", "amax", "GlobalMaxPooling1D"),
    PICK_STEP,
)
