"""Each lane's trajectory on the main view: its path, start marker and current marker.

2-D: the path θ_0, θ_1, … as a polyline over the map. 1-D: the visited points (w_k, L(w_k))
as small dots on the loss curve, joined by a faint line that shows overshoots.

Items are made once per lane (:meth:`LanePaths.set_lanes`) and only fed new data afterwards.
Long paths go through a :class:`~gdsim.app.model.path_decimator.PathDecimator`: pyqtgraph's
clip-to-view and downsampling assume x increases along the curve, which a path does not.

The cost of a paint is bounded whatever the length of the run: a lane hands its items at most
:data:`PATH_POINT_BUDGET` points — the frozen stroke at most :data:`FROZEN_POINTS` (decimated
at pixel level, coarser for a noisy cloud), the live stroke the last :data:`BLOCK` rows at
most — and antialiasing only while all lanes together draw at most :data:`ANTIALIAS_POINTS`
points (raw): Qt paints wide antialiased polylines at ~3.4 µs per point with the halo,
opaque aliased ones as line segments at ~1.7 µs.

The decimation itself is bounded in time: :meth:`LanePaths.update` takes a ``deadline``, and a
lane that has more rows to examine than fit before it (the first drawing of a long history,
a zoom that changes the decimation cells) catches up over the next calls (``update`` returns
False until done). After a zoom the previous decimation stays on screen until the new one
has caught up; a new lane shows the rows examined so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from gdsim.app import style
from gdsim.app.model.history import History
from gdsim.app.model.path_decimator import PathDecimator
from gdsim.app.plots.light_items import LightDataItem, Markers, PathCurve
from gdsim.app.plots.pieces import MAX_PIECES, Pieces, joined

Z_HALO = 9
Z_PATH = 10
Z_START = 15
Z_CURRENT = 40  # above the visual aids (30): the arrows start and end at this marker
CLIP_SPANS = 1e4  # display coordinates are clipped to the view centre ± this many view spans
CELLS_PER_SPAN = 1500  # decimation cells per visible view span (about a screen pixel)
BLOCK = 250  # rows per look at a path's frozen part; the live stroke has at most these
FROZEN_POINTS = 3000  # the frozen stroke: raw up to this many rows, decimated to at most this
PATH_POINT_BUDGET = FROZEN_POINTS + MAX_PIECES - 1 + BLOCK
"""Points one lane hands its path items, at most (each item; the halo repeats the path)."""
ANTIALIAS_POINTS = 3000  # antialiased while the lanes' raw paths total at most this

StrokeItem = PathCurve | LightDataItem
"""A stroke's polyline: one :class:`PathCurve` in 2-D; in 1-D a data item with dots."""


@dataclass
class Stroke:
    """A drawn polyline and, in 2-D, the wide light halo under it (so the lane's colour stands
    out on any part of the colour map)."""

    path: StrokeItem
    halo: StrokeItem | None
    enabled: bool = True  # False while the lane is hidden (its legend entry clicked)

    def items(self) -> tuple[StrokeItem, ...]:
        return (self.path,) if self.halo is None else (self.path, self.halo)

    def set_data(self, x: np.ndarray, y: np.ndarray, connect: str | np.ndarray,
                 smooth: bool) -> None:
        for item in self.items():
            item.setData(x, y, connect=connect, antialias=smooth)
            item.setVisible(self.enabled)

    def clear(self) -> None:
        """No points, and hidden: an empty item still costs the scene a look at each paint."""
        for item in self.items():
            item.setData(np.empty(0), np.empty(0))
            item.setVisible(False)

    def enable(self, on: bool) -> None:
        """Show or hide the lane's stroke (hidden while empty whatever ``on`` says)."""
        self.enabled = on
        empty = self.path.xData is None or not len(self.path.xData)
        for item in self.items():
            item.setVisible(on and not empty)


class FrozenPieces(Pieces[Stroke]):
    """The frozen stroke of a lane's path, in cached pieces (see :class:`Pieces`)."""

    def items(self) -> tuple[StrokeItem, ...]:
        return tuple(item for stroke in self.strokes() for item in stroke.items())

    def paths(self) -> list[StrokeItem]:
        """The pieces' path items in order (not the halos)."""
        return [p[0].path for p in self.pieces]

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """The points shown, ``(x, y)`` (each shared point once)."""
        return joined([path.getOriginalDataset() for path in self.paths()])


