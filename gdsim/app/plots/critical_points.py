"""Markers of a surface's known critical points: global and local minima, saddles."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdsim.app import style
from gdsim.app.plots.formatting import fmt_number, fmt_vector
from gdsim.core.surfaces import CriticalPoint

KINDS = ("global minimum", "local minimum", "saddle")
Z_POINTS = 5


class CriticalPointMarkers:
    """One scatter item per kind of point, so each kind has its own legend entry.

    In 2-D a point is drawn at θ; in 1-D at (w, L(w)) on the curve.
    """

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.items: dict[str, pg.ScatterPlotItem] = {}
        for kind in KINDS:
            item = pg.ScatterPlotItem(hoverable=True, tip=self._tip)
            item.setZValue(Z_POINTS)
            plot_item.addItem(item, ignoreBounds=True)
            self.items[kind] = item
        self._dim = 2

    @staticmethod
    def _tip(x: float, y: float, data: object) -> str:
        return str(data) if data is not None else f"({fmt_number(x)}, {fmt_number(y)})"

    def set_points(self, points: list[CriticalPoint], dim: int) -> None:
        """Draw ``points`` (``dim`` = 1: on the loss curve; 2: on the map)."""
        self._dim = dim
        markers = style.CRITICAL_POINT_MARKERS if dim == 2 else style.CRITICAL_POINT_MARKERS_1D
        for kind, item in self.items.items():
            chosen = [p for p in points if p.kind == kind]
            if dim == 2:
                xy = np.array([p.theta[:2] for p in chosen], dtype=float).reshape(-1, 2)
            else:
                xy = np.array([(p.theta[0], p.loss) for p in chosen], dtype=float).reshape(-1, 2)
            tips = [f"{kind}: θ = {fmt_vector(p.theta)}, L = {fmt_number(p.loss)}"
                    for p in chosen]
            item.setData(pos=xy, data=tips, **markers[kind].kwargs())

    def present_kinds(self) -> list[str]:
        """The kinds with at least one point, in legend order."""
        return [kind for kind, item in self.items.items() if len(item.data) > 0]

    def legend_sample(self, kind: str) -> pg.ScatterPlotItem:
        """A stand-alone item that draws the marker of ``kind`` for a legend."""
        markers = style.CRITICAL_POINT_MARKERS if self._dim == 2 else style.CRITICAL_POINT_MARKERS_1D
        style_kw = markers[kind].kwargs()
        if self._dim == 2 and kind != "global minimum":  # hollow white marks: dark in a legend
            style_kw["pen"] = pg.mkPen("#333333", width=1.8)
        return pg.ScatterPlotItem(**style_kw)

    def clear(self) -> None:
        for item in self.items.values():
            item.clear()
