"""Plots of the maps of many runs (:mod:`gdsim.core.maps`): one widget per map kind.

Each plot draws a (possibly partial) result with :meth:`set_result` — the same object a map
reports while it computes — and emits ``sigPicked`` when the user clicks a point of the map:
``(η,)`` for the sweep, ``(x, y)`` for a basin map, ``(η, μ)`` for the momentum map. The
command line's ``--plot`` renders the same widgets offscreen (:func:`save_map_png`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gdsim.app import style
from gdsim.app.files.export import ExportError, write_png
from gdsim.core.maps import (
    BasinResult,
    LRFindResult,
    MomentumMapResult,
    RaceResult,
    SweepResult,
)
from gdsim.core.run import STATUSES, Status

_STATUS_COLORS = {Status.CONVERGED: "#009E73", Status.STEP_LIMIT: "#0072B2",
                  Status.DIVERGED: "#D55E00"}
STATUS_COLORS = {s: _STATUS_COLORS.get(s, "#9A9A9A") for s in STATUSES}
"""A colour per status (running and any other status: grey)."""
NONE_GREY = (150, 150, 150)
THEORY_PEN = {"color": "#111111", "width": 2, "style": Qt.PenStyle.DashLine}


def _plot_widget() -> pg.PlotWidget:
    widget = pg.PlotWidget(background=style.BACKGROUND)
    style.style_plot(widget.getPlotItem())
    widget.getPlotItem().setMenuEnabled(False)
    return widget


LOSS_FLOOR = 1e-32  # losses below (an exact 0) are drawn at this value on log axes


def _finite_log10(values: np.ndarray, floor: float = LOSS_FLOOR) -> np.ndarray:
    """log₁₀ of ``values`` clipped to ``floor``; NaN where a value is not finite."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    ok = np.isfinite(values)
    out[ok] = np.log10(np.maximum(values[ok], floor))
    return out


class LogAxis(pg.AxisItem):
    """An axis for data given as log₁₀ values: labelled ticks at powers of ten (every few
    decades over a wide range), unlabelled ones at 2…9 × 10ᵏ over a narrow one."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal:
            return []
        lo, hi = math.floor(minVal), math.ceil(maxVal)
        every = max(1, math.ceil((hi - lo) / max(2, int(size / 60))))
        major = [float(k) for k in range(lo, hi + 1) if k % every == 0]
        minor = []
        if every == 1 and hi - lo <= 6:
            minor = [k + math.log10(m) for k in range(lo, hi) for m in range(2, 10)]
        return [(float(every), major), (0.0, [v for v in minor if minVal <= v <= maxVal])]

    def tickStrings(self, values: list, scale: float, spacing: float) -> list[str]:  # noqa: N802
        out = []
        for v in values:
            if abs(v - round(v)) > 1e-9:
                out.append("")
            else:
                k = int(round(v))
                out.append(f"{10.0 ** k:g}" if -3 <= k <= 3 else f"1e{k}")
        return out


def _log_axes(plot: pg.PlotWidget, x: bool, y: bool) -> None:
    """Axes whose ticks read 10^v for data given as log₁₀ values (items stay linear)."""
    item = plot.getPlotItem()
    axes = {}
    if x:
        axes["bottom"] = LogAxis("bottom")
    if y:
        axes["left"] = LogAxis("left")
    if axes:
        item.setAxisItems(axes)
        style.style_plot(item)


class _MapPlot(QWidget):
    """A titled plot area with a caption line under it."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setFont(style.ui_font(style.TITLE_POINT_SIZE, bold=True))
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setStyleSheet(f"color: {style.MUTED};")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.addWidget(self.title)

    def _finish_layout(self) -> None:
        self._layout.addWidget(self.caption)


