"""The ``nn-designer`` command line and start-up: --help, --version, bad arguments, a file
argument, the application's names, and the exception hook."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

from designer import APP_NAME, ORGANIZATION_DOMAIN, ORGANIZATION_NAME, __version__, app
from designer.io import example_paths

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_version(capsys):
    assert app.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"{APP_NAME} {__version__}"


def test_help(capsys):
    assert app.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: nn-designer")
    assert "--version" in out and "file" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["a.nndesign", "b.nndesign"], "unrecognized arguments: b.nndesign"),
        (["missing.nndesign"], "no such file: missing.nndesign"),
    ],
)
def test_bad_arguments_give_one_line_and_status_2(capsys, argv, expected):
    assert app.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("nn-designer: error:") and expected in err


def test_a_file_argument_that_is_not_a_regular_file(capsys, tmp_path):
    (tmp_path / "folder.nndesign").mkdir()
    assert app.main([str(tmp_path / "folder.nndesign")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a regular file" in err and "folder.nndesign" in err


def test_version_imports_neither_qt_nor_torch():
    """``--help`` and ``--version`` answer before the heavy imports."""
    code = (
        "import sys; from designer.app import main; code = main(['--version']); "
        "print(code, 'PySide6' in sys.modules, 'torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.splitlines()[-1] == "0 False False"


def test_module_entry_point_exposes_main():
    import designer.__main__ as entry

    assert entry.main is app.main


@pytest.fixture
def restore_app_state(qapp, monkeypatch):
    """Undo what start-up changes globally: names, hook, SIGINT, logging, theme."""
    names = (
        QCoreApplication.applicationName(),
        QCoreApplication.organizationName(),
        QCoreApplication.organizationDomain(),
    )
    style, palette, sheet = qapp.style().name(), qapp.palette(), qapp.styleSheet()
    sigint = signal.getsignal(signal.SIGINT)
    handlers = list(logging.getLogger().handlers)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    QStandardPaths.setTestModeEnabled(True)
    yield
    QStandardPaths.setTestModeEnabled(False)
    for handler in logging.getLogger().handlers[:]:
        if handler not in handlers:
            logging.getLogger().removeHandler(handler)
            handler.close()
    signal.signal(signal.SIGINT, sigint)
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)
    QCoreApplication.setApplicationName(names[0])
    QCoreApplication.setOrganizationName(names[1])
    QCoreApplication.setOrganizationDomain(names[2])


def test_start_names_the_application_and_opens_the_file(qtbot, tmp_path, restore_app_state):
    path = next(p for p in example_paths() if p.stem == "iris_mlp")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    application, window = app.start(
        app.parse_args([str(path)]), settings=settings, autosave_dir=tmp_path / "auto"
    )
    qtbot.addWidget(window)
    assert QCoreApplication.applicationName() == APP_NAME
    assert QCoreApplication.organizationName() == ORGANIZATION_NAME
    assert QCoreApplication.organizationDomain() == ORGANIZATION_DOMAIN
    assert not application.windowIcon().isNull()
    assert sys.excepthook is app.excepthook
    assert window.isVisible()
    assert window.document.path == Path(path)
    assert len(window.document.graph) > 0
    assert window.windowTitle().startswith("iris_mlp.nndesign")
    window.close()


def test_excepthook_logs_and_shows_a_dialog(caplog, monkeypatch):
    shown = []
    monkeypatch.setattr(app, "show_exception_dialog", lambda *args: shown.append(args))
    try:
        raise ValueError("boom")
    except ValueError as error:
        with caplog.at_level(logging.CRITICAL, logger="designer"):
            app.excepthook(ValueError, error, error.__traceback__)
    assert shown and shown[0][0] == "ValueError: boom"
    assert "Traceback" in shown[0][1]
    assert "unhandled exception" in caplog.text


def test_excepthook_survives_a_failing_dialog(caplog, monkeypatch):
    def failing(*_args):
        app.excepthook(RuntimeError, RuntimeError("again"), None)  # re-entry is only logged

    monkeypatch.setattr(app, "show_exception_dialog", failing)
    with caplog.at_level(logging.CRITICAL, logger="designer"):
        app.excepthook(ValueError, ValueError("first"), None)
    assert caplog.text.count("unhandled exception") == 2
