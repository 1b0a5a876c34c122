"""The exported training script: one runnable file, as an engineer would write it.

It holds the data loading and the training steps (the application's own functions, copied
verbatim by `designer.data.portable`), the model class (the forward the in-app model runs),
the recipe (outputs, optimizer and schedule: the text the in-app run compiles) and a short
program around them that also runs under ``torchrun`` with DistributedDataParallel. Only
sanitized identifiers, catalogue templates and escaped literals (`literal`) enter the
source; user text appears in string literals only, never in comments or docstrings.
"""

from __future__ import annotations

import ast
import os
import sys

from designer.catalog.objectives import SCHEDULES
from designer.compiler import IR, CompileError, PythonCode, lower
from designer.compiler.codegen import module_imports, render_class
from designer.compiler.printer import format_import
from designer.data import DataError, DataLayout, data_layout, dataset_source
from designer.data.portable import collect, literal, wrapped_literal
from designer.model import Problem, Project
from designer.training import core
from designer.training.recipe import constant_lines, recipe_source
from designer.training.script_template import (
    DOCSTRING,
    IMAGE_BATCHES,
    NO_SCHEDULER,
    PER_BATCH,
    PER_EPOCH,
    SCHEDULER,
    STOPPING,
    TEMPLATE,
    TENSOR_BATCHES,
    WORKERS_OPTION,
)

PORTABLE_MODULES = ("designer.data", "designer.training.core")
_NAME_LIMIT = 60
_LINE_LENGTH = 100
_IMPORTS = (
    "import argparse",
    "import gc",
    "import json",
    "import math",
    "import os",
    "import torch",
    "import torch.distributed as dist",
    "import torch.nn.functional as F",
    "from safetensors.torch import load_file, save_file",
    "from torch.nn.parallel import DistributedDataParallel",
)
_CORE = (
    core.Head,
    core.train_step,
    core.epoch_order,
    core.validation_metrics,
    core.BestWeights,
    core.pick_device,
)
_DATA_HELP = {
    "csv": "the CSV file to train on",
    "npz": "the .npz file to train on",
    "image_folder": "the folder of images to train on (one sub-folder per class)",
}


def generate_script(
    project: Project,
    class_name: str = "Net",
    project_folder: str | os.PathLike[str] | None = None,
    script_folder: str | os.PathLike[str] | None = None,
) -> PythonCode:
    """The whole training script for ``project``; `CompileError` if it cannot be trained.

    A relative data path in the project is taken from ``project_folder`` and written
    relative to ``script_folder`` (the script resolves it against its own folder), or as
    an absolute path when the script's folder is not known; without either folder it is
    written as it is.
    """
    ir = lower(project.graph)
    layout = data_layout(project.graph)
    check_trainable(ir, layout)
    try:
        data = dataset_source(project.data, layout)
    except DataError as error:
        raise CompileError([f"cannot export the data loading: {error}"]) from None
    images = project.data.source == "image_folder"
    roots = [*data.roots, *_CORE, core.ImageBatches if images else core.TensorBatches]
    portable = collect(roots, PORTABLE_MODULES)
    model = render_class(ir, class_name)
    data_path = script_data_path(project.data.path, project_folder, script_folder)
    constants = [*_constants(project, ir, data_path), *constant_lines(project.training)]
    head = "\n\n".join([DOCSTRING, _imports(ir, portable.imports), "\n".join(constants)])
    code = [portable.code.strip("\n"), data.load_data.strip("\n")]
    head = "\n\n\n".join([head, *code]) + "\n\n\n"
    offset = head.count("\n")
    recipe = recipe_source(project.training, layout, constants=False)
    body = _fill(TEMPLATE, _parts(project, images)).replace("__NET__", model.name)
    _check_no_clash(portable.code + data.load_data, recipe + body, {model.name, *model.forwards})
    source = head + "\n".join(model.lines) + "\n\n\n" + recipe + "\n\n" + body
    nodes = {offset + index + 1: node for index, node in model.nodes.items()}
    return PythonCode(source, nodes)


def check_trainable(ir: IR, layout: DataLayout) -> None:
    """What keeps a design that compiles from being trained, as one `CompileError`."""
    problems: list[Problem | str] = []
    if not ir.inputs:
        problems.append("the design has no Input layer, so it cannot read data")
    if not ir.outputs:
        problems.append("the design has no Output layer, so it has nothing to learn")
    if ir.total_params == 0:
        problems.append("the design has no trainable parameters")
    for name in layout.duplicate_names():
        nodes = [s for s in (*layout.inputs, *layout.outputs) if s.name == name]
        described = " and ".join(slot.description for slot in nodes)
        problems.append(
            Problem(
                f"{described} have the same name {name!r}; each Input and Output reads the "
                "data array of its own name, so rename one of them",
                nodes[-1].node_id,
                field="label",
            )
        )
    if problems:
        raise CompileError(problems)


