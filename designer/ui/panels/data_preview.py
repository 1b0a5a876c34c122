"""`DataPreview`: the first rows of a data set, readable however wide or whatever they are.

Every feature column is shown under its full name, sized to its contents, and the table
scrolls sideways when the data is wider than the panel (squeezing 30 columns into the
panel's width left "0..." under "n ra"). Image samples are drawn as small thumbnails
straight from the arrays, so one can see what the network will be shown.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from designer.data import PreparedData
from designer.data.checks import describe_shape

PREVIEW_ROWS = 8
VISIBLE_ROWS = 5
ROW_HEIGHT = 22
THUMBNAIL = 32  # pixels on each side of an image sample's thumbnail
IMAGE_CHANNELS = (1, 3)


def is_image(data: PreparedData) -> bool:
    """Whether samples are channels x height x width images a thumbnail can show."""
    shape = data.feature_shape
    return len(shape) == 3 and shape[0] in IMAGE_CHANNELS


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


def _target_text(data: PreparedData, target: np.ndarray) -> str:
    if data.task == "classification":
        return data.class_name(int(target))
    return ", ".join(_format(float(v)) for v in np.ravel(target))


def feature_header(data: PreparedData) -> list[str]:
    """One name per preview column of the inputs: every feature of flat data."""
    if len(data.feature_shape) != 1:
        return ["image" if is_image(data) else "input"]
    count = data.feature_shape[0]
    names = list(data.feature_names)
    return names if len(names) == count else [f"x{i + 1}" for i in range(count)]


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

    def show_data(self, data: PreparedData | None) -> None:
        self.preview_model.clear()
        self.setVisible(data is not None)
        if data is None:
            return
        image = is_image(data)
        row_height = THUMBNAIL + 4 if image else ROW_HEIGHT
        self.verticalHeader().setDefaultSectionSize(row_height)
        self.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.preview_model.setHorizontalHeaderLabels([*feature_header(data), "target"])
        x, y = data.x_train[:PREVIEW_ROWS], data.y_train[:PREVIEW_ROWS]
        for sample, target in zip(x, y, strict=True):
            cells = self._input_cells(data, sample, image)
            target_cell = QStandardItem(_target_text(data, target))
            self.preview_model.appendRow([*cells, target_cell])
        self.resizeColumnsToContents()
        visible = min(len(x), VISIBLE_ROWS if not image else 3)
        scroll = self.horizontalScrollBar().sizeHint().height()
        frame = 2 * self.frameWidth()
        header = self.horizontalHeader().sizeHint().height()
        self.setFixedHeight(header + max(visible, 1) * row_height + scroll + frame)

    @staticmethod
    def _input_cells(data: PreparedData, sample: np.ndarray, image: bool) -> list[QStandardItem]:
        if image:
            item = QStandardItem()
            item.setData(thumbnail(sample), Qt.ItemDataRole.DecorationRole)
            item.setToolTip(f"{describe_shape(data.feature_shape)}")
            return [item]
        if len(data.feature_shape) != 1:
            mean = _format(float(np.mean(sample)))
            return [QStandardItem(f"{describe_shape(data.feature_shape)}, mean {mean}")]
        cells = []
        for value in sample:
            item = QStandardItem(_format(float(value)))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            cells.append(item)
        return cells


def summary_text(data: PreparedData) -> str:
    """Rows, input shape and targets; for classes, the rows of each (imbalance shows)."""
    lines = [
        f"{data.num_train} training + {data.num_val} validation rows",
        f"{describe_shape(data.feature_shape)} per sample",
    ]
    if data.task == "classification":
        counts = list(data.class_counts().items())
        shown = ", ".join(f"{name}: {count}" for name, count in counts[:12])
        more = ", …" if len(counts) > 12 else ""
        lines.append(f"{len(counts)} classes ({shown}{more})")
    else:
        targets = data.target_shape[0] if data.target_shape else 1
        lines.append(f"{targets} real-valued target{'s' * (targets != 1)}")
    return "\n".join(lines)


__all__ = ["DataPreview", "feature_header", "is_image", "summary_text", "thumbnail"]
