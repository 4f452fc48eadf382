"""Where the map's overlay labels go, so that none covers another, a marker or an arrow, or
sticks out of the view (uses :mod:`gdsim.app.model.placement`).

:class:`ScreenFrame` converts between a plot's data coordinates and screen pixels (x right,
y down); :class:`OverlayLayout` collects what must stay visible and places each label at the
best of its candidate positions, the labels being obstacles for each other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from gdsim.app.model.placement import Box, Candidate, Segment, place

MARKER_RADIUS = 10.0  # pixels kept free around a marker (a minimum's star, the current point)
GAP = 6.0  # pixels between a label and what it labels
ARROW_GAP = 12.0  # ... and between an arrow's tip (often on a marker) and its label


def clip(x0: float, y0: float, x1: float, y1: float, box: Box
         ) -> tuple[float, float, float, float] | None:
    """The part of the segment inside ``box`` (Liang–Barsky), or ``None`` if none is."""
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - box.left), (dx, box.right - x0), (-dy, y0 - box.top),
                 (dy, box.bottom - y0)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy


class ScreenFrame:
    """Data ↔ screen pixels for a view range and pixel size."""

    def __init__(self, x_range: tuple[float, float], y_range: tuple[float, float],
                 px: float, py: float) -> None:
        (self.x0, self.x1), (self.y0, self.y1) = x_range, y_range
        self.px, self.py = px, py

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.x0) / self.px, (self.y1 - y) / self.py

    def to_data(self, sx: float, sy: float) -> tuple[float, float]:
        return self.x0 + sx * self.px, self.y1 - sy * self.py

    def bounds(self) -> Box:
        return Box(0.0, 0.0, (self.x1 - self.x0) / self.px, (self.y1 - self.y0) / self.py)

    def rect(self, rect: QRectF) -> Box:
        """A data-coordinate rectangle (y up) as a screen box."""
        left, top = self.to_screen(rect.left(), max(rect.top(), rect.bottom()))
        return Box(left, top, rect.width() / self.px, abs(rect.height()) / self.py)


def text_size(item: pg.TextItem) -> tuple[float, float]:
    """A text item's box in pixels (it ignores the view's scaling)."""
    rect = item.boundingRect()
    return rect.width(), rect.height()


class OverlayLayout:
    """The obstacles of one refresh of the aids, and the placement of their labels."""

    def __init__(self, frame: ScreenFrame) -> None:
        self.frame = frame
        self.bounds = frame.bounds()
        self.boxes: list[Box] = []
        self.segments: list[Segment] = []
        self._requests: list[tuple[pg.TextItem, list[Candidate]]] = []

    def add_markers(self, points: Iterable[np.ndarray] | np.ndarray,
                    radius: float = MARKER_RADIUS) -> None:
        for x, y in np.asarray(points, dtype=float).reshape(-1, 2):
            if math.isfinite(x) and math.isfinite(y):
                self.boxes.append(Box.around(*self.frame.to_screen(x, y), radius))

    def add_segment(self, tail: np.ndarray, tip: np.ndarray, width: float = 4.0) -> None:
        (x0, y0), (x1, y1) = self.frame.to_screen(*tail), self.frame.to_screen(*tip)
        if all(math.isfinite(v) for v in (x0, y0, x1, y1)):
            self.segments.append(Segment(x0, y0, x1, y1, width))

    def add_rect(self, rect: QRectF | None) -> None:
        if rect is not None:
            self.boxes.append(self.frame.rect(rect))

    def put(self, item: pg.TextItem, candidates: list[Candidate]) -> None:
        """Ask for ``item`` at the best of ``candidates`` (screen positions); placed by
        :meth:`apply`, together with the other labels asked for."""
        if candidates:
            self._requests.append((item, candidates))

    def apply(self, passes: int = 3) -> list[Box]:
        """Place every requested label: greedily in request order, then each again against
        all the others (a label placed early can make way for a later one). Returns the
        labels' boxes."""
        sizes = [text_size(item) for item, _ in self._requests]
        chosen: list[Box | None] = [None] * len(self._requests)
        picks = [0] * len(self._requests)
        for _ in range(passes):
            changed = False
            for i, (_, candidates) in enumerate(self._requests):
                others = [b for j, b in enumerate(chosen) if j != i and b is not None]
                index, box = place(*sizes[i], candidates, self.boxes + others, self.segments,
                                   self.bounds)
                changed |= index != picks[i] or chosen[i] is None
                picks[i], chosen[i] = index, box
            if not changed:
                break
        for (item, candidates), index in zip(self._requests, picks, strict=True):
            c = candidates[index]
            item.setAnchor(c.anchor)
            item.setPos(*self.frame.to_data(c.x, c.y))
        self._requests = []
        return [b for b in chosen if b is not None]

    # --- candidate sets ---------------------------------------------------------------------
    def arrow_label(self, tail: np.ndarray, tip: np.ndarray) -> list[Candidate]:
        """Beyond the tip first, then beside it, beside the shaft's middle, behind the tail."""
        (tx, ty), (hx, hy) = self.frame.to_screen(*tail), self.frame.to_screen(*tip)
        visible = clip(tx, ty, hx, hy, self.bounds)
        if visible is not None:  # a long arrow: label the part on screen
            tx, ty, hx, hy = visible
        length = math.hypot(hx - tx, hy - ty)
        ux, uy = ((hx - tx) / length, (hy - ty) / length) if length > 0 else (1.0, 0.0)
        nx, ny = -uy, ux
        mx, my = (tx + hx) / 2, (ty + hy) / 2

        def at(x: float, y: float, dx: float, dy: float) -> Candidate:
            return Candidate(x + ARROW_GAP * dx, y + ARROW_GAP * dy,
                             (0.5 - 0.5 * dx, 0.5 - 0.5 * dy))

        out = [at(hx, hy, ux, uy), at(hx, hy, nx, ny), at(hx, hy, -nx, -ny),
               at(mx, my, nx, ny), at(mx, my, -nx, -ny), at(tx, ty, -ux, -uy),
               at(tx, ty, nx, ny), at(tx, ty, -nx, -ny)]
        for t in (0.25, 0.75):  # along the shaft, either side
            px, py = tx + t * (hx - tx), ty + t * (hy - ty)
            out += [at(px, py, nx, ny), at(px, py, -nx, -ny)]
        for far in (2.5, 4.0):  # a little farther out, for a crowded tip
            out += [Candidate(c.x + (far - 1) * (c.x - x), c.y + (far - 1) * (c.y - y),
                              c.anchor)
                    for c, (x, y) in zip(out[:3], ((hx, hy),) * 3, strict=True)]
        return out

    def around_point(self, x: float, y: float, offset: float,
                     rings: tuple[float, ...] = (1.0, 2.5, 4.5)) -> list[Candidate]:
        """The four diagonals at ``offset`` pixels (right-down first), then the sides; then
        the same farther out (``rings`` × ``offset``), for a crowded neighbourhood."""
        sx, sy = self.frame.to_screen(x, y)
        out = []
        for ring in rings:
            d = ring * offset
            out += [Candidate(sx + cx * d, sy + cy * d,
                              (0.0 if cx > 0 else 1.0, 0.0 if cy > 0 else 1.0))
                    for cx, cy in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
            out += [Candidate(sx + d, sy, (0.0, 0.5)), Candidate(sx - d, sy, (1.0, 0.5)),
                    Candidate(sx, sy - d, (0.5, 1.0)), Candidate(sx, sy + d, (0.5, 0.0))]
        return out

    def anywhere(self, steps: int = 8) -> list[Candidate]:
        """A grid over the whole view, top left first: for a readout that does not point at
        anything (the Taylor box) when nothing near its point is free."""
        b = self.bounds
        return [Candidate(b.left + b.width * i / steps, b.top + b.height * j / steps, (0.0, 0.0))
                for j in range(steps) for i in range(steps)]

    def around_box(self, rect: QRectF) -> list[Candidate]:
        """Below a data rectangle (an ellipse's box), then above, right, left."""
        box = self.frame.rect(rect)
        cx, cy = box.left + box.width / 2, box.top + box.height / 2
        return [Candidate(cx, box.bottom + 4, (0.5, 0.0)), Candidate(cx, box.top - 4, (0.5, 1.0)),
                Candidate(box.right + 4, cy, (0.0, 0.5)), Candidate(box.left - 4, cy, (1.0, 0.5))]
