"""Export: the problems of the design first (with a way out), then a sensible file name
in a sensible folder, then the written path in the status bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

# NOTE: a sibling test module; pytest puts this folder on the import path.
from test_files import RecordingDialogs

from designer.io import example_paths
from designer.model import Problem, Project
from designer.model.edits import AddNode
from designer.ui.document import GraphDocument
from designer.ui.export_checks import (
    EXPORT_ANYWAY_TEXT,
    export_file_stem,
    export_problems_box,
    problems_html,
)
from designer.ui.file_dialogs import FileDialogs
from designer.ui.files import EXPORT_DIRECTORY_KEY, FileController

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

DATA_MISMATCH = "the data has samples of shape (2,), but the network expects (30,)"


def example(name: str) -> Path:
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


def _status(files: FileController) -> list[str]:
    messages: list[str] = []
    files.status_message.connect(messages.append)
    return messages


@pytest.mark.parametrize("export", ["export_python", "export_weights", "export_onnx"])
def test_a_design_with_problems_asks_first_and_cancel_writes_nothing(
    files, dialogs, tmp_path, export
):
    files.open_example(example("binary_classifier"))
    files.document.push(AddNode("ReLU", position=(900.0, 400.0)))  # not wired: a problem
    dialogs.export_answer = False
    dialogs.save_answer = tmp_path / "out"
    messages = _status(files)
    assert not getattr(files, export)()
    assert dialogs.asked == [dialogs.asked[0]] and dialogs.asked[0].startswith("export-problems")
    assert any("ReLU" in p.message or "relu" in p.message for p in dialogs.export_problems)
    assert list(tmp_path.glob("out*")) == []
    assert messages == ["Export cancelled"]


def test_the_data_problems_the_document_reports_are_listed(files, dialogs, tmp_path):
    files.open_example(example("binary_classifier"))
    output = next(n.id for n in files.document.graph if n.type == "Input")
    files.document.set_data_problems([Problem(DATA_MISMATCH, output)])
    dialogs.export_answer = False
    assert not files.export_python()
    assert [p.message for p in dialogs.export_problems] == [DATA_MISMATCH]


def test_export_anyway_writes_and_a_valid_design_is_not_questioned(files, dialogs, tmp_path):
    files.open_example(example("binary_classifier"))
    dialogs.save_answer = tmp_path / "valid.py"
    assert files.export_python()
    assert not any(q.startswith("export-problems") for q in dialogs.asked)
    files.document.set_data_problems([Problem(DATA_MISMATCH, None, "warning")])
    dialogs.save_answer = tmp_path / "anyway.py"
    assert files.export_python()
    assert (tmp_path / "anyway.py").is_file()


def test_the_suggested_name_is_safe_and_in_the_projects_folder(files, dialogs, tmp_path):
    files.open_example(example("digits_cnn"))  # "Digits CNN", not saved yet
    files.settings.setValue(EXPORT_DIRECTORY_KEY, str(tmp_path / "exports"))
    assert files.suggested_export_path(".py") == tmp_path / "exports" / "digits_cnn.py"
    dialogs.save_answer = tmp_path / "My Projects" / "My Net.nndesign"
    dialogs.save_answer.parent.mkdir()
    assert files.save_as()
    expected = tmp_path / "My Projects" / "my_net.py"
    assert files.suggested_export_path(".py") == expected
    assert " " not in files.suggested_export_path(".onnx").name


def test_an_unsaved_project_is_offered_the_last_export_folder(files, dialogs, tmp_path):
    files.open_example(example("iris_mlp"))
    dialogs.save_answer = tmp_path / "elsewhere" / "iris.py"
    dialogs.save_answer.parent.mkdir()
    messages = _status(files)
    assert files.export_python()
    assert messages == [f"Exported {(tmp_path / 'elsewhere' / 'iris.py').resolve()}"]
    files.open_example(example("digits_cnn"))
    assert files.suggested_export_path(".py").parent == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Digits CNN", "digits_cnn"),
        ("  my  model (v2)!  ", "my_model_v2"),
        ("Ünïcode Net", "unicode_net"),
        ("3 layers", "model_3_layers"),
        ("", "model"),
        ("../../etc/passwd", "etc_passwd"),
        ("???", "model"),
    ],
)
def test_export_file_stem(name, stem):
    assert export_file_stem(name) == stem


def test_the_question_lists_every_problem_in_words_and_defaults_to_cancel(qtbot):
    problems = [Problem("ReLU 'relu1' has no input", "n3", "warning"), Problem(DATA_MISMATCH)]
    box, export = export_problems_box(None, "the script", problems)
    qtbot.addWidget(box)
    assert export.text() == EXPORT_ANYWAY_TEXT
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert box.escapeButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert "1 error and 1 warning" in box.text()
    details = box.informativeText()
    assert details.index("Error:") < details.index("Warning:")
    assert "ReLU &#x27;relu1&#x27; has no input" in details and "(2,)" in details
    many = problems_html([Problem(f"problem {i}") for i in range(30)])
    assert "problem 11" in many and "problem 12" not in many and "18 more" in many


@pytest.mark.parametrize(("click", "answer"), [(EXPORT_ANYWAY_TEXT, True), ("Cancel", False)])
def test_the_real_question_answers_with_the_button_clicked(qtbot, click, answer):
    def press() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        next(b for b in box.buttons() if b.text().replace("&", "") == click).click()

    QTimer.singleShot(0, press)
    assert FileDialogs().confirm_export("the script", [Problem(DATA_MISMATCH)]) is answer
