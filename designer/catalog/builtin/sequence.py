"""Sequence layers: Embedding, LSTM, GRU and multi-head self-attention.

Sequences are batch-first, ``length × features`` per sample, as a reader expects.
"""

from __future__ import annotations

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


def _rnn(type_id: str, gates: int, help_text: str) -> LayerSpec:
    return LayerSpec(
        type_id=type_id,
        display_name=type_id,
        category=CATEGORY,
        help=help_text,
        params=_RNN_PARAMS,
        shape_rule=_rnn_rule,
        binding=Binding(
            f"torch.nn.{type_id}",
            kwargs=lambda p, s: {
                "input_size": s[0].dims[-1],
                "hidden_size": p["hidden_size"],
                "num_layers": p["num_layers"],
                "bias": p["bias"],
                "batch_first": True,
                "dropout": p["dropout"] if p["num_layers"] > 1 else 0.0,
                "bidirectional": p["bidirectional"],
            },
            forward=_rnn_forward(type_id == "LSTM"),
        ),
        param_count=_rnn_params(gates),
        macs=_rnn_macs(gates),
        label_prefix=type_id.lower(),
    )


def _attention_rule(params, inputs) -> Shape:
    shape = single(inputs)
    need_rank(shape, (2,), "a length × features")
    width, heads = shape.dims[1], params["num_heads"]
    if width % heads:
        raise ShapeError(f"{heads} heads must divide the {width} input features")
    return shape


ATTENTION = LayerSpec(
    type_id="SelfAttention",
    display_name="Multi-head self-attention",
    category=CATEGORY,
    help="Each position attends to every other position of the same sequence.",
    params=(
        ParamSpec("num_heads", "int", 4, help="Parallel attention heads", minimum=1, maximum=1024),
        ParamSpec(
            "dropout", "float", 0.0, help="Dropout on attention weights", minimum=0.0, maximum=1.0
        ),
        ParamSpec("bias", "bool", True, help="Learn projection biases"),
    ),
    shape_rule=_attention_rule,
    binding=Binding(
        "torch.nn.MultiheadAttention",
        kwargs=lambda p, s: {
            "embed_dim": s[0].dims[-1],
            "num_heads": p["num_heads"],
            "dropout": p["dropout"],
            "bias": p["bias"],
            "batch_first": True,
        },
        forward=lambda m, xs, p: f"{m}({xs[0]}, {xs[0]}, {xs[0]}, need_weights=False)[0]",
    ),
    param_count=lambda p, s, o: 4 * s[0].dims[-1] ** 2 + (4 * s[0].dims[-1] if p["bias"] else 0),
    macs=lambda p, s, o: 4 * s[0].numel * s[0].dims[-1] + 2 * s[0].dims[0] * s[0].numel,
    label_prefix="attention",
    aliases=("MultiheadSelfAttention",),
)

SPECS = (
    EMBEDDING,
    _rnn("LSTM", 4, "Long short-term memory: a recurrent layer with gated memory."),
    _rnn("GRU", 3, "Gated recurrent unit: a lighter recurrent layer."),
    ATTENTION,
)
