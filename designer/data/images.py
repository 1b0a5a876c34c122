"""Folders of image files: one sub-folder per class, decoded with Pillow.

The layout is torchvision's ``ImageFolder``: ``ROOT/cat/001.png``, ``ROOT/dog/abc.jpg``;
class names are the sub-folder names in sorted order. Listing a folder only reads names,
so a folder larger than memory can be trained on: images are decoded batch by batch while
training (`designer.training.core.ImageFolderSet`), resized to the Input's height x width,
as grey or RGB as the Input's channels say.

Everything here is *portable* (stdlib, NumPy, Pillow and each other), so an exported
script lists, decodes and augments images with exactly this code.
"""

from __future__ import annotations

import os

import numpy as np

from designer.data.prepare import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm")
MAX_IMAGES = 5_000_000
MAX_CLASSES = 10_000


def _entries(folder: str) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as listing:
            return sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as error:
        raise DataError(f"cannot read the folder {folder!r}: {error.strerror or error}") from None


def _class_images(folder: str, prefix: str, found: list[str]) -> None:
    """Image files under ``folder`` (sub-folders included), as paths relative to the root."""
    for entry in _entries(folder):
        relative = f"{prefix}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            _class_images(entry.path, relative, found)
        elif entry.is_file() and entry.name.lower().endswith(IMAGE_SUFFIXES):
            found.append(relative)
            if len(found) > MAX_IMAGES:
                raise DataError(f"the folder holds more than {MAX_IMAGES:,} images")


def scan_image_folder(path: str) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """The images of a class-per-sub-folder tree: ``{"x": relative paths, "y": labels}``
    and ``{"y": class names}``. Reads names only, never pixels."""
    if not os.path.isdir(path):
        raise DataError(f"{path!r} is not a folder; choose a folder with one sub-folder per class")
    classes = [e for e in _entries(path) if e.is_dir()]
    if len(classes) < 2:
        raise DataError(
            f"{path!r} needs one sub-folder per class (at least 2), with the images inside"
        )
    if len(classes) > MAX_CLASSES:
        raise DataError(f"{path!r} has {len(classes):,} sub-folders, more than {MAX_CLASSES:,}")
    files: list[str] = []
    labels: list[int] = []
    for label, entry in enumerate(classes):
        before = len(files)
        _class_images(entry.path, entry.name, files)
        if len(files) == before:
            raise DataError(f"the class folder {entry.name!r} holds no image files")
        labels += [label] * (len(files) - before)
    arrays = {"x": np.array(files, dtype=str), "y": np.array(labels, dtype=np.int64)}
    return arrays, {"y": [entry.name for entry in classes]}


def read_image(path: str, channels: int, height: int, width: int) -> np.ndarray:
    """One image as float32 ``channels x height x width`` in [0, 1]: converted to grey
    (1 channel) or RGB (3), and resized with bilinear filtering when its size differs."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB")
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.float32) / 255.0
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise DataError(f"cannot read the image {path!r}: {error}") from None
    return pixels[None] if channels == 1 else pixels.transpose(2, 0, 1).copy()


def augment_image(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random horizontal flip and a random crop of the image padded by an eighth of its
    size (reflected), for training only. ``rng`` decides, so the same seed, epoch and
    sample always give the same picture, whichever process decodes it."""
    _, height, width = image.shape
    if rng.random() < 0.5:
        image = image[:, :, ::-1]
    pad_y, pad_x = max(1, height // 8), max(1, width // 8)
    mode = "reflect" if height > pad_y and width > pad_x else "edge"
    padded = np.pad(image, ((0, 0), (pad_y, pad_y), (pad_x, pad_x)), mode=mode)
    top = int(rng.integers(0, 2 * pad_y + 1))
    left = int(rng.integers(0, 2 * pad_x + 1))
    return np.ascontiguousarray(padded[:, top : top + height, left : left + width])


def image_info(path: str) -> tuple[int, int, int]:
    """(channels, height, width) of an image file, from its header only: 1 for grey images,
    3 for everything else (colour, palette, with alpha)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            channels = 1 if image.mode in ("1", "L", "I", "I;16", "F") else 3
            return channels, image.height, image.width
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read the image {path!r}: {error}") from None
