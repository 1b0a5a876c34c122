"""`MainWindow`: the canvas in the middle, panels docked around it, menus and a toolbar.

The window only places widgets and wires requests between them; file handling lives in
`FileController`, autosave in `AutosaveController`, the theme in `ThemeController`, and
every change to the design goes through the `GraphDocument`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QToolButton,
    QWidget,
)

from designer import APP_NAME
from designer.ui import theme as themes
from designer.ui.autosave import INTERVAL_MS, AutosaveController
from designer.ui.canvas import GraphView
from designer.ui.document import GraphDocument
from designer.ui.files import FileController, FileDialogs
from designer.ui.panels import (
    CodeViewPanel,
    InspectorPanel,
    PalettePanel,
    ProblemsPanel,
    format_count,
)
from designer.ui.training_dock import install_training
from designer.ui.welcome import WelcomePanel, example_title

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
THEME_KEY = "view/theme"
STATE_VERSION = 1
STATUS_TIMEOUT_MS = 5000


class MainWindow(QMainWindow):
    """The application window around one `GraphDocument`.

    ``settings``, ``dialogs`` and the autosave folder and interval are injectable so tests
    run isolated from the user's settings and without modal dialogs.
    """

    def __init__(
        self,
        document: GraphDocument | None = None,
        settings: QSettings | None = None,
        dialogs: FileDialogs | None = None,
        autosave_dir: Path | None = None,
        autosave_interval_ms: int = INTERVAL_MS,
        theme: themes.ThemeController | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings if settings is not None else QSettings()
        self.document = document or GraphDocument(parent=self)
        self.dialogs = dialogs or FileDialogs()
        self.dialogs.parent = self
        self.files = FileController(self.document, self.settings, self.dialogs, self)
        self.autosave = AutosaveController(self.document, autosave_dir, autosave_interval_ms, self)
        mode = str(self.settings.value(THEME_KEY, "system"))
        self.theme = theme or themes.ThemeController(QApplication.instance(), mode, self)
        self._welcome_dismissed = False
        self._saved_state = None
        self.view = GraphView(self.document, self)
        self.setCentralWidget(self.view)
        self._build_docks()
        self.files.model_provider = self.trained_model
        self._build_status_bar()
        self.actions_by_name = self._build_actions()
        self.menus = self._build_menus()
        self.toolbar = self._build_toolbar()
        self._build_welcome()
        self._connect()
        self._restore_settings()
        self._on_document_file_state_changed()
        self._on_document_analysis_changed()
        self._on_training_state_changed()

    # ------------------------------------------------------------------ layout
    def _build_docks(self) -> None:
        self.palette = PalettePanel(parent=self)
        self.palette.setMinimumWidth(190)  # layer names stay readable beside wide panels
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
        self.training = install_training(self)
        self.setCorner(Qt.Corner.BottomLeftCorner, area.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, area.RightDockWidgetArea)
        self.resizeDocks(
            [self.palette_dock, self.inspector_dock], [250, 300], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.problems_dock], [230], Qt.Orientation.Vertical)

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
        menus = getattr(self, "menus", None)
        if menus is not None:
            menus["panels"].addAction(dock.toggleViewAction())
        if self._saved_state is not None:
            self.restoreState(self._saved_state, STATE_VERSION)
        return dock

    def docks(self) -> list[QDockWidget]:
        return self.findChildren(QDockWidget)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.params_label = QLabel()
        self.macs_label = QLabel()
        self.validity_button = QToolButton()
        self.validity_button.setAutoRaise(True)
        self.validity_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.validity_button.setToolTip("Show the problems of the design")
        self.validity_button.clicked.connect(self._on_validity_button_clicked)
        for widget in (self.params_label, self.macs_label, self.validity_button):
            widget.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(widget)

    def _build_welcome(self) -> None:
        from designer.io import example_paths

        self.welcome = WelcomePanel(example_paths())
        self.welcome.attach(self.view)
        self.welcome.blank_requested.connect(self._on_welcome_blank_requested)
        self.welcome.open_requested.connect(self.files.open)
        self.welcome.example_requested.connect(self.files.open_example)

    def _connect(self) -> None:
        doc = self.document
        doc.file_state_changed.connect(self._on_document_file_state_changed)
        doc.project_replaced.connect(self._on_document_project_replaced)
        doc.analysis_changed.connect(self._on_document_analysis_changed)
        doc.error_raised.connect(self._show_status)
        self.view.message.connect(self._show_status)
        self.files.status_message.connect(self._show_status)
        self.palette.layer_activated.connect(self._on_palette_layer_activated)
        self.problems.node_focus_requested.connect(self.center_on_node)
        self.theme.changed.connect(self._on_theme_changed)

    # ----------------------------------------------------------------- actions
    def _action(self, text: str, slot, icon: str = "", shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        if icon:
            action.setProperty("iconName", icon)
            action.setIcon(themes.icon("actions", icon))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        return action

    def _build_actions(self) -> dict[str, QAction]:
        """Every command of the window, by name; menus and the toolbar share them."""
        key, files, view = QKeySequence.StandardKey, self.files, self.view
        a = {
            "new": self._action("&New", files.new, "new", key.New, "Start a blank design"),
            "open": self._action("&Open…", files.open, "open", key.Open, "Open a project"),
            "save": self._action("&Save", files.save, "save", key.Save, "Save the project"),
            "save_as": self._action("Save &As…", files.save_as, "save-as", key.SaveAs),
            "export_python": self._action(
                "Export &Python Script…",
                files.export_python,
                "export",
                "Ctrl+E",
                "Export a runnable PyTorch training script",
            ),
            "export_weights": self._action("Export &Weights…", files.export_weights),
            "export_onnx": self._action("Export &ONNX…", files.export_onnx),
            "quit": self._action("&Quit", self.close, shortcut=key.Quit),
            "cut": self._action("Cu&t", view.cut_selection, "cut", key.Cut),
            "copy": self._action("&Copy", view.copy_selection, "copy", key.Copy),
            "paste": self._action("&Paste", view.paste, "paste", key.Paste),
            "duplicate": self._action("D&uplicate", view.duplicate, "duplicate", "Ctrl+D"),
            "delete": self._action("&Delete", view.delete_selection, "delete", key.Delete),
            "select_all": self._action("Select &All", view.select_all, shortcut=key.SelectAll),
            "zoom_in": self._action("Zoom &In", view.zoom_in, "zoom-in", key.ZoomIn),
            "zoom_out": self._action("Zoom &Out", view.zoom_out, "zoom-out", key.ZoomOut),
            "fit": self._action("&Fit to Window", view.fit_to_view, "zoom-fit", "Ctrl+0"),
            "arrange": self._action(
                "&Auto-Arrange", view.auto_arrange, "arrange", "Ctrl+L", "Lay the graph out"
            ),
            "find_layer": self._action(
                "&Find Layer…", self.find_layer, shortcut=key.Find, tip="Search the layers"
            ),
            "about": self._action(f"&About {APP_NAME}", self.show_about, "about"),
        }
        a.update(self._training_actions())
        a["undo"] = self.document.undo_stack.createUndoAction(self, "&Undo")
        a["redo"] = self.document.undo_stack.createRedoAction(self, "&Redo")
        for name, shortcut, icon in (("undo", key.Undo, "undo"), ("redo", key.Redo, "redo")):
            a[name].setShortcut(QKeySequence(shortcut))
            a[name].setProperty("iconName", icon)
            a[name].setIcon(themes.icon("actions", icon))
        # NOTE: clipboard and selection keys act on the canvas only when it has focus, so
        # Delete in a text field or Ctrl+C in the code view keep their usual meaning.
        for name in ("cut", "copy", "paste", "duplicate", "delete", "select_all"):
            a[name].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            view.addAction(a[name])
        a["quit"].setMenuRole(QAction.MenuRole.QuitRole)
        a["about"].setMenuRole(QAction.MenuRole.AboutRole)
        window_wide = ("new", "open", "save", "save_as", "export_python", "quit", "undo", "redo")
        for name in (*window_wide, "find_layer"):
            self.addAction(a[name])
        return a

    def _training_actions(self) -> dict[str, QAction]:
        """Train/Pause/Resume/Stop press the training panel's buttons, and are enabled
        exactly when those are."""
        panel = self.training.panel
        specs = (
            ("train", "&Train", panel.train_button, "train", "F5", "Train the design"),
            ("pause", "&Pause", panel.pause_button, "pause", None, "Pause training"),
            ("resume", "&Resume", panel.resume_button, "train", None, "Resume training"),
            ("stop", "&Stop", panel.stop_button, "stop", "Shift+F5", "Stop training"),
        )
        actions = {}
        for name, text, button, icon, shortcut, tip in specs:
            slot = lambda b=button: self._press_training_button(b)  # noqa: E731
            actions[name] = self._action(text, slot, icon, shortcut, tip)
            self.addAction(actions[name])
        self._training_buttons = {name: spec[2] for name, spec in zip(actions, specs, strict=True)}
        self.training.controller.state_changed.connect(self._on_training_state_changed)
        return actions

    def _press_training_button(self, button) -> None:
        self.training.show_training()
        button.click()

    def _on_training_state_changed(self, _state: str = "") -> None:
        for name, button in self._training_buttons.items():
            self.actions_by_name[name].setEnabled(button.isEnabled())

    def trained_model(self):  # -> torch.nn.Module
        """The model to export: with the weights of the last run when they still fit the
        design, else freshly initialised (and the status bar says so)."""
        from designer.compiler import build_model

        model = build_model(self.document.graph, seed=self.document.project.training.seed)
        state = getattr(self.document, "trained_state", None)
        if state is None:
            return model
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError:
            self._show_status("The design changed since training: exported untrained weights")
        return model

    def _build_menus(self) -> dict[str, QMenu]:
        a, bar = self.actions_by_name, self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([a["new"], a["open"]])
        examples = file_menu.addMenu("Open &Example")
        self._fill_examples(examples)
        recent = file_menu.addMenu("Open &Recent")
        recent.aboutToShow.connect(lambda: self._fill_recent(recent))
        self._fill_recent(recent)
        file_menu.addSeparator()
        file_menu.addActions([a["save"], a["save_as"]])
        file_menu.addSeparator()
        file_menu.addActions([a["export_python"], a["export_weights"], a["export_onnx"]])
        file_menu.addSeparator()
        file_menu.addAction(a["quit"])
        edit = bar.addMenu("&Edit")
        edit.addActions([a["undo"], a["redo"]])
        edit.addSeparator()
        edit.addActions([a["cut"], a["copy"], a["paste"], a["duplicate"], a["delete"]])
        edit.addSeparator()
        edit.addAction(a["select_all"])
        view = bar.addMenu("&View")
        view.addActions([a["zoom_in"], a["zoom_out"], a["fit"]])
        view.addSeparator()
        view.addAction(a["arrange"])
        view.addSeparator()
        view.addAction(a["find_layer"])
        panels = view.addMenu("&Panels")
        for dock in self.docks():
            panels.addAction(dock.toggleViewAction())
        view.addMenu(self._theme_menu())
        run = bar.addMenu("&Training")
        run.addActions([a["train"], a["pause"], a["resume"], a["stop"]])
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(a["about"])
        return {
            "file": file_menu,
            "examples": examples,
            "recent": recent,
            "edit": edit,
            "view": view,
            "panels": panels,
            "training": run,
            "help": help_menu,
        }

    def _theme_menu(self) -> QMenu:
        menu = QMenu("&Theme", self)
        group = QActionGroup(menu)
        for mode, text in (("system", "Follow &System"), ("light", "&Light"), ("dark", "&Dark")):
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(mode == self.theme.mode)
            action.triggered.connect(lambda _checked=False, m=mode: self.set_theme(m))
            group.addAction(action)
            self.actions_by_name[f"theme_{mode}"] = action
        return menu

    def _fill_examples(self, menu: QMenu) -> None:
        from designer.io import example_paths

        for path in example_paths():
            action = menu.addAction(example_title(path))
            action.setStatusTip(f"Open the example {path.name}")
            action.triggered.connect(lambda _checked=False, p=path: self.files.open_example(p))
        menu.setEnabled(not menu.isEmpty())

    def _fill_recent(self, menu: QMenu) -> None:
        menu.clear()
        recent = self.files.recent_files()
        for index, text in enumerate(recent, start=1):
            action = menu.addAction(f"&{index} {Path(text).name}")
            action.setStatusTip(text)
            action.triggered.connect(lambda _checked=False, p=text: self.files.open(p))
        if recent:
            menu.addSeparator()
            menu.addAction("&Clear Menu", self.files.clear_recent)
        menu.setEnabled(bool(recent))

    def _build_toolbar(self):  # -> QToolBar
        a = self.actions_by_name
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(20, 20))
        groups = (
            ("new", "open", "save"),
            ("undo", "redo"),
            ("cut", "copy", "paste", "delete"),
            ("zoom_in", "zoom_out", "fit", "arrange"),
            ("train", "stop"),
            ("export_python",),
        )
        for index, names in enumerate(groups):
            if index:
                toolbar.addSeparator()
            toolbar.addActions([a[n] for n in names])
        return toolbar

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
        analysis = self.document.analysis
        self.params_label.setText(f"Parameters: {analysis.total_params:,}")
        self.params_label.setToolTip(f"{analysis.total_params:,} trainable parameters")
        self.macs_label.setText(f"Multiply-adds: {format_count(analysis.total_macs)}")
        self.macs_label.setToolTip(f"{analysis.total_macs:,} multiply-adds per sample")
        self._show_validity()
        self._update_welcome()

    def _show_validity(self) -> None:
        analysis = self.document.analysis
        count = len(analysis.problems)
        style = self.style()
        if len(self.document.graph) == 0:
            icon, text = QIcon(), "empty design"
        elif analysis.valid:
            icon = style.standardIcon(style.StandardPixmap.SP_DialogApplyButton)
            text = "valid" if not count else f"valid, {count} warning{'s' * (count > 1)}"
        else:
            icon = style.standardIcon(style.StandardPixmap.SP_MessageBoxCritical)
            text = f"{count} problem{'s' * (count != 1)}"
        self.validity_button.setIcon(icon)
        self.validity_button.setText(text)

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
        self.view.add_layer_at_center(type_id)

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

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", about_text())

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

    # ------------------------------------------------------------------- close
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.save_settings()
        self.autosave.stop()
        event.accept()


def about_text() -> str:
    """The About box: version, licence, and the versions of the libraries in use."""
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion

    from designer import __version__

    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>Design neural networks visually, train them live, and export clean "
        "PyTorch code.</p><p>Released under the MIT licence.</p>"
        f"<p>Qt {qVersion()} · PySide6 {PySide6.__version__}<br>"
        f"PyTorch {torch_version} · pyqtgraph {pyqtgraph.__version__}</p>"
    )


__all__ = ["MainWindow", "about_text"]
