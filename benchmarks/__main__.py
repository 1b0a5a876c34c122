"""Run the benchmarks in one process and print their figures:
``python -m benchmarks [--quick] [--json] [name ...]``."""

from __future__ import annotations

import importlib
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.figures import options, print_figures

BENCHMARKS = (
    "bench_inference",
    "bench_compiler",
    "bench_training",
    "bench_images",
    "bench_canvas",
    "bench_training_gui",
)


def main(argv: list[str] | None = None) -> int:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)}")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}")
    for name in args.names or BENCHMARKS:
        if not args.json:
            print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        print_figures(module.figures(args.quick), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
