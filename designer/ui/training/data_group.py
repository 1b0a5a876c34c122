"""`DataGroup`: the training panel's *Data* box: the data set's fields (with the file or
folder to browse for and the target columns of a CSV file), what the loaded data holds,
why it cannot load, a preview of its first rows or images, and *Fit design to data*.

The box shows; the `TrainingPanel` decides. It reads the fields, pushes the settings to
the document and loads the data, then tells the box what to show.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from designer.data import SOURCES, DataError, PreparedData
from designer.data.tabular import read_csv_header
from designer.model.settings import DataSettings
from designer.ui.training.data_preview import DataPreview, ThumbnailGrid, summary_text
from designer.ui.training.run_box import ERROR_STYLE
from designer.ui.training.training_fields import data_rows, explain_labels

#: The fields that only some data sources read (the rest are always shown).
OPTIONAL_FIELDS = (
    "samples",
    "noise",
    "classes",
    "seed",
    "target_column",
    "drop_missing",
    "augment",
    "workers",
)


class DataGroup(QGroupBox):
    """The *Data* box of the training panel (see the module's docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Data", parent)
        rows = data_rows()
        self.fields: dict[str, QWidget] = {name: w for name, (_, w) in rows.items()}
        self.labels = {name: label for name, (label, _) in rows.items()}
        self.browse_button = QPushButton("Browse…")
        file_row = QHBoxLayout()
        file_row.setContentsMargins(0, 0, 0, 0)
        file_row.addWidget(self.fields["path"], 1)
        file_row.addWidget(self.browse_button)
        self.file_row = QWidget()
        self.file_row.setLayout(file_row)
        self.form = QFormLayout()
        for name, (label, widget) in rows.items():
            self.form.addRow(label, self.file_row if name == "path" else widget)
        explain_labels(self.form)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.loading_label = QLabel("Loading the data set…")
        self.loading_label.hide()
        self.preview_table = DataPreview()
        self.thumbnails = ThumbnailGrid()
        self.thumbnails.hide()
        self.fit_button = QPushButton("Fit design to data")
        self.fit_button.setToolTip("Set the Input layer and the final Linear layer to the data")
        self._columns_for: tuple[str, str] | None = None  # (source, path) of the column list
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        for widget in (
            self.loading_label,
            self.summary,
            self.message,
            self.thumbnails,
            self.preview_table,
            self.fit_button,
        ):
            layout.addWidget(widget)

    def show_rows_of(self, settings: DataSettings) -> None:
        """Show the fields ``settings.source`` reads, and call its path a File or Folder."""
        wanted = SOURCES[settings.source].settings
        for name in OPTIONAL_FIELDS:
            self.form.setRowVisible(self.fields[name], name in wanted)
        self.form.setRowVisible(self.file_row, "path" in wanted)
        label = self.form.labelForField(self.file_row)
        label.setText("Folder" if settings.source == "image_folder" else "File")

    def fill_target_columns(self, source: str, path: str) -> None:
        """Offer the columns of the CSV file at ``path`` (read only when it changed)."""
        if self._columns_for == (source, path):
            return
        self._columns_for = (source, path)
        box = self.fields["target_column"]
        header: list[str] = []
        if path and source == "csv":
            try:
                header = read_csv_header(path)
            except DataError:
                header = []
        with QSignalBlocker(box):
            current = box.currentData()
            box.clear()
            box.addItem("Last column", "")
            for column in header:
                box.addItem(column, column)
            box.setCurrentIndex(max(box.findData(current), 0))

    def show_data(self, data: PreparedData | None, error: str, images: dict) -> None:
        """Show ``data`` (its summary, first rows and images), or why it cannot load."""
        self.message.setText(error)
        self.message.setVisible(bool(error))
        self.preview_table.show_data(data, images)
        self.thumbnails.show_data(data, images)
        self.summary.setText(summary_text(data) if data is not None else "")


def ask_data_file(parent: QWidget, source: str, folder: str) -> str:
    """Ask for the file (or, for images, the folder) a data source reads; "" if cancelled."""
    if source == "image_folder":
        title = "Choose a Folder of Images (One Sub-folder per Class)"
        return QFileDialog.getExistingDirectory(parent, title, folder)
    pattern = "CSV files (*.csv *.tsv *.txt)" if source == "csv" else "NumPy archives (*.npz)"
    path, _ = QFileDialog.getOpenFileName(parent, "Choose a Data File", folder, pattern)
    return path
