"""Graph builders shared by the compiler tests: small fixed designs and seeded random DAGs.

The random generator grows valid networks (chains, branches, merges, dead ends, several
outputs) over the catalogue's layers, using each layer's own shape rule to pick only
connections that are valid. The tests at the bottom check the generator itself.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from designer.catalog import Shape, ShapeError, default_catalog
from designer.catalog.description import INT
from designer.compiler import lower
from designer.model import Graph, infer_shapes

FEATURE_LAYERS = (
    ("Linear", lambda r: {"units": r.choice([3, 4, 8]), "activation": _activation(r)}),
    ("Linear", lambda r: {"units": r.choice([4, 6]), "bias": r.random() < 0.5}),
    ("ReLU", lambda r: {}),
    ("Tanh", lambda r: {}),
    ("GELU", lambda r: {"approximate": r.choice(["none", "tanh"])}),
    ("LeakyReLU", lambda r: {"negative_slope": 0.2}),
    ("Dropout", lambda r: {"p": r.choice([0.0, 0.25, 0.5])}),
    ("LayerNorm", lambda r: {"affine": r.random() < 0.8}),
    ("BatchNorm1d", lambda r: {}),
    ("Identity", lambda r: {}),
    ("Softmax", lambda r: {}),
)
IMAGE_LAYERS = (
    ("Conv2d", lambda r: {"out_channels": r.choice([2, 4]), "padding": 1, "activation": "relu"}),
    ("Conv2d", lambda r: {"out_channels": 3, "kernel_size": 1}),
    ("BatchNorm2d", lambda r: {}),
    ("MaxPool2d", lambda r: {"kernel_size": 2}),
    ("ReLU", lambda r: {}),
)
SEQUENCE_LAYERS = (
    ("LSTM", lambda r: {"hidden_size": 4, "return_sequences": True}),
    ("GRU", lambda r: {"hidden_size": 4, "return_sequences": True, "bidirectional": True}),
    ("SelfAttention", lambda r: {"num_heads": 2}),
    ("LayerNorm", lambda r: {}),
    ("LSTM", lambda r: {"hidden_size": 3, "bidirectional": r.random() < 0.5}),
    ("GRU", lambda r: {"hidden_size": 3, "num_layers": 2, "dropout": 0.1}),
)


def _activation(rng: random.Random) -> str:
    return rng.choice(["none", "none", "relu", "tanh", "leaky_relu", "sigmoid", "silu"])


def chain(units: Sequence[int], features: int = 4, loss: str = "cross_entropy") -> Graph:
    """Input -> Linear(units[0]) -> ReLU -> ... -> Output."""
    graph = Graph()
    last = graph.add_node("Input", {"features": features}).id
    for index, width in enumerate(units):
        node = graph.add_node("Linear", {"units": width})
        graph.connect(last, "out", node.id, "in")
        last = node.id
        if index < len(units) - 1:
            relu = graph.add_node("ReLU")
            graph.connect(last, "out", relu.id, "in")
            last = relu.id
    output = graph.add_node("Output", {"loss": loss})
    graph.connect(last, "out", output.id, "in")
    return graph


def link(graph: Graph, *ids: str) -> None:
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")


#: One output port of one node.
Source = tuple[str, str]


class _Grower:
    """Grows one random valid graph, tracking the shape leaving each output port."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.graph = Graph()
        self.shapes: dict[Source, Shape] = {}
        self.tokens: Source | None = None  # the token ids, for attention's padding mask

    def add(self, type_id: str, params: dict, sources: list[Source]) -> str | None:
        """A node of ``type_id`` fed by ``sources`` (to its first input), or None when its
        shape rule refuses them; a layer with several outputs adds one source per port."""
        spec = self.graph.catalog.get(type_id)
        node = self.graph.add_node(type_id, params)
        masked = self._mask(spec, sources)
        try:
            shape = spec.shape_rule(node.params, [self.shapes[s] for s in sources + masked])
        except ShapeError:
            self.graph.remove_node(node.id)
            return None
        for src, port in sources:
            self.graph.connect(src, port, node.id, "in")
        for src, port in masked:
            self.graph.connect(src, port, node.id, "mask")
        if spec.role != "output":
            shapes = shape if isinstance(shape, tuple) else (shape,)
            ports = self.graph.output_ports(node.id)
            for port, each in zip(ports, shapes, strict=True):
                self.shapes[(node.id, port.name)] = each
        return node.id

    def _mask(self, spec, sources: list[Source]) -> list[Source]:
        """Half the time, the token ids into an attention's optional mask input."""
        takes = spec.input_port("mask") is not None and self.tokens is not None
        return [self.tokens] if takes and self.rng.random() < 0.5 else []

    def grow(self, layers: Sequence, steps: int) -> None:
        for _ in range(steps):
            if self.rng.random() < 0.25 and self._merge():
                continue
            type_id, params = self.rng.choice(layers)
            self.add(type_id, params(self.rng), [self.pick()])

    def pick(self) -> Source:
        """Mostly one of the latest outputs (long paths), sometimes any (branches)."""
        sources = list(self.shapes)
        return sources[-1] if self.rng.random() < 0.6 else self.rng.choice(sources)

    def _merge(self) -> bool:
        groups: dict[tuple, list[Source]] = {}
        for source, shape in self.shapes.items():
            groups.setdefault((shape.dims, shape.dtype), []).append(source)
        candidates = [ids for (dims, dtype), ids in groups.items() if len(ids) > 1]
        if not candidates:
            return False
        ids = self.rng.choice(candidates)
        sources = self.rng.sample(ids, min(len(ids), self.rng.choice([2, 2, 3])))
        kind = self.rng.choice(["Add", "Multiply", "Concatenate"])
        return self.add(kind, {}, sources) is not None

    def finish(self, classes: int) -> Graph:
        """Flatten if needed, a classifier head, and one or two Outputs."""
        last = self.pick()
        if self.shapes[last].dtype == INT:
            last = self.add("Embedding", {"num_embeddings": 20, "embedding_dim": 3}, [last])
            last = (last, "out")
        if self.shapes[last].rank > 1:
            flat = self.add("Flatten", {}, [last])
            last = (flat, "out") if flat else last
        head = self.add("Linear", {"units": classes}, [last])
        assert head is not None
        self.add("Output", {"loss": "cross_entropy"}, [(head, "out")])
        if self.rng.random() < 0.2:
            extra = self.pick()
            shape = self.shapes[extra]
            if shape.rank == 1 and shape.dims[0] >= 2 and shape.dtype != INT:
                self.add("Output", {"loss": "mse"}, [extra])
        return self.graph


