"""The explicit table: functions and tensor methods that no catalogue binding names.

Modules map through the catalogue (`modules`); what a forward writes as code (``x + y``,
``torch.cat``, ``F.relu``, ``x.view(x.size(0), -1)``, ``x.size(1)``) is listed here, each
entry a small function of the converter, the fx node and its converted arguments. An
activation function maps through the catalogue too: the table only says which
``torch.nn`` class it is the functional form of, and which arguments it takes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from designer.compiler.fx_import.modules import UnmappableError, match_module, specs_for
from designer.compiler.fx_import.values import (
    Attention,
    CausalMask,
    Const,
    Out,
    PaddingMask,
    Parts,
    Recurrent,
    Table,
)

if TYPE_CHECKING:
    from designer.compiler.fx_import.convert import Converter

#: Functions (and methods, by name) of the torch.nn class they compute, with the names of
#: their arguments after the input.
ACTIVATIONS: dict[Any, tuple[str, tuple[str, ...]]] = {
    torch.relu: ("ReLU", ()), F.relu: ("ReLU", ()), "relu": ("ReLU", ()),
    F.relu6: ("ReLU6", ()), F.leaky_relu: ("LeakyReLU", ("negative_slope",)),
    F.elu: ("ELU", ("alpha",)), F.selu: ("SELU", ()), torch.selu: ("SELU", ()),
    F.gelu: ("GELU", ()), F.silu: ("SiLU", ()), F.mish: ("Mish", ()),
    F.hardswish: ("Hardswish", ()), F.hardsigmoid: ("Hardsigmoid", ()),
    F.softplus: ("Softplus", ("beta", "threshold")),
    torch.sigmoid: ("Sigmoid", ()), F.sigmoid: ("Sigmoid", ()), "sigmoid": ("Sigmoid", ()),
    torch.tanh: ("Tanh", ()), F.tanh: ("Tanh", ()), "tanh": ("Tanh", ()),
    F.softmax: ("Softmax", ("dim",)), torch.softmax: ("Softmax", ("dim",)),
    "softmax": ("Softmax", ("dim",)), F.log_softmax: ("LogSoftmax", ("dim",)),
    torch.log_softmax: ("LogSoftmax", ("dim",)), "log_softmax": ("LogSoftmax", ("dim",)),
}  # fmt: skip
_IGNORED_KWARGS = frozenset({"inplace", "_stacklevel", "dtype"})

#: Functions by the name their handler is filed under (methods use their own name).
_FUNCTIONS: dict[Any, str] = {
    operator.add: "add", operator.iadd: "add", torch.add: "add",
    operator.mul: "mul", operator.imul: "mul", torch.mul: "mul",
    operator.sub: "sub", operator.isub: "sub", torch.sub: "sub",
    operator.truediv: "div", torch.div: "div", operator.floordiv: "floordiv",
    operator.getitem: "getitem", getattr: "getattr", torch.cat: "cat", torch.concat: "cat",
    torch.flatten: "flatten", torch.split: "split", torch.chunk: "chunk",
    torch.mean: "mean", torch.amax: "amax", torch.permute: "permute",
    torch.transpose: "transpose", torch.reshape: "reshape", torch.eq: "eq", torch.triu: "triu",
}  # fmt: skip


def op_name(node: fx.Node) -> str:
    """How an fx node reads in messages: ``torch.sin``, ``.view``, ``Conv2d``."""
    if node.op == "call_method":
        return f".{node.target}"
    if node.op == "call_function":
        target = node.target
        module = getattr(target, "__module__", None) or ""
        name = getattr(target, "__name__", str(target))
        prefix = {"_operator": "operator", "torch._C._VariableFunctions": "torch"}.get(
            module, module
        )
        return f"{prefix}.{name}" if prefix else name
    return node.op


def known(node: fx.Node) -> bool:
    """Whether the table has an entry for this function or method at all."""
    if node.target in ACTIVATIONS:
        return True
    name = node.target if node.op == "call_method" else _FUNCTIONS.get(node.target)
    return name in HANDLERS


def dispatch(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    target = node.target
    if target in ACTIVATIONS and not (node.op == "call_function" and isinstance(target, str)):
        return _activation(conv, node, args, kwargs)
    name = target if node.op == "call_method" else _FUNCTIONS.get(target)
    handler = HANDLERS.get(name) if isinstance(name, str) else None
    if handler is None:
        raise UnmappableError("no layer type computes this")
    return handler(conv, node, args, kwargs)


def _activation(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    class_name, names = ACTIVATIONS[node.target]
    x = _tensor(args[0])
    settings = dict(zip(names, (_const(a) for a in args[1:]), strict=False))
    settings.update({k: _const(v) for k, v in kwargs.items() if k not in _IGNORED_KWARGS})
    settings = {k: v for k, v in settings.items() if k not in _IGNORED_KWARGS}
    try:
        module = getattr(nn, class_name)(**settings)
    except TypeError as error:
        raise UnmappableError(f"unexpected arguments ({error})") from None
    spec, params = match_module(module, [conv.shape(node.args[0])])
    return conv.add(spec.type_id, params, [(x, "in")], node.name)


# --------------------------------------------------------------------------- helpers
def _const(value: Any) -> Any:
    if isinstance(value, Const):
        return value.value
    if isinstance(value, list | tuple):
        return type(value)(_const(v) for v in value)
    if isinstance(value, Out):
        raise UnmappableError("a tensor is used where a fixed number is expected")
    return value


def _tensor(value: Any) -> Out:
    if not isinstance(value, Out):
        raise UnmappableError("expects a tensor")
    return value


def _argument(args: tuple, kwargs: dict, index: int, name: str, default: Any = None) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _axis(dim: Any, rank: int) -> int:
    """A torch dim (batch included) as a per-sample axis; the batch axis is refused."""
    dim = _const(dim)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise UnmappableError(f"the dim must be one whole number, got {dim!r}")
    if dim == 0 or dim == -(rank + 1):
        raise UnmappableError("works along the batch axis, which a design never touches")
    return dim - 1 if dim > 0 else dim


def _same_shape(conv: Converter, node: fx.Node) -> bool:
    shapes = [tuple(conv.concrete(a).shape) for a in node.args[:2] if isinstance(a, fx.Node)]
    return len(shapes) == 2 and shapes[0] == shapes[1]


# --------------------------------------------------------------------------- arithmetic
def _add(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    a, b = args[0], args[1]
    if _number(a) and _number(b):
        return _arith(conv, node, a, b)
    if isinstance(a, Table) or isinstance(b, Table):
        return _positions(
            conv, node, b if isinstance(a, Table) else a, a if isinstance(a, Table) else b
        )
    if isinstance(a, Out) and isinstance(b, Out) and not kwargs:
        if not _same_shape(conv, node):
            raise UnmappableError("adds tensors of different shapes (broadcasting)")
        return conv.add("Add", {}, [(a, "in"), (b, "in")], node.name)
    return _scale_bias(conv, node, args, "bias")


def _mul(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    a, b = args[0], args[1]
    if _number(a) and _number(b):
        return _arith(conv, node, a, b)
    if isinstance(a, PaddingMask) and a.stage == "float" and _const(b) == -10000.0:
        return PaddingMask(a.tokens, "scaled")
    if isinstance(a, Out) and isinstance(b, Out):
        if not _same_shape(conv, node):
            raise UnmappableError("multiplies tensors of different shapes (broadcasting)")
        return conv.add("Multiply", {}, [(a, "in"), (b, "in")], node.name)
    return _scale_bias(conv, node, args, "scale")


def _sub(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    a, b = args[0], args[1]
    if _number(a) and _number(b):
        return _arith(conv, node, a, b)
    if isinstance(a, Out) and isinstance(b, Const | int | float):
        return _scale_bias(conv, node, (a, -_const(b)), "bias")
    raise UnmappableError("only a fixed number can be subtracted from a tensor")


def _div(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    a, b = args[0], args[1]
    if _number(a) and _number(b):
        return _arith(conv, node, a, b)
    divisor = _const(b)
    if isinstance(a, Out) and isinstance(divisor, int | float) and divisor:
        mantissa, _exponent = math.frexp(float(divisor))
        if abs(mantissa) == 0.5:  # a power of two: x / d is exactly x * (1 / d)
            return _scale_bias(conv, node, (a, 1.0 / divisor), "scale")
    raise UnmappableError("dividing by anything but a power of two has no exact layer type")


def _number(value: Any) -> bool:
    return isinstance(value, Const) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    )


def _arith(conv: Converter, node: fx.Node, a: Any, b: Any) -> Const:
    """Arithmetic on sizes (``x.size(1) - 3``): its value, and whether the batch size
    went into it."""
    return Const(
        conv.concrete(node), batch=getattr(a, "batch", False) or getattr(b, "batch", False)
    )


def _scale_bias(conv: Converter, node: fx.Node, args: tuple, what: str) -> Out:
    a, b = args[0], args[1]
    x, number = (a, b) if isinstance(a, Out) else (b, a)
    number = _const(number)
    if not isinstance(x, Out) or isinstance(number, bool) or not isinstance(number, int | float):
        raise UnmappableError("only tensors of one shape, or a tensor and a number, combine")
    params = {"scale": float(number)} if what == "scale" else {"bias": float(number)}
    return conv.add("ScaleBias", params, [(x, "in")], node.name)


def _floordiv(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    if _number(args[0]) and _number(args[1]):
        return _arith(conv, node, args[0], args[1])
    raise UnmappableError("no layer type divides tensors")


def _positions(conv: Converter, node: fx.Node, x: Any, table: Table) -> Out:
    """``x + embedding.weight``: the catalogue's positional embedding."""
    source = _tensor(x)
    fx_x = next(a for a in node.args[:2] if isinstance(a, fx.Node) and conv.values[a] == x)
    specs = [s for s in specs_for(table.module) if s.type_id == "PositionalEmbedding"]
    spec, params = match_module(table.module, [conv.shape(fx_x)], specs)
    return conv.add(spec.type_id, params, [(source, "in")], table.path, origin=table.path)


