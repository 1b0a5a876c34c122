"""The training catalogue: one description per loss, optimizer, schedule and metric.

What the layer catalogue does for layer types, this module does for the rest of the domain:
each entry names a thing once, with its label, the tasks and targets it accepts and the exact
Python text that computes it. The in-app loop evaluates that text and the exported script
contains it verbatim, so the two cannot drift apart; the inspector, the training panel,
"Fit design to data", the problems list and the command line read the same entries.

Pure Python (no torch): the text is only evaluated by `designer.training`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from designer.catalog.description import dims_text

CLASSIFICATION, REGRESSION = "classification", "regression"
# How a loss wants its targets: class indices (one per position), 0/1 values shaped like
# the output, or real values shaped like the output.
CLASSES, BINARY, VALUES = "classes", "binary", "values"


@dataclass(frozen=True)
class LossSpec:
    """A loss an Output layer can train with.

    ``function`` is a ``torch.nn.functional`` call taking ``(output, target, reduction=...)``.
    Binary losses predict class 1 where the output is above ``threshold`` (a logit above 0,
    or a probability above 0.5); cross-entropy predicts the highest score.
    """

    loss_id: str
    label: str
    help: str
    task: str
    targets: str
    function: str
    threshold: float | None = None
    short: str = ""

    def badge(self, weight: float) -> str:
        """What an Output node shows: the loss in brief, and its weight unless it is 1."""
        name = self.short or self.label
        return name if weight == 1 else f"{name} \u00d7 {weight:g}"

    @property
    def is_classification(self) -> bool:
        return self.task == CLASSIFICATION

    @property
    def is_binary(self) -> bool:
        return self.targets == BINARY


LOSS_SPECS: tuple[LossSpec, ...] = (
    LossSpec(
        "cross_entropy",
        "cross-entropy",
        "Class scores (logits) against class labels; the class axis is the first after N",
        CLASSIFICATION,
        CLASSES,
        "F.cross_entropy",
        short="cross-entropy",
    ),
    LossSpec(
        "bce_with_logits",
        "binary cross-entropy",
        "A logit per sample (or per position) against labels 0 and 1",
        CLASSIFICATION,
        BINARY,
        "F.binary_cross_entropy_with_logits",
        threshold=0.0,
        short="BCE (logits)",
    ),
    LossSpec(
        "bce",
        "binary cross-entropy",
        "A probability (after a Sigmoid) against labels 0 and 1",
        CLASSIFICATION,
        BINARY,
        "F.binary_cross_entropy",
        threshold=0.5,
        short="BCE",
    ),
    LossSpec(
        "mse",
        "mean squared error",
        "Real values of any shape against targets of the same shape",
        REGRESSION,
        VALUES,
        "F.mse_loss",
        short="MSE",
    ),
    LossSpec(
        "l1",
        "mean absolute error",
        "Real values of any shape against targets of the same shape",
        REGRESSION,
        VALUES,
        "F.l1_loss",
        short="L1",
    ),
    LossSpec(
        "huber",
        "Huber loss",
        "Squared error for small errors, absolute error for large ones",
        REGRESSION,
        VALUES,
        "F.huber_loss",
        short="Huber",
    ),
)
LOSSES: Mapping[str, LossSpec] = {spec.loss_id: spec for spec in LOSS_SPECS}
DEFAULT_LOSS = {CLASSIFICATION: "cross_entropy", REGRESSION: "mse"}


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer: ``expression`` builds it from ``parameters``, ``lr`` and the module
    constants named in ``settings`` (upper-cased training settings, e.g. ``WEIGHT_DECAY``)."""

    optimizer_id: str
    label: str
    expression: str
    settings: tuple[str, ...]


OPTIMIZER_SPECS: tuple[OptimizerSpec, ...] = (
    OptimizerSpec(
        "adam",
        "Adam",
        "torch.optim.Adam(parameters, lr=lr, weight_decay=WEIGHT_DECAY)",
        ("weight_decay",),
    ),
    OptimizerSpec(
        "adamw",
        "AdamW",
        "torch.optim.AdamW(parameters, lr=lr, weight_decay=WEIGHT_DECAY)",
        ("weight_decay",),
    ),
    OptimizerSpec(
        "sgd",
        "SGD",
        "torch.optim.SGD(parameters, lr=lr, momentum=MOMENTUM, nesterov=NESTEROV, "
        "weight_decay=WEIGHT_DECAY)",
        ("momentum", "nesterov", "weight_decay"),
    ),
    OptimizerSpec(
        "rmsprop",
        "RMSprop",
        "torch.optim.RMSprop(parameters, lr=lr, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)",
        ("momentum", "weight_decay"),
    ),
)
OPTIMIZERS: Mapping[str, OptimizerSpec] = {spec.optimizer_id: spec for spec in OPTIMIZER_SPECS}


