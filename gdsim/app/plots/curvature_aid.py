"""The curvature aid and the inner evaluations on the map (issue 12).

* ``curvature``: the local curvature at the selected lane's point — the Hessian's two
  eigen-directions drawn as axes through the point, each of half-length ∝ 1/√|λ| (the longer
  one a fixed fraction of the view; dashed where λ < 0, a direction of negative curvature),
  labelled with its λ — and the contour of the second-order model
  q(d) = L + ∇L·d + ½dᵀHd through the point, an ellipse centred on the Newton step (shown where
  H is positive definite).
* the inner evaluations of the last update — L-BFGS's function evaluations, a line search's
  trial steps — as a thin polyline from θ_{t−1} through the trial points, with a dot at each
  (shown with the ``step`` aid).

The numbers come from :mod:`gdsim.core.curvature`; this module only places items.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gdsim.app import style
from gdsim.app.model.formatting import fmt_number
from gdsim.app.model.step_snapshot import StepSnapshot
from gdsim.app.plots.light_items import BoundedCurve, Markers
from gdsim.core import curvature

AXIS_FRACTION = 0.15  # the longer half-axis: this fraction of the smaller view side
Z_CURVATURE = 28
COLOR = "#6a3d9a"
INNER_COLOR = "#555555"
TOOLTIP = ("Local curvature: the Hessian's eigen-directions, half-length ∝ 1/√|λ| (dashed "
           "where λ < 0), and the contour of the quadratic model through the point, centred "
           "on the Newton step.")
INNER_TOOLTIP = ("The points the last update evaluated (L-BFGS's inner iterations, a line "
                 "search's trial steps), in order.")


class CurvatureAid:
    """The curvature axes, the model contour and the inner-evaluation polyline of one plot."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.axes = [BoundedCurve(antialias=True) for _ in range(2)]
        self.labels = [pg.TextItem("", color=COLOR, anchor=(0, 0.5),
                                   fill=pg.mkBrush(255, 255, 255, 190)) for _ in range(2)]
        self.contour = BoundedCurve(pen=pg.mkPen(COLOR, width=1.5,
                                                 style=Qt.PenStyle.DotLine),
                                    antialias=True)
        self.inner = BoundedCurve(pen=pg.mkPen(INNER_COLOR, width=1), antialias=True)
        self.inner_dots = Markers(size=4, pen=None, brush=pg.mkBrush(INNER_COLOR))
        for item in (*self.axes, *self.labels, self.contour, self.inner, self.inner_dots):
            plot_item.addItem(item, ignoreBounds=True)
            item.setZValue(Z_CURVATURE)
            item.setToolTip(INNER_TOOLTIP if item in (self.inner, self.inner_dots) else TOOLTIP)
        for label in self.labels:
            label.setFont(style.ui_font(style.BASE_POINT_SIZE - 1))
        self.values: np.ndarray | None = None  # the eigenvalues drawn, ascending
        self.negative: np.ndarray | None = None  # which axes are dashed
        self.hide()

    def hide(self) -> None:
        for item in (*self.axes, *self.labels, self.contour, self.inner, self.inner_dots):
            item.setVisible(False)
        self.values = self.negative = None

    def place(self, snap: StepSnapshot | None, dim: int, px: float, py: float, side_px: float,
              show_curvature: bool, show_inner: bool) -> None:
        """Draw for ``snap`` at the current zoom (``px``, ``py``: data units per pixel)."""
        self.hide()
        if snap is None or snap.info is None:
            return
        if dim == 1:
            if show_curvature:
                self._place_parabola(snap, px, side_px)
            return
        if dim != 2:
            return
        here = np.asarray(snap.theta[:2], dtype=float)
        if not np.all(np.isfinite(here)):
            return
        if show_inner:
            self._place_inner(snap)
        hess = snap.info.hessian
        if not show_curvature or hess is None or not np.all(np.isfinite(hess)):
            return
        axes, negative = curvature.half_axes(hess, 1.0)
        values = curvature.eigenvalues(hess)
        with np.errstate(all="ignore"):
            pixels = np.hypot(axes[0] / px, axes[1] / py)  # screen length of each half-axis
        finite = np.isfinite(pixels) & (pixels > 0)
        if not finite.any():
            return
        k = AXIS_FRACTION * side_px / float(pixels[finite].max())
        self.values, self.negative = values, negative
        for i, (item, label) in enumerate(zip(self.axes, self.labels, strict=True)):
            if finite[i]:
                vector = axes[:, i] * k
            else:  # λ = 0: a flat direction, drawn longer than any curved one
                direction = curvature.eigen(hess)[1][:, i]
                vector = direction * 1.5 * AXIS_FRACTION * side_px * min(px, py)
            ends = np.array([here - vector, here + vector])
            pen_style = Qt.PenStyle.DashLine if negative[i] else Qt.PenStyle.SolidLine
            item.setPen(pg.mkPen(COLOR, width=2, style=pen_style))
            item.setData(ends[:, 0], ends[:, 1])
            item.setVisible(True)
            label.setText(f"λ = {fmt_number(float(values[i]), 3)}")
            label.setPos(float(ends[1, 0] + 4 * px), float(ends[1, 1]))
            label.setVisible(True)
        contour = curvature.model_contour(snap.grad[:2], hess)
        if contour is not None:
            points = here + contour
            self.contour.setData(points[:, 0], points[:, 1])
            self.contour.setVisible(True)

    def _place_parabola(self, snap: StepSnapshot, px: float, side_px: float) -> None:
        """1-D: the quadratic model q(w) = L + L'·d + ½·L''·d² around the current w, over a
        stretch of the view either side, with its curvature λ = L'' labelled."""
        hess = snap.info.hessian if snap.info is not None else None
        if hess is None or not np.all(np.isfinite(hess)):
            return
        w, loss = float(snap.theta[0]), float(snap.loss)
        slope, lam = float(np.ravel(snap.grad)[0]), float(np.ravel(hess)[0])
        if not all(math.isfinite(v) for v in (w, loss, slope, lam, px)) or px <= 0:
            return
        reach = 1.5 * AXIS_FRACTION * side_px * px
        d = np.linspace(-reach, reach, 61)
        model = loss + slope * d + 0.5 * lam * d * d
        self.contour.setData(w + d, model)
        self.contour.setVisible(True)
        self.values, self.negative = np.array([lam]), np.array([lam < 0])
        label = self.labels[0]
        label.setText(f"λ = {fmt_number(lam, 3)}")
        label.setPos(w + reach, float(model[-1]))
        label.setVisible(True)

    def _place_inner(self, snap: StepSnapshot) -> None:
        points = snap.info.inner_points if snap.info is not None else None
        if points is None or len(points) == 0 or snap.prev_theta is None \
                or points.shape[1] < 2:
            return
        path = np.vstack([snap.prev_theta[None, :2], points[:, :2]])
        finite = np.all(np.isfinite(path), axis=1)
        path = path[finite]
        if len(path) < 2:
            return
        self.inner.setData(path[:, 0], path[:, 1])
        self.inner_dots.setData(path[1:, 0], path[1:, 1])
        self.inner.setVisible(True)
        self.inner_dots.setVisible(True)

    def caption(self) -> str:
        """Rich text for the caption line, or ""."""
        parts = []
        if self.values is not None:
            vals = ", ".join(fmt_number(float(v), 3) for v in self.values)
            top = float(self.values[-1])
            extra = f"; 2/λ_max = {fmt_number(2 / top, 3)}" if top > 0 and math.isfinite(top) \
                else ""
            if len(self.values) == 1:  # 1-D: the quadratic model along the curve
                parts.append(f'<span style="color:{COLOR}"><b>H</b></span> quadratic model '
                             f"L + L′·d + ½λd² (λ = {vals}{extra})")
            else:
                parts.append(f'<span style="color:{COLOR}"><b>H</b></span> eigen-directions '
                             f"(λ = {vals}{extra}), axes ∝ 1/√|λ|, dashed where λ &lt; 0")
        if self.inner.isVisible():
            n = len(self.inner_dots.data)
            parts.append(f'<span style="color:{INNER_COLOR}"><b>·</b></span> {n} inner '
                         "evaluation(s) of the last step")
        return " · ".join(parts)
