"""What the user sees of a neural network, whose θ has far more than two dimensions.

* :class:`DecisionMap` — the data points coloured by class, the network's output as a filled
  decision map (probability of class 1) with its 0.5 boundary, updating live, and the current
  mini-batch ringed; for regression (``wave``) the points and each run's fitted curve.
* :class:`LandscapeView` — a 2-D slice of the loss through weight space around the path
  (:mod:`gdsim.core.landscape`): spanned by the first two principal components of the recorded
  trajectory or by two filter-normalised random directions, centred on the current or the start
  θ, every run's trajectory projected onto it. Computed off the GUI thread on demand (Recompute)
  or every N steps, with a progress bar; the view says plainly that a slice is not the surface.
* :class:`TrainingPlot` — per-layer gradient norms over the steps (vanishing or exploding
  gradients show as lines falling or climbing apart) and, for classification, the accuracy.
* :class:`NetworkView` — the three together, one plot of the window's protocol.

The window feeds the views from the model at its display pace (the plot protocol of
:mod:`gdsim.app.plots.protocol`); nothing here computes a gradient.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gdsim.app import style
from gdsim.app.model.network_stats import (
    accuracy_cache,
    decision_grid,
    finite_rows,
    input_box,
    layer_norm_cache,
)
from gdsim.app.plots.axes import NumberAxis
from gdsim.app.plots.light_items import Markers
from gdsim.core.landscape import Cancelled, Slice, extent_for, loss_slice, plane_for, subsample
from gdsim.core.surfaces.network import Network

CLASS_COLORS = ("#0072B2", "#E69F00")  # class 0 blue, class 1 orange (Okabe–Ito)
CLASS_SYMBOLS = ("o", "t")  # and distinct shapes, for greyscale
SLICE_RESOLUTION = 41
PATH_POINTS = 2000  # a projected path shows at most this many of its rows
LAYER_DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
                Qt.PenStyle.DashDotLine)
AUTO_EVERY = 100  # steps between automatic recomputations of the slice, by default
FIRST_SLICE_ROWS = 20  # the first slice waits for a path this long (or for the run to stop)
LANDSCAPE_NOTE = ("A 2-D slice through {dim}-dimensional weight space: the loss along two "
                  "directions only, not the whole surface.")


def _diverging_lut() -> np.ndarray:
    """A look-up table from class-0 blue through white to class-1 orange, ``(256, 4)``."""
    a = np.array([0x00, 0x72, 0xB2], float)
    b = np.array([0xE6, 0x9F, 0x00], float)
    white = np.array([255.0, 255.0, 255.0])
    t = np.linspace(0.0, 1.0, 256)[:, None]
    lower = white + (a - white) * np.clip(1.0 - 2.0 * t, 0.0, 1.0) * 0.35
    upper = white + (b - white) * np.clip(2.0 * t - 1.0, 0.0, 1.0) * 0.35
    rgb = np.where(t < 0.5, lower, upper)
    return np.concatenate([rgb, np.full((256, 1), 255.0)], axis=1).astype(np.ubyte)


def _lane_theta(history: Any, lane: int) -> np.ndarray | None:
    """The lane's last finite θ in the history, ``(P,)``, or ``None``."""
    if history is None or history.length == 0 or lane >= history.runs:
        return None
    rows = finite_rows(history.theta[: history.lane_rows(lane), lane])
    return rows[-1] if len(rows) else None


