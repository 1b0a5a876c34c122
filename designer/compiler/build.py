"""The in-app model: built from the IR, running the ``forward`` codegen emits.

Like torch.fx's GraphModule, the forward method is compiled from generated source rather
than interpreted node by node, so the model runs at the speed of a hand-written module and
is, line for line, the class the user exports, with two changes that alter no value
(`codegen.render_class` with ``in_app``): each intermediate is deleted after its last use,
and layers are looked up in ``_modules``, so that a long chain runs as fast and holds as
little memory as an ``nn.Sequential`` of its layers. That source is made only from sanitized
identifiers and lint-checked catalogue templates (see `lower`), never from user text.
"""

from __future__ import annotations

import hashlib
import linecache
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import torch
import torch.nn.functional as F
from torch import nn

from designer.compiler.codegen import module_class, render_class
from designer.compiler.errors import CompileError
from designer.compiler.lower import IR, IRBlock, IRStep, lower
from designer.model import Graph, Problem

_KEEP_SOURCES = 64
_SOURCES: OrderedDict[str, None] = OrderedDict()


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """A built model with what it was built from: the IR, the ``forward`` source it runs,
    and which node each submodule belongs to (for messages and highlighting)."""

    module: nn.Module
    ir: IR
    source: str
    nodes: Mapping[str, str]


def compile_design(
    source: Graph | IR, seed: int | None = 0, class_name: str = "Net"
) -> CompiledModel:
    """`build_model`, keeping the IR and the generated source beside the module (rather
    than as attributes stuck onto it).

    ``seed`` None leaves torch's global generator alone: for a caller in the window's
    thread (a help page's plot) while a run may be drawing from it in another thread.
    """
    ir = source if isinstance(source, IR) else lower(source)
    code = render_class(ir, class_name, in_app=True)
    model = _model_class(code.name, code.forward, _attributes(ir))()
    blocks = {block.class_name: block for block in ir.blocks}
    if seed is not None:
        torch.manual_seed(seed)
    _add_submodules(model, ir, _BlockMaker(blocks, code.forwards))
    return CompiledModel(model, ir, code.forward, MappingProxyType(dict(ir.node_for_attribute)))


def _attributes(ir: IR) -> tuple[str, ...]:
    return tuple(step.attribute for step in ir.steps if step.attribute)


def _add_submodules(module: nn.Module, ir: IR, blocks: _BlockMaker) -> None:
    """Build the layers in step order, a block's own layers where the block stands:
    the order in which the exported ``__init__`` builds them, so one seed gives one
    set of weights both ways."""
    for step in ir.steps:
        if step.block is not None:
            module.add_module(step.attribute, blocks.make(step.block))
        elif step.attribute:
            module.add_module(step.attribute, _instantiate(step))


@dataclass(frozen=True)
class _BlockMaker:
    """Makes an instance of a block class: the class compiled from its generated
    ``forward`` (cached like the model's), its layers built in order."""

    blocks: Mapping[str, IRBlock]
    forwards: Mapping[str, str]

    def make(self, class_name: str) -> nn.Module:
        block = self.blocks[class_name]
        cls = _model_class(class_name, self.forwards[class_name], _attributes(block.ir))
        module = cls()
        _add_submodules(module, block.ir, self)
        return module


def build_model(source: Graph | IR, seed: int = 0, class_name: str = "Net") -> nn.Module:
    """A fresh model of the design, initialized deterministically from ``seed``.

    ``torch.manual_seed(seed)`` is set once and the layers are built in step order, which
    is also the order of the exported ``__init__``: ``torch.manual_seed(seed); Net()`` in
    the exported script gives the very same weights.
    """
    return compile_design(source, seed, class_name).module


def _instantiate(step: IRStep) -> nn.Module:
    assert step.module is not None
    try:
        return module_class(step.module)(**step.kwargs_dict)
    except Exception as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise CompileError(
            [Problem(f"{step.description}: torch cannot build it ({message[:200]})", step.node_id)]
        ) from None


@lru_cache(maxsize=64)
def _model_class(name: str, forward_source: str, attributes: tuple[str, ...]) -> type:
    """An ``nn.Module`` subclass whose forward is compiled from ``forward_source``.

    Cached on the source text, so rebuilding an unchanged design (every edit in the app)
    reuses the class. The source is registered with `linecache` so that tracebacks and
    debuggers show the generated lines. Each submodule also gets a class-level property, so
    that ``model.fc1`` (outside the forward, which reads ``_modules`` itself) reads
    ``_modules`` directly instead of failing the normal lookup and falling back to
    ``nn.Module.__getattr__``, with the same semantics (replacing or deleting a submodule
    still goes through ``nn.Module``).
    """
    forward = _compile_forward(forward_source)
    namespace: dict = {"forward": forward, "__module__": __name__, "__qualname__": name}
    namespace.update((attribute, _submodule(attribute)) for attribute in attributes)
    namespace["__doc__"] = "A network built by NN Designer (its source: `compile_design`)."
    return type(name, (nn.Module,), namespace)


def _submodule(attribute: str) -> property:
    def get(self: nn.Module) -> nn.Module:
        try:
            return self._modules[attribute]
        except KeyError:
            raise AttributeError(attribute) from None

    return property(get, doc=f"The submodule registered as {attribute!r}.")


def _compile_forward(source: str) -> Callable:
    digest = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()[:12]
    filename = f"<nn-designer forward {digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    _SOURCES[filename] = None
    while len(_SOURCES) > _KEEP_SOURCES:  # the app compiles a new forward after every edit
        linecache.cache.pop(_SOURCES.popitem(last=False)[0], None)
    scope: dict = {"torch": torch, "nn": nn, "F": F, "__builtins__": __builtins__}
    exec(compile(source, filename, "exec"), scope)
    return scope["forward"]
