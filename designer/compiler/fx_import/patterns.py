"""Catalogue templates that are more than a module call, recognized step by step: a
recurrent layer's result indexed as the templates index it, self-attention with its
padding and causal masks, and a positional embedding's ``x + table.weight``."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import torch.fx as fx
from torch import nn

from designer.compiler.fx_import.arguments import argument, const, tensor
from designer.compiler.fx_import.modules import UnmappableError, match_module, specs_for
from designer.compiler.fx_import.values import (
    Attention,
    CausalMask,
    Const,
    Out,
    PaddingMask,
    Recurrent,
    Table,
)

if TYPE_CHECKING:
    from designer.compiler.fx_import.convert import Converter


def positions(conv: Converter, node: fx.Node, x: Any, table: Table) -> Out:
    """``x + embedding.weight``: the catalogue's positional embedding."""
    source = tensor(x)
    fx_x = next(a for a in node.args[:2] if isinstance(a, fx.Node) and conv.values[a] == x)
    specs = [s for s in specs_for(table.module) if s.type_id == "PositionalEmbedding"]
    spec, params = match_module(table.module, [conv.shape(fx_x)], specs)
    return conv.add(spec.type_id, params, [(source, "in")], table.path, origin=table.path)


# --------------------------------------------------------------------------- masks
def eq(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> PaddingMask:
    if isinstance(args[0], Out) and const(args[1]) == 0:
        return PaddingMask(args[0], "eq")
    raise UnmappableError("comparisons have no layer type (except a padding mask: tokens.eq(0))")


def to(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    if isinstance(args[0], PaddingMask) and args[0].stage == "eq":
        return PaddingMask(args[0].tokens, "float")
    if isinstance(args[0], Out) and conv.concrete(node).dtype == conv.concrete(node.args[0]).dtype:
        return args[0]
    raise UnmappableError("changing a tensor's type has no layer type")


def new_full(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> CausalMask:
    if const(argument(args, kwargs, 2, "fill_value")) == -10000.0:
        return CausalMask("full")
    raise UnmappableError("new tensors have no layer type (except a causal attention mask)")


def triu(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> CausalMask:
    if isinstance(args[0], CausalMask) and const(argument(args, kwargs, 1, "diagonal", 0)) == 1:
        return CausalMask("causal")
    raise UnmappableError("triu has no layer type (except in a causal attention mask)")


# --------------------------------------------------------------------------- layers
def attention_call(conv: Converter, path: str, module: nn.Module, args: tuple, kwargs: dict):
    """``attention(x, x, x, [key_padding_mask=...], [attn_mask=...], need_weights=False)``."""
    sources = [argument(args, kwargs, i, n) for i, n in enumerate(("query", "key", "value"))]
    if not (isinstance(sources[0], Out) and sources[0] == sources[1] == sources[2]):
        raise UnmappableError("only self-attention (query, key and value the same tensor) maps")
    padding = kwargs.get("key_padding_mask")
    causal = kwargs.get("attn_mask")
    if padding is not None and not (isinstance(padding, PaddingMask) and padding.stage == "scaled"):
        raise UnmappableError("its key_padding_mask is not tokens.eq(0).to(x.dtype) * -10000.0")
    if causal is not None and not (isinstance(causal, CausalMask) and causal.stage == "causal"):
        raise UnmappableError(
            "its attn_mask is not a causal mask (new_full(..., -10000.0).triu(1))"
        )
    extra = set(kwargs) - {"query", "key", "value", "key_padding_mask", "attn_mask", "need_weights"}
    if extra or len(args) > 3:
        raise UnmappableError(f"arguments {sorted(extra)} have no counterpart")
    mask = padding.tokens if padding is not None else None
    return Attention(path, module, sources[0], mask, causal is not None)


def attention_layer(conv: Converter, node: fx.Node, call: Attention) -> Out:
    type_id = "CausalSelfAttention" if call.causal else "SelfAttention"
    specs = [s for s in specs_for(call.module) if s.type_id == type_id]
    spec, params = match_module(call.module, [conv.shape(node)], specs)
    inputs = [(call.source, "in")] + ([(call.mask, "mask")] if call.mask else [])
    return conv.add(spec.type_id, params, inputs, call.path, origin=call.path)


def recurrent_index(conv: Converter, node: fx.Node, rnn: Recurrent, index: Any) -> Any:
    """Follow ``rnn(x)[0]``, ``[1][-1]``, ``[1][0][-1]`` (LSTM), ``[1][-2:]``."""
    if not node.users:  # ``_, hidden = rnn(x)``: the unused part becomes no layer
        return Const(None)
    lstm = isinstance(rnn.module, nn.LSTM)
    stage = rnn.stage
    if stage == "call" and index == 0:
        return recurrent_layer(conv, rnn, True, node)
    if stage == "call" and index == 1:
        return replace(rnn, stage="state" if lstm else "hidden")
    if stage == "state" and index == 0:
        return replace(rnn, stage="hidden")
    if stage == "hidden" and index == -1 and not rnn.module.bidirectional:
        return recurrent_layer(conv, rnn, False, node)
    if stage == "hidden" and index == slice(-2, None) and rnn.module.bidirectional:
        return replace(rnn, stage="last_two")
    if stage == "last_two" and index in (0, 1):
        return replace(rnn, stage="direction", index=index)
    raise UnmappableError(
        f"{type(rnn.module).__name__} results map as out[0] (every step) or the final "
        "hidden state of the last layer, as the catalogue's templates use them"
    )


def recurrent_bidirectional(conv: Converter, node: fx.Node, items: list, axis: int) -> Out:
    same = len({(i.path, i.source) for i in items}) == 1
    if not same or [i.index for i in items] != [0, 1] or axis not in (0, -1):
        raise UnmappableError("only torch.cat of both directions' final states, in order, maps")
    return recurrent_layer(conv, items[0], False, node)


def recurrent_layer(conv: Converter, rnn: Recurrent, sequences: bool, node: fx.Node) -> Out:
    if rnn.path in conv.result.origins.values():
        raise UnmappableError("a recurrent layer's results may be used in one way only")
    module = rnn.module
    if not module.batch_first:
        raise UnmappableError(
            "only batch_first=True recurrent layers map (a design is batch-first)"
        )
    fixed = {"return_sequences": sequences}
    spec, params = match_module(module, [rnn.shape], specs_for(module), fixed)
    return conv.add(spec.type_id, params, [(rnn.source, "in")], rnn.path, origin=rnn.path)
