"""``nn-designer export``: the training script, and the weights and ONNX model on request."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from designer.cli.common import EXIT_OK, EXIT_PROBLEMS, load_project_file, printable


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

    project = load_project_file(args.project)
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
            print(f"error: {printable(line)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as error:
        print(f"error: cannot write: {error.strerror or error}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK
