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
from designer.model import Project, TrainingSettings

_NAME_LIMIT = 60
_IMPORTS = (
    "import argparse",
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
_DOCSTRING = '''"""Train a neural network designed with NN Designer.

Run ``python model.py`` to train it, printing the metrics after every epoch, and
``python model.py --help`` for the options. ``torchrun --nproc_per_node=2 model.py`` trains
on two processes with DistributedDataParallel. ``import model`` only defines the network
class and its helpers, without training.
"""'''


def generate_script(project: Project, class_name: str = "Net") -> PythonCode:
    """The whole training script for ``project``; `CompileError` if it cannot be trained."""
    ir = lower(project.graph)
    _check_trainable(ir)
    data = _data_source(project)
    model = render_class(ir, class_name)
    sections = [
        _DOCSTRING,
        _imports(ir, tuple(data.imports)),
        "\n".join(_constants(project, ir)),
        _normalize_strings(data.code).strip("\n"),
    ]
    head = "\n\n".join(sections[:3]) + "\n\n\n" + sections[3] + "\n\n\n"
    offset = head.count("\n")
    body = _fill(_TEMPLATE, _parts(project.training, ir.outputs[0].loss))
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
    metrics = _CLASSIFICATION if classification else _REGRESSION
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
        "clip": _CLIP if t.grad_clip > 0 else "",
        "per_batch": _PER_BATCH if t.schedule == "one_cycle" else "",
        "per_epoch": _PER_EPOCH if t.schedule in ("step", "cosine") else "",
        "stopping_setup": _STOPPING_SETUP if t.early_stopping else "",
        "stopping": _STOPPING if t.early_stopping else "",
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


_CLIP = "        nn.utils.clip_grad_norm_(network.parameters(), max_norm=GRAD_CLIP)"
_PER_BATCH = "        scheduler.step()"
_PER_EPOCH = """\
        if scheduler is not None:
            scheduler.step()"""
_STOPPING_SETUP = "    best, stale = math.inf, 0"
_STOPPING = """\
        if metrics["loss"] < best:
            best, stale = metrics["loss"], 0
        else:
            stale += 1
        if stale >= PATIENCE:
            if rank == 0:
                print(f"stopping early: no improvement for {PATIENCE} epochs")
            break"""
_CLASSIFICATION = '''\
SUM_COUNT = 3


def predict(output: torch.Tensor) -> torch.Tensor:
    """The predicted class of each sample."""
    return __PREDICTION__


def batch_sums(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Summed loss, correct predictions and sample count of one batch: sums add up over
    batches and processes, means would not."""
    loss = criterion(output, target, reduction="sum")
    correct = (predict(output) == target.reshape(-1)).sum()
    count = torch.tensor(len(target), device=target.device)
    return torch.stack([loss.double(), correct.double(), count.double()])


def summarize(sums: torch.Tensor) -> dict[str, float]:
    """Mean loss and accuracy from the summed batch results."""
    loss, correct, count = sums.tolist()
    return {"loss": loss / count, "accuracy": correct / count}'''

_REGRESSION = '''\
SUM_COUNT = 2 + 4 * math.prod(OUTPUT_SHAPE)


def batch_sums(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Summed loss, row count, errors and target moments of one batch: sums add up over
    batches and processes, means would not. R² is computed from them per output value."""
    loss = criterion(output, target, reduction="sum").double().reshape(1)
    output = output.double().reshape(len(output), -1)
    target = target.double().reshape(len(target), -1)
    error = output - target
    rows = torch.tensor([len(target)], dtype=torch.float64, device=target.device)
    moments = [error.abs().sum(0), (error**2).sum(0), target.sum(0), (target**2).sum(0)]
    return torch.cat([loss, rows, *moments])


def summarize(sums: torch.Tensor) -> dict[str, float]:
    """Mean loss, mean absolute error and R² (averaged over the output values)."""
    loss, rows = sums[0].item(), sums[1].item()
    absolute, squared, total, total_squared = sums[2:].reshape(4, -1)
    variance = total_squared - total**2 / rows
    values = rows * len(total)
    r2 = (1 - squared / variance).mean().item()
    return {"loss": loss / values, "mae": absolute.sum().item() / values, "r2": r2}'''

_TEMPLATE = '''\
def criterion(output: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """The loss of the network's Output layer."""
%%loss


%%metrics


def to_tensors(x, y, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets as the tensors the network and its loss expect."""
    if tuple(x.shape[1:]) != INPUT_SHAPE:
        raise SystemExit(
            f"the data has samples of shape {tuple(x.shape[1:])}, "
            f"but the network expects {INPUT_SHAPE}"
        )
    if y.size != len(y) * math.prod(OUTPUT_SHAPE) and y.ndim > 1:
        raise SystemExit(f"the targets have shape {y.shape[1:]}, the outputs {OUTPUT_SHAPE}")
    inputs = torch.as_tensor(x, dtype=INPUT_DTYPE)
%%target
    return inputs.to(device), target.to(device)


def load_weights(path: str) -> dict[str, torch.Tensor]:
    """Weights written by ``--save`` or NN Designer (safetensors), or a torch state dict."""
    if path.endswith((".pt", ".pth")):
        return torch.load(path, map_location="cpu", weights_only=True)
    return load_file(path)


def make_optimizer(parameters, lr: float) -> torch.optim.Optimizer:
    """The optimizer of the project's training settings."""
%%optimizer


def make_scheduler(optimizer: torch.optim.Optimizer, lr: float, epochs: int, steps: int):
    """The learning-rate schedule of the project's training settings, or None."""
%%scheduler


def pick_device(name: str) -> torch.device:
    """The requested device; "auto" takes a GPU when there is one."""
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def setup(device_name: str) -> tuple[int, int, torch.device]:
    """Rank, world size and device; joins the process group when started by torchrun."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return 0, 1, pick_device(device_name)
    cuda = device_name == "cuda" or (device_name == "auto" and torch.cuda.is_available())
    if cuda:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    dist.init_process_group("nccl" if cuda else "gloo")
    return dist.get_rank(), dist.get_world_size(), device


def shard(count: int, rank: int, world_size: int, seed: int, epoch: int) -> torch.Tensor:
    """This process's part of a shuffled epoch, drawn as DistributedSampler does: the order
    depends only on the seed and the epoch, and every process gets as many samples as the
    others (the order wraps around), so all of them take the same number of steps."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed + epoch))
    total = math.ceil(count / world_size) * world_size
    order = order.repeat(math.ceil(total / count))[:total]
    return order[rank::world_size]


def train_epoch(network, optimizer, scheduler, inputs, targets, order, batch_size: int):
    """One pass over this process's shard; returns the summed loss and the sample count."""
    network.train()
    totals = torch.zeros(2, dtype=torch.float64, device=inputs.device)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(network(inputs[batch]), targets[batch])
        loss.backward()
%%clip
        optimizer.step()
%%per_batch
        totals += torch.stack([loss.detach().double() * len(batch), totals.new_tensor(len(batch))])
    return totals


@torch.no_grad()
def evaluate(model, inputs, targets, rank: int, world_size: int, batch_size: int):
    """Validation metrics; each process takes every world_size-th sample, then the sums
    are added up over the processes. The bare model is used (not the DDP wrapper), so
    processes with fewer samples never wait for the others."""
    model.eval()
    sums = torch.zeros(SUM_COUNT, dtype=torch.float64, device=inputs.device)
    rows = torch.arange(rank, len(inputs), world_size, device=inputs.device)
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        sums += batch_sums(model(inputs[batch]), targets[batch])
    if world_size > 1:
        dist.all_reduce(sums)
    return summarize(sums)


def report(title: str, metrics: dict[str, float]) -> None:
    print(title, "  ".join(f"{name} {value:.4f}" for name, value in metrics.items()), flush=True)


def train(args: argparse.Namespace, rank: int, world_size: int, device: torch.device):
    """Train with the options in ``args``; returns the last validation metrics."""
    torch.manual_seed(args.seed)
    model = __NET__().to(device)
    if args.load:
        model.load_state_dict(load_weights(args.load))
    torch.manual_seed(args.seed + rank)
    x_train, y_train, x_val, y_val = load_data()
    inputs, targets = to_tensors(x_train, y_train, device)
    val_inputs, val_targets = to_tensors(x_val, y_val, device)
    network = model
    if world_size > 1:
        device_ids = [device.index] if device.type == "cuda" else None
        network = DistributedDataParallel(model, device_ids=device_ids)
    optimizer = make_optimizer(network.parameters(), args.lr)
    steps = math.ceil(math.ceil(len(inputs) / world_size) / args.batch_size)
    scheduler = make_scheduler(optimizer, args.lr, args.epochs, steps)
    metrics = evaluate(model, val_inputs, val_targets, rank, world_size, args.batch_size)
    if rank == 0 and args.epochs == 0:
        report("validation", metrics)
%%stopping_setup
    for epoch in range(args.epochs):
        order = shard(len(inputs), rank, world_size, args.seed, epoch).to(device)
        totals = train_epoch(network, optimizer, scheduler, inputs, targets, order, args.batch_size)
        if world_size > 1:
            dist.all_reduce(totals)
        metrics = evaluate(model, val_inputs, val_targets, rank, world_size, args.batch_size)
        if rank == 0:
            loss = totals[0].item() / totals[1].item()
            report(f"epoch {epoch + 1}/{args.epochs}  train loss {loss:.4f}  val", metrics)
%%per_epoch
%%stopping
    if rank == 0 and args.save:
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(state, args.save)
        print(f"saved the weights to {args.save}", flush=True)
    return metrics


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options; their defaults are the project's settings."""
    parser = argparse.ArgumentParser(description="Train the network designed in NN Designer.")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="passes over the data")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE, help="learning rate")
    parser.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help="samples per step and process"
    )
    parser.add_argument("--device", default=DEVICE, choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--seed", type=int, default=SEED, help="seed of weights and shuffling")
    parser.add_argument("--save", metavar="PATH", help="write the trained weights here")
    parser.add_argument("--load", metavar="PATH", help="start from these weights")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    rank, world_size, device = setup(args.device)
    if rank == 0:
        print(f"training {PROJECT_NAME} on {device} ({world_size} process(es))", flush=True)
    try:
        return train(args, rank, world_size, device)
    finally:
        if world_size > 1:
            dist.destroy_process_group()


if __name__ == "__main__":
    main()'''