# --- the sweep ------------------------------------------------------------------------------
class SweepPlot(_MapPlot):
    """Final loss (log) and steps against η (log), coloured by status, with the found and the
    theoretical thresholds. ``sigPicked(η)`` on a click: the swept rate nearest the click."""

    sigPicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Learning-rate sweep", parent)
        self.loss_plot = _plot_widget()
        self.steps_plot = _plot_widget()
        for plot, label in ((self.loss_plot, "final loss"), (self.steps_plot, "steps")):
            item = plot.getPlotItem()
            _log_axes(plot, x=True, y=label == "final loss")
            style.set_axis_label(item, "left", label)
            style.set_axis_label(item, "bottom", "learning rate η")
            plot.scene().sigMouseClicked.connect(lambda ev, p=plot: self._clicked(ev, p))
        self.steps_plot.setXLink(self.loss_plot)
        self.loss_points = {s: pg.ScatterPlotItem(size=6, pen=None, brush=c, name=s.value)
                            for s, c in STATUS_COLORS.items()}
        self.steps_points = {s: pg.ScatterPlotItem(size=6, pen=None, brush=c)
                             for s, c in STATUS_COLORS.items()}
        legend = self.loss_plot.getPlotItem().addLegend(offset=(-10, 10))
        for s in STATUS_COLORS:
            self.loss_plot.addItem(self.loss_points[s])
            self.steps_plot.addItem(self.steps_points[s])
        legend.setLabelTextColor(style.FOREGROUND)
        self.lines: list[pg.InfiniteLine] = []
        self._layout.addWidget(self.loss_plot, 3)
        self._layout.addWidget(self.steps_plot, 2)
        self._finish_layout()
        self.result: SweepResult | None = None

    def set_result(self, result: SweepResult) -> None:
        self.result = result
        lx = np.log10(result.lr)
        ly = _finite_log10(result.final_loss)
        for code, s in enumerate(STATUSES):
            mine = result.status == code
            keep = mine & np.isfinite(ly)
            self.loss_points[s].setData(lx[keep], ly[keep])
            self.steps_points[s].setData(lx[mine], result.steps[mine].astype(float))
        for line in self.lines:
            for plot in (self.loss_plot, self.steps_plot):
                plot.removeItem(line)
        self.lines = []
        marks: list[tuple[float, str, dict]] = []
        for where, eta in result.thresholds.items():
            marks.append((eta, f"2/λ_max ({where})" if result.config.optimizer == "gd"
                          else f"stability ({where})", THEORY_PEN))
        if result.divergence_lr is not None:
            marks.append((result.divergence_lr, "diverges from", {"color": "#D55E00",
                                                                  "width": 2}))
        if result.best_lr is not None:
            marks.append((result.best_lr, "best", {"color": "#009E73", "width": 2}))
        for k, (eta, text, pen) in enumerate(marks):
            line = pg.InfiniteLine(pos=math.log10(eta), angle=90, pen=pg.mkPen(**pen),
                                   label=text, labelOpts={"position": 0.95 - 0.1 * k,
                                                          "color": style.FOREGROUND,
                                                          "fill": (255, 255, 255, 200)})
            self.loss_plot.addItem(line, ignoreBounds=True)
            self.lines.append(line)
        p = result.progress
        state = "cancelled" if p.cancelled else ("done" if p.complete else "computing")
        self.caption.setText(
            f"{len(result.lr)} rates, {p.done} of {p.total} steps ({state}). Best η = "
            f"{_g(result.best_lr)}; diverges from η = {_g(result.divergence_lr)}"
            + "".join(f"; theory ({k}): {v:.4g}" for k, v in result.thresholds.items())
            + ". Click a point to load that η as a run.")

    def _clicked(self, event: Any, plot: pg.PlotWidget) -> None:
        if self.result is None or event.button() != Qt.MouseButton.LeftButton:
            return
        point = plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.pick_log_lr(point.x())

    def pick_log_lr(self, log_lr: float) -> None:
        """Emit the swept rate nearest 10**``log_lr``."""
        if self.result is None:
            return
        i = int(np.argmin(np.abs(np.log10(self.result.lr) - log_lr)))
        self.sigPicked.emit(float(self.result.lr[i]))


