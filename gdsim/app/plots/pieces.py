"""A growing polyline painted in a few cached pieces, so that a frame paints only what is new.

Qt caches an item's painting as a pixmap (``DeviceCoordinateCache``) until the item changes;
a polyline that grows every frame changes every frame, and repainting all of it — thousands of
wide line segments — was most of a redraw. :class:`Pieces` splits it: the points added since
the last frame go into a new small piece, the older pieces keep their pixmaps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

import numpy as np

MAX_PIECES = 4
"""Pieces of one polyline, at most (each shares its first point with the previous one's last)."""


class Piece(Protocol):
    """What :class:`Pieces` draws with: a polyline item (and whatever goes with it)."""

    def set_data(self, x: np.ndarray, y: np.ndarray, connect: str | np.ndarray,
                 smooth: bool) -> None: ...

    def clear(self) -> None: ...


S = TypeVar("S", bound=Piece)


class Pieces(Generic[S]):
    """A growing polyline drawn as a few strokes, each cached as a pixmap by Qt: new points go
    into a new small piece, so a frame paints the points added since the last one and blits the
    older pieces, instead of repainting the whole path.

    The pieces merge like a binary counter (a piece is merged into the one before it once that
    one is no larger, and always beyond :data:`MAX_PIECES`): each point is painted again only
    about log₂(points) times over the run. Each piece shares its first point with
    the previous piece's last, so the polyline has no gaps.
    """

    def __init__(self, make: Callable[[], S]) -> None:
        self.pieces: list[tuple[S, int, int]] = []  # stroke, first point, end (exclusive)
        # Made once (a redraw never adds items to the plot): one more than may stay, for the
        # piece that is merged right after it is added.
        self._all = [make() for _ in range(MAX_PIECES + 1)]
        self._spare: list[S] = list(reversed(self._all))
        self._key: object = None
        self._smooth = False
        self.count = 0  # points shown

    def strokes(self) -> list[S]:
        """Every stroke, in use or spare, in a fixed order (for visibility, tooltips, z)."""
        return list(self._all)

    def redraws(self, n: int, smooth: bool, key: object) -> bool:
        """Whether :meth:`show` of ``n`` points with this ``key`` starts afresh (rather than
        extending the points shown)."""
        return key != self._key or smooth != self._smooth or n < self.count

    def show(self, points: np.ndarray, connect: str | np.ndarray, smooth: bool,
             key: object) -> None:
        """Show ``points`` ``(n, 2)``: with the same ``key`` as the last call, an extension of
        the points shown then (only the new ones are drawn); otherwise drawn afresh."""
        n = len(points)
        if self.redraws(n, smooth, key):
            self.clear()
            self._key, self._smooth = key, smooth
        if n <= self.count:
            return
        start = max(self.count - 1, 0)
        self.pieces.append((self._spare.pop(), start, n))
        self.count = n
        while len(self.pieces) >= 2 and (
                self.pieces[-2][2] - self.pieces[-2][1] <= n - self.pieces[-1][1]
                or len(self.pieces) > MAX_PIECES):
            (stroke, first, _), (spare, _, end) = self.pieces[-2], self.pieces.pop()
            spare.clear()
            self._spare.append(spare)
            self.pieces[-1] = (stroke, first, end)
        stroke, first, end = self.pieces[-1]
        flags = connect if isinstance(connect, str) else connect[first:end]
        stroke.set_data(points[first:end, 0], points[first:end, 1], flags, smooth)

    def clear(self) -> None:
        for stroke, _, _ in self.pieces:
            stroke.clear()
            self._spare.append(stroke)
        self.pieces, self.count, self._key = [], 0, None


def joined(parts: Sequence[tuple[np.ndarray | None, np.ndarray | None]]
           ) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive pieces' ``(x, y)`` as one polyline: each point two pieces share, once."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for x, y in parts:
        if x is None or y is None or not len(x):
            continue
        skip = 1 if xs else 0
        xs.append(np.asarray(x)[skip:])
        ys.append(np.asarray(y)[skip:])
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys)