@dataclass(frozen=True)
class LearningRates:
    """The learning rates an optimizer usually trains well with, and a good first try:
    adaptive optimizers scale each step themselves and want small rates, plain SGD
    larger ones."""

    low: float
    high: float
    default: float


#: By optimizer id; the linter warns of rates far outside ``low`` to ``high``.
LEARNING_RATES: Mapping[str, LearningRates] = {
    "adam": LearningRates(1e-5, 1e-2, 1e-3),
    "adamw": LearningRates(1e-5, 1e-2, 1e-3),
    "rmsprop": LearningRates(1e-5, 1e-2, 1e-3),
    "sgd": LearningRates(1e-4, 0.3, 0.01),
}


@dataclass(frozen=True)
class ScheduleSpec:
    """A learning-rate schedule built from ``optimizer``, ``lr``, ``epochs`` and ``steps``
    (optimizer steps per epoch); ``step`` says when it advances: "epoch", "batch" or ""."""

    schedule_id: str
    label: str
    expression: str
    step: str
    settings: tuple[str, ...] = ()


SCHEDULE_SPECS: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("none", "Constant", "None", ""),
    ScheduleSpec(
        "step",
        "Step decay",
        "torch.optim.lr_scheduler.StepLR(optimizer, step_size=STEP_SIZE, gamma=GAMMA)",
        "epoch",
        ("step_size", "gamma"),
    ),
    ScheduleSpec(
        "cosine",
        "Cosine",
        "torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs))",
        "epoch",
    ),
    ScheduleSpec(
        "one_cycle",
        "One-cycle",
        "torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, "
        "total_steps=max(1, epochs * steps))",
        "batch",
    ),
)
SCHEDULES: Mapping[str, ScheduleSpec] = {spec.schedule_id: spec for spec in SCHEDULE_SPECS}


@dataclass(frozen=True)
class MetricSpec:
    """A quality measure reported per epoch: how it reads and which way is better."""

    metric_id: str
    label: str
    percent: bool
    better: str

    def format(self, value: float) -> str:
        if not math.isfinite(value):
            return "n/a"
        return f"{value:.1%}" if self.percent else f"{value:.4g}"


METRIC_SPECS: tuple[MetricSpec, ...] = (
    MetricSpec("loss", "loss", False, "lower"),
    MetricSpec("accuracy", "accuracy", True, "higher"),
    MetricSpec("mean_iou", "mean IoU", True, "higher"),
    MetricSpec("mae", "MAE", False, "lower"),
    MetricSpec("r2", "R²", False, "higher"),
)
METRICS: Mapping[str, MetricSpec] = {spec.metric_id: spec for spec in METRIC_SPECS}
# The metric a plot or a summary shows first, in order of preference.
HEADLINE_METRICS = ("accuracy", "mean_iou", "r2", "mae")


def split_metric_key(key: str) -> tuple[str, str]:
    """(output, metric) of a metric's name in a record: ``accuracy`` for a design with one
    output, ``mask: accuracy`` with several (as `designer.training.core.summarize` names
    them); the output is "" for a single one."""
    output, _, metric = key.rpartition(": ")
    return output, metric


def metric_spec(key: str) -> MetricSpec | None:
    """The description of the metric a record key names (``val_loss`` reads as a loss)."""
    metric = split_metric_key(key)[1]
    return METRICS.get("loss" if metric.endswith("loss") else metric)


def metric_label(key: str) -> str:
    """How a record's metric reads: ``validation loss``, ``mean IoU``, ``mask: accuracy``."""
    output, metric = split_metric_key(key)
    if metric == "val_loss":
        text = "validation loss"
    else:
        spec = METRICS.get(metric)
        text = spec.label if spec is not None else metric
    return f"{output}: {text}" if output else text


def format_metric(key: str, value: float) -> str:
    spec = metric_spec(key)
    return spec.format(value) if spec else f"{value:.4g}"


def headline_metric(keys: tuple[str, ...] | list[str]) -> str | None:
    """The key of the metric to plot and summarize: the first output's best-known metric."""
    for wanted in HEADLINE_METRICS:
        for key in keys:
            if split_metric_key(key)[1] == wanted:
                return key
    return None


