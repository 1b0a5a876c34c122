"""File > Import PyTorch Model…: the questions asked, the import off the GUI thread, the
new project it opens, and one error message for a model that cannot be imported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch
from PySide6.QtWidgets import QLabel
from test_files import RecordingDialogs

from designer.ui.import_model import ImportOptions, ImportOptionsDialog

MODEL = textwrap.dedent("""
    import torch
    from torch import nn


    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 6)

        def forward(self, x):
            return torch.relu(self.fc(x)) + x


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(4, 6)
            self.block = Block()
            self.head = nn.Linear(6, 3)

        def forward(self, x):
            return self.head(self.block(self.inp(x)))
""")


class ImportDialogs(RecordingDialogs):
    def __init__(self, source: Path | None, options: ImportOptions | None) -> None:
        super().__init__()
        self.source, self.options, self.classes = source, options, None

    def import_source_path(self, directory: str) -> Path | None:
        self.asked.append("import-source")
        return self.source

    def import_options(self, path: Path, classes: list[str]) -> ImportOptions | None:
        self.classes = classes
        return self.options


@pytest.fixture
def model_file(tmp_path) -> Path:
    path = tmp_path / "net.py"
    path.write_text(MODEL)
    return path


def run_import(qtbot, window) -> bool:
    with qtbot.waitSignal(window.importer.finished, timeout=60_000) as finished:
        assert window.importer.start()
    qtbot.waitUntil(lambda: not window.importer.busy)
    return finished.args[0]


def test_import_opens_the_model_as_a_new_unsaved_project(qtbot, make_window, model_file):
    dialogs = ImportDialogs(model_file, ImportOptions("Net"))
    window = make_window(dialogs=dialogs)
    assert run_import(qtbot, window)
    assert dialogs.classes == ["Block", "Net"]
    graph = window.document.graph
    assert [node.type for node in graph] == [
        "Input", "Linear", "Linear", "ReLU", "Add", "Linear", "Output"
    ]  # fmt: skip
    assert window.document.path is None and window.document.modified
    assert window.view.graph_scene.node_item(graph.nodes_of_role("output")[0]) is not None
    assert "Imported Net: 93 parameters" in window.statusBar().currentMessage()
    window.document.undo_stack.setClean()


def test_with_weights_the_import_is_saved_with_its_converted_weights(
    qtbot, make_window, model_file, tmp_path
):
    from designer.compiler import compile_design, load_weights
    from designer.compiler.fx_import import load_file

    model = load_file(model_file).Net().eval()
    torch.save(model.state_dict(), tmp_path / "net.pt")
    dialogs = ImportDialogs(model_file, ImportOptions("Net", "4", tmp_path / "net.pt"))
    dialogs.save_answer = tmp_path / "imported"
    window = make_window(dialogs=dialogs)
    assert run_import(qtbot, window)
    assert window.document.path == tmp_path / "imported.nndesign"
    assert not window.document.modified
    compiled = compile_design(window.document.graph).module.eval()
    load_weights(compiled, tmp_path / "imported.safetensors")
    x = torch.randn(3, 4)
    with torch.no_grad():
        assert torch.equal(compiled(x), model(x))


def test_a_model_that_cannot_be_imported_is_one_error_and_the_design_stays(
    qtbot, make_window, model_file
):
    model_file.write_text(MODEL.replace("torch.relu(", "torch.sin("))
    dialogs = ImportDialogs(model_file, ImportOptions("Net"))
    window = make_window(dialogs=dialogs)
    before = list(window.document.graph.nodes)
    assert not run_import(qtbot, window)
    ((title, message),) = dialogs.errors
    assert title == "Cannot Import" and "net.py, line 12 (torch.sin)" in message
    assert list(window.document.graph.nodes) == before


def test_a_file_that_fails_to_run_is_reported_before_any_options(qtbot, make_window, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("import torch\nundefined_name\n")
    dialogs = ImportDialogs(broken, ImportOptions("Net"))
    window = make_window(dialogs=dialogs)
    assert not window.importer.start()
    assert dialogs.classes is None
    assert "broken.py, line 2: running the file failed (NameError" in dialogs.errors[0][1]


def test_the_options_dialog_offers_the_files_classes(qtbot, tmp_path):
    dialog = ImportOptionsDialog(tmp_path / "net.py", ["Block", "Net"])
    qtbot.addWidget(dialog)
    assert dialog.class_box.currentText() == "Net"
    dialog.shape_edit.setText(" 3x32x32 ")
    dialog.weights_edit.setText(str(tmp_path / "w.pt"))
    assert dialog.options() == ImportOptions("Net", "3x32x32", tmp_path / "w.pt")
    assert not dialog.flat_box.isChecked()
    dialog.flat_box.setChecked(True)
    assert dialog.options().flat
    assert "runs the file's Python code" in dialog.findChild(QLabel, "importNote").text()


def test_the_file_menu_offers_the_import(make_window):
    window = make_window()
    texts = [action.text() for action in window.menus["file"].actions()]
    assert "&Import PyTorch Model…" in texts


@pytest.mark.parametrize("flat", [False, True])
def test_a_class_used_twice_opens_as_a_block_unless_flat(qtbot, make_window, tmp_path, flat):
    path = tmp_path / "twice.py"
    twice = MODEL.replace("self.block = Block()", "self.block, self.again = Block(), Block()")
    path.write_text(twice.replace("self.block(self.inp(x))", "self.again(self.block(self.inp(x)))"))
    window = make_window(dialogs=ImportDialogs(path, ImportOptions("Net", flat=flat)))
    assert run_import(qtbot, window)
    graph = window.document.graph
    instances = [node.label for node in graph if node.type == "block:Block"]
    assert instances == ([] if flat else ["block", "again"])
    assert len(graph.blocks) == (0 if flat else 1)
    assert "Imported Net: 135 parameters" in window.statusBar().currentMessage()
    window.document.undo_stack.setClean()


def test_the_import_picture_groups_the_repeated_residual_into_one_block():
    from designer.model import Project, infer_shapes
    from designer.ui.screenshot_blocks import imported

    project = imported(Project())
    graph = project.graph
    assert [node.type for node in graph].count("block:Residual") == 3
    assert graph.blocks.names() == ["Residual"]
    assert infer_shapes(graph).total_params == 14_442
