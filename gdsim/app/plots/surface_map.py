"""The 2-D loss map behind the trajectories: a colour image, level lines and a colour bar."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem

from gdsim.app import style
from gdsim.app.model.loss_grid import ColorScale, LossGrid, contour_segments
from gdsim.app.plots.light_items import BoundedCurve

CONTOUR_LEVELS = 14
Z_IMAGE = -100
Z_CONTOURS = -50
COLORBAR_AXIS_WIDTH = 64  # pixels for the colour bar's tick labels and its title


class SurfaceMap:
    """Filled-contour view of L(θ) over a view box, owned by a ``PlotItem``.

    The image holds the colour-scale value of the loss (see :class:`ColorScale`) on a grid of
    pixel centres; the level lines are evenly spaced in that scale; the colour bar's ticks are
    labelled with loss values.
    """

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self._plot_item = plot_item
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(Z_IMAGE)
        self.image.setOpacity(style.MAP_OPACITY)
        self.contours = BoundedCurve(pen=pg.mkPen(style.CONTOUR_COLOR, width=1.0),
                                     antialias=True)
        self.contours.setZValue(Z_CONTOURS)
        self.contours.setToolTip("Level lines: curves of equal loss, evenly spaced in the "
                                 "colour scale. ∇L is perpendicular to them.")
        plot_item.addItem(self.image)
        plot_item.addItem(self.contours, ignoreBounds=True)
        # The map changes only with the surface or the zoom, the trajectories every frame: Qt
        # keeps the map's rendering in a pixmap and repaints only what is on top of it.
        for item in (self.image, self.contours):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        cmap = style.colormap()
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=cmap, interactive=False,
                                        width=14, pen=pg.mkPen(style.FOREGROUND),
                                        colorMapMenu=False)
        self.colorbar.setImageItem(self.image)
        axis = self.colorbar.axis
        axis.setPen(pg.mkPen(style.FOREGROUND))
        axis.setTextPen(pg.mkPen(style.FOREGROUND))
        axis.setTickFont(style.ui_font(style.BASE_POINT_SIZE - 1))
        axis.enableAutoSIPrefix(False)  # "L (x1e+03)" reads worse than plain numbers
        self.scale: ColorScale | None = None
        self.grid: LossGrid | None = None
        self._in_layout = False
        self.set_visible(False)

    def set_grid(self, grid: LossGrid, scale: ColorScale) -> None:
        """Show ``grid`` coloured by ``scale`` with level lines."""
        self.grid, self.scale = grid, scale
        z = scale.to_z(grid.loss)
        self.image.setImage(z, autoLevels=False, levels=(scale.low, scale.high))
        self.image.setRect(QRectF(*grid.rect))
        self.colorbar.setLevels((scale.low, scale.high))
        segments = contour_segments(grid.xs, grid.ys, z, scale.levels(CONTOUR_LEVELS))
        self.contours.setData(segments[:, 0], segments[:, 1], connect="pairs")
        axis = self.colorbar.axis
        axis.setTicks([scale.ticks()] if scale.log else None)
        text = "L  (log scale)" if scale.log else "L"
        axis.setLabel(html.escape(text), **style.label_style(style.BASE_POINT_SIZE))
        tip = ("Colour: the loss L on a log scale (each tick a factor 10 above the minimum)"
               if scale.log else "Colour: the loss L")
        self.image.setToolTip(tip)
        self.colorbar.setToolTip(tip)

    def level_count(self) -> int:
        """How many level-line segments are drawn."""
        x, _ = self.contours.getData()
        return 0 if x is None else len(x) // 2

    def set_visible(self, visible: bool) -> None:
        """Show or hide the map; the colour bar leaves the plot's layout while hidden."""
        self.image.setVisible(visible)
        self.contours.setVisible(visible)
        layout = self._plot_item.layout
        if visible and not self._in_layout:
            layout.addItem(self.colorbar, 2, 5)
            layout.setColumnFixedWidth(4, 6)
            self._in_layout = True
        elif not visible and self._in_layout:
            layout.removeItem(self.colorbar)
            layout.setColumnFixedWidth(4, 0)
            self._in_layout = False
        self.colorbar.setVisible(visible)
        if visible:  # an axis measured while hidden has width 0: set it again once shown
            self.colorbar.axis.setWidth(COLORBAR_AXIS_WIDTH)

    def clear(self) -> None:
        self.grid = self.scale = None
        self.image.clear()
        self.contours.setData(np.empty(0), np.empty(0))
