"""Loss, gradient norm and learning rate against the step, one curve per lane.

Three x-linked plots stacked in one ``GraphicsLayoutWidget``:

* the full-batch loss L(θ_t) of every lane (thick), and the mini-batch loss the update saw
  (thin, translucent) for lanes whose batch is smaller than the data set; a log-y toggle
  (on a log scale the gap to the known minimum, L − L*, is drawn when L* is known, so that
  convergence shows as a straight line and negative losses stay drawable);
* the gradient norm |∇L(θ_t)|, always on a log scale;
* the learning rate η_t, the schedule.

Curves grow by ``setData`` on views of the history's buffers, with clip-to-view and peak
downsampling (x, the step, increases along every curve here).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gdsim.app import style
from gdsim.app.history import History
from gdsim.app.plots.formatting import fmt_number
from gdsim.core.surfaces import Surface


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


LR_LOG_RATIO = 20.0


class LogAxis(pg.AxisItem):
    """An axis whose log-mode labels are sparse and uniform: 1, 2, 5 × 10^k only, written as
    plain numbers from 0.001 to 1000 and as 10^k beyond (pyqtgraph labels every minor tick)."""

    def updateAutoSIPrefix(self) -> None:  # noqa: N802 - pyqtgraph's name
        # In log mode pyqtgraph computes 10**range, which overflows for a range left over
        # from the linear mode (a warning, an error under pytest): harmless, so silenced.
        with np.errstate(over="ignore", invalid="ignore"):
            super().updateAutoSIPrefix()

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for value in values:
            exponent = math.floor(value + 1e-9)
            mantissa = 10.0 ** (value - exponent)
            digit = round(mantissa)
            if abs(mantissa - digit) > 1e-6 or digit not in (1, 2, 5):
                out.append("")
            elif -3 <= exponent <= 3:
                out.append(fmt_number(digit * 10.0**exponent))
            else:
                power = "10" + str(exponent).translate(_SUPERSCRIPT)
                out.append(power if digit == 1 else f"{digit}·{power}")
        return out


DOWNSAMPLE_FACTOR = 1.5  # peak downsampling keeps about this many points per pixel


def _curve(pen: pg.QtGui.QPen, name: str | None = None) -> pg.PlotDataItem:
    # Clip-to-view and peak downsampling are set on the PlotItems: a PlotItem imposes its own
    # settings on every item added to it.
    return pg.PlotDataItem(pen=pen, connect="finite", name=name,
                           autoDownsampleFactor=DOWNSAMPLE_FACTOR)


@dataclass
class _LaneCurves:
    loss: pg.PlotDataItem
    batch_loss: pg.PlotDataItem
    grad_norm: pg.PlotDataItem
    lr: pg.PlotDataItem

    def items(self) -> tuple[pg.PlotDataItem, ...]:
        return (self.loss, self.batch_loss, self.grad_norm, self.lr)


class _GrowingColumns:
    """Per-lane derived columns (|∇L| per row) computed once per row, in doubling buffers."""

    def __init__(self) -> None:
        self._buf = np.empty((0, 0))
        self._done = 0
        self._generation: int | None = None

    def grad_norms(self, history: History) -> np.ndarray:
        """``(rows, runs)`` view of |∇L| for the history's rows."""
        n, runs = history.length, history.runs
        if (history.generation != self._generation or n < self._done
                or self._buf.shape[1] != runs):
            self._done, self._generation = 0, history.generation
            self._buf = np.empty((max(n, 1024), runs))
        if n > len(self._buf):
            grown = np.empty((max(n, 2 * len(self._buf)), runs))
            grown[: self._done] = self._buf[: self._done]
            self._buf = grown
        # The last row of a frame is sent again with the next one: recompute it too.
        start = max(self._done - 1, 0)
        if n > start:
            with np.errstate(all="ignore"):
                self._buf[start:n] = np.sqrt(np.einsum("rld,rld->rl", history.grad[start:n],
                                                       history.grad[start:n]))
        self._done = n
        return self._buf[:n]


