"""The computation of a training run, shared verbatim by the app and the exported script.

Everything here is *portable*: torch, NumPy and the portable data functions only, so
`designer.training.script` copies this very source into exported scripts (through
`designer.data.portable`), while the in-app loop calls it directly. The order of samples,
the optimizer step, the losses of several outputs and the validation metrics are therefore
one computation: the same project, seed and data end with bit-identical weights in the app,
under ``nn-designer train`` and in ``python model.py``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator

import numpy as np
import torch

from designer.data.images import augment_image, read_image

EVAL_BATCH_SIZE = 1024


class Head:
    """One Output layer: the target array it learns, its loss function and weight, how the
    loss wants its targets ("classes", "binary" or "values"), the per-sample output shape,
    and for binary outputs the score above which a sample is class 1."""

    def __init__(
        self,
        target: str,
        loss: Callable,
        weight: float,
        kind: str,
        shape: tuple[int, ...],
        threshold: float = 0.0,
    ) -> None:
        self.target, self.loss, self.weight = target, loss, weight
        self.kind, self.shape, self.threshold = kind, tuple(shape), threshold

    @property
    def dense(self) -> bool:
        """Whether the output has a class (or a 0/1 label) per position, not per sample."""
        if self.kind == "classes":
            return len(self.shape) > 1
        return self.kind == "binary" and math.prod(self.shape) > 1

    def targets(self, labels: torch.Tensor) -> torch.Tensor:
        """Targets as the loss expects them: class indices, or floats shaped like the output."""
        if self.kind == "classes":
            return labels.long()
        return labels.float().reshape(len(labels), *self.shape)

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        """The predicted class of each sample (or position)."""
        if self.kind == "classes":
            return output.argmax(dim=1)
        return (output > self.threshold).long()


def as_outputs(output: torch.Tensor | tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """The model's result as a tuple: one tensor per Output layer."""
    return output if isinstance(output, tuple) else (output,)


def epoch_order(count: int, seed: int, epoch: int, rank: int = 0, world_size: int = 1):
    """This process's samples of a shuffled epoch (0-based), drawn as DistributedSampler
    does: the order depends only on the seed and the epoch, and every process gets as many
    samples as the others (the order wraps around), so all take the same number of steps."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed + epoch))
    total = math.ceil(count / world_size) * world_size
    order = order.repeat(math.ceil(total / count))[:total]
    return order[rank::world_size]


class TensorBatches:
    """Samples that fit in memory, held as tensors on the device: inputs as float32 or
    int64 token ids, targets in the form their loss expects."""

    def __init__(self, arrays: dict, inputs: tuple[str, ...], heads: tuple, device) -> None:
        self.tensors = {name: torch.tensor(arrays[name]).to(device) for name in inputs}
        for head in heads:
            labels = torch.tensor(arrays[head.target])
            self.tensors[head.target] = head.targets(labels).to(device)
        self.device = device

    def __len__(self) -> int:
        return len(next(iter(self.tensors.values())))

    def batches(self, order: torch.Tensor, batch_size: int, epoch: int = 0) -> Iterator[dict]:
        """Batches of the samples in ``order``, as tensors by array name."""
        order = order.to(self.device)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            yield {name: tensor[rows] for name, tensor in self.tensors.items()}


class ImageFolderSet(torch.utils.data.Dataset):
    """Images listed by `scan_image_folder`, decoded when asked for. Items are (epoch,
    index) pairs, so the augmentation of a sample depends only on the seed, the epoch and
    the sample: any number of worker processes gives the same batches."""

    def __init__(self, root: str, files, labels, shape, augment: bool, seed: int) -> None:
        self.root, self.files, self.labels = root, files, labels
        self.shape, self.augment, self.seed = tuple(shape), augment, seed

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, item: tuple[int, int]) -> tuple[torch.Tensor, int]:
        epoch, index = item
        image = read_image(os.path.join(self.root, str(self.files[index])), *self.shape)
        if self.augment:
            image = augment_image(image, np.random.default_rng([self.seed, epoch, index]))
        return torch.from_numpy(image), int(self.labels[index])


class BatchList(torch.utils.data.Sampler):
    """The batches of the current epoch, for a DataLoader whose workers outlive an epoch."""

    def __init__(self) -> None:
        self.items: list[list[tuple[int, int]]] = []

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class ImageBatches:
    """Samples of an image folder, decoded by worker processes batch by batch, so a folder
    larger than memory trains; one input (the images) and one target (the class)."""

    def __init__(
        self,
        root: str,
        arrays: dict,
        inputs: tuple[str, ...],
        heads: tuple,
        device,
        shape: tuple[int, ...],
        augment: bool = False,
        seed: int = 0,
        workers: int = 0,
        context: str | None = None,
    ) -> None:
        (self.input,), (self.head,) = inputs, heads
        files, labels = arrays[self.input], arrays[self.head.target]
        self.dataset = ImageFolderSet(root, files, labels, shape, augment, seed)
        self.sampler = BatchList()
        self.device = device
        self.loader = torch.utils.data.DataLoader(
            self.dataset,
            batch_sampler=self.sampler,
            num_workers=workers,
            persistent_workers=workers > 0,
            multiprocessing_context=context if workers > 0 else None,
            generator=torch.Generator(),  # leaves the global random state alone
        )

    def __len__(self) -> int:
        return len(self.dataset)

    def batches(self, order: torch.Tensor, batch_size: int, epoch: int = 0) -> Iterator[dict]:
        """Batches of the samples in ``order``: images and targets on the device."""
        rows = order.tolist()
        items = [(epoch, row) for row in rows]
        self.sampler.items = [items[i : i + batch_size] for i in range(0, len(items), batch_size)]
        for images, labels in self.loader:
            target = self.head.targets(labels)
            yield {self.input: images.to(self.device), self.head.target: target.to(self.device)}


def total_loss(heads: tuple, outputs: tuple, batch: dict) -> torch.Tensor:
    """The weighted sum of the outputs' mean losses (a weight of 1 multiplies nothing)."""
    losses = []
    for head, output in zip(heads, outputs, strict=True):
        loss = head.loss(output, batch[head.target])
        losses.append(loss if head.weight == 1 else head.weight * loss)
    return sum(losses[1:], losses[0])


