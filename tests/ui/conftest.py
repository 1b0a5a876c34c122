"""Fixtures shared by the UI tests: small documents, the views that show them, and main
windows isolated from the user's settings.

Each test file still says which network it draws and how its view is framed, since the
mouse tests aim at items by their on-screen position; these factories do the building and
showing that all of them share.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QSettings

# NOTE: a sibling test module; pytest puts this folder on the import path.
from test_files import RecordingDialogs

from designer.io.library import BlockLibrary
from designer.model import Project
from designer.ui.canvas import GraphView
from designer.ui.document import GraphDocument
from designer.ui.main_window import MainWindow
from designer.ui.qt_compat import GuiThreadCollector
from designer.ui.window_actions import install_canvas_keys

# (node id, layer type, parameters, position): fixed ids let tests name the nodes.
Layer = tuple[str, str, Mapping[str, Any], tuple[float, float]]


@pytest.fixture(scope="session", autouse=True)
def _garbage_collected_in_the_gui_thread(qapp):
    """As in the application (`create_application`): cyclic garbage, which may hold Qt
    objects, is collected in the GUI thread only, never in a worker thread."""
    collector = qapp.findChild(GuiThreadCollector) or GuiThreadCollector(qapp)
    yield collector
    gc.enable()


@pytest.fixture
def make_document() -> Callable[..., GraphDocument]:
    """Builds an analysed document from ``layers``, added in order; each of ``wires``
    joins the ``out`` port of one node id to the ``in`` port of another, and ``labels``
    names the layers a test needs under a fixed name."""

    def make(
        layers: Iterable[Layer],
        wires: Iterable[tuple[str, str]] = (),
        labels: Mapping[str, str] | None = None,
    ) -> GraphDocument:
        document = GraphDocument(Project())
        graph = document.graph
        for node_id, type_id, params, position in layers:
            label = (labels or {}).get(node_id)
            graph.add_node(type_id, params, label=label, position=position, node_id=node_id)
        for src, dst in wires:
            graph.connect(src, "out", dst, "in")
        document.refresh_analysis()
        return document

    return make


@pytest.fixture
def open_view(qtbot) -> Callable[..., GraphView]:
    """Shows a canvas on a document at ``size``, exposed so that real mouse events reach
    it, with the canvas keys of the window's actions, and centred on the scene point
    ``center`` when one is given."""

    def show(
        document: GraphDocument,
        size: tuple[int, int],
        center: tuple[float, float] | None = None,
    ) -> GraphView:
        widget = GraphView(document)
        install_canvas_keys(widget)
        qtbot.addWidget(widget)
        widget.resize(*size)
        widget.show()
        qtbot.waitExposed(widget)
        if center is not None:
            widget.centerOn(*center)
        return widget

    return show


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Windows sharing one isolated settings file and autosave folder."""
    settings_path = str(tmp_path / "settings.ini")
    made: list[MainWindow] = []

    def make(**kwargs) -> MainWindow:
        settings = QSettings(settings_path, QSettings.Format.IniFormat)
        dialogs = kwargs.pop("dialogs", RecordingDialogs())
        kwargs.setdefault("block_library", BlockLibrary(tmp_path / "blocks"))  # not the user's
        window = MainWindow(
            settings=settings, dialogs=dialogs, autosave_dir=tmp_path / "autosave", **kwargs
        )
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:  # nothing left to ask about when qtbot closes them
        if shiboken6.isValid(window):
            window.document.undo_stack.setClean()
