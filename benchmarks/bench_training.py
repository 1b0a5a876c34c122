"""Time per epoch of `designer.training.train` against a plain hand-written PyTorch loop.

Both train copies of the same freshly initialised model on the same data with the same
seed conventions (`torch.manual_seed(seed)` before training, a `torch.Generator` seeded
with `seed + epoch` for each epoch's `torch.randperm`, whole data set as tensors,
validation loss and accuracy after each epoch). The script prints the ratio of the run
times (median and minimum over alternating runs; goal: at most 1.02) and whether the
final weights are bit-for-bit identical.

    python -m benchmarks.bench_training [--quick] [--json] [--dataset digits --hidden 128 ...]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Iterator, Sequence

import torch
from torch import nn

from benchmarks.figures import Figure, options, print_figures
from designer.data import PreparedData, load_dataset
from designer.model.settings import DataSettings, TrainingSettings
from designer.training import RunFailed, train
from designer.training.session import run_for_module


def plain_train(
    model: nn.Module, data: PreparedData, settings: TrainingSettings, device: str = "cpu"
) -> list[float]:
    """The reference loop (Adam, cross-entropy); returns the validation losses per epoch."""
    model.to(device)
    x = torch.tensor(data.x_train, device=device)
    y = torch.tensor(data.y_train, device=device)
    x_val = torch.tensor(data.x_val, device=device)
    y_val = torch.tensor(data.y_val, device=device)
    torch.manual_seed(settings.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
    loss_fn = nn.CrossEntropyLoss()
    val_losses = []
    for epoch in range(settings.epochs):
        model.train()
        generator = torch.Generator().manual_seed(settings.seed + epoch)
        order = torch.randperm(len(x), generator=generator).to(device)
        total = 0.0
        for start in range(0, len(x), settings.batch_size):
            rows = order[start : start + settings.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[rows]), y[rows])
            loss.backward()
            total += loss.item() * len(rows)
            optimizer.step()
        model.eval()
        with torch.no_grad():
            outputs = model(x_val)
            val_losses.append(loss_fn(outputs, y_val).item())
            _accuracy = (outputs.argmax(dim=1) == y_val).float().mean().item()
    return val_losses


def designer_train(model: nn.Module, data: PreparedData, settings: TrainingSettings) -> None:
    for progress in train(run_for_module(model, data, settings, "cross_entropy")):
        if isinstance(progress, RunFailed):
            raise RuntimeError(progress.message)


def make_model(features: int, hidden: int, classes: int, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(features, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, classes),
    )


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k].cpu(), sb[k].cpu()) for k in sa)


def parser() -> argparse.ArgumentParser:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--samples", type=int, default=5000, help="for synthetic sets")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    return parser


def figures(quick: bool = False, args: argparse.Namespace | None = None) -> Iterator[Figure]:
    """Epoch times of both loops, their ratio (goal: at most 1.02) and whether the final
    weights are identical (goal: 1, i.e. yes)."""
    args = args or parser().parse_args([])
    if quick:
        args.dataset, args.samples, args.hidden, args.epochs, args.repeats = "moons", 200, 8, 1, 1
    torch.set_num_threads(args.threads)
    times, same = measure(args)
    for name in ("plain", "designer"):
        yield Figure(f"training.{name}_epoch", statistics.median(times[name]) * 1000, "ms")
    ratio = statistics.median(times["designer"]) / statistics.median(times["plain"])
    yield Figure("training.epoch_ratio", ratio, "ratio", 1.02)
    yield Figure("training.identical_weights", float(same), "bool", 1.0, "higher")


def measure(args: argparse.Namespace) -> tuple[dict[str, list[float]], bool]:
    """Seconds per epoch of each loop over alternating runs, and whether both ended with
    identical weights."""
    data = load_dataset(DataSettings(source=args.dataset, samples=args.samples))
    settings = TrainingSettings(
        optimizer="adam",
        learning_rate=1e-3,
        batch_size=args.batch_size,
        epochs=args.epochs,
        device=args.device,
    )
    if data.num_classes is None:
        raise SystemExit("the benchmark needs a classification data set")
    reference = make_model(data.feature_shape[0], args.hidden, data.num_classes, seed=1)
    times: dict[str, list[float]] = {"plain": [], "designer": []}
    models = {}
    for repeat in range(args.repeats + 1):  # the first round warms up and is not counted
        for name in ("plain", "designer") if repeat % 2 else ("designer", "plain"):
            model = copy.deepcopy(reference)
            start = time.perf_counter()
            if name == "plain":
                plain_train(model, data, settings, args.device)
            else:
                designer_train(model, data, settings)
            if args.device == "cuda":
                torch.cuda.synchronize()
            if repeat:
                times[name].append((time.perf_counter() - start) / args.epochs)
            models[name] = model
    return times, same_weights(models["plain"], models["designer"])


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    print_figures(figures(args.quick, args), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
