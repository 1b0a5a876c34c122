"""Graph builders shared by the compiler tests: small fixed designs and seeded random DAGs.

The random generator grows valid networks (chains, branches, merges, dead ends, several
outputs) over the catalogue's layers, using each layer's own shape rule to pick only
connections that are valid. The tests at the bottom check the generator itself.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from designer.catalog import Shape, ShapeError
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


class _Grower:
    """Grows one random valid graph, tracking each node's output shape."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.graph = Graph()
        self.shapes: dict[str, Shape] = {}

    def add(self, type_id: str, params: dict, sources: list[str]) -> str | None:
        spec = self.graph.catalog.get(type_id)
        node = self.graph.add_node(type_id, params)
        try:
            shape = spec.shape_rule(node.params, [self.shapes[s] for s in sources])
        except ShapeError:
            self.graph.remove_node(node.id)
            return None
        for source in sources:
            self.graph.connect(source, "out", node.id, "in")
        if spec.role != "output":
            self.shapes[node.id] = shape
        return node.id

    def grow(self, layers: Sequence, steps: int) -> None:
        for _ in range(steps):
            if self.rng.random() < 0.25 and self._merge():
                continue
            type_id, params = self.rng.choice(layers)
            self.add(type_id, params(self.rng), [self.pick()])

    def pick(self) -> str:
        """Mostly one of the latest nodes (long paths), sometimes any (branches)."""
        ids = list(self.shapes)
        return ids[-1] if self.rng.random() < 0.6 else self.rng.choice(ids)

    def _merge(self) -> bool:
        groups: dict[tuple, list[str]] = {}
        for node_id, shape in self.shapes.items():
            groups.setdefault((shape.dims, shape.dtype), []).append(node_id)
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
        if self.shapes[last].rank > 1:
            last = self.add("Flatten", {}, [last]) or last
        head = self.add("Linear", {"units": classes}, [last])
        assert head is not None
        self.add("Output", {"loss": "cross_entropy"}, [head])
        if self.rng.random() < 0.2:
            extra = self.pick()
            if self.shapes[extra].rank == 1 and self.shapes[extra].dims[0] >= 2:
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
