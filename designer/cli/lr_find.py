"""``nn-designer lr-find``: its options; the range test (which imports torch) is in
`designer.cli.probe_run`, imported only when the verb runs."""

from __future__ import annotations

import argparse
from typing import Any

from designer.cli.preflight import add_setting_options, settings_overrides


def add_lr_find_command(commands: Any) -> None:
    lr_find = commands.add_parser(
        "lr-find",
        help="suggest a learning rate with a range test",
        description="Train a copy of the design while the learning rate grows "
        "exponentially from 1e-7 to 10, print the smoothed loss along the way and the "
        "suggested rate. The last line is the rate alone, for scripts. Exit status 1 "
        "when the test gives too few points to suggest one.",
    )
    lr_find.add_argument("project", help="the .nndesign project file")
    lr_find.add_argument("--steps", type=int, help="steps of the test (default 200)")
    add_setting_options(lr_find, rate=False)
    lr_find.set_defaults(handler=run_lr_find)


def run_lr_find(args: argparse.Namespace) -> int:
    from designer.cli.probe_run import lr_find_project

    return lr_find_project(args.project, args.steps, settings_overrides(args))
