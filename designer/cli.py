"""Command-line verbs that need no window: ``check``, ``export``, ``train`` and ``diff``.

    nn-designer check PROJECT [--strict] [--no-data] [--verbose]
    nn-designer export PROJECT -o model.py [--weights W.safetensors] [--onnx M.onnx]
    nn-designer train PROJECT [--epochs N] [--lr LR] [--save-weights W.safetensors]
                      [--data PATH [--target COLUMN]] [--no-record] [--tensorboard DIR]
    nn-designer bundle PROJECT -o B.zip [--run ID | --epochs N --seed S]
    nn-designer diff A B [--json] [--no-settings]
    nn-designer sweep PROJECT [--trials N] [--jobs J] [--storage URL] [--study NAME]
                      [--sampler tpe|grid]

(``nn-designer-cli`` is the same without the window entry point.)
Exit status: 0 when all is well, 1 when the design has errors (or cannot be exported; for
``diff``, when the designs differ), 2 when the file cannot be read or the command line is
wrong, 130 when interrupted with Ctrl+C (one line, no traceback; every file is written
atomically, so nothing half-written or temporary is left behind). Never imports Qt; torch
only when a verb builds a model. Each verb registers itself through a function in `COMMANDS`,
so another verb is one more function there.
"""

from __future__ import annotations

import _thread
import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command ended by Ctrl+C
_LABEL_WIDTH = 24
_INTERRUPT_RETRY_SECONDS = 0.05


class _BadInputError(Exception):
    """The project file cannot be used at all (exit status 2)."""


def main(argv: list[str] | None = None) -> int:
    """Run one verb; returns the exit status (``sys.exit(main())`` is the entry point).

    Ctrl+C at any point (importing torch, loading data, building, training, writing)
    ends the verb with one line and `EXIT_INTERRUPTED`."""
    with interrupts_outside_imports():
        try:
            return _run_verb(argv)
        except KeyboardInterrupt:
            return report_interrupted()


def report_interrupted() -> int:
    """Say "interrupted" in one line on stderr; returns `EXIT_INTERRUPTED`."""
    with contextlib.suppress(OSError, ValueError):
        print("interrupted", file=sys.stderr, flush=True)
    return EXIT_INTERRUPTED


@contextlib.contextmanager
def interrupts_outside_imports() -> Iterator[None]:
    """Within this block, Ctrl+C raises `KeyboardInterrupt` only where no module is being
    imported: one arriving during an import is held until the import is over.

    An interrupt inside the import of an extension module is not a clean exception:
    torch's import then aborts the whole process ("terminate called after throwing an
    instance of 'pybind11::error_already_set'"), and NumPy's leaves a half-initialised
    module that fails later with a RecursionError. Such imports happen at start-up and
    lazily mid-run (torch imports its compiler on the first optimizer step). Only the
    main thread's handler is replaced, and only when Ctrl+C is not ignored.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    if not _importing(frame):
        raise KeyboardInterrupt
    # Ask again shortly: interrupt_main() calls this handler anew in the main thread.
    retry = threading.Timer(_INTERRUPT_RETRY_SECONDS, _thread.interrupt_main)
    retry.daemon = True
    retry.start()


def _importing(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _run_verb(argv: list[str] | None) -> int:
    _tolerant_output()
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
    except _BadInputError as error:
        print(f"error: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nn-designer-cli", description="Check and export NN Designer projects."
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in COMMANDS:
        register(commands)
    return parser


# --------------------------------------------------------------------- check
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

    project = _load(args.project)
    graph = project.graph
    analysis = infer_shapes(graph)
    for node_id in analysis.order:
        info, node = analysis.info(node_id), graph.node(node_id)
        known = info.output is not None
        shape, params = (info.output_text, f"{info.params:,}") if known else ("?", "?")
        label = _shorten(_printable(node.label), _LABEL_WIDTH)
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
    return f"{problem.severity}{rule}: {_printable(problem.message)}"


def _print_silenced(graph: Any, silenced: Any, verbose: bool) -> None:
    """Silenced findings: each with its reason when ``verbose``, else only how many."""
    if not silenced:
        return
    if not verbose:
        count = len(silenced)
        print(f"{count} silenced finding{'s' * (count != 1)} not shown (--verbose lists them)")
        return
    for problem in silenced:
        reason = _one_line(graph.node(problem.node_id).silenced[problem.rule])
        print(f"silenced {problem.rule}: {_printable(problem.message)} (reason: {reason})")


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


# -------------------------------------------------------------------- export
def add_export_command(commands: Any) -> None:
    export = commands.add_parser(
        "export", help="write the training script (and weights or ONNX)", description=(
            "Write a standalone PyTorch training script for the project; optionally the "
            "initial weights (safetensors, seeded by the project's seed) and an ONNX model."
        )
    )  # fmt: skip
    export.add_argument("project", help="the .nndesign file")
    export.add_argument("-o", "--output", required=True, metavar="PY", help="script ('-': stdout)")
    export.add_argument("--weights", metavar="PATH", help="also write weights (safetensors)")
    export.add_argument("--onnx", metavar="PATH", help="also write the model as ONNX")
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from designer.compiler import (
        CompileError,
        ExportError,
        WeightsError,
        compile_design,
        export_onnx,
        save_weights,
    )
    from designer.compiler.export import example_inputs, write_text_atomic
    from designer.training.script import generate_script

    project = _load(args.project)
    folder = os.path.dirname(os.path.abspath(args.project))
    try:
        script_folder = (
            None if args.output == "-" else os.path.dirname(os.path.abspath(args.output))
        )
        code = generate_script(project, project_folder=folder, script_folder=script_folder)
        if args.output == "-":
            sys.stdout.write(code.source)
        else:
            write_text_atomic(args.output, code.source)
            print(f"wrote {args.output}", file=sys.stderr)
        if args.weights or args.onnx:
            compiled = compile_design(project.graph, seed=project.training.seed)
        if args.weights:
            save_weights(compiled.module, args.weights)
            print(f"wrote {args.weights}", file=sys.stderr)
        if args.onnx:
            inputs = example_inputs(compiled.ir)
            export_onnx(compiled.module, inputs, args.onnx, ir=compiled.ir)
            print(f"wrote {args.onnx}", file=sys.stderr)
    except (CompileError, ExportError, WeightsError) as error:
        for line in str(error).splitlines():
            print(f"error: {_printable(line)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as error:
        print(f"error: cannot write: {error.strerror or error}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


# --------------------------------------------------------------------- train
def add_train_command(commands: Any) -> None:
    train = commands.add_parser(
        "train",
        help="train a project without a window and print its progress",
        description="Train a project headless: a progress line per epoch, then the final "
        "metrics. Options override the project's own training settings.",
    )
    train.add_argument("project", help="the .nndesign project file")
    train.add_argument("--epochs", type=int, help="number of epochs")
    train.add_argument("--lr", type=float, help="learning rate")
    train.add_argument("--batch-size", type=int, help="samples per batch")
    train.add_argument("--seed", type=int, help="random seed")
    train.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="device")
    train.add_argument("--save-weights", metavar="PATH", help="write the trained weights")
    train.add_argument(
        "--data", metavar="PATH", help="train on this CSV file, .npz file or image folder"
    )
    train.add_argument("--target", metavar="COLUMN", help="the target column of a CSV file")
    train.add_argument("--bundle", metavar="ZIP", help="also write a reproducibility bundle")
    train.add_argument(
        "--no-record",
        action="store_true",
        help="do not record the run in the project's run store (NAME.runs.sqlite)",
    )
    train.add_argument(
        "--tensorboard", metavar="DIR", help="also write the curves as TensorBoard event files"
    )
    train.set_defaults(handler=run_train)


def run_train(args: argparse.Namespace) -> int:
    from designer.training.headless import train_project

    return train_project(
        args.project,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
        device=args.device,
        save_weights=args.save_weights,
        data=args.data,
        target=args.target,
        bundle=args.bundle,
        record=not args.no_record,
        tensorboard=args.tensorboard,
    )


# -------------------------------------------------------------------- bundle
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
    from designer.training.headless import train_project

    return train_project(
        args.project, epochs=args.epochs, seed=args.seed, device="cpu", bundle=args.output
    )


def _bundle_recorded_run(args: argparse.Namespace) -> int:
    from designer.training.bundle import write_run_bundle
    from designer.training.run_loader import load_runs
    from designer.training.run_store import RunStore, RunStoreError, store_path

    _load(args.project)  # a readable project, or exit status 2
    path = store_path(args.project)
    try:
        with RunStore.open(path) as store:
            records = {record.run_id: record for record in load_runs(store).records}
    except RunStoreError as error:
        raise _BadInputError(str(error)) from None
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


# ---------------------------------------------------------------------- diff
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

    old, new = _load(args.old), _load(args.new)
    diff = diff_projects(old, new, settings=not args.no_settings)
    if args.json:  # ASCII only: every control or invisible character is escaped
        print(json.dumps(diff_to_dict(diff), indent=2, ensure_ascii=True))
    else:
        for entry in diff_entries(diff):
            print(_printable(entry.line))
        print(summary(diff))
    return EXIT_OK if diff.equal else EXIT_PROBLEMS


# --------------------------------------------------------------------- sweep
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
        from designer.training.sweep_headless import sweep_project

        options = ("trials", "jobs", "storage", "study", "sampler")
        return sweep_project(args.project, **{name: getattr(args, name) for name in options})

    sweep.set_defaults(handler=run)


COMMANDS: list[Callable[[Any], None]] = [
    add_check_command,
    add_export_command,
    add_train_command,
    add_bundle_command,
    add_diff_command,
    add_sweep_command,
]
VERBS = ("check", "export", "train", "bundle", "diff", "sweep")


# ------------------------------------------------------------------- helpers
def _load(path: str) -> Any:
    """The project at ``path``; any reason it cannot be read is a `_BadInputError`."""
    try:
        from designer.io import ProjectFileError, load_project
    except ImportError as error:  # pragma: no cover -- an incomplete installation
        raise _BadInputError(f"cannot read projects: {error}") from None
    try:
        return load_project(path)
    except ProjectFileError as error:
        raise _BadInputError(f"cannot read {os.fspath(path)!r}: {error}") from None
    except (OSError, ValueError) as error:
        raise _BadInputError(f"cannot read {os.fspath(path)!r}: {error}") from None


def _printable(text: str) -> str:
    """Text safe for a terminal: control characters (escape sequences) are escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _one_line(text: str) -> str:
    return _printable(" ".join(text.split()))


def _tolerant_output() -> None:
    """Never crash on a label the terminal's encoding cannot show."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")


if __name__ == "__main__":
    sys.exit(main())
