"""The rules for a node's own fields: its name, parameters, position and the linter rules
silenced on it, each checked before a graph takes it.

One home for these bounds, because the project file's reader (`designer.io.schema`)
holds a file to the same ones, and messages name the node and the field at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from designer.catalog import LayerSpec, ParamError
from designer.model.errors import (
    InvalidLabelError,
    InvalidParameterError,
    InvalidPositionError,
    InvalidSilenceError,
)

MAX_LABEL_LENGTH = 10_000
#: How a linter rule is named (``NN101``), the longest reason kept for silencing one on a
#: node, and the most rules one node may silence: bounds a project file must keep too.
RULE_ID_PATTERN = re.compile(r"[A-Z]{2,4}[0-9]{3}")
MAX_SILENCE_REASON = 500
MAX_SILENCED_RULES = 64


def short(text: str, limit: int = 40) -> str:
    """A label fit for a message: one line, at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_params(spec: LayerSpec, params: Mapping[str, Any], node_id: str) -> dict[str, Any]:
    """``params`` completed with the defaults of ``spec`` and validated, or
    `InvalidParameterError` naming the node and the parameter."""
    try:
        return spec.validate_params(params)
    except ParamError as error:
        raise InvalidParameterError(
            f"{spec.display_name} {node_id}: {error}", node_id, error.name
        ) from None


def check_label(label: Any, node_id: str, spec: LayerSpec) -> str:
    """``label`` when it is a non-empty name of at most `MAX_LABEL_LENGTH` characters,
    else `InvalidLabelError`."""
    if not isinstance(label, str) or not label.strip():
        raise InvalidLabelError(f"{spec.display_name} {node_id}: the name is empty", node_id)
    if len(label) > MAX_LABEL_LENGTH:
        raise InvalidLabelError(
            f"{spec.display_name} {node_id}: the name is longer than {MAX_LABEL_LENGTH} characters",
            node_id,
        )
    return label


def check_silence(rule: Any, reason: Any) -> str:
    """``reason`` stripped, after checking that ``rule`` looks like a rule id and the
    reason is a short, non-empty text; raises `InvalidSilenceError` saying which is wrong.
    Rules unknown to this version are kept: a newer version may have written them."""
    if not isinstance(rule, str) or not RULE_ID_PATTERN.fullmatch(rule):
        raise InvalidSilenceError(f"{short(repr(rule))} is not a rule id (like NN101)")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidSilenceError(f"silencing {rule} needs a reason")
    reason = reason.strip()
    if len(reason) > MAX_SILENCE_REASON:
        raise InvalidSilenceError(
            f"the reason for silencing {rule} is longer than {MAX_SILENCE_REASON} characters"
        )
    return reason


def check_position(position: Any) -> tuple[float, float]:
    """``position`` as two floats within ±1e9, or `InvalidPositionError`."""
    try:
        x, y = (float(v) for v in position)
    except (TypeError, ValueError, OverflowError):
        raise InvalidPositionError(
            f"a position must be two numbers, got {position!r:.60}"
        ) from None
    if not (abs(x) < 1e9 and abs(y) < 1e9):
        raise InvalidPositionError("positions must be finite and within ±1e9")
    return (x, y)


def too_many_silenced(where: str, node_id: str) -> InvalidSilenceError:
    """The error for one rule too many silenced on the node ``where`` describes."""
    return InvalidSilenceError(
        f"{where}: at most {MAX_SILENCED_RULES} rules can be silenced on one layer", node_id
    )
