"""The 1-D loss curve L(w) over the view range."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdsim.app import style
from gdsim.app.plots.light_items import LightDataItem
from gdsim.core.surfaces import Surface

CURVE_POINTS = 801
Z_CURVE = -50


class SurfaceCurve:
    """The curve L(w) of a one-parameter surface, drawn dark on the light background."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.curve = LightDataItem(pen=pg.mkPen(style.FOREGROUND, width=2.2),
                                   connect="finite", antialias=True)
        self.curve.setZValue(Z_CURVE)
        self.curve.setToolTip("The loss L(w) over the parameter w")
        plot_item.addItem(self.curve)
        self.w: np.ndarray = np.empty(0)
        self.loss: np.ndarray = np.empty(0)
        self.set_visible(False)

    def set_surface(self, surface: Surface, view: tuple[float, float]) -> None:
        """Evaluate L on ``CURVE_POINTS`` points of ``view`` (the w range) and draw it."""
        self.w = np.linspace(view[0], view[1], CURVE_POINTS)
        with np.errstate(all="ignore"):
            self.loss = np.asarray(surface.loss(self.w[:, None]), dtype=float)
        self.curve.setData(self.w, self.loss)

    def loss_range(self) -> tuple[float, float]:
        """The finite range of the drawn loss (``(0, 1)`` if there is none)."""
        finite = self.loss[np.isfinite(self.loss)]
        if finite.size == 0:
            return 0.0, 1.0
        lo, hi = float(finite.min()), float(finite.max())
        return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)

    def set_visible(self, visible: bool) -> None:
        self.curve.setVisible(visible)

    def clear(self) -> None:
        self.w = self.loss = np.empty(0)
        self.curve.setData(np.empty(0), np.empty(0))
