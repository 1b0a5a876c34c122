"""``nn-designer diff``: the differences of two designs, one line each (or JSON)."""

from __future__ import annotations

import argparse
from typing import Any

from designer.cli.common import EXIT_OK, EXIT_PROBLEMS, load_project_file, printable


def add_diff_command(commands: Any) -> None:
    diff = commands.add_parser(
        "diff", help="compare two designs, one line per difference", description=(
            "Print the layers and wires added, removed and changed from OLD to NEW, each "
            "changed parameter with its old and new value, and the changed data and training "
            "settings. Moving layers is not a difference. Exit status 0 when the designs are "
            "equal, 1 when they differ, 2 when a file cannot be read."
        )
    )  # fmt: skip
    diff.add_argument("old", help="the .nndesign file to compare from")
    diff.add_argument("new", help="the .nndesign file to compare with it")
    diff.add_argument("--json", action="store_true", help="print the differences as JSON")
    diff.add_argument(
        "--no-settings", action="store_true", help="compare the layers and wires only"
    )
    diff.set_defaults(handler=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    import json

    from designer.model.diff import diff_projects
    from designer.model.diff_text import diff_entries, diff_to_dict, summary

    old, new = load_project_file(args.old), load_project_file(args.new)
    diff = diff_projects(old, new, settings=not args.no_settings)
    if args.json:  # ASCII only: every control or invisible character is escaped
        print(json.dumps(diff_to_dict(diff), indent=2, ensure_ascii=True))
    else:
        for entry in diff_entries(diff):
            print(printable(entry.line))
        print(summary(diff))
    return EXIT_OK if diff.equal else EXIT_PROBLEMS