def train_step(network, optimizer, heads: tuple, inputs: tuple, batch: dict, clip: float):
    """One optimizer step on one batch; returns the loss. A loss that is not a finite
    number stops training before it can spoil the weights (`FloatingPointError`)."""
    optimizer.zero_grad(set_to_none=True)
    outputs = as_outputs(network(*(batch[name] for name in inputs)))
    loss = total_loss(heads, outputs, batch)
    loss.backward()
    value = loss.item()
    if not math.isfinite(value):
        raise FloatingPointError("nan" if math.isnan(value) else "infinite")
    if clip > 0:
        torch.nn.utils.clip_grad_norm_(network.parameters(), max_norm=clip)
    optimizer.step()
    return value


def head_sums(head: Head, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Sums over one batch from which `summarize` computes the metrics: they add up over
    batches and processes, means would not. The loss first, then the label count."""
    loss = head.loss(output, target, reduction="sum").double().reshape(1)
    count = torch.tensor([target.numel()], dtype=torch.float64, device=target.device)
    if head.kind == "values":
        output = output.double().reshape(len(output), -1)
        target = target.double().reshape(len(target), -1)
        error = output - target
        moments = [error.abs().sum(0), (error**2).sum(0), target.sum(0), (target**2).sum(0)]
        return torch.cat([loss, count, *moments])
    predicted, labels = head.predict(output).reshape(-1), target.long().reshape(-1)
    correct = (predicted == labels).sum().double().reshape(1)
    if not head.dense:
        return torch.cat([loss, count, correct])
    classes = head.shape[0] if head.kind == "classes" else 2
    pairs = torch.bincount(labels * classes + predicted, minlength=classes * classes)
    pairs = pairs.double().reshape(classes, classes)
    both = pairs.diagonal()
    return torch.cat([loss, count, correct, both, pairs.sum(0) + pairs.sum(1) - both])


@torch.no_grad()
def evaluate(model, heads: tuple, inputs: tuple, batches) -> list[torch.Tensor]:
    """The `head_sums` of every Output layer over ``batches``, in eval mode."""
    model.eval()
    sums: list[torch.Tensor] = []
    for batch in batches:
        outputs = as_outputs(model(*(batch[name] for name in inputs)))
        parts = [head_sums(h, o, batch[h.target]) for h, o in zip(heads, outputs, strict=True)]
        sums = parts if not sums else [a + b for a, b in zip(sums, parts, strict=True)]
    return sums


def summarize(heads: tuple, sums: list[torch.Tensor]) -> dict[str, float]:
    """The metrics of `evaluate`'s sums: the weighted mean loss ("loss"), and per output
    its accuracy (with the mean IoU of dense outputs), or its MAE and R2. With several
    outputs each metric is named ``"target: metric"``."""
    several = len(heads) > 1
    metrics = {"loss": 0.0}
    for head, part in zip(heads, sums, strict=True):
        prefix = f"{head.target}: " if several else ""
        loss, count = part[0].item(), part[1].item()
        metrics["loss"] += head.weight * loss / count
        if several:
            metrics[prefix + "loss"] = loss / count
        if head.kind == "values":
            absolute, squared, total, total_squared = part[2:].reshape(4, -1)
            rows = count / len(total)
            variance = total_squared - total**2 / rows
            metrics[prefix + "mae"] = absolute.sum().item() / count
            explained = torch.where(variance > 0, 1 - squared / variance, (squared == 0).double())
            metrics[prefix + "r2"] = explained.mean().item()
            continue
        metrics[prefix + "accuracy"] = part[2].item() / count
        if head.dense:
            both, either = part[3:].reshape(2, -1)
            present = either > 0
            metrics[prefix + "mean_iou"] = (both[present] / either[present]).mean().item()
    return metrics


def validation_metrics(model, heads: tuple, inputs: tuple, batches, rank=0, world_size=1):
    """`summarize` of the validation samples; each process takes every world_size-th one
    and the sums are added up over the processes. Pass the bare model, not the DDP
    wrapper, so processes with fewer samples never wait for the others."""
    rows = torch.arange(rank, len(batches), world_size)
    sums = evaluate(model, heads, inputs, batches.batches(rows, EVAL_BATCH_SIZE))
    if world_size > 1:
        for part in sums:
            torch.distributed.all_reduce(part)
    return summarize(heads, sums)


class BestWeights:
    """The epoch with the lowest validation loss and, with ``keep``, a copy of its weights
    to restore at the end (early stopping keeps the best model, not the last)."""

    def __init__(self, keep: bool) -> None:
        self.keep, self.loss, self.epoch, self.state = keep, math.inf, 0, None

    def update(self, model, loss: float, epoch: int) -> None:
        if loss < self.loss:
            self.loss, self.epoch = loss, epoch
            if self.keep:
                self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def restore(self, model) -> None:
        if self.state is not None:
            model.load_state_dict(self.state)


def pick_device(name: str) -> torch.device:
    """The requested device; "auto" takes a GPU when there is one."""
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