@dataclass
class LaneGraphics:
    """The items of one lane. ``legend_sample`` is not in the plot: it stands in the legend.

    The path is drawn in two parts: ``frozen`` holds the rows up to the last whole
    :data:`BLOCK` (decimated, in cached pieces of which a frame repaints only the newest:
    :class:`FrozenPieces`), ``live`` the rows since (at most ``BLOCK``, updated every frame) —
    so a frame repaints a short line, however long the run.
    """

    frozen: FrozenPieces
    live: Stroke
    start: pg.ScatterPlotItem
    current: pg.ScatterPlotItem
    legend_sample: pg.PlotDataItem
    decimator: PathDecimator = field(default_factory=lambda: _decimator())
    pending: PathDecimator | None = None  # the decimation on new cells, catching up
    drawn: tuple | None = None  # what the frozen stroke shows; None: redraw it
    start_shown: np.ndarray | None = None  # where the start marker is; None: not set yet

    def items(self) -> tuple[pg.GraphicsObject, ...]:
        return (*self.frozen.items(), *self.live.items(), self.start, self.current)

    def paths(self) -> list[StrokeItem]:
        """The path items drawing points, frozen pieces then live (not the halos)."""
        return [*self.frozen.paths(), self.live.path]

    def reset(self) -> None:
        self.decimator.reset()
        self.pending = None
        self.drawn = None


def _decimator() -> PathDecimator:
    return PathDecimator(threshold=FROZEN_POINTS, max_points=FROZEN_POINTS)


