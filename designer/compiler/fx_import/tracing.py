"""Tracing the user's module with torch.fx and running it once to learn every value.

torch's own layers (``torch.nn.*`` except containers) stay whole, as call_module nodes:
those are what the catalogue maps. One extension over the stock tracer: a Proxy knows the
length of a result whose length the code fixes (a slice ``h[-2:]``, ``torch.chunk(x,
2)``, ``torch.split(x, [3, 5])``), so ``tuple(h[-2:])`` and ``a, b = x.chunk(2)``, which
generated code uses, trace.
"""

from __future__ import annotations

import bisect
import dis
import inspect
import operator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import torch
import torch.fx as fx
from torch import nn

from designer.compiler.fx_import.errors import ModelImportError, describe_error, user_line

#: The batch size of the sample run; not 1, so that the batch axis stands out.
SAMPLE_BATCH = 2


def _known_length(node: fx.Node) -> int | None:
    """How many items the result of ``node`` has, when the code itself says."""
    target, args = node.target, node.args
    if target is operator.getitem and len(args) == 2 and isinstance(args[1], slice):
        part = args[1]
        if part.step in (None, 1) and isinstance(part.start, int) and part.stop is None:
            return -part.start if part.start < 0 else None
    if target in (torch.chunk, "chunk") and len(args) > 1 and isinstance(args[1], int):
        return args[1]
    if target in (torch.split, "split") and len(args) > 1 and isinstance(args[1], list | tuple):
        return len(args[1])
    return None


class _SizedProxy(fx.Proxy):
    def __len__(self) -> int:
        length = _known_length(self.node)
        return super().__len__() if length is None else length

    def __iter__(self):
        length = _known_length(self.node)
        if length is None:
            frame = inspect.currentframe()
            length = _unpacked(frame.f_back) if frame is not None else None
        if length is None:
            return self.tracer.iter(self)
        return iter([self[index] for index in range(length)])


def _unpacked(frame: FrameType | None) -> int | None:
    """How many names ``a, b = value`` unpacks into, when that is what ``frame`` is
    doing (as torch.fx's own Proxy checks; overriding ``__iter__`` hides the frame)."""
    if frame is None:
        return None
    instructions = list(dis.get_instructions(frame.f_code))
    index = bisect.bisect_left(instructions, frame.f_lasti, key=lambda item: item.offset)
    if index < len(instructions) and instructions[index].opname == "UNPACK_SEQUENCE":
        return int(instructions[index].argval)
    return None


class _Tracer(fx.Tracer):
    def __init__(self) -> None:
        super().__init__()
        self.record_stack_traces = True

    def proxy(self, node: fx.Node) -> fx.Proxy:
        return _SizedProxy(node, self)


@dataclass(frozen=True)
class Traced:
    """The traced graph module, and the value of every node in one sample run."""

    module: fx.GraphModule
    values: dict[fx.Node, Any]
    root: nn.Module


def trace(model: nn.Module, path: str | Path) -> fx.GraphModule:
    """The model as an fx graph; a construct fx cannot follow is named with its line."""
    tracer = _Tracer()
    try:
        graph = tracer.trace(model)
    except Exception as error:
        raise ModelImportError(
            f"{user_line(error, path)}: torch.fx cannot trace {type(model).__name__}.forward "
            f"({describe_error(error)}); control flow that depends on tensor values cannot "
            "become a fixed graph"
        ) from None
    return fx.GraphModule(model, graph, type(model).__name__)


class _Recorder(fx.Interpreter):
    def __init__(self, module: fx.GraphModule) -> None:
        super().__init__(module)
        self.values: dict[fx.Node, Any] = {}

    def run_node(self, n: fx.Node) -> Any:
        result = super().run_node(n)
        self.values[n] = result
        return result


def record(
    root: nn.Module, module: fx.GraphModule, inputs: list[torch.Tensor], path: str | Path
) -> Traced:
    """Run ``module`` (the trace of ``root``) once, in eval mode without gradients, and
    keep every node's value."""
    recorder = _Recorder(module)
    module.eval()
    try:
        with torch.no_grad():
            recorder.run(*inputs)
    except Exception as error:
        shapes = ", ".join("×".join(map(str, t.shape[1:])) or "scalar" for t in inputs)
        raise ModelImportError(
            f"{user_line(error, path)}: the model fails on inputs of shape {shapes} "
            f"({describe_error(error)}); check --input-shape"
        ) from None
    return Traced(module, recorder.values, root)


def where(node: fx.Node, path: str | Path) -> str:
    """``file.py, line 12`` of the user's code that made ``node``, when it is known."""
    wanted = Path(path).name
    line = None
    lines = (node.stack_trace or "").splitlines()
    for text in lines:
        stripped = text.strip()
        if stripped.startswith("File ") and wanted in stripped and ", line " in stripped:
            number = stripped.split(", line ", 1)[1].split(",", 1)[0]
            line = number if number.isdigit() else line
    return f"{wanted}, line {line}" if line else wanted


#: One submodule around a node: its path (``layer1.0``) and its class's name, or ''
#: for a torch container (``Sequential``), which only groups and is never a block.
Scope = tuple[str, str]


def scopes(node: fx.Node) -> tuple[Scope, ...]:
    """The submodules whose forward made ``node``, outermost first (``layer1``,
    ``layer1.0``), the node's own module left out: which repeated blocks it belongs to."""
    stack = node.meta.get("nn_module_stack") or {}
    found = [(path, _class_name(kind)) for path, kind in stack.values()]
    if node.op == "call_module" and found and found[-1][0] == node.target:
        found = found[:-1]
    return tuple(found)


def _class_name(kind: Any) -> str:
    if isinstance(kind, type):
        return "" if kind.__module__.startswith("torch.") else kind.__qualname__
    return str(kind).rpartition(".")[2]