def random_graph(seed: int, steps: int | None = None) -> Graph:
    """A random valid design; the kind of input (features, image, sequence) varies."""
    rng = random.Random(seed)
    grower = _Grower(rng)
    kind = rng.choice(["features"] * 6 + ["image", "sequence"])
    steps = steps if steps is not None else rng.randint(2, 24)
    if kind == "features":
        grower.add("Input", {"features": rng.choice([3, 4, 8])}, [])
        grower.grow(FEATURE_LAYERS, steps)
    elif kind == "image":
        grower.add("Input", {"kind": "image", "channels": 2, "height": 6, "width": 6}, [])
        grower.grow(IMAGE_LAYERS, min(steps, 6))
    else:
        grower.add("Input", {"kind": "sequence", "length": 5, "features": 4}, [])
        grower.grow(SEQUENCE_LAYERS, min(steps, 4))
    return grower.finish(rng.choice([2, 3]))


# The whole catalogue, for `wide_graph`: the layers above and those below.
WIDE_FEATURE_LAYERS = (
    *FEATURE_LAYERS,
    ("ScaleBias", lambda r: {"scale": r.choice([0.5, -2.0]), "bias": r.choice([0.0, -1.0])}),
    ("PReLU", lambda r: {"per_channel": r.random() < 0.5}),
    ("Mish", lambda r: {}),
    ("Softplus", lambda r: {"beta": r.choice([1.0, 2.0])}),
    ("Hardswish", lambda r: {}),
    ("Hardsigmoid", lambda r: {}),
    ("SELU", lambda r: {}),
    ("ReLU6", lambda r: {}),
    ("ELU", lambda r: {}),
    ("SiLU", lambda r: {}),
    ("Sigmoid", lambda r: {}),
    ("LogSoftmax", lambda r: {}),
    ("GroupNorm", lambda r: {"num_groups": r.choice([1, 2])}),
    ("Chunk", lambda r: {"chunks": r.choice([2, 2, 4]), "axis": r.choice([0, -1])}),
    ("Split", lambda r: {"sizes": r.choice([(1, -1), (2, 1, -1), (1, 1)])}),
    ("Slice", lambda r: {"start": r.choice([0, 1, -2]), "step": r.choice([1, 2])}),
    ("Mean", lambda r: {"axis": -1, "keep_axis": True}),
    ("Reshape", lambda r: {"shape": (-1, 1)}),
)
WIDE_IMAGE_LAYERS = (
    *IMAGE_LAYERS,
    ("Dropout2d", lambda r: {"p": 0.3}),
    ("GroupNorm", lambda r: {"num_groups": 2}),
    ("InstanceNorm2d", lambda r: {"affine": r.random() < 0.5}),
    ("AdaptiveAvgPool2d", lambda r: {"height": r.choice([2, 3]), "width": 2}),
    ("AdaptiveMaxPool2d", lambda r: {"height": 2, "width": r.choice([1, 3])}),
    ("AvgPool2d", lambda r: {"kernel_size": 2, "stride": 1}),
    ("ConvTranspose2d", lambda r: {"out_channels": 2, "activation": "relu"}),
    ("Chunk", lambda r: {"chunks": 2, "axis": 0}),
    ("Transpose", lambda r: {"axis0": 1, "axis1": 2}),
    ("Permute", lambda r: {"axes": (0, 2, 1)}),
    ("Slice", lambda r: {"axis": 1, "start": 1, "end": -1}),
    ("Mean", lambda r: {"axis": 0, "keep_axis": True}),
    ("PReLU", lambda r: {"per_channel": True}),
    ("GlobalAvgPool2d", lambda r: {}),
    ("GlobalMaxPool2d", lambda r: {}),
    ("Upsample", lambda r: {"mode": r.choice(["nearest", "bilinear"])}),
)
WIDE_VOLUME_LAYERS = (
    ("Conv3d", lambda r: {"out_channels": 2, "padding": 1, "activation": "relu"}),
    ("BatchNorm3d", lambda r: {}),
    ("MaxPool3d", lambda r: {"kernel_size": 2}),
    ("AvgPool3d", lambda r: {"kernel_size": 1}),
    ("ReLU", lambda r: {}),
)
WIDE_SEQUENCE_LAYERS = (
    *SEQUENCE_LAYERS,
    ("PositionalEmbedding", lambda r: {}),
    ("RNN", lambda r: {"hidden_size": 4, "return_sequences": True}),
    ("RNN", lambda r: {"hidden_size": 3, "nonlinearity": "relu", "bidirectional": True}),
    ("CausalSelfAttention", lambda r: {"num_heads": 2}),
    ("Permute", lambda r: {"axes": (1, 0)}),
    ("Conv1d", lambda r: {"out_channels": 4, "padding": 1}),
    ("ConvTranspose1d", lambda r: {"out_channels": 4, "kernel_size": 1, "stride": 1}),
    ("InstanceNorm1d", lambda r: {}),
    ("AvgPool1d", lambda r: {"kernel_size": 2}),
    ("MaxPool1d", lambda r: {"kernel_size": 2}),
    ("AdaptiveMaxPool1d", lambda r: {"length": r.choice([2, 3])}),
    ("AdaptiveAvgPool1d", lambda r: {"length": 4}),
    ("Chunk", lambda r: {"chunks": 2}),
    ("MeanOverTime", lambda r: {}),
    ("MaxOverTime", lambda r: {}),
    ("PickStep", lambda r: {"step": r.choice([0, -1])}),
)


