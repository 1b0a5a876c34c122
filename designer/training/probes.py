"""Statistics per design node, measured with module hooks on a sample of training steps.

Each layer with weights (or a module of its own) is a submodule of the compiled model,
named by `designer.compiler.lower`'s ``node_for_attribute`` (kept in a `ProbePlan`); a
forward hook on it sees the node's output. Layers that fuse an activation (a Linear's
``activation``) apply it in the generated ``forward``, after the module, so the hook
applies the same activation, built from the catalogue's own expression (`activate`),
before measuring. Gradients and
updates are read from the parameters after `core.train_step`, which leaves the step's
gradient in place: no backward hook is needed.

Hooks cost a little on every call, so `Probes` measures only while *armed*: the caller
arms it for the steps it samples (the first step of a pre-flight check, one batch an
epoch in training) and the hooks return at once otherwise. What it hands on is plain
numbers (`LayerStats` by node id), which the linter's NN4xx rules read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import torch
import torch.nn.functional as F
from torch import nn

from designer.catalog.builtin.rules import activate
from designer.compiler.lower import lower
from designer.model import Graph
from designer.model.lint import LayerStats

#: Layer types whose own output is a ReLU's.
_RELU_TYPES = ("ReLU",)


@dataclass(frozen=True)
class ProbePlan:
    """Which submodule belongs to which node, and what each node's ``forward`` line
    applies after its module: read from the graph once, in the thread that owns it, so
    that probes in a worker thread never touch the graph.

    ``attributes`` maps submodule names to node ids (the compiler's
    ``node_for_attribute``), ``activations`` node ids to their fused activation ("none"
    for none), and ``rectified`` holds the nodes whose output is a ReLU's."""

    attributes: Mapping[str, str]
    activations: Mapping[str, str] = field(default_factory=dict)
    rectified: frozenset[str] = frozenset()

    @classmethod
    def of(cls, graph: Graph, attributes: Mapping[str, str] | None = None) -> ProbePlan:
        """The plan of ``graph`` (``attributes`` when the caller has compiled it already)."""
        if attributes is None:
            attributes = lower(graph).node_for_attribute
        nodes = [graph.node(n) for n in attributes.values() if n in graph.nodes]
        activations = {n.id: str(n.params.get("activation", "none")) for n in nodes}
        rectified = {n.id for n in nodes if n.type in _RELU_TYPES or activations[n.id] == "relu"}
        return cls(
            MappingProxyType(dict(attributes)), MappingProxyType(activations), frozenset(rectified)
        )

    def modules(self, model: nn.Module) -> dict[str, nn.Module]:
        """The submodule of ``model`` for each node that has one."""
        children = dict(model.named_children())
        return {n: children[a] for a, n in self.attributes.items() if a in children}


def fused_activation(name: str) -> Callable | None:
    """The fused activation ``name`` as a function of the module's output (None for
    "none"), built from the very expression the code generator writes."""
    if name == "none":
        return None
    code = compile(activate("x", name), "<fused activation>", "eval")
    return lambda x: eval(code, {"torch": torch, "F": F}, {"x": x})


class Probes:
    """Forward hooks on the node modules of a compiled model, and the statistics of the
    steps it was armed for.

    Use: ``arm()``, run `core.train_step`, then ``measure()`` returns a `LayerStats` per
    node. ``close()`` removes the hooks (also as a context manager)."""

    def __init__(self, plan: ProbePlan, model: nn.Module) -> None:
        self.modules = plan.modules(model)
        self.fused = {n: fused_activation(plan.activations.get(n, "none")) for n in self.modules}
        self.rectified = plan.rectified
        self.armed = False
        self._outputs: dict[str, tuple[float, float, float | None]] = {}
        self._before: dict[str, torch.Tensor] = {}
        self._spreads: dict[str, tuple[float | None, float | None]] = {}
        self._handles = [
            module.register_forward_hook(self._hook(node_id))
            for node_id, module in self.modules.items()
        ]

    def __enter__(self) -> Probes:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def arm(self) -> None:
        """Measure the next forward pass and the step after it."""
        self.armed = True
        self._outputs.clear()
        self._before = {n: _flat_weights(m) for n, m in self.modules.items() if _has_weights(m)}
        self._spreads = {n: _spread(self.modules[n]) for n in self._before}

    def measure(self) -> dict[str, LayerStats]:
        """The statistics of the step since `arm`, by node id; disarms."""
        self.armed = False
        stats = {}
        for node_id, module in self.modules.items():
            if node_id not in self._outputs:
                continue  # the forward never reached it
            mean, std, dead = self._outputs[node_id]
            stats[node_id] = LayerStats(mean, std, dead, **self._weights(node_id, module))
        self._before = {}
        return stats

    def _weights(self, node_id: str, module: nn.Module) -> dict[str, float | None]:
        if node_id not in self._before:
            return {}
        after = _flat_weights(module)
        grads = [p.grad.detach().reshape(-1) for p in _parameters(module) if p.grad is not None]
        weight_norm = after.norm().item()
        update = (after - self._before[node_id]).norm().item()
        return {
            "grad_norm": torch.cat(grads).norm().item() if grads else 0.0,
            "weight_norm": weight_norm,
            "weight_std": self._spreads[node_id][0],
            "gain": self._spreads[node_id][1],
            "update_ratio": update / weight_norm if weight_norm > 0 else math.inf,
        }

    def _hook(self, node_id: str) -> Callable:
        def hook(module: nn.Module, inputs, output) -> None:
            if isinstance(output, tuple | list) and output:
                output = output[0]  # a recurrent layer's outputs, before its last state
            if not self.armed or not isinstance(output, torch.Tensor):
                return
            with torch.no_grad():
                activation = self.fused[node_id]
                values = (activation(output) if activation else output).detach().float()
                self._outputs[node_id] = _output_stats(values, node_id in self.rectified)

        return hook


def _output_stats(values: torch.Tensor, rectified: bool) -> tuple[float, float, float | None]:
    """Mean and spread of a layer's output, and for a ReLU the fraction of its units
    (features, or channels of a map) that gave zero for every sample."""
    mean = values.mean().item()
    std = values.std().item() if values.numel() > 1 else 0.0
    dead = None
    if rectified and values.dim() >= 2:
        per_unit = values.transpose(0, 1).reshape(values.shape[1], -1)
        dead = (per_unit <= 0).all(dim=1).float().mean().item()
    return mean, std, dead


def _spread(module: nn.Module) -> tuple[float | None, float | None]:
    """The spread of the values of a module's weight matrix (a Linear's, a convolution's,
    an Embedding's), and for a layer that sums its inputs through it its gain: the spread
    times the square root of the inputs each output sums, about how much it widens the
    spread of unit-scale inputs (torch's default initialization gives about 0.6). None
    for none: a normalization's or a PReLU's vector of weights starts constant by design."""
    weight = getattr(module, "weight", None)
    if not isinstance(weight, torch.Tensor) or weight.dim() < 2:
        return None, None
    spread = weight.detach().float().std().item()
    if isinstance(module, nn.Embedding):
        return spread, None
    return spread, spread * math.sqrt(weight[0].numel())


def _parameters(module: nn.Module) -> list[torch.Tensor]:
    return [p for p in module.parameters() if p.requires_grad]


def _has_weights(module: nn.Module) -> bool:
    return bool(_parameters(module))


def _flat_weights(module: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1).float() for p in _parameters(module)]).clone()
