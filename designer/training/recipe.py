"""The settings-dependent part of training as Python source: outputs, optimizer, schedule.

`recipe_source` writes, from the training catalogue's text, the module constants, the
``HEADS`` (one `Head` per Output layer) and ``make_optimizer``/``make_scheduler`` of a
project. The exported script contains this text; the in-app run compiles the same text
(`compile_recipe`), as the in-app model runs the forward the code generator writes. So the
loss, optimizer and schedule of the two are one piece of code, not two implementations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from designer.catalog.objectives import LOSSES, OPTIMIZERS, SCHEDULES
from designer.compiler.printer import format_statement
from designer.data.layout import DataLayout
from designer.data.portable import literal
from designer.model.settings import TrainingSettings
from designer.training.core import Head

_FILENAME = "<nn-designer training recipe>"
_LINE_LENGTH = 100


@dataclass(frozen=True)
class Recipe:
    """A compiled recipe: what the loop calls, and the source it came from."""

    source: str
    heads: tuple[Head, ...]
    inputs: tuple[str, ...]
    make_optimizer: Callable
    make_scheduler: Callable | None
    schedule_step: str


def recipe_constants(settings: TrainingSettings) -> dict[str, object]:
    """The settings the optimizer and schedule read, as module constants."""
    used = [*OPTIMIZERS[settings.optimizer].settings, *SCHEDULES[settings.schedule].settings]
    values = {name.upper(): getattr(settings, name) for name in used}
    if "NESTEROV" in values:
        values["NESTEROV"] = settings.nesterov and settings.momentum > 0  # torch refuses it
    return values


def recipe_source(settings: TrainingSettings, layout: DataLayout, constants: bool = True) -> str:
    """``INPUTS``, ``HEADS`` and the optimizer and schedule factories, after the constants
    they read (left out with ``constants=False``, for a script that defines them itself)."""
    heads = [_head(slot.name, slot.loss, slot.weight, slot.dims) for slot in layout.outputs]
    inline = f"HEADS = ({heads[0]},)" if len(heads) == 1 else ""
    if not inline or len(inline) > _LINE_LENGTH:
        inline = "\n".join(["HEADS = (", *(f"    {head}," for head in heads), ")"])
    names = [f"INPUTS = {literal(layout.input_names)}", inline]
    if constants:
        names[:0] = constant_lines(settings)
    parts = ["\n".join(names), _optimizer_function(settings)]
    schedule = _schedule_function(settings)
    if schedule:
        parts.append(schedule)
    return "\n\n\n".join(parts) + "\n"


def constant_lines(settings: TrainingSettings) -> list[str]:
    """``NAME = value`` for each setting the optimizer and schedule read."""
    return [f"{name} = {literal(value)}" for name, value in recipe_constants(settings).items()]


def _head(target: str, loss: str, weight: float, dims: tuple[int, ...] | None) -> str:
    spec = LOSSES[loss]
    arguments = [literal(target), spec.function, literal(float(weight)), literal(spec.targets)]
    arguments.append(literal(tuple(dims or ())))
    if spec.threshold is not None:
        arguments.append(f"threshold={literal(spec.threshold)}")
    return f"Head({', '.join(arguments)})"


def _optimizer_function(settings: TrainingSettings) -> str:
    spec = OPTIMIZERS[settings.optimizer]
    return "\n".join(
        [
            "def make_optimizer(parameters, lr: float) -> torch.optim.Optimizer:",
            f'    """{spec.label}, as in the project\'s training settings."""',
            *format_statement(f"return {spec.expression}", 1),
        ]
    )


def _schedule_function(settings: TrainingSettings) -> str:
    spec = SCHEDULES[settings.schedule]
    if not spec.step:
        return ""
    when = "after every batch" if spec.step == "batch" else "after every epoch"
    return "\n".join(
        [
            "def make_scheduler(optimizer: torch.optim.Optimizer, lr: float, epochs: int, "
            "steps: int):",
            f'    """The {spec.label.lower()} learning-rate schedule, stepped {when}."""',
            *format_statement(f"return {spec.expression}", 1),
        ]
    )


def compile_recipe(settings: TrainingSettings, layout: DataLayout) -> Recipe:
    """Compile `recipe_source` into the functions and heads the in-app loop uses."""
    source = recipe_source(settings, layout)
    scope: dict = {"torch": torch, "F": F, "math": math, "Head": Head}
    exec(compile(source, _FILENAME, "exec"), scope)
    return Recipe(
        source=source,
        heads=tuple(scope["HEADS"]),
        inputs=tuple(scope["INPUTS"]),
        make_optimizer=scope["make_optimizer"],
        make_scheduler=scope.get("make_scheduler"),
        schedule_step=SCHEDULES[settings.schedule].step,
    )