def wide_graph(seed: int) -> Graph:
    """A random valid design over the whole catalogue: several outputs of one layer
    (Chunk, Split), token ids into attention's padding mask, volumes for Conv3d."""
    rng = random.Random(seed)
    grower = _Grower(rng)
    kind = rng.choice(["features", "image", "volume", "sequence", "tokens"] * 2)
    steps = rng.randint(2, 10)
    if kind == "features":
        grower.add("Input", {"features": rng.choice([4, 8])}, [])
        grower.grow(WIDE_FEATURE_LAYERS, steps)
    elif kind in ("image", "volume"):
        image = grower.add("Input", {"kind": "image", "channels": 2, "height": 6, "width": 6}, [])
        if kind == "volume":
            grower.add("Reshape", {"shape": (1, 2, 6, 6)}, [(image, "out")])
        grower.grow(WIDE_VOLUME_LAYERS if kind == "volume" else WIDE_IMAGE_LAYERS, steps)
    else:
        if kind == "tokens":
            text = grower.add("Input", {"kind": "tokens", "length": 6, "vocab_size": 20}, [])
            grower.tokens = (text, "out")
            grower.add("Embedding", {"num_embeddings": 20, "embedding_dim": 4}, [grower.tokens])
        else:
            grower.add("Input", {"kind": "sequence", "length": 6, "features": 4}, [])
        grower.grow(WIDE_SEQUENCE_LAYERS, steps)
    return grower.finish(rng.choice([2, 3]))


# ----------------------------------------------------------- the generator's tests
def test_random_graphs_are_valid_and_deterministic():
    for seed in range(40):
        graph = random_graph(seed)
        assert infer_shapes(graph).valid, seed
        again = random_graph(seed)
        assert [n.params for n in graph] == [n.params for n in again]
        assert graph.edges == again.edges


def test_random_graphs_cover_merges_and_several_outputs():
    graphs = [random_graph(seed) for seed in range(120)]
    types = {node.type for graph in graphs for node in graph}
    assert {"Add", "Multiply", "Concatenate", "Conv2d", "LSTM", "SelfAttention"} <= types
    assert any(len(g.nodes_of_role("output")) > 1 for g in graphs)


def test_wide_graphs_are_valid_and_cover_the_catalogue():
    graphs = [wide_graph(seed) for seed in range(WIDE_SEEDS)]
    for seed, graph in enumerate(graphs):
        assert infer_shapes(graph).valid, seed
    assert [e for e in wide_graph(7).edges] == list(graphs[7].edges)
    compiled = {step.type_id for graph in graphs for step in lower(graph).steps}
    layers = {spec.type_id for spec in default_catalog() if spec.role == "layer"}
    missing = layers - compiled
    assert not missing, f"no wide design computes {sorted(missing)}"
    edges = [e for graph in graphs for e in graph.edges]
    assert any(e.src_port == "part2" for e in edges), "no second output is ever used"
    assert any(e.dst_port == "mask" for e in edges), "no padding mask is ever wired"


#: How many wide designs the compiler tests draw (enough to use every layer type).
WIDE_SEEDS = 300
