"""The data set of a data-driven surface and the model's fit, live.

Shows the examples (xᵢ, yᵢ), the model's prediction over a dense x grid at each lane's
current θ (the selected lane bold, the others faint), and the mini-batch the selected lane's
last update used, highlighted, with its residuals for regression models (the squared residuals
are what the loss averages). For classifiers (targets in {0, 1}) the prediction is the
probability of class 1 (``surface.predict`` returns p = σ(w·x + b) for logistic regression),
with the 0.5 level and the decision boundary where p crosses it.

Surfaces without data show a short explanation instead.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from gdsim.app import style
from gdsim.app.model.formatting import finite_range, fmt_number
from gdsim.app.model.history import History
from gdsim.app.plots.axes import NumberAxis
from gdsim.app.plots.legend import Legend, path_points, set_fitting_title
from gdsim.app.plots.light_items import BoundedCurve, LightDataItem, Markers
from gdsim.core.surfaces import Surface

PREDICTION_POINTS = 300
RESIDUALS_MAX_POINTS = 200  # full batch: draw every residual only for small data sets
X_PADDING = 0.06
MIN_WIDTH, MIN_HEIGHT = 160, 120  # the view fits a narrow splitter pane (the title shortens)

MODEL_FORMULAS = {
    "linear-regression": "ŷ = w·x + b",
    "logistic-regression": "p = σ(w·x + b)",
    "neuron": "ŷ = w·x",
    "tiny-network": "ŷ = w2·tanh(w1·x)",
}


class DataView(QWidget):
    """Data points, the model's prediction and the current mini-batch (object name
    ``"data_view"``).

    Attributes:
        plot_item: the ``PlotItem`` (for exporters).
        points, batch_points: scatter items of all examples and of the highlighted batch.
        predictions: one prediction curve per lane.
        placeholder: the label shown for surfaces without data.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("data_view")
        self.placeholder = QLabel()
        self.placeholder.setObjectName("data_placeholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setMargin(24)
        self.placeholder.setStyleSheet(f"color: {style.MUTED}; background: {style.BACKGROUND};")
        self.plot_widget = pg.PlotWidget(background=style.BACKGROUND, axisItems={
            "left": NumberAxis("left"), "bottom": NumberAxis("bottom")})
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.hideButtons()
        style.style_plot(self.plot_item)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.placeholder)
        self._stack.addWidget(self.plot_widget)

        self.points = Markers(size=7, pen=pg.mkPen(255, 255, 255, 160, width=0.8),
                              brush=pg.mkBrush(style.with_alpha(
                                  style.DATA_POINT_COLOR, 150)))
        self.points.setZValue(5)
        self.points.setToolTip("The data set: one point per example (xᵢ, yᵢ)")
        self.batch_points = Markers(size=11)
        self.batch_points.setZValue(20)
        self.residuals = BoundedCurve(antialias=True)
        self.residuals.setZValue(4)
        self.residuals.setToolTip("Residuals ŷ − y: the loss averages their squares")
        self.half_line = pg.InfiniteLine(pos=0.5, angle=0,
                                         pen=pg.mkPen(style.MUTED, width=1,
                                                      style=Qt.PenStyle.DotLine))
        self.boundary = pg.InfiniteLine(angle=90, pen=pg.mkPen(style.MUTED, width=1.5,
                                                               style=Qt.PenStyle.DashLine),
                                        label="p = 0.5", labelOpts={
                                            "position": 0.78, "color": style.MUTED,
                                            "fill": (255, 255, 255, 200)})
        self.boundary.setToolTip("Decision boundary: where the predicted probability is 0.5")
        for item in (self.residuals, self.points, self.batch_points, self.half_line,
                     self.boundary):
            self.plot_item.addItem(item, ignoreBounds=True)
        self.legend = Legend(self.plot_item.getViewBox(), corner=(0, 0))
        self.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)
        self.predictions: list[pg.PlotDataItem] = []
        self._labels: list[str] = []
        self.surface: Surface | None = None
        self.history: History | None = None
        self.selected_lane = 0
        self._xs = np.empty(0)
        self._classifier = False
        self._highlighted = np.empty(0, dtype=int)
        self.set_surface(None)

    # --- configuration ----------------------------------------------------------------------
    def set_surface(self, surface: Surface | None) -> None:
        """Show ``surface``'s data set, or the placeholder if it has none."""
        self.surface = surface
        self.history = None
        if surface is None or not surface.data_driven:
            name = "This surface" if surface is None else html.escape(surface.title)
            self.placeholder.setText(
                f"<b>No data set</b><br><br>{name} is a closed-form test function: its loss is "
                "a formula of θ, not an average over data points.<br>Choose a data-driven "
                "surface (such as linear regression) to watch the model fit its data.")
            self._stack.setCurrentWidget(self.placeholder)
            self.points.clear()
            self._clear_dynamic()
            return
        x, y = np.asarray(surface.x, dtype=float), np.asarray(surface.y, dtype=float)
        self._classifier = bool(np.all((y == 0) | (y == 1)))
        x_range = finite_range(x, X_PADDING)  # only finite values reach a view's range
        self._xs = np.linspace(*x_range, PREDICTION_POINTS)
        self.points.setData(x, y)
        self.half_line.setVisible(self._classifier)
        self.boundary.setVisible(False)
        style.set_axis_label(self.plot_item, "bottom", "x")
        style.set_axis_label(self.plot_item, "left", "P(y = 1 | x)" if self._classifier else "y")
        model = html.escape(MODEL_FORMULAS.get(surface.name, "the model's prediction"))
        set_fitting_title(self.plot_item, [
            f"<b>Data</b> (N = {len(x)})&nbsp;&nbsp; and the model {model}",
            f"<b>Data</b> (N = {len(x)}), {model}",
            f"<b>Data</b>, {model}",
            "<b>Data</b>",
        ], **style.label_style(style.TITLE_POINT_SIZE))
        vb = self.plot_item.getViewBox()
        y_range = (-0.08, 1.08) if self._classifier else finite_range(y, 0.08)
        vb.setRange(xRange=x_range, yRange=y_range, padding=0)
        self._stack.setCurrentWidget(self.plot_widget)
        self._clear_dynamic()

    def set_lanes(self, labels: list[str]) -> None:
        """One prediction curve per lane, in lane colours."""
        for item in self.predictions:
            self.plot_item.removeItem(item)
        self._labels = list(labels)
        self.predictions = []
        for i, label in enumerate(labels):
            item = LightDataItem(pen=pg.mkPen(style.lane_color(i), width=1.5),
                                 connect="finite", antialias=True)
            item.setZValue(10 + 0.01 * i)
            item.setToolTip(f"{label}: the model's prediction at the current θ")
            self.plot_item.addItem(item, ignoreBounds=True)
            self.predictions.append(item)
        self.legend.clear()
        if len(labels) > 1:
            for item, label in zip(self.predictions, labels, strict=True):
                self.legend.addItem(item, html.escape(label))
        self.legend.setVisible(len(labels) > 1)
        self._style_predictions()

    def set_selected_lane(self, lane: int) -> None:
        """The lane drawn bold, whose mini-batch is highlighted."""
        self.selected_lane = int(lane)
        self._style_predictions()
        if self.history is not None:
            self.update_history(self.history)

    def _style_predictions(self) -> None:
        for i, item in enumerate(self.predictions):
            selected = i == self.selected_lane
            color = style.lane_color(i) if selected else style.with_alpha(style.lane_color(i), 120)
            item.setPen(pg.mkPen(color, width=3.0 if selected else 1.5))
            item.setZValue(12 if selected else 10 + 0.01 * i)

    # --- data -------------------------------------------------------------------------------
    def update_history(self, history: History) -> None:
        """Predictions at every lane's current θ, and the selected lane's last batch."""
        self.history = history
        surface = self.surface
        if (surface is None or not surface.data_driven or history.length == 0
                or history.dim != surface.dim):
            self._clear_dynamic()
            return
        for i, item in enumerate(self.predictions):
            if i >= history.runs:
                item.setData(np.empty(0), np.empty(0))
                continue
            theta = history.theta[history.lane_rows(i) - 1, i]
            item.setData(self._xs, self._predict(theta, self._xs))
        self._update_batch(history)
        self._place_legend()

    def _place_legend(self) -> None:
        """The legend to the corner that hides the fewest data points and prediction points."""
        if self.legend.isVisible():
            data = np.column_stack(self.points.getData()) if len(self.points.data) else \
                np.empty((0, 2))
            self.legend.place([(data, 4.0), (path_points(self.predictions), 1.0)])

    def _predict(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        assert self.surface is not None
        with np.errstate(all="ignore"):
            return np.asarray(self.surface.predict(theta[None, :], x)[0], dtype=float)

    def _update_batch(self, history: History) -> None:
        lane = self.selected_lane
        assert self.surface is not None
        if lane >= history.runs:
            self._clear_dynamic()
            return
        info = history.lanes[lane] if lane < len(history.lanes) else None
        theta = history.theta[history.lane_rows(lane) - 1, lane]
        x, y = self.surface.x, self.surface.y
        mini = info is not None and info.batch_size < info.n_examples
        if mini and info is not None and info.last_batch is not None:
            idx = np.asarray(info.last_batch, dtype=int)
        else:
            idx = np.empty(0, dtype=int)
        self._highlighted = idx
        color = style.lane_color(lane)
        self.batch_points.setData(x[idx], y[idx], brush=pg.mkBrush(color),
                                  pen=pg.mkPen(style.FOREGROUND, width=1.2))
        self.batch_points.setToolTip(f"The mini-batch of the last update ({len(idx)} examples)")
        if self._classifier:
            self.residuals.setData(np.empty(0), np.empty(0))
            self._place_boundary(theta)
            return
        shown = idx if mini else (np.arange(len(x)) if len(x) <= RESIDUALS_MAX_POINTS
                                  else np.empty(0, dtype=int))
        if len(shown):
            fitted = self._predict(theta, x[shown])
            seg_x = np.repeat(x[shown], 2)
            seg_y = np.column_stack([y[shown], fitted]).ravel()
            self.residuals.setData(seg_x, seg_y, connect="pairs",
                                   pen=pg.mkPen(style.with_alpha(color, 150 if mini else 90),
                                                width=1.2))
        else:
            self.residuals.setData(np.empty(0), np.empty(0))

    def _place_boundary(self, theta: np.ndarray) -> None:
        """The decision boundary: where the predicted probability crosses 0.5."""
        p = self._predict(theta, self._xs) - 0.5
        finite = np.isfinite(p)
        crossing = np.flatnonzero(finite[:-1] & finite[1:] & (np.sign(p[:-1]) != np.sign(p[1:])))
        if len(crossing) == 0:
            self.boundary.setVisible(False)
            return
        k = int(crossing[0])
        t = p[k] / (p[k] - p[k + 1])
        x_cross = float(self._xs[k] + t * (self._xs[k + 1] - self._xs[k]))
        self.boundary.setVisible(True)  # first: a hidden line's label ignores new text
        self.boundary.setValue(x_cross)
        self.boundary.label.setFormat(f"p = 0.5 at x = {fmt_number(x_cross, 3)}")

    def _clear_dynamic(self) -> None:
        for item in self.predictions:
            item.setData(np.empty(0), np.empty(0))
        self.batch_points.clear()
        self.residuals.setData(np.empty(0), np.empty(0))
        self.boundary.setVisible(False)
        self._highlighted = np.empty(0, dtype=int)

    def highlighted_indices(self) -> np.ndarray:
        """Indices of the examples highlighted as the selected lane's last mini-batch."""
        return self._highlighted.copy()