class LossPlot(QWidget):
    """Loss, |∇L| and η per step for every lane (object name ``"loss_plot"``).

    Attributes:
        plot_item: the loss ``PlotItem`` (for exporters); ``grad_plot``, ``lr_plot`` the others.
        log_y_check: the "log scale" check box (object name ``"log_y_check"``).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loss_plot")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), QColor(style.BACKGROUND))
        self.setPalette(palette)
        self.log_y_check = QCheckBox("Log scale")
        self.log_y_check.setObjectName("log_y_check")
        self.log_y_check.setToolTip("Show the loss on a logarithmic axis: steady convergence "
                                    "becomes a straight line. Shows L − L* when the minimum "
                                    "L* is known.")
        self.log_y_check.toggled.connect(self.set_log_y)
        title = QLabel("Loss per step")
        title.setFont(style.ui_font(style.BASE_POINT_SIZE, bold=True))
        header = QHBoxLayout()
        header.setContentsMargins(8, 4, 8, 0)
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.log_y_check)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(style.BACKGROUND)
        self.plot_item: pg.PlotItem = self.graphics.addPlot(
            row=0, col=0, axisItems={"left": LogAxis("left")})
        self.grad_plot: pg.PlotItem = self.graphics.addPlot(
            row=1, col=0, axisItems={"left": LogAxis("left")})
        self.lr_plot: pg.PlotItem = self.graphics.addPlot(
            row=2, col=0, axisItems={"left": LogAxis("left")})
        grid = self.graphics.ci.layout
        for row, stretch in enumerate((3, 1, 1)):
            grid.setRowStretchFactor(row, stretch)
        for plot in (self.plot_item, self.grad_plot, self.lr_plot):
            style.style_plot(plot)
            plot.hideButtons()
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            plot.getAxis("left").setWidth(62)
            plot.getAxis("left").enableAutoSIPrefix(False)
        for plot in (self.grad_plot, self.lr_plot):
            plot.setXLink(self.plot_item)
        for plot in (self.plot_item, self.grad_plot):
            plot.getAxis("bottom").setStyle(showValues=False)
        self.grad_plot.setLogMode(y=True)
        self.lr_plot.enableAutoRange(axis="y", enable=False)
        style.set_axis_label(self.grad_plot, "left", "|∇L|")
        style.set_axis_label(self.lr_plot, "left", "η")
        style.set_axis_label(self.lr_plot, "bottom", "step t")
        self.grad_plot.getAxis("left").setToolTip("Norm of the full-batch gradient (log scale)")
        self.lr_plot.getAxis("left").setToolTip("The learning rate of each step (the schedule)")
        self.legend = self.plot_item.addLegend(offset=(-8, 8), brush=pg.mkBrush(255, 255, 255, 215),
                                               pen=pg.mkPen("#BBBBBB"),
                                               labelTextColor=style.FOREGROUND,
                                               labelTextSize=f"{style.BASE_POINT_SIZE - 1}pt",
                                               verSpacing=-4)
        self._batch_sample = pg.PlotDataItem(pen=pg.mkPen(style.mixed_with_white("#555555", 0.5),
                                                          width=1))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.graphics, 1)

        self.lanes: list[_LaneCurves] = []
        self._labels: list[str] = []
        self._reference: float | None = None  # L*, the known minimum loss
        self._columns = _GrowingColumns()
        self._steps = np.arange(1024, dtype=float)
        self.history: History | None = None
        self._legend_has_batch = False
        self._update_loss_label()

    # --- configuration ----------------------------------------------------------------------
    def set_surface(self, surface: Surface | None) -> None:
        """Use the surface's known minimum loss L* as the log scale's reference."""
        minima = [] if surface is None else surface.minima()
        self._reference = min((p.loss for p in minima), default=None)
        self._update_loss_label()
        self._redraw()

    def set_lanes(self, labels: list[str]) -> None:
        """One set of curves per label, in lane colours."""
        for lane in self.lanes:
            self.plot_item.removeItem(lane.loss)
            self.plot_item.removeItem(lane.batch_loss)
            self.grad_plot.removeItem(lane.grad_norm)
            self.lr_plot.removeItem(lane.lr)
        self._labels = list(labels)
        self.lanes = []
        for i, label in enumerate(labels):
            color = style.lane_color(i)
            lane = _LaneCurves(
                loss=_curve(pg.mkPen(color, width=2.2), label),
                batch_loss=_curve(pg.mkPen(style.mixed_with_white(color, 0.65), width=1)),
                grad_norm=_curve(pg.mkPen(color, width=1.6)),
                lr=_curve(pg.mkPen(color, width=1.6)),
            )
            lane.batch_loss.setZValue(-1)
            lane.batch_loss.setToolTip(f"{label}: loss of the mini-batch each update used")
            lane.loss.setToolTip(f"{label}: full-batch loss L(θ_t)")
            self.plot_item.addItem(lane.batch_loss)
            self.plot_item.addItem(lane.loss)
            self.grad_plot.addItem(lane.grad_norm)
            self.lr_plot.addItem(lane.lr)
            self.lanes.append(lane)
        self._rebuild_legend(any_batch=False)

    def set_log_y(self, on: bool) -> None:
        """Log scale for the loss axis (also ticks the check box)."""
        on = bool(on)
        if self.log_y_check.isChecked() != on:
            self.log_y_check.setChecked(on)  # emits toggled -> comes back here
            return
        self.plot_item.setLogMode(y=on)
        self._update_loss_label()
        self._redraw()
        self.plot_item.enableAutoRange()

    def _scale_lr_axis(self, bottom: float, top: float) -> None:
        """η from 0 up (a constant rate is a flat line at its value, not a zoomed-in band);
        on a log axis instead when the lanes' rates differ by more than a factor 20."""
        log = top > 0 and math.isfinite(bottom) and top / bottom > LR_LOG_RATIO
        if log != self.lr_plot.getAxis("left").logMode:
            self.lr_plot.setLogMode(y=log)
        if log:
            self.lr_plot.setYRange(math.log10(bottom) - 0.25, math.log10(top) + 0.25, padding=0)
        else:
            self.lr_plot.setYRange(0.0, 1.12 * top if top > 0 else 1.0, padding=0)

    def log_y(self) -> bool:
        return self.log_y_check.isChecked()

    def _update_loss_label(self) -> None:
        if self.log_y() and self._reference is not None:
            text = f"L − L*   (L* = {fmt_number(self._reference)})"
        else:
            text = "loss L"
        style.set_axis_label(self.plot_item, "left", html.escape(text))

    def _rebuild_legend(self, any_batch: bool) -> None:
        self.legend.clear()
        if len(self.lanes) > 1:
            for lane, label in zip(self.lanes, self._labels, strict=True):
                self.legend.addItem(lane.loss, html.escape(label))
        if any_batch:
            self.legend.addItem(self._batch_sample, "mini-batch loss")
        self.legend.setVisible(bool(self.legend.items))
        self._legend_has_batch = any_batch

    # --- data -------------------------------------------------------------------------------
    def update_history(self, history: History) -> None:
        """Redraw every lane's curves from ``history`` (``setData`` on views, no new items)."""
        self.history = history
        self._redraw()

    def _redraw(self) -> None:
        history = self.history
        if history is None:
            return
        n = history.length
        if n > len(self._steps):
            self._steps = np.arange(max(n, 2 * len(self._steps)), dtype=float)
        norms = self._columns.grad_norms(history)
        offset = self._reference if (self.log_y() and self._reference is not None) else 0.0
        any_batch = False
        lr_top, lr_bottom = 0.0, math.inf
        for i, lane in enumerate(self.lanes):
            if i >= history.runs or n == 0:
                for item in lane.items():
                    item.setData(np.empty(0), np.empty(0))
                continue
            rows = history.lane_rows(i)
            x = self._steps[:rows]
            loss = history.loss[:rows, i]
            with np.errstate(all="ignore"):
                lane.loss.setData(x, loss - offset if offset else loss)
                info = history.lanes[i] if i < len(history.lanes) else None
                mini = info is not None and info.batch_size < info.n_examples
                any_batch |= mini
                if mini:
                    batch = history.batch_loss[:rows, i]
                    lane.batch_loss.setData(x, batch - offset if offset else batch)
                else:
                    lane.batch_loss.setData(np.empty(0), np.empty(0))
            lane.grad_norm.setData(x, norms[:rows, i])
            lane.lr.setData(x, history.lr[:rows, i])
            rates = history.lr[:rows, i]
            rates = rates[np.isfinite(rates) & (rates > 0)]
            if rates.size:
                lr_top = max(lr_top, float(rates.max()))
                lr_bottom = min(lr_bottom, float(rates.min()))
        self._scale_lr_axis(lr_bottom, lr_top)
        if any_batch != self._legend_has_batch:
            self._rebuild_legend(any_batch)
