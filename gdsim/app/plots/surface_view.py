"""The main view: the loss surface with every lane's trajectory and the visual aids.

2-D surfaces: a filled contour map of L(θ) (colour image, level lines, colour bar), the known
minima and saddles, each lane's path θ_0 … θ_t, and at the selected lane's current point the
gradient, the last step, the optimizer's state and the first-order Taylor check.
1-D surfaces: the curve L(w), the visited points as dots on it, and the same aids (the Taylor
aid is the tangent line).

A thin view: it draws the snapshot it is given (:meth:`SurfaceView.set_surface`, then
:meth:`SurfaceView.update_history` for every new frame) and evaluates nothing but the loss on
a grid. A left click on the plot asks for a new start point (:attr:`sigStartRequested`).
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gdsim.app import style
from gdsim.app.model.history import History
from gdsim.app.model.loss_grid import GRID_MARGIN, ColorScale, evaluate_grid
from gdsim.app.model.readout import LEGEND_HZ, ReadoutPace
from gdsim.app.model.step_snapshot import StepSnapshot
from gdsim.app.plots.axes import NumberAxis
from gdsim.app.plots.critical_points import CriticalPointMarkers
from gdsim.app.plots.lane_paths import LanePaths
from gdsim.app.plots.legend import Legend, path_points, set_fitting_title
from gdsim.app.plots.surface_curve import SurfaceCurve
from gdsim.app.plots.surface_map import SurfaceMap
from gdsim.app.plots.visual_aids import AIDS, VisualAids
from gdsim.core.surfaces import Surface

View = tuple[tuple[float, float], ...]
MAX_LOCKED_ASPECT = 4.0  # lock x:y = 1:1 (∇L ⟂ level lines) unless the view box is this lopsided
CURVE_Y_PADDING = 0.06  # 1-D: fraction of the loss range added above and below the curve
DRAW_SECONDS = 0.008  # on screen, one update examines path rows for about this long ...
CATCH_UP_MS = 5  # ... and a lane that is behind goes on after this pause (event loop runs)


class SurfaceView(QWidget):
    """The loss surface and the trajectories on it (object name ``"surface_view"``).

    Signals:
        sigStartRequested(tuple): a left click (without drag) inside the plot asks to start
            the runs at the clicked point, in parameter coordinates: ``(x, y)`` or ``(w,)``.

    Attributes:
        plot_item: the pyqtgraph ``PlotItem`` (for exporters).
        lanes: the per-lane items (:class:`~gdsim.app.plots.lane_paths.LanePaths`).
        aids: the visual aids (:class:`~gdsim.app.plots.visual_aids.VisualAids`).
        surface_map, surface_curve, critical_points: the background layers.
    """

    sigStartRequested = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surface_view")
        self.plot_widget = pg.PlotWidget(background=style.BACKGROUND, axisItems={
            "left": NumberAxis("left"), "bottom": NumberAxis("bottom")})
        self.plot_widget.setObjectName("surface_plot")
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.hideButtons()
        style.style_plot(self.plot_item, grid=False)
        self.caption = QLabel()
        self.caption.setObjectName("surface_caption")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setStyleSheet(f"color: {style.MUTED}; padding: 2px 6px;")
        self.caption.setFont(style.ui_font(style.BASE_POINT_SIZE - 1))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.caption)

        self.surface_map = SurfaceMap(self.plot_item)
        self.surface_curve = SurfaceCurve(self.plot_item)
        self.critical_points = CriticalPointMarkers(self.plot_item)
        self.lanes = LanePaths(self.plot_item)
        self.aids = VisualAids(self.plot_item)
        self.legend = Legend(self.plot_item.getViewBox())
        self.aids.set_obstacle(self.legend.rect_in_view)
        self.aids.set_markers(self._marker_points)
        self._point_samples: dict[str, pg.ScatterPlotItem] = {}

        self.surface: Surface | None = None
        self.view: View | None = None
        self.history: History | None = None
        self.selected_lane = 0
        self._labels: list[str] = []
        self._dim = 2

        self._legend_pace = ReadoutPace(LEGEND_HZ)
        self._caption_pace = ReadoutPace()
        self._catch_up = QTimer(self)
        self._catch_up.setSingleShot(True)
        self._catch_up.setInterval(CATCH_UP_MS)
        self._catch_up.timeout.connect(self._draw_lanes)

        self.plot_widget.scene().sigMouseClicked.connect(self._on_click)
        vb = self.plot_item.getViewBox()
        vb.sigRangeChanged.connect(self._on_view_changed)
        vb.sigResized.connect(self._on_view_changed)
        self._show_message("No surface")

    # --- surface ----------------------------------------------------------------------------
    def set_surface(self, surface: Surface, view: Sequence[tuple[float, float]] | None = None
                    ) -> None:
        """Draw ``surface`` over ``view`` (default: the surface's view box).

        Clears the drawn trajectories: they belong to the previous surface until the next
        :meth:`update_history`.
        """
        self.surface = surface
        self.view = tuple(tuple(map(float, r)) for r in (view or surface.view))  # type: ignore
        self._dim = surface.dim
        self.history = None
        self.lanes.set_lanes(self._labels, self._dim)
        self.lanes.clear()
        self.lanes.set_selected(self.selected_lane)
        if self._dim == 2:
            assert self.view is not None
            grid = evaluate_grid(surface, self.view, margin=GRID_MARGIN)
            floor = min((p.loss for p in surface.minima()), default=None)
            scale = ColorScale.for_grid(grid.within(self.view), surface.log_scale, floor)
            self.surface_map.set_grid(grid, scale)
            self.surface_map.set_visible(True)
            self.surface_curve.clear()
            self.surface_curve.set_visible(False)
            style.set_axis_label(self.plot_item, "bottom", html.escape(surface.param_names[0]))
            style.set_axis_label(self.plot_item, "left", html.escape(surface.param_names[1]))
        elif self._dim == 1:
            assert self.view is not None
            self.surface_map.clear()
            self.surface_map.set_visible(False)
            self.surface_curve.set_surface(surface, self.view[0])
            self.surface_curve.set_visible(True)
            name = html.escape(surface.param_names[0])
            style.set_axis_label(self.plot_item, "bottom", name)
            style.set_axis_label(self.plot_item, "left", f"L({name})")
        else:
            self.surface_map.set_visible(False)
            self.surface_curve.set_visible(False)
            self._show_message(f"{surface.title}: {surface.dim} parameters cannot be drawn")
            return
        self.critical_points.set_points(surface.critical_points(), self._dim)
        self.plot_item.showGrid(x=self._dim == 1, y=self._dim == 1, alpha=style.GRID_ALPHA)
        title, formula = html.escape(surface.title), html.escape(surface.formula)
        set_fitting_title(self.plot_item, [f"<b>{title}</b>&nbsp;&nbsp;&nbsp;L = {formula}",
                                           f"<b>{title}</b>"],
                          **style.label_style(style.TITLE_POINT_SIZE))
        self._lock_aspect()
        self.reset_view()
        self.aids.update(None, self._dim)
        self._rebuild_legend()
        self._update_caption()

    def _lock_aspect(self) -> None:
        if self._dim == 2 and self.view is not None:
            (x0, x1), (y0, y1) = self.view
            ratio = (x1 - x0) / max(y1 - y0, 1e-300)
            lock = 1.0 / MAX_LOCKED_ASPECT <= ratio <= MAX_LOCKED_ASPECT
            self.plot_item.setAspectLocked(lock, ratio=1.0)
        else:
            self.plot_item.setAspectLocked(False)

    def reset_view(self) -> None:
        """Back to the surface's view box (1-D: the whole curve)."""
        if self.view is None:
            return
        vb = self.plot_item.getViewBox()
        if self._dim == 2:
            vb.setRange(xRange=self.view[0], yRange=self.view[1], padding=0)
        else:
            lo, hi = self.surface_curve.loss_range()
            pad = CURVE_Y_PADDING * (hi - lo)
            vb.setRange(xRange=self.view[0], yRange=(lo - pad, hi + pad), padding=0)

    def _show_message(self, text: str) -> None:
        set_fitting_title(self.plot_item, [html.escape(text)],
                          **style.label_style(style.TITLE_POINT_SIZE, style.MUTED))

    # --- lanes ------------------------------------------------------------------------------
    def set_lanes(self, labels: Sequence[str]) -> None:
        """One trajectory per label, in :func:`~gdsim.app.style.lane_color` order."""
        self._labels = list(labels)
        self.lanes.set_lanes(self._labels, self._dim)
        self._sync_view_to_lanes()
        if self.selected_lane >= len(self._labels):
            self.selected_lane = 0
        self.lanes.set_selected(self.selected_lane)
        self._rebuild_legend()

    def set_selected_lane(self, lane: int) -> None:
        """The lane whose current point carries the visual aids."""
        self.selected_lane = int(lane)
        self.lanes.set_selected(self.selected_lane)
        self._update_aids()

    def update_history(self, history: History) -> None:
        """Redraw every lane from ``history`` (cheap: ``setData`` on existing items).

        A history of another dimension than the surface (a frame from before a surface
        change) is ignored.
        """
        if self.surface is None or history.dim != self._dim:
            return
        self.history = history
        self._draw_lanes()
        self._update_aids()

    def _draw_lanes(self) -> None:
        """Feed the lanes the history. On screen the work per call is bounded in time (the
        event loop is never blocked for long): a long history or a zoom at a million rows
        is drawn over several calls, the timer going on until done. Off screen (an export)
        everything is drawn at once."""
        if self.history is None:
            return
        deadline = time.perf_counter() + DRAW_SECONDS if self.isVisible() else None
        if self.lanes.update(self.history, deadline):
            self._catch_up.stop()
        else:
            self._catch_up.start()

    def finish_drawing(self) -> None:
        """Draw every lane's whole path now (for a test or an export of a shown view)."""
        if self.history is not None:
            self.lanes.update(self.history)
        self._catch_up.stop()

    # --- visual aids ------------------------------------------------------------------------
    def set_aid(self, name: str, on: bool) -> None:
        """Show or hide the aid ``name``: "gradient", "step", "state" or "taylor"."""
        self.aids.set_enabled(name, on)
        self._update_caption()

    def aid_enabled(self, name: str) -> bool:
        return self.aids.enabled[name]

    @property
    def aid_names(self) -> tuple[str, ...]:
        return AIDS

    def _update_aids(self) -> None:
        snap = None
        if self.history is not None:
            snap = StepSnapshot.from_history(self.history, self.selected_lane)
        self.aids.update(snap, self._dim)
        self._place_legend()
        self._update_caption()

    def _marker_points(self) -> np.ndarray:
        """Markers the aids' labels keep off: the known critical points and every lane's
        start and current point."""
        parts = [self.critical_points.positions()]
        for lane in self.lanes.lanes:
            for item in (lane.start, lane.current):
                if item.isVisible():
                    x, y = item.getData()
                    if x is not None and len(x):
                        parts.append(np.column_stack([x, y]))
        return np.concatenate(parts) if parts else np.empty((0, 2))

    def _place_legend(self) -> None:
        """The legend to the corner that hides the least of the paths, the markers and the
        aids (the aids then keep their labels off the legend). While the run plays, at most
        :data:`~gdsim.app.model.readout.LEGEND_HZ` times a second."""
        if not self.legend.isVisible():
            return
        if not self._legend_pace.due(self.history is not None and self.history.playing):
            return
        points: list[tuple[np.ndarray, float]] = []
        for lane in self.lanes.lanes:
            if not lane.current.isVisible():
                continue
            points.append((path_points(lane.paths()), 1.0))
            for marker in (lane.start, lane.current):
                x, y = marker.getData()
                if x is not None and len(x):
                    points.append((np.column_stack([x, y]), 60.0))
        points.append((self.aids.key_points(), 40.0))
        points.append((self.critical_points.positions(), 20.0))
        if self.legend.place(points):
            self.aids.refresh()

    def _update_caption(self) -> None:
        playing = self.history is not None and self.history.playing
        if self._caption_pace.due(playing):  # a text readout: at most 10 Hz while playing
            self.caption.setText(self.aids.caption())

    # --- legend -----------------------------------------------------------------------------
    def _rebuild_legend(self) -> None:
        self.legend.clear()
        if len(self._labels) > 1:
            for lane, label in zip(self.lanes.lanes, self._labels, strict=True):
                self.legend.addItem(lane.legend_sample, html.escape(label))
        self._point_samples = {}
        for kind in self.critical_points.present_kinds():
            sample = self.critical_points.legend_sample(kind)
            sample.visibleChanged.connect(
                lambda s=sample, k=kind: self.critical_points.items[k].setVisible(s.isVisible()))
            self._point_samples[kind] = sample
            self.legend.addItem(sample, kind)
        self.legend.setVisible(bool(self.legend.items))
        self._place_legend()

    # --- interaction ------------------------------------------------------------------------
    def _on_click(self, event) -> None:  # pyqtgraph MouseClickEvent
        if event.button() != Qt.MouseButton.LeftButton or event.isAccepted() or event.double():
            return
        if self.surface is None or self._dim not in (1, 2):
            return
        vb = self.plot_item.getViewBox()
        pos = event.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        point = vb.mapSceneToView(pos)
        start = (float(point.x()),) if self._dim == 1 else (float(point.x()), float(point.y()))
        self.sigStartRequested.emit(start)

    def _on_view_changed(self, *args: object) -> None:
        self._sync_view_to_lanes()
        self._draw_lanes()
        self.aids.refresh()
        self._place_legend()

    def _sync_view_to_lanes(self) -> None:
        (x0, x1), (y0, y1) = self.plot_item.getViewBox().viewRange()
        self.lanes.set_view((x0, x1), (y0, y1))