class LanePaths:
    """The trajectories of all lanes, drawn from a :class:`History`."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self._plot_item = plot_item
        self.lanes: list[LaneGraphics] = []
        self._labels: list[str] = []
        self._dim = 2
        self._generation: int | None = None
        self._clip_lo = np.full(2, -np.inf)
        self._clip_hi = np.full(2, np.inf)
        self._behind = False

    # --- structure --------------------------------------------------------------------------
    def set_lanes(self, labels: list[str], dim: int) -> None:
        """Make the items of ``len(labels)`` lanes (removing the previous ones).

        The same number of lanes in the same dimension only renames them: the items and their
        decimation are kept (a live edit renames a lane of a long run; no redraw from row 0).
        """
        if dim == self._dim and len(labels) == len(self.lanes) and self.lanes:
            for lane, label in zip(self.lanes, labels, strict=True):
                for item in (*lane.items(), lane.legend_sample):
                    item.setToolTip(label)
            self._labels = list(labels)
            return
        for lane in self.lanes:
            for item in lane.items():
                self._plot_item.removeItem(item)
        self._dim = dim
        self._labels = list(labels)
        self.lanes = [self._make_lane(i, label) for i, label in enumerate(labels)]
        self._generation = None
        self._behind = False

    def _make_stroke(self, i: int, label: str, cached: bool) -> Stroke:
        color = style.lane_color(i)
        halo = None
        if self._dim == 2:
            path = PathCurve(pen=pg.mkPen(color, width=style.PATH_WIDTH), antialias=True,
                             connect="finite")
            halo = PathCurve(pen=pg.mkPen(style.HALO_COLOR, width=style.HALO_WIDTH),
                             antialias=True, connect="finite")
            halo.setZValue(Z_HALO)
        else:  # dots on the curve, joined by a faint line
            path = LightDataItem(pen=pg.mkPen(style.with_alpha(color, 110), width=1.2),
                                 symbol="o", symbolSize=style.PATH_DOT_SIZE,
                                 symbolBrush=pg.mkBrush(color),
                                 symbolPen=pg.mkPen(style.BACKGROUND, width=1),
                                 antialias=True, connect="finite")
        path.setZValue(Z_PATH + 0.01 * i)
        stroke = Stroke(path, halo)
        for item in stroke.items():
            item.setToolTip(label)
            self._plot_item.addItem(item, ignoreBounds=True)
            if cached:  # the painting items (a PlotDataItem only holds its children)
                children = (item.curve, item.scatter) if isinstance(item, pg.PlotDataItem) \
                    else (item,)
                for child in children:
                    child.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        return stroke

    def _make_lane(self, i: int, label: str) -> LaneGraphics:
        frozen = FrozenPieces(lambda: self._make_stroke(i, label, cached=True))
        live = self._make_stroke(i, label, cached=False)
        start = Markers(**style.start_marker(i))
        start.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # it stays put
        start.setZValue(Z_START + 0.01 * i)
        current = Markers(**style.current_marker(i))
        current.setZValue(Z_CURRENT + 0.01 * i)
        for item in (start, current):
            item.setToolTip(label)
            self._plot_item.addItem(item, ignoreBounds=True)
        marker = {**style.current_marker(i), "size": style.LEGEND_MARKER_SIZE}
        sample = pg.PlotDataItem(pen=pg.mkPen(style.lane_color(i), width=style.PATH_WIDTH), **{
            k if k == "symbol" else "symbol" + k.capitalize(): v for k, v in marker.items()})
        sample.visibleChanged.connect(lambda s=sample, n=i: self._mirror_visibility(n, s))
        return LaneGraphics(frozen, live, start, current, sample)

    def set_selected(self, lane: int) -> None:
        """Raise the selected lane's items above the others (its marker carries the aids)."""
        for i, graphics in enumerate(self.lanes):
            top = 0.5 if i == lane else 0.01 * i
            for stroke in (*graphics.frozen.strokes(), graphics.live):
                stroke.path.setZValue(Z_PATH + top)
            graphics.current.setZValue(Z_CURRENT + top)

    def _mirror_visibility(self, lane: int, sample: pg.PlotDataItem) -> None:
        """A click on the legend entry hides or shows the whole lane."""
        if lane < len(self.lanes):
            graphics, on = self.lanes[lane], sample.isVisible()
            for stroke in (*graphics.frozen.strokes(), graphics.live):
                stroke.enable(on)
            for item in (graphics.start, graphics.current):
                item.setVisible(on)

    # --- geometry ---------------------------------------------------------------------------
    def set_view(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """The visible range: decides the decimation cells and the display clipping box."""
        spans = np.array([x_range[1] - x_range[0], y_range[1] - y_range[0]], dtype=float)
        spans = np.where(np.isfinite(spans) & (spans > 0), spans, 1.0)
        centre = np.array([sum(x_range), sum(y_range)]) / 2.0
        self._clip_lo, self._clip_hi = centre - CLIP_SPANS * spans, centre + CLIP_SPANS * spans
        # Cells: a power of two near a pixel, so panning and small zooms keep the cache.
        cell = 2.0 ** np.floor(np.log2(spans / CELLS_PER_SPAN))
        block = cell * 8192
        origin = np.floor(centre / block) * block
        for lane in self.lanes:
            if lane.decimator.has_cells(origin, cell):
                lane.pending = None  # back to the cells on screen
            elif lane.decimator.examined == 0:  # nothing to keep on screen meanwhile
                lane.decimator.set_cells(origin, cell)
                lane.pending, lane.drawn = None, None
            elif lane.pending is None or not lane.pending.has_cells(origin, cell):
                lane.pending = _decimator()  # replaces the drawing once it has caught up
                lane.pending.set_cells(origin, cell)

    def _display(self, points: np.ndarray) -> np.ndarray:
        """Clip far-away (diverged) coordinates so Qt never paints astronomically large paths."""
        with np.errstate(all="ignore"):
            return np.clip(points, self._clip_lo, self._clip_hi)

    # --- data -------------------------------------------------------------------------------
    @property
    def catching_up(self) -> bool:
        """Whether some lane's drawing does not cover all of its rows yet (see :meth:`update`)."""
        return self._behind

    def update(self, history: History, deadline: float | None = None) -> bool:
        """Feed every lane its own rows of ``history``.

        With a ``deadline`` (``time.perf_counter()`` units) each lane examines at most a chunk
        of rows past it; returns whether every lane's drawing is complete (else call again,
        with the same or a longer history, to go on).
        """
        if history.generation != self._generation:
            for lane in self.lanes:
                lane.reset()
            self._generation = history.generation
        self._behind = False
        for i, lane in enumerate(self.lanes):
            if i >= history.runs or history.length == 0:
                self._clear_lane(lane)
                continue
            rows = history.lane_rows(i)
            if self._dim == 2:
                points = history.theta[:rows, i, :2]
            else:
                points = np.stack([history.theta[:rows, i, 0], history.loss[:rows, i]], axis=1)
            self._draw_path(lane, points, deadline)
            start = self._display(points[:1])
            start = start[np.isfinite(start).all(axis=1)]
            if lane.start_shown is None or not np.array_equal(start, lane.start_shown):
                lane.start.setData(pos=start)  # a scatter's setData costs: only on change
                lane.start_shown = start
            lane.current.setData(pos=self._current_point(points))
        return not self._behind

    def _draw_path(self, lane: LaneGraphics, points: np.ndarray, deadline: float | None
                   ) -> None:
        """Frozen stroke: rows up to the last whole :data:`BLOCK`, decimated; live stroke: the
        rest (at most ``BLOCK`` rows, as they are)."""
        rows = len(points)
        frozen_rows = ((rows - 1) // BLOCK) * BLOCK  # the live stroke starts at this row
        smooth = rows * len(self.lanes) <= ANTIALIAS_POINTS
        frozen = points[: frozen_rows + 1]
        if lane.pending is not None:  # new cells: build the new drawing beside the old one
            lane.pending.update(frozen, deadline)
            if lane.pending.examined == len(frozen):
                lane.decimator, lane.pending, lane.drawn = lane.pending, None, None
            else:
                self._behind = True
        if frozen_rows:
            x, y, connect = lane.decimator.update(frozen, deadline)
            if lane.decimator.examined < len(frozen):
                self._behind = True
            # Only a new drawing is handed over: rows through cells already drawn change
            # nothing, and the pieces keep their cached pixmaps; new points go to a new piece.
            key = (id(lane.decimator), lane.decimator.revision, smooth)
            if key != lane.drawn:
                shown = self._display(np.stack([x, y], axis=1))
                lane.frozen.show(shown, connect, smooth, key=(
                    id(lane.decimator), lane.decimator.epoch,
                    *self._clip_lo, *self._clip_hi))
                lane.drawn = key
        elif lane.drawn != ():
            lane.decimator.reset()
            lane.frozen.clear()
            lane.drawn = ()
        live = self._display(points[frozen_rows:])
        lane.live.set_data(live[:, 0], live[:, 1], "finite", smooth)

    def _current_point(self, points: np.ndarray) -> np.ndarray:
        """The last row with a drawable point (a diverged run ends in NaN): ``(0 or 1, 2)``."""
        finite = np.isfinite(self._display(points[-64:])).all(axis=1)
        if finite.any():
            last = np.flatnonzero(finite)[-1]
            return self._display(points[-64:][last: last + 1])
        return np.empty((0, 2))

    @staticmethod
    def _clear_lane(lane: LaneGraphics) -> None:
        lane.frozen.clear()
        lane.live.clear()
        lane.reset()
        lane.drawn = ()
        lane.start.setData(pos=np.empty((0, 2)))
        lane.start_shown = None
        lane.current.setData(pos=np.empty((0, 2)))

    def clear(self) -> None:
        for lane in self.lanes:
            self._clear_lane(lane)
        self._generation = None
        self._behind = False

    def path_data(self, lane: int) -> tuple[np.ndarray, np.ndarray]:
        """The path of ``lane`` as given to its items, frozen then live (each point they share
        once): ``(x, y)``, 1-D: ``(w, L)``."""
        graphics = self.lanes[lane]
        return joined([graphics.frozen.data(), graphics.live.path.getOriginalDataset()])

    def current_point(self, lane: int) -> np.ndarray | None:
        """Where ``lane``'s current marker is, ``(2,)``, or ``None``."""
        x, y = self.lanes[lane].current.getData()
        return None if x is None or len(x) == 0 else np.array([x[0], y[0]])
