"""Pre-flight, the learning-rate finder and the statistics overlay in the window: real
worker threads, driven through the menu actions; waits are for signals, never sleeps."""

from __future__ import annotations

import math

import pytest
from PySide6.QtGui import QImage

from designer.io import example_paths
from designer.model.edits import SetParam
from designer.ui.canvas.overlay import OverlayBadge
from designer.ui.screenshot import render_overlay

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
TIMEOUT_MS = 30_000


@pytest.fixture
def window(make_window):
    window = make_window()
    window.files.open_example(next(p for p in example_paths() if p.stem == "iris_mlp"))
    training = window.document.project.training.replace(device="cpu")
    window.document.set_training_settings(training)
    window.document.undo_stack.clear()
    window.resize(1400, 900)
    window.show()
    return window


def node_id(window, label: str) -> str:
    return next(node.id for node in window.document.graph if node.label == label)


def badge_of(window, label: str) -> OverlayBadge | None:
    item = window.view.graph_scene.node_item(node_id(window, label))
    return next((c for c in item.childItems() if isinstance(c, OverlayBadge)), None)


def run_preflight(qtbot, window) -> None:
    with qtbot.waitSignal(window.probes.runner.done, timeout=TIMEOUT_MS):
        window.actions_by_name["preflight"].trigger()


def test_preflight_paints_the_overlay_with_a_legend_and_tooltips(qtbot, window):
    assert window.menus["training"].actions().count(window.actions_by_name["preflight"]) == 1
    run_preflight(qtbot, window)
    facts = window.document.probe_facts
    assert facts.passed and facts.origin == "pre-flight check"
    assert window.actions_by_name["overlay"].isChecked()
    for label in ("hidden1", "hidden2", "logits"):
        badge = badge_of(window, label)
        grad = facts.layers[node_id(window, label)].grad_norm
        assert badge is not None and badge.text == f"{grad:.3g}"
    colours = {badge_of(window, label).colour.name() for label in ("hidden1", "logits")}
    assert len(colours) == 2  # the smallest and the largest norm: the two ends of the map
    assert badge_of(window, "measurements") is None  # an Input has nothing to measure
    legend = window.probes.legend
    assert legend.isVisible() and "Gradient norm" in legend.title.text()
    low, high = window.probes.overlay.bounds
    assert legend.low.text() == f"{low:.3g}" and legend.high.text() == f"{high:.3g}"
    tip = window.view.graph_scene.node_item(node_id(window, "hidden1")).toolTip()
    assert "Measured</b> (pre-flight check)" in tip and "Dead ReLUs:" in tip


def test_the_statistic_and_the_toggle_change_only_the_view(qtbot, window):
    run_preflight(qtbot, window)
    window.actions_by_name["overlay_dead"].trigger()
    assert badge_of(window, "hidden1").text.endswith("%")
    assert badge_of(window, "logits") is None  # no ReLU there
    assert "Dead ReLUs" in window.probes.legend.title.text()
    window.actions_by_name["overlay"].setChecked(False)
    assert badge_of(window, "hidden1") is None and not window.probes.legend.isVisible()
    assert window.document.probe_facts is not None and not window.document.modified


def test_a_failing_preflight_puts_its_cause_in_the_problems(qtbot, window):
    training = window.document.project.training.replace(learning_rate=10.0)
    window.document.set_training_settings(training)
    window.document.undo_stack.clear()  # the rate as saved: the fix is a step of its own
    run_preflight(qtbot, window)
    qtbot.waitUntil(lambda: any(p.rule == "NN401" for p in window.document.analysis.problems))
    (finding,) = [p for p in window.document.analysis.problems if p.rule == "NN401"]
    assert "learning rate is likely too high" in finding.message
    assert "failed" in window.statusBar().currentMessage()
    assert window.document.apply_fix(finding)  # its quick fix: the usual rate, one step
    assert window.document.project.training.learning_rate == 0.001
    window.document.undo_stack.undo()
    assert window.document.project.training.learning_rate == 10.0


def test_editing_the_network_forgets_the_measurements(qtbot, window):
    run_preflight(qtbot, window)
    window.document.push(SetParam(node_id(window, "hidden1"), "units", 8))
    qtbot.waitUntil(lambda: badge_of(window, "hidden2") is None)
    assert window.document.probe_facts is None


def test_training_updates_the_overlay_once_an_epoch(qtbot, window):
    training = window.document.project.training.replace(epochs=2)
    window.document.set_training_settings(training)
    window.actions_by_name["overlay"].setChecked(True)
    origins = []
    window.training.controller.probes.connect(lambda record: origins.append(record.epoch))
    with qtbot.waitSignal(window.training.controller.finished, timeout=TIMEOUT_MS):
        window.train()
    assert origins == [1, 2]
    assert window.document.probe_facts.origin == "training, epoch 2"
    assert badge_of(window, "hidden1") is not None


def test_find_learning_rate_plots_the_curve_and_use_it_is_one_undo_step(qtbot, window):
    window.actions_by_name["find_lr"].trigger()
    dialog = window.probes.rate_dialog
    with qtbot.waitSignal(dialog.runner.done, timeout=TIMEOUT_MS):
        pass
    suggestion = dialog.finding.suggestion
    xs, _ys = dialog.curve.getData()
    assert len(xs) > 50 and dialog.marker.isVisible()
    assert math.isclose(dialog.marker.value(), math.log10(suggestion))
    assert dialog.use_button.isEnabled()
    old = window.document.project.training.learning_rate
    dialog.use_button.click()
    assert window.document.project.training.learning_rate == float(f"{suggestion:.3g}")
    assert not dialog.isVisible()
    window.document.undo_stack.undo()
    assert window.document.project.training.learning_rate == old


def test_closing_the_dialog_stops_the_test(qtbot, window):
    window.actions_by_name["find_lr"].trigger()
    dialog = window.probes.rate_dialog
    assert not window.probes.preflight()  # one thing trains at a time
    assert "Wait for the running check" in window.statusBar().currentMessage()
    dialog.reject()
    assert not dialog.runner.busy and dialog.finding is None


@pytest.mark.parametrize("size", [(1600, 1000), (1024, 700)])
def test_the_overlay_screenshot(qapp, tmp_path, size):
    """The README's picture (``make screenshot`` writes docs/overlay.png) renders at
    both sizes."""
    style_name, palette, sheet = qapp.style().name(), qapp.palette(), qapp.styleSheet()
    try:
        image = render_overlay(tmp_path / "overlay.png", size)
    finally:
        qapp.setStyle(style_name)
        qapp.setPalette(palette)
        qapp.setStyleSheet(sheet)
    assert (image.width(), image.height()) == size
    assert QImage(str(tmp_path / "overlay.png")).size() == image.size()
