"""How fast shape inference reacts to an edit on a large design.

Builds a 500-node chain (Input -> Linear/ReLU alternating -> Output), infers it once from
cold, then times ~50 rounds of "change one parameter in the middle, re-infer with the
shared `ShapeCache`" and compares the median with one 60 Hz frame (16.7 ms). The editor
re-infers after every edit, so this must stay well under a frame (target: < 2 ms).

    python -m benchmarks.bench_inference [--quick] [--json]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Iterator, Sequence

from benchmarks.figures import Figure, run_main
from designer.model import Graph, ShapeCache, infer_shapes

FRAME_MS = 1000 / 60
TARGET_MS = 2.0


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


def measure(size: int = 500, edits: int = 50) -> dict[str, float]:
    """Cold and per-edit inference times in milliseconds."""
    graph, ids = build_chain(size)
    cache = ShapeCache()
    start = time.perf_counter()
    analysis = infer_shapes(graph, cache)
    cold = (time.perf_counter() - start) * 1000
    if not analysis.valid:
        raise RuntimeError(f"the benchmark design is invalid: {analysis.errors[:1]}")
    middle = next(n for n in ids[len(ids) // 2 :] if graph.node(n).type == "Linear")
    times = []
    for i in range(edits):
        start = time.perf_counter()
        graph.set_param(middle, "units", 32 + (i % 2) + 1)
        infer_shapes(graph, cache)
        times.append((time.perf_counter() - start) * 1000)
    return {"cold_ms": cold, "edit_ms": statistics.median(times), "worst_ms": max(times)}


def figures(quick: bool = False) -> Iterator[Figure]:
    nodes, edits = (100, 5) if quick else (500, 50)
    result = measure(nodes, edits)
    yield Figure("inference.cold", result["cold_ms"], "ms")
    yield Figure("inference.edit_median", result["edit_ms"], "ms", TARGET_MS)
    yield Figure("inference.edit_worst", result["worst_ms"], "ms", FRAME_MS)


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(__doc__.splitlines()[0], figures, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
