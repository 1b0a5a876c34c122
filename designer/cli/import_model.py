"""``nn-designer import``: a PyTorch model written in Python becomes a project.

Its options only; the import itself (which needs torch) is imported when the verb runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from designer.cli.common import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS, one_line

_WARNING = (
    "Importing runs the file's Python code, as `python FILE.py` would: import only files you trust."
)


def add_import_command(commands: Any) -> None:
    command = commands.add_parser(
        "import",
        help="turn a PyTorch model (an nn.Module in a .py file) into a project",
        description="Trace an nn.Module class of a Python file with torch.fx and write it "
        "as a project, one layer per node, checked to compute exactly what the model "
        f"computes. {_WARNING}",
    )
    command.add_argument("file", help="the Python file defining the model")
    command.add_argument("-o", "--output", required=True, metavar="OUT", help="the .nndesign file")
    command.add_argument(
        "--class", dest="class_name", metavar="NAME", help="the model class (default: the last)"
    )
    command.add_argument(
        "--input-shape",
        metavar="SHAPE",
        help="per-sample input shape, e.g. 3x224x224 (several inputs: 3x32x32,10); token "
        "ids when the input feeds an Embedding; inferred when the first layer is Linear",
    )
    command.add_argument(
        "--weights",
        metavar="W",
        help="load a state dict (.pt/.pth) or .safetensors file into the model and write "
        "it, under the design's names, as OUT.safetensors beside the project",
    )
    command.add_argument(
        "--flat",
        action="store_true",
        help="one node per layer: do not make a block of each class the model uses more than once",
    )
    command.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    from designer.compiler.fx_import import (
        ModelImportError,
        import_file,
        parse_input_shape,
        write_import,
    )

    try:
        shapes = parse_input_shape(args.input_shape) if args.input_shape else None
        result = import_file(args.file, args.class_name, shapes, args.weights, args.flat)
        written = write_import(result, args.output, with_weights=args.weights is not None)
    except ModelImportError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return EXIT_PROBLEMS if error.problems else EXIT_BAD_INPUT
    graph = result.project.graph
    count = sum(graph.spec(node_id).role == "layer" for node_id in graph.nodes)
    instances = sum(graph.spec(node_id).role == "block" for node_id in graph.nodes)
    kinds = len(graph.blocks)
    blocks = f", {instances} instances of {kinds} block{'s' * (kinds != 1)}" if instances else ""
    print(
        f"imported {result.project.metadata['name']}: {count} layers{blocks}, "
        f"{result.parameter_count:,} parameters",
        file=sys.stderr,
    )
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK
