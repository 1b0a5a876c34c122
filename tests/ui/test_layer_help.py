"""The inspector's Help tab: the selected layer's page, its plot, links and glossary terms;
F1; and the glossary's tooltips in the training panel and on the plots."""

from __future__ import annotations

import html

import numpy as np
import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QFormLayout, QLabel, QToolTip

from designer.catalog import default_catalog
from designer.catalog.glossary import explain
from designer.compiler import activation_curve
from designer.model.edits import SetParam
from designer.ui.panels import InspectorPanel, PalettePanel
from designer.ui.panels.layer_help import LayerHelpView
from designer.ui.panels.terms import term_link
from designer.ui.training.plots import LivePlots

# The offscreen platform warns about these when a window or a tooltip is shown.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)

CATALOG = default_catalog()
LAYERS = [
    ("n1", "Input", {"features": 4}, (0.0, 0.0)),
    ("n2", "Linear", {"units": 8}, (200.0, 0.0)),
    ("n3", "LeakyReLU", {}, (400.0, 0.0)),
    ("n4", "Output", {"loss": "mse"}, (600.0, 0.0)),
]
WIRES = [("n1", "n2"), ("n2", "n3"), ("n3", "n4")]


@pytest.fixture
def opened(qtbot, make_document):
    """An inspector whose help page records the links it would open in a browser."""
    document = make_document(LAYERS, WIRES)
    opened: list[QUrl] = []
    panel = InspectorPanel(document, help_view=LayerHelpView(open_url=opened.append))
    qtbot.addWidget(panel)
    panel.resize(360, 700)
    panel.show()
    return document, panel, opened


def _plotted(view: LayerHelpView) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, y = view.value_curve.getData()
    _, slope = view.slope_curve.getData()
    return x, y, slope


def test_the_help_tab_shows_the_selected_layer_and_follows_the_selection(qtbot, opened):
    document, panel, _ = opened
    document.set_selection(["n2"])
    assert panel.show_help()
    view = panel.help_view
    assert panel.tabs.currentWidget() is view
    linear = CATALOG.get("Linear")
    assert "Linear" in view.title_label.text()
    assert view.formula_label.text() == html.escape(linear.docs.formula)
    for param in linear.params:
        assert f"<b>{param.title}</b>" in view.params_label.text()
    assert "default 10 · 1 to 1,000,000" in view.params_label.text()
    assert linear.docs_url in view.docs_label.text()
    assert not view.plot_widget.isVisible()

    document.set_selection(["n3"])
    leaky = CATALOG.get("LeakyReLU")
    assert panel.tabs.currentWidget() is view  # the tab stays on Help
    assert view.formula_label.text() == html.escape(leaky.docs.formula)
    assert "Negative slope" in view.params_label.text()
    assert view.plot_widget.isVisible()


def test_the_plot_is_the_compiled_layer_with_the_nodes_parameters(qtbot, opened):
    document, panel, _ = opened
    document.set_selection(["n3"])
    view = panel.help_view
    expected = activation_curve(CATALOG.get("LeakyReLU"), {"negative_slope": 0.01})
    x, y, slope = _plotted(view)
    assert np.array_equal(x, expected.x) and np.array_equal(y, expected.y)
    assert np.array_equal(slope, expected.slope)
    assert document.push(SetParam("n3", "negative_slope", 0.3))
    qtbot.waitUntil(lambda: _plotted(view)[2][0] == pytest.approx(0.3))
    x, y, slope = _plotted(view)
    assert slope[x < 0] == pytest.approx(0.3)
    assert y[x < 0] == pytest.approx(0.3 * x[x < 0], abs=1e-6)


def test_the_docs_link_opens_torchs_page(qtbot, opened):
    document, panel, urls = opened
    document.set_selection(["n2"])
    label = panel.help_view.docs_label
    url = "https://pytorch.org/docs/stable/generated/torch.nn.Linear.html"
    assert f'href="{url}"' in label.text()
    label.linkActivated.emit(url)
    assert urls == [QUrl(url)]


def test_layers_without_a_torch_page_show_no_link(qtbot, opened):
    document, panel, _ = opened
    document.set_selection(["n1"])
    assert panel.help_view.docs_label.isHidden()
    assert "Input" in panel.help_view.title_label.text()


def test_glossary_terms_are_links_with_their_explanation(qtbot, opened):
    document, panel, urls = opened
    document.set_selection(["n4"])
    panel.show_help()
    view = panel.help_view
    # Each term is a link once a page, where it first appears (the title says "loss").
    page = view.title_label.text() + view.about_label.text()
    for name in ("loss", "gradient descent", "backpropagation"):
        assert page.count(f'href="{term_link(name)}"') == 1
        assert f"<b>{name}</b>: {html.escape(explain(name))}" in view.terms_label.text()
    assert view.terms_label.isVisible()
    view.about_label.linkHovered.emit(term_link("loss"))
    qtbot.waitUntil(QToolTip.isVisible)
    assert html.escape(explain("loss")) in QToolTip.text()
    QToolTip.hideText()
    view.about_label.linkActivated.emit(term_link("backpropagation"))  # click: no browser
    qtbot.waitUntil(QToolTip.isVisible)
    assert html.escape(explain("backpropagation")) in QToolTip.text()
    assert urls == []
    QToolTip.hideText()


def _label_tips(form: QFormLayout) -> dict[str, str]:
    tips = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        if label is not None and isinstance(label.widget(), QLabel):
            tips[label.widget().text()] = label.widget().toolTip()
    return tips


def test_parameter_labels_explain_their_terms(qtbot, opened):
    """The tour's *Units* and the Output's *Loss* explain the words they stand for."""
    document, panel, _ = opened
    document.set_selection(["n4"])
    tips = _label_tips(panel.form)
    assert html.escape(explain("loss")) in tips["Loss"]
    assert html.escape(explain("weight")) in tips["Loss weight"]
    document.set_selection(["n2"])
    tips = _label_tips(panel.form)
    assert tips["Units"].startswith("Output features: one neuron each")
    assert html.escape(explain("neuron")) in tips["Units"]


def test_f1_opens_the_help_of_the_selected_layer(qtbot, make_window):
    window = make_window()
    window.show()
    action = window.actions_by_name["layer_help"]
    assert action.shortcut().toString() == "F1"
    assert action in window.menus["help"].actions()
    action.trigger()
    assert "Select one layer" in window.statusBar().currentMessage()
    graph = window.document.graph
    node = graph.add_node("Sigmoid")
    window.document.set_selection([node.id])
    window.inspector.tabs.setCurrentIndex(0)
    action.trigger()
    assert window.inspector.tabs.currentWidget() is window.inspector.help_view
    assert "Sigmoid" in window.inspector.help_view.title_label.text()


def test_the_training_panels_labels_explain_their_terms(qtbot, make_window):
    panel = make_window().training.panel
    form = panel.training_form
    expected = {
        "learning_rate": "learning rate",
        "batch_size": "batch",
        "epochs": "epoch",
        "optimizer": "gradient descent",
    }
    for name, term in expected.items():
        field = panel.training_fields[name]
        label = form.labelForField(field)
        assert html.escape(explain(term)) in field.toolTip(), name
        assert label.toolTip() == field.toolTip(), name


def test_the_loss_plot_explains_loss_and_epoch(qtbot):
    plots = LivePlots()
    qtbot.addWidget(plots)
    assert html.escape(explain("loss")) in plots.loss_plot.titleLabel.toolTip()
    assert html.escape(explain("loss")) in plots.loss_plot.getAxis("left").label.toolTip()
    assert html.escape(explain("epoch")) in plots.loss_plot.getAxis("bottom").label.toolTip()


def test_the_palette_shows_a_layers_formula_on_hover(qtbot):
    palette = PalettePanel()
    qtbot.addWidget(palette)
    flags = Qt.MatchFlag.MatchRecursive | Qt.MatchFlag.MatchExactly
    (relu,) = palette.tree.findItems("ReLU", flags)
    assert html.escape(CATALOG.get("ReLU").docs.formula) in relu.toolTip(0)
