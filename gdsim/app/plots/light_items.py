"""pyqtgraph's curve and scatter items with a bounding rectangle that costs nothing to ask for.

Qt asks every item of a scene for its bounding rectangle several times per paint, and
pyqtgraph computes it afresh whenever the item's data or the view changed: the data's
``nanmin``/``nanmax`` under a ``warnings.catch_warnings`` and the size of a pixel in data units
through the device transform. With a dozen curves and markers fed every frame, that was more
than a third of a paint of the loss plot. The classes here keep the rectangle until it can
have changed:

* :class:`BoundedCurve` — the pixel padding is measured once per view transform (not once
  per ``setData``), the data bounds in two ``fmin``/``fmax`` reductions;
* :class:`Markers` — the rectangle is kept while pyqtgraph's cached data bounds (dropped on
  new data and on a new view transform) and the largest symbol stay the same;
* :class:`LightDataItem` — a ``PlotDataItem`` painted by those two;
* :class:`PathCurve` — a :class:`BoundedCurve` read like a ``PlotDataItem``, for polylines
  that need nothing else (one item where a ``PlotDataItem`` makes three).

They draw exactly what pyqtgraph's own items draw; only the bookkeeping is cheaper.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF


def _pixel_lengths(item: pg.GraphicsObject, pad: float) -> tuple[float, float] | None:
    """``pad`` pixels in the item's x and y data units, or ``None`` before it is on screen."""
    if pad <= 0:
        return 0.0, 0.0
    vx, vy = item.pixelVectors()
    if vx is None or vy is None:
        return None
    try:
        return vx.length() * pad, vy.length() * pad
    except OverflowError:
        return 0.0, 0.0


class BoundedCurve(pg.PlotCurveItem):
    """A ``PlotCurveItem`` whose bounding rectangle is cheap: see the module's docstring.

    Falls back to pyqtgraph's own computation where it does more than bound the points (a
    fill level, a step mode, a non-cosmetic pen, infinite values)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._pad: tuple[float, float, float] | None = None  # (pixel padding, x, y) in data units
        super().__init__(*args, **kwargs)

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's name
        self._pad = None
        super().viewTransformChanged()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        rect = self._boundingRect
        if rect is not None:
            return rect
        x, y = self.xData, self.yData
        if x is None or y is None or not len(x):
            return QRectF()
        opts = self.opts
        pen = opts["pen"]
        if (opts["fillLevel"] is not None or opts.get("stepMode") or opts["shadowPen"] is not None
                or (pen is not None and not pen.isCosmetic())):
            return super().boundingRect()
        with np.errstate(all="ignore"):
            x0, x1 = float(np.fmin.reduce(x)), float(np.fmax.reduce(x))
            y0, y1 = float(np.fmin.reduce(y)), float(np.fmax.reduce(y))
        if not all(math.isfinite(v) for v in (x0, x1, y0, y1)):
            return super().boundingRect()  # all NaN, or infinite values to leave out
        pad = self.pixelPadding()
        if self._pad is None or self._pad[0] != pad:
            lengths = _pixel_lengths(self, pad)
            if lengths is None:
                return super().boundingRect()
            self._pad = (pad, *lengths)
        _, px, py = self._pad
        self._boundingRect = QRectF(x0 - px, y0 - py, x1 - x0 + 2 * px, y1 - y0 + 2 * py)
        return self._boundingRect


class PathCurve(BoundedCurve):
    """A :class:`BoundedCurve` that reads like a ``PlotDataItem`` (``getOriginalDataset``):
    a polyline that needs no symbols, log mapping or downsampling is drawn by one item, not
    by a ``PlotDataItem`` and its two children."""

    def getOriginalDataset(self) -> tuple[np.ndarray | None, np.ndarray | None]:  # noqa: N802
        return self.xData, self.yData


class Markers(pg.ScatterPlotItem):
    """A ``ScatterPlotItem`` that keeps its bounding rectangle: see the module's docstring."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._rect: tuple[object, object, float, QRectF] | None = None
        super().__init__(*args, **kwargs)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        kept, (bx, by) = self._rect, self.bounds
        if (kept is not None and bx is not None and by is not None and kept[0] is bx
                and kept[1] is by and kept[2] == self._maxSpotPxWidth):
            return kept[3]
        rect = super().boundingRect()  # fills self.bounds (new tuples) when there are points
        self._rect = (self.bounds[0], self.bounds[1], self._maxSpotPxWidth, rect)
        return rect


class LightDataItem(pg.PlotDataItem):
    """A ``PlotDataItem`` whose curve is a :class:`BoundedCurve` and scatter :class:`Markers`
    (same arguments as ``PlotDataItem``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()
        for old in (self.curve, self.scatter):
            old.setParentItem(None)
        self.curve, self.scatter = BoundedCurve(), Markers()
        for new in (self.curve, self.scatter):
            new.setParentItem(self)
        self.curve.sigClicked.connect(self.sigClicked)
        self.scatter.sigClicked.connect(self.scatterClicked)
        self.scatter.sigHovered.connect(self.sigPointsHovered)
        self.setData(*args, **kwargs)
