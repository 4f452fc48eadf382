"""Pixel-level decimation of a growing 2-D polyline (Qt-free).

pyqtgraph's clip-to-view and peak downsampling assume that x increases along the curve; a
trajectory θ_0, θ_1, … in parameter space does not. So a long path is decimated here instead,
in two passes over cells of about a third of a screen pixel:

1. a point is kept only when it lies in another cell than the point before it (a converged
   run that sits in one pixel for a million steps keeps one point) — exactly the sequential
   "drop points in the same pixel as the last kept one", vectorized;
2. a segment between kept points is drawn only the first time its pair of cells occurs (an
   oscillating run that jumps between the same two pixels forever draws that segment once).
   If that still leaves more than ``max_points`` (a long stochastic run fills a cloud with
   ever new segments), pass 2 compares coarser cells — twice as large each time — until it
   fits: the cloud stays inked, with fewer strokes. The output is **never** longer than
   ``max_points`` (at the coarsest level every cell is one).

   Coarsening does not look at the rows again: the first segment of each pair of coarse
   cells is the first of its pair of fine cells too, so it is already in the output, and
   pass 2 at the coarser level keeps exactly the output's first segment of each coarse pair
   (O(max_points), not O(rows)).

What is drawn is indistinguishable from the full path at the current zoom, and its size is
bounded by the pixels the path touches, not by its steps. The result is a polyline with a
per-point ``connect`` array (``connect[i]``: point i joins point i + 1); non-finite rows
(a diverged run) break the line, as ``connect="finite"`` would.

Up to ``threshold`` rows the path is returned unchanged (``connect="finite"``). Above it the
work is incremental: only rows added since the last call are examined, in chunks of
:data:`CHUNK` rows; with a ``deadline`` (a ``time.perf_counter()`` value) :meth:`update`
stops after the first chunk that ends past it and returns the drawing of the rows examined
so far (:attr:`PathDecimator.examined`) — a million rows take about half a second, so a GUI
catches up over several calls instead of freezing.
"""

from __future__ import annotations

import time

import numpy as np

THRESHOLD = 2_000
MAX_POINTS = 2_000
CHUNK = 8_192  # rows examined between two looks at the deadline (a few milliseconds)
MAX_COARSENING = 16  # at 2^16 times the fine cells, all (clamped) cells are one
_CELL_LIMIT = 2**15  # cell indices are clamped to ±2^15 and packed 2 × 16 bits per cell


