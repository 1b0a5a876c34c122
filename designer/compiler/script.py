"""The exported training script: one runnable file, as an engineer would write it.

It holds the model class, the data loading (the application's own loaders, copied by
`designer.data.source`) and a training loop with the project's settings that also runs
unchanged under ``torchrun`` with DistributedDataParallel. Only sanitized identifiers,
catalogue templates and escaped literals (`namespace.literal`) enter the source; user text
appears in string literals only, never in comments or docstrings.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize

from designer.compiler.codegen import (
    PythonCode,
    format_import,
    format_statement,
    module_imports,
    render_class,
)
from designer.compiler.errors import CompileError
from designer.compiler.lower import IR, lower
from designer.compiler.namespace import literal
from designer.compiler.script_template import (
    CLASSIFICATION,
    CLIP,
    DOCSTRING,
    PER_BATCH,
    PER_EPOCH,
    REGRESSION,
    STOPPING,
    STOPPING_SETUP,
    TEMPLATE,
)
from designer.model import Project, TrainingSettings

_NAME_LIMIT = 60
_IMPORTS = (
    "import argparse",
    "import gc",
    "import math",
    "import os",
    "import torch",
    "import torch.distributed as dist",
    "import torch.nn.functional as F",
    "from safetensors.torch import load_file, save_file",
    "from torch.nn.parallel import DistributedDataParallel",
)
_LOSS_CALLS = {
    "cross_entropy": "F.cross_entropy",
    "bce_with_logits": "F.binary_cross_entropy_with_logits",
    "bce": "F.binary_cross_entropy",
    "mse": "F.mse_loss",
    "l1": "F.l1_loss",
    "huber": "F.huber_loss",
}
_OPTIMIZERS = {
    "adam": "torch.optim.Adam(parameters, lr=lr, weight_decay=WEIGHT_DECAY)",
    "adamw": "torch.optim.AdamW(parameters, lr=lr, weight_decay=WEIGHT_DECAY)",
    "sgd": "torch.optim.SGD(parameters, lr=lr, momentum=MOMENTUM, nesterov=NESTEROV, "
    "weight_decay=WEIGHT_DECAY)",
    "rmsprop": "torch.optim.RMSprop(parameters, lr=lr, momentum=MOMENTUM, "
    "weight_decay=WEIGHT_DECAY)",
}
_SCHEDULES = {
    "none": "None",
    "step": "torch.optim.lr_scheduler.StepLR(optimizer, step_size=STEP_SIZE, gamma=GAMMA)",
    "cosine": "torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs))",
    "one_cycle": "torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, "
    "total_steps=max(1, epochs * steps))",
}
_PREDICTIONS = {
    "cross_entropy": "output.argmax(dim=1)",
    "bce_with_logits": "(output.reshape(len(output), -1)[:, 0] > 0).long()",
    "bce": "(output.reshape(len(output), -1)[:, 0] > 0.5).long()",
}
_TARGETS = {
    "cross_entropy": "torch.as_tensor(y, dtype=torch.long).reshape(-1)",
    "bce_with_logits": "torch.as_tensor(y, dtype=torch.float32).reshape(-1, 1)",
    "bce": "torch.as_tensor(y, dtype=torch.float32).reshape(-1, 1)",
}
_REGRESSION_TARGET = "torch.as_tensor(y, dtype=torch.float32).reshape(len(y), *OUTPUT_SHAPE)"


def generate_script(project: Project, class_name: str = "Net") -> PythonCode:
    """The whole training script for ``project``; `CompileError` if it cannot be trained."""
    ir = lower(project.graph)
    _check_trainable(ir)
    data = _data_source(project)
    model = render_class(ir, class_name)
    sections = [
        DOCSTRING,
        _imports(ir, tuple(data.imports)),
        "\n".join(_constants(project, ir)),
        _normalize_strings(data.code).strip("\n"),
    ]
    head = "\n\n".join(sections[:3]) + "\n\n\n" + sections[3] + "\n\n\n"
    offset = head.count("\n")
    body = _fill(TEMPLATE, _parts(project.training, ir.outputs[0].loss))
    body = body.replace("__NET__", model.name)
    _check_no_clash(data.code, body, model.name)
    source = head + "\n".join(model.lines) + "\n\n\n" + body
    nodes = {offset + index + 1: node for index, node in model.nodes.items()}
    return PythonCode(source, nodes)


def _check_trainable(ir: IR) -> None:
    problems = []
    for kind, items in (("Input", ir.inputs), ("Output", ir.outputs)):
        if len(items) != 1:
            problems.append(
                f"the training script needs exactly one {kind}; the design has {len(items)}"
            )
    if ir.total_params == 0:
        problems.append("the design has no trainable parameters")
    if not problems and ir.outputs[0].loss not in _LOSS_CALLS:
        problems.append(f"{ir.outputs[0].description}: unknown loss {ir.outputs[0].loss!r}")
    if problems:
        raise CompileError(problems)


def _check_no_clash(data_code: str, body: str, class_name: str) -> None:
    """The data snippet and the training code must not define the same top-level name
    (the later definition would silently replace the earlier one)."""
    clash = (_defined(data_code) & (_defined(body) | {class_name})) - {"load_data"}
    if clash:
        raise CompileError([f"internal error: the data code redefines {sorted(clash)}"])


def _defined(code: str) -> set[str]:
    names = set()
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _data_source(project: Project):
    """The data snippet of `designer.data.source`: the application's own loaders."""
    from designer.data.source import dataset_source

    try:
        return dataset_source(project.data)
    except Exception as error:
        raise CompileError([f"cannot export the data loading: {error}"]) from None


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


