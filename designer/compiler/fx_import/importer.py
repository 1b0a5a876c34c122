"""Importing a PyTorch model: trace, map, lay out, check, and carry the weights over.

The result is checked before it is returned: the design is compiled, given the user's
weights under the compiled module's names, and run beside the user's model on fresh
inputs of another batch size; outputs must be equal (``torch.equal``, eval mode). So an
import is exact or it is an error, never a silent approximation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.fx as fx
from torch import nn

from designer.compiler.build import CompiledModel, compile_design
from designer.compiler.errors import CompileError
from designer.compiler.fx_import.convert import Converter
from designer.compiler.fx_import.errors import ModelImportError, describe_error
from designer.compiler.fx_import.grouping import Origins, group_repeated, repeated_submodules
from designer.compiler.fx_import.tracing import SAMPLE_BATCH, Scope, record, trace
from designer.compiler.ir import IR
from designer.model import Project
from designer.model.layout import layered_layout

#: The batch size of the check run: another than the sample run's, so that a reshape
#: that baked in the batch size shows.
CHECK_BATCH = 3
_SHAPE = re.compile(r"\d+(x\d+)*")


@dataclass
class ImportResult:
    """The imported project, its compiled model holding the user's weights, and
    ``names``: each compiled parameter's or buffer's name -> the user's name for it.
    ``scopes`` and ``origins`` record the trace, one node per layer as the flat import
    has them: ``scopes`` maps each node to the submodules whose forward made it, outermost
    first (``(("layer1", ""), ("layer1.0", "BasicBlock"))``), ``origins`` each node with
    weights to the user's module path (`repeated_submodules`, `nodes_of`). Unless the
    import is flat, the design groups repeated submodules into blocks (`grouping`)."""

    project: Project
    compiled: CompiledModel
    names: dict[str, str]
    scopes: dict[str, tuple[Scope, ...]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def repeated_submodules(self) -> dict[str, list[str]]:
        """The user's submodule classes used at two paths or more, with their paths in
        order of appearance: ``{"BasicBlock": ["layer1.0", "layer1.1", ...]}``."""
        return repeated_submodules(self.scopes)

    def nodes_of(self, path: str) -> list[str]:
        """The traced nodes made inside the submodule at ``path``, in trace order."""
        return [
            node_id
            for node_id in self.scopes
            if any(scope_path == path for scope_path, _ in self.scopes.get(node_id, ()))
            or self.origins.get(node_id, "").startswith(f"{path}.")
        ]

    @property
    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.compiled.module.parameters())


def parse_input_shape(text: str) -> list[tuple[int, ...]]:
    """``3x224x224`` (one input) or ``3x32x32,10`` (two): per-sample shapes, N implicit."""
    shapes = []
    for part in text.replace(" ", "").split(","):
        if not _SHAPE.fullmatch(part) or any(int(d) < 1 for d in part.split("x")):
            raise ModelImportError(
                f"input shape {text!r} is not sizes joined by x (3x224x224; several inputs "
                "separated by commas)"
            )
        shapes.append(tuple(int(d) for d in part.split("x")))
    return shapes


def import_model(
    model: nn.Module,
    input_shapes: Sequence[tuple[int, ...]] | None = None,
    path: str | Path = "<model>",
    name: str | None = None,
    flat: bool = False,
) -> ImportResult:
    """The design of ``model`` (whose code is in ``path``, for messages); ``flat`` keeps
    one node per layer rather than grouping repeated submodules into blocks."""
    name = name or type(model).__name__
    model.eval()  # traced as it infers: ``if self.training`` takes the inference branch
    module = trace(model, path)
    inputs = sample_inputs(module, input_shapes, SAMPLE_BATCH)
    converted = Converter(record(model, module, inputs, path), path, name).run()
    graph = converted.graph
    if flat:
        origins = Origins(dict(converted.origins))
    else:
        origins = group_repeated(graph, converted.scopes, converted.origins)
    project = Project(graph, metadata={"name": name})
    for laid in (graph, *(definition.graph for definition in graph.blocks)):
        for node_id, (x, y) in layered_layout(laid).items():
            laid.move_node(node_id, x, y)
    try:
        compiled = compile_design(graph, class_name=name)
    except CompileError as error:
        raise ModelImportError(f"the imported design of {name} is not valid: {error}") from None
    names = weight_names(compiled, origins)
    result = ImportResult(project, compiled, names, converted.scopes, converted.origins)
    transfer(result, model.state_dict())
    check_same(result, model, module, input_shapes, name)
    return result


def sample_inputs(
    module: fx.GraphModule, shapes: Sequence[tuple[int, ...]] | None, batch: int
) -> list[torch.Tensor]:
    """Random inputs for each forward argument: given shapes, or what the first layer
    says (a Linear's in_features); token ids (int64) for an argument an Embedding reads."""
    placeholders = [n for n in module.graph.nodes if n.op == "placeholder"]
    if shapes is not None and len(shapes) != len(placeholders):
        raise ModelImportError(
            f"forward takes {len(placeholders)} input(s) but {len(shapes)} shape(s) were given"
        )
    generator = torch.Generator().manual_seed(batch)
    tensors = []
    for index, node in enumerate(placeholders):
        embedding = _embedding_of(module, node)
        dims = shapes[index] if shapes is not None else _inferred(module, node)
        if embedding is not None:
            direct = embedding in (_first_module(module, node),)
            vocab = embedding.num_embeddings if direct else max(1, embedding.num_embeddings // 4)
            ids = torch.randint(0, vocab, (batch, *dims), generator=generator)
            ids.view(-1)[0], ids.view(-1)[-1] = vocab - 1, 0  # the whole range, and padding
            tensors.append(ids)
        else:
            tensors.append(torch.randn((batch, *dims), generator=generator))
    return tensors


def _first_module(module: fx.GraphModule, node: fx.Node) -> nn.Module | None:
    for user in node.users:
        if user.op == "call_module":
            return module.get_submodule(str(user.target))  # the user's own module
    return None


def _embedding_of(module: fx.GraphModule, node: fx.Node) -> nn.Embedding | None:
    """The smallest Embedding that reads this input (through reshapes or slices)."""
    stack, seen, found = list(node.users), set(), []
    while stack:
        user = stack.pop()
        if user in seen:
            continue
        seen.add(user)
        if user.op == "call_module":
            layer = module.get_submodule(str(user.target))
            if isinstance(layer, nn.Embedding):
                found.append(layer)
        elif user.op in ("call_function", "call_method"):
            stack.extend(user.users)
    return min(found, key=lambda layer: layer.num_embeddings, default=None)


def _inferred(module: fx.GraphModule, node: fx.Node) -> tuple[int, ...]:
    first = _first_module(module, node)
    if isinstance(first, nn.Linear) and len(node.users) == 1:
        return (first.in_features,)
    what = f"{type(first).__name__}" if first is not None else "its first operation"
    raise ModelImportError(
        f"the shape of input {node.target!r} cannot be told from {what}; give it with "
        "--input-shape (per sample, e.g. 3x224x224)"
    )


def weight_names(compiled: CompiledModel, origins: Origins) -> dict[str, str]:
    """Each compiled state-dict name -> the user's name of the same tensor: a block
    instance's submodule is the user's submodule at its path, and inside it each layer
    is the module at its path relative to the instance."""
    classes = {block.class_name: block for block in compiled.ir.blocks}

    def user_name(key: str, ir: IR, known: Mapping[str, str]) -> str:
        attribute, _, rest = key.partition(".")
        step = next(s for s in ir.steps if s.attribute == attribute)
        origin = known[step.node_id]
        if step.block is None:
            return f"{origin}.{rest}"
        block = classes[step.block]
        return f"{origin}.{user_name(rest, block.ir, origins.blocks[block.name])}"

    return {
        key: user_name(key, compiled.ir, origins.design) for key in compiled.module.state_dict()
    }


def transfer(result: ImportResult, state: Mapping[str, torch.Tensor]) -> None:
    """Copy the user's tensors into the compiled model, by the name map."""
    try:
        converted = {ours: state[theirs] for ours, theirs in result.names.items()}
    except KeyError as error:
        raise ModelImportError(f"the weights have no tensor {error.args[0]!r}") from None
    try:
        with torch.no_grad():
            result.compiled.module.load_state_dict(converted, strict=True)
    except RuntimeError as error:
        detail = " ".join(str(error).split())[:300]
        raise ModelImportError(f"the weights do not fit the imported design ({detail})") from None


def check_same(
    result: ImportResult,
    model: nn.Module,
    module: fx.GraphModule,
    shapes: Sequence[tuple[int, ...]] | None,
    name: str,
) -> None:
    """Refuse an import whose design computes anything else than the model does."""
    inputs = sample_inputs(module, shapes, CHECK_BATCH)
    ours, theirs = result.compiled.module.eval(), model.eval()
    try:
        with torch.no_grad():
            expected, got = _tuple(theirs(*inputs)), _tuple(ours(*inputs))
    except Exception as error:  # the user's forward may raise anything
        raise ModelImportError(
            f"checking the imported design against {name} failed ({describe_error(error)})"
        ) from None
    if len(expected) != len(got) or not all(
        isinstance(a, torch.Tensor) and a.shape == b.shape and torch.equal(a, b)
        for a, b in zip(expected, got, strict=False)
    ):
        raise ModelImportError(
            f"the imported design does not compute what {name} computes on a batch of "
            f"{CHECK_BATCH} (a reshape or index that depends on the batch size?)"
        )


def _tuple(value) -> tuple:
    return tuple(value) if isinstance(value, tuple | list) else (value,)
