"""The README's picture of the run history is made by training for real: each run is
listed, the renamed one under its new name."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from designer.ui import screenshot_experiments as experiments

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_the_runs_picture_lists_every_run(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(experiments, "RUNS", ((0.01, None), (0.001, "slow rate")))
    monkeypatch.setattr(experiments, "RUN_EPOCHS", 2)
    app = QApplication.instance()
    style, palette, sheet = app.style().name(), app.palette(), app.styleSheet()
    try:
        image, shown = experiments.render_runs(tmp_path / "runs.png", (1000, 700))
    finally:
        app.setStyle(style)
        app.setPalette(palette)
        app.setStyleSheet(sheet)
    assert (image.width(), image.height()) == (1000, 700)
    assert (tmp_path / "runs.png").stat().st_size > 20_000
    assert [text.splitlines()[0] for text in shown] == ["Run 1 (breast_cancer)", "slow rate"]
