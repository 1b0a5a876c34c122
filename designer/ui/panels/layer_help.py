"""`LayerHelpView`: the help page of a layer type, the inspector's *Help* tab.

Everything on the page comes from the layer's catalogue entry (`LayerSpec.docs` and its
`ParamSpec`s), the glossary (`designer.catalog.glossary`) and, for an activation, the
curve the compiled layer computes (`designer.compiler.activation_curve`), so a new layer
type gets its page without UI code, and the plot cannot disagree with training.

Glossary terms are links where they first appear: hovering one shows its explanation
as a tooltip, clicking shows it too (for keyboard and touch), and the page ends with the
explanations of all its terms. The link to torch's manual opens in the browser through
``open_url`` (`QDesktopServices.openUrl` by default; tests pass a recorder).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QUrl
from PySide6.QtGui import QColor, QCursor, QDesktopServices, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QToolTip, QVBoxLayout, QWidget

from designer.catalog import LayerSpec, ParamError, ParamSpec
from designer.catalog.glossary import GLOSSARY, Term
from designer.compiler import CompileError, activation_curve
from designer.ui.panels.terms import linked_text, term_tooltip
from designer.ui.plot_style import TRAIN_COLOR, VAL_COLOR

PLOT_HEIGHT = 170
FORMULA_STYLE = (
    "QLabel { font-family: 'DejaVu Serif', serif; font-size: 11pt; padding: 6px;"
    " border-radius: 4px; background: palette(alternate-base); }"
)


def _number(value: float) -> str:
    """``1000000`` -> ``1,000,000``, ``0.01`` -> ``0.01``, ``1e-12`` stays as it is."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "empty"
    if isinstance(value, tuple | list):
        return "(" + ", ".join(map(str, value)) + ")"
    return _number(value) if isinstance(value, int | float) else str(value)


def _param_details(param: ParamSpec) -> str:
    """Default and valid values: ``default 16 · 1 to 65,536``."""
    parts = [f"default {_value_text(param.default)}"]
    if param.choices:
        parts.append("one of " + ", ".join(param.choices))
    elif param.minimum is not None and param.maximum is not None and param.kind != "bool":
        parts.append(f"{_number(param.minimum)} to {_number(param.maximum)}")
    return " · ".join(parts)


def _label(object_name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setOpenExternalLinks(False)
    return label


def _heading(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setStyleSheet("font-size: 8pt; font-weight: 600; letter-spacing: 1px;")
    return label


class LayerHelpView(QScrollArea):
    """What a layer computes, its parameters, its curve (activations) and where torch
    documents it, for one layer type with one node's parameters."""

    def __init__(
        self,
        open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("layerHelp")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._open_url = open_url
        self._shown: tuple[str, tuple] | None = None
        self.spec: LayerSpec | None = None
        self.curve = None
        self._build()

    def _build(self) -> None:
        page = QWidget()
        self.title_label = _label("helpTitle")
        self.formula_label = _label("helpFormula")
        self.formula_label.setStyleSheet(FORMULA_STYLE)
        self.formula_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.about_label = _label("helpAbout")
        self.plot_widget = self._make_plot()
        self.params_heading = _heading("Parameters")
        self.params_label = _label("helpParams")
        self.docs_label = _label("helpDocs")
        self.terms_heading = _heading("Terms on this page")
        self.terms_label = _label("helpTerms")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(10, 8, 10, 10)
        widgets = (
            self.title_label,
            self.formula_label,
            self.about_label,
            self.plot_widget,
            self.params_heading,
            self.params_label,
            self.docs_label,
            self.terms_heading,
            self.terms_label,
        )
        for widget in widgets:
            layout.addWidget(widget)
        layout.addStretch(1)
        for label in (self.title_label, self.about_label, self.params_label, self.docs_label):
            label.linkActivated.connect(self._on_label_link_activated)
            label.linkHovered.connect(self._on_label_link_hovered)
        self.setWidget(page)

    def _make_plot(self) -> pg.PlotWidget:
        widget = pg.PlotWidget()
        widget.setObjectName("helpPlot")
        widget.setFixedHeight(PLOT_HEIGHT)
        plot = widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setLabel("bottom", "x")
        self.legend = plot.addLegend(offset=(6, 4), labelTextSize="8pt")
        # NOTE: 2 px pens: a small, static plot (the 1 px rule is for live curves).
        self.value_curve = plot.plot([], [], pen=pg.mkPen(TRAIN_COLOR, width=2), name="f(x)")
        self.slope_curve = plot.plot([], [], pen=pg.mkPen(VAL_COLOR, width=2), name="slope f′(x)")
        self._apply_plot_palette(widget, self.palette())
        return widget

    # ------------------------------------------------------------------ content
    def show_layer(self, spec: LayerSpec, params: Mapping[str, Any] | None = None) -> None:
        """Show the page of ``spec``; an activation's curve uses ``params`` (a node's)."""
        params = dict(params or spec.defaults())
        key = (spec.type_id, tuple(sorted((k, repr(v)) for k, v in params.items())))
        if key == self._shown and spec is self.spec:
            return
        if self.spec is not spec:
            self._show_text(spec)
        self.spec, self._shown = spec, key
        self._show_curve(spec, params)

    def _show_text(self, spec: LayerSpec) -> None:
        seen: set[str] = set()
        title = f"<b>{html.escape(spec.display_name)}</b><br>{linked_text(spec.help, seen)}"
        self.title_label.setText(title)
        self.formula_label.setText(html.escape(spec.docs.formula or "—"))
        self.about_label.setText(linked_text(spec.docs.about, seen))
        self.params_label.setText(self._params_html(spec, seen))
        self.params_heading.setVisible(True)
        url = spec.docs_url
        if url:
            name = html.escape(spec.docs_reference or "")
            self.docs_label.setText(f'<a href="{html.escape(url)}">{name}</a> in the PyTorch docs')
            self.docs_label.setToolTip(url)
        self.docs_label.setVisible(bool(url))
        terms = [GLOSSARY[name] for name in GLOSSARY if name in seen]
        self.terms_label.setText(self._terms_html(terms))
        self.terms_heading.setVisible(bool(terms))
        self.terms_label.setVisible(bool(terms))

    @staticmethod
    def _params_html(spec: LayerSpec, seen: set[str]) -> str:
        if not spec.params:
            return "This layer has no parameters."
        rows = []
        for param in spec.params:
            details = html.escape(_param_details(param))
            rows.append(
                f"<tr><td style='padding: 0 8px 6px 0'><b>{html.escape(param.title)}</b></td>"
                f"<td style='padding-bottom: 6px'>{linked_text(param.help, seen)}"
                f"<br><span style='color: palette(placeholder-text)'>{details}</span></td></tr>"
            )
        return f"<table>{''.join(rows)}</table>"

    @staticmethod
    @staticmethod
    def _terms_html(terms: list[Term]) -> str:
        return "".join(
            f"<p style='margin: 0 0 6px 0'><b>{html.escape(t.name)}</b>: {html.escape(t.text)}</p>"
            for t in terms
        )

    def _show_curve(self, spec: LayerSpec, params: Mapping[str, Any]) -> None:
        try:
            self.curve = activation_curve(spec, params)
        except (ParamError, CompileError):  # the form shows what is wrong; no plot then
            self.curve = None
        self.plot_widget.setVisible(self.curve is not None)
        if self.curve is None:
            return
        self.value_curve.setData(self.curve.x, self.curve.y)
        self.slope_curve.setData(self.curve.x, self.curve.slope)
        self.plot_widget.getPlotItem().setTitle(
            f"{html.escape(spec.display_name)} and its slope", size="9pt"
        )

    # ----------------------------------------------------------------- handlers
    def _on_label_link_activated(self, link: str) -> None:
        tooltip = term_tooltip(link)
        if tooltip is not None:
            QToolTip.showText(QCursor.pos(), tooltip, self)
        else:
            self._open_url(QUrl(link))

    def _on_label_link_hovered(self, link: str) -> None:
        tooltip = term_tooltip(link)
        if tooltip is not None:
            QToolTip.showText(QCursor.pos(), tooltip, self)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_plot_palette(self.plot_widget, self.palette())

    @staticmethod
    def _apply_plot_palette(widget: pg.PlotWidget, palette: QPalette) -> None:
        """Match the plot to the window's colours (light or dark theme)."""
        background = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.WindowText)
        widget.setBackground(background)
        plot = widget.getPlotItem()
        for name in ("left", "bottom"):
            plot.getAxis(name).setPen(pg.mkPen(text, width=1))
            plot.getAxis(name).setTextPen(pg.mkPen(text))
        plot.titleLabel.setAttr("color", text.name())
        fill = QColor(background)
        fill.setAlpha(170)
        plot.legend.setBrush(pg.mkBrush(fill))
        plot.legend.setLabelTextColor(text)
