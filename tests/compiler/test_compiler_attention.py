"""Attention with a padding mask drawn as a wire and causal attention, against attention
written out by hand: projections, scaled dot products, masks, softmax, heads."""

from __future__ import annotations

import math

import pytest
import torch

from designer.compiler import build_model
from designer.model import Graph, infer_shapes

LENGTH, WIDTH, HEADS, VOCAB = 6, 8, 2, 10
# Right padding, left padding, no padding, and one row of padding only.
TOKENS = torch.tensor(
    [[3, 1, 4, 1, 0, 0], [0, 0, 5, 9, 2, 6], [5, 3, 5, 8, 9, 7], [0, 0, 0, 0, 0, 0]]
)


def attention_design(type_id: str, masked: bool) -> Graph:
    """Token ids -> Embedding -> attention, the ids also wired into the attention's mask."""
    graph = Graph()
    text = graph.add_node("Input", {"kind": "tokens", "length": LENGTH, "vocab_size": VOCAB})
    embed = graph.add_node("Embedding", {"num_embeddings": VOCAB, "embedding_dim": WIDTH})
    attention = graph.add_node(type_id, {"num_heads": HEADS})
    out = graph.add_node("Output", {"loss": "mse"})
    graph.connect(text.id, "out", embed.id, "in")
    graph.connect(embed.id, "out", attention.id, "in")
    if masked:
        graph.connect(text.id, "out", attention.id, "mask")
    graph.connect(attention.id, "out", out.id, "in")
    assert infer_shapes(graph).valid
    return graph


def by_hand(model: torch.nn.Module, tokens: torch.Tensor, masked: bool, causal: bool):
    """Multi-head attention as the textbook writes it; -inf for keys a query may not see.
    Also returns which queries see at least one key (the others have no defined result)."""
    x = model.embed1(tokens)
    (mha,) = (m for m in model.modules() if isinstance(m, torch.nn.MultiheadAttention))
    q, k, v = torch.nn.functional.linear(x, mha.in_proj_weight, mha.in_proj_bias).chunk(3, -1)
    size = WIDTH // HEADS

    def heads(t: torch.Tensor) -> torch.Tensor:
        return t.reshape(len(tokens), LENGTH, HEADS, size).transpose(1, 2)

    scores = heads(q) @ heads(k).transpose(-1, -2) / math.sqrt(size)
    hidden = torch.zeros(len(tokens), 1, LENGTH, LENGTH, dtype=torch.bool)
    if masked:
        hidden |= (tokens == 0)[:, None, None, :]
    if causal:
        hidden |= torch.ones(LENGTH, LENGTH, dtype=torch.bool).triu(1)
    weights = scores.masked_fill(hidden, float("-inf")).softmax(-1)
    mixed = (weights @ heads(v)).transpose(1, 2).reshape(len(tokens), LENGTH, WIDTH)
    return mha.out_proj(mixed), ~hidden.all(-1)[:, 0, :]


@pytest.mark.parametrize("type_id", ["SelfAttention", "CausalSelfAttention"])
@pytest.mark.parametrize("masked", [False, True])
def test_attention_matches_the_computation_by_hand(type_id, masked):
    causal = type_id == "CausalSelfAttention"
    model = build_model(attention_design(type_id, masked), seed=4).eval()
    with torch.no_grad():
        result = model(TOKENS)
        expected, defined = by_hand(model, TOKENS, masked, causal)
    assert torch.allclose(result[defined], expected[defined], atol=1e-5)
    assert result.isfinite().all()  # where no key is visible too (padding only)
    if not masked and not causal:
        assert defined.all()


def test_padding_changes_nothing_for_the_real_tokens():
    """Right padding: the real positions' results do not depend on what the padding is
    next to, and a padded position is never looked at."""
    model = build_model(attention_design("SelfAttention", masked=True), seed=1).eval()
    short = torch.tensor([[3, 1, 4, 0, 0, 0]])
    with torch.no_grad():
        first = model(short)
        model.embed1.weight[0].normal_()  # the padding token's embedding changes
        second = model(short)
    assert torch.allclose(first[:, :3], second[:, :3], atol=1e-6)


def test_queries_that_see_nothing_get_the_same_finite_result_in_every_mode():
    """Torch's fast inference path and its training path disagree on a query with every
    key masked (NaN and 0); the additive mask gives them one answer."""
    model = build_model(attention_design("CausalSelfAttention", masked=True), seed=2)
    with torch.no_grad():
        inference = model.eval()(TOKENS)
    training = model.train()(TOKENS)  # dropout is 0: training computes the same
    assert torch.allclose(inference, training.detach(), atol=1e-5)
    assert inference.isfinite().all()
