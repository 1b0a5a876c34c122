"""What every benchmark reports: `Figure`s, printed as text or as one JSON object a line.

Each benchmark module has ``figures(quick)``, a generator of `Figure`s (``quick`` measures
less, for the test that keeps every benchmark running, and gives figures of no worth),
and ``main(argv)``, which is `run_main` over it: ``--quick`` and ``--json`` are the same
options everywhere, and ``python -m benchmarks`` runs them all.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

BETTER = ("lower", "higher")


@dataclass(frozen=True)
class Figure:
    """One measured value: ``name`` (``benchmark.what``), its ``unit``, the ``goal`` it
    should reach (or None) and whether ``better`` is "lower" or "higher"."""

    name: str
    value: float
    unit: str
    goal: float | None = None
    better: str = "lower"

    def __post_init__(self) -> None:
        if self.better not in BETTER:
            raise ValueError(f"better must be one of {BETTER}, got {self.better!r}")

    @property
    def met(self) -> bool | None:
        """Whether the goal is reached (None without a goal)."""
        if self.goal is None or not math.isfinite(self.value):
            return None
        return self.value <= self.goal if self.better == "lower" else self.value >= self.goal

    def to_json(self) -> str:
        """One line of strict JSON (a value that is not a finite number becomes null)."""
        data = asdict(self)
        data["value"] = self.value if math.isfinite(self.value) else None
        return json.dumps(data, allow_nan=False)

    def to_text(self) -> str:
        text = f"{self.name:<48} {_number(self.value):>12} {self.unit}"
        if self.goal is not None:
            sign = "<=" if self.better == "lower" else ">="
            verdict = {True: "met", False: "NOT met", None: "?"}[self.met]
            text += f"   (goal {sign} {_number(self.goal)}: {verdict})"
        return text


def _number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) >= 100:
        return f"{int(value):,}"
    return f"{value:.4g}"


def print_figures(figures: Iterable[Figure], as_json: bool) -> None:
    for figure in figures:
        print(figure.to_json() if as_json else figure.to_text(), flush=True)


def options(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes (a benchmark may add its own)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="measure little: checks it runs, figures of no worth"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per figure")
    return parser


def run_main(
    description: str,
    figures: Callable[[bool], Iterable[Figure]],
    argv: Sequence[str] | None = None,
) -> int:
    """Parse ``--quick``/``--json`` from ``argv`` (the command line when None), measure
    and print; the exit status is 0."""
    args = options(description).parse_args(sys.argv[1:] if argv is None else list(argv))
    print_figures(figures(args.quick), args.json)
    return 0


__all__ = ["Figure", "options", "print_figures", "run_main"]
