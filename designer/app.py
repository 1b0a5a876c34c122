"""Start-up: command line, `QApplication`, logging, the exception hook and the window.

Argument errors are reported before anything heavy is imported, so ``nn-designer --help``
and ``--version`` answer instantly and a typo costs one line and exit status 2. torch is
imported before the `QApplication` exists (see ARCHITECTURE.md); an unhandled exception
in a slot is logged and shown in a dialog instead of ending the session with the design.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import traceback
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from designer import APP_NAME, __version__
from designer.cli import VERBS, interrupts_outside_imports, report_interrupted

PROG = "nn-designer"
log = logging.getLogger("designer")


class _ArgumentParser(argparse.ArgumentParser):
    """Reports a bad argument in one line (not usage plus error) and exits with 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (try '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=PROG,
        description=f"{APP_NAME}: design neural networks visually, train them live, "
        "and export clean PyTorch code.",
    )
    parser.add_argument("file", nargs="?", help="a project file (.nndesign) to open")
    parser.epilog = (
        "headless verbs: nn-designer check|export|train PROJECT ..., nn-designer diff OLD NEW "
        "(see nn-designer check --help)"
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    return parser


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse the command line; raises SystemExit for --help, --version and errors."""
    args = build_parser().parse_args(list(argv))
    if args.file is not None and not Path(args.file).is_file():
        # NOTE: a pipe, device or folder is refused here, before a window exists to hang.
        reason = "not a regular file" if Path(args.file).exists() else "no such file"
        sys.stderr.write(f"{PROG}: error: {reason}: {args.file}\n")
        raise SystemExit(2)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """The ``nn-designer`` entry point; returns the process exit status.

    ``nn-designer check|export|train|diff ...`` runs a headless verb without loading Qt. Ctrl+C
    before the window is up ends with one line and status 130 (after it, the default
    SIGINT handler quits at once)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in VERBS:
        from designer.cli import main as cli_main

        return cli_main(argv)
    try:
        args = parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    with interrupts_outside_imports():
        try:
            return run(args)
        except KeyboardInterrupt:  # Ctrl+C while starting up (importing torch and Qt)
            return report_interrupted()


def run(args: argparse.Namespace) -> int:
    """Start the application and run its event loop until the window closes."""
    app, _window = start(args)
    return app.exec()


def start(args: argparse.Namespace, settings=None, autosave_dir: Path | None = None):
    """Create the application and show the window with ``args.file`` open, or offer to
    recover a crashed session; returns ``(app, window)``. Settings and the autosave
    folder are injectable for tests."""
    with contextlib.suppress(ImportError):  # NOTE: torch before the QApplication exists
        import torch  # noqa: F401
    from designer.ui.application import create_application

    app = create_application([sys.argv[0] if sys.argv else PROG])
    setup_logging()
    install_excepthook()
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl+C in a terminal quits

    from designer.ui.main_window import MainWindow

    window = MainWindow(settings=settings, autosave_dir=autosave_dir)
    window.theme.apply()
    window.show()
    if args.file is not None:
        window.files.open(Path(args.file))
    else:
        window.offer_recovery()
    window.autosave.start()
    return app, window


def setup_logging() -> logging.Handler | None:
    """Log to stderr and to ``<app data>/logs/nn-designer.log`` (rotated); returns the
    file handler."""
    from PySide6.QtCore import QStandardPaths

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    location = QStandardPaths.StandardLocation.AppDataLocation
    folder = Path(QStandardPaths.writableLocation(location)) / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(folder / f"{PROG}.log", maxBytes=1_000_000, backupCount=3)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return handler


_in_hook = {"active": False}


def excepthook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """Log an unhandled exception and show it; the session (and the design) go on."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    log.critical("unhandled exception", exc_info=(kind, error, tb))
    if _in_hook["active"]:  # an error while showing the dialog: logging must suffice
        return
    _in_hook["active"] = True
    try:
        details = "".join(traceback.format_exception(kind, error, tb))
        show_exception_dialog(f"{kind.__name__}: {error}", details)
    finally:
        _in_hook["active"] = False


def show_exception_dialog(summary: str, details: str) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is None:
        return
    box = QMessageBox(QApplication.activeWindow())
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Unexpected Error")
    box.setText(
        "Something went wrong inside NN Designer.\n\n"
        f"{summary}\n\nYour design is still open; saving it now is a good idea."
    )
    box.setDetailedText(details)
    box.exec()


def install_excepthook() -> None:
    sys.excepthook = excepthook
