"""The loss on a grid, its colour scale and its level lines: what the 2-D map draws (Qt-free).

* :func:`evaluate_grid` evaluates ``surface.loss`` at the centres of a ``G × G`` pixel grid
  over a view box (row-major: ``loss[j, i]`` at ``(xs[i], ys[j])``). For costly data surfaces
  it first times a small probe and lowers ``G`` so the map never takes more than about a
  fifth of a second.
* :class:`ColorScale` maps loss to colour-scale values: the loss itself, or
  ``log10(L − L_min + ε)`` when the surface asks for a log scale or the loss spans more than
  three decades.
* :func:`contour_segments` finds level lines by marching squares, vectorized: one array of
  segment end points for all levels, drawn as a single curve with ``connect="pairs"``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gdsim.app.model.formatting import fmt_number
from gdsim.core.surfaces import Surface

View = tuple[tuple[float, float], ...]

GRID_SIZE = 300  # pixels across the view box
GRID_MARGIN = 0.25  # the map extends this many view widths beyond each side
MIN_GRID_SIZE = 24  # a coarse map beats a frozen window (logistic regression, N ≥ 10⁴)
TIME_BUDGET = 0.2  # seconds for the whole grid
DECADES_FOR_LOG = 3.0
LOG_EPSILON = 1e-5  # ε relative to the loss range: the log scale shows ~5 decades below the top


@dataclass(frozen=True)
class LossGrid:
    """``loss[j, i]`` at ``(xs[i], ys[j])``; ``xs``, ``ys`` are pixel centres."""

    xs: np.ndarray  # (G,)
    ys: np.ndarray  # (G,)
    loss: np.ndarray  # (G, G), may hold inf/NaN far from the minimum
    view: View

    def within(self, view: View) -> np.ndarray:
        """The losses at the pixel centres inside ``view``."""
        (x0, x1), (y0, y1) = view
        cols = (self.xs >= x0) & (self.xs <= x1)
        rows = (self.ys >= y0) & (self.ys <= y1)
        return self.loss[np.ix_(rows, cols)]

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` of the pixels' outer edges: the image rectangle."""
        (x0, x1), (y0, y1) = self.view
        return x0, y0, x1 - x0, y1 - y0


def _centres(low: float, high: float, n: int) -> np.ndarray:
    step = (high - low) / n
    return low + step * (np.arange(n) + 0.5)


def grid_size_for(surface: Surface, view: View, size: int = GRID_SIZE,
                  margin: float = 0.0) -> int:
    """``size``, lowered for surfaces whose loss is slow to evaluate (large data sets) so that
    the whole grid, margins included, takes about :data:`TIME_BUDGET`."""
    if not surface.data_driven:
        return size
    probe = np.stack(np.meshgrid(_centres(*view[0], 24), _centres(*view[1], 24)), axis=-1)
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        surface.loss(probe)
    per_point = max((time.perf_counter() - start) / probe[..., 0].size, 1e-9)
    fitting = int(math.sqrt(TIME_BUDGET / per_point) / (1.0 + 2.0 * margin))
    return int(min(size, max(MIN_GRID_SIZE, fitting)))


def evaluate_grid(surface: Surface, view: View, size: int | None = None,
                  margin: float = 0.0) -> LossGrid:
    """The full-batch loss of a 2-D ``surface`` on a grid over ``view``.

    ``size`` pixels span ``view`` along each axis (default: :func:`grid_size_for`). With a
    ``margin``, the grid is a square box around the view's centre, ``1 + 2·margin`` times the
    view's larger side, with ``size·(1 + 2·margin)`` pixels a side: the map still fills the
    plot when the locked aspect ratio or a small pan shows more than the view box.
    """
    n = grid_size_for(surface, view, margin=margin) if size is None else size
    if margin > 0:  # a square box around the view's centre: covers any aspect-locked layout
        half = 0.5 * max(hi - lo for lo, hi in view) * (1.0 + 2.0 * margin)
        view = tuple((0.5 * (lo + hi) - half, 0.5 * (lo + hi) + half) for lo, hi in view)
        n = int(round(n * (1.0 + 2.0 * margin)))
    xs, ys = _centres(*view[0], n), _centres(*view[1], n)
    theta = np.stack(np.meshgrid(xs, ys), axis=-1)  # (G, G, 2), row j = ys[j]
    with np.errstate(all="ignore"):
        loss = np.asarray(surface.loss(theta), dtype=float)
    return LossGrid(xs, ys, loss, view)


