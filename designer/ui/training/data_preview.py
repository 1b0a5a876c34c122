"""`DataPreview`: the first rows of a data set, readable however wide or whatever they are.

Every feature column is shown under its full name, sized to its contents, and the table
scrolls sideways when the data is wider than the panel (squeezing 30 columns into the
panel's width left "0..." under "n ra"). Image samples are drawn as small thumbnails
straight from the arrays, so one can see what the network will be shown.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListView,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QWidget,
)

from designer.catalog.description import dims_text
from designer.data import InputInfo, PreparedData, TargetInfo
from designer.data.checks import describe_shape

PREVIEW_ROWS = 8
VISIBLE_ROWS = 5
ROW_HEIGHT = 22
THUMBNAIL = 32  # pixels on each side of an image sample's thumbnail
GRID_THUMBNAIL = 40  # ... and in the thumbnail grid
GRID_IMAGES = 16
GRID_COLUMNS = 4
IMAGE_CHANNELS = (1, 3)


def thumbnail(sample: np.ndarray, size: int = THUMBNAIL) -> QPixmap:
    """A channels x height x width array as a ``size``-pixel picture, its values stretched
    to the full grey (or colour) range (NaN and infinities drawn as 0); small images keep
    their hard pixel edges."""
    values = np.nan_to_num(np.asarray(sample, dtype=np.float64), posinf=0.0, neginf=0.0)
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    pixels = np.ascontiguousarray((scaled * 255).round().astype(np.uint8))
    channels, height, width = pixels.shape
    if channels == 3:
        pixels = np.ascontiguousarray(pixels.transpose(1, 2, 0))
        image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    else:
        pixels = np.ascontiguousarray(pixels[0])
        image = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    image = image.copy()  # detach from the NumPy buffer before it is freed
    modes = Qt.TransformationMode
    mode = modes.SmoothTransformation if max(height, width) > size else modes.FastTransformation
    return QPixmap.fromImage(image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, mode))


def _format(value: float) -> str:
    return f"{value:.4g}"


def _shape(shape: tuple[int, ...]) -> str:
    return dims_text(shape)


def is_image_input(info: InputInfo) -> bool:
    """Whether an input's samples are images a thumbnail can show (arrays or files)."""
    return len(info.shape) == 3 and info.shape[0] in IMAGE_CHANNELS and info.kind != "tokens"


def input_header(info: InputInfo, several: bool) -> list[str]:
    """The preview columns of one input: every feature of a flat one, else one column."""
    if info.kind == "float" and len(info.shape) == 1:
        count = info.shape[0]
        names = list(info.feature_names)
        names = names if len(names) == count else [f"x{i + 1}" for i in range(count)]
        return [f"{info.name}: {n}" for n in names] if several else names
    if several or info.name not in ("x", ""):
        return [info.name]
    return ["image" if is_image_input(info) else "input"]


def _target_text(info: TargetInfo, target: np.ndarray) -> str:
    if info.task == "classification" and not info.shape:
        return info.class_name(int(target))
    if np.ndim(target) > 1 or np.size(target) > 8:
        kind = "labels" if info.task == "classification" else "values"
        return f"{_shape(np.shape(target))} {kind}"
    return ", ".join(_format(float(v)) for v in np.ravel(target))


