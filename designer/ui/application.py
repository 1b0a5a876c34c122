"""The `QApplication` with the names under which settings, data and the desktop entry live."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from designer import (
    APP_NAME,
    DESKTOP_FILE_NAME,
    ORGANIZATION_DOMAIN,
    ORGANIZATION_NAME,
    __version__,
)
from designer.resources import APP_ICON_SIZES, app_icon_png, icon_path
from designer.ui.qt_compat import GuiThreadCollector, keep_constants_alive


def create_application(argv: list[str]) -> QApplication:
    """The `QApplication` with the names that place settings, data and the desktop entry,
    with the guards against the defects of the installed Qt binding applied first, and
    Python's cyclic garbage collected in its thread only (`GuiThreadCollector`)."""
    keep_constants_alive()
    app = QApplication.instance() or QApplication(argv)
    if app.findChild(GuiThreadCollector) is None:
        GuiThreadCollector(app)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName(ORGANIZATION_NAME)
    QCoreApplication.setOrganizationDomain(ORGANIZATION_DOMAIN)
    QCoreApplication.setApplicationVersion(__version__)
    QApplication.setDesktopFileName(DESKTOP_FILE_NAME)
    icon = QIcon(str(icon_path("app", "nn-designer")))
    for size in APP_ICON_SIZES:
        icon.addFile(str(app_icon_png(size)))
    QApplication.setWindowIcon(icon)
    return app