class DecisionMap(pg.PlotWidget):
    """The data and the network's output over the input space (object name
    ``"decision_map"``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=style.BACKGROUND)
        self.setObjectName("decision_map")
        self.plot_item = self.getPlotItem()
        style.style_plot(self.plot_item, grid=False)
        self.plot_item.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(_diverging_lut())
        self.image.setLevels((0.0, 1.0))
        self.boundary = pg.IsocurveItem(level=0.5, pen=pg.mkPen("#262626", width=2))
        self.boundary.setParentItem(self.image)
        self.plot_item.addItem(self.image)
        self.points = [Markers(size=7, symbol=CLASS_SYMBOLS[c],
                               brush=pg.mkBrush(CLASS_COLORS[c]),
                               pen=pg.mkPen("#262626", width=0.8)) for c in (0, 1)]
        for item in self.points:
            self.plot_item.addItem(item)
        self.batch = Markers(size=13, symbol="o", brush=pg.mkBrush(None),
                             pen=pg.mkPen("#111111", width=1.6))
        self.plot_item.addItem(self.batch)
        self.curves: list[pg.PlotDataItem] = []
        self._surface: Network | None = None

    def set_surface(self, surface: Network) -> None:
        """Show ``surface``'s data; the output is drawn by :meth:`show_theta`."""
        self._surface = surface
        x, y = surface.x, surface.y
        box = input_box(surface)
        if surface.input_dim == 2:
            self.plot_item.setTitle(f"P(class 1) on “{surface.dataset}”",
                                    **style.label_style(style.TITLE_POINT_SIZE))
            for c, item in enumerate(self.points):
                chosen = y == c
                item.setData(x[chosen, 0], x[chosen, 1])
            self.image.setVisible(True)
            self.plot_item.setAspectLocked(True)
            self.plot_item.setRange(xRange=box[0], yRange=box[1], padding=0)
            style.set_axis_label(self.plot_item, "bottom", "x₁")
            style.set_axis_label(self.plot_item, "left", "x₂")
        else:
            self.plot_item.setTitle(f"Fit to “{surface.dataset}”",
                                    **style.label_style(style.TITLE_POINT_SIZE))
            self.points[0].setData(x[:, 0], y)
            self.points[1].setData([], [])
            self.image.setVisible(False)
            self.plot_item.setAspectLocked(False)
            self.plot_item.setRange(xRange=box[0], padding=0.02)
            style.set_axis_label(self.plot_item, "bottom", "x")
            style.set_axis_label(self.plot_item, "left", "y")

    def show_theta(self, thetas: list[np.ndarray | None], selected: int,
                   last_batch: np.ndarray | None) -> None:
        """Draw the output at each lane's θ ``(P,)`` (2-D: the selected lane's map)."""
        surface = self._surface
        if surface is None:
            return
        if surface.input_dim == 2:
            theta = thetas[selected] if selected < len(thetas) else None
            if theta is not None:
                grid = decision_grid(surface, theta)
                values = np.nan_to_num(grid.values, nan=0.5)
                self.image.setImage(values, levels=(0.0, 1.0), autoLevels=False)
                (x0, x1), (y0, y1) = (grid.xs[0], grid.xs[-1]), (grid.ys[0], grid.ys[-1])
                self.image.setRect(x0, y0, x1 - x0, y1 - y0)
                self.boundary.setData(values)
        else:
            while len(self.curves) < len(thetas):
                i = len(self.curves)
                curve = self.plot_item.plot(pen=pg.mkPen(style.lane_color(i), width=2.5))
                self.curves.append(curve)
            for i, curve in enumerate(self.curves):
                theta = thetas[i] if i < len(thetas) else None
                if theta is None:
                    curve.setData([], [])
                    continue
                grid = decision_grid(surface, theta, resolution=200)
                curve.setData(grid.xs, grid.values)
        if last_batch is not None and len(last_batch) < surface.n_examples:
            xb = surface.x[last_batch]
            self.batch.setData(xb[:, 0], xb[:, 1] if surface.input_dim == 2
                               else surface.y[last_batch])
        else:
            self.batch.setData([], [])


