"""The training dock in the main window: another project starts clean, F5 with problems
keeps the plots where they were, the results and the data preview give each view the
room its data needs."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

# NOTE: a sibling test module; pytest puts this folder on the import path.
from test_training_ui import SIGNAL_TIMEOUT_MS, Exploding, QuietDialogs, moons_project

from designer.model import Graph, Project
from designer.model.settings import DataSettings, TrainingSettings
from designer.training.session import prepare_run
from designer.ui.document import GraphDocument
from designer.ui.main_window import MainWindow
from designer.ui.theme import ThemeController
from designer.ui.training.data_preview import THUMBNAIL, thumbnail
from designer.ui.training.dock import LIVE_TAB, RESULTS_TAB, TrainingDock
from designer.ui.training.plots import IDLE_TEXT

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def mlp_project(source: str, features: int, classes: int, epochs: int = 1) -> Project:
    graph = Graph()
    nodes = [
        ("Input", {"features": features}),
        ("Linear", {"units": 16}),
        ("ReLU", {}),
        ("Linear", {"units": classes}),
        ("Output", {"loss": "cross_entropy"}),
    ]
    ids = [graph.add_node(t, p).id for t, p in nodes]
    for src, dst in itertools.pairwise(ids):
        graph.connect(src, "out", dst, "in")
    training = TrainingSettings(epochs=epochs, batch_size=64, device="cpu")
    return Project(graph, DataSettings(source=source), training)


@pytest.fixture
def make_window(qtbot, tmp_path):
    """A shown main window on ``project`` at ``size``, stopped and clean afterwards."""
    made: list[MainWindow] = []

    def make(project: Project, size: tuple[int, int] = (1600, 1000)) -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(
            GraphDocument(project), settings=settings, dialogs=QuietDialogs(), autosave_dir=tmp_path
        )
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.training.shutdown()
        window.document.undo_stack.setClean()


def train(qtbot, window: MainWindow):
    """Train the window's project to the end through the Train action; the run's record."""
    dock = window.training
    with qtbot.waitSignal(dock.controller.finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        window.actions_by_name["train"].trigger()
    QApplication.processEvents()
    return done.args[0]


def in_front(dock) -> bool:
    """Whether a (possibly tabbed) dock is the one showing in its place."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def test_opening_another_project_clears_the_last_runs(qtbot, make_window):
    window = make_window(moons_project())
    dock = window.training
    train(qtbot, window)
    assert dock.results.records and dock.plots.point_count("batch") > 0
    assert "Finished" in dock.panel.time_label.text()
    window.document.replace_project(moons_project())
    panel = dock.panel
    assert panel.time_label.text() == "Ready" and panel.progress_bar.value() <= 0
    assert panel.message_label.isHidden() and panel.message_label.text() == ""
    assert dock.plots.point_count("batch") == 0 == dock.plots.point_count("val")
    assert dock.plots.status_label.text() == IDLE_TEXT and dock.plots.overlay_count == 0
    assert dock.results.records == [] and not dock.results.has_confusion
    assert dock.tabs.currentIndex() == LIVE_TAB
    assert train(qtbot, window).name.startswith("Run 1 ")  # numbering starts again


def test_another_projects_error_does_not_stay(qtbot, make_window):
    window = make_window(moons_project())
    dock = window.training
    prepared = prepare_run(window.document.project)
    broken = dataclasses.replace(prepared, model=Exploding(prepared.model, after=2))
    with qtbot.waitSignal(dock.controller.failed, timeout=SIGNAL_TIMEOUT_MS):
        dock.controller.start(broken)
    assert "Training failed" in dock.panel.message_label.text()
    window.document.replace_project(moons_project())
    assert dock.panel.message_label.text() == "" and dock.panel.time_label.text() == "Ready"
    assert "failed" not in dock.plots.status_label.text()


def test_opening_another_project_mid_run_stops_the_run(qtbot, make_window):
    window = make_window(moons_project(epochs=10_000))
    dock = window.training
    with qtbot.waitSignal(dock.controller.epoch, timeout=SIGNAL_TIMEOUT_MS):
        window.actions_by_name["train"].trigger()
    window.document.replace_project(moons_project())
    assert not dock.controller.is_running and not window.document.locked
    assert dock.results.records == [] and dock.plots.point_count("batch") == 0


def test_train_with_problems_keeps_the_plots_as_they_were(qtbot, make_window):
    window = make_window(moons_project())
    dock, document = window.training, window.document
    train(qtbot, window)
    assert dock.tabs.currentIndex() == RESULTS_TAB
    # data chosen without fitting the design (as a file saved that way opens)
    document.set_data_settings(document.project.data.replace(source="iris"))
    window.problems_dock.raise_()
    with qtbot.waitSignal(dock.run_refused) as refused:
        window.actions_by_name["train"].trigger()
    assert "4 features" in refused.args[0]
    assert not dock.controller.is_running
    assert dock.tabs.currentIndex() == RESULTS_TAB and not in_front(dock.plots_dock)
    assert in_front(window.problems_dock)  # which lists the problem
    assert "4 features" in window.statusBar().currentMessage()
    input_id = document.graph.nodes_of_role("input")[0]
    assert document.selection == [input_id] and in_front(window.inspector_dock)


