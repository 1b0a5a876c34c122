"""What each traced value becomes in the design being built.

A tensor is an output port of a design node (`Out`); a plain number or shape is a
`Const` (remembering whether it came from the batch size, which a per-sample design must
not bake in). The other values are half-recognized patterns of catalogue templates: a
recurrent layer's result before it is indexed, attention's padding and causal masks, a
positional embedding's table, the parts of a split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn

from designer.catalog import Shape


@dataclass(frozen=True)
class Out:
    """A tensor: output ``port`` of design node ``node_id``."""

    node_id: str
    port: str = "out"


@dataclass(frozen=True)
class Const:
    """A value that is not a tensor. ``batch`` marks a value derived from the batch size;
    ``shape`` marks a tensor's size, whose item 0 is the batch size."""

    value: Any
    batch: bool = False
    shape: bool = False


@dataclass(frozen=True)
class Parts:
    """The results of a Split or Chunk node, one per output port."""

    sources: tuple[Out, ...]


@dataclass(frozen=True)
class Recurrent:
    """``rnn(x)`` before indexing decides what the layer returns. ``stage`` follows the
    catalogue's templates: ``call`` -> ``state`` ([1]) -> ``hidden`` (LSTM: [1][0]) ->
    ``last_two`` ([-2:]) -> ``direction`` (one of the two)."""

    path: str
    module: nn.Module
    source: Out
    shape: Shape
    stage: str = "call"
    index: int = 0


@dataclass(frozen=True)
class Attention:
    """``attention(x, x, x, ...)`` before ``[0]`` picks its output."""

    path: str
    module: nn.Module
    source: Out
    mask: Out | None
    causal: bool


@dataclass(frozen=True)
class PaddingMask:
    """``tokens.eq(0)`` on its way to ``.to(x.dtype) * -10000.0``."""

    tokens: Out
    stage: str


@dataclass(frozen=True)
class CausalMask:
    """``x.new_full((L, L), -10000.0)`` on its way to ``.triu(1)``."""

    stage: str


@dataclass(frozen=True)
class Table:
    """The weight of an Embedding read directly (a positional embedding's table)."""

    path: str
    module: nn.Module


class Missing:
    """A value that could not be mapped (already reported); what uses it is skipped."""


MISSING = Missing()