# --------------------------------------------------------------------------- shapes
def _size(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Const:
    dim = _argument(args, kwargs, 1, "dim")
    value = conv.concrete(node)
    if dim is None:
        return Const(tuple(value), shape=True)
    rank = conv.concrete(node.args[0]).dim()
    return Const(value, batch=_const(dim) in (0, -rank))


def _getattr(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Const:
    name = args[1]
    if name == "shape":
        return Const(tuple(conv.concrete(node)), shape=True)
    if name == "dtype":
        return Const(conv.concrete(node))
    raise UnmappableError(f"reads .{name}, which no layer type can")


def _getitem(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    obj, index = args[0], _const(args[1])
    if isinstance(obj, Parts):
        return obj.sources[index]
    if isinstance(obj, Recurrent):
        return recurrent_index(conv, node, obj, index)
    if isinstance(obj, Attention):
        if index != 0:
            raise UnmappableError("only the output of attention ([0]) can be used, not its weights")
        return attention_layer(conv, node, obj)
    if isinstance(obj, Const):
        first = index == 0 or (isinstance(index, slice) and index.start in (None, 0))
        return Const(conv.concrete(node), batch=obj.shape and first, shape=False)
    if isinstance(obj, tuple | list):
        return obj[index]
    return _tensor_index(conv, node, _tensor(obj), args[1])


def _tensor_index(conv: Converter, node: fx.Node, x: Out, index: Any) -> Out:
    """``x[:, 2:5]``, ``x[..., :3]``, ``x[:, -1]``: a Slice or Pick one time step."""
    items = list(index) if isinstance(index, tuple) else [index]
    rank = conv.concrete(node.args[0]).dim() - 1
    if items and items[0] is Ellipsis:
        items = items[1:]
        offset = -len(items)
    else:
        if not items or items[0] != slice(None):
            raise UnmappableError("indexing along the batch axis has no layer type")
        items, offset = items[1:], 0
    cut = [(i, item) for i, item in enumerate(items) if item != slice(None)]
    if len(cut) != 1:
        raise UnmappableError("only indexing along one axis has a layer type")
    position, item = cut[0]
    axis = position + offset if offset else position
    if isinstance(item, int) and rank == 2 and axis in (0, -2):
        return conv.add("PickStep", {"step": item}, [(x, "in")], node.name)
    if not isinstance(item, slice):
        raise UnmappableError("only slices (start:end:step) of an axis have a layer type")
    params = {"axis": axis, "start": item.start or 0, "end": item.stop, "step": item.step or 1}
    return conv.add("Slice", params, [(x, "in")], node.name)


def _view(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    x = _tensor(args[0])
    sizes = args[1:] if len(args) > 1 else (kwargs.get("shape") or kwargs.get("size"),)
    if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
        sizes = tuple(sizes[0])
    first, rest = sizes[0], [_const(s) for s in sizes[1:]]
    if any(getattr(s, "batch", False) for s in sizes[1:]):
        raise UnmappableError("only the first size may be the batch size")
    numel = math.prod(conv.concrete(node.args[0]).shape[1:])
    fixed = [s for s in rest if s != -1]
    batch_kept = getattr(first, "batch", False) or (
        _const(first) == -1 and -1 not in rest and math.prod(fixed) == numel
    )
    if not batch_kept or not rest:
        raise UnmappableError("a reshape must keep the batch size first (x.view(x.size(0), ...))")
    if rest in ([-1], [numel]):
        return conv.add("Flatten", {}, [(x, "in")], node.name)
    return conv.add("Reshape", {"shape": tuple(rest)}, [(x, "in")], node.name)


def _flatten(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    start = _const(_argument(args, kwargs, 1, "start_dim", 0))
    end = _const(_argument(args, kwargs, 2, "end_dim", -1))
    if start != 1 or end != -1:
        raise UnmappableError("only flattening from dim 1 to the end has a layer type")
    return conv.add("Flatten", {}, [(_tensor(args[0]), "in")], node.name)


def _permute(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    dims = args[1:] if len(args) > 1 else (kwargs.get("dims"),)
    if len(dims) == 1 and isinstance(dims[0], tuple | list):
        dims = tuple(dims[0])
    rank = conv.concrete(node.args[0]).dim()
    order = [d % rank for d in _const(dims)]
    if not order or order[0] != 0:
        raise UnmappableError("the batch axis must stay first")
    axes = tuple(d - 1 for d in order[1:])
    return conv.add("Permute", {"axes": axes}, [(_tensor(args[0]), "in")], node.name)


def _transpose(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    rank = conv.concrete(node.args[0]).dim() - 1
    first = _axis(_argument(args, kwargs, 1, "dim0"), rank)
    second = _axis(_argument(args, kwargs, 2, "dim1"), rank)
    params = {"axis0": first, "axis1": second}
    return conv.add("Transpose", params, [(_tensor(args[0]), "in")], node.name)


def _contiguous(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    return args[0]


# --------------------------------------------------------------------------- merges, parts
def _cat(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    items = list(_argument(args, kwargs, 0, "tensors"))
    rank = conv.concrete(node).dim() - 1
    axis = _axis(_argument(args, kwargs, 1, "dim", 0), rank)
    if all(isinstance(i, Recurrent) and i.stage == "direction" for i in items):
        return recurrent_bidirectional(conv, node, items, axis)
    sources = [_tensor(item) for item in items]
    if len(sources) == 1:
        return sources[0]
    params = {"axis": axis}
    return conv.add("Concatenate", params, [(s, "in") for s in sources], node.name)


def _split(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Parts:
    rank = conv.concrete(node.args[0]).dim() - 1
    axis = _axis(_argument(args, kwargs, 2, "dim", 0), rank)
    sizes = tuple(part.shape[axis + 1 if axis >= 0 else axis] for part in conv.concrete(node))
    return _parts(conv, node, args, "Split", {"sizes": sizes, "axis": axis})


def _chunk(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Parts:
    rank = conv.concrete(node.args[0]).dim() - 1
    axis = _axis(_argument(args, kwargs, 2, "dim", 0), rank)
    chunks = len(conv.concrete(node))
    if chunks != _const(_argument(args, kwargs, 1, "chunks")):
        raise UnmappableError("chunks of unequal size have no layer type")
    return _parts(conv, node, args, "Chunk", {"chunks": chunks, "axis": axis})


def _parts(conv: Converter, node: fx.Node, args: tuple, type_id: str, params: dict) -> Parts:
    first = conv.add(type_id, params, [(_tensor(args[0]), "in")], node.name)
    ports = conv.graph.output_ports(first.node_id)
    return Parts(tuple(Out(first.node_id, port.name) for port in ports))


def _mean(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    rank = conv.concrete(node.args[0]).dim() - 1
    axis = _axis(_argument(args, kwargs, 1, "dim"), rank)
    keep = bool(_const(_argument(args, kwargs, 2, "keepdim", False)))
    params = {"axis": axis, "keep_axis": keep}
    return conv.add("Mean", params, [(_tensor(args[0]), "in")], node.name)


def _amax(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    rank = conv.concrete(node.args[0]).dim() - 1
    axis = _axis(_argument(args, kwargs, 1, "dim"), rank)
    keep = bool(_const(_argument(args, kwargs, 2, "keepdim", False)))
    if rank != 2 or axis not in (0, -2) or keep:
        raise UnmappableError("only the maximum over the time steps of a sequence has a layer type")
    return conv.add("MaxOverTime", {}, [(_tensor(args[0]), "in")], node.name)


# --------------------------------------------------------------------------- masks
def _eq(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> PaddingMask:
    if isinstance(args[0], Out) and _const(args[1]) == 0:
        return PaddingMask(args[0], "eq")
    raise UnmappableError("comparisons have no layer type (except a padding mask: tokens.eq(0))")


def _to(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    if isinstance(args[0], PaddingMask) and args[0].stage == "eq":
        return PaddingMask(args[0].tokens, "float")
    if isinstance(args[0], Out) and conv.concrete(node).dtype == conv.concrete(node.args[0]).dtype:
        return args[0]
    raise UnmappableError("changing a tensor's type has no layer type")


def _new_full(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> CausalMask:
    if _const(_argument(args, kwargs, 2, "fill_value")) == -10000.0:
        return CausalMask("full")
    raise UnmappableError("new tensors have no layer type (except a causal attention mask)")


def _triu(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> CausalMask:
    if isinstance(args[0], CausalMask) and _const(_argument(args, kwargs, 1, "diagonal", 0)) == 1:
        return CausalMask("causal")
    raise UnmappableError("triu has no layer type (except in a causal attention mask)")


# --------------------------------------------------------------------------- layers
def attention_call(conv: Converter, path: str, module: nn.Module, args: tuple, kwargs: dict):
    """``attention(x, x, x, [key_padding_mask=...], [attn_mask=...], need_weights=False)``."""
    sources = [_argument(args, kwargs, i, n) for i, n in enumerate(("query", "key", "value"))]
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


_NEXT = {("call", 1): "state", ("state", 0): "hidden", ("hidden", "last_two"): "last_two"}


def recurrent_index(conv: Converter, node: fx.Node, rnn: Recurrent, index: Any) -> Any:
    """Follow ``rnn(x)[0]``, ``[1][-1]``, ``[1][0][-1]`` (LSTM), ``[1][-2:]``."""
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


HANDLERS: dict[str, Callable[..., Any]] = {
    "add": _add, "mul": _mul, "sub": _sub, "div": _div, "floordiv": _floordiv,
    "getitem": _getitem, "getattr": _getattr, "size": _size, "cat": _cat,
    "flatten": _flatten, "view": _view, "reshape": _view, "permute": _permute,
    "transpose": _transpose, "contiguous": _contiguous, "split": _split, "chunk": _chunk,
    "mean": _mean, "amax": _amax, "eq": _eq, "to": _to, "new_full": _new_full, "triu": _triu,
}  # fmt: skip
