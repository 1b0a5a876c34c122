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
from typing import TYPE_CHECKING, Any

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from designer.compiler.fx_import import patterns
from designer.compiler.fx_import.arguments import argument, const, per_sample_axis, tensor
from designer.compiler.fx_import.modules import UnmappableError, match_module
from designer.compiler.fx_import.values import (
    Attention,
    Const,
    Out,
    PaddingMask,
    Parts,
    Recurrent,
    Table,
)

if TYPE_CHECKING:
    from designer.compiler.fx_import.convert import Converter

#: Functions (and methods, by name) that are the functional form of a torch.nn class,
#: with the names of their arguments after the input; the class then maps through the
#: catalogue like any module.
FUNCTIONAL: dict[Any, tuple[str, tuple[str, ...]]] = {
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
    F.dropout: ("Dropout", ("p", "training")), F.dropout2d: ("Dropout2d", ("p", "training")),
    F.max_pool2d: ("MaxPool2d", ("kernel_size", "stride", "padding")),
    F.avg_pool2d: ("AvgPool2d", ("kernel_size", "stride", "padding")),
    F.adaptive_avg_pool2d: ("AdaptiveAvgPool2d", ("output_size",)),
    F.adaptive_max_pool2d: ("AdaptiveMaxPool2d", ("output_size",)),
}  # fmt: skip
#: Arguments that change no result of a design's layer: in-place, and ``training``,
#: which a design's Dropout takes from the model's mode as ``F.dropout(x, p,
#: self.training)`` does.
_IGNORED_KWARGS = frozenset({"inplace", "_stacklevel", "dtype", "training"})

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
    if node.target in FUNCTIONAL:
        return True
    name = node.target if node.op == "call_method" else _FUNCTIONS.get(node.target)
    return name in HANDLERS


