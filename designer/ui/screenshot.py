"""``python -m designer.ui.screenshot [MODE] OUT.png``: the window (after a training run
with ``--train``, with the linter's findings with ``--lint``, with a history of runs with
``--runs``, with the gradient overlay of a pre-flight check with ``--overlay``), the
compare dialog (``--compare``) or a finished sweep (``--sweep``), as the README shows them.

Renders offscreen at a fixed size with the binary-classifier example loaded and fitted,
so the picture is reproducible on any machine, display or none.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (1400, 900)
MODES = (
    "--train",
    "--compare",
    "--lint",
    "--runs",
    "--sweep",
    "--overlay",
    "--blocks",
    "--block-open",
    "--import",
)
EXAMPLE = "binary_classifier"
OVERLAY_EXAMPLE = "residual_mlp"
OVERLAY_SIZE = (1600, 1000)


def render(
    out: Path,
    size: tuple[int, int] = SIZE,
    example: str = EXAMPLE,
    dark: bool = False,
    train: bool = False,
    prepare: Callable[[Any], None] | None = None,
):
    """Render the main window with ``example`` open to ``out``; returns the `QImage`.

    With ``train`` the example is first trained for real (its own settings) so the picture
    shows the training panel, the curves and the results; ``prepare(window)`` sets the
    scene up further (edits, a selection) before the picture is taken."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from designer.io import example_paths
    from designer.io.library import BlockLibrary
    from designer.ui.application import create_application
    from designer.ui.main_window import MainWindow

    app = QApplication.instance() or create_application([sys.argv[0]])
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("view/theme", "dark" if dark else "light")
        window = MainWindow(
            settings=settings,
            autosave_dir=Path(folder) / "autosave",
            block_library=BlockLibrary(Path(folder) / "blocks"),  # the starters alone
        )
        window.theme.apply()
        window.resize(*size)
        path = next(p for p in example_paths() if p.stem == example)
        window.files.open_example(path)
        window.show()
        _select_showcase_node(window)
        window.code_dock.raise_()
        for _ in range(3):
            app.processEvents()
        if prepare is not None:
            prepare(window)
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
    _save(image, out)
    return image


def render_overlay(out: Path, size: tuple[int, int] = OVERLAY_SIZE, dark: bool = False):
    """Render the window after a real pre-flight check of the residual example, its
    gradient overlay on the canvas; returns the `QImage`."""
    return render(out, size, OVERLAY_EXAMPLE, dark, prepare=_preflight)


def _preflight(window) -> None:
    """Run the pre-flight check to the end; the overlay then shows its gradient norms."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    loop = QEventLoop()
    window.probes.runner.done.connect(loop.quit)
    window.probes.runner.failed.connect(loop.quit)
    if window.probes.preflight():
        loop.exec()
    window.document.set_selection([])
    window.problems_dock.raise_()
    window.palette_dock.hide()  # room for the whole design at a legible zoom
    for _ in range(5):
        QApplication.processEvents()


def render_comparison(out: Path, size: tuple[int, int] = SIZE, dark: bool = False):
    """Render the compare dialog: the example beside an edited copy of it (a layer
    removed, one added, parameters and a setting changed); returns the `QImage`."""
    from PySide6.QtWidgets import QApplication

    from designer.io import load_example
    from designer.ui.application import create_application
    from designer.ui.compare import CompareDialog, snapshot
    from designer.ui.theme import ThemeController

    app = QApplication.instance() or create_application([sys.argv[0]])
    ThemeController(app, "dark" if dark else "light").apply()
    old = load_example(EXAMPLE)
    new = snapshot(old)
    for edit in showcase_edits():
        edit.apply(new.graph)
    new.training = new.training.replace(learning_rate=0.005)
    dialog = CompareDialog(old, new, (f"{EXAMPLE}.nndesign", "Edited copy"))
    dialog.resize(*size)
    dialog.show()
    for _ in range(3):
        app.processEvents()
    dialog.differences.setCurrentRow(2)  # the hidden layer's new width, on both sides
    app.processEvents()
    image = dialog.grab().toImage()
    dialog.close()
    dialog.deleteLater()
    app.processEvents()
    _save(image, out)
    return image


def render_lint(out: Path, size: tuple[int, int] = SIZE, dark: bool = False):
    """Render the window with the linter's findings: the digits example with its global
    pooling taken out, so a Linear meets a feature map (NN101) and the scores come per
    position (NN104); the Linear is selected, so the inspector explains it."""
    from designer.model.edits import Compound, Connect, MoveNodes, RemoveNodes

    def edit(window) -> None:
        places = {node: window.document.graph.node(node).position for node in ("n6", "n7")}
        moves = {node: ((x, y), (x - 220.0, y)) for node, (x, y) in places.items()}
        edits = [RemoveNodes(["n5"]), Connect("n4", "out", "n6", "in"), MoveNodes(moves)]
        window.document.push(Compound(edits, "Take the pooling out"))
        window.document.refresh_analysis()
        window.document.set_selection(["n6"])
        window.problems_dock.raise_()

    return render(out, size, "digits_cnn", dark, prepare=edit)


def showcase_edits() -> list:
    """The edits the comparison screenshot shows, made to the binary classifier: its
    sigmoid goes (the loss takes logits instead), a dropout comes in, the hidden layer
    widens."""
    from designer.model import Edge
    from designer.model.edits import (
        AddNode,
        Connect,
        Disconnect,
        MoveNodes,
        RemoveNodes,
        SetParam,
    )

    return [
        RemoveNodes(["n4"]),
        SetParam("n5", "loss", "bce_with_logits"),
        SetParam("n2", "units", 32),
        Disconnect(Edge("n2", "out", "n3", "in")),
        MoveNodes({"n3": ((440.0, 0.0), (660.0, 0.0))}),
        AddNode("Dropout", {"p": 0.2}, label="dropout", position=(440.0, 0.0), node_id="n6"),
        Connect("n2", "out", "n6", "in"),
        Connect("n6", "out", "n3", "in"),
        Connect("n3", "out", "n5", "in"),
    ]


def _save(image, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise OSError(f"could not write {out}")


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
    modes = [a for a in args if a in MODES]
    args = [a for a in args if a not in MODES]
    if len(args) != 1 or args[0].startswith("-") or len(modes) > 1:
        sys.stderr.write(f"usage: python -m designer.ui.screenshot [{'|'.join(MODES)}] OUT.png\n")
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with contextlib.suppress(ImportError):  # NOTE: torch before the QApplication exists
        import torch  # noqa: F401
    dark = os.environ.get("NN_DESIGNER_DARK") == "1"
    mode = modes[0] if modes else None
    if mode == "--compare":
        render_comparison(Path(args[0]), dark=dark)
    elif mode == "--lint":
        render_lint(Path(args[0]), dark=dark)
    elif mode == "--overlay":
        render_overlay(Path(args[0]), dark=dark)
    elif mode in ("--blocks", "--block-open"):
        from designer.ui.screenshot_blocks import render_blocks

        render_blocks(Path(args[0]), SIZE, dark, opened=mode == "--block-open")
    elif mode == "--import":
        from designer.ui.screenshot_blocks import render_import

        render_import(Path(args[0]), SIZE, dark)
    elif mode in ("--runs", "--sweep"):
        from designer.ui import screenshot_experiments as experiments

        render = experiments.render_runs if mode == "--runs" else experiments.render_sweep
        render(Path(args[0]), SIZE)
    else:
        render(Path(args[0]), dark=dark, train=mode == "--train")
    return 0


if __name__ == "__main__":
    sys.exit(main())
