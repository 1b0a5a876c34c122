"""Multi-head self-attention, plain or causal, optionally ignoring padding (a part of
the Sequence category, listed by `sequence`).

Padding is drawn, not configured: the layers' optional ``mask`` input takes the token ids
of the sequence (the Input node of kind *tokens*), and positions whose id is 0 are not
attended to. Causal attention lets each position attend only to itself and earlier ones,
as a language model that predicts the next token must.
"""

from __future__ import annotations

from designer.catalog.builtin.rules import describe, need_rank
from designer.catalog.description import (
    FLOAT,
    INT,
    REAL_INPUT_MESSAGE,
    TOKEN_INPUT_MESSAGE,
    Binding,
    LayerSpec,
    ParamSpec,
    PortSpec,
    Shape,
    ShapeError,
)
from designer.catalog.docs import LayerDocs

CATEGORY = "Sequence"
MASK_PORT = "mask"
# NOTE: masks are added to the attention scores as a large negative number rather than
# given as booleans (-inf). With -inf, a query that may see no key at all (a sequence of
# padding only, or left padding under a causal mask) gets NaN from torch's fast inference
# path but 0 while training; -10000 gives every path the same finite result, and exactly
# the boolean result wherever some key is visible (exp(-10000) is 0 in float32).
MASKED = "-10000.0"


def _attention_rule(params, inputs) -> Shape:
    shape = inputs[0]
    if shape.dtype != FLOAT:
        raise ShapeError(REAL_INPUT_MESSAGE)
    need_rank(shape, (2,), "a length × features")
    width, heads = shape.dims[1], params["num_heads"]
    if width % heads:
        raise ShapeError(f"{heads} heads must divide the {width} input features")
    if len(inputs) > 1:
        _check_mask(inputs[1], shape.dims[0])
    return shape


def _check_mask(tokens: Shape, length: int) -> None:
    if tokens.dtype != INT:
        raise ShapeError(TOKEN_INPUT_MESSAGE.format(port=MASK_PORT))
    if tokens.dims != (length,):
        raise ShapeError(
            f"its mask needs the {length} token ids of the sequence (id 0 marks padding), "
            f"but gets {describe(tokens)}"
        )


def _attention_forward(causal: bool):
    def forward(module: str, inputs, params) -> str:
        x = inputs[0]
        arguments = [x, x, x]
        if len(inputs) > 1:
            arguments.append(f"key_padding_mask={inputs[1]}.eq(0).to({x}.dtype) * {MASKED}")
        if causal:
            arguments.append(
                f"attn_mask={x}.new_full(({x}.size(1), {x}.size(1)), {MASKED}).triu(1)"
            )
        arguments.append("need_weights=False")
        return f"{module}({', '.join(arguments)})[0]"

    return forward


_PADDING = "Wire the token ids into 'mask' to ignore padding (id 0)."


_FORMULA = (
    "Q = x·W_Q, K = x·W_K, V = x·W_V;  per head: softmax(Q·Kᵀ / √d) · V;  heads joined, then · W_O"
)
_ABOUT = (
    "Every position asks a question (query), compares it with what every position offers "
    "(key), and takes a weighted average of their values, weighted by the softmax of the "
    "match: each output mixes in the information of the positions relevant to it, however "
    "far apart. Several heads ask different questions in parallel. The layer at the heart "
    "of transformers; add a Positional embedding before it, as it ignores order."
)


def _attention(causal: bool) -> LayerSpec:
    """Self-attention, plain or causal. Causal attention is a type of its own, not a
    parameter: a new parameter of SelfAttention would be saved in every design that has
    one, and files of the same format version must stay readable by earlier releases."""
    if causal:
        type_id, name, label = "CausalSelfAttention", "Causal self-attention", "causal"
        text = "Each position attends only to itself and earlier positions, as a model "
        text += f"predicting the next token must. {_PADDING}"
        aliases: tuple[str, ...] = ("MaskedSelfAttention",)
    else:
        type_id, name, label = "SelfAttention", "Multi-head self-attention", "attention"
        text = f"Each position attends to every other position of the same sequence. {_PADDING}"
        aliases = ("MultiheadSelfAttention",)
    return LayerSpec(
        type_id=type_id,
        display_name=name,
        category=CATEGORY,
        help=text,
        params=(
            ParamSpec(
                "num_heads", "int", 4, help="Parallel attention heads", minimum=1, maximum=1024
            ),
            ParamSpec(
                "dropout",
                "float",
                0.0,
                help="Dropout on attention weights",
                minimum=0.0,
                maximum=1.0,
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
            forward=_attention_forward(causal),
        ),
        inputs=(PortSpec("in"), PortSpec(MASK_PORT, optional=True, tokens=True)),
        param_count=lambda p, s, o: (
            4 * s[0].dims[-1] ** 2 + (4 * s[0].dims[-1] if p["bias"] else 0)
        ),
        macs=lambda p, s, o: 4 * s[0].numel * s[0].dims[-1] + 2 * s[0].dims[0] * s[0].numel,
        label_prefix=label,
        aliases=aliases,
        docs=LayerDocs(
            _FORMULA + ("  (+ −∞ where key j comes after query i)" if causal else ""), _ABOUT
        ),
    )


ATTENTION = _attention(causal=False)
CAUSAL_ATTENTION = _attention(causal=True)
