"""Markers of a surface's known critical points: global and local minima, saddles."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from gdsim.app import style
from gdsim.app.model.formatting import fmt_number, fmt_vector
from gdsim.app.plots.light_items import Markers
from gdsim.core.surfaces import CriticalPoint

KINDS = ("global minimum", "local minimum", "saddle", "local maximum")  # legend order
Z_POINTS = 5


class CriticalPointMarkers:
    """One scatter item per kind of point, so each kind has its own legend entry.

    In 2-D a point is drawn at θ; in 1-D at (w, L(w)) on the curve.
    """

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self._plot_item = plot_item
        self.items: dict[str, pg.ScatterPlotItem] = {}
        for kind in KINDS:
            self._item(kind)
        self._dim = 2

    def _item(self, kind: str) -> pg.ScatterPlotItem:
        """The scatter item of ``kind``, made on first use (kinds beyond :data:`KINDS` too)."""
        if kind not in self.items:
            item = Markers(hoverable=True, tip=self._tip)
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # still markers
            item.setZValue(Z_POINTS)
            self._plot_item.addItem(item, ignoreBounds=True)
            self.items[kind] = item
        return self.items[kind]

    def _marker(self, kind: str) -> style.MarkerStyle:
        if self._dim == 2:
            markers = style.CRITICAL_POINT_MARKERS
        else:
            markers = style.CRITICAL_POINT_MARKERS_1D
        return markers.get(kind, markers["saddle"])

    @staticmethod
    def _tip(x: float, y: float, data: object) -> str:
        return str(data) if data is not None else f"({fmt_number(x)}, {fmt_number(y)})"

    def set_points(self, points: list[CriticalPoint], dim: int) -> None:
        """Draw ``points`` (``dim`` = 1: on the loss curve; 2: on the map)."""
        self._dim = dim
        for p in points:
            self._item(p.kind)
        for kind, item in self.items.items():
            chosen = [p for p in points if p.kind == kind]
            if dim == 2:
                xy = np.array([p.theta[:2] for p in chosen], dtype=float).reshape(-1, 2)
            else:
                xy = np.array([(p.theta[0], p.loss) for p in chosen], dtype=float).reshape(-1, 2)
            tips = [f"{kind}: θ = {fmt_vector(p.theta)}, L = {fmt_number(p.loss)}"
                    for p in chosen]
            item.setData(pos=xy, data=tips, **self._marker(kind).kwargs())

    def positions(self) -> np.ndarray:
        """Where the shown markers are, ``(n, 2)`` in plot coordinates."""
        parts = [np.column_stack(item.getData()) for item in self.items.values()
                 if item.isVisible() and len(item.data) > 0]
        return np.concatenate(parts) if parts else np.empty((0, 2))

    def present_kinds(self) -> list[str]:
        """The kinds with at least one point, in legend order."""
        return [kind for kind, item in self.items.items() if len(item.data) > 0]

    def legend_sample(self, kind: str) -> pg.ScatterPlotItem:
        """A stand-alone item that draws the marker of ``kind`` for a legend."""
        style_kw = self._marker(kind).kwargs()
        style_kw["size"] = min(float(style_kw["size"]), 13.0)  # type: ignore[arg-type]
        if self._dim == 2 and kind != "global minimum":  # hollow white marks: dark in a legend
            style_kw["pen"] = pg.mkPen("#333333", width=1.8)
        return Markers(**style_kw)

    def clear(self) -> None:
        for item in self.items.values():
            item.clear()
