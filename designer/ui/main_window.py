"""`MainWindow`: the canvas in the middle, panels docked around it, menus and a toolbar.

The window only places widgets and wires requests between them; its actions, menus and
toolbar are built in `window_actions`, file handling lives in `FileController`, autosave
in `AutosaveController`, the theme in `ThemeController`, the status bar's counts in
`DesignStatus`, and every change to the design goes through the `GraphDocument`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMenu,
    QWidget,
)

from designer import APP_NAME
from designer.io.library import BlockLibrary
from designer.training.bundle import write_run_bundle
from designer.ui import theme as themes
from designer.ui.about import show_about
from designer.ui.autosave import INTERVAL_MS, AutosaveController
from designer.ui.blocks import BlockDialogs, install_blocks
from designer.ui.canvas import GraphView
from designer.ui.compare import compare_with_file
from designer.ui.design_status import DesignStatus
from designer.ui.document import GraphDocument
from designer.ui.file_dialogs import FileDialogs
from designer.ui.files import FileController
from designer.ui.import_model import ModelImporter
from designer.ui.panels import (
    CodeViewPanel,
    InspectorPanel,
    PalettePanel,
    ProblemsPanel,
)
from designer.ui.training.dock import TrainingDock
from designer.ui.training.probe_actions import ProbeActions
from designer.ui.welcome import WelcomePanel
from designer.ui.window_actions import (
    build_actions,
    build_menus,
    build_toolbar,
    training_buttons,
)
from designer.ui.window_layout import apply_default_dock_sizes, relax_bottom_minimums

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
THEME_KEY = "view/theme"
STATE_VERSION = 1
STATUS_TIMEOUT_MS = 5000


class MainWindow(QMainWindow):
    """The application window around one `GraphDocument`.

    ``settings``, ``dialogs``, the autosave folder and interval, and the block library
    and its dialogs are injectable so tests run isolated from the user's settings and
    files and without modal dialogs.
    """

    def __init__(
        self,
        document: GraphDocument | None = None,
        settings: QSettings | None = None,
        dialogs: FileDialogs | None = None,
        autosave_dir: Path | None = None,
        autosave_interval_ms: int = INTERVAL_MS,
        theme: themes.ThemeController | None = None,
        block_library: BlockLibrary | None = None,
        block_dialogs: BlockDialogs | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings if settings is not None else QSettings()
        self.document = document or GraphDocument(parent=self)
        self.dialogs = dialogs or FileDialogs(self)
        self.files = FileController(
            self.document, self.settings, self.dialogs, self, model_provider=self.trained_model
        )
        self.importer = ModelImporter(self.files, self)
        self.autosave = AutosaveController(self.document, autosave_dir, autosave_interval_ms, self)
        mode = str(self.settings.value(THEME_KEY, "system"))
        self.theme = theme or themes.ThemeController(QApplication.instance(), mode, self)
        self._welcome_dismissed = False
        self.sweep_dialog = None  # made on first use (Training > Sweep…)
        self._saved_state = None
        self._laid_out = False
        self.view = GraphView(self.document, self)
        self.setCentralWidget(self.view)
        #: View > Panels: one toggle per dock, added by `add_dock` (the View menu holds it).
        self.panels_menu = QMenu("&Panels", self)
        self._build_docks()
        self.probes = ProbeActions(self)
        self._build_status_bar()
        self._training_buttons = training_buttons(self.training.panel)
        self.actions_by_name = build_actions(self)
        self.menus = build_menus(self)
        self.toolbar = build_toolbar(self)
        self.blocks = install_blocks(self, block_library, block_dialogs)
        self._build_welcome()
        self._connect()
        self._restore_settings()
        self._on_document_file_state_changed()
        self._on_document_analysis_changed()
        self._on_training_state_changed()

    # ------------------------------------------------------------------ layout
    def _build_docks(self) -> None:
        self.palette = PalettePanel(settings=self.settings, parent=self)
        self.inspector = InspectorPanel(self.document, self)
        self.problems = ProblemsPanel(self.document, self)
        self.code_view = CodeViewPanel(self.document, self)
        area = Qt.DockWidgetArea
        self.palette_dock = self.add_dock(self.palette, area.LeftDockWidgetArea, "Layers")
        self.inspector_dock = self.add_dock(self.inspector, area.RightDockWidgetArea, "Inspector")
        self.problems_dock = self.add_dock(self.problems, area.BottomDockWidgetArea, "Problems")
        self.code_dock = self.add_dock(self.code_view, area.BottomDockWidgetArea, "Code")
        self.tabifyDockWidget(self.problems_dock, self.code_dock)
        self.problems_dock.raise_()
        self.training = TrainingDock(
            self,
            self.document,
            self.settings,
            self.add_dock,
            self.theme,
            beside=(self.inspector_dock, self.problems_dock),
        )
        self.setCorner(Qt.Corner.BottomLeftCorner, area.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, area.RightDockWidgetArea)
        relax_bottom_minimums(self)

    def add_dock(
        self, widget: QWidget, area: Qt.DockWidgetArea, title: str | None = None
    ) -> QDockWidget:
        """Dock ``widget`` (e.g. a training panel added later) with a View-menu toggle.

        The saved layout is re-applied so a dock added after start-up returns to where
        the user left it.
        """
        title = title or widget.windowTitle() or widget.objectName()
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{(widget.objectName() or title).replace(' ', '')}Dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.panels_menu.addAction(dock.toggleViewAction())
        if self._saved_state is not None:
            self.restoreState(self._saved_state, STATE_VERSION)
        return dock

    def docks(self) -> list[QDockWidget]:
        return self.findChildren(QDockWidget)

    def _build_status_bar(self) -> None:
        self.design_status = DesignStatus(self.statusBar(), self.document, self.view)
        self.design_status.problems_requested.connect(self._on_validity_button_clicked)

    def _build_welcome(self) -> None:
        from designer.io import example_paths

        self.welcome = WelcomePanel(example_paths())
        self.welcome.attach(self.view)
        self.welcome.blank_requested.connect(self._on_welcome_blank_requested)
        self.welcome.open_requested.connect(self.files.open)
        self.welcome.example_requested.connect(self.files.open_example)

    def _connect(self) -> None:
        self.training.controller.state_changed.connect(self._on_training_state_changed)
        self.training.run_refused.connect(self._on_training_run_refused)
        doc = self.document
        doc.file_state_changed.connect(self._on_document_file_state_changed)
        doc.project_replaced.connect(self._on_document_project_replaced)
        doc.analysis_changed.connect(self._on_document_analysis_changed)
        doc.selection_changed.connect(self._on_document_selection_changed)
        doc.error_raised.connect(self._show_status)
        self.view.message.connect(self._show_status)
        self.files.status_message.connect(self._show_status)
        self.palette.layer_activated.connect(self._on_palette_layer_activated)
        self.problems.node_focus_requested.connect(self.center_on_node)
        self.view.graph_scene.rename_requested.connect(self._on_scene_rename_requested)
        self.theme.changed.connect(self._on_theme_changed)

    def _on_scene_rename_requested(self, node_id: str) -> None:
        """Double-click on a layer: select it and type its new name in the inspector."""
        self.document.set_selection([node_id])
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        self.inspector.edit_name()

    def _on_document_selection_changed(self, node_ids: list) -> None:
        """A layer was selected: bring the inspector forward (e.g. from behind the
        training panel), unless the user closed it."""
        if node_ids and self.inspector_dock.toggleViewAction().isChecked():
            self.inspector_dock.raise_()

    # ---------------------------------------------------------------- training
    def train(self) -> None:
        """F5: train the design. With errors in it, the problems list comes forward
        (not the empty plots) and the status bar says why nothing runs."""
        self.document.refresh_analysis()
        errors = self.document.analysis.errors
        if errors:
            self.problems_dock.show()
            self.problems_dock.raise_()
            count = f"{len(errors)} error{'s' * (len(errors) > 1)}"
            self._show_status(f"Cannot train: the design has {count}; see Problems")
        else:
            self.training.show_training()
        self._training_buttons["train"].click()

    def show_sweep(self) -> None:
        """Training > Sweep…: this window's sweep dialog, made on first use."""
        if self.sweep_dialog is None:
            from designer.ui.sweep import SweepDialog

            self.sweep_dialog = SweepDialog(self.document, self)
        self.sweep_dialog.show()
        self.sweep_dialog.raise_()
        self.sweep_dialog.activateWindow()

    def _on_training_run_refused(self, reason: str) -> None:
        """Train could not start: the reason goes to the status bar and the problems list
        comes forward; the node at fault is selected, so the inspector shows its fields."""
        self.problems_dock.show()
        self.problems_dock.raise_()
        self._show_status(f"Cannot train: {reason}")

    def _on_training_state_changed(self, _state: str = "") -> None:
        for name, button in self._training_buttons.items():
            self.actions_by_name[name].setEnabled(button.isEnabled())

    def export_bundle(self) -> bool:
        """File > Export > Bundle: the last run, from its snapshot of the design, as a zip
        from which ``python model.py`` reproduces its final metrics exactly."""
        record = self.training.results.current_record()
        if record is None or not record.snapshot or record.results is None:
            self._show_status("Train the design first: a bundle holds a finished run")
            return False
        suggested = str(self.files.suggested_export_path(".zip"))
        path = self.files.dialogs.save_path(
            "Export Reproducibility Bundle", suggested, "Zip archives (*.zip);;All files (*)"
        )
        if path is None:
            return False
        folder = self.document.path.parent if self.document.path is not None else None
        try:
            write_run_bundle(record, path, folder)
        except (OSError, ValueError) as error:
            message = f"{path.name} could not be written.\n\n{error}"
            self.files.dialogs.error("Export Failed", message)
            return False
        self._show_status(f"Exported {path.resolve()}")
        return True

    def compare_with_file(self) -> None:
        """File > Compare With: a project file beside the open design."""
        compare_with_file(self)

    def trained_model(self):  # -> torch.nn.Module
        """The model to export: with the weights of the last run when they still fit the
        design, else freshly initialised (and the status bar says so)."""
        from designer.compiler import build_model

        model = build_model(self.document.graph, seed=self.document.project.training.seed)
        state = self.document.trained_state
        if state is None:
            return model
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError:
            self._show_status("The design changed since training: exported untrained weights")
        return model

    # ---------------------------------------------------------------- settings
    def _restore_settings(self) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 900)
        state = self.settings.value(STATE_KEY)
        if state is not None and self.restoreState(state, STATE_VERSION):
            self._saved_state = state

    def save_settings(self) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState(STATE_VERSION))
        self.settings.setValue(THEME_KEY, self.theme.mode)
        self.settings.sync()

    # ------------------------------------------------------------------- state
    def _on_document_file_state_changed(self) -> None:
        self.setWindowTitle(f"{self.files.display_name()}[*] — {APP_NAME}")
        self.setWindowModified(self.document.modified)

    def _on_document_project_replaced(self) -> None:
        self._on_document_file_state_changed()
        self.view.fit_to_view()

    def _on_document_analysis_changed(self) -> None:
        self._update_welcome()

    def _update_welcome(self) -> None:
        empty = len(self.document.graph) == 0
        self.welcome.setVisible(empty and not self._welcome_dismissed)

    def _show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_TIMEOUT_MS)

    # ---------------------------------------------------------------- requests
    def center_on_node(self, node_id: str) -> None:
        """Scroll the canvas so ``node_id`` is in the middle (problems, search)."""
        item = self.view.graph_scene.node_item(node_id)
        if item is not None:
            self.view.centerOn(item)
        elif node_id in self.document.graph.nodes:
            self.view.centerOn(QPointF(*self.document.graph.node(node_id).position))

    def _on_palette_layer_activated(self, type_id: str) -> None:
        self._dismiss_welcome()
        self.view.add_layer(type_id)

    def _on_welcome_blank_requested(self) -> None:
        if self.files.new():
            self._dismiss_welcome()

    def _dismiss_welcome(self) -> None:
        self._welcome_dismissed = True
        self.welcome.hide()

    def _on_validity_button_clicked(self) -> None:
        self.problems_dock.show()
        self.problems_dock.raise_()

    def find_layer(self) -> None:
        self.palette_dock.show()
        self.palette_dock.raise_()
        self.palette.focus_search()

    def show_layer_help(self) -> None:
        """F1: the inspector's Help tab for the selected layer."""
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        if not self.inspector.show_help():
            self._show_status("Select one layer to see its help")

    def show_about(self) -> None:
        show_about(self)

    def set_theme(self, mode: str) -> None:
        self.theme.set_mode(mode)
        self.settings.setValue(THEME_KEY, mode)

    def _on_theme_changed(self, dark: bool) -> None:
        for action in self.actions_by_name.values():
            icon_name = action.property("iconName")
            if icon_name:
                action.setIcon(themes.icon("actions", icon_name))
        self.palette.refresh_icons()
        self.code_view.set_dark(dark)
        self.view.set_dark(dark)

    # ---------------------------------------------------------------- recovery
    def offer_recovery(self) -> bool:
        """After a crash, offer the newest orphaned autosave; True if it was restored."""
        orphans = self.autosave.orphans()
        if not orphans:
            return False
        newest = orphans[0]
        restored = False
        if self.dialogs.ask_restore(newest.when):
            project = self.files.read(newest.path)
            if project is not None:
                self.document.replace_project(project, newest.origin)
                self.document.mark_modified()
                self._show_status("Restored the autosaved design; save it to keep it")
                restored = True
        for orphan in orphans:
            self.autosave.discard(orphan)
        return restored

    # ------------------------------------------------------------------ layout
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._laid_out:
            self._laid_out = True
            if self._saved_state is None:  # the user's own layout wins
                apply_default_dock_sizes(self)

    # ------------------------------------------------------------------- close
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.save_settings()
        self.autosave.stop()
        self.importer.wait()
        self.probes.shutdown()
        event.accept()


__all__ = ["MainWindow"]
