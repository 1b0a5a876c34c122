"""The main window's commands: its actions, menus and toolbar, built from the window.

Each function takes the `MainWindow` and uses only its public parts (files, view,
document, theme, training, and its request methods), so the window module keeps the
layout and the state, and this one keeps the list of commands and where they appear.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QPushButton, QToolBar

from designer import APP_NAME
from designer.ui import theme as themes
from designer.ui.canvas.overlay import STATISTICS
from designer.ui.compare import compare_with_file
from designer.ui.welcome import example_title

# name, text, icon, shortcut, tip: each presses the training panel's button of that name
TRAINING_SPECS = (
    ("train", "&Train", "train", "F5", "Train the design"),
    ("pause", "&Pause", "pause", None, "Pause training"),
    ("resume", "&Resume", "train", None, "Resume training"),
    ("stop", "&Stop", "stop", "Shift+F5", "Stop training"),
)
# NOTE: clipboard and selection keys act on the canvas only when it has focus, so
# Delete in a text field or Ctrl+C in the code view keep their usual meaning.
CANVAS_ONLY = ("cut", "copy", "paste", "duplicate", "delete", "select_all")
WINDOW_WIDE = ("new", "open", "save", "save_as", "export_python", "quit", "undo", "redo")
# NOTE: Qt's standard Redo is Ctrl+Shift+Z only on Linux and Ctrl+Y only on Windows;
# users (and the README) expect both everywhere.
EXTRA_KEYS = {"redo": ("Ctrl+Shift+Z", "Ctrl+Y")}
TOOLBAR_GROUPS = (
    ("new", "open", "save"),
    ("undo", "redo"),
    ("cut", "copy", "paste", "delete"),
    ("zoom_in", "zoom_out", "fit", "arrange"),
    ("train", "stop"),
    ("export_python",),
)


def make_action(
    parent: QMainWindow, text: str, slot, icon: str = "", shortcut=None, tip: str = ""
) -> QAction:
    """An action calling ``slot()``, with a themed icon that follows theme changes."""
    action = QAction(text, parent)
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


def training_buttons(panel) -> dict[str, QPushButton]:
    """The training panel's run buttons, by the name of the action that presses each."""
    buttons = (panel.train_button, panel.pause_button, panel.resume_button, panel.stop_button)
    return {spec[0]: button for spec, button in zip(TRAINING_SPECS, buttons, strict=True)}


def build_actions(window) -> dict[str, QAction]:
    """Every command of the window, by name; menus and the toolbar share them."""
    a = {**_file_actions(window), **_canvas_actions(window)}
    a["about"] = make_action(window, f"&About {APP_NAME}", window.show_about, "about")
    a["layer_help"] = make_action(
        window,
        "&Layer Help",
        window.show_layer_help,
        shortcut=QKeySequence.StandardKey.HelpContents,
        tip="What the selected layer computes, its parameters and the terms it uses",
    )
    a.update(_training_actions(window))
    a.update(_undo_actions(window))
    for name in CANVAS_ONLY:
        a[name].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        window.view.addAction(a[name])
    a["quit"].setMenuRole(QAction.MenuRole.QuitRole)
    a["about"].setMenuRole(QAction.MenuRole.AboutRole)
    for name in (*WINDOW_WIDE, "find_layer", "layer_help"):
        window.addAction(a[name])
    return a


def _file_actions(window) -> dict[str, QAction]:
    key, files, act = QKeySequence.StandardKey, window.files, make_action
    return {
        "new": act(window, "&New", files.new, "new", key.New, "Start a blank design"),
        "open": act(window, "&Open…", files.open, "open", key.Open, "Open a project"),
        "save": act(window, "&Save", files.save, "save", key.Save, "Save the project"),
        "save_as": act(window, "Save &As…", files.save_as, "save-as", key.SaveAs),
        "compare": act(
            window,
            "Co&mpare With…",
            lambda: compare_with_file(window),
            tip="Compare the design with a project file: what was added, removed, changed",
        ),
        "import_model": act(
            window,
            "&Import PyTorch Model…",
            window.importer.start,
            tip="Make a design of an nn.Module class in a Python file (runs the file's code)",
        ),
        # NOTE: the exports live in File > Export, so their texts omit the verb.
        "export_python": act(
            window,
            "&Python Script…",
            files.export_python,
            "export",
            "Ctrl+E",
            "Export a runnable PyTorch training script",
        ),
        "export_weights": act(
            window, "&Weights…", files.export_weights, tip="Export the weights as safetensors"
        ),
        "export_onnx": act(window, "&ONNX…", files.export_onnx, tip="Export an ONNX model"),
        "export_bundle": act(
            window,
            "Reproducibility &Bundle…",
            window.export_bundle,
            tip="A zip of the last run: design, script, weights, metrics, versions, data split",
        ),
        "quit": act(window, "&Quit", window.close, shortcut=key.Quit),
    }


