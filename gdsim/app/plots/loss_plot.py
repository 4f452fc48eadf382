"""Loss, gradient norm and learning rate against the step, one curve per lane.

Three x-linked plots stacked in one ``GraphicsLayoutWidget``:

* the full-batch loss L(θ_t) of every lane (thick), and the mini-batch loss the update saw
  (thin, translucent) for lanes whose batch is smaller than the data set; a log-y toggle
  (on a log scale the gap to the known minimum, L − L*, is drawn when L* is known, so that
  convergence shows as a straight line and negative losses stay drawable);
* the gradient norm |∇L(θ_t)|, always on a log scale;
* the learning rate η_t, the schedule.

Every curve is handed at most ~2 × :data:`CURVE_POINTS` points, however long the run: past
one row per pixel column (:meth:`LossPlot.bucket_budget`, at most ``CURVE_POINTS``) the rows
are grouped in buckets of a power-of-two number of steps and each bucket drawn as its
maximum and minimum (peak decimation, which keeps spikes and the envelope of a noisy curve).
The factor depends on the row count and the plot's width in pixels only — not on the view's
range, which auto-ranges from the data: pyqtgraph's automatic downsampling and the auto-range
can chase each other in an endless repaint loop — and the buckets are computed incrementally,
once per bucket. The curves ignore a ``PlotItem``'s downsampling and clip-to-view settings (which
``PlotItem.addItem`` would otherwise impose on them).

After new data the three x-linked plots settle their auto-ranges at once, before painting:
otherwise each paint moves the linked plots' ranges and schedules another paint. The
auto-ranges move seldom (:class:`_SteadyViewBox`): a range that must grow grows ahead of the
data, and is kept while the data fill enough of it — a new range re-lays out an axis's ticks
and grid (about 5 ms per axis), which every frame of a long run would otherwise pay six times.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gdsim.app import style
from gdsim.app.model.formatting import fmt_number
from gdsim.app.model.history import History
from gdsim.app.model.readout import LEGEND_HZ, ReadoutPace
from gdsim.app.plots import sharpness
from gdsim.app.plots.axes import NumberAxis
from gdsim.app.plots.legend import Legend, path_points
from gdsim.app.plots.light_items import BoundedCurve, LightDataItem
from gdsim.app.plots.pieces import Pieces
from gdsim.core.surfaces import Surface

LR_LOG_RATIO = 20.0
LABEL_ROOM_PX = 8  # pixels between an end label of the η axis and the panel's edge
LR_MARGIN = 0.15  # the linear η axis spans −0.15·η_max … 1.15·η_max: 0 and η_max labelled
RATE_LABEL_PX = 13  # constant rates are labelled on the η axis if this many pixels apart
LEGEND_GAP = 8  # pixels between the legend's band and the curves below it
LEGEND_SHARE = 0.4  # the legend (in columns if need be) takes at most this share of the panel
MIN_STEPS_SHOWN = 10  # the step axis spans at least 0 … this
START_DOT_SIZE = 7  # pixels: the start point (step 0) of every lane, on every panel
CURVE_POINTS = 1000
"""Rows drawn as they are; beyond, buckets of 2^k rows (≤ CURVE_POINTS buckets, 2 points each:
a bucket's envelope about every pixel of a wide plot)."""
TAIL_POINTS = 64
"""A curve's final points go into a new cached piece once this many wait in its live tail
(which is repainted every frame): pieces are made, and merged, every few frames, not each."""
RANGE_LEAD = 0.5
"""An auto-range that must grow grows this fraction of the data's span beyond the data."""
RANGE_FILL = 0.5
"""An auto-range is kept while the data span at least this fraction of it."""
RANGE_SLACK = 0.03
"""... and while the data's bounds are within it, give or take this fraction of it."""


MIN_BUCKETS = 256
"""Buckets at least, however narrow the plot (see :meth:`LossPlot.bucket_budget`)."""


def decimation_factor(rows: int, buckets: int = CURVE_POINTS) -> int:
    """The bucket size for ``rows`` rows: 1 up to ``buckets``, else the smallest power of
    two that leaves at most ``buckets`` buckets."""
    if rows <= buckets:
        return 1
    return 1 << math.ceil(math.log2(rows / buckets))


def _without_flat_interiors(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same polyline without the inner points of runs of equal ``y`` (a constant rate is
    two points, not one per bucket: wide pens cost about a microsecond per point)."""
    if len(y) < 3:
        return x, y
    keep = np.ones(len(y), dtype=bool)
    keep[1:-1] = (y[1:-1] != y[:-2]) | (y[1:-1] != y[2:])
    return x[keep], y[keep]


class _SteadyViewBox(pg.ViewBox):
    """A view box whose auto-range moves seldom: the data bounds it reports grow ahead of the
    data (:data:`RANGE_LEAD`) and stay while the data are inside and fill at least
    :data:`RANGE_FILL` of them. The range always covers the data."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[tuple[float, float] | None] = [None, None]

    def release(self) -> None:
        """Forget the held ranges (the data's coordinates changed, e.g. log scale)."""
        self._held = [None, None]

    def childrenBounds(self, frac=None, orthoRange=(None, None), items=None):  # noqa: N802, ANN001, ANN201
        bounds = super().childrenBounds(frac=frac, orthoRange=orthoRange, items=items)
        if items is not None or any(r is not None for r in orthoRange):
            return bounds
        for ax in (0, 1):
            if bounds[ax] is None:
                self._held[ax] = None
                continue
            lo, hi = (float(v) for v in bounds[ax])
            held = self._held[ax]
            if held is not None:
                # The bounds include the pens' widths in data units, which follow the range:
                # a small slack keeps that from moving the range.
                slack = RANGE_SLACK * (held[1] - held[0])
                low, high = lo < held[0] - slack, hi > held[1] + slack
                if not (low or high) and hi - lo >= RANGE_FILL * (held[1] - held[0]):
                    bounds[ax] = list(held)
                    continue
                lead = RANGE_LEAD * (hi - lo)
                lo, hi = (lo - lead if low else lo), (hi + lead if high else hi)
            self._held[ax] = (lo, hi)
            bounds[ax] = [lo, hi]
        return bounds


def _axes() -> dict[str, NumberAxis]:
    return {"left": NumberAxis("left"), "bottom": NumberAxis("bottom", integer=True)}


class _Curve(LightDataItem):
    """A curve that keeps its data as given: the decimation is done by :class:`LossPlot`, so
    a ``PlotItem``'s downsampling and clip-to-view settings (imposed by ``addItem`` and by
    its context menu) do not apply.

    With ``pieces=True`` it holds the whole curve (what readers, the legend and the auto-range
    see) but paints it as cached :class:`~gdsim.app.plots.pieces.Pieces` and a live tail: set
    :attr:`stable` before ``setData`` to the number of leading points that are final (whole
    buckets): final points join the pieces :data:`TAIL_POINTS` at a time, and a frame paints
    only the tail, the points that are not in a piece yet."""

    def __init__(self, *args: object, pieces: bool = False, **kwargs: object) -> None:
        self.stable = 0
        self.epoch: object = None  # changes whenever the points already drawn may change
        self._pieces: Pieces[_CurvePiece] | None = None
        self._tail: _CurvePiece | None = None
        super().__init__(*args, **kwargs)
        if pieces:
            self._pieces = Pieces(lambda: _CurvePiece(self, cached=True))
            self._tail = _CurvePiece(self, cached=False)
            # The pieces paint it; the curve item stays, visible but painting nothing, for
            # what pyqtgraph asks of it (the data bounds the auto-range uses, the padding).
            self.curve.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
            self.updateItems()

    def setDownsampling(self, *args: object, **kwargs: object) -> None:  # noqa: N802
        pass

    def setClipToView(self, *args: object, **kwargs: object) -> None:  # noqa: N802
        pass

    def updateItems(self, styleUpdate: bool = True) -> None:  # noqa: N802, N803 (pyqtgraph's)
        super().updateItems(styleUpdate)
        if self._pieces is None or self._tail is None:
            return
        curve = self.curve
        shown = curve.isVisible()
        pen = pg.mkPen(self.opts["pen"])
        for piece in (*self._pieces.strokes(), self._tail):
            if piece.item.opts["pen"] != pen:  # a new pen repaints the piece: only if changed
                piece.item.setPen(pen)
        x, y = curve.xData, curve.yData
        if not shown or x is None or y is None or not len(x):
            self._pieces.clear()
            self._tail.clear()
            return
        stable = min(max(self.stable, 0), len(x))
        key = (self.epoch, self.opts["logMode"][0], self.opts["logMode"][1], self._clipping(y))
        pieces = self._pieces
        if pieces.redraws(stable, False, key) or stable - pieces.count >= TAIL_POINTS:
            pieces.show(np.column_stack([x[:stable], y[:stable]]), "finite", False, key)
        first = max(pieces.count - 1, 0)  # the tail: every point not in a piece yet
        self._tail.set_data(x[first:], y[first:], "finite", False)

    def _clipping(self, y: np.ndarray) -> object:
        """What pyqtgraph's dynamic range limit may have done to the display values ``y``:
        ``None`` when it cannot have clipped them (their span is within twice the limit times
        the view's height, the least its rule needs), else the view's y range (the clip
        follows it, so the points drawn change with it)."""
        limit, vb = self.opts["dynamicRangeLimit"], self.getViewBox()
        if limit is None or vb is None:
            return None
        (y0, y1) = vb.viewRange()[1]
        with np.errstate(all="ignore"):
            span = float(np.fmax.reduce(y) - np.fmin.reduce(y))
        if span == span and span <= 2 * limit * abs(y1 - y0):  # not NaN, within the limit
            return None
        return (y0, y1)


class _CurvePiece:
    """A piece of a :class:`_Curve`'s painting: a child curve item with its pen."""

    def __init__(self, parent: _Curve, cached: bool) -> None:
        self.item = BoundedCurve(pen=parent.opts["pen"], connect="finite")
        self.item.setParentItem(parent)
        if cached:
            self.item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_data(self, x: np.ndarray, y: np.ndarray, connect: str | np.ndarray,
                 smooth: bool) -> None:
        self.item.setData(x=x, y=y, connect=connect)
        self.item.setVisible(True)  # shown as its parent is

    def clear(self) -> None:
        """Hidden (a hidden item costs a paint nothing; its points are replaced when it is
        used again, and nothing reads a piece's points)."""
        self.item.setVisible(False)


class _StepExtent(pg.GraphicsObject):
    """Invisible: makes the x auto-range span steps 0 … max(t, MIN_STEPS_SHOWN), so a run at
    step 0 (one point, no width) shows steps 0…10, not −30…30 around it; and, while the
    legend is shown, adds a band above the curves (``y_bounds``, view units) for it."""

    def __init__(self) -> None:
        super().__init__()
        self.last = float(MIN_STEPS_SHOWN)
        self.y_bounds: tuple[float, float] | None = None

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: object = None  # noqa: N802, N803
                   ) -> tuple[float, float] | None:
        return (0.0, self.last) if ax == 0 else self.y_bounds

    def boundingRect(self) -> pg.QtCore.QRectF:  # noqa: N802 - Qt's name
        return pg.QtCore.QRectF()

    def paint(self, *args: object) -> None:
        pass


def _curve(pen: pg.QtGui.QPen, name: str | None = None, pieces: bool = True) -> _Curve:
    return _Curve(pen=pen, connect="finite", name=name, pieces=pieces)


class _PeakColumn:
    """The peak decimation of one growing column (a lane's loss, |∇L|, η, ...), incremental:
    whole buckets are computed once. The last row is never in a whole bucket (a frame sends
    the previous frame's last row again, with its per-step fields completed)."""

    def __init__(self) -> None:
        self.factor = 1
        self.buckets = 0  # whole buckets computed
        self._hi = np.empty(0)
        self._lo = np.empty(0)

    def reset(self) -> None:
        self.factor, self.buckets = 1, 0

    def data(self, values: np.ndarray | _GradNorms, factor: int,
             steps: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` to draw for ``values``, the rows of steps 0, 1, ... (an array, or a
        column that computes the rows it is sliced for): undecimated (``factor`` 1) at
        ``steps``, the step numbers (as many as ``values``); decimated, at each bucket's first
        and last step."""
        n = len(values)
        if factor <= 1:
            if steps is None or len(steps) != n:
                raise ValueError("an undecimated column needs one step number per value")
            return steps, values[:]
        if factor != self.factor:
            self._refactor(factor)
        whole = (n - 1) // factor
        if whole < self.buckets:  # fewer rows than before: start over
            self.buckets = 0
        if whole > self.buckets:
            if whole > len(self._hi):
                grow = max(whole, 2 * len(self._hi), 64)
                self._hi = np.resize(self._hi, grow)
                self._lo = np.resize(self._lo, grow)
            block = values[self.buckets * factor: whole * factor].reshape(-1, factor)
            self._hi[self.buckets: whole] = np.fmax.reduce(block, axis=1)
            self._lo[self.buckets: whole] = np.fmin.reduce(block, axis=1)
            self.buckets = whole
        tail = values[whole * factor:]  # the partial last bucket: at least the last row
        count = whole + 1
        x = np.empty(2 * count)
        y = np.empty(2 * count)
        starts = np.arange(count, dtype=float) * factor
        x[0::2] = starts
        x[1::2] = starts + (factor - 1)
        x[-1] = n - 1
        y[0:2 * whole:2] = self._hi[:whole]
        y[1:2 * whole:2] = self._lo[:whole]
        y[-2], y[-1] = np.fmax.reduce(tail), np.fmin.reduce(tail)
        return x, y

    def final_points(self, rows: int) -> int:
        """How many leading points of the last :meth:`data` (for ``rows`` rows) are final: the
        whole buckets' (or, undecimated, every row but the last, which comes again)."""
        return 2 * self.buckets if self.factor > 1 else max(rows - 1, 0)

    def _refactor(self, factor: int) -> None:
        """Merge whole buckets pairwise while the factor doubles; start over otherwise."""
        if factor > self.factor > 1 and factor % self.factor == 0:
            while self.factor < factor:
                pairs = self.buckets // 2
                hi, lo = self._hi[: 2 * pairs], self._lo[: 2 * pairs]
                self._hi[:pairs] = np.fmax(hi[0::2], hi[1::2])
                self._lo[:pairs] = np.fmin(lo[0::2], lo[1::2])
                self.buckets, self.factor = pairs, 2 * self.factor
        else:
            self.factor, self.buckets = factor, 0


@dataclass
class _LaneCurves:
    loss: pg.PlotDataItem
    batch_loss: pg.PlotDataItem
    grad_norm: pg.PlotDataItem
    lr: pg.PlotDataItem

    starts: tuple[pg.PlotDataItem, ...] = ()  # step 0 on the loss, |∇L| and η panels
    start_values: list[tuple[bool, float] | None] = field(default_factory=lambda: [None] * 3)
    columns: dict[str, _PeakColumn] = field(default_factory=lambda: {
        name: _PeakColumn() for name in ("loss", "batch_loss", "grad_norm", "lr")})

    def items(self) -> tuple[pg.PlotDataItem, ...]:
        return (self.loss, self.batch_loss, self.grad_norm, self.lr)


class _GradNorms:
    """|∇L| of one lane's rows, computed for the rows asked for, not stored: a decimated
    column reads only the rows that are not in a whole bucket yet (kept in a buffer, it had
    to be copied whenever the buffer grew: a stall of 10 ms at a million rows)."""

    def __init__(self, grad: np.ndarray) -> None:
        self._grad = grad  # (rows, parameters)

    def __len__(self) -> int:
        return len(self._grad)

    def __getitem__(self, rows: slice) -> np.ndarray:
        g = self._grad[rows]
        with np.errstate(all="ignore"):
            return np.sqrt(np.einsum("rd,rd->r", g, g))


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
        self.sharpness_check = QCheckBox("Sharpness")
        self.sharpness_check.setObjectName("sharpness_check")
        self.sharpness_check.setToolTip(sharpness.TOOLTIP)
        header.addWidget(self.sharpness_check)
        header.addWidget(self.log_y_check)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(style.BACKGROUND)
        self.plot_item: pg.PlotItem = self.graphics.addPlot(
            row=0, col=0, axisItems=_axes(), viewBox=_SteadyViewBox())
        self.grad_plot: pg.PlotItem = self.graphics.addPlot(
            row=1, col=0, axisItems=_axes(), viewBox=_SteadyViewBox())
        self.lr_plot: pg.PlotItem = self.graphics.addPlot(
            row=2, col=0, axisItems=_axes(), viewBox=_SteadyViewBox())
        self.sharpness = sharpness.SharpnessRow(self.graphics, 3, self.plot_item, _axes())
        self.sharpness_check.toggled.connect(self.set_sharpness)
        grid = self.graphics.ci.layout
        for row, stretch in enumerate((3, 1, 1, 1)):
            grid.setRowStretchFactor(row, stretch)
        self.plots = (self.plot_item, self.grad_plot, self.lr_plot)
        for plot in self.plots:
            style.style_plot(plot)
            plot.hideButtons()
            plot.getAxis("left").setWidth(62)
            for side in ("left", "bottom"):
                # A grid axis covers its plot, so every new curve point repainted it (its
                # ticks, labels and grid lines); cached, it is repainted only when its range
                # changes, which the steady auto-ranges make rare.
                plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        for plot in (self.grad_plot, self.lr_plot):
            plot.setXLink(self.plot_item)
        for plot in (self.plot_item, self.grad_plot):
            plot.getAxis("bottom").setStyle(showValues=False)
        self.grad_plot.setLogMode(y=True)
        self._extent = _StepExtent()
        self.plot_item.addItem(self._extent)
        self.lr_plot.enableAutoRange(axis="y", enable=False)
        style.set_axis_label(self.grad_plot, "left", "|∇L|")
        style.set_axis_label(self.lr_plot, "left", "η")
        style.set_axis_label(self.lr_plot, "bottom", "step t")
        self.grad_plot.getAxis("left").setToolTip("Norm of the full-batch gradient (log scale)")
        self.lr_plot.getAxis("left").setToolTip("The learning rate of each step (the schedule)")
        self.legend = Legend(self.plot_item.getViewBox())
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
        self.history: History | None = None
        self._legend_pace = ReadoutPace(LEGEND_HZ)
        self._decimated: tuple[History, int] | None = None  # whose columns are decimated
        self._rate_ticks: list | None = None  # explicit η ticks (constant rates), or None
        self._legend_has_batch = False
        self._update_loss_label()

    # --- configuration ----------------------------------------------------------------------
    def set_surface(self, surface: Surface | None) -> None:
        """Use the surface's known minimum loss L* as the log scale's reference."""
        minima = [] if surface is None else surface.minima()
        self._reference = min((p.loss for p in minima), default=None)
        self.sharpness.set_surface(surface)
        self._update_loss_label()
        self._redraw()

    def set_lanes(self, labels: list[str]) -> None:
        """One set of curves per label, in lane colours. The same number of lanes only renames
        them (a live edit of a long run keeps its decimated curves)."""
        if len(labels) == len(self.lanes) and self.lanes:
            self._labels = list(labels)
            for lane, label in zip(self.lanes, labels, strict=True):
                lane.loss.opts["name"] = label
                self._set_tooltips(lane, label)
            self._rebuild_legend(self._legend_has_batch)
            return
        for lane in self.lanes:
            self.plot_item.removeItem(lane.loss)
            self.plot_item.removeItem(lane.batch_loss)
            self.grad_plot.removeItem(lane.grad_norm)
            self.lr_plot.removeItem(lane.lr)
            for plot, dot in zip(self.plots, lane.starts, strict=True):
                plot.removeItem(dot)
        self._labels = list(labels)
        self.lanes = []
        self.sharpness.set_lanes(len(labels))
        for i, label in enumerate(labels):
            color = style.lane_color(i)
            lane = _LaneCurves(
                loss=_curve(pg.mkPen(color, width=2.2), label),
                batch_loss=_curve(pg.mkPen(style.mixed_with_white(color, 0.65), width=1)),
                grad_norm=_curve(pg.mkPen(color, width=1.6)),
                lr=_curve(pg.mkPen(color, width=1.6), pieces=False),  # a few points
            )
            lane.batch_loss.setZValue(-1)
            lane.starts = tuple(self._start_dot(i) for _ in self.plots)
            for plot, dot in zip(self.plots, lane.starts, strict=True):
                plot.addItem(dot)
            self._set_tooltips(lane, label)
            self.plot_item.addItem(lane.batch_loss)
            self.plot_item.addItem(lane.loss)
            self.grad_plot.addItem(lane.grad_norm)
            self.lr_plot.addItem(lane.lr)
            self.lanes.append(lane)
        self._rebuild_legend(any_batch=False)

    @staticmethod
    def _start_dot(i: int) -> pg.PlotDataItem:
        dot = _Curve(pen=None, symbol=style.lane_symbol(i), symbolSize=START_DOT_SIZE,
                     symbolBrush=pg.mkBrush(style.lane_color(i)),
                     symbolPen=pg.mkPen(style.BACKGROUND, width=1))
        dot.setZValue(5)
        dot.scatter.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # it stays put
        dot.setToolTip("The start point, step 0")
        return dot

    def start_dots(self, lane: int) -> tuple[pg.PlotDataItem, ...]:
        """Lane ``lane``'s start dots on the loss, |∇L| and η panels."""
        return self.lanes[lane].starts

    @staticmethod
    def _set_tooltips(lane: _LaneCurves, label: str) -> None:
        lane.batch_loss.setToolTip(f"{label}: loss of the mini-batch each update used")
        lane.loss.setToolTip(f"{label}: full-batch loss L(θ_t)")

    def set_log_y(self, on: bool) -> None:
        """Log scale for the loss axis (also ticks the check box)."""
        on = bool(on)
        if self.log_y_check.isChecked() != on:
            self.log_y_check.setChecked(on)  # emits toggled -> comes back here
            return
        self.plot_item.setLogMode(y=on)
        self.plot_item.getViewBox().release()
        self._update_loss_label()
        self._redraw()
        self.plot_item.enableAutoRange()

    def _scale_lr_axis(self, bottom: float, top: float) -> None:
        """η from 0 up (a constant rate is a flat line at its value, not a zoomed-in band);
        on a log axis instead when the lanes' rates differ by more than a factor 20."""
        # Setting the η plot's y range passes its x range on to the x-linked loss plot,
        # which would turn the loss plot's x auto-range off: keep it as it was.
        leader = self.plot_item.getViewBox()
        x_auto = leader.autoRangeEnabled()[0]
        self._set_lr_range(bottom, top)
        if x_auto and not leader.autoRangeEnabled()[0]:
            leader.enableAutoRange(axis=pg.ViewBox.XAxis, enable=x_auto)

    def _set_lr_range(self, bottom: float, top: float) -> None:
        log = top > 0 and math.isfinite(bottom) and top / bottom > LR_LOG_RATIO
        if log != self.lr_plot.getAxis("left").logMode:
            self.lr_plot.setLogMode(y=log)
        # The end labels need LABEL_ROOM_PX above and below, or pyqtgraph drops them: a
        # short panel gets a wider margin (as a share of the span).
        height = self.lr_plot.getViewBox().height()
        room = LABEL_ROOM_PX / (height - 2 * LABEL_ROOM_PX) if height > 4 * LABEL_ROOM_PX \
            else 0.5
        if log:
            lo, hi = math.log10(bottom), math.log10(top)
            pad = max(0.25, room * (hi - lo))
            self.lr_plot.setYRange(lo - pad, hi + pad, padding=0)
        else:
            top = top if top > 0 else 1.0
            # From 0 (labelled, clear of the bottom edge) to just above the largest rate.
            margin = max(LR_MARGIN, room)
            self.lr_plot.setYRange(-margin * top, (1 + margin) * top, padding=0)

    def _label_rates(self, rates: set[float] | None) -> None:
        """Constant rates (the common case) are labelled with their values on the η axis,
        as far as the labels do not collide; a schedule gets ordinary ticks."""
        axis = self.lr_plot.getAxis("left")
        if not rates:
            if self._rate_ticks is not None:
                axis.setTicks(None)
                self._rate_ticks = None
            return
        log = axis.logMode
        vb = self.lr_plot.getViewBox()
        (_, _), (y0, y1) = vb.viewRange()
        per_pixel = (y1 - y0) / max(vb.height(), 1.0)
        major: list[tuple[float, str]] = []
        candidates = sorted(rates, reverse=True)  # the largest first: kept when crowded
        if not log:
            candidates.append(0.0)  # and 0: at least two labels, the rate read against 0
        for rate in candidates:
            pos = math.log10(rate) if log else rate
            if all(abs(pos - p) >= RATE_LABEL_PX * per_pixel for p, _ in major):
                major.append((pos, fmt_number(rate, 3)))
        ticks = [sorted(major), []]
        if ticks != self._rate_ticks:
            axis.setTicks(ticks)
            self._rate_ticks = ticks

    def log_y(self) -> bool:
        return self.log_y_check.isChecked()

    def _update_loss_label(self) -> None:
        axis = self.plot_item.getAxis("left")
        if self.log_y() and self._reference is not None and self._reference != 0:
            text = "L − L*"  # short: the axis is as tall as the plot, often 100 px
            axis.setToolTip(f"The loss above its known minimum L* = "
                            f"{fmt_number(self._reference)}, on a log scale")
        else:
            text = "loss L"
            axis.setToolTip("The full-batch loss L(θ_t)" + (", on a log scale"
                                                          if self.log_y() else ""))
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
        self._place_legend()

    # --- data -------------------------------------------------------------------------------
    def update_history(self, history: History) -> None:
        """Redraw every lane's curves from ``history`` (``setData`` on views, no new items)."""
        self.history = history
        self._redraw()
        self.sharpness.update(history)

    def set_sharpness(self, on: bool) -> None:
        """Show or hide the row of λ_max(t) and 2/η_t."""
        self.sharpness.set_visible(on)
        self.sharpness.update(self.history)

    def _redraw(self) -> None:
        history = self.history
        if history is None:
            return
        n = history.length
        if (history, history.generation) != self._decimated:
            self._decimated = (history, history.generation)
            for lane in self.lanes:
                for column in lane.columns.values():
                    column.reset()
        offset = self._reference if (self.log_y() and self._reference is not None) else 0.0
        factor = decimation_factor(n, self.bucket_budget())
        any_batch = False
        lr_top, lr_bottom = 0.0, math.inf
        constant_rates: set[float] | None = set()  # each lane's η, while every one is constant
        for i, lane in enumerate(self.lanes):
            if i >= history.runs or n == 0:
                for item in (*lane.items(), *lane.starts):
                    item.setData(np.empty(0), np.empty(0))
                lane.start_values = [None] * len(lane.starts)
                continue
            rows = history.lane_rows(i)
            # Step numbers for an undecimated curve (at most CURVE_POINTS rows); decimated
            # curves compute theirs per bucket.
            steps = np.arange(rows, dtype=float) if factor == 1 else None
            columns = lane.columns

            def shown(name: str, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return columns[name].data(values, factor, steps)  # noqa: B023

            def final(item: pg.PlotDataItem, name: str) -> None:
                """Tell ``item`` which of the points it is given next are final."""
                item.stable = columns[name].final_points(rows)  # noqa: B023
                item.epoch = (id(history), history.generation, factor, offset)

            info = history.lanes[i] if i < len(history.lanes) else None
            mini = info is not None and info.batch_size < info.n_examples
            any_batch |= mini
            with np.errstate(all="ignore"):
                x, y = shown("loss", history.loss[:rows, i])
                final(lane.loss, "loss")
                lane.loss.setData(x, y - offset if offset else y)
                if mini:
                    x, y = shown("batch_loss", history.batch_loss[:rows, i])
                    final(lane.batch_loss, "batch_loss")
                    lane.batch_loss.setData(x, y - offset if offset else y)
                else:
                    lane.batch_loss.setData(np.empty(0), np.empty(0))
                x, y = shown("grad_norm", _GradNorms(history.grad[:rows, i]))
                final(lane.grad_norm, "grad_norm")
                lane.grad_norm.setData(x, y)
                x, rates = shown("lr", history.lr[:rows, i])
                lane.lr.setData(*_without_flat_interiors(x, rates))
                self._show_start(lane, history, i, offset)
                rates = rates[np.isfinite(rates) & (rates > 0)]
            if rates.size:
                lr_top = max(lr_top, float(rates.max()))
                lr_bottom = min(lr_bottom, float(rates.min()))
                if constant_rates is not None and rates.min() == rates.max():
                    constant_rates.add(float(rates[0]))
                else:
                    constant_rates = None
        self._extent.last = float(max(n - 1, MIN_STEPS_SHOWN))
        self._extent.informViewBoundsChanged()
        self._scale_lr_axis(lr_bottom, lr_top)
        self._label_rates(constant_rates)
        if any_batch != self._legend_has_batch:
            self._rebuild_legend(any_batch)
        self._legend_band()  # before settling: one range change, one paint
        self._settle_ranges()
        self._place_legend()

    def _show_start(self, lane: _LaneCurves, history: History, i: int, offset: float
                    ) -> None:
        """Step 0 as a dot on each panel (a one-row curve draws nothing); none where the
        value cannot be drawn (not finite, or ≤ 0 on a log axis)."""
        values = (float(history.loss[0, i]) - offset, float(np.linalg.norm(history.grad[0, i])),
                  float(history.lr[0, i]))
        for k, (dot, value, plot) in enumerate(zip(lane.starts, values, self.plots,
                                                   strict=True)):
            log = plot.getAxis("left").logMode
            shown = math.isfinite(value) and not (log and value <= 0)
            if lane.start_values[k] == (shown, value):
                continue  # a scatter's setData costs: only when the dot moves
            lane.start_values[k] = (shown, value)
            dot.setData([0.0], [value]) if shown else dot.setData([], [])

    def _fit_legend(self) -> None:
        """As many legend columns as keep it within LEGEND_SHARE of the panel's height;
        hidden if even that does not fit (it would cover curves)."""
        items = len(self.legend.items)
        vb = self.plot_item.getViewBox()
        height, width = vb.height(), vb.width()
        if not items or height <= 0:
            self.legend.setVisible(bool(items))
            return
        rows = int((LEGEND_SHARE * height - 8) // 15)
        columns = -(-items // max(rows, 1))
        widest = max(label.boundingRect().width() for _, label in self.legend.items) + 30
        fits = rows >= 1 and columns * widest <= 0.9 * width
        if fits and columns != self.legend.columnCount:
            self.legend.setColumnCount(columns)
        self.legend.setVisible(fits)

    def _legend_band(self) -> None:
        """Head room above the loss curves as tall as the legend, so that the legend, in a
        top corner, never covers a curve."""
        band = None
        self._fit_legend()
        if self.legend.isVisible():
            bounds = [b for lane in self.lanes for item in (lane.loss, lane.batch_loss)
                      if item.xData is not None and len(item.xData)
                      and (b := item.dataBounds(1)) is not None
                      and None not in b and all(math.isfinite(v) for v in b)]
            height = self.plot_item.getViewBox().height()
            if bounds and height > 0:
                lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
                share = min((self.legend.boundingRect().height() + 2 * LEGEND_GAP) / height,
                            0.7)
                span = max(hi - lo, 1e-12 * max(1.0, abs(hi)))
                band = (lo, hi + span * share / (1.0 - share))
        if band != self._extent.y_bounds:
            self._extent.y_bounds = band
            self._extent.informViewBoundsChanged()

    def _place_legend(self) -> None:
        """The legend to the corner of the loss plot that hides the fewest curve points; while
        the run plays, at most :data:`~gdsim.app.model.readout.LEGEND_HZ` times a second."""
        self._legend_band()
        playing = self.history is not None and self.history.playing
        if self.legend.isVisible() and self._legend_pace.due(playing):
            curves = [item for lane in self.lanes for item in (lane.loss, lane.batch_loss)]
            self.legend.place([(path_points(curves), 1.0)])

    def _settle_ranges(self) -> None:
        """Auto-range the three x-linked plots now (the loss plot first: it leads the x axis),
        so that the next paint finds them settled and paints once."""
        for _ in range(2):
            before = [plot.getViewBox().viewRange() for plot in self.plots]
            for plot in self.plots:
                plot.getViewBox().updateAutoRange()
            if [plot.getViewBox().viewRange() for plot in self.plots] == before:
                break  # settled: a second pass would change nothing

    def bucket_budget(self) -> int:
        """Buckets a curve may have: one per pixel column of the plot (a bucket draws its
        minimum and maximum, so the envelope is whole), between :data:`MIN_BUCKETS` and
        :data:`CURVE_POINTS`; :data:`CURVE_POINTS` before the plot has a size (an export).
        It depends on the plot's width only, never on its range: an auto-range that followed
        the decimation would chase it."""
        width = self.plot_item.getViewBox().width()
        if width <= 0:
            return CURVE_POINTS
        return int(min(max(width, MIN_BUCKETS), CURVE_POINTS))

    def curve_points(self) -> int:
        """The most points any curve was handed (the bound of a paint's cost)."""
        counts = [0]
        for lane in self.lanes:
            for item in lane.items():
                x, _ = item.getOriginalDataset()
                counts.append(0 if x is None else len(x))
        return max(counts)
