"""File > Import PyTorch Model…: a model class of a Python file becomes a new project.

`ModelImporter` asks for the file (the dialog says that importing runs its code), lists
the file's ``nn.Module`` classes and asks which one, with the input shape and optional
weights (`ImportOptionsDialog`), then imports on a worker thread (tracing and checking a
large model takes seconds) while the window stays usable. The design opens as a new,
unsaved project; with weights, it asks where to save it, since the converted weights are
written beside the project (``NAME.safetensors``). Every failure is one error message.
All questions go through the window's `FileDialogs`, so tests answer them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from designer.ui.training.warm_up import wait_for_warm_up

RUNS_CODE = "Importing runs the file's Python code: import only files you trust."
SOURCE_FILTER = "Python files (*.py);;All files (*)"
WEIGHTS_FILTER = "Weights (*.pt *.pth *.safetensors);;All files (*)"


@dataclass(frozen=True)
class ImportOptions:
    """What the options dialog asks: the class, the input shape text ('' to infer it),
    the weights file (None: the model's own initial weights are not kept) and whether to
    import flat (one node per layer, no blocks for repeated submodules)."""

    class_name: str
    input_shape: str = ""
    weights: Path | None = None
    flat: bool = False


class ImportOptionsDialog(QDialog):
    """The model class (from those the file defines), the input shape and weights."""

    def __init__(self, path: Path, classes: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importOptionsDialog")
        self.setWindowTitle(f"Import {path.name}")
        self.class_box = QComboBox()
        self.class_box.addItems(classes)
        self.class_box.setCurrentIndex(len(classes) - 1)  # usually the whole model
        self.shape_edit = QLineEdit()
        self.shape_edit.setPlaceholderText("e.g. 3x224x224 (empty: from a first Linear layer)")
        self.weights_edit = QLineEdit()
        self.weights_edit.setPlaceholderText("optional: a state dict or .safetensors file")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        weights_row = QHBoxLayout()
        weights_row.addWidget(self.weights_edit, 1)
        weights_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Model class:", self.class_box)
        form.addRow("Input shape:", self.shape_edit)
        form.addRow("Weights:", weights_row)
        self.flat_box = QCheckBox("Import flat: one node per layer, no blocks")
        self.flat_box.setToolTip(
            "Unchecked, each class the model uses more than once (a ResNet's BasicBlock) "
            "becomes a block"
        )
        form.addRow("", self.flat_box)
        note = QLabel(
            f"Per sample, the batch size left out; several inputs: 3x32x32,10. {RUNS_CODE}"
        )
        note.setWordWrap(True)
        note.setObjectName("importNote")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def options(self) -> ImportOptions:
        weights = self.weights_edit.text().strip()
        return ImportOptions(
            self.class_box.currentText(),
            self.shape_edit.text().strip(),
            Path(weights) if weights else None,
            self.flat_box.isChecked(),
        )

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Weights", "", WEIGHTS_FILTER)
        if path:
            self.weights_edit.setText(path)


class ImportJob(QThread):
    """Runs one import off the GUI thread; ``succeeded(result)`` or ``failed(message)``."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, path: Path, options: ImportOptions, parent: QObject | None = None):
        super().__init__(parent)
        self.path = path
        self.options = options

    def run(self) -> None:
        # NOTE: tracing imports parts of torch that the start-up warm-up thread may be
        # importing at this moment; two threads importing one package can see it half
        # initialized, so the import waits for the warm-up to end.
        wait_for_warm_up()
        from designer.compiler.fx_import import ModelImportError, import_file, parse_input_shape

        options = self.options
        try:
            shapes = parse_input_shape(options.input_shape) if options.input_shape else None
            result = import_file(
                self.path, options.class_name, shapes, options.weights, options.flat
            )
        except ModelImportError as error:
            self.failed.emit(str(error))
        except Exception as error:  # the user's code may raise anything; report it
            self.failed.emit(f"unexpected {type(error).__name__}: {error}")
        else:
            self.succeeded.emit(result)


class ModelImporter(QObject):
    """File > Import PyTorch Model… for one window's `FileController`.

    Signals:
        finished(bool): an import ended, opened (True) or failed (False).
    """

    finished = Signal(bool)

    def __init__(self, files, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.files = files
        self.job: ImportJob | None = None

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(self) -> bool:
        """Ask for the file and options and start importing; False when cancelled."""
        if self.busy or not self.files.maybe_save():
            return False
        dialogs = self.files.dialogs
        path = dialogs.import_source_path(self.files.directory())
        if path is None:
            return False
        classes = self._classes(path)
        if not classes:
            return False
        options = dialogs.import_options(path, classes)
        if options is None:
            return False
        self.job = ImportJob(path, options, self)
        self.job.succeeded.connect(self._on_job_succeeded)
        self.job.failed.connect(self._on_job_failed)
        self.job.finished.connect(self._on_job_finished)
        self.files.status_message.emit(f"Importing {options.class_name} from {path.name}…")
        self.job.start()
        return True

    def wait(self) -> None:
        """Block until a running import ends (the window waits before it closes)."""
        if self.job is not None:
            self.job.wait()

    def _classes(self, path: Path) -> list[str]:
        from designer.compiler.fx_import import ModelImportError, load_file, model_classes

        try:
            classes = model_classes(load_file(path))
        except ModelImportError as error:
            self.files.dialogs.error("Cannot Import", str(error))
            return []
        except Exception as error:  # the user's code may raise anything; report it
            self.files.dialogs.error("Cannot Import", f"unexpected {type(error).__name__}: {error}")
            return []
        if not classes:
            self.files.dialogs.error("Cannot Import", f"{path.name} defines no nn.Module class.")
        return classes

    def _on_job_succeeded(self, result) -> None:
        assert self.job is not None
        document, name = self.files.document, result.project.metadata.get("name", "model")
        summary = f"Imported {name}: {result.parameter_count:,} parameters"
        if self.job.options.weights is None:
            document.replace_project(result.project, None)
            document.mark_modified()
            self.files.status_message.emit(summary)
            self.finished.emit(True)
            return
        self._save_with_weights(result, summary)

    def _save_with_weights(self, result, summary: str) -> None:
        from designer.compiler.fx_import import ModelImportError, write_import
        from designer.ui.file_dialogs import PROJECT_FILTER, PROJECT_SUFFIX

        name = str(result.project.metadata.get("name") or "model")
        suggested = str(Path(self.files.directory()) / f"{name}{PROJECT_SUFFIX}")
        path = self.files.dialogs.save_path("Save Imported Project", suggested, PROJECT_FILTER)
        document = self.files.document
        document.replace_project(result.project, None)
        if path is None:
            document.mark_modified()
            self.files.status_message.emit(f"{summary}; its weights were not kept (not saved)")
            self.finished.emit(True)
            return
        path = path if path.suffix else path.with_suffix(PROJECT_SUFFIX)
        try:
            written = write_import(result, path, with_weights=True)
        except (ModelImportError, OSError, ValueError) as error:
            document.mark_modified()
            self.files.dialogs.error(
                "Could Not Save", f"“{path.name}” could not be saved.\n\n{error}"
            )
            self.finished.emit(False)
            return
        document.mark_saved(path)
        self.files.status_message.emit(f"{summary}; weights in {written[-1].name}")
        self.finished.emit(True)

    def _on_job_failed(self, message: str) -> None:
        self.files.dialogs.error("Cannot Import", message)
        self.finished.emit(False)

    def _on_job_finished(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.deleteLater()