class SliceWorker(QObject):
    """Builds a plane and computes its loss slice in its own thread.

    ``progress(token, fraction)``, then ``done(token, slice)`` or ``failed(token, message)``:
    exactly one of the two for every request. ``token`` is the request's number, so that a
    result that arrives after the surface changed is recognised and dropped. :meth:`cancel`
    is safe to call from any thread (it ends the request being computed).
    """

    progress = Signal(int, float)
    done = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self) -> None:
        super().__init__()
        self.cancelled_below = 0  # requests with a smaller token are cancelled

    def cancel(self, below: int) -> None:
        self.cancelled_below = below

    @Slot(int, object, object, object, str, str, int)
    def compute(self, token: int, surface: Network, path: np.ndarray, paths: np.ndarray,
                kind: str, centre: str, resolution: int) -> None:
        def report(fraction: float) -> bool:
            self.progress.emit(token, fraction)
            return token >= self.cancelled_below

        try:
            if token < self.cancelled_below:
                raise Cancelled("cancelled before it started")
            plane = plane_for(surface, path, path[-1] if centre == "current" else path[0], kind)
            result = loss_slice(surface, plane, extent_for(plane, paths), resolution,
                                progress=report)
        except Cancelled:
            self.failed.emit(token, "")
        except Exception as exc:  # noqa: BLE001 - any failure must free the view
            self.failed.emit(token, f"The loss landscape could not be computed: {exc}")
        else:
            self.done.emit(token, result)


