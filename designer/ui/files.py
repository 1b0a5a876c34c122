"""Open, save, export and recent files, kept apart from the window that offers them.

Export first lists the design's problems and lets the user cancel (`export_checks`), then
proposes a safe file name in the project's folder and says in the status bar where the
file went.

`FileController` holds the logic (ask before losing changes, keep the design when a file
is bad, remember recent files); every question it asks the user is a method of
`designer.ui.file_dialogs.FileDialogs`, so tests replace the dialogs instead of clicking
through modal windows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

from designer.io.atomic import write_atomic
from designer.model import Project
from designer.model.lint import is_advice
from designer.ui.export_checks import export_file_stem, problems_html
from designer.ui.file_dialogs import (
    PROJECT_FILTER,
    PROJECT_SUFFIX,
    UNSAVED_DISCARD,
    UNSAVED_SAVE,
    FileDialogs,
)

log = logging.getLogger(__name__)

MAX_RECENT = 8
RECENT_KEY = "files/recent"
DIRECTORY_KEY = "files/lastDirectory"
EXPORT_DIRECTORY_KEY = "files/lastExportDirectory"


def normalize_recent(value: object) -> list[str]:
    """QSettings hands back a list, a single string or None depending on the backend."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value if v]  # type: ignore[union-attr]


