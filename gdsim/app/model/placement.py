"""Where a label goes: the first free spot among candidates (Qt-free).

A view's overlays (the Taylor box, the η·s label, the arrows' labels) each have a few candidate
positions around what they describe. :func:`place` scores each candidate box by how much of it
overlaps what must stay visible — other labels' boxes, markers, arrow shafts — and how much of
it sticks out of the view, and returns the best; ties go to the earlier candidate. Everything
is in screen pixels, x to the right and y down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

OUTSIDE_WEIGHT = 20.0  # a pixel outside the view costs as much as this many covered pixels
SEGMENT_SAMPLES = 16  # points per arrow shaft when measuring how much a box covers it


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in screen pixels (y down)."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @classmethod
    def around(cls, x: float, y: float, radius: float) -> Box:
        """The square of half-side ``radius`` centred on ``(x, y)`` (a marker)."""
        return cls(x - radius, y - radius, 2 * radius, 2 * radius)

    @classmethod
    def anchored(cls, x: float, y: float, width: float, height: float,
                 anchor: tuple[float, float]) -> Box:
        """A box of ``width × height`` whose point ``anchor`` (0..1, like a pyqtgraph
        ``TextItem``: (0, 0) top left) is at ``(x, y)``."""
        return cls(x - anchor[0] * width, y - anchor[1] * height, width, height)

    def overlap(self, other: Box) -> float:
        """The area the two boxes share."""
        w = min(self.right, other.right) - max(self.left, other.left)
        h = min(self.bottom, other.bottom) - max(self.top, other.top)
        return w * h if w > 0 and h > 0 else 0.0

    def outside(self, bounds: Box) -> float:
        """The area of this box that lies outside ``bounds``."""
        return self.width * self.height - self.overlap(bounds)

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.top <= y <= self.bottom


@dataclass(frozen=True)
class Segment:
    """A line (an arrow's shaft) from ``(x0, y0)`` to ``(x1, y1)``, ``width`` pixels thick."""

    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 3.0

    def covered(self, box: Box) -> float:
        """About how many pixels of the line ``box`` covers."""
        length = math.hypot(self.x1 - self.x0, self.y1 - self.y0)
        if not math.isfinite(length):
            return 0.0
        pad = self.width / 2
        grown = Box(box.left - pad, box.top - pad, box.width + 2 * pad, box.height + 2 * pad)
        inside = sum(grown.contains(self.x0 + t * (self.x1 - self.x0),
                                    self.y0 + t * (self.y1 - self.y0))
                     for t in (k / (SEGMENT_SAMPLES - 1) for k in range(SEGMENT_SAMPLES)))
        return inside / SEGMENT_SAMPLES * max(length, 1.0) * self.width


@dataclass(frozen=True)
class Candidate:
    """A possible position: the point ``(x, y)`` the box's ``anchor`` sits at."""

    x: float
    y: float
    anchor: tuple[float, float]


def cost(box: Box, boxes: Sequence[Box], segments: Sequence[Segment], bounds: Box | None
         ) -> float:
    """How bad ``box`` is: pixels it covers, and (weighted) pixels outside the view."""
    total = sum(box.overlap(other) for other in boxes)
    total += sum(segment.covered(box) for segment in segments)
    if bounds is not None:
        total += OUTSIDE_WEIGHT * box.outside(bounds)
    return total


def _overlaps(left: np.ndarray, top: np.ndarray, width: float, height: float,
              others: np.ndarray) -> np.ndarray:
    """The area each candidate box ``(C,)`` shares with each of ``others`` ``(B, 4)``
    (left, top, right, bottom): ``(C, B)``."""
    w = (np.minimum(left[:, None] + width, others[None, :, 2])
         - np.maximum(left[:, None], others[None, :, 0]))
    h = (np.minimum(top[:, None] + height, others[None, :, 3])
         - np.maximum(top[:, None], others[None, :, 1]))
    return np.where((w > 0) & (h > 0), w * h, 0.0)


def costs(width: float, height: float, candidates: Sequence[Candidate],
          boxes: Sequence[Box] = (), segments: Sequence[Segment] = (),
          bounds: Box | None = None) -> np.ndarray:
    """:func:`cost` of a ``width × height`` box at every candidate, as one array ``(C,)``."""
    left = np.array([c.x - c.anchor[0] * width for c in candidates], dtype=float)
    top = np.array([c.y - c.anchor[1] * height for c in candidates], dtype=float)
    total = np.zeros(len(candidates))
    if boxes:
        others = np.array([(b.left, b.top, b.right, b.bottom) for b in boxes], dtype=float)
        total += _overlaps(left, top, width, height, others).sum(axis=1)
    if segments:
        ends = np.array([(s.x0, s.y0, s.x1, s.y1, s.width) for s in segments], dtype=float)
        t = np.arange(SEGMENT_SAMPLES) / (SEGMENT_SAMPLES - 1)
        with np.errstate(invalid="ignore", over="ignore"):  # an endless shaft counts nothing
            length = np.hypot(ends[:, 2] - ends[:, 0], ends[:, 3] - ends[:, 1])  # (S,)
            xs = ends[:, 0, None] + t * (ends[:, 2, None] - ends[:, 0, None])  # (S, K)
            ys = ends[:, 1, None] + t * (ends[:, 3, None] - ends[:, 1, None])
        pad = (ends[:, 4] / 2)[None, :, None]  # (1, S, 1)
        lx, ty = left[:, None, None] - pad, top[:, None, None] - pad
        inside = ((lx <= xs) & (xs <= lx + width + 2 * pad)
                  & (ty <= ys) & (ys <= ty + height + 2 * pad)).sum(axis=2)  # (C, S)
        weight = np.where(np.isfinite(length),
                          np.maximum(length, 1.0) * ends[:, 4] / SEGMENT_SAMPLES, 0.0)
        total += inside @ weight
    if bounds is not None:
        edge = np.array([[bounds.left, bounds.top, bounds.right, bounds.bottom]])
        total += OUTSIDE_WEIGHT * (width * height
                                   - _overlaps(left, top, width, height, edge)[:, 0])
    return total


def place(width: float, height: float, candidates: Sequence[Candidate],
          boxes: Sequence[Box] = (), segments: Sequence[Segment] = (),
          bounds: Box | None = None) -> tuple[int, Box]:
    """The best candidate for a ``width × height`` box: ``(its index, the box)``.

    Scores every candidate at once (:func:`costs`, the vectorised :func:`cost`): a view's
    labels are placed on every redraw.

    Raises:
        ValueError: no candidates.
    """
    if not candidates:
        raise ValueError("no candidate positions")
    scores = costs(width, height, candidates, boxes, segments, bounds)
    # Ties (within 1e-9) go to the earlier candidate, as a scan keeping the first best would.
    best = int(np.flatnonzero(scores <= scores.min() + 1e-9)[0])
    c = candidates[best]
    return best, Box.anchored(c.x, c.y, width, height, c.anchor)
