"""The window trains whatever the canvas can draw: an image folder chosen in the panel,
several inputs and outputs, token inputs; data loads in the background and follows the
design."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from designs import image_folder, tokens_classifier, two_outputs
from PySide6.QtCore import QSettings, Qt

# NOTE: sibling test modules; pytest puts this folder on the import path.
from test_training_ui import SIGNAL_TIMEOUT_MS, QuietDialogs

from designer.io import load_project
from designer.model.edits import Rename
from designer.ui.document import GraphDocument
from designer.ui.main_window import MainWindow
from designer.ui.training import data_loading

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def open_window(qtbot, tmp_path):
    """A shown main window on the project file at ``path`` (relative data paths are taken
    from its folder), stopped and clean afterwards."""
    made: list[MainWindow] = []

    def make(path: Path) -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        document = GraphDocument(load_project(path))
        document.mark_saved(path)
        window = MainWindow(
            document, settings=settings, dialogs=QuietDialogs(), autosave_dir=tmp_path / "auto"
        )
        qtbot.addWidget(window)
        window.resize(1600, 1000)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.training.shutdown()
        window.document.undo_stack.setClean()


def train(qtbot, window: MainWindow):
    dock = window.training
    with qtbot.waitSignal(dock.controller.finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        window.actions_by_name["train"].trigger()
    return done.args[0]


def test_an_image_folder_chosen_in_the_panel_previews_fits_and_trains(qtbot, open_window, tmp_path):
    path = image_folder(tmp_path, workers=0)
    window = open_window(path)
    panel, document = window.training.panel, window.document
    qtbot.waitUntil(lambda: panel.data is not None, timeout=SIGNAL_TIMEOUT_MS)
    thumbnail = panel.preview_model.item(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert not thumbnail.isNull()  # decoded from the file, off the GUI thread
    assert "image files" in panel.data_summary.text()
    # another folder, chosen with the browse button: the data and the fit are one step
    other = tmp_path / "grey"
    for label in ("a", "b", "c"):
        (other / label).mkdir(parents=True)
        for index in range(4):
            source = next((tmp_path / "pictures" / "dark").iterdir())
            (other / label / f"{index}.png").write_bytes(source.read_bytes())
    panel.choose_file = lambda source: str(other)
    with qtbot.waitSignal(document.settings_changed, timeout=SIGNAL_TIMEOUT_MS):
        panel.browse_button.click()
    logits = next(n for n in document.graph if n.type == "Linear")
    assert logits.params["units"] == 3 and document.undo_stack.count() == 1
    record = train(qtbot, window)
    assert record.results is not None and record.results.confusion.shape == (3, 3)
    with qtbot.waitSignal(panel.data_changed, timeout=SIGNAL_TIMEOUT_MS):
        document.undo_stack.undo()
    assert document.project.data.path == "pictures" and logits.params["units"] == 2


def test_several_outputs_train_and_report_per_output_metrics(qtbot, open_window, tmp_path):
    window = open_window(two_outputs(tmp_path))
    record = train(qtbot, window)
    metrics = record.results.metrics
    assert {"val_loss", "species: accuracy", "size: mae", "size: r2"} <= set(metrics)
    table = window.training.results.metrics_table
    labels = [table.item(row, 0).text() for row in range(table.rowCount())]
    assert "Species: accuracy" in labels and "Size: R²" in labels
    assert record.history.metric_name == "species: accuracy"


def test_renaming_an_input_reloads_the_arrays_it_reads(qtbot, open_window, tmp_path):
    window = open_window(two_outputs(tmp_path))
    panel, document = window.training.panel, window.document
    qtbot.waitUntil(lambda: panel.data is not None, timeout=SIGNAL_TIMEOUT_MS)
    output = next(n for n in document.graph if n.label == "size")
    with qtbot.waitSignal(panel.data_changed, timeout=SIGNAL_TIMEOUT_MS) as changed:
        document.push(Rename(output.id, "weight"))  # no array of that name in the file
    assert changed.args[0] is None
    assert "'weight'" in panel.data_message.text()
    with qtbot.waitSignal(panel.data_changed, timeout=SIGNAL_TIMEOUT_MS) as changed:
        document.undo_stack.undo()
    assert changed.args[0] is not None and panel.data_message.isHidden()


def test_train_waits_for_a_slow_load_and_the_window_stays_responsive(
    qtbot, open_window, tmp_path, monkeypatch
):
    release = threading.Event()
    real = data_loading.load_dataset

    def slow(settings, layout, folder=None):
        release.wait(30)
        return real(settings, layout, folder)

    monkeypatch.setattr(data_loading, "load_dataset", slow)
    window = open_window(tokens_classifier(tmp_path))
    panel = window.training.panel
    qtbot.waitUntil(panel.loading_label.isVisible, timeout=SIGNAL_TIMEOUT_MS)
    window.actions_by_name["train"].trigger()  # asked before the data is there
    assert "training starts when it is ready" in panel.message_label.text()
    assert not window.training.controller.is_running
    with qtbot.waitSignal(window.training.controller.finished, timeout=SIGNAL_TIMEOUT_MS):
        release.set()
    assert panel.data.input("x").kind == "tokens" and not panel.loading_label.isVisible()


def test_the_last_run_exports_as_a_reproducibility_bundle(qtbot, open_window, tmp_path):
    import json
    import zipfile

    import torch
    from safetensors.torch import load

    window = open_window(two_outputs(tmp_path))
    assert not window.export_bundle()  # nothing trained yet
    assert "Train the design first" in window.statusBar().currentMessage()
    record = train(qtbot, window)
    target = tmp_path / "out" / "run.zip"
    target.parent.mkdir()
    window.files.dialogs.save_path = lambda title, suggested, name_filter: target
    window.actions_by_name["export_bundle"].trigger()
    archive = zipfile.ZipFile(target)
    run = json.loads(archive.read("run.json"))
    assert run["final_metrics"]["loss"] == record.results.metrics["val_loss"]
    weights = load(archive.read("weights.safetensors"))
    assert all(torch.equal(weights[k], v) for k, v in record.state_dict.items())
    assert "data/two_outputs.npz" in archive.namelist()
    assert str(target.resolve()) in window.statusBar().currentMessage()


def test_image_data_shows_a_grid_of_labelled_thumbnails(qtbot, open_window, tmp_path):
    window = open_window(image_folder(tmp_path, workers=0))
    panel = window.training.panel
    window.training.show_training()
    qtbot.waitUntil(lambda: panel.data is not None, timeout=SIGNAL_TIMEOUT_MS)
    grid = panel.thumbnails
    qtbot.waitUntil(grid.isVisible)
    assert grid.count() == 16  # the first training images, decoded off the GUI thread
    labels = {grid.item(i).text() for i in range(grid.count())}
    assert labels == {"dark", "light"}
    assert not grid.item(0).icon().isNull()