@dataclass(frozen=True)
class ColorScale:
    """The colour-scale value ``z`` of a loss: ``L`` (linear) or ``log10(L − offset)`` (log).

    ``low`` and ``high`` are the colour map's ends in ``z``.
    """

    log: bool
    offset: float
    low: float
    high: float

    @classmethod
    def for_grid(cls, loss: np.ndarray, prefer_log: bool,
                 floor: float | None = None) -> ColorScale:
        """The scale for a grid of losses; ``floor`` is the known minimum loss, if any.

        Log when ``prefer_log`` or when L − L_min spans more than three decades over the
        grid (its 95th percentile against its 5th).
        """
        finite = loss[np.isfinite(loss)]
        if finite.size == 0:
            return cls(False, 0.0, 0.0, 1.0)
        lo, hi = float(finite.min()), float(finite.max())
        if floor is not None and math.isfinite(floor):
            lo = min(lo, float(floor))
        if hi <= lo:
            return cls(False, 0.0, lo - 0.5, hi + 0.5)
        gap = finite - lo
        positive = gap[gap > 0]
        typical = float(np.percentile(positive, 5)) if positive.size else hi - lo
        spans_decades = math.log10((hi - lo) / max(typical, 1e-300)) > DECADES_FOR_LOG
        if prefer_log or spans_decades:
            eps = LOG_EPSILON * (hi - lo)
            offset = lo - eps
            return cls(True, offset, math.log10(eps), math.log10(hi - offset))
        return cls(False, 0.0, lo, hi)

    def to_z(self, loss: np.ndarray | float) -> np.ndarray:
        """Colour-scale values of ``loss`` (NaN where the loss is not finite)."""
        loss = np.asarray(loss, dtype=float)
        with np.errstate(all="ignore"):
            z = np.log10(np.maximum(loss - self.offset, 1e-300)) if self.log else loss.copy()
        z[~np.isfinite(loss)] = np.nan
        return z

    def to_loss(self, z: np.ndarray | float) -> np.ndarray:
        """The loss at colour-scale value ``z``."""
        z = np.asarray(z, dtype=float)
        return 10.0**z + self.offset if self.log else z

    def levels(self, count: int) -> np.ndarray:
        """``count`` level values evenly spaced in ``z``, strictly inside the range."""
        return np.linspace(self.low, self.high, count + 2)[1:-1]

    def ticks(self) -> list[tuple[float, str]]:
        """Colour-bar ticks ``(z, label)`` on a log scale: L = L_min + 10^k, labelled by L."""
        if not self.log:
            return []
        eps = 10.0**self.low
        base = self.offset + eps  # L_min
        first = math.ceil(math.log10(eps) + 0.15)
        last = math.floor(math.log10(10.0**self.high - eps))
        step = max(1, (last - first) // 6 + 1)
        return [(math.log10(10.0**k + eps), fmt_number(base + 10.0**k, 3))
                for k in range(first, last + 1, step)]


# Marching squares. Cell corners: a = (i, j), b = (i+1, j), c = (i+1, j+1), d = (i, j+1), with
# bit k set when corner k is above the level. Edges: B(ottom) a–b, R(ight) b–c, T(op) d–c,
# L(eft) a–d. Each case lists the edge pairs its segments join (saddles 5 and 10 get two).
_EDGE_PAIRS: dict[tuple[str, str], tuple[int, ...]] = {
    ("L", "B"): (1, 14, 10),
    ("B", "R"): (2, 13, 5),
    ("L", "R"): (3, 12),
    ("R", "T"): (4, 11, 10),
    ("B", "T"): (6, 9),
    ("L", "T"): (7, 8, 5),
}


def _crossing(za: np.ndarray, zb: np.ndarray, level: float) -> np.ndarray:
    """Where on an edge from value ``za`` (t = 0) to ``zb`` (t = 1) the level is crossed."""
    with np.errstate(all="ignore"):
        t = (level - za) / (zb - za)
    return np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)


def contour_segments(xs: np.ndarray, ys: np.ndarray, z: np.ndarray,
                     levels: Sequence[float]) -> np.ndarray:
    """Level-line segments of ``z[j, i]`` (at ``(xs[i], ys[j])``) for every level.

    Returns ``(2·S, 2)`` points: segment k joins rows 2k and 2k + 1. Cells with a non-finite
    corner are skipped. Only the cells a level crosses (min corner ≤ level < max corner) are
    examined, so the cost is one pass over the grid per level plus the crossing cells.
    """
    a, b = z[:-1, :-1].ravel(), z[:-1, 1:].ravel()
    c, d = z[1:, 1:].ravel(), z[1:, :-1].ravel()
    with np.errstate(invalid="ignore"):
        low = np.minimum(np.minimum(a, b), np.minimum(c, d))  # NaN if any corner is NaN
        high = np.maximum(np.maximum(a, b), np.maximum(c, d))
    valid = np.isfinite(low) & np.isfinite(high)
    low, high = np.where(valid, low, np.inf), np.where(valid, high, -np.inf)
    cols = z.shape[1] - 1
    out: list[np.ndarray] = []
    for level in levels:
        cells = np.flatnonzero((low <= level) & (high > level))
        if cells.size == 0:
            continue
        ca, cb, cc, cd = a[cells], b[cells], c[cells], d[cells]
        jj, ii = np.divmod(cells, cols)
        x0, x1, y0, y1 = xs[ii], xs[ii + 1], ys[jj], ys[jj + 1]
        case = (ca > level) * 1 + (cb > level) * 2 + (cc > level) * 4 + (cd > level) * 8
        edges = {  # each edge's crossing point, for every candidate cell
            "B": lambda m: np.stack([x0[m] + _crossing(ca[m], cb[m], level) * (x1[m] - x0[m]),
                                     y0[m]], axis=-1),
            "T": lambda m: np.stack([x0[m] + _crossing(cd[m], cc[m], level) * (x1[m] - x0[m]),
                                     y1[m]], axis=-1),
            "L": lambda m: np.stack([x0[m], y0[m] + _crossing(ca[m], cd[m], level)
                                     * (y1[m] - y0[m])], axis=-1),
            "R": lambda m: np.stack([x1[m], y0[m] + _crossing(cb[m], cc[m], level)
                                     * (y1[m] - y0[m])], axis=-1),
        }
        for (e1, e2), cases in _EDGE_PAIRS.items():
            m = np.flatnonzero(np.isin(case, cases))
            if m.size == 0:
                continue
            seg = np.empty((m.size, 2, 2))
            seg[:, 0] = edges[e1](m)
            seg[:, 1] = edges[e2](m)
            out.append(seg.reshape(-1, 2))
    if not out:
        return np.empty((0, 2))
    return np.concatenate(out)
