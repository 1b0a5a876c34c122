"""``nn-designer bundle``: one zip file that reproduces a run exactly, of a recorded run
or of a run trained for it."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from designer.cli.common import EXIT_OK, EXIT_PROBLEMS, BadInputError, load_project_file


def add_bundle_command(commands: Any) -> None:
    bundle = commands.add_parser(
        "bundle", help="write a bundle that reproduces a run exactly", description=(
            "Write one zip file holding the design, the exported script, the weights, the "
            "final metrics, the exact library versions, the data split and the data (or its "
            "hash), with a README saying how to rerun it; the rerun on a CPU ends with the "
            "very same metrics. With --run, of a run recorded in the project's run store; "
            "else the project is trained first (as `train` does)."
        )
    )  # fmt: skip
    bundle.add_argument("project", help="the .nndesign project file")
    bundle.add_argument("-o", "--output", required=True, metavar="ZIP", help="the bundle")
    bundle.add_argument("--run", type=int, metavar="ID", help="a recorded run (see its id)")
    bundle.add_argument("--epochs", type=int, help="number of epochs (when training)")
    bundle.add_argument("--seed", type=int, help="random seed (when training)")
    bundle.set_defaults(handler=run_bundle)


def run_bundle(args: argparse.Namespace) -> int:
    if args.run is not None:
        return _bundle_recorded_run(args)
    from designer.cli.train_run import train_project

    return train_project(
        args.project, epochs=args.epochs, seed=args.seed, device="cpu", bundle=args.output
    )


def _bundle_recorded_run(args: argparse.Namespace) -> int:
    from designer.training.bundle import write_run_bundle
    from designer.training.run_loader import load_runs
    from designer.training.run_store import RunStore, RunStoreError, store_path

    load_project_file(args.project)  # a readable project, or exit status 2
    path = store_path(args.project)
    try:
        with RunStore.open(path) as store:
            records = {record.run_id: record for record in load_runs(store).records}
    except RunStoreError as error:
        raise BadInputError(str(error)) from None
    record = records.get(args.run)
    if record is None or record.results is None or not record.state_dict:
        known = ", ".join(str(i) for i, r in records.items() if r.results is not None) or "none"
        print(
            f"error: no finished run {args.run} in {path.name} (finished runs: {known})",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    folder = os.path.dirname(os.path.abspath(args.project))
    try:
        names = write_run_bundle(record, args.output, folder)
    except OSError as error:
        print(f"error: cannot write the bundle: {error.strerror or error}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"wrote {args.output} ({len(names)} files) from run {args.run}", file=sys.stderr)
    return EXIT_OK
