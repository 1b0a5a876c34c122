"""The command line: verbs that need no window, one module each in this package.

    nn-designer check PROJECT [--strict] [--no-data] [--verbose]
    nn-designer export PROJECT -o model.py [--weights W.safetensors] [--onnx M.onnx]
    nn-designer train PROJECT [--epochs N] [--lr LR] [--save-weights W.safetensors]
                      [--data PATH [--target COLUMN]] [--no-record] [--tensorboard DIR]
    nn-designer bundle PROJECT -o B.zip [--run ID | --epochs N --seed S]
    nn-designer diff A B [--json] [--no-settings]
    nn-designer sweep PROJECT [--trials N] [--jobs J] [--storage URL] [--study NAME]
                      [--sampler tpe|grid]
    nn-designer import FILE.py -o OUT.nndesign [--class NAME] [--input-shape 3x224x224]
                      [--weights W]
    nn-designer preflight PROJECT [--steps N] [--lr LR] [--batch-size B] [--seed S]
    nn-designer lr-find PROJECT [--steps N] [--batch-size B] [--seed S]

(``nn-designer-cli`` is the same without the window entry point.)
Exit status: 0 when all is well, 1 when the design has errors (or cannot be exported; for
``diff``, when the designs differ; for ``preflight``, when it cannot learn one batch), 2
when the file cannot be read or the command line is wrong, 130 when interrupted with
Ctrl+C (one line, no traceback; every file is written atomically, so nothing half-written
or temporary is left behind). Never imports Qt; torch only when a verb builds a model.
Each verb's module has an ``add_*_command`` function that registers its options; another
verb is one more module and one more entry in `COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from designer.cli.bundle import add_bundle_command
from designer.cli.check import add_check_command
from designer.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PROBLEMS,
    BadInputError,
    one_line,
    tolerant_output,
)
from designer.cli.diff import add_diff_command
from designer.cli.export import add_export_command
from designer.cli.import_model import add_import_command
from designer.cli.interrupts import interrupts_outside_imports, report_interrupted
from designer.cli.lr_find import add_lr_find_command
from designer.cli.preflight import add_preflight_command
from designer.cli.sweep import add_sweep_command
from designer.cli.train import add_train_command

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "VERBS",
    "build_parser",
    "interrupts_outside_imports",
    "main",
    "report_interrupted",
]

COMMANDS: list[Callable[[Any], None]] = [
    add_check_command,
    add_export_command,
    add_train_command,
    add_bundle_command,
    add_diff_command,
    add_sweep_command,
    add_import_command,
    add_preflight_command,
    add_lr_find_command,
]
VERBS = ("check", "export", "train", "bundle", "diff", "sweep", "import", "preflight", "lr-find")


def main(argv: list[str] | None = None) -> int:
    """Run one verb; returns the exit status (``sys.exit(main())`` is the entry point).

    Ctrl+C at any point (importing torch, loading data, building, training, writing)
    ends the verb with one line and `EXIT_INTERRUPTED`."""
    with interrupts_outside_imports():
        try:
            return _run_verb(argv)
        except KeyboardInterrupt:
            return report_interrupted()


def _run_verb(argv: list[str] | None) -> int:
    tolerant_output()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error already printed by argparse
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_usage(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return handler(args)
    except BadInputError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nn-designer-cli", description="Check and export NN Designer projects."
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in COMMANDS:
        register(commands)
    return parser
