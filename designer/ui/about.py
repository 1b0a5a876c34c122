"""The About box: what the application is, its licence, and the versions of the
libraries in use (what a bug report needs)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from designer import APP_NAME


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, f"About {APP_NAME}", about_text())


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
