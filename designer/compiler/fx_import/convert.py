"""From a traced fx graph to a design: one node per layer, wired as the data flows.

Walks the graph once in order. Placeholders become Input nodes, torch modules become the
catalogue layer their binding derives (`modules`), functions and tensor methods go through
the small explicit table in `ops`, and the returned values become Output nodes. Every part
that cannot be mapped is collected, so the user gets one error naming all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.fx as fx
from torch import nn

from designer.catalog import Shape
from designer.catalog.description import FLOAT, INT
from designer.compiler.fx_import import ops, patterns
from designer.compiler.fx_import.errors import describe_error, unmapped
from designer.compiler.fx_import.modules import UnmappableError, match_module, torch_path
from designer.compiler.fx_import.tracing import Scope, Traced, scopes, where
from designer.compiler.fx_import.values import (
    MISSING,
    Missing,
    Out,
    Recurrent,
    Table,
)
from designer.model import Edge, Graph, GraphError

_RECURRENT = (nn.RNN, nn.LSTM, nn.GRU)
#: Labels are module paths, shortened from the left beyond this (``…layer4.1.conv2``).
MAX_LABEL = 60
#: torch modules that compute nothing: their output is their input.
_PASS_THROUGH = (nn.Identity,)


@dataclass
class Converted:
    """The design, which user module each node came from (for its weights), and the
    submodules whose forward made each node (``layer1``, ``layer1.0``: the seam for
    grouping repeated submodules into blocks)."""

    graph: Graph
    origins: dict[str, str] = field(default_factory=dict)
    scopes: dict[str, tuple[Scope, ...]] = field(default_factory=dict)


class Converter:
    """Builds the design from ``traced``; `run` raises one error for all that is amiss."""

    def __init__(self, traced: Traced, path: str | Path, what: str) -> None:
        self.traced = traced
        self.path = path
        self.what = what
        self.result = Converted(Graph())
        self.values: dict[fx.Node, Any] = {}
        self.problems: list[str] = []
        self._labels: set[str] = set()
        self._calls: dict[str, int] = {}
        self.node: fx.Node | None = None

    @property
    def graph(self) -> Graph:
        return self.result.graph

    def run(self) -> Converted:
        for node in self.traced.module.graph.nodes:
            self.node = node
            try:
                self.values[node] = self._convert(node)
            except UnmappableError as error:
                self.values[node] = self.fail(str(error))
            except Exception as error:  # a construct no handler foresaw: named, not a crash
                self.values[node] = self.fail(f"cannot be read ({describe_error(error)})")
        if self.problems:
            raise unmapped(self.what, self.problems)
        return self.result

    def fail(self, message: str) -> Missing:
        """Record that the current node cannot be mapped; the walk goes on."""
        node = self.node
        assert node is not None
        if node.op == "call_module":
            kind = type(self.traced.root.get_submodule(str(node.target))).__name__
            self.problems.append(f"{node.target} ({kind}): {message}")
        else:
            self.problems.append(f"{where(node, self.path)} ({ops.op_name(node)}): {message}")
        return MISSING

    # ------------------------------------------------------------------ values
    def value(self, item: Any) -> Any:
        """The design value of an fx argument (lists and tuples item by item)."""
        if isinstance(item, fx.Node):
            return self.values[item]
        if isinstance(item, list | tuple):
            return type(item)(self.value(part) for part in item)
        if isinstance(item, dict):
            return {key: self.value(part) for key, part in item.items()}
        return item

    def concrete(self, node: fx.Node) -> Any:
        return self.traced.values[node]

    def shape(self, node: fx.Node | None = None) -> Shape:
        """The per-sample shape of a tensor node (the current node by default)."""
        tensor = self.concrete(node or self.node)
        dtype = INT if not tensor.is_floating_point() else FLOAT
        return Shape(tuple(tensor.shape[1:]), dtype)

    # ------------------------------------------------------------------ building
    def add(
        self,
        type_id: str,
        params: dict,
        inputs: list[tuple[Out, str]],
        label: str,
        origin: str | None = None,
    ) -> Out:
        """Add a node wired from ``inputs`` ((source, input port) pairs); a value the
        layer type refuses (a Scale and bias beyond its range) is named, not clipped."""
        try:
            node = self.graph.add_node(type_id, params, self._label(label))
            for source, port in inputs:
                edge = Edge(source.node_id, source.port, node.id, port)
                if edge in self.graph.in_edges(node.id):  # x + x: the second via Identity
                    source = self.add("Identity", {}, [(source, "in")], f"{label}_again")
                self.graph.connect(source.node_id, source.port, node.id, port)
        except GraphError as error:
            raise UnmappableError(str(error)) from None
        if origin is not None:
            self.result.origins[node.id] = origin
        assert self.node is not None
        self.result.scopes[node.id] = scopes(self.node)
        return Out(node.id)

    def _label(self, hint: str) -> str:
        hint = hint if len(hint) <= MAX_LABEL else "…" + hint[-(MAX_LABEL - 1) :]
        label, index = hint, 1
        while label in self._labels:
            index += 1
            label = f"{hint}_{index}"
        self._labels.add(label)
        return label

    # ------------------------------------------------------------------ per op
    def _convert(self, node: fx.Node) -> Any:
        if node.op == "placeholder":
            return self._placeholder(node)
        if node.op == "output":
            return self._outputs(node)
        if node.op == "get_attr":
            return self._attribute(node)
        args, kwargs = self.value(node.args), self.value(node.kwargs)
        if any(isinstance(v, Missing) for v in _flat([args, kwargs])):
            return (
                MISSING
                if node.op == "call_module" or ops.known(node)
                else self.fail("no layer type computes this")
            )
        if node.op == "call_module":
            return self._module(node, args, kwargs)
        return ops.dispatch(self, node, args, kwargs)

    def _placeholder(self, node: fx.Node) -> Out:
        shape = self.shape(node)
        tensor = self.concrete(node)
        params = input_params(shape, tensor)
        if params is None:
            raise UnmappableError(
                f"an input of shape {shape.dims} cannot be an Input node (a feature vector, "
                "an image, a sequence or token ids)"
            )
        return self.add("Input", params, [], str(node.target))

    def _attribute(self, node: fx.Node) -> Any:
        owner_path, _, name = str(node.target).rpartition(".")
        owner = self.traced.root.get_submodule(owner_path) if owner_path else None
        if isinstance(owner, nn.Embedding) and name == "weight":
            return Table(owner_path, owner)
        raise UnmappableError("a parameter used directly in forward has no layer type")

    def _module(self, node: fx.Node, args: tuple, kwargs: dict) -> Any:
        path = str(node.target)
        module = self.traced.root.get_submodule(path)
        self._check_shared(path, module)
        if isinstance(module, _PASS_THROUGH):
            return args[0]
        sources = [a for a in args if isinstance(a, Out)]
        if isinstance(module, _RECURRENT) and len(args) == 1 and sources:
            return Recurrent(path, module, sources[0], self.shape(node.args[0]))
        if isinstance(module, nn.MultiheadAttention):
            return patterns.attention_call(self, path, module, args, kwargs)
        if torch_path(module) is None:
            raise UnmappableError(f"{type(module).__name__} is not a layer of torch.nn")
        if len(args) != 1 or kwargs or not sources:
            raise UnmappableError("only a call with one tensor can be mapped")
        spec, params = match_module(module, [self.shape(node.args[0])])
        return self.add(spec.type_id, params, [(sources[0], "in")], path, origin=path)

    def _check_shared(self, path: str, module: nn.Module) -> None:
        """A module with weights may be called once: each layer has its own weights."""
        self._calls[path] = self._calls.get(path, 0) + 1
        if self._calls[path] > 1 and any(True for _ in module.parameters()):
            raise UnmappableError(
                "called more than once: a design gives each layer its own weights"
            )

    def _outputs(self, node: fx.Node) -> None:
        results = self.value(node.args[0])
        fx_results = node.args[0]
        if not isinstance(results, tuple | list):
            results, fx_results = (results,), (fx_results,)
        for index, (result, fx_result) in enumerate(zip(results, fx_results, strict=True)):
            if isinstance(result, Missing):
                continue
            if not isinstance(result, Out) or not isinstance(fx_result, fx.Node):
                self.fail("forward must return tensors (or a tuple of tensors)")
                continue
            shape = self.shape(fx_result)
            loss = "cross_entropy" if shape.rank and shape.dims[0] >= 2 else "mse"
            label = "output" if len(results) == 1 else f"output_{index + 1}"
            self.add("Output", {"loss": loss}, [(result, "in")], label)


def input_params(shape: Shape, tensor: torch.Tensor) -> dict | None:
    """The Input node's parameters for a per-sample shape (None: no Input kind fits)."""
    dims = shape.dims
    if shape.dtype == INT and len(dims) == 1:
        vocab = int(tensor.max().item()) + 1 if tensor.numel() else 1
        return {"kind": "tokens", "length": dims[0], "vocab_size": max(vocab, 1)}
    if shape.dtype != FLOAT:
        return None
    if len(dims) == 1:
        return {"kind": "features", "features": dims[0]}
    if len(dims) == 2:
        return {"kind": "sequence", "length": dims[0], "features": dims[1]}
    if len(dims) == 3:
        return {"kind": "image", "channels": dims[0], "height": dims[1], "width": dims[2]}
    return None


def _flat(item: Any) -> list:
    if isinstance(item, list | tuple):
        return [v for part in item for v in _flat(part)]
    if isinstance(item, dict):
        return [v for part in item.values() for v in _flat(part)]
    return [item]