def _canvas_actions(window) -> dict[str, QAction]:
    key, view, act = QKeySequence.StandardKey, window.view, make_action
    return {
        "cut": act(window, "Cu&t", view.cut_selection, "cut", key.Cut),
        "copy": act(window, "&Copy", view.copy_selection, "copy", key.Copy),
        "paste": act(window, "&Paste", view.paste, "paste", key.Paste),
        "duplicate": act(window, "D&uplicate", view.duplicate, "duplicate", "Ctrl+D"),
        "delete": act(window, "&Delete", view.delete_selection, "delete", key.Delete),
        "select_all": act(window, "Select &All", view.select_all, shortcut=key.SelectAll),
        "zoom_in": act(window, "Zoom &In", view.zoom_in, "zoom-in", key.ZoomIn),
        "zoom_out": act(window, "Zoom &Out", view.zoom_out, "zoom-out", key.ZoomOut),
        "fit": act(window, "&Fit to Window", view.fit_to_view, "zoom-fit", "Ctrl+0"),
        "arrange": act(
            window, "&Auto-Arrange", view.auto_arrange, "arrange", "Ctrl+L", "Lay the graph out"
        ),
        "find_layer": act(
            window, "&Find Layer…", window.find_layer, shortcut=key.Find, tip="Search the layers"
        ),
    }


def _undo_actions(window) -> dict[str, QAction]:
    key, stack = QKeySequence.StandardKey, window.document.undo_stack
    a = {
        "undo": stack.createUndoAction(window, "&Undo"),
        "redo": stack.createRedoAction(window, "&Redo"),
    }
    for name, standard, icon in (("undo", key.Undo, "undo"), ("redo", key.Redo, "redo")):
        a[name].setShortcuts(_with_extra_keys(standard, EXTRA_KEYS.get(name, ())))
        a[name].setProperty("iconName", icon)
        a[name].setIcon(themes.icon("actions", icon))
    return a


def _with_extra_keys(standard: QKeySequence.StandardKey, extra: tuple[str, ...]):
    """The platform's keys for ``standard`` first (the menu shows the first), then the
    ``extra`` ones it lacks."""
    keys = list(QKeySequence.keyBindings(standard))
    for text in extra:
        sequence = QKeySequence(text)
        if sequence not in keys:
            keys.append(sequence)
    return keys


def _training_actions(window) -> dict[str, QAction]:
    """Train/Pause/Resume/Stop press the training panel's buttons (the window enables
    each exactly when its button is)."""
    buttons = training_buttons(window.training.panel)
    actions = {}
    for name, text, icon, shortcut, tip in TRAINING_SPECS:
        slot = lambda b=buttons[name]: _press_training_button(window, b)  # noqa: E731
        actions[name] = make_action(window, text, slot, icon, shortcut, tip)
        window.addAction(actions[name])
    actions["sweep"] = make_action(
        window, "S&weep…", window.show_sweep, tip="Search training settings and layer parameters"
    )
    actions["preflight"] = make_action(
        window,
        "Pre-&flight Check",
        window.probes.preflight,
        tip="Train a copy of the design on one batch: can it learn? Statistics per layer",
    )
    actions["find_lr"] = make_action(
        window,
        "Find &Learning Rate…",
        window.probes.find_learning_rate,
        tip="A range test of growing learning rates: the loss against the rate, and a suggestion",
    )
    return actions


def _overlay_menu(window, view: QMenu) -> None:
    """View › Gradient Overlay (a toggle) and the statistic it shows (a choice)."""
    probes, a = window.probes, window.actions_by_name
    toggle = view.addAction("&Gradient Overlay")
    toggle.setCheckable(True)
    toggle.setStatusTip("Colour each layer by what the pre-flight check or training measured")
    toggle.toggled.connect(probes.show_overlay)
    a["overlay"] = toggle
    menu = view.addMenu("Overlay &Statistic")
    group = QActionGroup(menu)
    for statistic in STATISTICS:
        action = menu.addAction(statistic.title)
        action.setCheckable(True)
        action.setChecked(statistic.key == probes.overlay.statistic.key)
        action.triggered.connect(lambda _checked=False, k=statistic.key: _show_statistic(window, k))
        group.addAction(action)
        a[f"overlay_{statistic.key}"] = action


def _show_statistic(window, key: str) -> None:
    window.probes.overlay.set_statistic(key)
    window.actions_by_name["overlay"].setChecked(True)


def _press_training_button(window, button: QPushButton) -> None:
    if button is window.training.panel.train_button:
        window.train()  # decides which panels come forward
        return
    window.training.show_training()
    button.click()