def dispatch(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    target = node.target
    if target in FUNCTIONAL and not (node.op == "call_function" and isinstance(target, str)):
        return _functional(conv, node, args, kwargs)
    name = target if node.op == "call_method" else _FUNCTIONS.get(target)
    handler = HANDLERS.get(name) if isinstance(name, str) else None
    if handler is None:
        raise UnmappableError("no layer type computes this")
    return handler(conv, node, args, kwargs)


def _functional(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    class_name, names = FUNCTIONAL[node.target]
    x = tensor(args[0])
    settings = dict(zip(names, (const(a) for a in args[1:]), strict=False))
    settings.update({k: const(v) for k, v in kwargs.items() if k not in _IGNORED_KWARGS})
    settings = {k: v for k, v in settings.items() if k not in _IGNORED_KWARGS}
    try:
        module = getattr(nn, class_name)(**settings)
    except TypeError as error:
        raise UnmappableError(f"unexpected arguments ({error})") from None
    spec, params = match_module(module, [conv.shape(node.args[0])])
    return conv.add(spec.type_id, params, [(x, "in")], node.name)


def _same_shape(conv: Converter, node: fx.Node) -> bool:
    shapes = [tuple(conv.concrete(a).shape) for a in node.args[:2] if isinstance(a, fx.Node)]
    return len(shapes) == 2 and shapes[0] == shapes[1]


# --------------------------------------------------------------------------- arithmetic
def _add(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    a, b = args[0], args[1]
    if _number(a) and _number(b):
        return _arith(conv, node, a, b)
    if isinstance(a, Table) or isinstance(b, Table):
        return patterns.positions(
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
    if isinstance(a, PaddingMask) and a.stage == "float" and const(b) == -10000.0:
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
        return _scale_bias(conv, node, (a, -const(b)), "bias")
    raise UnmappableError("only a fixed number can be subtracted from a tensor")


def _div(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    a, b = args[0], args[1]
    if _number(a) and _number(b):
        return _arith(conv, node, a, b)
    divisor = const(b)
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
    number = const(number)
    if not isinstance(x, Out) or isinstance(number, bool) or not isinstance(number, int | float):
        raise UnmappableError("only tensors of one shape, or a tensor and a number, combine")
    params = {"scale": float(number)} if what == "scale" else {"bias": float(number)}
    return conv.add("ScaleBias", params, [(x, "in")], node.name)


def _floordiv(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    if _number(args[0]) and _number(args[1]):
        return _arith(conv, node, args[0], args[1])
    raise UnmappableError("no layer type divides tensors")


# --------------------------------------------------------------------------- shapes
def _size(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Const:
    dim = argument(args, kwargs, 1, "dim")
    value = conv.concrete(node)
    if dim is None:
        return Const(tuple(value), shape=True)
    rank = conv.concrete(node.args[0]).dim()
    return Const(value, batch=const(dim) in (0, -rank))


def _getattr(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Const:
    name = args[1]
    if name == "shape":
        return Const(tuple(conv.concrete(node)), shape=True)
    if name == "dtype":
        return Const(conv.concrete(node))
    raise UnmappableError(f"reads .{name}, which no layer type can")


def _getitem(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    obj, index = args[0], const(args[1])
    if isinstance(obj, Parts):
        return obj.sources[index]
    if isinstance(obj, Recurrent):
        return patterns.recurrent_index(conv, node, obj, index)
    if isinstance(obj, Attention):
        if index != 0:
            raise UnmappableError("only the output of attention ([0]) can be used, not its weights")
        return patterns.attention_layer(conv, node, obj)
    if isinstance(obj, Const):  # a size: x.shape[0] is the batch, x.shape[:2] starts with it
        if isinstance(index, slice):
            return Const(conv.concrete(node), shape=obj.shape and index.start in (None, 0))
        rank = len(obj.value) if obj.shape else 0
        return Const(conv.concrete(node), batch=obj.shape and index in (0, -rank))
    if isinstance(obj, tuple | list):
        return obj[index]
    return _tensor_index(conv, node, tensor(obj), args[1])


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
    x = tensor(args[0])
    sizes = args[1:] if len(args) > 1 else (kwargs.get("shape") or kwargs.get("size"),)
    if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
        sizes = tuple(sizes[0])
    first, rest = sizes[0], [const(s) for s in sizes[1:]]
    if any(getattr(s, "batch", False) for s in sizes[1:]):
        raise UnmappableError("only the first size may be the batch size")
    numel = math.prod(conv.concrete(node.args[0]).shape[1:])
    fixed = [s for s in rest if s != -1]
    batch_kept = getattr(first, "batch", False) or (
        const(first) == -1 and -1 not in rest and math.prod(fixed) == numel
    )
    if not batch_kept or not rest:
        raise UnmappableError("a reshape must keep the batch size first (x.view(x.size(0), ...))")
    if rest in ([-1], [numel]):
        return conv.add("Flatten", {}, [(x, "in")], node.name)
    return conv.add("Reshape", {"shape": tuple(rest)}, [(x, "in")], node.name)


def _flatten(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    start = const(argument(args, kwargs, 1, "start_dim", 0))
    end = const(argument(args, kwargs, 2, "end_dim", -1))
    if start != 1 or end != -1:
        raise UnmappableError("only flattening from dim 1 to the end has a layer type")
    return conv.add("Flatten", {}, [(tensor(args[0]), "in")], node.name)


def _permute(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    dims = args[1:] if len(args) > 1 else (kwargs.get("dims"),)
    if len(dims) == 1 and isinstance(dims[0], tuple | list):
        dims = tuple(dims[0])
    rank = conv.concrete(node.args[0]).dim()
    order = [d % rank for d in const(dims)]
    if not order or order[0] != 0:
        raise UnmappableError("the batch axis must stay first")
    axes = tuple(d - 1 for d in order[1:])
    return conv.add("Permute", {"axes": axes}, [(tensor(args[0]), "in")], node.name)


def _transpose(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    rank = conv.concrete(node.args[0]).dim() - 1
    first = per_sample_axis(argument(args, kwargs, 1, "dim0"), rank)
    second = per_sample_axis(argument(args, kwargs, 2, "dim1"), rank)
    params = {"axis0": first, "axis1": second}
    return conv.add("Transpose", params, [(tensor(args[0]), "in")], node.name)


def _contiguous(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Any:
    return args[0]


# --------------------------------------------------------------------------- merges, parts
def _cat(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    items = list(argument(args, kwargs, 0, "tensors"))
    rank = conv.concrete(node).dim() - 1
    axis = per_sample_axis(argument(args, kwargs, 1, "dim", 0), rank)
    if all(isinstance(i, Recurrent) and i.stage == "direction" for i in items):
        return patterns.recurrent_bidirectional(conv, node, items, axis)
    sources = [tensor(item) for item in items]
    if len(sources) == 1:
        return sources[0]
    params = {"axis": axis}
    return conv.add("Concatenate", params, [(s, "in") for s in sources], node.name)


def _split(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Parts:
    rank = conv.concrete(node.args[0]).dim() - 1
    axis = per_sample_axis(argument(args, kwargs, 2, "dim", 0), rank)
    sizes = tuple(part.shape[axis + 1 if axis >= 0 else axis] for part in conv.concrete(node))
    return _parts(conv, node, args, "Split", {"sizes": sizes, "axis": axis})


def _chunk(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Parts:
    rank = conv.concrete(node.args[0]).dim() - 1
    axis = per_sample_axis(argument(args, kwargs, 2, "dim", 0), rank)
    chunks = len(conv.concrete(node))
    if chunks != const(argument(args, kwargs, 1, "chunks")):
        raise UnmappableError("chunks of unequal size have no layer type")
    return _parts(conv, node, args, "Chunk", {"chunks": chunks, "axis": axis})


def _parts(conv: Converter, node: fx.Node, args: tuple, type_id: str, params: dict) -> Parts:
    first = conv.add(type_id, params, [(tensor(args[0]), "in")], node.name)
    ports = conv.graph.output_ports(first.node_id)
    return Parts(tuple(Out(first.node_id, port.name) for port in ports))


def _mean(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    rank = conv.concrete(node.args[0]).dim() - 1
    axis = per_sample_axis(argument(args, kwargs, 1, "dim"), rank)
    keep = bool(const(argument(args, kwargs, 2, "keepdim", False)))
    params = {"axis": axis, "keep_axis": keep}
    return conv.add("Mean", params, [(tensor(args[0]), "in")], node.name)


def _amax(conv: Converter, node: fx.Node, args: tuple, kwargs: dict) -> Out:
    rank = conv.concrete(node.args[0]).dim() - 1
    axis = per_sample_axis(argument(args, kwargs, 1, "dim"), rank)
    keep = bool(const(argument(args, kwargs, 2, "keepdim", False)))
    if rank != 2 or axis not in (0, -2) or keep:
        raise UnmappableError("only the maximum over the time steps of a sequence has a layer type")
    return conv.add("MaxOverTime", {}, [(tensor(args[0]), "in")], node.name)


HANDLERS: dict[str, Callable[..., Any]] = {
    "add": _add, "mul": _mul, "sub": _sub, "div": _div, "floordiv": _floordiv,
    "getitem": _getitem, "getattr": _getattr, "size": _size, "cat": _cat,
    "flatten": _flatten, "view": _view, "reshape": _view, "permute": _permute,
    "transpose": _transpose, "contiguous": _contiguous, "split": _split, "chunk": _chunk,
    "mean": _mean, "amax": _amax, "eq": patterns.eq, "to": patterns.to,
    "new_full": patterns.new_full, "triu": patterns.triu,
}  # fmt: skip