def _g(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


# --- the LR range test ----------------------------------------------------------------------
class LRFindPlot(_MapPlot):
    """Loss and smoothed loss against the growing η, with the suggestion (and a sweep's best
    η when given). ``sigPicked(η)`` on a click."""

    sigPicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("LR range test", parent)
        self.plot = _plot_widget()
        item = self.plot.getPlotItem()
        _log_axes(self.plot, x=True, y=True)
        style.set_axis_label(item, "left", "loss")
        style.set_axis_label(item, "bottom", "learning rate η (growing each step)")
        legend = item.addLegend(offset=(-10, 10))
        legend.setLabelTextColor(style.FOREGROUND)
        self.raw = self.plot.plot(pen=pg.mkPen(style.mixed_with_white("#0072B2", 0.6)),
                                  name="batch loss")
        self.smooth = self.plot.plot(pen=pg.mkPen("#0072B2", width=2), name="smoothed")
        self.lines: list[pg.InfiniteLine] = []
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self._layout.addWidget(self.plot, 1)
        self._finish_layout()

    def set_result(self, result: LRFindResult, sweep: SweepResult | None = None) -> None:
        from gdsim.core.maps.lr_find import CAVEAT

        lx = np.log10(result.lr)
        for curve, values in ((self.raw, result.loss), (self.smooth, result.smoothed)):
            ly = _finite_log10(values)
            ok = np.isfinite(ly)
            curve.setData(lx[ok], ly[ok])
        for line in self.lines:
            self.plot.removeItem(line)
        self.lines = []
        marks = []
        if result.suggestion is not None:
            marks.append((result.suggestion, "suggested", {"color": "#009E73", "width": 2}))
        if sweep is not None and sweep.best_lr is not None:
            marks.append((sweep.best_lr, "sweep's best", THEORY_PEN))
        for k, (eta, text, pen) in enumerate(marks):
            line = pg.InfiniteLine(pos=math.log10(eta), angle=90, pen=pg.mkPen(**pen),
                                   label=text, labelOpts={"position": 0.9 - 0.1 * k,
                                                          "color": style.FOREGROUND,
                                                          "fill": (255, 255, 255, 200)})
            self.plot.addItem(line, ignoreBounds=True)
            self.lines.append(line)
        comparison = "" if sweep is None else f"; the sweep's best η = {_g(sweep.best_lr)}"
        self.caption.setText(f"Suggested η = {_g(result.suggestion)}{comparison}. {CAVEAT}")

    def _clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.sigPicked.emit(float(10.0 ** point.x()))


# --- basins ---------------------------------------------------------------------------------
def basin_colors(result: BasinResult) -> np.ndarray:
    """The basin image ``(G, G, 3)`` uint8: each minimum's colour (by its index, the lane
    colours), grey for none; darker the more steps the run took."""
    colors = np.array([style.lane_color(k).getRgb()[:3] for k in range(len(result.minima))]
                      + [NONE_GREY], dtype=float)
    label = np.where(result.minimum >= 0, result.minimum, len(result.minima))
    rgb = colors[label]
    total = max(int(result.progress.total), 1)
    shade = 1.0 - 0.55 * np.clip(result.steps / total, 0.0, 1.0)
    rgb = rgb * shade[:, None] + (1 - shade[:, None]) * 20.0
    return np.clip(rgb, 0, 255).astype(np.uint8).reshape(result.grid, result.grid, 3)


class BasinPlot(_MapPlot):
    """A basin map as an image over the start plane, the minima as stars.
    ``sigPicked(x, y)``: the centre of the clicked cell."""

    sigPicked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Basins of attraction", parent)
        self.plot = _plot_widget()
        self.plot.setAspectLocked(True)
        item = self.plot.getPlotItem()
        style.set_axis_label(item, "bottom", "x₀")
        style.set_axis_label(item, "left", "y₀")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.stars = pg.ScatterPlotItem(symbol="star", size=18, pen=pg.mkPen("#111111"),
                                        brush=pg.mkBrush("#FFFFFF"))
        self.plot.addItem(self.stars)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self._layout.addWidget(self.plot, 1)
        self._finish_layout()
        self.result: BasinResult | None = None

    def set_result(self, result: BasinResult) -> None:
        first = self.result is None
        self.result = result
        (x0, x1), (y0, y1) = result.x_range, result.y_range
        self.image.setImage(basin_colors(result), autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        spots = [{"pos": p, "brush": pg.mkBrush(style.lane_color(k)), "data": k}
                 for k, p in enumerate(result.minima) if result.is_minimum[k]]
        self.stars.setData(spots)
        if first:
            self.plot.getPlotItem().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        p = result.progress
        counts = np.bincount(result.minimum + 1, minlength=len(result.minima) + 1)
        state = "cancelled" if p.cancelled else ("done" if p.complete else "computing")
        parts = [f"#{k}: {counts[k + 1]}" for k in range(len(result.minima)) if counts[k + 1]]
        self.title.setText(f"Basins: {result.config.optimizer}, η = {result.lr:.4g}")
        self.caption.setText(f"{result.grid}×{result.grid} starts, {p.done} of {p.total} "
                             f"steps ({state}). Ending in minimum {', '.join(parts) or '—'}; "
                             f"grey: none or diverged ({counts[0]}). Darker: more steps. "
                             "Click a cell to load that start.")

    def _clicked(self, event: Any) -> None:
        if self.result is None or event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.pick(point.x(), point.y())

    def pick(self, x: float, y: float) -> None:
        """Emit the start of the cell containing (x, y), if any."""
        if self.result is None:
            return
        lane = self.result.lane_at(x, y)
        if lane is not None:
            sx, sy = self.result.start[lane]
            self.sigPicked.emit(float(sx), float(sy))


# --- the momentum map -----------------------------------------------------------------------
class MomentumPlot(_MapPlot):
    """The (η, μ) map coloured by final loss (log) or steps, diverged cells grey, with the
    quadratic theory's boundaries. ``sigPicked(η, μ)``: the clicked cell's centre."""

    sigPicked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None, colour: str = "loss") -> None:
        super().__init__("Momentum map", parent)
        self.colour = colour
        self.plot = _plot_widget()
        item = self.plot.getPlotItem()
        _log_axes(self.plot, x=True, y=False)  # x holds log10 η
        style.set_axis_label(item, "bottom", "learning rate η")
        style.set_axis_label(item, "left", "momentum μ")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.curves: list[pg.PlotDataItem] = []
        self.optimum = pg.ScatterPlotItem(symbol="star", size=16, pen=pg.mkPen("#111111"),
                                          brush=pg.mkBrush("#FFFFFF"))
        self.plot.addItem(self.optimum)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self._layout.addWidget(self.plot, 1)
        self._finish_layout()
        self.result: MomentumMapResult | None = None

    def set_colour(self, colour: str) -> None:
        self.colour = colour
        if self.result is not None:
            self.set_result(self.result)

    def set_result(self, result: MomentumMapResult) -> None:
        first = self.result is None
        self.result = result
        diverged = result.status == STATUSES.index(Status.DIVERGED)
        if self.colour == "steps":
            value = result.steps.astype(float)
            low, high = 0.0, float(max(result.progress.total, 1))
        else:
            value = _finite_log10(result.final_loss)
            ok = np.isfinite(value) & ~diverged
            low, high = ((float(value[ok].min()), float(value[ok].max())) if ok.any()
                         else (0.0, 1.0))
            high = max(high, low + 1e-9)
        lut = style.colormap().getLookupTable(nPts=256, alpha=False)
        index = np.clip((value - low) / (high - low) * 255, 0, 255)
        index = np.where(np.isfinite(index), index, 255).astype(int)
        rgb = lut[index]
        rgb[diverged] = NONE_GREY
        (l0, l1), (m0, m1) = np.log10(result.lr_range), result.mu_range
        self.image.setImage(rgb.reshape(len(result.mu), len(result.lr), 3).astype(np.uint8),
                            autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(l0, m0, l1 - l0, m1 - m0))
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.curves = []
        theory = result.theory
        if theory is not None:
            for name, (mu, eta) in theory.curves.items():
                keep = (eta > 0) & (np.log10(np.maximum(eta, 1e-300)) <= l1 + 0.5)
                pen = THEORY_PEN if name == "divergence" else {"color": "#FFFFFF", "width": 1,
                                                                "style": Qt.PenStyle.DotLine}
                curve = self.plot.plot(np.log10(eta[keep]), mu[keep], pen=pg.mkPen(**pen))
                self.curves.append(curve)
            if theory.optimum is not None:
                self.optimum.setData([{"pos": (math.log10(theory.optimum[0]),
                                               theory.optimum[1])}])
        if first:
            self.plot.getPlotItem().setRange(xRange=(l0, l1), yRange=(m0, m1), padding=0)
        p = result.progress
        state = "cancelled" if p.cancelled else ("done" if p.complete else "computing")
        what = "steps taken" if self.colour == "steps" else \
            f"log₁₀ final loss from {low:.3g} (dark) to {high:.3g} (bright)"
        text = (f"{len(result.lr)}×{len(result.mu)} cells, {p.done} of {p.total} steps "
                f"({state}). Colour: {what}; grey: diverged.")
        if theory is not None:
            text += (" Dashed: the quadratic theory's divergence boundary; dotted: between "
                     "each pair of curves the error rotates (complex roots)")
            if theory.optimum is not None:
                text += f"; star: the optimum η = {theory.optimum[0]:.3g}, μ = " \
                        f"{theory.optimum[1]:.3g}"
            text += "."
        self.caption.setText(text + " Click a cell to load that η and μ.")

    def _clicked(self, event: Any) -> None:
        if self.result is None or event.button() != Qt.MouseButton.LeftButton:
            return
        point: QPointF = self.plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.pick(10.0 ** point.x(), point.y())

    def pick(self, lr: float, mu: float) -> None:
        if self.result is None:
            return
        cell = self.result.cell_at(lr, mu)
        if cell is not None:
            i, j = cell
            self.sigPicked.emit(float(self.result.lr[i]), float(self.result.mu[j]))


# --- the race -------------------------------------------------------------------------------
class RacePlot(_MapPlot):
    """Each optimizer's loss against the step, at its (tuned) rate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Race", parent)
        self.plot = _plot_widget()
        item = self.plot.getPlotItem()
        _log_axes(self.plot, x=False, y=True)
        style.set_axis_label(item, "left", "loss")
        style.set_axis_label(item, "bottom", "step")
        self.legend = item.addLegend(offset=(-10, 10))
        self.legend.setLabelTextColor(style.FOREGROUND)
        self._layout.addWidget(self.plot, 1)
        self._finish_layout()

    def set_result(self, result: RaceResult) -> None:
        self.plot.clear()
        self.legend.clear()
        steps = np.arange(len(result.loss))
        for k, row in enumerate(result.rows()):
            ly = _finite_log10(result.loss[:, k])
            ok = np.isfinite(ly)
            self.plot.plot(steps[ok], ly[ok], pen=pg.mkPen(style.lane_color(k), width=2),
                           name=f"{row[0]}, η = {row[1]:.3g}")
        self.title.setText("Race at tuned rates" if result.tuned else "Race at default rates")
        self.caption.setText("Each optimizer's own best η within the step budget (a sweep "
                             "each; ties to the larger η)." if result.tuned else
                             "Each optimizer at the surface's default rate for it.")


# --- files ----------------------------------------------------------------------------------
def map_plot_for(result: Any, **options: Any) -> _MapPlot:
    """A plot widget showing ``result``."""
    if isinstance(result, SweepResult):
        plot: _MapPlot = SweepPlot()
        plot.set_result(result)
    elif isinstance(result, LRFindResult):
        plot = LRFindPlot()
        plot.set_result(result, options.get("sweep"))
    elif isinstance(result, BasinResult):
        plot = BasinPlot()
        plot.set_result(result)
    elif isinstance(result, MomentumMapResult):
        plot = MomentumPlot(colour=options.get("colour", "loss"))
        plot.set_result(result)
    elif isinstance(result, RaceResult):
        plot = RacePlot()
        plot.set_result(result)
    else:
        raise TypeError(f"not a map result: {type(result).__name__}")
    return plot


def save_map_png(result: Any, path: Path, *, size: QSize | None = None, **options: Any) -> None:
    """Write the map's figure to ``path`` (PNG, twice the widget's size)."""
    if path.suffix.lower() != ".png":
        raise ValueError(f"a map figure is written as .png, got {path.name}")
    plot = map_plot_for(result, **options)
    plot.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    plot.setStyleSheet(f"background: {style.BACKGROUND};")
    plot.resize(size or QSize(820, 640))
    try:
        QCoreApplication.processEvents()
        write_png(plot, path, 2.0)
    except ExportError as exc:
        raise ValueError(str(exc)) from None
    finally:
        plot.close()
        plot.deleteLater()
