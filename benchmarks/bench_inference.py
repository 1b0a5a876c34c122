"""How fast shape inference reacts to an edit on a large design.

Builds a chain (Input -> Linear/ReLU alternating -> Output) of 500 and of 2,000 nodes and
infers it as the editor does, through the graph's own shared cache: once from cold, then
after each of ~50 edits of a Linear layer in the middle of the chain (the half after it
is looked at again). The editor re-infers after every edit, so this must stay well under
a 60 Hz frame (16.7 ms); `bench_canvas` times an edit that changes every shape.

Figures are named ``inference.<what>`` for the first chain (500 nodes unless ``--nodes``
says otherwise; ``--quick`` times a short chain, a few edits) and
``inference.<N>_nodes.<what>`` for each further size N.

    python -m benchmarks.bench_inference [--nodes N ...] [--edits E] [--quick] [--json]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Iterator, Sequence

from benchmarks.figures import Figure, options, print_figures
from designer.model import Graph, infer_shapes

FRAME_MS = 1000 / 60
TARGET_MS = 2.0
SIZES = (500, 2000)
EDITS = 50
QUICK_SIZE, QUICK_EDITS = 100, 5


def build_chain(size: int = 500) -> tuple[Graph, list[str]]:
    """Input, then alternating Linear/ReLU, then Output: ``size`` nodes in all."""
    graph = Graph()
    ids = [graph.add_node("Input", {"features": 32}, position=(0.0, 0.0)).id]
    for i in range(size - 2):
        if i % 2 == 0:
            node = graph.add_node("Linear", {"units": 32}, position=(220.0 * (i + 1), 0.0))
        else:
            node = graph.add_node("ReLU", position=(220.0 * (i + 1), 0.0))
        graph.connect(ids[-1], "out", node.id, "in")
        ids.append(node.id)
    output = graph.add_node("Output", {"loss": "mse"}, position=(220.0 * (size - 1), 0.0))
    graph.connect(ids[-1], "out", output.id, "in")
    ids.append(output.id)
    return graph, ids


def _edit_times(graph: Graph, node_id: str, name: str, values: Sequence[int]) -> list[float]:
    """Milliseconds from setting each value to the analysis that follows it."""
    times = []
    for value in values:
        start = time.perf_counter()
        graph.set_param(node_id, name, value)
        infer_shapes(graph)
        times.append((time.perf_counter() - start) * 1000)
    return times


def figures(
    quick: bool = False, sizes: Sequence[int] | None = None, edits: int | None = None
) -> Iterator[Figure]:
    """The figures of a chain of each of ``sizes`` nodes (see the module's names)."""
    chains = list(sizes or ((QUICK_SIZE,) if quick else SIZES))
    count = edits or (QUICK_EDITS if quick else EDITS)
    for index, size in enumerate(chains):
        prefix = "inference." if index == 0 else f"inference.{size}_nodes."
        yield from _figures_of_chain(size, count, prefix)


def _figures_of_chain(size: int, edits: int, prefix: str) -> Iterator[Figure]:
    """Cold inference, and re-inference after an edit in the middle of the chain."""
    graph, ids = build_chain(size)
    start = time.perf_counter()
    analysis = infer_shapes(graph)
    cold = (time.perf_counter() - start) * 1000
    if not analysis.valid:
        raise RuntimeError(f"the benchmark design is invalid: {analysis.errors[:1]}")
    middle = next(n for n in ids[len(ids) // 2 :] if graph.node(n).type == "Linear")
    halfway = _edit_times(graph, middle, "units", [33 + i % 2 for i in range(edits)])
    yield Figure(f"{prefix}cold", cold, "ms")
    yield Figure(f"{prefix}edit_median", statistics.median(halfway), "ms", TARGET_MS)
    yield Figure(f"{prefix}edit_worst", max(halfway), "ms", FRAME_MS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument(
        "--nodes", type=int, action="append", help=f"nodes in the chain (default: {SIZES})"
    )
    parser.add_argument("--edits", type=int, help=f"edits to time (default: {EDITS})")
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    print_figures(figures(args.quick, args.nodes, args.edits), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