class FileController(QObject):
    """New, open, save, save as, export and the recent-files list of one document.

    Every method that could lose unsaved changes asks first and returns False when the
    user cancels or the operation failed, so callers (close, quit) can stop too.

    Signals:
        recent_files_changed(list): the recent files, newest first, as strings.
        status_message(str): a short confirmation for the status bar.
    """

    recent_files_changed = Signal(list)
    status_message = Signal(str)

    def __init__(
        self,
        document,  # GraphDocument; untyped here to keep this module's imports light
        settings: QSettings,
        dialogs: FileDialogs | None = None,
        parent: QObject | None = None,
        model_provider: Callable[[], object] | None = None,
    ) -> None:
        """``model_provider`` returns the model whose weights Export writes (the window's
        trained one); without it, a freshly initialised model of the design."""
        super().__init__(parent)
        self.document = document
        self.settings = settings
        self.dialogs = dialogs or FileDialogs()
        self._model_provider = model_provider

    # ---------------------------------------------------------------- naming
    def display_name(self) -> str:
        """The file name, an example's name, or "Untitled"."""
        if self.document.path is not None:
            return self.document.path.name
        return str(self.document.project.metadata.get("name") or "Untitled")

    def directory(self) -> str:
        """Where file dialogs start: the project's folder, else the last one used."""
        if self.document.path is not None:
            return str(self.document.path.parent)
        return str(self.settings.value(DIRECTORY_KEY, str(Path.home())))

    # ------------------------------------------------------------- open/new
    def maybe_save(self) -> bool:
        """Ask Save/Discard/Cancel when there are unsaved changes; True to go on."""
        if not self.document.modified:
            return True
        answer = self.dialogs.ask_unsaved(self.display_name())
        if answer == UNSAVED_SAVE:
            return self.save()
        return answer == UNSAVED_DISCARD

    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.document.replace_project(Project())
        return True

    def open(self, path: Path | str | None = None) -> bool:
        """Open ``path`` (or ask for one). A bad file shows why; the design stays."""
        if not self.maybe_save():
            return False
        if path is None:
            path = self.dialogs.open_path(self.directory())
            if path is None:
                return False
        project = self.read(Path(path))
        if project is None:
            self._forget(Path(path))
            return False
        self.document.replace_project(project, Path(path))
        self._remember(Path(path))
        self.status_message.emit(f"Opened {Path(path).name}")
        return True

    def open_example(self, path: Path) -> bool:
        """Open a shipped example as an untitled copy, so Save never overwrites it."""
        if not self.maybe_save():
            return False
        project = self.read(path)
        if project is None:
            return False
        self.document.replace_project(project, None)
        self.status_message.emit(f"Opened the example “{self.display_name()}”")
        return True

    def pick_project(self) -> tuple[Path, Project] | None:
        """Ask for a project to compare with and read it, leaving the open design as it
        is; None when the user cancels or the file is bad (the error dialog says why)."""
        path = self.dialogs.compare_path(self.directory())
        if path is None:
            return None
        project = self.read(path)
        return None if project is None else (path, project)

    def read(self, path: Path) -> Project | None:
        """Load a project, or show the error dialog and return None."""
        from designer.io import ProjectFileError, load_project

        try:
            return load_project(path)
        except ProjectFileError as error:
            message = str(error)
        except OSError as error:
            message = error.strerror or str(error)
        except Exception as error:  # a hostile file must not crash the app
            log.exception("unexpected error reading %s", path)
            message = f"unexpected {type(error).__name__}: {error}"
        self.dialogs.error("Could Not Open File", f"“{path.name}” cannot be opened.\n\n{message}")
        return None

    # ------------------------------------------------------------------ save
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self.write(self.document.path)

    def save_as(self) -> bool:
        suggested = str(Path(self.directory()) / f"{_stem(self.display_name())}{PROJECT_SUFFIX}")
        path = self.dialogs.save_path("Save Project As", suggested, PROJECT_FILTER)
        if path is None:
            return False
        if not path.suffix:
            path = path.with_suffix(PROJECT_SUFFIX)
        return self.write(path)

    def write(self, path: Path) -> bool:
        from designer.io import save_project

        try:
            save_project(self.document.project, path)
        except (OSError, ValueError) as error:
            self.dialogs.error("Could Not Save", f"“{path.name}” could not be saved.\n\n{error}")
            return False
        self.document.mark_saved(path)
        self._remember(path)
        self.status_message.emit(f"Saved {path.name}")
        return True

    # --------------------------------------------------------------- export
    def export_python(self) -> bool:
        """Write the runnable training script (model, data, loop) as a ``.py`` file."""
        from designer.training.script import generate_script

        def write(path: Path) -> None:
            project_path = self.document.path
            folder = project_path.parent if project_path is not None else None
            code = generate_script(
                self.document.project, project_folder=folder, script_folder=path.parent
            )
            _write_text_atomically(path, code.source)

        return self._export(
            ExportKind("Export Python Script", "the script", ".py", "Python scripts (*.py)"),
            write,
        )

    def export_weights(self) -> bool:
        """Write the model's weights as safetensors: the trained ones when the controller
        was given a `model_provider`, else a freshly initialised model."""
        from designer.compiler import save_weights

        def write(path: Path) -> None:
            save_weights(self._model(), path)

        kind = ExportKind(
            "Export Weights", "the weights", ".safetensors", "Safetensors (*.safetensors)"
        )
        return self._export(kind, write)

    def export_onnx(self) -> bool:
        """Write the model as an ONNX graph (dynamic batch axis) for other runtimes."""
        from designer.compiler import export_onnx, lower
        from designer.compiler.export import example_inputs

        def write(path: Path) -> None:
            ir = lower(self.document.graph)
            export_onnx(self._model(), example_inputs(ir), path, ir=ir)

        kind = ExportKind("Export ONNX", "the ONNX model", ".onnx", "ONNX models (*.onnx)")
        return self._export(kind, write)

    def suggested_export_path(self, suffix: str) -> Path:
        """Where Export proposes to write: the project's folder, or for an unsaved
        project the folder of the last export (then of the last file opened, then
        home), under a safe name made from the project name (``digits_cnn.py``)."""
        if self.document.path is not None:
            folder = self.document.path.parent
            stem = self.document.path.stem
        else:
            last = self.settings.value(EXPORT_DIRECTORY_KEY) or self.settings.value(DIRECTORY_KEY)
            folder = Path(str(last)) if last else Path.home()
            stem = str(self.document.project.metadata.get("name") or "")
        return folder / f"{export_file_stem(stem)}{suffix}"

    def _model(self):  # -> torch.nn.Module
        if self._model_provider is not None:
            return self._model_provider()
        from designer.compiler import build_model

        return build_model(self.document.graph)

    def _confirm_problems(self, what: str) -> bool:
        """Say what is wrong with the design (its errors and warnings, the data's fit
        included) and let the user cancel; True to go on. The linter's advice (a warning
        that the design learns poorly, not that it fails) is left to the problems list:
        the exported script runs as well as the design does in the app."""
        self.document.refresh_analysis()  # no edit may still be waiting for inference
        problems = [p for p in self.document.analysis.problems if not is_advice(p)]
        if not problems or self.dialogs.confirm_export(what, problems):
            return True
        self.status_message.emit("Export cancelled")
        return False

    def _export(self, kind: ExportKind, write: Callable[[Path], None]) -> bool:
        from designer.compiler import CompileError, ExportError, WeightsError

        if not self._confirm_problems(kind.what):
            return False
        suggested = str(self.suggested_export_path(kind.suffix))
        path = self.dialogs.save_path(kind.title, suggested, f"{kind.name_filter};;All files (*)")
        if path is None:
            return False
        if not path.suffix:
            path = path.with_suffix(kind.suffix)
        try:
            write(path)
        except CompileError as error:
            errors = self.document.analysis.errors
            detail = problems_html(errors) if errors else escape(str(error))
            self.dialogs.error("Cannot Export", f"The design does not compile yet.<br>{detail}")
            return False
        except (ExportError, WeightsError) as error:
            self.dialogs.error("Export Failed", f"“{path.name}” could not be written.\n\n{error}")
            return False
        except Exception as error:  # report any failure, keep the app alive
            log.exception("export to %s failed", path)
            self.dialogs.error("Export Failed", f"“{path.name}” could not be written.\n\n{error}")
            return False
        self.settings.setValue(EXPORT_DIRECTORY_KEY, str(path.resolve().parent))
        self.status_message.emit(f"Exported {path.resolve()}")
        return True

    # --------------------------------------------------------------- recent
    def recent_files(self) -> list[str]:
        return normalize_recent(self.settings.value(RECENT_KEY))

    def clear_recent(self) -> None:
        self.settings.setValue(RECENT_KEY, [])
        self.recent_files_changed.emit([])

    def _forget(self, path: Path) -> None:
        """Drop a file that can no longer be opened from the recent list."""
        text = str(path.resolve())
        recent = self.recent_files()
        if text in recent:
            recent.remove(text)
            self.settings.setValue(RECENT_KEY, recent)
            self.recent_files_changed.emit(recent)

    def _remember(self, path: Path) -> None:
        text = str(path.resolve())
        recent = [text, *(p for p in self.recent_files() if p != text)][:MAX_RECENT]
        self.settings.setValue(RECENT_KEY, recent)
        self.settings.setValue(DIRECTORY_KEY, str(path.resolve().parent))
        self.recent_files_changed.emit(recent)


@dataclass(frozen=True)
class ExportKind:
    """One export format: the dialog title, what the file holds (for questions), the
    suffix and the file-dialog filter."""

    title: str
    what: str
    suffix: str
    name_filter: str


def _stem(name: str) -> str:
    stem = Path(name).stem if name.endswith(PROJECT_SUFFIX) else name
    return "".join(c if c.isalnum() or c in "-_ " else "_" for c in stem).strip() or "Untitled"


def _write_text_atomically(path: Path, text: str) -> None:
    """Through the one atomic writer: a failed export never leaves half a file."""
    write_atomic(path, text)
