"""`LivePlots`: loss and metric curves drawn while a model trains.

Redrawing on every record would tie the GUI's frame rate to the training speed, so records
only append to NumPy buffers (amortized doubling, no per-point Python objects) and a ~30 Hz
timer hands the buffers to a fixed set of long-lived curves, only to those whose data
changed: the epoch curves with symbols cost more to update than the batch curves, and
change only once an epoch. Curves downsample to the pixels
on screen (peak method, so spikes stay visible) and clip to the view, so a run of a million
steps costs no more per frame than one of a thousand. Pens stay 1 px wide: wider pens are
drawn much more slowly by Qt's raster engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from designer.catalog.objectives import headline_metric, metric_label, metric_spec
from designer.training.loop import BatchProgress, EpochProgress
from designer.training.results import RunRecord
from designer.ui.panels.terms import glossary_tooltip
from designer.ui.plot_style import TRAIN_COLOR, VAL_COLOR, match_legend, match_palette

REFRESH_MS = 33
IDLE_TEXT = "Train a model to see its learning curves here."
SMOOTHING = 0.9
METRIC_COLOR = "#16a34a"
BATCH_ALPHA = 70
OVERLAY_COLORS = ("#94a3b8", "#a8a29e", "#a1a1aa", "#9ca3af", "#b4a7a0")
MAX_SYMBOLS = 60


def metric_scale(key: str | None) -> float:
    """100 for a metric read as a percentage (accuracy, mean IoU), else 1."""
    spec = metric_spec(key) if key else None
    return 100.0 if spec is not None and spec.percent else 1.0


class GrowingBuffer:
    """A float64 array that grows by doubling: appends are amortized O(1), and `view`
    is a zero-copy slice ready for `setData`."""

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.empty(max(1, capacity), dtype=np.float64)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, values: Sequence[float] | np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64).ravel()
        end = self._size + len(values)
        if end > len(self._data):
            grown = np.empty(max(end, 2 * len(self._data)), dtype=np.float64)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : end] = values
        self._size = end

    def clear(self) -> None:
        self._size = 0

    @property
    def view(self) -> np.ndarray:
        return self._data[: self._size]

    @property
    def capacity(self) -> int:
        return len(self._data)


def _pen(color: str, alpha: int = 255, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    qcolor = QColor(color)
    qcolor.setAlpha(alpha)
    return pg.mkPen(qcolor, width=1, style=style)


def _fast_curve(
    plot: pg.PlotItem, pen: QPen, name: str | None = None, **options: object
) -> pg.PlotDataItem:
    curve = plot.plot([], [], pen=pen, name=name, **options)
    curve.setDownsampling(auto=True, method="peak")
    curve.setClipToView(True)
    curve.setSkipFiniteCheck(True)
    return curve


class LivePlots(QWidget):
    """Batch loss (raw and smoothed), epoch training and validation loss, and the epoch
    metric, plus the epoch curves of earlier runs in muted colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("livePlots")
        self._steps_per_epoch = 1
        self._ema = 0.0
        self._ema_weight = 0.0
        self._dirty: set[str] = set()  # "batch" and/or "epoch": the curves to update
        self._symbols: bool | None = None
        self._metric_scale = 1.0
        self._metric_name: str | None = None
        self._buffers = {
            name: GrowingBuffer()
            for name in ("step", "batch", "smooth", "epoch", "train", "val", "metric")
        }
        self._overlay_items: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []
        self._build()
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def _build(self) -> None:
        self.loss_widget = pg.PlotWidget(self)
        self.metric_widget = pg.PlotWidget(self)
        self.loss_plot = self.loss_widget.getPlotItem()
        self.metric_plot = self.metric_widget.getPlotItem()
        for plot, title in ((self.loss_plot, "Loss"), (self.metric_plot, "Metric")):
            plot.setTitle(title, size="10pt")
            plot.setLabel("bottom", "epoch")
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.getAxis("left").enableAutoSIPrefix(False)
            for name in ("left", "bottom"):
                # Grid lines at major ticks only: the minor ones made each frame ~25 ms
                # instead of ~6 ms (see benchmarks/bench_training_gui.py).
                plot.getAxis(name).setStyle(maxTickLevel=0)
            plot.setMenuEnabled(False)
        self.loss_plot.addLegend(offset=(-8, 4), labelTextSize="8pt", colCount=3)
        self.loss_plot.setLabel("left", "loss")
        # Hovering the words the plots use explains them: the title and the axes' labels
        # only, as a tooltip over the curves would hide them.
        loss_tip = glossary_tooltip("loss", "batch", "overfitting", lead="Lower is better.")
        self.loss_plot.titleLabel.setToolTip(loss_tip)
        self.loss_plot.getAxis("left").label.setToolTip(loss_tip)
        for plot in (self.loss_plot, self.metric_plot):
            plot.getAxis("bottom").label.setToolTip(glossary_tooltip("epoch"))
        self.metric_plot.setLabel("left", "metric")
        self.batch_curve = _fast_curve(self.loss_plot, _pen(TRAIN_COLOR, BATCH_ALPHA))
        self.smooth_curve = _fast_curve(self.loss_plot, _pen(TRAIN_COLOR), "batch (smoothed)")
        symbol = {"symbol": "o", "symbolSize": 5}
        self.train_curve = _fast_curve(
            self.loss_plot, _pen(TRAIN_COLOR, 255, Qt.PenStyle.DashLine), "train (epoch)"
        )
        self.val_curve = _fast_curve(self.loss_plot, _pen(VAL_COLOR), "validation", **symbol)
        self.val_curve.setSymbolBrush(QColor(VAL_COLOR))
        self.val_curve.setSymbolPen(QColor(VAL_COLOR))
        self.metric_curve = _fast_curve(self.metric_plot, _pen(METRIC_COLOR), None, **symbol)
        self.metric_curve.setSymbolBrush(QColor(METRIC_COLOR))
        self.metric_curve.setSymbolPen(QColor(METRIC_COLOR))
        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip("Show the loss on a logarithmic axis")
        self.log_check.toggled.connect(self._on_log_check_toggled)
        self.status_label = QLabel(IDLE_TEXT)
        self.status_label.setStyleSheet("color: palette(placeholder-text);")
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        self.overlay_label = QLabel()
        self.overlay_label.setStyleSheet("color: palette(placeholder-text);")
        bar.addWidget(self.status_label, 1)
        bar.addWidget(self.overlay_label)
        bar.addWidget(self.log_check)
        plots = QHBoxLayout()
        plots.setSpacing(4)
        plots.addWidget(self.loss_widget, 3)
        plots.addWidget(self.metric_widget, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addLayout(plots, 1)
        self.apply_palette(self.palette())

    # ------------------------------------------------------------------ run
    def begin_run(self, steps_per_epoch: int, metric: str | None, name: str = "") -> None:
        """Clear the live curves for a new run and start redrawing."""
        self._steps_per_epoch = max(1, steps_per_epoch)
        for buffer in self._buffers.values():
            buffer.clear()
        self._ema = self._ema_weight = 0.0
        self._metric_name = metric
        self._metric_scale = metric_scale(metric)
        label = metric_label(metric) if metric else "metric"
        label += " (%)" if self._metric_scale == 100.0 else ""
        self.metric_plot.setLabel("left", label)
        self.metric_plot.setTitle(label.split(" (")[0].capitalize(), size="10pt")
        self.status_label.setText(f"Training {name}…" if name else "Training…")
        self._dirty = {"batch", "epoch"}
        self.refresh()
        self._timer.start()

    def add_batches(self, records: Iterable[BatchProgress]) -> None:
        steps, losses, smooth = [], [], []
        for record in records:
            self._ema = SMOOTHING * self._ema + (1 - SMOOTHING) * record.batch_loss
            self._ema_weight = SMOOTHING * self._ema_weight + (1 - SMOOTHING)
            steps.append(record.step / self._steps_per_epoch)
            losses.append(record.batch_loss)
            smooth.append(self._ema / self._ema_weight)
        self._buffers["step"].extend(steps)
        self._buffers["batch"].extend(losses)
        self._buffers["smooth"].extend(smooth)
        self._dirty.add("batch")

    def add_epoch(self, record: EpochProgress) -> None:
        self._buffers["epoch"].extend([record.epoch])
        self._buffers["train"].extend([record.train_loss])
        self._buffers["val"].extend([record.val_loss])
        name = self._metric_name or headline_metric(list(record.metrics))
        metric = record.metrics.get(name, np.nan) if name else np.nan
        self._buffers["metric"].extend([metric * self._metric_scale])
        self._dirty.add("epoch")

    def end_run(self, message: str = "") -> None:
        """Draw the last points and stop the redraw timer."""
        self._timer.stop()
        self.refresh()
        if message:
            self.status_label.setText(message)

    def reset(self) -> None:
        """Empty the curves and overlays and stop redrawing (another project opened)."""
        self._timer.stop()
        for buffer in self._buffers.values():
            buffer.clear()
        self.set_overlays([])
        self.status_label.setText(IDLE_TEXT)
        self._dirty = {"batch", "epoch"}
        self.refresh()

    def refresh(self) -> None:
        """Hand the buffers to the curves whose data changed since the last time."""
        dirty, self._dirty = self._dirty, set()
        b = self._buffers
        if "batch" in dirty:
            self.batch_curve.setData(b["step"].view, b["batch"].view)
            self.smooth_curve.setData(b["step"].view, b["smooth"].view)
        if "epoch" in dirty:
            symbols = len(b["epoch"]) <= MAX_SYMBOLS
            if symbols != self._symbols:
                self._symbols = symbols
                for curve in (self.val_curve, self.metric_curve):
                    curve.setSymbol("o" if symbols else None)
            self.train_curve.setData(b["epoch"].view, b["train"].view)
            self.val_curve.setData(b["epoch"].view, b["val"].view)
            self.metric_curve.setData(b["epoch"].view, b["metric"].view)

    def point_count(self, name: str) -> int:
        """How many points a buffer holds ("batch", "val", "metric", ...), for tests."""
        return len(self._buffers[name])

    @property
    def is_live(self) -> bool:
        return self._timer.isActive()

    def _on_timer_timeout(self) -> None:
        self.refresh()

    # ------------------------------------------------------------- overlays
    def set_overlays(self, records: Sequence[RunRecord]) -> None:
        """Show the epoch curves of earlier runs behind the live ones (muted colours)."""
        for plot, item in self._overlay_items:
            plot.removeItem(item)
        self._overlay_items = []
        for index, record in enumerate(records):
            color = OVERLAY_COLORS[index % len(OVERLAY_COLORS)]
            history = record.history
            scale = metric_scale(history.metric_name)
            pairs = (
                (self.loss_plot, history.val_loss, _pen(color, 200)),
                (self.loss_plot, history.train_loss, _pen(color, 140, Qt.PenStyle.DashLine)),
                (self.metric_plot, history.metric * scale, _pen(color, 200)),
            )
            for plot, values, pen in pairs:
                item = pg.PlotDataItem(history.epochs, values, pen=pen)
                item.setZValue(-10)
                plot.addItem(item)
                self._overlay_items.append((plot, item))
        names = ", ".join(record.name for record in records)
        self.overlay_label.setText(f"In grey: {names}" if names else "")

    @property
    def overlay_count(self) -> int:
        return len(self._overlay_items) // 3

    # ------------------------------------------------------------ appearance
    def set_log_scale(self, on: bool) -> None:
        self.log_check.setChecked(on)

    def _on_log_check_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)

    def apply_palette(self, palette: QPalette) -> None:
        """Match the plots to the window's colours (light or dark theme)."""
        for widget in (self.loss_widget, self.metric_widget):
            match_palette(widget, palette)
        match_legend(self.loss_plot.legend, palette)
