"""``nn-designer check``: each layer's shape and size, the totals, and every problem:
the design's, the compiler's, the data's and the linter's findings with their rule ids."""

from __future__ import annotations

import argparse
import os
from typing import Any

from designer.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    load_project_file,
    one_line,
    printable,
    shorten,
)

_LABEL_WIDTH = 24


def add_check_command(commands: Any) -> None:
    check = commands.add_parser(
        "check", help="list the layers, shapes and problems of a design", description=(
            "Print each layer's name, type, output shape and parameters, the totals, and "
            "every problem, those of the design against its data set included, and the "
            "linter's findings with their rule ids (warning NN201: ...). Exit status 1 if "
            "the design has errors (with --strict, warnings too). Findings silenced on a "
            "layer are not printed; --verbose lists them with their reasons."
        )
    )  # fmt: skip
    check.add_argument("project", help="the .nndesign file")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors too")
    check.add_argument(
        "--no-data", action="store_true", help="check the design alone, without loading its data"
    )
    check.add_argument(
        "--verbose", action="store_true", help="also list silenced findings and their reasons"
    )
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    from designer.model import infer_shapes
    from designer.model.lint import review

    project = load_project_file(args.project)
    graph = project.graph
    analysis = infer_shapes(graph)
    for node_id in analysis.order:
        info, node = analysis.info(node_id), graph.node(node_id)
        known = info.output is not None
        shape, params = (info.output_text, f"{info.params:,}") if known else ("?", "?")
        label = shorten(printable(node.label), _LABEL_WIDTH)
        spec = graph.spec(node_id).display_name
        print(f"{label:<{_LABEL_WIDTH}}  {spec:<26} {shape:<16} {params:>12}")
    print(_totals_line(analysis))
    extra, facts = [], None
    if analysis.valid:
        extra += _compile_problems(graph)
    if analysis.valid and not args.no_data:
        folder = os.path.dirname(os.path.abspath(args.project))
        data_extra, facts = _data_problems(project, analysis, folder)
        extra += data_extra
    reviewed = review(graph, analysis, project.training, facts, extra)
    for problem in reviewed.problems:
        print(_problem_line(problem))
    _print_silenced(graph, reviewed.silenced, args.verbose)
    failed = any(p.is_error or args.strict for p in reviewed.problems)
    return EXIT_PROBLEMS if failed else EXIT_OK


def _problem_line(problem: Any) -> str:
    """``error: ...`` or, for a linter rule's finding, ``warning NN201: ...``."""
    rule = f" {problem.rule}" if problem.rule else ""
    return f"{problem.severity}{rule}: {printable(problem.message)}"


def _print_silenced(graph: Any, silenced: Any, verbose: bool) -> None:
    """Silenced findings: each with its reason when ``verbose``, else only how many."""
    if not silenced:
        return
    if not verbose:
        count = len(silenced)
        print(f"{count} silenced finding{'s' * (count != 1)} not shown (--verbose lists them)")
        return
    for problem in silenced:
        reason = one_line(graph.node(problem.node_id).silenced[problem.rule])
        print(f"silenced {problem.rule}: {printable(problem.message)} (reason: {reason})")


def _totals_line(analysis: Any) -> str:
    """Parameters, multiply-adds and training memory per sample; with errors, only the
    number of layers, since sums over the layers whose shapes are known would mislead."""
    from designer.model.shapes import format_bytes

    layers = f"{len(analysis.order)} layer{'s' * (len(analysis.order) != 1)}"
    if not analysis.valid:
        return f"total: {layers}; parameters and memory unknown until the errors are fixed"
    return (
        f"total: {analysis.total_params:,} parameters, {analysis.total_macs:,} multiply-adds, "
        f"{format_bytes(analysis.training_bytes)} of activations per sample in training "
        f"({layers})"
    )


def _data_problems(project: Any, analysis: Any, folder: str) -> tuple[list, Any]:
    """The design against its data set (loaded as for training; no torch needed), and the
    facts of the data the linter reads (None when it cannot be loaded)."""
    from designer.data import DataError, data_facts, data_layout, load_dataset
    from designer.data.checks import data_problems
    from designer.model import Problem

    try:
        data = load_dataset(project.data, data_layout(project.graph, analysis), folder)
    except DataError as error:
        return [Problem(f"the data set cannot be loaded: {error}")], None
    return data_problems(project, data, analysis), data_facts(project, data, analysis)


def _compile_problems(graph: Any) -> list:
    """What only the compiler checks (the size limit); needs no torch."""
    from designer.compiler.errors import CompileError
    from designer.compiler.lower import lower

    try:
        lower(graph)
    except CompileError as error:
        return list(error.problems)
    return []
