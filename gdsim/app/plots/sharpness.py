"""Sharpness λ_max(t) over the run, with the line 2/η_t, in the loss-plot group (issue 12).

Gradient descent with rate η is stable along the sharpest direction only while λ_max < 2/η;
Cohen et al. (2021, "Gradient descent on neural networks typically occurs at the edge of
stability") observed that it drives λ_max up until it hovers at 2/η. This row of the loss plot
draws, per lane, λ_max of the full-batch Hessian at every visited θ_t (thick) and 2/η_t (dashed,
same colour), on a log axis, x-linked to the loss. The Hessians are evaluated once per row, in
batches, from the history (:meth:`~gdsim.core.surfaces.base.Surface.hessian`); surfaces with
more than :data:`MAX_DIM` parameters are not drawn. At most about :data:`POINTS` points per
curve are drawn (every k-th row).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gdsim.app import style
from gdsim.app.model.history import History
from gdsim.app.plots.light_items import LightDataItem
from gdsim.core import curvature
from gdsim.core.surfaces import Surface

MAX_DIM = 16
POINTS = 2000
TOOLTIP = ("Sharpness λ_max of the Hessian at each step (thick) and 2/η (dashed): gradient "
           "descent is stable only while λ_max < 2/η, and often settles where λ_max ≈ 2/η.")


class SharpnessRow:
    """A plot row of λ_max(t) and 2/η_t per lane, added to a ``GraphicsLayoutWidget``."""

    def __init__(self, graphics: pg.GraphicsLayoutWidget, row: int, link: pg.PlotItem,
                 axis_items: dict) -> None:
        self.plot: pg.PlotItem = graphics.addPlot(row=row, col=0, axisItems=axis_items)
        style.style_plot(self.plot)
        self.plot.hideButtons()
        self.plot.getAxis("left").setWidth(62)
        self.plot.setXLink(link)
        self.plot.setLogMode(y=True)
        self.plot.getAxis("bottom").setStyle(showValues=False)
        style.set_axis_label(self.plot, "left", "λ_max")
        self.plot.getAxis("left").setToolTip(TOOLTIP)
        self.surface: Surface | None = None
        self.sharp: list[pg.PlotDataItem] = []
        self.edge: list[pg.PlotDataItem] = []
        self._buf = np.empty((0, 0))
        self._done = 0
        self._generation: int | None = None
        self.set_visible(False)

    def set_visible(self, on: bool) -> None:
        """Show or hide the row; hidden, it takes no room in the layout."""
        self.plot.setVisible(on)
        self.plot.setMaximumHeight(16_777_215 if on else 0)
        self.visible = bool(on)

    def set_surface(self, surface: Surface | None) -> None:
        self.surface = surface
        self._done, self._generation = 0, None

    def set_lanes(self, count: int) -> None:
        for item in (*self.sharp, *self.edge):
            self.plot.removeItem(item)
        self.sharp, self.edge = [], []
        for i in range(count):
            color = style.lane_color(i)
            sharp = LightDataItem(pen=pg.mkPen(color, width=2))
            edge = LightDataItem(pen=pg.mkPen(color, width=1.2, style=Qt.PenStyle.DashLine))
            for item in (sharp, edge):
                item.setToolTip(TOOLTIP)
                self.plot.addItem(item)
            self.sharp.append(sharp)
            self.edge.append(edge)
        self._done, self._generation = 0, None

    def lambda_max(self, history: History) -> np.ndarray | None:
        """λ_max at every history row, ``(rows, runs)``, computed once per row; ``None`` when
        the surface has no (small enough) Hessian."""
        surface = self.surface
        if surface is None or surface.dim > MAX_DIM or history.dim != surface.dim:
            return None
        n, runs = history.length, history.runs
        if history.generation != self._generation or n < self._done \
                or self._buf.shape[1:] != (runs,):
            self._done, self._generation = 0, history.generation
            self._buf = np.empty((max(n, 1024), runs))
        if n > len(self._buf):
            grown = np.empty((max(n, 2 * len(self._buf)), runs))
            grown[: self._done] = self._buf[: self._done]
            self._buf = grown
        start = max(self._done - 1, 0)  # a frame's last row is sent again with the next
        if n > start:
            try:
                with np.errstate(all="ignore"):
                    hess = surface.hessian(history.theta[start:n])
            except NotImplementedError:
                return None
            self._buf[start:n] = curvature.lambda_max(hess)
        self._done = n
        return self._buf[:n]

    def update(self, history: History | None) -> None:
        """Redraw from ``history`` (only while shown)."""
        if not self.visible or history is None or history.length == 0:
            return
        values = self.lambda_max(history)
        if values is None:
            for item in (*self.sharp, *self.edge):
                item.setData([], [])
            return
        n = history.length
        stride = max(1, math.ceil(n / POINTS))
        rows = np.arange(0, n, stride)
        for lane, (sharp, edge) in enumerate(zip(self.sharp, self.edge, strict=False)):
            if lane >= history.runs:
                break
            last = min(n, history.lane_rows(lane))
            r = rows[rows < last]
            lam = values[r, lane]
            keep = np.isfinite(lam) & (lam > 0)
            sharp.setData(r[keep].astype(float), lam[keep])
            with np.errstate(divide="ignore"):
                edge_values = 2.0 / history.lr[r, lane]
            ok = np.isfinite(edge_values) & (edge_values > 0)
            edge.setData(r[ok].astype(float), edge_values[ok])
