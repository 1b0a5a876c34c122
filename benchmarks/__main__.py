"""Run every benchmark in one process and print their figures: `python -m benchmarks`."""

from __future__ import annotations

import importlib
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BENCHMARKS = (
    "bench_inference",
    "bench_compiler",
    "bench_training",
    "bench_canvas",
    "bench_training_gui",
)


def main(names: list[str] | None = None) -> int:
    for name in names or BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