class ThumbnailGrid(QListWidget):
    """The first training images of an image input as a grid of thumbnails, each with its
    class, so one sees at a glance what the network is shown and how it is labelled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thumbnailGrid")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(GRID_THUMBNAIL, GRID_THUMBNAIL))
        self.setGridSize(QSize(GRID_THUMBNAIL + 12, GRID_THUMBNAIL + 22))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWrapping(True)

    def show_data(self, data: PreparedData | None, images: dict[str, list] | None) -> None:
        """Thumbnails of the first image input, or nothing when there is none."""
        self.clear()
        info = next((i for i in (data.inputs if data else ()) if is_image_input(i)), None)
        if data is None or info is None:
            self.hide()
            return
        decoded = (images or {}).get(info.name, [])
        samples = decoded if info.kind == "files" else data.train[info.name][:GRID_IMAGES]
        target = data.targets[0]
        for row, sample in enumerate(samples[:GRID_IMAGES]):
            label = _target_text(target, data.train[target.name][row])
            item = QListWidgetItem(QIcon(thumbnail(sample, GRID_THUMBNAIL)), label)
            item.setToolTip(label)
            self.addItem(item)
        rows = -(-min(len(samples), GRID_IMAGES) // GRID_COLUMNS)
        self.setFixedHeight(rows * (GRID_THUMBNAIL + 22) + 2 * self.frameWidth() + 4)
        self.setVisible(len(samples) > 0)


class DataPreview(QTableView):
    """The first training rows of a `PreparedData` (`show_data`), or nothing (None)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPreview")
        self.preview_model = QStandardItemModel(self)
        self.setModel(self.preview_model)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)

    def show_data(self, data: PreparedData | None, images: dict[str, list] | None = None) -> None:
        """Show the first rows of ``data``; ``images`` are the decoded first images of
        its image-file inputs (decoded where loading happens, off the GUI thread)."""
        self.preview_model.clear()
        self.setVisible(data is not None)
        if data is None:
            return
        images = images or {}
        pictures = any(is_image_input(info) for info in data.inputs)
        row_height = THUMBNAIL + 4 if pictures else ROW_HEIGHT
        self.verticalHeader().setDefaultSectionSize(row_height)
        self.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        several = len(data.inputs) + len(data.targets) > 2
        header = [h for info in data.inputs for h in input_header(info, several)]
        header += [info.name if several else "target" for info in data.targets]
        self.preview_model.setHorizontalHeaderLabels(header)
        rows = min(PREVIEW_ROWS, data.num_train)
        for row in range(rows):
            cells = []
            for info in data.inputs:
                decoded = images.get(info.name, [])
                picture = decoded[row] if row < len(decoded) else None
                cells += self._input_cells(info, data.train[info.name][row], picture)
            for info in data.targets:
                cells.append(QStandardItem(_target_text(info, data.train[info.name][row])))
            self.preview_model.appendRow(cells)
        self.resizeColumnsToContents()
        visible = min(rows, VISIBLE_ROWS if not pictures else 3)
        scroll = self.horizontalScrollBar().sizeHint().height()
        frame = 2 * self.frameWidth()
        height = self.horizontalHeader().sizeHint().height()
        self.setFixedHeight(height + max(visible, 1) * row_height + scroll + frame)

    @staticmethod
    def _input_cells(
        info: InputInfo, sample: np.ndarray, picture: np.ndarray | None
    ) -> list[QStandardItem]:
        if info.kind == "files" or (is_image_input(info) and info.kind == "float"):
            item = QStandardItem()
            pixels = picture if info.kind == "files" else sample
            if pixels is not None:
                item.setData(thumbnail(pixels), Qt.ItemDataRole.DecorationRole)
            tip = describe_shape(info.shape)
            item.setToolTip(f"{sample} ({tip})" if info.kind == "files" else tip)
            return [item]
        if info.kind == "tokens":
            ids = " ".join(str(int(v)) for v in np.ravel(sample)[:12])
            return [QStandardItem(ids + (" …" if sample.size > 12 else ""))]
        if len(info.shape) != 1:
            mean = _format(float(np.mean(sample)))
            return [QStandardItem(f"{describe_shape(info.shape)}, mean {mean}")]
        cells = []
        for value in sample:
            item = QStandardItem(_format(float(value)))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            cells.append(item)
        return cells


def summary_text(data: PreparedData) -> str:
    """Rows, each input's samples and each target; for classes, the rows of each (so an
    imbalance shows)."""
    lines = [f"{data.num_train} training + {data.num_val} validation rows"]
    several = len(data.inputs) + len(data.targets) > 2
    for info in data.inputs:
        what = f"{describe_shape(info.shape)} per sample"
        if info.kind == "tokens":
            what = f"{_shape(info.shape)} token ids per sample"
        elif info.kind == "files":
            what += " (image files, decoded while training)"
        lines.append(f"{info.name}: {what}" if several else what)
    for info in data.targets:
        lines.append(
            f"{info.name}: {_target_summary(data, info)}"
            if several
            else _target_summary(data, info)
        )
    return "\n".join(lines)


def _target_summary(data: PreparedData, info: TargetInfo) -> str:
    where = (
        f" per position ({_shape(info.shape)})"
        if info.shape and info.task == ("classification")
        else ""
    )
    if info.task == "classification":
        if info is data.targets[0]:
            counts = list(data.class_counts().items())
            shown = ", ".join(f"{name}: {count}" for name, count in counts[:12])
            more = ", …" if len(counts) > 12 else ""
            return f"{len(counts)} classes{where} ({shown}{more})"
        return f"{info.num_classes} classes{where}"
    values = int(np.prod(info.shape)) if info.shape else 1
    return f"{values} real-valued target{'s' * (values != 1)}"


__all__ = [
    "DataPreview",
    "ThumbnailGrid",
    "input_header",
    "is_image_input",
    "summary_text",
    "thumbnail",
]
