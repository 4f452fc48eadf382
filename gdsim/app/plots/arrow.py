"""An arrow between two points in data coordinates, with a pixel-sized head and a label.

pyqtgraph's ``ArrowItem`` is a head only, drawn in pixels and rotated in screen space. A
vector in parameter space needs a shaft that scales with the view and a head whose screen angle
follows the view's aspect: :class:`Arrow` keeps the two (and a text label) in step and
recomputes the head whenever the view changes (:meth:`refresh`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt

from gdsim.app import style
from gdsim.app.plots.light_items import BoundedCurve

HEAD_LENGTH = 13  # pixels
HEAD_ANGLE = 32  # degrees at the tip
LABEL_GAP = 6  # pixels between the tip and the label
LABEL_Z_DROP = 10
OBSTACLE_GAP = 3  # pixels between a label moved off an obstacle (the legend) and it


def pixel_size(plot_item: pg.PlotItem) -> tuple[float, float]:
    """Data units per screen pixel along x and y (a safe guess before the view is laid out)."""
    vb = plot_item.getViewBox()
    try:
        px, py = vb.viewPixelSize()
    except Exception:  # a singular transform before the first layout
        px = py = math.nan
    if not (math.isfinite(px) and math.isfinite(py) and px > 0 and py > 0):
        (x0, x1), (y0, y1) = vb.viewRange()
        px, py = max(x1 - x0, 1e-12) / 500.0, max(y1 - y0, 1e-12) / 500.0
    return px, py


def off_obstacle(x: float, y: float, width: float, height: float,
                 anchor: tuple[float, float], rect: QRectF, x_range: tuple[float, float],
                 y_range: tuple[float, float], gap_x: float, gap_y: float
                 ) -> tuple[float, float]:
    """Move a text box (anchored at ``x, y`` with ``anchor`` like a ``TextItem``, size
    ``width × height`` in data units, y up) the shortest way off ``rect`` (data units) while
    staying inside the view; unchanged if it does not overlap ``rect``."""
    left, top = x - anchor[0] * width, y + anchor[1] * height
    right, bottom = left + width, top - height
    if right < rect.left() or left > rect.right() or top < rect.top() or bottom > rect.bottom():
        return x, y
    (x0, x1), (y0, y1) = x_range, y_range
    moves = [(0.0, rect.top() - gap_y - top), (0.0, rect.bottom() + gap_y - bottom),
             (rect.left() - gap_x - right, 0.0), (rect.right() + gap_x - left, 0.0)]
    inside = [(dx, dy) for dx, dy in moves
              if left + dx >= x0 and right + dx <= x1 and bottom + dy >= y0 and top + dy <= y1]
    if not inside:
        return x, y
    dx, dy = min(inside, key=lambda m: math.hypot(m[0] / max(gap_x, 1e-300),
                                                  m[1] / max(gap_y, 1e-300)))
    return x + dx, y + dy


class Arrow:
    """A vector drawn from ``tail`` to ``tip`` (data coordinates) in one colour.

    Attributes:
        tail, tip: the last points set (``(2,)`` arrays), or ``None`` while hidden.
        shaft: the line (``PlotCurveItem``); head: the ``ArrowItem``; label: a ``TextItem``.
    """

    def __init__(self, plot_item: pg.PlotItem, color: str, *, width: float = 2.5,
                 label: str = "", z: float = 30.0, tooltip: str = "",
                 tip_gap: float = 0.0) -> None:
        self._plot_item = plot_item
        self.tip_gap = tip_gap  # pixels: the head stops short of the tip (e.g. at a marker)
        self.shaft = BoundedCurve(pen=pg.mkPen(color, width=width, cap=Qt.PenCapStyle.FlatCap),
                                  antialias=True)
        self.head = pg.ArrowItem(angle=0, headLen=HEAD_LENGTH, tipAngle=HEAD_ANGLE, tailLen=None,
                                 pen=pg.mkPen(color, width=1), brush=pg.mkBrush(color))
        self.label = pg.TextItem(label, color=color, anchor=(0, 0.5),
                                 fill=pg.mkBrush(255, 255, 255, 190))
        self.label.setFont(style.ui_font(style.BASE_POINT_SIZE, bold=True))
        for offset, item in enumerate((self.shaft, self.head)):
            plot_item.addItem(item, ignoreBounds=True)
            item.setZValue(z + 0.1 * offset)
        plot_item.addItem(self.label, ignoreBounds=True)
        self.label.setZValue(z - LABEL_Z_DROP)  # under every arrow: a label never hides one
        if tooltip:
            self.setToolTip(tooltip)
        self.tail: np.ndarray | None = None
        self.tip: np.ndarray | None = None
        self.obstacle: Callable[[], QRectF | None] | None = None  # a box labels keep off
        self._wanted = False
        self._apply_visibility(False)

    def set(self, tail: np.ndarray | None, tip: np.ndarray | None,
            label: str | None = None) -> None:
        """Draw from ``tail`` to ``tip``; ``None`` or non-finite points hide the arrow."""
        if label is not None:
            self.label.setText(label)
        if tail is None or tip is None or not (np.all(np.isfinite(tail))
                                               and np.all(np.isfinite(tip))):
            self.tail = self.tip = None
        else:
            self.tail = np.asarray(tail, dtype=float)[:2].copy()
            self.tip = np.asarray(tip, dtype=float)[:2].copy()
        self.refresh()

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt naming, like the items
        if self._wanted == bool(visible):
            return  # the items show the last refresh already (every set() refreshes)
        self._wanted = bool(visible)
        self.refresh()

    def isVisible(self) -> bool:  # noqa: N802
        return self._wanted and self.tip is not None

    def setToolTip(self, text: str) -> None:  # noqa: N802
        for item in (self.shaft, self.head, self.label):
            item.setToolTip(text)

    def _apply_visibility(self, on: bool) -> None:
        for item in (self.shaft, self.head, self.label):
            item.setVisible(on)

    def _inside_view(self, x: float, y: float, anchor: tuple[float, float], px: float,
                     py: float) -> tuple[float, float]:
        """Shift the label's position so that its box stays inside the visible range."""
        box = self.label.boundingRect()  # pixels: the label ignores the view's scaling
        width, height = box.width() * px, box.height() * py
        left, top = x - anchor[0] * width, y + anchor[1] * height
        (x0, x1), (y0, y1) = self._plot_item.getViewBox().viewRange()
        dx = max(0.0, x0 - left) - max(0.0, left + width - x1)
        dy = max(0.0, y0 - (top - height)) - max(0.0, top - y1)
        x, y = x + dx, y + dy
        rect = self.obstacle() if self.obstacle is not None else None
        if rect is not None:
            x, y = off_obstacle(x, y, width, height, anchor, rect, (x0, x1), (y0, y1),
                                OBSTACLE_GAP * px, OBSTACLE_GAP * py)
        return float(x), float(y)

    def refresh(self) -> None:
        """Recompute the head's screen angle and the shaft's end after a view change."""
        if not self._wanted or self.tail is None or self.tip is None:
            self._apply_visibility(False)
            return
        px, py = pixel_size(self._plot_item)
        with np.errstate(all="ignore"):  # a huge vector: non-finite length, hidden below
            d = self.tip - self.tail
            sx, sy = float(d[0] / px), float(-d[1] / py)  # screen pixels, y down
        length = math.hypot(sx, sy)
        if not math.isfinite(length) or length < 1e-9:
            self._apply_visibility(False)
            return
        ux, uy = sx / length, sy / length
        gap = min(self.tip_gap, 0.5 * length)
        tip = self.tip - np.array([ux * gap * px, -uy * gap * py])
        self.head.setStyle(angle=180.0 + math.degrees(math.atan2(uy, ux)))
        self.head.setPos(float(tip[0]), float(tip[1]))
        # The shaft stops inside the head so its flat end does not poke out of the tip.
        back = min(length - gap, 0.7 * HEAD_LENGTH)
        end = tip - np.array([ux * back * px, -uy * back * py])
        self.shaft.setData([self.tail[0], end[0]], [self.tail[1], end[1]])
        anchor = (0.5 - 0.5 * ux, 0.5 - 0.5 * uy)
        self.label.setAnchor(anchor)
        self.label.setPos(*self._inside_view(
            self.tip[0] + ux * LABEL_GAP * px, self.tip[1] - uy * LABEL_GAP * py,
            anchor, px, py))
        self._apply_visibility(True)
        self.shaft.setVisible(length - gap > 0.7 * HEAD_LENGTH)