def test_starting_a_run_shows_the_live_plots(qtbot, make_window):
    window = make_window(moons_project())
    dock = window.training
    window.problems_dock.raise_()
    dock.tabs.setCurrentIndex(RESULTS_TAB)
    with qtbot.waitSignal(dock.controller.started, timeout=SIGNAL_TIMEOUT_MS):
        window.actions_by_name["train"].trigger()
    assert in_front(dock.plots_dock) and dock.tabs.currentIndex() == LIVE_TAB
    dock.shutdown()


def test_ten_classes_show_without_scrolling_and_no_empty_boundary(qtbot, make_window):
    window = make_window(mlp_project("digits", 64, 10))
    dock = window.training
    train(qtbot, window)
    results = dock.results
    assert dock.tabs.currentWidget() is results
    table = results.confusion_table
    assert table.rowCount() == 10 and not results.has_boundary
    assert results.sections["boundary"].isHidden()  # 64 features: no 2-D map to draw
    qtbot.waitUntil(lambda: not table.verticalScrollBar().isVisible())
    assert not table.horizontalScrollBar().isVisible()
    assert table.viewport().height() >= table.verticalHeader().length()
    assert table.viewport().width() >= table.horizontalHeader().length()
    samples = results.sections["predictions"]
    assert samples.width() > results.sections["confusion"].width()
    rows = results.predictions_table
    assert rows.viewport().height() >= rows.verticalHeader().length()  # all ten samples


def test_two_dimensional_data_shows_its_boundary(qtbot, make_window):
    window = make_window(moons_project())
    train(qtbot, window)
    results = window.training.results
    assert results.has_boundary and not results.sections["boundary"].isHidden()
    boundary = results.sections["boundary"]
    assert boundary.width() <= boundary.height() + 40  # about square, not a third of all


def test_wide_data_preview_shows_every_full_header_and_scrolls(qtbot, make_window):
    window = make_window(mlp_project("breast_cancer", 30, 2))
    preview = window.training.panel.preview_table
    window.training.show_training()
    qtbot.waitUntil(lambda: window.training.panel.data is not None, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(preview.isVisible)
    model, header = preview.model(), preview.horizontalHeader()
    names = [model.headerData(i, header.orientation()) for i in range(model.columnCount())]
    assert len(names) == 31 and names[0] == "mean radius" and names[-1] == "target"
    metrics = QFontMetrics(header.font())
    for column, name in enumerate(names[:-1]):
        assert header.sectionSize(column) >= metrics.horizontalAdvance(name), name
    assert preview.horizontalScrollBar().maximum() > 0


def test_image_data_preview_shows_thumbnails(qtbot, make_window):
    window = make_window(mlp_project("digits_images", 64, 10))
    preview = window.training.panel.preview_table
    qtbot.waitUntil(lambda: window.training.panel.data is not None, timeout=SIGNAL_TIMEOUT_MS)
    model = preview.model()
    assert model.headerData(0, preview.horizontalHeader().orientation()) == "image"
    picture = model.item(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert not picture.isNull() and picture.width() == THUMBNAIL
    image = picture.toImage()
    shades = {image.pixelColor(x, y).lightness() for x in range(0, 32, 4) for y in range(0, 32, 4)}
    assert len(shades) > 3  # a picture of a digit, not a blank square


@pytest.mark.parametrize(
    "sample",
    [
        np.full((1, 8, 8), np.nan),  # nothing but NaN
        np.full((1, 8, 8), 3.0),  # one value
        np.array([[[np.inf, -np.inf], [0.0, 1.0]]]),
        np.random.default_rng(0).random((3, 64, 48)),  # colour, larger than a thumbnail
    ],
)
def test_thumbnails_of_odd_arrays(qtbot, sample):
    picture = thumbnail(sample)
    assert not picture.isNull() and max(picture.width(), picture.height()) == THUMBNAIL


def test_the_dock_is_given_what_it_uses_and_needs_no_main_window(qtbot, tmp_path):
    """Every collaborator comes through the constructor: a bare window will do."""
    window = QMainWindow()
    qtbot.addWidget(window)
    document = GraphDocument(moons_project())
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    theme = ThemeController(QApplication.instance())
    neighbours = []
    for title, area in (
        ("A", Qt.DockWidgetArea.RightDockWidgetArea),
        ("B", Qt.DockWidgetArea.BottomDockWidgetArea),
    ):
        neighbour = QDockWidget(title, window)
        window.addDockWidget(area, neighbour)
        neighbours.append(neighbour)
    docked = []

    def add_dock(widget, area, title):
        dock = QDockWidget(title, window)
        dock.setWidget(widget)
        window.addDockWidget(area, dock)
        docked.append(title)
        return dock

    training = TrainingDock(window, document, settings, add_dock, theme, tuple(neighbours))
    assert docked == ["Training", "Training Plots"]
    assert window.tabifiedDockWidgets(neighbours[0]) == [training.panel_dock]
    assert window.tabifiedDockWidgets(neighbours[1]) == [training.plots_dock]
    dark, old = QPalette(QColor("#16191d")), QApplication.palette()
    QApplication.setPalette(dark)
    try:
        theme.changed.emit(True)
        background = training.plots.loss_widget.backgroundBrush().color()
        assert background == dark.color(QPalette.ColorRole.Base)
    finally:
        QApplication.setPalette(old)
        training.shutdown()
