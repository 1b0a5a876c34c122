"""Render the NN Designer application icon SVG to PNG files.

Usage (from the repository root)::

    python packaging/render_icons.py            # writes nn-designer-<size>.png next to the SVG
    python packaging/render_icons.py --check    # exit 1 if any PNG is missing or has a wrong size

The SVG is rendered with ``PySide6.QtSvg.QSvgRenderer``. QtSvg ships in the
``PySide6-Essentials`` wheel (the module and the ``qsvg`` image plugin are both part
of it), so no extra dependency is needed. Rendering happens on an offscreen
``QImage``; ``QT_QPA_PLATFORM`` defaults to ``offscreen`` so the script also runs on
machines without a display (CI, containers).

The generated PNGs are committed to the repository, so this script only needs to be
re-run after editing ``resources/icons/app/nn-designer.svg``.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_ICON_DIR = REPO_ROOT / "resources" / "icons" / "app"
SVG_NAME = "nn-designer.svg"
SIZES = (16, 32, 48, 64, 128, 256)

#: Small sizes are rendered at this multiple of the target size and then scaled down
#: with smooth filtering; thin connection lines survive better that way than when
#: rasterised directly onto a 16x16 grid.
SUPERSAMPLE = 4


def png_name(size: int) -> str:
    return f"nn-designer-{size}.png"


def read_png_size(path: Path) -> tuple[int, int]:
    """Return ``(width, height)`` from a PNG's IHDR chunk without decoding it."""
    with path.open("rb") as fh:
        header = fh.read(24)
    if len(header) < 24 or header[:8] != b"\x89PNG\r\n\x1a\n" or header[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG file")
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def render(svg_path: Path, out_dir: Path, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Render ``svg_path`` to one square PNG per entry of ``sizes`` in ``out_dir``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 (kept alive)

    renderer = QSvgRenderer(str(svg_path))
    if not renderer.isValid():
        raise RuntimeError(f"QtSvg could not parse {svg_path}")

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for size in sizes:
        canvas = size * SUPERSAMPLE if size < 64 else size
        image = QImage(canvas, canvas, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        renderer.render(painter, QRectF(0, 0, canvas, canvas))
        painter.end()
        if canvas != size:
            image = image.scaled(
                size,
                size,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        image = image.convertToFormat(QImage.Format.Format_ARGB32)
        target = out_dir / png_name(size)
        if not image.save(str(target), "PNG"):
            raise RuntimeError(f"could not write {target}")
        written.append(target)
    return written


def check(out_dir: Path, sizes: tuple[int, ...] = SIZES) -> list[str]:
    """Return a list of problems with the rendered PNGs (empty when all is well)."""
    problems = []
    for size in sizes:
        path = out_dir / png_name(size)
        if not path.is_file():
            problems.append(f"missing {path.name}")
            continue
        if read_png_size(path) != (size, size):
            problems.append(f"{path.name} is {read_png_size(path)}, expected {(size, size)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=APP_ICON_DIR / SVG_NAME)
    parser.add_argument("--out-dir", type=Path, default=APP_ICON_DIR)
    parser.add_argument(
        "--check", action="store_true", help="only verify the PNGs exist with the right sizes"
    )
    args = parser.parse_args(argv)

    if args.check:
        problems = check(args.out_dir)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0

    for path in render(args.svg, args.out_dir):
        print(f"wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
