"""``nn-designer preflight``: its options; the check itself (which imports torch) is in
`designer.cli.probe_run`, imported only when the verb runs."""

from __future__ import annotations

import argparse
from typing import Any


def add_preflight_command(commands: Any) -> None:
    preflight = commands.add_parser(
        "preflight",
        help="check that a design can learn one batch, with statistics per layer",
        description="Train a copy of the design on one batch until its loss falls (up to "
        "300 steps) and "
        "print, per layer, its activations' mean and spread, the fraction of dead ReLUs, "
        "its gradient norm and its update/weight ratio, then the verdict and the "
        "findings (warning NN401: ...). Exit status 1 when the loss does not fall as it "
        "must for a network that can learn one batch by heart.",
    )
    preflight.add_argument("project", help="the .nndesign project file")
    preflight.add_argument("--steps", type=int, help="most steps on the batch (default 300)")
    add_setting_options(preflight)
    preflight.set_defaults(handler=run_preflight)


def add_setting_options(parser: argparse.ArgumentParser, rate: bool = True) -> None:
    """The training settings a probe of the design may override (the learning rate only
    where it uses one rate)."""
    if rate:
        parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--batch-size", type=int, help="samples per batch")
    parser.add_argument("--seed", type=int, help="random seed")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="device")


def run_preflight(args: argparse.Namespace) -> int:
    from designer.cli.probe_run import preflight_project

    return preflight_project(args.project, args.steps, settings_overrides(args))


def settings_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The training settings given on the command line, by their settings name."""
    given = {
        "learning_rate": getattr(args, "lr", None),
        "batch_size": args.batch_size,
        "seed": args.seed,
        "device": args.device,
    }
    return {name: value for name, value in given.items() if value is not None}
