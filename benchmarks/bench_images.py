"""Images per second of the image-folder pipeline against a plain `DataLoader`.

Both read the same folder of PNG files with the same number of worker processes and batch
size, decode each image with Pillow, convert it to RGB, resize it and stack the batch; the
plain loader is what one writes by hand (a `Dataset` over the listed files and
``shuffle=True``). NN Designer's `ImageBatches` adds the seeded epoch order and the
(epoch, index) items that make augmentation reproducible. Goal: a ratio of at least 0.95.

    python -m benchmarks.bench_images [--quick] [--json] [--images 2000 --size 64 --workers 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from PIL import Image

from benchmarks.figures import Figure, options, print_figures
from designer.data.images import read_image, scan_image_folder
from designer.training import core


class PlainFolder(torch.utils.data.Dataset):
    """The hand-written baseline: one file, one decoded tensor and its label."""

    def __init__(self, root: str, files, labels, size: int) -> None:
        self.root, self.files, self.labels, self.size = root, files, labels, size

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int):
        with Image.open(os.path.join(self.root, str(self.files[index]))) as image:
            image = image.convert("RGB").resize((self.size, self.size), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.float32) / 255.0
        return torch.from_numpy(pixels.transpose(2, 0, 1).copy()), int(self.labels[index])


def make_folder(root: str, images: int, size: int) -> None:
    rng = np.random.default_rng(0)
    for index in range(images):
        folder = os.path.join(root, f"class{index % 4}")
        os.makedirs(folder, exist_ok=True)
        pixels = rng.integers(0, 256, (size + 7, size + 5, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"{index:05d}.png"))


def time_epoch(batches) -> float:
    start = time.perf_counter()
    count = 0
    for images, _labels in batches:
        count += len(images)
    return count / (time.perf_counter() - start)


def plain_batches(loader):
    yield from loader


def designer_batches(source: core.ImageBatches, count: int, batch_size: int, epoch: int):
    order = core.epoch_order(count, 0, epoch)
    for batch in source.batches(order, batch_size, epoch):
        yield batch["x"], batch["y"]


def measure(root: str, size: int, workers: int, batch_size: int, repeats: int) -> dict:
    arrays, _ = scan_image_folder(root)
    files, labels = arrays["x"], arrays["y"]
    read_image(os.path.join(root, str(files[0])), 3, size, size)  # Pillow's first import
    plain = torch.utils.data.DataLoader(
        PlainFolder(root, files, labels, size),
        batch_size=batch_size,
        shuffle=True,
        num_workers=workers,
        persistent_workers=workers > 0,
    )
    head = core.Head("y", torch.nn.functional.cross_entropy, 1.0, "classes", (4,))
    ours = core.ImageBatches(
        root, arrays, ("x",), (head,), torch.device("cpu"), (3, size, size), workers=workers
    )
    rates: dict[str, list[float]] = {"plain": [], "designer": []}
    runs = {
        "plain": lambda epoch: time_epoch(plain_batches(plain)),
        "designer": lambda epoch: time_epoch(designer_batches(ours, len(files), batch_size, epoch)),
    }
    for repeat in range(repeats + 1):  # the first round starts the workers and is not counted
        for name in ("plain", "designer") if repeat % 2 else ("designer", "plain"):
            rate = runs[name](repeat)
            if repeat:
                rates[name].append(rate)
    return {name: statistics.median(values) for name, values in rates.items()}


def parser() -> argparse.ArgumentParser:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--size", type=int, default=64, help="decoded height and width")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=4)
    return parser


def figures(quick: bool = False, args: argparse.Namespace | None = None) -> Iterator[Figure]:
    """Images per second of both pipelines and their ratio (goal: at least 0.95)."""
    args = args or parser().parse_args([])
    if quick:
        args.images, args.size, args.workers, args.repeats = 40, 16, 0, 1
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as root:
        make_folder(root, args.images, args.size)
        rates = measure(root, args.size, args.workers, args.batch_size, args.repeats)
    for name, rate in rates.items():
        yield Figure(f"images.{name}_rate", rate, "images/s", better="higher")
    ratio = rates["designer"] / rates["plain"]
    yield Figure("images.rate_ratio", ratio, "ratio", 0.95, "higher")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    print_figures(figures(args.quick, args), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
