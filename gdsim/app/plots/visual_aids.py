"""Visual aids at the selected lane's current point: what gradient descent "sees" and does.

* ``gradient``: ∇L(θ_t), pointing uphill. Its size varies over decades, so it is drawn at a
  fixed screen length (a fifth of the view); its true norm is in the label and the caption.
* ``step``: the step actually taken, Δθ = θ_t − θ_{t−1}, at true scale.
* ``state``: the optimizer's state where it is a vector — the velocity b of SGD with momentum,
  Adam's first moment m. Both are running averages of gradients (gradient units), and the
  update moves θ along −b (−m), so the arrow shows −b: where the optimizer's memory pushes θ,
  drawn to the same scale as ∇L (at most three times as long; a longer one is shortened and
  its label gives the true ratio). Adaptive methods' per-parameter rate η·s is an axis-aligned
  ellipse whose semi-axes are proportional to η·sᵢ.
* ``curvature``: the Hessian's eigen-directions and the quadratic model's contour, and (with
  ``step``) the last update's inner evaluations; see :mod:`~gdsim.app.plots.curvature_aid`.
* ``taylor``: the first-order prediction of the last step, ∇L(θ_{t−1})·Δθ, against the actual
  ΔL; in 1-D also the tangent line at the current point.

The aids draw a :class:`~gdsim.app.model.step_snapshot.StepSnapshot`; their geometry depends
on the zoom, so the owner calls :meth:`VisualAids.refresh` when the view changes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QGraphicsEllipseItem

from gdsim.app import style
from gdsim.app.model.aids import AID_DEFAULTS, AID_NAMES, AID_TOOLTIPS
from gdsim.app.model.formatting import fmt_number, fmt_vector, safe_norm
from gdsim.app.model.step_snapshot import StepSnapshot
from gdsim.app.plots.arrow import Arrow, pixel_size
from gdsim.app.plots.curvature_aid import CurvatureAid
from gdsim.app.plots.light_items import BoundedCurve
from gdsim.app.plots.overlay_layout import OverlayLayout, ScreenFrame
from gdsim.core.optimizers import get_optimizer

AIDS = AID_NAMES
GRADIENT_FRACTION = 0.2  # the gradient arrow's length: this fraction of the smaller view side
SCALE_FRACTION = 0.07  # the adaptive-scale ellipse's larger semi-axis, same units
TANGENT_FRACTION = 0.2  # 1-D: the tangent line spans ± this fraction of the view width
TEXT_OFFSET = 20  # pixels from the current point to the Taylor label's corner
STATE_OFFSET_1D = 18  # pixels between the gradient and the state arrows on a 1-D curve
STATE_MAX_RATIO = 3.0  # the state arrow is at most this many gradient arrows long
Z_AIDS = 30

TOOLTIPS = {
    **AID_TOOLTIPS,
    "scale": "Adaptive methods scale η per parameter: the ellipse's semi-axes are proportional "
             "to the effective rates η·sᵢ along each axis.",
}


def _box_points(item: pg.TextItem) -> np.ndarray:
    """The corners and centre of a text item's box in plot coordinates."""
    try:
        rect = item.mapRectToView(item.boundingRect())
    except Exception:  # not in a view yet
        return np.empty((0, 2))
    xs = (rect.left(), rect.center().x(), rect.right())
    ys = (rect.top(), rect.center().y(), rect.bottom())
    return np.array([(x, y) for x in xs for y in ys], dtype=float)


def _short_label(label: str) -> str:
    """The symbol at the end of a state label: "velocity b" -> "b"."""
    return label.split()[-1] if label else ""