def script_data_path(
    path: str,
    project_folder: str | os.PathLike[str] | None,
    script_folder: str | os.PathLike[str] | None,
) -> str:
    """The data path to write into a script (see `generate_script`)."""
    path = os.path.expanduser(path)
    if not path or os.path.isabs(path) or (project_folder is None and script_folder is None):
        return path
    resolved = os.path.join(os.fspath(project_folder), path) if project_folder else path
    if script_folder is None:
        return os.path.abspath(resolved)
    try:
        return os.path.relpath(os.path.abspath(resolved), os.path.abspath(script_folder))
    except ValueError:  # another drive on Windows
        return os.path.abspath(resolved)


def _check_no_clash(data_code: str, body: str, class_names: set[str]) -> None:
    """The copied code and the program around it (the model's and blocks' classes too)
    must not define the same top-level name (the later would silently replace the
    earlier one)."""
    clash = (_defined(data_code) & (_defined(body) | class_names)) - {"load_data"}
    if clash:
        raise CompileError([f"internal error: the copied code redefines {sorted(clash)}"])


def _defined(code: str) -> set[str]:
    names = set()
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _imports(ir: IR, extra: tuple[str, ...]) -> str:
    """All imports, merged and ordered as isort (ruff's ``I`` rules) wants them."""
    plain: dict[str, set[str]] = {"stdlib": set(), "third": set()}
    froms: dict[str, dict[str, set[str]]] = {"stdlib": {}, "third": {}}
    for statement in dict.fromkeys([*module_imports(ir), *_IMPORTS, *extra]):
        node = ast.parse(statement).body[0]
        if isinstance(node, ast.Import):
            for alias in node.names:
                suffix = f" as {alias.asname}" if alias.asname else ""
                plain[_section(alias.name)].add(f"import {alias.name}{suffix}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = froms[_section(node.module)].setdefault(node.module, set())
            names.update(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
    groups = []
    for kind in ("stdlib", "third"):
        lines = sorted(plain[kind], key=lambda s: s.split()[1].lower())
        for module in sorted(froms[kind], key=str.lower):
            lines += format_import(module, sorted(froms[kind][module], key=_member_key))
        if lines:
            groups.append("\n".join(lines))
    return "\n\n".join(groups)


def _section(module: str) -> str:
    return "stdlib" if module.split(".")[0] in sys.stdlib_module_names else "third"


def _member_key(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then functions and modules."""
    bare = name.split()[0]
    kind = 0 if bare.isupper() and len(bare) > 1 else 1 if bare[:1].isupper() else 2
    return kind, bare


def _constants(project: Project, ir: IR, data_path: str) -> list[str]:
    """Module constants: the project's settings, the defaults of the command-line options."""
    t, d = project.training, project.data
    name = " ".join(str(project.metadata.get("name", "") or "Untitled").split())
    while len(literal(name)) > _NAME_LIMIT:
        name = name[:-1]
    help_text = _DATA_HELP.get(d.source, "an .npz file to train on instead of the built-in data")
    values: dict[str, object] = {
        "PROJECT_NAME": name,
        "DATA_PATH": data_path,
        "DATA_HELP": help_text,
        "EPOCHS": t.epochs,
        "LEARNING_RATE": t.learning_rate,
        "BATCH_SIZE": t.batch_size,
        "SEED": t.seed,
        "DEVICE": t.device,
        "GRAD_CLIP": t.grad_clip,
        "EARLY_STOPPING": t.early_stopping,
    }
    if t.early_stopping:
        values["PATIENCE"] = t.patience
    if d.source == "image_folder":
        values["IMAGE_SHAPE"] = tuple(ir.inputs[0].shape.dims)
        values.update(AUGMENT=d.augment, WORKERS=d.workers)
    lines = []
    for key, value in values.items():
        room = _LINE_LENGTH - len(key) - 3
        lines.append(f"{key} = {wrapped_literal(value, '', room)}")
    return lines


def _parts(project: Project, images: bool) -> dict[str, list[str]]:
    """The optional lines of the template for these settings."""
    t = project.training
    step = SCHEDULES[t.schedule].step
    texts = {
        "make_batches": IMAGE_BATCHES if images else TENSOR_BATCHES,
        "scheduler": SCHEDULER if step else NO_SCHEDULER,
        "per_batch": PER_BATCH if step == "batch" else "",
        "per_epoch": PER_EPOCH if step == "epoch" else "",
        "stopping": STOPPING if t.early_stopping else "",
        "workers": WORKERS_OPTION if images else "",
    }
    return {key: text.splitlines() for key, text in texts.items()}


def _fill(template: str, parts: dict[str, list[str]]) -> str:
    """Replace each ``%%name`` line of the template by the lines ``parts[name]``."""
    lines: list[str] = []
    for line in template.splitlines():
        marker = line.startswith("%%")
        lines.extend(parts[line[2:]] if marker else [line])
    return "\n".join(lines) + "\n"