def build_menus(window) -> dict[str, QMenu]:
    """The menu bar over ``window.actions_by_name``; returns the menus by name."""
    a, bar = window.actions_by_name, window.menuBar()
    file_menu, examples, recent, export = _file_menu(window)
    edit = bar.addMenu("&Edit")
    edit.addActions([a["undo"], a["redo"]])
    edit.addSeparator()
    edit.addActions([a["cut"], a["copy"], a["paste"], a["duplicate"], a["delete"]])
    edit.addSeparator()
    edit.addAction(a["select_all"])
    view, panels = _view_menu(window)
    run = bar.addMenu("&Training")
    run.addActions([a["train"], a["pause"], a["resume"], a["stop"]])
    run.addSeparator()
    run.addActions([a["preflight"], a["find_lr"]])
    run.addSeparator()
    run.addAction(a["sweep"])
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(a["layer_help"])
    help_menu.addSeparator()
    help_menu.addAction(a["about"])
    return {
        "file": file_menu,
        "examples": examples,
        "recent": recent,
        "export": export,
        "edit": edit,
        "view": view,
        "panels": panels,
        "training": run,
        "help": help_menu,
    }


def _file_menu(window) -> tuple[QMenu, QMenu, QMenu, QMenu]:
    a = window.actions_by_name
    file_menu = window.menuBar().addMenu("&File")
    file_menu.addActions([a["new"], a["open"]])
    examples = file_menu.addMenu("Open &Example")
    _fill_examples(window, examples)
    recent = file_menu.addMenu("Open &Recent")
    recent.aboutToShow.connect(lambda: _fill_recent(window, recent))
    _fill_recent(window, recent)
    file_menu.addSeparator()
    file_menu.addActions([a["save"], a["save_as"]])
    file_menu.addSeparator()
    file_menu.addActions([a["compare"], a["import_model"]])
    file_menu.addSeparator()
    export = file_menu.addMenu("&Export")
    export.addActions([a["export_python"], a["export_weights"], a["export_onnx"]])
    export.addSeparator()
    export.addAction(a["export_bundle"])
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])
    return file_menu, examples, recent, export


def _view_menu(window) -> tuple[QMenu, QMenu]:
    a = window.actions_by_name
    view = window.menuBar().addMenu("&View")
    view.addActions([a["zoom_in"], a["zoom_out"], a["fit"]])
    view.addSeparator()
    view.addAction(a["arrange"])
    view.addSeparator()
    view.addAction(a["find_layer"])
    view.addSeparator()
    _overlay_menu(window, view)
    view.addSeparator()
    panels = view.addMenu("&Panels")
    for dock in window.docks():
        panels.addAction(dock.toggleViewAction())
    view.addMenu(_theme_menu(window))
    return view, panels


def _theme_menu(window) -> QMenu:
    menu = QMenu("&Theme", window)
    group = QActionGroup(menu)
    for mode, text in (("system", "Follow &System"), ("light", "&Light"), ("dark", "&Dark")):
        action = menu.addAction(text)
        action.setCheckable(True)
        action.setChecked(mode == window.theme.mode)
        action.triggered.connect(lambda _checked=False, m=mode: window.set_theme(m))
        group.addAction(action)
        window.actions_by_name[f"theme_{mode}"] = action
    return menu


def _fill_examples(window, menu: QMenu) -> None:
    from designer.io import example_paths

    for path in example_paths():
        action = menu.addAction(example_title(path))
        action.setStatusTip(f"Open the example {path.name}")
        action.triggered.connect(lambda _checked=False, p=path: window.files.open_example(p))
    menu.setEnabled(not menu.isEmpty())


def _fill_recent(window, menu: QMenu) -> None:
    menu.clear()
    recent = window.files.recent_files()
    for index, text in enumerate(recent, start=1):
        action = menu.addAction(f"&{index} {Path(text).name}")
        action.setStatusTip(text)
        action.triggered.connect(lambda _checked=False, p=text: window.files.open(p))
    if recent:
        menu.addSeparator()
        menu.addAction("&Clear Menu", window.files.clear_recent)
    menu.setEnabled(bool(recent))


def build_toolbar(window) -> QToolBar:
    """The main toolbar: the most used actions, in groups."""
    a = window.actions_by_name
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("mainToolBar")
    toolbar.setMovable(False)
    toolbar.setIconSize(QSize(20, 20))
    for index, names in enumerate(TOOLBAR_GROUPS):
        if index:
            toolbar.addSeparator()
        toolbar.addActions([a[n] for n in names])
    return toolbar


__all__ = ["build_actions", "build_menus", "build_toolbar", "make_action", "training_buttons"]
