"""The curve of an element-wise layer and its slope, computed by the compiled layer itself.

A help page plots what an activation does. Rather than a second, hand-written copy of
each function (which could drift from what trains), the curve comes from the model the
compiler builds for a one-layer design, ``Input → layer → Output``, with the node's own
parameters: the same module class, constructor arguments and ``forward`` expression as in
training and in the exported script. The slope is torch's autograd of that model, which
is also the derivative backpropagation uses (ReLU's slope at 0 is torch's 0, say).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from designer.catalog import LayerSpec
from designer.compiler.build import compile_design
from designer.model import Graph

POINTS = 241


@dataclass(frozen=True)
class Curve:
    """Sample points ``x`` with the layer's output ``y`` and its derivative ``slope``."""

    x: np.ndarray
    y: np.ndarray
    slope: np.ndarray


def one_layer_design(spec: LayerSpec, params: Mapping[str, Any]) -> Graph:
    """``Input`` (one feature) → the layer → ``Output``: the smallest design with it."""
    graph = Graph()
    source = graph.add_node("Input", {"kind": "features", "features": 1})
    layer = graph.add_node(spec.type_id, dict(params))
    sink = graph.add_node("Output", {"loss": "mse"})
    graph.connect(source.id, "out", layer.id, "in")
    graph.connect(layer.id, "out", sink.id, "in")
    return graph


def activation_curve(
    spec: LayerSpec, params: Mapping[str, Any] | None = None, points: int = POINTS
) -> Curve | None:
    """The layer's function of one number over its plotting range, and its derivative;
    None for a layer that is not an element-wise function (no ``docs.curve``)."""
    if spec.docs.curve is None:
        return None
    low, high = spec.docs.curve
    # No seed: an element-wise layer draws no random numbers, and a run training in
    # another thread must keep drawing from torch's generator undisturbed.
    design = one_layer_design(spec, spec.validate_params(params or {}))
    model = compile_design(design, seed=None).module
    model.eval()
    x = torch.linspace(low, high, points).reshape(-1, 1).requires_grad_(True)
    y = model(x)
    (slope,) = torch.autograd.grad(y.sum(), x)
    return Curve(
        x.detach().reshape(-1).numpy().astype(np.float64),
        y.detach().reshape(-1).numpy().astype(np.float64),
        slope.reshape(-1).numpy().astype(np.float64),
    )