class VisualAids:
    """The aid items on a plot; each aid is toggled with :meth:`set_enabled`."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self._plot_item = plot_item
        colors = style.AID_COLORS
        self.gradient = Arrow(plot_item, colors["gradient"], label="∇L", z=Z_AIDS + 2,
                              tooltip=TOOLTIPS["gradient"])
        self.step = Arrow(plot_item, colors["step"], label="Δθ", z=Z_AIDS + 1,
                          tooltip=TOOLTIPS["step"], tip_gap=0.5 * style.CURRENT_MARKER_SIZE)
        self.state = Arrow(plot_item, colors["state"], label="", z=Z_AIDS,
                           tooltip=TOOLTIPS["state"])
        self.scale_ellipse = QGraphicsEllipseItem()
        self.scale_ellipse.setPen(pg.mkPen(colors["scale"], width=2, style=Qt.PenStyle.DashLine))
        self.scale_ellipse.setBrush(pg.mkBrush(255, 255, 255, 60))
        self.scale_ellipse.setZValue(Z_AIDS - 1)
        self.scale_ellipse.setToolTip(TOOLTIPS["scale"])
        self.scale_text = pg.TextItem("", color=colors["scale"], anchor=(0.5, 0),
                                      fill=pg.mkBrush(255, 255, 255, 190))
        self.scale_text.setFont(style.ui_font(style.BASE_POINT_SIZE - 1))
        self.tangent = BoundedCurve(pen=pg.mkPen(colors["taylor"], width=2,
                                                 style=Qt.PenStyle.DashLine), antialias=True)
        self.tangent.setToolTip("Tangent line L(w) + L′(w)·Δw: the first-order Taylor "
                                "approximation at the current point")
        self.taylor_text = pg.TextItem(anchor=(0, 0), border=pg.mkPen(colors["taylor"]),
                                       fill=pg.mkBrush(255, 255, 255, 230))
        self.taylor_text.setToolTip(TOOLTIPS["taylor"])
        for item in (self.scale_ellipse, self.scale_text, self.tangent, self.taylor_text):
            plot_item.addItem(item, ignoreBounds=True)
        self.scale_text.setZValue(Z_AIDS + 3)
        self.tangent.setZValue(Z_AIDS - 2)
        self.taylor_text.setZValue(Z_AIDS + 4)
        self.curvature = CurvatureAid(plot_item)
        self.enabled: dict[str, bool] = dict(AID_DEFAULTS)
        self.snapshot: StepSnapshot | None = None
        self.dim = 2
        self._state_field: str | None = None
        self._obstacle: Callable[[], QRectF | None] | None = None
        self._markers: Callable[[], np.ndarray] | None = None
        self._marker_boxes: Callable[[], list[QRectF]] | None = None
        self._state_ratio: float | None = None  # |state| / |∇L| when the arrow is shortened
        self.refresh()

    # --- control ----------------------------------------------------------------------------
    def set_obstacle(self, rect: Callable[[], QRectF | None]) -> None:
        """A box (data coordinates, e.g. the legend's) that the aids' labels keep off."""
        self._obstacle = rect
        for arrow in (self.gradient, self.step, self.state):
            arrow.obstacle = rect

    def set_markers(self, points: Callable[[], np.ndarray]) -> None:
        """Markers (``(n, 2)`` data coordinates, e.g. the known minima) that labels keep off."""
        self._markers = points

    def set_marker_obstacles(self, rects: Callable[[], list[QRectF]] | None) -> None:
        """Boxes (data coordinates: the runs' markers in an exported figure) labels keep off."""
        self._marker_boxes = rects
        self.refresh()

    def key_points(self) -> np.ndarray:
        """Points of the aids worth keeping visible (arrow ends and shafts, label boxes),
        ``(n, 2)`` in plot coordinates: for placing a legend."""
        points: list[np.ndarray] = []
        for arrow in (self.gradient, self.step, self.state):
            if arrow.isVisible() and arrow.tail is not None and arrow.tip is not None:
                t = np.linspace(0.0, 1.0, 9)[:, None]
                points.append(arrow.tail + t * (arrow.tip - arrow.tail))
                points.append(_box_points(arrow.label))
        for item in (self.scale_text, self.taylor_text):
            if item.isVisible():
                points.append(_box_points(item))
        return np.concatenate(points) if points else np.empty((0, 2))

    def set_enabled(self, name: str, on: bool) -> None:
        if name not in AIDS:
            raise ValueError(f"unknown visual aid {name!r} (known: {', '.join(AIDS)})")
        self.enabled[name] = bool(on)
        self.refresh()

    def update(self, snapshot: StepSnapshot | None, dim: int) -> None:
        """Draw the aids for ``snapshot`` (``None`` hides them)."""
        self.snapshot, self.dim = snapshot, dim
        self.refresh()

    # --- geometry ---------------------------------------------------------------------------
    def _point(self, theta: np.ndarray, loss: float) -> np.ndarray:
        """A parameter vector as a point of the plot: θ in 2-D, (w, L) in 1-D."""
        if self.dim == 2:
            return np.asarray(theta[:2], dtype=float)
        return np.array([theta[0], loss], dtype=float)

    def _direction(self, vector: np.ndarray) -> np.ndarray:
        """A vector in θ-space as a displacement of the plot (1-D: horizontal)."""
        if self.dim == 2:
            return np.asarray(vector[:2], dtype=float)
        return np.array([vector[0], 0.0])

    def _state_vector(self) -> tuple[str, np.ndarray] | None:
        snap = self.snapshot
        if snap is None or snap.info is None:
            return None
        for name in get_optimizer(snap.info.optimizer).vector_state:
            value = snap.info.optimizer_state.get(name)
            if value is not None and np.all(np.isfinite(value)) and np.any(value != 0):
                return name, np.asarray(value, dtype=float)
        return None

    def refresh(self) -> None:
        """Place every aid for the stored snapshot and the current zoom.

        A huge but finite state (η = 1e300) may overflow the drawing arithmetic: such an aid
        gets a non-finite end and is hidden (:meth:`Arrow.set`), without a warning."""
        with np.errstate(all="ignore"):
            self._refresh()

    def _refresh(self) -> None:
        snap = self.snapshot
        here = None if snap is None else self._point(snap.theta, snap.loss)
        if here is None or not np.all(np.isfinite(here)):
            for arrow in (self.gradient, self.step, self.state):
                arrow.setVisible(False)
            for item in (self.scale_ellipse, self.scale_text, self.tangent, self.taylor_text):
                item.setVisible(False)
            self.curvature.hide()
            return
        assert snap is not None
        px, py = pixel_size(self._plot_item)
        vb = self._plot_item.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        side_px = max(min((x1 - x0) / px, (y1 - y0) / py), 50.0)

        def screen_length(v: np.ndarray) -> float:
            with np.errstate(all="ignore"):
                return float(math.hypot(v[0] / px, v[1] / py))

        grad = self._direction(snap.grad)
        state = self._state_vector() if self.enabled["state"] else None
        self._state_field = None if state is None else state[0]
        fixed = GRADIENT_FRACTION * side_px  # pixels
        g_len = screen_length(grad)
        s_len = screen_length(self._direction(state[1])) if state else 0.0
        # Scale: ∇L gets the fixed length; the state shares its scale (both are gradients).
        reference = g_len if g_len > 0 and math.isfinite(g_len) else s_len
        k = fixed / reference if reference > 0 and math.isfinite(reference) else 0.0
        # ∇L, uphill, at a fixed length.
        self.gradient.setVisible(self.enabled["gradient"] and k > 0)
        self.gradient.set(here, here + k * grad,
                          label="∇L")  # its norm is in the caption: a short label fits
        # The step actually taken, true scale.
        if snap.has_step and snap.prev_theta is not None:
            prev_loss = snap.prev_loss if snap.prev_loss is not None else snap.loss
            tail = self._point(snap.prev_theta, prev_loss)
            tip = tail + self._direction(snap.theta - snap.prev_theta)
            self.step.set(tail, tip, label="Δθ")
        else:
            self.step.set(None, None)
        self.step.setVisible(self.enabled["step"])
        # The optimizer's vector state, same scale as ∇L.
        if state is not None and k > 0:
            name, value = state
            label = snap.info.state_labels.get(name, name) if snap.info else name
            # 1-D: every vector is horizontal; the state's arrow runs just below the gradient's.
            base = here if self.dim == 2 else here - np.array([0.0, STATE_OFFSET_1D * py])
            ratio = k * s_len / fixed  # |state| / |∇L|
            shown = min(ratio, STATE_MAX_RATIO)
            text = "−" + _short_label(label)
            self._state_ratio = ratio if ratio > STATE_MAX_RATIO else None
            if ratio > STATE_MAX_RATIO:  # too long to draw: shortened, and the label says so
                text += f" ×{fmt_number(ratio, 2)}"
            self.state.set(base, base - (shown / ratio) * k * self._direction(value), label=text)
            self.state.setToolTip(f"{label}: {fmt_vector(value)}. " + TOOLTIPS["state"])
        else:
            self.state.set(None, None)
        self.state.setVisible(self.enabled["state"])
        self._place_scale(snap, here, px, py, side_px)
        self._place_taylor(snap, here, px, py)
        self.curvature.place(snap, self.dim, px, py, side_px, self.enabled["curvature"],
                             self.enabled["step"])
        self._lay_out_labels(snap, here, px, py)

    def _lay_out_labels(self, snap: StepSnapshot, here: np.ndarray, px: float, py: float
                        ) -> None:
        """Every label at its best free spot: off the markers (the current and previous
        points, the known minima), the arrows' shafts, the legend, each other and the map's
        edge — in the order ∇L, Δθ, state, η·s, Taylor (see :mod:`overlay_layout`)."""
        vb = self._plot_item.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        if not all(math.isfinite(v) for v in (x0, x1, y0, y1, px, py)) or px <= 0 or py <= 0:
            return
        layout = OverlayLayout(ScreenFrame((x0, x1), (y0, y1), px, py))
        layout.add_markers([here])
        if snap.prev_theta is not None:
            prev_loss = snap.prev_loss if snap.prev_loss is not None else snap.loss
            layout.add_markers([self._point(snap.prev_theta, prev_loss)], radius=6.0)
        if self._markers is not None:
            layout.add_markers(self._markers())
        if self._obstacle is not None:
            layout.add_rect(self._obstacle())
        if self._marker_boxes is not None:
            for rect in self._marker_boxes():
                layout.add_rect(rect)
        arrows = [a for a in (self.gradient, self.step, self.state)
                  if a.isVisible() and a.tail is not None and a.tip is not None]
        for arrow in arrows:
            layout.add_segment(arrow.tail, arrow.tip)
        for arrow in arrows:
            if arrow.label.textItem.toPlainText():
                layout.put(arrow.label, layout.arrow_label(arrow.tail, arrow.tip))
        if self.scale_text.isVisible():
            candidates = (layout.around_box(self.scale_ellipse.rect())
                          if self.scale_ellipse.isVisible()
                          else layout.around_point(here[0], here[1], 14.0))
            layout.put(self.scale_text, candidates)
        if self.taylor_text.isVisible():
            layout.put(self.taylor_text, layout.around_point(here[0], here[1], TEXT_OFFSET)
                       + layout.anywhere())
        layout.apply()

    def _place_scale(self, snap: StepSnapshot, here: np.ndarray, px: float, py: float,
                     side_px: float) -> None:
        scale = None if snap.info is None else snap.info.adaptive_scale
        show = (self.enabled["state"] and scale is not None and snap.lr is not None
                and np.all(np.isfinite(scale)) and float(np.max(np.abs(scale))) > 0)
        if not show:
            self.scale_ellipse.setVisible(False)
            self.scale_text.setVisible(False)
            return
        assert scale is not None and snap.lr is not None
        rates = snap.lr * np.abs(np.asarray(scale, dtype=float))
        self.scale_text.setText(f"η·s = {fmt_vector(rates, 3)}")
        if self.dim == 2:
            r = SCALE_FRACTION * side_px * rates[:2] / float(np.max(rates[:2]))
            rx, ry = max(r[0], 2.0) * px, max(r[1], 2.0) * py
            self.scale_ellipse.setRect(QRectF(here[0] - rx, here[1] - ry, 2 * rx, 2 * ry))
            self.scale_text.setPos(float(here[0]), float(here[1] - ry - 4 * py))
            self.scale_ellipse.setVisible(True)
        else:
            self.scale_ellipse.setVisible(False)
            self.scale_text.setPos(float(here[0] + 12 * px), float(here[1] + 28 * py))
        self.scale_text.setVisible(True)

    def _place_taylor(self, snap: StepSnapshot, here: np.ndarray, px: float, py: float) -> None:
        on = self.enabled["taylor"]
        if on and self.dim == 1 and np.isfinite(snap.grad[0]):
            (x0, x1), _ = self._plot_item.getViewBox().viewRange()
            half = TANGENT_FRACTION * (x1 - x0)
            w = np.array([here[0] - half, here[0] + half])
            self.tangent.setData(w, here[1] + snap.grad[0] * (w - here[0]))
            self.tangent.setVisible(True)
        else:
            self.tangent.setVisible(False)
        predicted, actual = snap.predicted_dl, snap.actual_dl
        if not on or predicted is None or actual is None:
            self.taylor_text.setVisible(False)
            return
        color = html.escape(style.AID_COLORS["taylor"])
        self.taylor_text.setHtml(
            f'<div style="color:{color}; font-size:{style.BASE_POINT_SIZE - 1}pt">'
            f"predicted ΔL = ∇L·Δθ: <b>{fmt_number(predicted, 4)}</b><br>"
            f"actual ΔL: <b>{fmt_number(actual, 4)}</b></div>")
        self.taylor_text.setVisible(True)  # placed with the other labels (_lay_out_labels)

    # --- description ------------------------------------------------------------------------
    def caption(self) -> str:
        """Rich text explaining the aids now shown, with their scales, for a caption line."""
        snap = self.snapshot
        if snap is None:
            return ""
        parts: list[str] = []

        def swatch(kind: str, text: str) -> str:
            return f'<span style="color:{style.AID_COLORS[kind]}"><b>{text}</b></span>'

        if self.gradient.isVisible():
            parts.append(swatch("gradient", "∇L") + " uphill, drawn at fixed length "
                         f"(|∇L| = {fmt_number(safe_norm(snap.grad), 4)})")
        if self.step.isVisible() and snap.delta_theta is not None:
            parts.append(swatch("step", "Δθ") + " last step, true scale "
                         f"(|Δθ| = {fmt_number(safe_norm(snap.delta_theta), 4)})")
        if self.state.isVisible() and self._state_field and snap.info is not None:
            label = snap.info.state_labels.get(self._state_field, self._state_field)
            short = html.escape("−" + _short_label(label))
            scale = ("same scale as ∇L" if self._state_ratio is None else
                     f"shortened: {fmt_number(self._state_ratio, 2)} × |∇L| long")
            parts.append(swatch("state", short) + f" push of the {html.escape(label)}, "
                         + scale)
        if self.scale_text.isVisible():
            parts.append(swatch("scale", "η·s") + " per-parameter rate (ellipse ∝ η·sᵢ)")
        if self.taylor_text.isVisible() or self.tangent.isVisible():
            parts.append(swatch("taylor", "Taylor") + " first-order prediction ∇L·Δθ")
        extra = self.curvature.caption()
        if extra:
            parts.append(extra)
        return " · ".join(parts)
