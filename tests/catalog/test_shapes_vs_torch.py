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


def conv_transpose(draw: Draw) -> Case:
    params = {
        "out_channels": draw(st.integers(1, 8)),
        "kernel_size": draw(st.integers(1, 4)),
        "stride": draw(st.integers(1, 3)),
        "padding": draw(st.integers(0, 3)),
        "output_padding": draw(st.integers(0, 2)),
        "bias": draw(st.booleans()),
        "activation": activation(draw),
    }
    return params, [of_rank(draw, 3)]


def pool(ndim: int) -> Callable[[Draw], Case]:
    def strategy(draw: Draw) -> Case:
        params = {
            "kernel_size": draw(st.integers(1, 4)),
            "stride": draw(st.one_of(st.none(), st.integers(1, 3))),
            "padding": draw(st.integers(0, 2)),
        }
        return params, [of_rank(draw, ndim + 1, high=12)]

    return strategy


def image_only(draw: Draw) -> Case:
    return {}, [of_rank(draw, 3)]


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
    return params, [of_rank(draw, 2)]


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
    "Flatten": no_params,
    "Reshape": reshape,
    "Identity": identity,
    "ReLU": no_params,
    "LeakyReLU": leaky_relu,
    "ELU": elu,
    "GELU": gelu,
    "SiLU": no_params,
    "Sigmoid": no_params,
    "Tanh": no_params,
    "Softmax": softmax,
    "LogSoftmax": softmax,
    "Conv1d": conv(1),
    "Conv2d": conv(2),
    "ConvTranspose2d": conv_transpose,
    "MaxPool1d": pool(1),
    "MaxPool2d": pool(2),
    "AvgPool2d": pool(2),
    "GlobalAvgPool2d": image_only,
    "Upsample": upsample,
    "BatchNorm1d": batch_norm(2),
    "BatchNorm2d": batch_norm(3),
    "LayerNorm": layer_norm,
    "Embedding": embedding,
    "LSTM": rnn,
    "GRU": rnn,
    "SelfAttention": attention,
    "Add": same_shape_merge,
    "Multiply": same_shape_merge,
    "Concatenate": concatenate,
}

# The rank (per sample) each layer needs; torch reads one axis fewer as an unbatched sample.
_RANK = {
    "Conv1d": 2,
    "MaxPool1d": 2,
    "Conv2d": 3,
    "ConvTranspose2d": 3,
    "MaxPool2d": 3,
    "AvgPool2d": 3,
    "GlobalAvgPool2d": 3,
    "Upsample": 3,
    "LSTM": 2,
    "GRU": 2,
    "SelfAttention": 2,
}


def _deliberate(spec: LayerSpec, params: dict, inputs: list[Shape]) -> str | None:
    """Why the rule refuses something torch would run anyway, or None.

    The documented exceptions, all on purpose:

    * Integer tokens into a real-valued layer (or merged with real values): torch runs
      some element-wise ops (ReLU, Flatten, Dropout in eval, pooling...) on int64 tensors,
      but a network that does so has forgotten its Embedding, so the designer says so.
    * One axis fewer than the layer needs (e.g. 2-D into MaxPool2d, 1-D into an LSTM):
      torch reads such a tensor as a single *unbatched* sample, but the designer always
      has a batch axis, so it would silently mix samples; refused.
    * Upsample and global average pooling on anything but images: nn.Upsample also takes
      1-D and 3-D signals and AdaptiveAvgPool2d pools the last two axes of any tensor; the
      catalogue offers both for images (channels × height × width) only.
    * Add/Multiply of different shapes: torch broadcasts them, but a residual or gate of
      mismatched sizes is almost always a mistake; the rule needs identical shapes.
    * A (transposed) convolution whose output would be 0 wide: torch returns an empty
      tensor rather than failing; a layer with no output is refused (checked in the test
      itself, from the size of torch's result).
    * An axis one below the per-sample range (-4 for a 3-D sample) in Softmax, LogSoftmax
      or Concatenate: torch takes it as the batch axis, which the designer never touches.
    """
    if any(s.dtype == INT for s in inputs) and not spec.accepts_integers:
        return "integer tokens"
    if spec.type_id in _RANK and inputs[0].rank != _RANK[spec.type_id]:
        if inputs[0].rank == _RANK[spec.type_id] - 1:
            return "unbatched"
        if spec.type_id in ("Upsample", "GlobalAvgPool2d"):
            return "images only"
    if spec.type_id in ("Add", "Multiply") and len({s.dims for s in inputs}) > 1:
        return "broadcasting"
    if "axis" in params and params["axis"] == -inputs[0].rank - 1:
        return "batch axis"
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


@pytest.mark.parametrize("type_id", sorted(STRATEGIES))
@given(data=st.data())
def test_rule_matches_torch(type_id: str, data: st.DataObject) -> None:
    spec = CATALOG.get(type_id)
    raw, inputs = data.draw(st.composite(lambda draw: STRATEGIES[type_id](draw))())
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
        # The one silent case left: an output of size 0, which torch returns as an
        # empty tensor (see `_deliberate`).
        assert 0 in result.shape, f"torch accepts what the rule refuses ({refusal})"
        return
    result, count = run_torch(spec, params, inputs)
    assert tuple(result.shape) == (BATCH, *output.dims), (params, inputs)
    assert result.dtype == (torch.int64 if output.dtype == INT else torch.float32)
    assert spec.param_count(params, inputs, output) == count, (params, inputs)
    assert spec.macs(params, inputs, output) >= 0


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
