"""File handling without a window: open, save, unsaved changes, recent files, exports,
autosave and crash recovery. Dialogs are replaced by a recorder with canned answers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from designer.io import example_paths, project_to_json
from designer.model import Project
from designer.model.edits import AddNode, SetParam
from designer.ui.autosave import AutosaveController
from designer.ui.document import GraphDocument
from designer.ui.file_dialogs import UNSAVED_CANCEL, UNSAVED_DISCARD, UNSAVED_SAVE, FileDialogs
from designer.ui.files import MAX_RECENT, RECENT_KEY, FileController, normalize_recent


class RecordingDialogs(FileDialogs):
    """Answers every question from its attributes and records what was asked."""

    def __init__(self) -> None:
        super().__init__(None)
        self.open_answer: Path | None = None
        self.compare_answer: Path | None = None
        self.save_answer: Path | None = None
        self.unsaved_answer = UNSAVED_DISCARD
        self.restore_answer = True
        self.export_answer = True
        self.export_problems: list = []
        self.errors: list[tuple[str, str]] = []
        self.asked: list[str] = []

    def open_path(self, directory: str) -> Path | None:
        self.asked.append("open")
        return self.open_answer

    def compare_path(self, directory: str) -> Path | None:
        self.asked.append("compare")
        return self.compare_answer

    def save_path(self, title: str, suggested: str, name_filter: str) -> Path | None:
        self.asked.append(f"save:{title}")
        return self.save_answer

    def ask_unsaved(self, name: str) -> str:
        self.asked.append(f"unsaved:{name}")
        return self.unsaved_answer

    def ask_restore(self, when: str) -> bool:
        self.asked.append("restore")
        return self.restore_answer

    def confirm_export(self, what: str, problems) -> bool:
        self.asked.append(f"export-problems:{what}")
        self.export_problems = list(problems)
        return self.export_answer

    def error(self, title: str, message: str) -> None:
        self.errors.append((title, message))


def example(name: str = "binary_classifier") -> Path:
    return next(p for p in example_paths() if p.stem == name)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def dialogs():
    return RecordingDialogs()


@pytest.fixture
def files(qtbot, settings, dialogs):
    return FileController(GraphDocument(Project()), settings, dialogs)


def _modify(document: GraphDocument) -> str:
    edit = AddNode("Linear")
    assert document.push(edit)
    return edit.node_id


def _snapshot(document: GraphDocument) -> str:
    return project_to_json(document.project)


# ------------------------------------------------------------------ open / save
def test_save_and_reopen_round_trip(files, dialogs, tmp_path):
    assert files.open_example(example())
    assert files.document.path is None and not files.document.modified
    assert files.display_name() == "Binary classifier"
    dialogs.save_answer = tmp_path / "mine"  # no suffix: the project suffix is added
    assert files.save()
    saved = tmp_path / "mine.nndesign"
    assert files.document.path == saved and saved.is_file()
    original = _snapshot(files.document)
    assert files.new()
    assert len(files.document.graph) == 0
    assert files.open(saved)
    assert _snapshot(files.document) == original
    assert files.display_name() == "mine.nndesign"


def test_save_to_known_path_does_not_ask(files, dialogs, tmp_path):
    path = tmp_path / "a.nndesign"
    dialogs.save_answer = path
    assert files.save_as()
    _modify(files.document)
    dialogs.asked.clear()
    assert files.save()
    assert dialogs.asked == []
    assert not files.document.modified


def test_open_corrupt_file_reports_and_keeps_the_design(files, dialogs, tmp_path):
    files.open_example(example())
    _modify(files.document)
    before = _snapshot(files.document)
    cases = {
        "broken.nndesign": b'{"format": "nn-designer-project", "nodes": [',
        "binary.nndesign": bytes(range(256)) * 8,
        "hostile.nndesign": b'{"format": "nn-designer-project", "format_version": 1, '
        b'"nodes": [{"id": "n1", "type": "os.system", "label": "x", "params": {}}]}',
    }
    dialogs.unsaved_answer = UNSAVED_DISCARD
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert not files.open(path)
        title, message = dialogs.errors[-1]
        assert title == "Could Not Open File"
        assert name in message and len(message.splitlines()) > 1
        assert _snapshot(files.document) == before
        assert files.document.modified
    assert not files.open(tmp_path / "missing.nndesign")
    assert "missing.nndesign" in dialogs.errors[-1][1]


def test_corrupt_file_shows_a_real_message_box(files, tmp_path, monkeypatch):
    """The default dialogs go through QMessageBox; patched, it records instead of blocking."""
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args[1:3]))
    files.dialogs = FileDialogs(None)
    path = tmp_path / "bad.nndesign"
    path.write_text("not json", encoding="utf-8")
    assert not files.open(path)
    assert shown and shown[0][0] == "Could Not Open File"
    assert "bad.nndesign" in shown[0][1]


def test_unsaved_changes_prompt_save_discard_cancel(files, dialogs, tmp_path):
    _modify(files.document)
    dialogs.unsaved_answer = UNSAVED_CANCEL
    assert not files.new()
    assert len(files.document.graph) == 1
    dialogs.unsaved_answer = UNSAVED_SAVE
    dialogs.save_answer = None  # the user cancels the Save As dialog
    assert not files.maybe_save()
    dialogs.save_answer = tmp_path / "kept.nndesign"
    assert files.new()
    assert (tmp_path / "kept.nndesign").is_file()
    _modify(files.document)
    dialogs.unsaved_answer = UNSAVED_DISCARD
    assert files.open(example())
    assert dialogs.asked.count("unsaved:Untitled") == 4


def test_no_prompt_without_changes(files, dialogs):
    assert files.maybe_save()
    assert dialogs.asked == []


def test_save_failure_is_reported(files, dialogs, tmp_path):
    dialogs.save_answer = tmp_path / "missing-folder" / "x.nndesign"
    _modify(files.document)
    assert not files.save()
    assert dialogs.errors[-1][0] == "Could Not Save"
    assert files.document.modified


# ----------------------------------------------------------------------- recent
def test_recent_files_are_newest_first_unique_and_bounded(files, dialogs, tmp_path, settings):
    paths = []
    for index in range(MAX_RECENT + 2):
        path = tmp_path / f"p{index}.nndesign"
        dialogs.save_answer = path
        assert files.save_as()
        paths.append(str(path.resolve()))
    assert files.open(paths[3])
    recent = files.recent_files()
    assert recent[0] == paths[3]
    assert len(recent) == MAX_RECENT == len(set(recent))
    reread = FileController(GraphDocument(), QSettings(settings.fileName(), settings.format()))
    settings.sync()
    assert reread.recent_files() == recent
    Path(paths[3]).write_text("gone bad", encoding="utf-8")
    assert not files.open(paths[3])
    assert paths[3] not in files.recent_files()  # a file that fails to open is forgotten
    files.clear_recent()
    assert files.recent_files() == []


@pytest.mark.timeout(30)
def test_a_pipe_or_folder_is_refused_at_once_and_forgotten(files, dialogs, tmp_path, settings):
    """Opening a named pipe would block the GUI thread until a writer appears."""
    files.open_example(example())
    before = _snapshot(files.document)
    targets = [(tmp_path / "folder.nndesign", "folder")]
    targets[0][0].mkdir()
    if os.name == "posix":
        os.mkfifo(tmp_path / "pipe.nndesign")
        targets.append((tmp_path / "pipe.nndesign", "named pipe"))
    for path, kind in targets:
        settings.setValue(RECENT_KEY, [str(path.resolve())])  # as the Recent menu holds it
        assert not files.open(str(path.resolve()))
        title, message = dialogs.errors[-1]
        assert title == "Could Not Open File" and path.name in message
        assert f"{kind}" in message and "not a regular file" in message
        assert _snapshot(files.document) == before
        assert files.recent_files() == []


def test_normalize_recent_handles_backend_shapes():
    assert normalize_recent(None) == []
    assert normalize_recent("") == []
    assert normalize_recent("/a") == ["/a"]
    assert normalize_recent(["/a", "", "/b"]) == ["/a", "/b"]


# ----------------------------------------------------------------------- export
def test_export_python_writes_a_script_that_compiles(files, dialogs, tmp_path):
    files.open_example(example())
    dialogs.save_answer = tmp_path / "train"
    assert files.export_python()
    source = (tmp_path / "train.py").read_text(encoding="utf-8")
    compile(source, "train.py", "exec")
    assert "nn.Linear" in source


def test_export_weights(files, dialogs, tmp_path):
    files.open_example(example())
    dialogs.save_answer = tmp_path / "w.safetensors"
    assert files.export_weights()
    assert (tmp_path / "w.safetensors").stat().st_size > 0


def test_export_weights_writes_the_model_of_the_provider_it_was_given(settings, dialogs, tmp_path):
    import torch
    from safetensors.torch import load_file

    from designer.compiler import build_model

    document = GraphDocument(Project())
    model = None

    def trained():
        nonlocal model
        model = build_model(document.graph)
        for tensor in model.state_dict().values():
            tensor.fill_(0.5)
        return model

    files = FileController(document, settings, dialogs, model_provider=trained)
    files.open_example(example())
    dialogs.save_answer = tmp_path / "w.safetensors"
    assert files.export_weights()
    saved = load_file(tmp_path / "w.safetensors")
    assert saved and all(torch.all(tensor == 0.5) for tensor in saved.values())


def test_export_of_an_invalid_design_explains_why(files, dialogs, tmp_path):
    _modify(files.document)
    files.document.refresh_analysis()
    dialogs.save_answer = tmp_path / "x.py"
    assert not files.export_python()  # exported anyway: the compiler refuses
    assert dialogs.asked[0] == "export-problems:the script"
    title, message = dialogs.errors[-1]
    assert title == "Cannot Export"
    assert "Input" in message
    assert not (tmp_path / "x.py").exists()


# --------------------------------------------------------------------- autosave
def test_autosave_writes_while_modified_and_a_clean_exit_removes_it(qtbot, tmp_path):
    document = GraphDocument(Project())
    autosave = AutosaveController(document, tmp_path / "autosave", interval_ms=20)
    autosave.start()
    assert not autosave.path.exists()
    _modify(document)
    qtbot.waitUntil(autosave.path.exists, timeout=20_000)
    assert "Linear" in autosave.path.read_text(encoding="utf-8")
    document.undo_stack.setClean()  # saved elsewhere: nothing left to recover
    qtbot.waitUntil(lambda: not autosave.path.exists(), timeout=20_000)
    _modify(document)
    assert autosave.save_now()
    autosave.stop()
    assert list((tmp_path / "autosave").iterdir()) == []


def test_a_running_session_is_not_mistaken_for_a_crash(qtbot, tmp_path):
    first = GraphDocument(Project())
    running = AutosaveController(first, tmp_path, interval_ms=60_000)
    running.start()
    _modify(first)
    assert running.save_now()
    second = AutosaveController(GraphDocument(Project()), tmp_path)
    assert second.orphans() == []
    running._lock.unlock()  # the first session "crashes": its lock is released
    orphans = second.orphans()
    assert [o.path for o in orphans] == [running.path]
    assert orphans[0].origin is None
    running.stop()


def test_orphan_remembers_its_original_file(qtbot, tmp_path, dialogs, settings):
    document = GraphDocument(Project())
    origin = tmp_path / "design.nndesign"
    files = FileController(document, settings, dialogs)
    dialogs.save_answer = origin
    files.save_as()
    _modify(document)
    autosave = AutosaveController(document, tmp_path / "auto")
    assert autosave.save_now()
    (recovery,) = AutosaveController(GraphDocument(), tmp_path / "auto").orphans()
    assert recovery.origin == origin
    assert "20" in recovery.when
    AutosaveController.discard(recovery)
    assert not recovery.path.exists()


def test_orphan_without_lock_file_is_found(tmp_path):
    shutil.copy(example(), tmp_path / "session-old.nndesign")
    (found,) = AutosaveController(GraphDocument(), tmp_path).orphans()
    assert found.path.name == "session-old.nndesign"


def test_settings_are_isolated(files, settings, tmp_path):
    assert Path(settings.fileName()).parent == tmp_path


def test_set_param_is_not_lost_by_autosave(qtbot, tmp_path):
    document = GraphDocument(Project())
    node_id = _modify(document)
    document.push(SetParam(node_id, "units", 5))
    autosave = AutosaveController(document, tmp_path)
    assert autosave.save_now()
    from designer.io import load_project

    restored = load_project(autosave.path)
    assert restored.graph.node(node_id).params["units"] == 5
