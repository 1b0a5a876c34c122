"""``nn-designer sweep``: its options; the sweep itself is in `designer.cli.sweep_run`,
imported only when the verb runs."""

from __future__ import annotations

import argparse
from typing import Any


def add_sweep_command(commands: Any) -> None:
    sweep = commands.add_parser(
        "sweep", help="search the project's sweep space with Optuna, one line per trial",
        description=(
            "Run trials of the project's sweep (its search space, metric and sampler, as "
            "chosen in Training > Sweep...) in worker processes, printing one line per "
            "trial and the best trial of the study at the end. The study is kept in an "
            "Optuna storage, SQLite beside the project by default; runs pointed at the same "
            "storage and study, on one machine or several, share their trials. Needs "
            'Optuna: pip install "nn-designer[sweep]".'
        ),
    )  # fmt: skip
    sweep.add_argument("project", help="the .nndesign project file")
    sweep.add_argument("--trials", type=int, help="trials to run (default: the project's)")
    sweep.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    sweep.add_argument("--storage", metavar="URL", help="Optuna storage URL (default: SQLite)")
    sweep.add_argument("--study", metavar="NAME", help="study name (default: the file's name)")
    sweep.add_argument("--sampler", choices=("tpe", "grid"), help="override the sampler")

    def run(args: argparse.Namespace) -> int:
        from designer.cli.sweep_run import sweep_project

        options = ("trials", "jobs", "storage", "study", "sampler")
        return sweep_project(args.project, **{name: getattr(args, name) for name in options})

    sweep.set_defaults(handler=run)
