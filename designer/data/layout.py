"""Which arrays a design reads and predicts: the contract between a design and its data.

A design with one Input and one Output reads the arrays ``x`` and ``y`` (a CSV file's
feature columns and target, or an .npz file's ``x`` and ``y``), as it always has. A design
with several Inputs or Outputs reads one array per node, named after the node's label.
Token Inputs take integer ids, which are never standardized; an image Input says how large
the images of an image folder are decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

from designer.catalog.description import INT
from designer.model import Analysis, Graph, infer_shapes

SINGLE_INPUT, SINGLE_TARGET = "x", "y"


@dataclass(frozen=True)
class InputSlot:
    """One Input node: the array it reads and the samples it takes."""

    node_id: str
    name: str
    dims: tuple[int, ...]
    tokens: bool = False
    vocab_size: int | None = None
    description: str = "the input"


@dataclass(frozen=True)
class OutputSlot:
    """One Output node: the target array it learns, with which loss and weight."""

    node_id: str
    name: str
    loss: str
    weight: float = 1.0
    dims: tuple[int, ...] | None = None
    description: str = "the output"


@dataclass(frozen=True)
class DataLayout:
    """The Inputs and Outputs of a design, in the order the model takes and returns them."""

    inputs: tuple[InputSlot, ...]
    outputs: tuple[OutputSlot, ...]

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(slot.name for slot in self.inputs)

    @property
    def target_names(self) -> tuple[str, ...]:
        return tuple(slot.name for slot in self.outputs)

    @property
    def token_inputs(self) -> tuple[str, ...]:
        return tuple(slot.name for slot in self.inputs if slot.tokens)

    @property
    def is_single(self) -> bool:
        return len(self.inputs) == 1 and len(self.outputs) == 1

    def loading_key(self) -> tuple:
        """What loading a data set depends on: array names, token inputs and image sizes.
        Two layouts with the same key load the same arrays, so a loaded set can be reused."""
        inputs = tuple((slot.name, slot.tokens, slot.dims) for slot in self.inputs)
        return inputs, self.target_names

    def duplicate_names(self) -> tuple[str, ...]:
        """Array names used by more than one Input or Output (their labels must differ)."""
        names = [*self.input_names, *self.target_names]
        return tuple(sorted({name for name in names if names.count(name) > 1}))


DEFAULT_LAYOUT = DataLayout(
    (InputSlot("", SINGLE_INPUT, ()),), (OutputSlot("", SINGLE_TARGET, "cross_entropy"),)
)


def data_layout(graph: Graph, analysis: Analysis | None = None) -> DataLayout:
    """The layout of ``graph``: its Input and Output nodes in graph order."""
    analysis = analysis if analysis is not None else infer_shapes(graph)
    input_ids, output_ids = graph.nodes_of_role("input"), graph.nodes_of_role("output")
    single = len(input_ids) == 1 and len(output_ids) == 1
    inputs = tuple(_input_slot(graph, n, analysis, single) for n in input_ids)
    outputs = tuple(_output_slot(graph, n, analysis, single) for n in output_ids)
    return DataLayout(inputs, outputs)


def _input_slot(graph: Graph, node_id: str, analysis: Analysis, single: bool) -> InputSlot:
    node = graph.node(node_id)
    shape = analysis.info(node_id).output
    tokens = shape is not None and shape.dtype == INT
    return InputSlot(
        node_id=node_id,
        name=SINGLE_INPUT if single else node.label,
        dims=tuple(shape.dims) if shape is not None else (),
        tokens=tokens,
        vocab_size=int(node.params["vocab_size"]) if tokens else None,
        description=graph.describe(node_id),
    )


def _output_slot(graph: Graph, node_id: str, analysis: Analysis, single: bool) -> OutputSlot:
    node = graph.node(node_id)
    shape = analysis.info(node_id).output
    return OutputSlot(
        node_id=node_id,
        name=SINGLE_TARGET if single else node.label,
        loss=str(node.params.get("loss", "cross_entropy")),
        weight=float(node.params.get("weight", 1.0)),
        dims=tuple(shape.dims) if shape is not None else None,
        description=graph.describe(node_id),
    )
