"""Compiler speed, and the in-app model's forward time against hand-written modules.

For chains and random DAGs of 50, 500 and 2,000 nodes this prints the time to lower and
build the in-app model, the time to generate its source, and the forward time of the
in-app model divided by that of hand-written equivalents (goal: 1.00):

* ``class``: the exported class, executed from its source: the module as one would write
  it by hand, with the same straight-line forward (``fc1 = self.fc1(input1)``, ...);
* ``Sequential`` (chains only): an ``nn.Sequential`` of the same layers;
* ``interpreter``: for context, a generic executor that walks the IR on every call.

Timings are the best of several interleaved rounds, on one thread, in ``no_grad`` mode.

    python -m benchmarks.bench_compiler [--quick] [--json]
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn

from benchmarks.figures import Figure, run_main
from designer.compiler import build_model, generate_module_code, lower
from designer.compiler.lower import IR
from designer.model import Graph

SIZES = (50, 500, 2_000)
QUICK_SIZES = (20,)
ROUNDS = 7
WIDTH, BATCH = 32, 16


def chain_graph(size: int) -> Graph:
    """Input, then alternating Linear and ReLU layers, then Output: ``size`` nodes."""
    graph = Graph()
    last = graph.add_node("Input", {"features": WIDTH}).id
    for index in range(size - 2):
        node = graph.add_node("Linear", {"units": WIDTH}) if index % 2 == 0 else None
        node = node or graph.add_node("ReLU")
        graph.connect(last, "out", node.id, "in")
        last = node.id
    out = graph.add_node("Output", {"loss": "mse"})
    graph.connect(last, "out", out.id, "in")
    return graph


def dag_graph(size: int, seed: int = 0) -> Graph:
    """A random DAG of same-width layers with branches and Add merges; every node is live."""
    rng = random.Random(seed)
    graph = Graph()
    nodes = [graph.add_node("Input", {"features": WIDTH}).id]
    unused = set(nodes)
    while len(nodes) < size - 1:
        if len(nodes) > 3 and rng.random() < 0.25:
            sources = rng.sample(nodes[-20:], 2)
            node = graph.add_node("Add")
        else:
            sources = [rng.choice(nodes[-8:])]
            kind = rng.choice(["Linear", "Linear", "ReLU", "Tanh"])
            node = graph.add_node(kind, {"units": WIDTH} if kind == "Linear" else {})
        for source in sources:
            graph.connect(source, "out", node.id, "in")
            unused.discard(source)
        nodes.append(node.id)
        unused.add(node.id)
    merge = graph.add_node("Add")
    for source in sorted(unused, key=nodes.index) or [nodes[-1]]:
        graph.connect(source, "out", merge.id, "in")
    if len(unused) < 2:  # an Add needs two inputs
        graph.connect(nodes[0], "out", merge.id, "in")
    out = graph.add_node("Output", {"loss": "mse"})
    graph.connect(merge.id, "out", out.id, "in")
    return graph


class Interpreter(nn.Module):
    """A generic graph executor (evaluates each step's expression per call): the usual
    alternative to generating code, shown for context."""

    def __init__(self, ir: IR, modules: nn.Module) -> None:
        super().__init__()
        self.layers = nn.ModuleDict(dict(modules.named_children()))
        self.plan = [
            (compile(s.expression.replace("self.", "layers."), "<step>", "eval"), s.output)
            for s in ir.steps
        ]
        self.inputs, self.result = [i.name for i in ir.inputs], ir.outputs[0].name

    def forward(self, *args: torch.Tensor) -> torch.Tensor:
        values: dict = {"torch": torch, "F": nn.functional, "layers": self.layers}
        values.update(zip(self.inputs, args, strict=True))
        for code, name in self.plan:
            values[name] = eval(code, values)
        return values[self.result]


def best_times(functions: list[Callable[[], object]], repeats: int, rounds: int = ROUNDS) -> list:
    """Best mean time per call of each function; the rounds alternate between them so that
    a slow spell of the machine hits all of them alike (noise only ever adds time)."""
    best = [float("inf")] * len(functions)
    for function in functions:
        function()
    for _ in range(rounds):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            for _ in range(repeats):
                function()
            best[index] = min(best[index], (time.perf_counter() - start) / repeats)
    return best


def exported_class(ir: IR, model: nn.Module) -> nn.Module:
    namespace: dict = {}
    exec(generate_module_code(ir).source, namespace)
    exported = namespace["Net"]()
    exported.load_state_dict(model.state_dict())
    return exported


def measure(kind: str, size: int, repeats: int, rounds: int = ROUNDS) -> dict[str, float]:
    graph = chain_graph(size) if kind == "chain" else dag_graph(size)
    start = time.perf_counter()
    ir = lower(graph)
    model = build_model(ir).eval()
    build_seconds = time.perf_counter() - start
    start = time.perf_counter()
    generate_module_code(ir)
    codegen_seconds = time.perf_counter() - start
    others = [exported_class(ir, model), Interpreter(ir, model)]
    if kind == "chain":
        others.append(nn.Sequential(*model.children()))
    x = torch.randn(BATCH, WIDTH)
    with torch.no_grad():
        for other in others:
            assert torch.equal(model(x), other.eval()(x))
        calls = [lambda m=m: m(x) for m in [model, *others]]
        ours, *theirs = best_times(calls, repeats, rounds)
    return {
        "build": build_seconds,
        "codegen": codegen_seconds,
        "forward_ms": ours * 1e3,
        "class": ours / theirs[0],
        "interpreter": theirs[1] / ours,
        "sequential": ours / theirs[2] if kind == "chain" else float("nan"),
    }


def figures(quick: bool = False) -> Iterator[Figure]:
    """Per graph kind and size: build and codegen times, and the in-app forward time over
    the hand-written class's (goal 1.00), the Sequential's and the interpreter's."""
    torch.set_num_threads(1)
    sizes, repeats, rounds = (QUICK_SIZES, 2, 1) if quick else (SIZES, 30, ROUNDS)
    for kind in ("chain", "dag"):
        for size in sizes:
            r = measure(kind, size, repeats, rounds)
            name = f"compiler.{kind}{size}"
            yield Figure(f"{name}.lower_build", r["build"] * 1e3, "ms")
            yield Figure(f"{name}.codegen", r["codegen"] * 1e3, "ms")
            yield Figure(f"{name}.forward", r["forward_ms"], "ms")
            yield Figure(f"{name}.forward_vs_class", r["class"], "ratio", 1.0)
            if kind == "chain":
                yield Figure(f"{name}.forward_vs_sequential", r["sequential"], "ratio", 1.0)
            yield Figure(f"{name}.interpreter_slowdown", r["interpreter"], "ratio", better="higher")


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(__doc__.splitlines()[0], figures, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
