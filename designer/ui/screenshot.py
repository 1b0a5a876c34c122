"""``python -m designer.ui.screenshot OUT.png``: the window as the README shows it.

Renders offscreen at a fixed size with the binary-classifier example loaded and fitted,
so the picture is reproducible on any machine, display or none.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

SIZE = (1400, 900)
EXAMPLE = "binary_classifier"


def render(
    out: Path,
    size: tuple[int, int] = SIZE,
    example: str = EXAMPLE,
    dark: bool = False,
    train: bool = False,
):
    """Render the main window with ``example`` open to ``out``; returns the `QImage`.

    With ``train`` the example is first trained for real (its own settings) so the picture
    shows the training panel, the curves and the results."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from designer.io import example_paths
    from designer.ui.application import create_application
    from designer.ui.main_window import MainWindow

    app = QApplication.instance() or create_application([sys.argv[0]])
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("view/theme", "dark" if dark else "light")
        window = MainWindow(settings=settings, autosave_dir=Path(folder) / "autosave")
        window.theme.apply()
        window.resize(*size)
        path = next(p for p in example_paths() if p.stem == example)
        window.files.open_example(path)
        window.show()
        _select_showcase_node(window)
        window.code_dock.raise_()
        for _ in range(3):
            app.processEvents()
        window.code_view.refresh()
        window.view.fit_to_view()
        if train:
            _train(window, app)
        app.processEvents()
        image = window.grab().toImage()
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise OSError(f"could not write {out}")
    return image


def _train(window, app) -> None:
    """Run the example's training to the end, then show the training docks."""
    from PySide6.QtCore import QEventLoop

    dock = window.training
    loop = QEventLoop()
    dock.controller.finished.connect(loop.quit)
    dock.controller.failed.connect(loop.quit)
    dock.show_training()
    dock.panel.train_button.click()
    if dock.controller.is_running:
        loop.exec()
    dock.tabs.setCurrentWidget(dock.plots)
    for _ in range(5):
        app.processEvents()


def _select_showcase_node(window) -> None:
    """Select the first layer with parameters so the inspector has something to show."""
    graph = window.document.graph
    for node in graph:
        if graph.spec(node.id).params and graph.spec(node.id).role == "layer":
            window.document.set_selection([node.id])
            return


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    train = "--train" in args
    args = [a for a in args if a != "--train"]
    if len(args) != 1 or args[0].startswith("-"):
        sys.stderr.write("usage: python -m designer.ui.screenshot [--train] OUT.png\n")
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with contextlib.suppress(ImportError):  # NOTE: torch before the QApplication exists
        import torch  # noqa: F401
    render(Path(args[0]), dark=os.environ.get("NN_DESIGNER_DARK") == "1", train=train)
    return 0


if __name__ == "__main__":
    sys.exit(main())