# ------------------------------------------------------------------ target checks
def _shape_text(shape: tuple[int, ...]) -> str:
    return dims_text(shape, "a single value")


def _units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"


def target_problem(
    loss: str,
    output_dims: tuple[int, ...] | None,
    task: str,
    target_shape: tuple[int, ...],
    num_classes: int | None,
    data_name: str = "the data set",
) -> str | None:
    """Why an output of per-sample shape ``output_dims`` (None: not known yet) trained with
    ``loss`` cannot learn targets of ``target_shape`` (per sample), or None when it can.

    The one rule for "do the output and its targets fit", used before training, in the
    problems list and by "Fit design to data"; phrased for the user.
    """
    spec = LOSSES.get(loss)
    if spec is None:
        return f"unknown loss {loss!r}"
    name = repr(data_name) if data_name != "the data set" else data_name
    if spec.is_classification and task != CLASSIFICATION:
        return f"{spec.label} needs class labels, but {name} has real-valued targets"
    if not spec.is_classification and task == CLASSIFICATION:
        return f"{spec.label} needs real-valued targets, but {name} has class labels"
    if spec.is_binary and num_classes is not None and num_classes > 2:
        return f"{spec.label} needs 2 classes, but {name} has {num_classes}; use cross-entropy"
    if output_dims is None:
        return None
    output_dims, target_shape = tuple(output_dims), tuple(target_shape)
    if spec.targets == CLASSES:
        return _class_problem(output_dims, target_shape, num_classes, name)
    return _elementwise_problem(spec, output_dims, target_shape, name)


def _class_problem(
    output: tuple[int, ...], target: tuple[int, ...], num_classes: int | None, name: str
) -> str | None:
    if not output:
        return "cross-entropy needs one score per class, but the output is a single value"
    if output[1:] != target:
        if len(output) == 1:
            return (
                f"the output has one score per class for the whole sample, but {name} has "
                f"a {_shape_text(target)} map of labels per sample; keep the positions "
                "(no pooling or Flatten before the Output) to classify each one"
            )
        if not target:
            return (
                f"cross-entropy on a {_shape_text(output)} output takes a class label per "
                f"position, but {name} has one label per sample; flatten or pool the output "
                "to one score per class"
            )
        return (
            f"the output has shape {_shape_text(output)} (classes first), so the labels "
            f"must be {_shape_text(output[1:])} per sample, but {name} has "
            f"{_shape_text(target)}"
        )
    classes = output[0]
    if num_classes is not None:
        wrong = num_classes != classes if not target else num_classes > classes
        if wrong:
            return f"the output has {_units(classes)} but the data has {num_classes} classes"
    return None


def _elementwise_problem(
    spec: LossSpec, output: tuple[int, ...], target: tuple[int, ...], name: str
) -> str | None:
    if math.prod(output) == math.prod(target) and (len(output) <= 1 or output == target):
        return None
    if output == (1, *target):  # one channel of scores or values per position
        return None
    flat = len(output) <= 1 and len(target) <= 1
    if flat and spec.is_binary:
        units = output[0] if output else 1
        return f"the output has {_units(units)} but {spec.label} needs 1 (the score of class 1)"
    if flat:
        wanted = target[0] if target else 1
        units = output[0] if output else 1
        plural = "" if wanted == 1 else "s"
        return f"the output has {_units(units)} but the data has {wanted} target value{plural}"
    return (
        f"the output has shape {_shape_text(output)}, but the targets in {name} have shape "
        f"{_shape_text(target)}"
    )


def output_units(loss: str, task: str, target_shape: tuple[int, ...], num_classes: int | None):
    """How many values a flat output must have for ``loss`` on these targets (None when the
    targets are not flat, so no single Linear layer's width decides it)."""
    spec = LOSSES[loss]
    if spec.targets == CLASSES:
        return num_classes if not target_shape else None
    if spec.is_binary:
        return 1 if not target_shape else None
    if len(target_shape) <= 1:
        return target_shape[0] if target_shape else 1
    return None


def fitting_loss(loss: str, task: str, num_classes: int | None) -> str:
    """``loss`` if it can train on targets of ``task`` at all, else the usual loss for it."""
    spec = LOSSES.get(loss)
    if spec is None or spec.is_classification != (task == CLASSIFICATION):
        return DEFAULT_LOSS[task]
    if spec.is_binary and num_classes not in (None, 2):
        return DEFAULT_LOSS[CLASSIFICATION]
    return loss