class PathDecimator:
    """Turns a growing ``(rows, 2)`` path into drawable ``x, y`` and a ``connect`` mode."""

    def __init__(self, threshold: int = THRESHOLD, max_points: int = MAX_POINTS) -> None:
        self.threshold = threshold
        self.max_points = max_points
        self._origin = np.zeros(2)
        self._cell = np.ones(2)
        self.coarsening = 0  # pass 2 compares cells 2^coarsening times larger
        self._revision = 0
        self._epoch = 0
        self._raw = True  # whether the last drawing was the rows themselves (threshold)
        self.reset()

    def reset(self) -> None:
        """Forget the examined rows (a new run, or a new cell grid)."""
        self.coarsening = 0
        self._clear()

    def _clear(self) -> None:
        self._revision += 1
        self._epoch += 1
        self._done = 0  # rows examined
        self._seen = np.empty(0, dtype=np.int64)  # sorted (cell, cell) ids of drawn segments
        self._last_row_cell: int | None = None  # cell of the last examined row, None if NaN
        self._prev: tuple[int, np.ndarray] | None = None  # last kept point: (cell, point)
        self._prev_open = False  # whether the output ends at _prev with a drawn segment
        self._covered = 0  # rows the last drawing covers
        self._pts = np.empty((1024, 2))
        self._conn = np.zeros(1024, dtype=bool)
        self._n = 0

    def set_cells(self, origin: np.ndarray, cell: np.ndarray) -> bool:
        """Snap to cells of size ``cell`` (data units, per axis) from ``origin``.

        Returns whether the grid changed (then the examined rows are forgotten).
        """
        origin, cell = np.asarray(origin, float), np.maximum(np.asarray(cell, float), 1e-300)
        if self.has_cells(origin, cell):
            return False
        self._origin, self._cell = origin, cell
        self.reset()
        return True

    def has_cells(self, origin: np.ndarray, cell: np.ndarray) -> bool:
        """Whether the grid is the one :meth:`set_cells` would set for these arguments."""
        cell = np.maximum(np.asarray(cell, float), 1e-300)
        return bool(np.array_equal(np.asarray(origin, float), self._origin)
                    and np.array_equal(cell, self._cell))

    @property
    def revision(self) -> int:
        """Changes whenever the drawing :meth:`update` returns changes: rows examined without
        a new segment (a path through cells already drawn) leave it, and the drawing, as is."""
        return self._revision

    @property
    def epoch(self) -> int:
        """Changes whenever points of a drawing already returned may change (a reset, a coarser
        pass 2, the switch from the rows themselves to their decimation); while it stays, each
        drawing :meth:`update` returns extends the previous one — its points, and the connect
        flags of all but the previous drawing's last point, are unchanged."""
        return self._epoch

    @property
    def examined(self) -> int:
        """How many rows the last :meth:`update`'s drawing covers."""
        return self._covered

    def update(self, points: np.ndarray, deadline: float | None = None
               ) -> tuple[np.ndarray, np.ndarray, str | np.ndarray]:
        """Drawable data for ``points`` ``(rows, 2)``, a prefix-extension of the last call's.

        Examines the new rows, or with a ``deadline`` (``time.perf_counter()`` units) as many
        :data:`CHUNK`-row chunks as fit before it (at least one): then the drawing covers the
        first :attr:`examined` rows only, and the next call goes on from there.

        Returns ``(x, y, connect)`` for ``PlotDataItem.setData``: at most
        ``max(threshold, max_points)`` points.
        """
        n = len(points)
        if n <= self.threshold:
            if self._done:
                self.reset()
            if n != self._covered:
                self._revision += 1
            if not self._raw:
                self._raw, self._epoch = True, self._epoch + 1
            self._covered = n
            return points[:, 0], points[:, 1], "finite"
        if n < self._done:
            self.reset()
        if self._raw:
            self._raw, self._epoch = False, self._epoch + 1
        while self._done < n:
            end = n if deadline is None else min(n, self._done + CHUNK)
            self._examine(np.asarray(points[self._done: end], dtype=float))
            self._done = end
            self._fit()
            if deadline is not None and time.perf_counter() > deadline:
                break
        self._covered = self._done
        pts = self._pts[: self._n]
        return pts[:, 0], pts[:, 1], self._conn[: self._n]

    def _fit(self) -> None:
        """Coarsen pass 2 until the output has at most ``max_points`` points."""
        while self._n > self.max_points and self.coarsening < MAX_COARSENING:
            self.coarsening += 1
            self._recoarsen()

    def _recoarsen(self) -> None:
        """Pass 2 again at the current (coarser) level, over the output instead of the rows."""
        n = self._n
        pts, conn = self._pts[:n], self._conn[:n]
        segments = np.flatnonzero(conn[:-1])  # segment i joins point i to point i + 1
        packed, _ = self._cells(pts)
        coarse = self._coarse(packed)
        ids = (coarse[segments] << 32) | coarse[segments + 1]
        unique_ids, first = np.unique(ids, return_index=True)
        self._seen = unique_ids
        kept = np.zeros(n, dtype=bool)  # kept[i]: the segment leaving point i stays
        kept[segments[first]] = True
        keep_point = kept.copy()
        keep_point[1:] |= kept[:-1]
        if self._prev_open and not kept[n - 2]:
            self._prev_open = False  # the output no longer ends with a segment into _prev
        count = int(keep_point.sum())
        self._revision += 1
        self._epoch += 1
        self._pts[:count] = pts[keep_point]
        self._conn[:count] = kept[keep_point]
        self._n = count

    # --- the two passes -----------------------------------------------------------------------
    def _cells(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Packed cell ids (int64) and the finite-row mask of ``chunk``."""
        finite = np.isfinite(chunk).all(axis=1)
        with np.errstate(all="ignore"):
            cells = np.floor((chunk - self._origin) / self._cell)
        cells[~finite] = 0.0  # (their cell is never used; ±inf in a finite row is clipped)
        cells = np.clip(cells, -_CELL_LIMIT, _CELL_LIMIT - 1) + _CELL_LIMIT
        cells = cells.astype(np.int64)
        return (cells[:, 0] << 16) | cells[:, 1], finite

    def _coarse(self, packed: np.ndarray) -> np.ndarray:
        """Packed cell ids at pass 2's resolution."""
        if self.coarsening == 0:
            return packed
        k = self.coarsening
        return (((packed >> 16) >> k) << 16) | ((packed & 0xFFFF) >> k)

    def _examine(self, chunk: np.ndarray) -> None:
        packed, finite = self._cells(chunk)
        m = len(chunk)
        prev_cell = np.empty(m, dtype=np.int64)
        prev_finite = np.empty(m, dtype=bool)
        prev_cell[1:], prev_finite[1:] = packed[:-1], finite[:-1]
        prev_cell[0] = -1 if self._last_row_cell is None else self._last_row_cell
        prev_finite[0] = self._last_row_cell is not None
        self._last_row_cell = int(packed[-1]) if finite[-1] else None
        # Pass 1: keep a finite row whose cell differs from the row before it.
        kept = np.flatnonzero(finite & (~prev_finite | (packed != prev_cell)))
        if kept.size == 0:
            if not finite.all():
                self._prev, self._prev_open = None, False
            return
        bad = np.cumsum(~finite)  # non-finite rows up to and including each row
        cells, pts = packed[kept], chunk[kept]
        # Each kept point joins the kept point before it unless a non-finite row lies between.
        joined = np.empty(kept.size, dtype=bool)
        joined[1:] = bad[kept[1:]] == bad[kept[:-1]]
        joined[0] = self._prev is not None and bad[kept[0]] == 0
        from_cells = np.empty(kept.size, dtype=np.int64)
        from_pts = np.empty((kept.size, 2))
        from_cells[1:], from_pts[1:] = cells[:-1], pts[:-1]
        if self._prev is not None:
            from_cells[0], from_pts[0] = self._prev
        else:
            from_cells[0], from_pts[0] = -1, np.nan
        # Pass 2: draw a segment only the first time its pair of cells occurs.
        new = np.zeros(kept.size, dtype=bool)
        candidates = np.flatnonzero(joined)
        if candidates.size:
            ids = (self._coarse(from_cells[candidates]) << 32) | self._coarse(cells[candidates])
            unique_ids, first = np.unique(ids, return_index=True)
            where = np.searchsorted(self._seen, unique_ids)
            known = where < self._seen.size
            known[known] = self._seen[where[known]] == unique_ids[known]
            fresh = ~known
            if fresh.any():
                self._seen = np.union1d(self._seen, unique_ids[fresh])
            new[candidates[first[fresh]]] = True
        self._emit(new, from_pts, pts)
        self._prev = (int(cells[-1]), pts[-1].copy())
        self._prev_open = bool(new[-1])
        if not finite[kept[-1]:].all():  # the chunk ends in non-finite rows: a break
            self._prev, self._prev_open = None, False

    def _emit(self, new: np.ndarray, from_pts: np.ndarray, pts: np.ndarray) -> None:
        """Append the new segments as runs of a polyline with per-point connect flags."""
        if not new.any():
            return
        self._revision += 1
        run_before = np.empty(new.size, dtype=bool)
        run_before[1:] = new[:-1]
        run_before[0] = self._prev_open
        starts = new & ~run_before  # a run of new segments begins: emit its first point too
        count = int(starts.sum() + new.sum())
        out = np.empty((2 * new.size, 2))
        out[0::2], out[1::2] = from_pts, pts
        mask = np.empty(2 * new.size, dtype=bool)
        mask[0::2], mask[1::2] = starts, new
        conn = np.empty(2 * new.size, dtype=bool)
        run_after = np.empty(new.size, dtype=bool)
        run_after[:-1] = new[1:]
        run_after[-1] = False  # decided by the next chunk
        conn[0::2], conn[1::2] = True, run_after
        if self._prev_open and new[0]:  # the last emitted point continues into this chunk
            self._conn[self._n - 1] = True
        self._reserve(self._n + count)
        self._pts[self._n: self._n + count] = out[mask]
        self._conn[self._n: self._n + count] = conn[mask]
        self._n += count

    def _reserve(self, size: int) -> None:
        if size > len(self._pts):
            capacity = max(size, 2 * len(self._pts))
            pts = np.empty((capacity, 2))
            conn = np.zeros(capacity, dtype=bool)
            pts[: self._n], conn[: self._n] = self._pts[: self._n], self._conn[: self._n]
            self._pts, self._conn = pts, conn