def _normalize_strings(code: str) -> str:
    """Rewrite the snippet's one-line string literals with `literal`: the quotes ruff's
    formatter wants, and user text (a CSV path) with every non-ASCII character escaped."""
    lines = code.splitlines(keepends=True)
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    strings = [t for t in tokens if t.type == tokenize.STRING and t.start[0] == t.end[0]]
    for token in reversed(strings):
        if token.string[:1] not in "'\"" or token.string[:3] in ("'''", '"""'):
            continue  # prefixed strings and docstrings stay as written
        row, (start, end) = token.start[0] - 1, (token.start[1], token.end[1])
        text = lines[row]
        lines[row] = text[:start] + literal(ast.literal_eval(token.string)) + text[end:]
    return "".join(lines)


def _section(module: str) -> str:
    return "stdlib" if module.split(".")[0] in sys.stdlib_module_names else "third"


def _member_key(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then functions and modules."""
    bare = name.split()[0]
    kind = 0 if bare.isupper() and len(bare) > 1 else 1 if bare[:1].isupper() else 2
    return kind, bare


def _constants(project: Project, ir: IR) -> list[str]:
    """Module constants: the shapes the data must have and the project's settings (the
    defaults of the command-line options)."""
    t = project.training
    name = " ".join(str(project.metadata.get("name", "") or "Untitled").split())
    while len(literal(name)) > _NAME_LIMIT:
        name = name[:-1]
    (item,), (out,) = ir.inputs, ir.outputs
    values: dict[str, object] = {
        "PROJECT_NAME": name,
        "INPUT_SHAPE": tuple(item.shape.dims),
        "OUTPUT_SHAPE": tuple(out.shape.dims),
        "EPOCHS": t.epochs,
        "LEARNING_RATE": t.learning_rate,
        "BATCH_SIZE": t.batch_size,
        "SEED": t.seed,
        "DEVICE": t.device,
        "WEIGHT_DECAY": t.weight_decay,
    }
    if t.optimizer in ("sgd", "rmsprop"):
        values["MOMENTUM"] = t.momentum
    if t.optimizer == "sgd":
        values["NESTEROV"] = t.nesterov and t.momentum > 0  # torch refuses it without
    if t.schedule == "step":
        values.update(STEP_SIZE=t.step_size, GAMMA=t.gamma)
    if t.grad_clip > 0:
        values["GRAD_CLIP"] = t.grad_clip
    if t.early_stopping:
        values["PATIENCE"] = t.patience
    lines = [f"{key} = {literal(value)}" for key, value in values.items()]
    dtype = "torch.long" if item.shape.dtype == "int64" else "torch.float32"
    return [*lines[:2], f"INPUT_DTYPE = {dtype}", *lines[2:]]


def _parts(t: TrainingSettings, loss: str) -> dict[str, list[str]]:
    """The lines that depend on the settings, laid out by the code printer."""
    classification = loss in _PREDICTIONS
    metrics = CLASSIFICATION if classification else REGRESSION
    if classification:
        metrics = metrics.replace("__PREDICTION__", _PREDICTIONS[loss])
    statements = {
        "loss": f"return {_LOSS_CALLS[loss]}(output, target, reduction=reduction)",
        "target": f"target = {_TARGETS.get(loss, _REGRESSION_TARGET)}",
        "optimizer": f"return {_OPTIMIZERS[t.optimizer]}",
        "scheduler": f"return {_SCHEDULES[t.schedule]}",
    }
    texts = {
        "metrics": metrics,
        "clip": CLIP if t.grad_clip > 0 else "",
        "per_batch": PER_BATCH if t.schedule == "one_cycle" else "",
        "per_epoch": PER_EPOCH if t.schedule in ("step", "cosine") else "",
        "stopping_setup": STOPPING_SETUP if t.early_stopping else "",
        "stopping": STOPPING if t.early_stopping else "",
    }
    parts = {key: format_statement(text, 1) for key, text in statements.items()}
    parts.update((key, text.splitlines()) for key, text in texts.items())
    return parts


def _fill(template: str, parts: dict[str, list[str]]) -> str:
    """Replace each ``%%name`` line of the template by the lines ``parts[name]``."""
    lines: list[str] = []
    for line in template.splitlines():
        marker = line.startswith("%%")
        lines.extend(parts[line[2:]] if marker else [line])
    return "\n".join(lines) + "\n"
