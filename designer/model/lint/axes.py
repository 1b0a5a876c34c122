"""Checks and fixes of what a layer takes its input's axes to mean (rules NN101-NN104).

These are the mistakes that shapes let through: a Linear on an image acts on its last
axis only, a Conv1d reads a sequence's steps as channels, an Embedding smaller than the
vocabulary fails only when a large id comes, and per-pixel scores meet one label per
image only when the data does.
"""

from __future__ import annotations

from collections.abc import Iterator

from designer.model.analysis import Problem
from designer.model.edits import Edit, SetParam
from designer.model.lint.base import Hit, LintInput
from designer.model.lint.fixes import input_edge, insert_before, token_input
from designer.model.lint.layouts import CHANNELS, SEQUENCE

_SWAP = {"axes": (1, 0)}


def _input_shape(ctx: LintInput, node_id: str):
    inputs = ctx.analysis.info(node_id).inputs
    return inputs[0] if inputs else None


# --------------------------------------------------------------------- NN101
def linear_on_channels(ctx: LintInput) -> Iterator[Hit]:
    """A Linear fed channels-first data of two or more axes (an image, a feature map)."""
    for node_id in ctx.of_types("Linear"):
        edge, shape = input_edge(ctx, node_id), _input_shape(ctx, node_id)
        if edge is None or shape is None or shape.rank < 2:
            continue
        if ctx.layouts.get(edge.src) != CHANNELS:
            continue
        output = ctx.analysis.info(node_id).output
        yield Hit(
            node_id,
            f"works on the last axis of its {shape} input only, so its output is {output}, "
            f"not one vector per sample; add a Flatten before it to use all "
            f"{shape.numel:,} values",
        )


def flatten_before(ctx: LintInput, problem: Problem) -> Edit | None:
    edge = input_edge(ctx, problem.node_id) if problem.node_id else None
    if edge is None:
        return None
    name = ctx.graph.describe(edge.dst)
    return insert_before(ctx.graph, edge, "Flatten", description=f"Insert Flatten before {name}")


# --------------------------------------------------------------------- NN102
def embedding_too_small(ctx: LintInput) -> Iterator[Hit]:
    """An Embedding with fewer rows than the token Input feeding it has ids."""
    for node_id in ctx.of_types("Embedding"):
        source = token_input(ctx, node_id)
        if source is None:
            continue
        vocab = int(ctx.graph.node(source).params["vocab_size"])
        rows = int(ctx.graph.node(node_id).params["num_embeddings"])
        if rows < vocab:
            yield Hit(
                node_id,
                f"has {rows:,} rows, but {ctx.graph.describe(source)} has a vocabulary of "
                f"{vocab:,} (ids 0 to {vocab - 1:,}); every id from {rows:,} on fails with "
                "an IndexError while training. Give it as many rows as the vocabulary",
                field="num_embeddings",
            )


def rows_to_vocabulary(ctx: LintInput, problem: Problem) -> Edit | None:
    source = token_input(ctx, problem.node_id) if problem.node_id else None
    if source is None:
        return None
    vocab = int(ctx.graph.node(source).params["vocab_size"])
    return SetParam(problem.node_id, "num_embeddings", vocab, f"Give the Embedding {vocab} rows")


# --------------------------------------------------------------------- NN103
def _reads_channels_first(ctx: LintInput, type_id: str) -> bool:
    spec = ctx.graph.catalog.get(type_id)
    return spec.category in ("Convolution", "Pooling") and type_id.endswith("1d")


def _reads_steps_first(ctx: LintInput, type_id: str) -> bool:
    spec = ctx.graph.catalog.get(type_id)
    return spec.category == "Sequence" and not spec.accepts_integers


def axes_swapped(ctx: LintInput) -> Iterator[Hit]:
    """A channels-first layer (Conv1d, MaxPool1d...) fed steps × features, or a sequence
    layer (LSTM, attention...) fed the channels × length output of a convolution."""
    for type_id, node_ids in ctx.by_type.items():
        if _reads_channels_first(ctx, type_id):
            wrong, message = SEQUENCE, _steps_as_channels
        elif _reads_steps_first(ctx, type_id):
            wrong, message = CHANNELS, _channels_as_steps
        else:
            continue
        for node_id in node_ids:
            edge, shape = input_edge(ctx, node_id), _input_shape(ctx, node_id)
            if edge and shape and shape.rank == 2 and ctx.layouts.get(edge.src) == wrong:
                yield Hit(node_id, message(*shape.dims))


def _steps_as_channels(steps: int, features: int) -> str:
    return (
        f"reads its input as {steps} channels of length {features}, but it is a sequence of "
        f"{steps} steps × {features} features: it slides along the features and mixes the "
        "steps. Add a Permute (1, 0) before it to make it features × steps"
    )


def _channels_as_steps(channels: int, length: int) -> str:
    return (
        f"reads its input as {channels} steps of {length} features, but it is {channels} "
        f"channels of length {length} (a convolution's output): it steps through the "
        "channels. Add a Permute (1, 0) before it to make it steps × channels"
    )


def permute_before(ctx: LintInput, problem: Problem) -> Edit | None:
    edge = input_edge(ctx, problem.node_id) if problem.node_id else None
    if edge is None:
        return None
    name = ctx.graph.describe(edge.dst)
    return insert_before(
        ctx.graph, edge, "Permute", _SWAP, description=f"Insert Permute (1, 0) before {name}"
    )


# --------------------------------------------------------------------- NN104
def pool_before_output(ctx: LintInput, problem: Problem) -> Edit | None:
    """Scores per position, one label per sample: pool the positions away before the
    Output (the class axis is the first; a sequence's features are its last)."""
    edge = input_edge(ctx, problem.node_id) if problem.node_id else None
    shape = _input_shape(ctx, problem.node_id) if edge else None
    if edge is None or shape is None:
        return None
    layout = ctx.layouts.get(edge.src)
    if shape.rank == 3 and layout != SEQUENCE:
        return insert_before(
            ctx.graph, edge, "GlobalAvgPool2d", description="Insert global average pooling"
        )
    if shape.rank == 2:
        axis = 0 if layout == SEQUENCE else -1
        what = "the steps" if layout == SEQUENCE else "the positions"
        return insert_before(
            ctx.graph, edge, "Mean", {"axis": axis}, description=f"Insert a Mean over {what}"
        )
    return None