class LandscapeView(QWidget):
    """The loss around the path in a plane through weight space (object name
    ``"landscape_view"``).

    Attributes:
        recompute_button, directions_combo, centre_combo, every_spin, progress: the controls
            (object names ``landscape_recompute``, ``landscape_directions``,
            ``landscape_centre``, ``landscape_every``, ``landscape_progress``).
        slice: the slice shown, or ``None`` before the first computation.
    """

    request = Signal(int, object, object, object, str, str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("landscape_view")
        self.plot = pg.PlotWidget(background=style.BACKGROUND,
                                  axisItems={"left": NumberAxis("left"),
                                             "bottom": NumberAxis("bottom")})
        self.plot_item = self.plot.getPlotItem()
        style.style_plot(self.plot_item, grid=False)
        self.plot_item.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(style.colormap().getLookupTable(nPts=256))
        self.plot_item.addItem(self.image)
        self.paths: list[pg.PlotDataItem] = []
        self.currents: list[pg.ScatterPlotItem] = []
        self.note = QLabel()
        self.note.setObjectName("landscape_note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {style.MUTED};")
        self.recompute_button = QPushButton("Recompute", objectName="landscape_recompute")
        self.recompute_button.setToolTip("Compute the slice again around the path so far.")
        self.directions_combo = QComboBox(objectName="landscape_directions")
        self.directions_combo.addItem("PCA of the path", "pca")
        self.directions_combo.addItem("Random (filter-normalised)", "random")
        self.directions_combo.setToolTip(
            "The plane's directions: the path's first two principal components (the path lies "
            "nearly in the plane), or two random directions scaled filter by filter to the "
            "weights (Li et al. 2018)."
        )
        self.centre_combo = QComboBox(objectName="landscape_centre")
        self.centre_combo.addItem("Centre: current θ", "current")
        self.centre_combo.addItem("Centre: start θ", "start")
        self.every_spin = QSpinBox(objectName="landscape_every")
        self.every_spin.setRange(0, 100_000)
        self.every_spin.setSingleStep(50)
        self.every_spin.setSpecialValueText("on demand")
        self.every_spin.setPrefix("every ")
        self.every_spin.setSuffix(" steps")
        self.every_spin.setValue(AUTO_EVERY)
        self.every_spin.setToolTip("Recompute the slice automatically every N steps while "
                                   "running (0: only when you press Recompute).")
        self.progress = QProgressBar(objectName="landscape_progress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumHeight(12)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        for combo in (self.directions_combo, self.centre_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        controls = QGridLayout()
        controls.addWidget(self.recompute_button, 0, 0)
        controls.addWidget(self.every_spin, 0, 1)
        controls.addWidget(self.directions_combo, 1, 0)
        controls.addWidget(self.centre_combo, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.note)
        self.slice: Slice | None = None
        self.busy = False
        self._token = 0  # the newest request; older results are dropped
        self._last_auto = 0
        self._generation: int | None = None
        self._surface: Network | None = None
        self._thread: QThread | None = None  # started with the first slice
        self._worker = SliceWorker()
        self._worker.progress.connect(self._on_progress)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self.recompute_button.clicked.connect(lambda: self.recompute_requested.emit())
        self.directions_combo.currentIndexChanged.connect(lambda _: self.recompute_requested.emit())
        self.centre_combo.currentIndexChanged.connect(lambda _: self.recompute_requested.emit())

    recompute_requested = Signal()
    """The user asked for a new slice (the owner calls :meth:`compute` with the history)."""

    message = Signal(str)

    def shutdown(self) -> None:
        """Cancel any computation and stop the thread (the window calls this on closing)."""
        self._token += 1
        self._worker.cancel(self._token)
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None

    def _start_thread(self) -> None:
        """The computation thread, started once a slice is first asked for (a window that
        never shows a network owns no extra thread); it stops with the window or the app."""
        self._thread = QThread(self)
        self._thread.setObjectName("landscape_thread")
        self._worker.moveToThread(self._thread)
        self.request.connect(self._worker.compute)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._thread.start()

    def forget(self) -> None:
        """Drop the slice and any computation under way (another surface, or a new run)."""
        self._token += 1
        self._worker.cancel(self._token)
        self.busy = False
        self.slice = None
        self._last_auto = 0
        self.image.clear()
        for item in (*self.paths, *self.currents):
            item.setData([], [])
        self.progress.setVisible(False)
        self.recompute_button.setEnabled(True)

    def set_surface(self, surface: Network) -> None:
        self._surface = surface
        self._generation = None
        self.forget()
        self.note.setText(LANDSCAPE_NOTE.format(dim=surface.dim))

    def follow(self, history: Any) -> None:
        """A new live run (reset, undo, new settings) starts its landscape afresh; a rewound
        prefix of the same record keeps it."""
        if history is not None and history.generation >= 0:
            if self._generation is not None and history.generation != self._generation:
                self.forget()
            self._generation = history.generation

    def compute(self, history: Any, selected: int) -> bool:
        """Start a slice around ``selected``'s path in ``history``; False if busy or no path.

        The plane is built and the grid evaluated in the worker thread; only the rows are
        gathered here (every run's path, to size the grid so all of them fit).
        """
        surface = self._surface
        if (surface is None or self.busy or history is None or history.length == 0
                or history.dim != surface.dim):
            return False
        path = finite_rows(history.theta[: history.lane_rows(selected), selected])
        if len(path) == 0:
            return False
        paths = np.concatenate([finite_rows(history.theta[: history.lane_rows(i), i])
                                for i in range(history.runs)])
        if self._thread is None:
            self._start_thread()
        self.busy = True
        self._token += 1
        self._last_auto = history.length
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.recompute_button.setEnabled(False)
        self.request.emit(self._token, surface, path.copy(), subsample(paths, 4 * PATH_POINTS),
                          self.directions_combo.currentData(), self.centre_combo.currentData(),
                          SLICE_RESOLUTION)
        return True

    def maybe_auto(self, history: Any, selected: int) -> None:
        """Recompute if the user asked for every N steps and N more have arrived, or if the
        path has left the slice's grid."""
        if history is None or self.busy:
            return
        every = self.every_spin.value()
        new = history.length - self._last_auto
        if (every and new >= every) or (new >= FIRST_SLICE_ROWS and self._path_outside):
            self.compute(history, selected)

    def _on_progress(self, token: int, fraction: float) -> None:
        if token == self._token:
            self.progress.setValue(round(100 * fraction))

    def _on_done(self, token: int, result: Slice) -> None:
        if token != self._token:
            return  # the surface or the run changed while it was computed
        self.busy = False
        self.progress.setVisible(False)
        self.recompute_button.setEnabled(True)
        self.slice = result
        loss = result.loss
        finite = loss[np.isfinite(loss) & (loss > 0)]
        shown = np.log10(np.where(loss > 0, loss, np.nan)) if len(finite) else loss
        lo, hi = (np.nanmin(shown), np.nanmax(shown)) if np.isfinite(shown).any() else (0, 1)
        self.image.setImage(np.nan_to_num(shown, nan=hi), levels=(lo, hi if hi > lo else lo + 1))
        a, b = result.alpha, result.beta
        self.image.setRect(a[0], b[0], a[-1] - a[0], b[-1] - b[0])
        self.plot_item.setRange(xRange=(a[0], a[-1]), yRange=(b[0], b[-1]), padding=0)
        style.set_axis_label(self.plot_item, "bottom", "α (direction 1)")
        style.set_axis_label(self.plot_item, "left", "β (direction 2)")
        kind = ("PCA" if math.isfinite(result.plane.explained) else "random directions")
        extra = (f" The plane holds {100 * result.plane.explained:.1f}% of the path's variance."
                 if kind == "PCA" else "")
        dim = self._surface.dim if self._surface is not None else len(result.plane.centre)
        self.note.setText(LANDSCAPE_NOTE.format(dim=dim) + extra + " Colour: log₁₀ L.")
        self.slice_ready.emit()

    slice_ready = Signal()

    def _on_failed(self, token: int, text: str) -> None:
        if token != self._token:
            return
        self.busy = False
        self.progress.setVisible(False)
        self.recompute_button.setEnabled(True)
        if text:
            self.message.emit(text)

    _path_outside = False

    def show_paths(self, history: Any, selected: int) -> None:
        """Every run's trajectory projected onto the slice's plane, and its current point."""
        self._path_outside = False
        if (self.slice is None or history is None or history.length == 0
                or len(self.slice.plane.centre) != history.dim):
            for item in (*self.paths, *self.currents):
                item.setData([], [])
            return
        while len(self.paths) < history.runs:
            i = len(self.paths)
            self.paths.append(self.plot_item.plot(pen=pg.mkPen(style.lane_color(i), width=2)))
            marker = Markers(**style.current_marker(i))
            self.plot_item.addItem(marker)
            self.currents.append(marker)
        for i, (path, marker) in enumerate(zip(self.paths, self.currents, strict=True)):
            if i >= history.runs:
                path.setData([], [])
                marker.setData([], [])
                continue
            rows = finite_rows(history.theta[: history.lane_rows(i), i])
            if len(rows) == 0:
                continue
            coords = self.slice.plane.project(subsample(rows, PATH_POINTS))
            reach = self.slice.alpha[-1]
            self._path_outside |= bool(np.max(np.abs(coords)) > 1.05 * reach)
            path.setData(coords[:, 0], coords[:, 1])
            path.setZValue(2 + (i == selected))
            marker.setData(coords[-1:, 0], coords[-1:, 1])


class TrainingPlot(pg.GraphicsLayoutWidget):
    """Per-layer gradient norms over the steps, and the accuracy (object name
    ``"training_plot"``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("training_plot")
        self.setBackground(style.BACKGROUND)
        self.setMinimumHeight(150)
        self.norms = self.addPlot(row=0, col=0, axisItems={"left": NumberAxis("left")})
        self.norms.setTitle("|∂L/∂W| per layer",
                            **style.label_style(style.TITLE_POINT_SIZE))
        style.style_plot(self.norms)
        self.norms.setLogMode(y=True)
        self.norms.setMenuEnabled(False)
        self.norms_legend = self.norms.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.accuracy = self.addPlot(row=0, col=1)
        self.accuracy.setTitle("Training accuracy", **style.label_style(style.TITLE_POINT_SIZE))
        style.style_plot(self.accuracy)
        self.accuracy.setYRange(0.0, 1.0, padding=0.02)
        self.accuracy.setMenuEnabled(False)
        self.accuracy.setXLink(self.norms)
        style.set_axis_label(self.accuracy, "bottom", "step")
        style.set_axis_label(self.norms, "bottom", "step")
        self.norm_curves: dict[str, pg.PlotDataItem] = {}
        self.accuracy_curve = self.accuracy.plot(pen=pg.mkPen(style.lane_color(0), width=2))
        self._surface: Network | None = None
        self._norms: Any = None
        self._accuracy: Any = None

    def set_surface(self, surface: Network) -> None:
        self._surface = surface
        for curve in self.norm_curves.values():
            self.norms.removeItem(curve)
        self.norms_legend.clear()
        self.norm_curves = {}
        for number in range(1, len(surface.layers) + 1):
            # Layers are not runs: one dark colour, a dash pattern per layer (not lane colours).
            pen = pg.mkPen(style.FOREGROUND, width=1.8, style=LAYER_DASHES[(number - 1) % 4])
            self.norm_curves[f"W{number}"] = self.norms.plot(pen=pen, name=f"W{number}")
        self.accuracy.setVisible(surface.classification)
        self._lane = -1

    def show_history(self, history: Any, selected: int) -> None:
        surface = self._surface
        if surface is None or history is None or history.length == 0 or selected >= history.runs:
            return
        rows = history.lane_rows(selected)
        steps = np.arange(rows)
        if self._lane != selected:
            self._lane = selected
            self._norms = layer_norm_cache(surface)
            self._accuracy = accuracy_cache(surface) if surface.classification else None
        norms = self._norms.update(history.grad[:rows, selected])  # (T, 2L): W1, b1, W2, …
        for k, curve in enumerate(self.norm_curves.values()):
            values = norms[:, 2 * k]
            good = np.isfinite(values) & (values > 0)
            curve.setData(steps[good], values[good])
        if self._accuracy is not None:
            acc = self._accuracy.update(history.theta[:rows, selected])
            good = np.isfinite(acc)
            pen = pg.mkPen(style.lane_color(selected), width=2)
            self.accuracy_curve.setPen(pen)
            self.accuracy_curve.setData(steps[good], acc[good])

    _lane = -1

    def accuracy_now(self) -> float | None:
        """The selected run's accuracy at the last row drawn (``None`` before any)."""
        values = self._accuracy.values if self._accuracy is not None else None
        if values is None:
            return None
        good = values[np.isfinite(values)]
        return float(good[-1]) if len(good) else None


class NetworkView(QWidget):
    """Decision map, loss landscape and training plot for a network surface (object name
    ``"network_view"``); a plot of the window's protocol (:mod:`gdsim.app.plots.protocol`):
    the window shows it instead of the contour map when θ is a network's weights."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("network_view")
        self.decision = DecisionMap()
        self.landscape = LandscapeView()
        self.training = TrainingPlot()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.decision, 0, 0)
        grid.addWidget(self.landscape, 0, 1)
        grid.addWidget(self.training, 1, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 4)
        grid.setRowStretch(1, 1)
        self.surface: Network | None = None
        self.selected = 0
        self._history: Any = None
        self.landscape.recompute_requested.connect(self.recompute)
        self.landscape.slice_ready.connect(lambda: self.landscape.show_paths(self._history,
                                                                             self.selected))

    def shutdown(self) -> None:
        """Stop the landscape's thread (the window calls it for every plot when it closes)."""
        self.landscape.shutdown()

    def set_surface(self, surface: object) -> None:
        """A network's data and layers; any other surface leaves the view empty."""
        self.surface = surface if isinstance(surface, Network) else None
        self._history = None
        if self.surface is not None:
            self.decision.set_surface(self.surface)
            self.landscape.set_surface(self.surface)
            self.training.set_surface(self.surface)

    def set_selected_lane(self, lane: int) -> None:
        self.selected = lane

    def recompute(self) -> bool:
        """Compute the landscape around the selected run's path so far, now."""
        return self.landscape.compute(self._history, self.selected)

    def update_history(self, history: Any) -> None:
        """Redraw every part from ``history`` (the whole record or a rewound prefix)."""
        self._history = history
        surface = self.surface
        if surface is None or history is None or history.dim != surface.dim:
            return
        self.landscape.follow(history)
        selected = min(self.selected, max(0, history.runs - 1))
        thetas = [_lane_theta(history, i) for i in range(history.runs)]
        last_batch = None
        if selected < len(history.lanes):
            last_batch = history.lanes[selected].last_batch
        self.decision.show_theta(thetas, selected, last_batch)
        if self.landscape.slice is None and (history.length >= FIRST_SLICE_ROWS
                                             or (history.length > 1 and not history.playing)):
            self.landscape.compute(history, selected)
        else:
            self.landscape.maybe_auto(history, selected)
        self.landscape.show_paths(history, selected)
        self.training.show_history(history, selected)
