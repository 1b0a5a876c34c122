"""How fast shape inference reacts to an edit on a large design.

Builds a chain (Input -> Linear/ReLU alternating -> Output) of 500 and of 2,000 nodes and
infers it as the editor does, through the graph's own shared cache: once from cold, then
after each of ~50 edits of a Linear layer in the middle of the chain (the half after it
is looked at again). The editor re-infers after every edit, so this must stay well under
a 60 Hz frame (16.7 ms); `bench_canvas` times an edit that changes every shape.

    python -m benchmarks.bench_inference [--nodes N ...] [--edits E]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from typing import NamedTuple

from designer.model import Graph, infer_shapes

FRAME_MS = 1000 / 60
TARGET_MS = 2.0
SIZES = (500, 2000)


class Figure(NamedTuple):
    """One measured figure: ``better`` is "lower" or "higher"; ``goal`` may be None."""

    name: str
    value: float
    unit: str
    goal: float | None
    better: str = "lower"


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


def figures(size: int = 500, edits: int = 50) -> list[Figure]:
    """Cold inference, and re-inference after an edit in the middle of the chain."""
    graph, ids = build_chain(size)
    start = time.perf_counter()
    analysis = infer_shapes(graph)
    cold = (time.perf_counter() - start) * 1000
    if not analysis.valid:
        raise RuntimeError(f"the benchmark design is invalid: {analysis.errors[:1]}")
    middle = next(n for n in ids[len(ids) // 2 :] if graph.node(n).type == "Linear")
    halfway = _edit_times(graph, middle, "units", [33 + i % 2 for i in range(edits)])
    at = f"inference {size}-node chain"
    return [
        Figure(f"{at}: cold", cold, "ms", None),
        Figure(f"{at}: edit halfway, median", statistics.median(halfway), "ms", TARGET_MS),
        Figure(f"{at}: edit halfway, worst", max(halfway), "ms", FRAME_MS),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time shape re-inference after an edit.")
    parser.add_argument(
        "--nodes", type=int, action="append", help=f"nodes in the chain (default: {SIZES})"
    )
    parser.add_argument("--edits", type=int, default=50, help="edits to time")
    args = parser.parse_args([] if argv is None else argv)  # `python -m benchmarks` passes none
    missed = 0
    for size in args.nodes or SIZES:
        for figure in figures(size, args.edits):
            ok = figure.goal is None or figure.value <= figure.goal
            missed += not ok
            goal = (
                ""
                if figure.goal is None
                else f"(goal {figure.goal:.1f}: {'ok' if ok else 'missed'})"
            )
            print(f"{figure.name:<52} {figure.value:8.2f} {figure.unit:<3} {goal}", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
