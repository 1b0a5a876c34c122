"""The README's pictures of experiments: the run history after a few runs of the binary
classifier (``--runs``) and a finished sweep over its learning rate and hidden width
(``--sweep``).

Both train for real, in a temporary copy of the example (the shipped examples are not
recorded), so they take a minute; `designer.ui.screenshot` dispatches to them.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from designer.io import load_example, save_project
from designer.io.library import BlockLibrary
from designer.model.sweep_design import setting_param
from designer.ui.application import create_application
from designer.ui.main_window import MainWindow

EXAMPLE = "binary_classifier"
HIDDEN = "n2"  # the example's hidden Linear layer
#: The runs of the history picture: a learning rate and a name for each.
RUNS = ((0.01, None), (0.001, "slow rate"), (0.03, None), (0.003, None))
SWEEP_TRIALS = 8
SWEEP_WAIT_MS = 600_000
RUN_WAIT_MS = 300_000
RUN_EPOCHS = 12


def render_runs(out: Path, size: tuple[int, int]):
    """Four runs at four learning rates; the second renamed and starred, two ticked to
        overlay their curves; the *Results* tab showing the runs list. Returns the `QImage` and
    the runs list's texts."""
    app = QApplication.instance() or create_application([sys.argv[0]])
    with tempfile.TemporaryDirectory() as folder:
        window = _window(Path(folder), size)
        document, dock = window.document, window.training
        for rate, _name in RUNS:
            settings = document.project.training.replace(learning_rate=rate, epochs=RUN_EPOCHS)
            document.set_training_settings(settings, "Change the learning rate")
            _train(window)
        history = dock.results.run_history
        for row, (_rate, name) in enumerate(RUNS):
            if name is not None:
                dock.runs.rename(row, name)
                dock.runs.set_starred(row, True)
        for row in (0, 1):
            history.list.item(row).setCheckState(Qt.CheckState.Checked)
        history.list.setCurrentRow(1)
        shown = [history.list.item(row).text() for row in range(history.list.count())]
        dock.show_training()
        dock.tabs.setCurrentWidget(dock.results)
        window.resizeDocks([dock.plots_dock], [size[1] * 2 // 5], Qt.Orientation.Vertical)
        app.processEvents()
        return _grab(window, out), shown


def render_sweep(out: Path, size: tuple[int, int]):
    """A finished sweep of the example's learning rate and hidden width: the trials table,
    the parallel-coordinates plot and the best trial. Returns the `QImage`."""
    app = QApplication.instance() or create_application([sys.argv[0]])
    with tempfile.TemporaryDirectory() as folder:
        window = _window(Path(folder), size)
        document = window.document
        sweep = document.project.sweep.replace(
            parameters=(setting_param("learning_rate"),), trials=SWEEP_TRIALS
        )
        document.set_sweep(sweep, "Sweep the learning rate")
        document.set_training_settings(document.project.training.replace(epochs=8))
        window.show_sweep()
        dialog = window.sweep_dialog
        document.set_selection([HIDDEN])
        dialog.space.add_menu.aboutToShow.emit()
        units = next(a for a in dialog.space.add_menu.actions() if a.text() == "Units")
        units.trigger()
        dialog.jobs_box.setValue(2)
        loop = QEventLoop()
        dialog.controller.finished.connect(loop.quit)
        dialog.controller.failed.connect(loop.quit)
        QTimer.singleShot(SWEEP_WAIT_MS, loop.quit)
        if dialog.start():
            loop.exec()
        dialog.resize(size[0] * 4 // 5, size[1] * 4 // 5)
        # the picture shows where the study goes, not the temporary folder it went to
        dialog.storage_edit.setPlaceholderText(f"sqlite:///…/{EXAMPLE}.sweeps.sqlite")
        app.processEvents()
        image = dialog.grab().toImage()
        dialog.shutdown()
        window.document.undo_stack.setClean()  # no "save changes?" question
        window.close()
        app.processEvents()
        _save(image, out)
        return image


def _window(folder: Path, size: tuple[int, int]) -> MainWindow:
    """A window on a saved copy of the example, so that its runs and sweeps are kept."""
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        settings=settings,
        autosave_dir=folder / "autosave",
        block_library=BlockLibrary(folder / "blocks"),  # the starters alone
    )
    window.theme.apply()
    window.resize(*size)
    path = folder / f"{EXAMPLE}.nndesign"
    save_project(load_example(EXAMPLE), path)
    window.files.open(path)
    window.show()
    window.view.fit_to_view()
    return window


def _train(window: MainWindow) -> None:
    """Train once with the project's settings, until the run ends."""
    controller = window.training.controller
    loop = QEventLoop()
    controller.finished.connect(loop.quit)
    controller.failed.connect(loop.quit)
    QTimer.singleShot(RUN_WAIT_MS, loop.quit)
    window.training.panel.train_button.click()  # starts now, or once the data is loaded
    loop.exec()
    controller.finished.disconnect(loop.quit)
    controller.failed.disconnect(loop.quit)


def _grab(window: MainWindow, out: Path):
    image = window.grab().toImage()
    window.document.undo_stack.setClean()
    window.close()
    QApplication.processEvents()
    _save(image, out)
    return image


def _save(image, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise OSError(f"could not write {out}")
