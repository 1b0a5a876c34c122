"""The catalogue's shape rules and parameter counts agree with real torch modules.

For every layer type with a torch binding, hypothesis draws parameters and input shapes
(mostly valid, sometimes not), builds the module exactly as the catalogue says (class from
``binding.module``, kwargs from ``binding.kwargs``) and runs the forward expression from
``binding.forward`` on a batch of 2. Where the rule accepts, the output shape, dtype and
parameter count must match torch; where the rule refuses (`ShapeError`), torch must fail
too, unless the case is one of the documented, deliberate refusals in `_deliberate`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from designer.catalog import LayerSpec, Shape, ShapeError, default_catalog
from designer.catalog.description import FLOAT, INT

torch = pytest.importorskip("torch")
F = torch.nn.functional

CATALOG = default_catalog()
PURE = {"Input", "Output"}  # no binding: tested by test_input_and_output below
BATCH = 2
VOCAB = 5  # token ids in 0..VOCAB-1 for integer inputs (Embedding draws its own size)

Draw = Callable
Case = tuple[dict, list[Shape]]

# ------------------------------------------------------------------ shape strategies


def dims(draw: Draw, rank: int, high: int = 6) -> tuple[int, ...]:
    return tuple(draw(st.integers(1, high)) for _ in range(rank))


def real(draw: Draw, low: int = 1, high: int = 3) -> Shape:
    """A real-valued shape of rank low..high; now and then integer tokens instead."""
    shape = Shape(dims(draw, draw(st.integers(low, high))))
    return with_ints(draw, shape)


def with_ints(draw: Draw, shape: Shape) -> Shape:
    return Shape(shape.dims, INT) if draw(st.integers(0, 9)) == 0 else shape


def of_rank(draw: Draw, rank: int, high: int = 8) -> Shape:
    """Mostly the given rank, sometimes one more or one less (which must be refused)."""
    actual = draw(st.sampled_from([rank] * 6 + [max(rank - 1, 1), rank + 1]))
    return with_ints(draw, Shape(dims(draw, actual, high)))


def activation(draw: Draw) -> str:
    return draw(st.sampled_from(CATALOG.get("Linear").param("activation").choices))


# ------------------------------------------------------------------ per-type strategies


def linear(draw: Draw) -> Case:
    params = {"units": draw(st.integers(1, 8)), "bias": draw(st.booleans())}
    return {**params, "activation": activation(draw)}, [real(draw)]


def dropout(draw: Draw) -> Case:
    return {"p": draw(st.floats(0.0, 1.0))}, [real(draw)]


def no_params(draw: Draw) -> Case:
    return {}, [real(draw, high=4)]


def reshape(draw: Draw) -> Case:
    shape = real(draw, high=3)
    numel = shape.numel
    target = draw(
        st.one_of(
            st.just((numel,)),
            st.permutations(shape.dims).map(tuple),
            st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple),
        )
    )
    if draw(st.booleans()):
        index = draw(st.integers(0, len(target) - 1))
        target = (*target[:index], -1, *target[index + 1 :])
    return {"shape": target}, [shape]


def identity(draw: Draw) -> Case:
    return {}, [Shape(dims(draw, draw(st.integers(1, 3))), draw(st.sampled_from([FLOAT, INT])))]


def leaky_relu(draw: Draw) -> Case:
    return {"negative_slope": draw(st.floats(0.0, 10.0))}, [real(draw)]


def elu(draw: Draw) -> Case:
    return {"alpha": draw(st.floats(0.0, 100.0))}, [real(draw)]


def gelu(draw: Draw) -> Case:
    return {"approximate": draw(st.sampled_from(["none", "tanh"]))}, [real(draw)]


def softmax(draw: Draw) -> Case:
    return {"axis": draw(st.integers(-4, 3))}, [real(draw)]


def conv(ndim: int) -> Callable[[Draw], Case]:
    def strategy(draw: Draw) -> Case:
        params = {
            "out_channels": draw(st.integers(1, 8)),
            "kernel_size": draw(st.integers(1, 5)),
            "stride": draw(st.integers(1, 3)),
            "padding": draw(st.integers(0, 2)),
            "dilation": draw(st.integers(1, 3)),
            "groups": draw(st.sampled_from([1, 1, 1, 2, 3, 4])),
            "bias": draw(st.booleans()),
            "activation": activation(draw),
        }
        return params, [of_rank(draw, ndim + 1, high=12)]

    return strategy


def conv_transpose(ndim: int) -> Callable[[Draw], Case]:
    def strategy(draw: Draw) -> Case:
        params = {
            "out_channels": draw(st.integers(1, 8)),
            "kernel_size": draw(st.integers(1, 4)),
            "stride": draw(st.integers(1, 3)),
            "padding": draw(st.integers(0, 3)),
            "output_padding": draw(st.integers(0, 2)),
            "bias": draw(st.booleans()),
            "activation": activation(draw),
        }
        return params, [of_rank(draw, ndim + 1)]

    return strategy


def pool(ndim: int) -> Callable[[Draw], Case]:
    def strategy(draw: Draw) -> Case:
        params = {
            "kernel_size": draw(st.integers(1, 4)),
            "stride": draw(st.one_of(st.none(), st.integers(1, 3))),
            "padding": draw(st.integers(0, 2)),
        }
        return params, [of_rank(draw, ndim + 1, high=12)]

    return strategy


def adaptive(ndim: int) -> Callable[[Draw], Case]:
    names = ("length",) if ndim == 1 else ("height", "width")

    def strategy(draw: Draw) -> Case:
        return {n: draw(st.integers(1, 6)) for n in names}, [of_rank(draw, ndim + 1)]

    return strategy


def image_only(draw: Draw) -> Case:
    return {}, [of_rank(draw, 3)]


def dropout2d(draw: Draw) -> Case:
    return {"p": draw(st.floats(0.0, 1.0))}, [of_rank(draw, 3)]


def scale_bias(draw: Draw) -> Case:
    params = {"scale": draw(st.floats(-10.0, 10.0)), "bias": draw(st.floats(-10.0, 10.0))}
    return params, [real(draw)]


def upsample(draw: Draw) -> Case:
    params = {
        "scale_factor": draw(st.integers(1, 3)),
        "mode": draw(st.sampled_from(["nearest", "bilinear"])),
    }
    return params, [of_rank(draw, 3)]


def batch_norm(rank: int) -> Callable[[Draw], Case]:
    def strategy(draw: Draw) -> Case:
        params = {
            "eps": draw(st.floats(1e-12, 1.0)),
            "momentum": draw(st.floats(0.0, 1.0)),
            "affine": draw(st.booleans()),
        }
        return params, [of_rank(draw, rank)]

    return strategy


def group_norm(draw: Draw) -> Case:
    params = {
        "num_groups": draw(st.integers(1, 4)),
        "eps": draw(st.floats(1e-12, 1.0)),
        "affine": draw(st.booleans()),
    }
    return params, [real(draw)]


def instance_norm(rank: int) -> Callable[[Draw], Case]:
    def strategy(draw: Draw) -> Case:
        params = {"eps": draw(st.floats(1e-12, 1.0)), "affine": draw(st.booleans())}
        return params, [of_rank(draw, rank, high=4)]

    return strategy


def layer_norm(draw: Draw) -> Case:
    return {"eps": draw(st.floats(1e-12, 1.0)), "affine": draw(st.booleans())}, [real(draw)]


def embedding(draw: Draw) -> Case:
    params = {
        "num_embeddings": draw(st.integers(VOCAB, 20)),
        "embedding_dim": draw(st.integers(1, 8)),
    }
    dtype = draw(st.sampled_from([INT, INT, INT, FLOAT]))
    return params, [Shape(dims(draw, draw(st.integers(1, 2))), dtype)]


def rnn(draw: Draw) -> Case:
    params, inputs = lstm(draw)
    return {**params, "nonlinearity": draw(st.sampled_from(["tanh", "relu"]))}, inputs


def lstm(draw: Draw) -> Case:
    params = {
        "hidden_size": draw(st.integers(1, 6)),
        "num_layers": draw(st.integers(1, 3)),
        "bidirectional": draw(st.booleans()),
        "dropout": draw(st.floats(0.0, 0.5)),
        "return_sequences": draw(st.booleans()),
        "bias": draw(st.booleans()),
    }
    return params, [of_rank(draw, 2)]


def attention(draw: Draw) -> Case:
    params = {
        "num_heads": draw(st.integers(1, 4)),
        "dropout": draw(st.floats(0.0, 0.5)),
        "bias": draw(st.booleans()),
    }
    sequence = of_rank(draw, 2)
    if draw(st.booleans()):
        return params, [sequence]
    length = sequence.dims[0] if draw(st.integers(0, 5)) else draw(st.integers(1, 6))
    mask = Shape((length,), draw(st.sampled_from([INT] * 5 + [FLOAT])))
    return params, [sequence, mask]


def sequence_only(draw: Draw) -> Case:
    return {}, [of_rank(draw, 2)]


def pick_step(draw: Draw) -> Case:
    shape = of_rank(draw, 2)
    length = shape.dims[0]
    step = draw(st.sampled_from([-length - 1, -length, 0, length - 1, length, -1]))
    return {"step": step}, [shape]


def softplus(draw: Draw) -> Case:
    params = {"beta": draw(st.floats(0.01, 100.0)), "threshold": draw(st.floats(0.0, 100.0))}
    return params, [real(draw)]


def prelu(draw: Draw) -> Case:
    params = {"per_channel": draw(st.booleans()), "init": draw(st.floats(0.0, 1.0))}
    return params, [real(draw)]


# ------------------------------------------------------------- axes and several outputs


def axis(draw: Draw, rank: int) -> int:
    """Mostly a valid per-sample axis, now and then one out of range."""
    return draw(st.integers(-rank - 1, rank))


def permute(draw: Draw) -> Case:
    shape = real(draw, high=4)
    axes = draw(
        st.one_of(
            st.permutations(range(shape.rank)).map(tuple),
            st.lists(st.integers(0, 4), min_size=1, max_size=4).map(tuple),
        )
    )
    if draw(st.integers(0, 3)) == 0:
        index = draw(st.integers(0, len(axes) - 1))
        axes = (*axes[:index], -1, *axes[index + 1 :])
    return {"axes": axes}, [with_ints(draw, Shape(shape.dims))]


def transpose(draw: Draw) -> Case:
    shape = real(draw)
    return {"axis0": axis(draw, shape.rank), "axis1": axis(draw, shape.rank)}, [shape]


def slice_(draw: Draw) -> Case:
    shape = real(draw)
    params = {
        "axis": axis(draw, shape.rank),
        "start": draw(st.integers(-8, 8)),
        "end": draw(st.one_of(st.none(), st.integers(-8, 8))),
        "step": draw(st.integers(1, 3)),
    }
    return params, [shape]


def split(draw: Draw) -> Case:
    shape = real(draw)
    chosen = axis(draw, shape.rank)
    size = shape.dims[chosen] if -shape.rank <= chosen < shape.rank else 4
    if draw(st.integers(0, 3)) and size > 1:
        cuts = sorted(draw(st.sets(st.integers(1, size - 1), min_size=1, max_size=3)))
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, size], strict=True)]
    else:
        sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    rest = draw(st.integers(0, 5))
    if rest == 0:  # -1 takes what the others leave
        sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    elif rest == 1:  # -1 with nothing left for it
        sizes.append(-1)
    return {"sizes": tuple(sizes), "axis": chosen}, [shape]


def chunk(draw: Draw) -> Case:
    shape = real(draw)
    return {"chunks": draw(st.integers(2, 4)), "axis": axis(draw, shape.rank)}, [shape]


def mean(draw: Draw) -> Case:
    shape = real(draw)
    return {"axis": axis(draw, shape.rank), "keep_axis": draw(st.booleans())}, [shape]


def same_shape_merge(draw: Draw) -> Case:
    first = Shape(dims(draw, draw(st.integers(1, 3)), high=4))
    shapes = [first]
    for _ in range(draw(st.integers(1, 2))):
        other = first if draw(st.booleans()) else Shape(dims(draw, first.rank, high=4))
        shapes.append(with_ints(draw, other))
    return {}, shapes


def concatenate(draw: Draw) -> Case:
    rank = draw(st.integers(1, 3))
    first = dims(draw, rank, high=4)
    axis = draw(st.integers(-rank - 1, rank))
    shapes = [Shape(first)]
    for _ in range(draw(st.integers(1, 2))):
        other = list(first) if draw(st.integers(0, 3)) else list(dims(draw, rank, high=4))
        if -rank <= axis < rank:
            other[axis] = draw(st.integers(1, 4))
        if draw(st.integers(0, 7)) == 0:
            other.append(1)  # a different rank now and then
        shapes.append(with_ints(draw, Shape(tuple(other))))
    return {"axis": axis}, shapes


STRATEGIES: dict[str, Callable[[Draw], Case]] = {
    "Linear": linear,
    "Dropout": dropout,
    "Dropout2d": dropout2d,
    "Identity": identity,
    "ScaleBias": scale_bias,
    "Flatten": no_params,
    "Reshape": reshape,
    "Permute": permute,
    "Transpose": transpose,
    "Slice": slice_,
    "Split": split,
    "Chunk": chunk,
    "Mean": mean,
    "ReLU": no_params,
    "ReLU6": no_params,
    "LeakyReLU": leaky_relu,
    "PReLU": prelu,
    "ELU": elu,
    "SELU": no_params,
    "GELU": gelu,
    "SiLU": no_params,
    "Mish": no_params,
    "Hardswish": no_params,
    "Softplus": softplus,
    "Sigmoid": no_params,
    "Hardsigmoid": no_params,
    "Tanh": no_params,
    "Softmax": softmax,
    "LogSoftmax": softmax,
    "Conv1d": conv(1),
    "Conv2d": conv(2),
    "Conv3d": conv(3),
    "ConvTranspose1d": conv_transpose(1),
    "ConvTranspose2d": conv_transpose(2),
    "MaxPool1d": pool(1),
    "MaxPool2d": pool(2),
    "MaxPool3d": pool(3),
    "AvgPool1d": pool(1),
    "AvgPool2d": pool(2),
    "AvgPool3d": pool(3),
    "AdaptiveAvgPool1d": adaptive(1),
    "AdaptiveAvgPool2d": adaptive(2),
    "AdaptiveMaxPool1d": adaptive(1),
    "AdaptiveMaxPool2d": adaptive(2),
    "GlobalAvgPool2d": image_only,
    "GlobalMaxPool2d": image_only,
    "Upsample": upsample,
    "BatchNorm1d": batch_norm(2),
    "BatchNorm2d": batch_norm(3),
    "BatchNorm3d": batch_norm(4),
    "LayerNorm": layer_norm,
    "GroupNorm": group_norm,
    "InstanceNorm1d": instance_norm(2),
    "InstanceNorm2d": instance_norm(3),
    "Embedding": embedding,
    "PositionalEmbedding": sequence_only,
    "LSTM": lstm,
    "GRU": lstm,
    "RNN": rnn,
    "SelfAttention": attention,
    "CausalSelfAttention": attention,
    "MeanOverTime": sequence_only,
    "MaxOverTime": sequence_only,
    "PickStep": pick_step,
    "Add": same_shape_merge,
    "Multiply": same_shape_merge,
    "Concatenate": concatenate,
}

# The rank (per sample) each layer needs; torch reads one axis fewer as an unbatched sample.
_RANK = {
    **dict.fromkeys(["Conv1d", "ConvTranspose1d", "MaxPool1d", "AvgPool1d"], 2),
    **dict.fromkeys(["AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "InstanceNorm1d"], 2),
    **dict.fromkeys(["Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d"], 3),
    **dict.fromkeys(["AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "InstanceNorm2d"], 3),
    **dict.fromkeys(["GlobalAvgPool2d", "GlobalMaxPool2d", "Upsample", "Dropout2d"], 3),
    **dict.fromkeys(["Conv3d", "MaxPool3d", "AvgPool3d", "BatchNorm3d"], 4),
    **dict.fromkeys(["LSTM", "GRU", "RNN", "SelfAttention", "CausalSelfAttention"], 2),
    **dict.fromkeys(["PositionalEmbedding"], 2),
    **dict.fromkeys(["MeanOverTime", "MaxOverTime", "PickStep"], 2),
}
# Layers offered for one layout only, although torch would run them on others as well.
_ONE_LAYOUT = {
    "Upsample", "AdaptiveAvgPool2d", "GlobalAvgPool2d", "GlobalMaxPool2d", "Dropout2d",
    "PositionalEmbedding", "MeanOverTime", "MaxOverTime", "PickStep",
}  # fmt: skip


def _deliberate(spec: LayerSpec, params: dict, inputs: list[Shape]) -> str | None:
    """Why the rule refuses something torch would run anyway, or None.

    The documented exceptions, all on purpose (and a rule that accepts one of them is
    wrong as well):

    * Integer tokens into a real-valued layer (or merged with real values): torch runs
      some element-wise ops (ReLU, Flatten, Dropout in eval, pooling...) on int64 tensors,
      but a network that does so has forgotten its Embedding, so the designer says so.
      Likewise real values into an input that takes token ids (attention's padding mask,
      where torch would compare the values with 0).
    * One axis fewer than the layer needs (e.g. 2-D into MaxPool2d, 1-D into an LSTM):
      torch reads such a tensor as a single *unbatched* sample, but the designer always
      has a batch axis, so it would silently mix samples; refused.
    * Layers offered for one layout only (`_ONE_LAYOUT`): nn.Upsample also takes 1-D and
      3-D signals, AdaptiveAvgPool2d pools the last two axes of any tensor, Dropout2d
      only warns about other ranks, and pooling over time, picking a step or adding a
      positional embedding would index or broadcast over any tensor; the catalogue
      offers them for images (channels × height × width) or sequences (length ×
      features) only.
    * Add/Multiply of different shapes: torch broadcasts them, but a residual or gate of
      mismatched sizes is almost always a mistake; the rule needs identical shapes.
    * A (transposed) convolution whose output would be 0 wide: torch returns an empty
      tensor rather than failing; a layer with no output is refused (checked in the test
      itself, from the size of torch's result).
    * An axis one below the per-sample range (-4 for a 3-D sample) in Softmax, LogSoftmax,
      Concatenate or any layer with axes: torch takes it as the batch axis, which the
      designer never touches.
    * Mean over the only axis of a sample: torch gives one number per sample, a shape
      the designer's other layers cannot take; the rule asks for Keep axis instead.
    * Split into a single part: torch returns a tuple of one tensor; a Split needs two
      sizes at least (an Identity does the rest).
    * Chunk of an axis its parts do not divide: torch makes the last part smaller (or
      fewer parts); the designer's Chunk gives equal parts (Split takes other sizes).
    """
    for index, shape in enumerate(inputs):
        port = spec.inputs[min(index, len(spec.inputs) - 1)]
        if port.tokens and shape.dtype != INT:
            return "token ids expected"
        if not port.tokens and shape.dtype == INT and not spec.accepts_integers:
            return "integer tokens"
    if spec.type_id in _RANK and inputs[0].rank != _RANK[spec.type_id]:
        if inputs[0].rank == _RANK[spec.type_id] - 1:
            return "unbatched"
        if spec.type_id in _ONE_LAYOUT:
            return "one layout only"
    if spec.type_id in ("Add", "Multiply") and len({s.dims for s in inputs}) > 1:
        return "broadcasting"
    axes = [params.get(name) for name in ("axis", "axis0", "axis1")]
    if -inputs[0].rank - 1 in axes:
        return "batch axis"
    if spec.type_id == "Mean" and inputs[0].rank == 1 and not params["keep_axis"]:
        return "no axis left"
    if spec.type_id == "Split" and len(params["sizes"]) == 1:
        return "one part"
    rank = inputs[0].rank
    if spec.type_id == "Chunk" and -rank <= params["axis"] < rank:
        size = inputs[0].dims[params["axis"]]
        return "equal parts" if size % params["chunks"] else None
    return None


# --------------------------------------------------------------------------- runner


def tensor(shape: Shape, vocab: int = VOCAB) -> torch.Tensor:
    if shape.dtype == INT:
        return torch.randint(0, vocab, (BATCH, *shape.dims))
    return torch.randn(BATCH, *shape.dims)


def run_torch(spec: LayerSpec, params: dict, inputs: list[Shape]) -> tuple[torch.Tensor, int]:
    """Build the module as the catalogue says and evaluate its forward expression."""
    binding = spec.binding
    module = None
    if binding.module is not None:
        path, _, name = binding.module.rpartition(".")
        cls = getattr(importlib.import_module(path), name)
        module = cls(**binding.kwargs(params, inputs))
    names = [f"x{i}" for i in range(len(inputs))]
    vocab = params.get("num_embeddings", VOCAB)
    namespace = {"m": module, "torch": torch, "F": F}
    namespace.update({n: tensor(s, vocab) for n, s in zip(names, inputs, strict=True)})
    expression = binding.forward("m", names, params)
    with torch.no_grad():
        output = eval(expression, namespace)  # test code: the catalogue's own expression
    count = sum(p.numel() for p in module.parameters()) if module is not None else 0
    return output, count


def as_outputs(result) -> tuple[torch.Tensor, ...]:
    """Torch's result as one tensor per output port."""
    return tuple(result) if isinstance(result, tuple | list) else (result,)


@pytest.mark.parametrize("type_id", sorted(STRATEGIES))
@given(data=st.data())
def test_rule_matches_torch(type_id: str, data: st.DataObject) -> None:
    raw, inputs = data.draw(st.composite(lambda draw: STRATEGIES[type_id](draw))())
    check_against_torch(CATALOG.get(type_id), raw, inputs)


def check_against_torch(spec: LayerSpec, raw: dict, inputs: list[Shape]) -> None:
    """Where the rule accepts, torch gives those shapes, dtypes and parameter count;
    where it refuses, torch fails too (or the refusal is deliberate)."""
    params = spec.validate_params(raw)
    try:
        output = spec.shape_rule(params, inputs)
    except ShapeError as refusal:
        assert str(refusal), "a refusal must say why"
        if _deliberate(spec, params, inputs) is not None:
            return
        try:
            result, _ = run_torch(spec, params, inputs)
        except Exception:  # torch refuses too, whatever its error
            return
        # The silent cases left: an output of size 0, which torch returns as an empty
        # tensor (see `_deliberate`), or another number of outputs than the layer's ports.
        results = as_outputs(result)
        assert len(results) != len(spec.output_ports(params)) or any(
            0 in r.shape for r in results
        ), f"torch accepts what the rule refuses ({refusal})"
        return
    reason = _deliberate(spec, params, inputs)
    assert reason is None, f"the rule accepts what it should refuse ({reason})"
    result, count = run_torch(spec, params, inputs)
    shapes = output if isinstance(output, tuple) else (output,)
    results = as_outputs(result)
    assert len(shapes) == len(results) == len(spec.output_ports(params)), (params, inputs)
    for shape, tensor_out in zip(shapes, results, strict=True):
        assert min(shape.dims, default=1) >= 1, "an accepted layer gives an output"
        assert tuple(tensor_out.shape) == (BATCH, *shape.dims), (params, inputs)
        assert tensor_out.dtype == (torch.int64 if shape.dtype == INT else torch.float32)
    assert spec.param_count(params, inputs, output) == count, (params, inputs)
    assert spec.macs(params, inputs, output) >= 0


def _f(*dims: int) -> Shape:
    return Shape(dims)


def _tokens(*dims: int) -> Shape:
    return Shape(dims, INT)


# Boundaries a random draw reaches only now and then: each is checked on every run.
EDGE_CASES = [("PickStep", {"step": step}, [_f(3, 2)]) for step in (-4, -3, -1, 0, 2, 3)] + [
    ("Split", {"sizes": (1, 1, 1, 1, -1)}, [_f(4)]),
    ("Split", {"sizes": (2, -1)}, [_f(3)]),
    ("Split", {"sizes": (3, 1)}, [_f(4)]),
    ("Split", {"sizes": (2, 1)}, [_f(4)]),
    ("Split", {"sizes": (2, 2), "axis": 0}, [_f(4, 3)]),
    ("Split", {"sizes": (4,)}, [_f(4)]),
    ("Chunk", {"chunks": 2}, [_f(1)]),
    ("Chunk", {"chunks": 3, "axis": 0}, [_f(6, 2)]),
    ("Chunk", {"chunks": 4}, [_f(6)]),
    ("Slice", {"start": 2, "end": 2}, [_f(4)]),
    ("Slice", {"start": -1}, [_f(4)]),
    ("Slice", {"start": 4}, [_f(4)]),
    ("Slice", {"start": 1, "end": -1, "step": 2, "axis": -1}, [_f(3, 6)]),
    ("Slice", {"axis": -2, "start": 1}, [_f(3, 6)]),
    ("Permute", {"axes": (-1, 0)}, [_f(2, 3)]),
    ("Permute", {"axes": (0, 0)}, [_f(2, 3)]),
    ("Permute", {"axes": (2, 0, 1)}, [_tokens(2, 3, 4)]),
    ("Transpose", {"axis0": -1, "axis1": 0}, [_f(2, 3, 4)]),
    ("Mean", {"axis": 0}, [_f(5)]),
    ("Mean", {"axis": 0, "keep_axis": True}, [_f(5)]),
    ("Mean", {"axis": -2}, [_f(5, 3)]),
    ("AvgPool3d", {"kernel_size": 2}, [_f(1, 2, 2, 2)]),
    ("AvgPool3d", {"kernel_size": 3, "padding": 1}, [_f(1, 2, 2, 2)]),
    ("MaxPool3d", {"kernel_size": 3, "padding": 1}, [_f(1, 2, 2, 2)]),
    ("InstanceNorm1d", {}, [_f(3, 1)]),
    ("InstanceNorm1d", {}, [_f(3, 2)]),
    ("InstanceNorm2d", {"affine": True}, [_f(3, 1, 1)]),
    ("GroupNorm", {"num_groups": 3}, [_f(6, 2)]),
    ("GroupNorm", {"num_groups": 4}, [_f(6, 2)]),
    ("ConvTranspose1d", {"stride": 2, "output_padding": 2}, [_f(3, 4)]),
    ("ConvTranspose1d", {"stride": 3, "output_padding": 2}, [_f(3, 4)]),
    ("AdaptiveAvgPool2d", {"height": 5, "width": 1}, [_f(2, 3, 3)]),
    ("AdaptiveMaxPool1d", {"length": 1}, [_f(2, 1)]),
    ("CausalSelfAttention", {"num_heads": 2}, [_f(3, 4), _tokens(3)]),
    ("CausalSelfAttention", {"num_heads": 2}, [_f(3, 4), _f(3)]),
    ("SelfAttention", {"num_heads": 2}, [_f(3, 4), _tokens(4)]),
    ("SelfAttention", {"num_heads": 2}, [_f(3, 4), _f(3)]),
    ("SelfAttention", {"num_heads": 2}, [_tokens(3, 4), _tokens(3)]),
    ("PositionalEmbedding", {}, [_f(3, 3, 3)]),
    ("PReLU", {"per_channel": True}, [_f(3, 5)]),
    ("Dropout2d", {}, [_f(3, 4)]),
    ("ScaleBias", {"scale": -0.5, "bias": -2.0}, [_f(3)]),
]


@pytest.mark.parametrize(("type_id", "raw", "inputs"), EDGE_CASES)
def test_edge_cases_match_torch(type_id: str, raw: dict, inputs: list[Shape]) -> None:
    check_against_torch(CATALOG.get(type_id), raw, inputs)


def test_every_layer_type_has_a_strategy() -> None:
    """Adding a layer type without a property test here fails."""
    ids = {spec.type_id for spec in CATALOG}
    assert ids - PURE == set(STRATEGIES), "add a strategy for each new layer type"
    for type_id in PURE:
        assert CATALOG.get(type_id).binding is None
    for type_id in STRATEGIES:
        assert CATALOG.get(type_id).binding is not None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "features", "features": 7}, Shape((7,))),
        ({"kind": "image", "channels": 3, "height": 5, "width": 4}, Shape((3, 5, 4))),
        ({"kind": "sequence", "length": 6, "features": 2}, Shape((6, 2))),
        ({"kind": "tokens", "length": 9}, Shape((9,), INT)),
    ],
)
def test_input_shapes(params: dict, expected: Shape) -> None:
    spec = CATALOG.get("Input")
    assert spec.shape_rule(spec.validate_params(params), ()) == expected


def test_output_passes_its_input_and_checks_the_loss() -> None:
    spec = CATALOG.get("Output")
    ce = spec.validate_params({"loss": "cross_entropy"})
    mse = spec.validate_params({"loss": "mse"})
    assert spec.shape_rule(ce, [Shape((3,))]) == Shape((3,))
    assert spec.shape_rule(mse, [Shape((1,))]) == Shape((1,))
    with pytest.raises(ShapeError, match="at least 2"):
        spec.shape_rule(ce, [Shape((1,))])
    with pytest.raises(ShapeError, match="integer tokens"):
        spec.shape_rule(mse, [Shape((4,), INT)])
    # cross-entropy over 1 class really is meaningless in torch as well: the loss is 0.
    logits = torch.randn(BATCH, 1)
    assert F.cross_entropy(logits, torch.zeros(BATCH, dtype=torch.long)).item() == 0.0
