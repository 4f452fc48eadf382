"""Basins of attraction: a G×G grid of starts, T steps each, labelled by the minimum reached.

The G² runs are lanes of one :class:`~gdsim.core.run.Run` (no per-step history). Starts are the
centres of the G×G cells covering the x and y ranges, row by row from the bottom: lane
``j·G + i`` starts at (x_i, y_j). A run "ends in" a minimum of the surface's known critical
points when it did not diverge and its last point lies within ``radius`` of that minimum
(the nearest one); its label is that point's index in ``surface.critical_points()``, else −1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdsim.core.config import RunConfig
from gdsim.core.maps.driver import Cancelled, MapProgress, drive, never
from gdsim.core.run import STATUSES, Run, Status
from gdsim.core.surfaces import Surface, make_surface

_DIVERGED = STATUSES.index(Status.DIVERGED)
MAX_GRID = 512


def cell_centres(low: float, high: float, n: int) -> np.ndarray:
    """The centres of ``n`` equal cells covering [low, high]."""
    return low + (np.arange(n) + 0.5) * (high - low) / n


def grid_starts(x_range: tuple[float, float], y_range: tuple[float, float],
                grid: int) -> np.ndarray:
    """The grid's start points ``(grid², 2)``, lane ``j·grid + i`` at (x_i, y_j)."""
    xs = cell_centres(*x_range, grid)
    ys = cell_centres(*y_range, grid)
    return np.stack([np.tile(xs, grid), np.repeat(ys, grid)], axis=1)


def label_minima(surface: Surface, theta: np.ndarray, status: np.ndarray,
                 radius: float) -> np.ndarray:
    """For each point ``(runs, 2)``: the index in ``surface.critical_points()`` of the nearest
    minimum within ``radius``, or −1 (none near, or diverged). ``(runs,)`` int."""
    points = surface.critical_points()
    index = np.array([k for k, p in enumerate(points) if p.kind.endswith("minimum")], int)
    label = np.full(len(theta), -1, dtype=int)
    if not len(index):
        return label
    minima = np.array([points[k].theta for k in index])  # (M, 2)
    with np.errstate(all="ignore"):
        d2 = ((theta[:, None, :] - minima[None, :, :]) ** 2).sum(axis=2)  # (runs, M)
    d2 = np.where(np.isfinite(d2), d2, np.inf)
    nearest = np.argmin(d2, axis=1)
    near = (d2[np.arange(len(theta)), nearest] <= radius * radius) & (status != _DIVERGED)
    label[near] = index[nearest[near]]
    return label


@dataclass
class BasinResult:
    """A basin map. Arrays are over the lanes ``(G²,)`` (``start``, ``theta``: ``(G², 2)``);
    :meth:`image` reshapes one to ``(G, G)`` with row j = y_j."""

    config: RunConfig
    grid: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: np.ndarray
    theta: np.ndarray
    loss: np.ndarray
    steps: np.ndarray
    status: np.ndarray
    minimum: np.ndarray  # index into critical_points(), −1 for none
    minima: tuple[tuple[float, ...], ...]  # the critical points' coordinates, by index
    progress: MapProgress
    is_minimum: tuple[bool, ...] = ()  # which critical points are minima, by index
    lr: float = float("nan")  # the base learning rate every run used

    def image(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values).reshape(self.grid, self.grid)

    def lane_at(self, x: float, y: float) -> int | None:
        """The lane whose cell contains (x, y), or ``None`` outside the grid."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        i = int(np.floor((x - x0) / (x1 - x0) * self.grid))
        j = int(np.floor((y - y0) / (y1 - y0) * self.grid))
        if 0 <= i < self.grid and 0 <= j < self.grid:
            return j * self.grid + i
        return None

    def rows(self) -> list[tuple]:
        """``(x0, y0, x, y, loss, steps, status, minimum)`` per start: the CSV's rows
        (``minimum`` is ``""`` for none)."""
        return [(float(s[0]), float(s[1]), float(t[0]), float(t[1]), float(lo), int(n),
                 STATUSES[int(c)].value, "" if m < 0 else int(m))
                for s, t, lo, n, c, m in zip(self.start, self.theta, self.loss, self.steps,
                                             self.status, self.minimum, strict=True)]


def check_grid(grid: int) -> None:
    if not 1 <= grid <= MAX_GRID:
        raise ValueError(f"grid: must be between 1 and {MAX_GRID}, got {grid}")


def basins(config: RunConfig, grid: int, steps: int, *,
           x_range: tuple[float, float] | None = None,
           y_range: tuple[float, float] | None = None, radius: float | None = None,
           progress: Callable[[BasinResult], None] | None = None,
           cancelled: Cancelled = never, chunk_seconds: float = 0.05,
           report_seconds: float | None = None) -> BasinResult:
    """Run ``config`` (its optimizer, η, hyperparameters, schedule and batch size) from every
    cell of a ``grid``×``grid`` grid over ``x_range`` × ``y_range`` (default: the surface's
    view) for ``steps`` updates.

    ``radius`` (default 1 % of the grid's diagonal) is how close a last point must be to a
    minimum to count as ending there. ``progress(partial)`` after every chunk, ``cancelled()``
    stops after a chunk.
    """
    check_grid(grid)
    if steps < 0:
        raise ValueError(f"steps: must be at least 0, got {steps}")
    config = config.with_changes(max_steps=int(steps), start=None)
    probe = make_surface(config.surface, config.surface_params, config.seed)
    if probe.dim != 2:
        raise ValueError(f"surface: basins need a surface of two parameters; {config.surface} "
                         f"has {probe.dim}")
    view = probe.view
    x_range = tuple(map(float, x_range or view[0]))  # type: ignore[assignment]
    y_range = tuple(map(float, y_range or view[1]))  # type: ignore[assignment]
    for name, (lo, hi) in (("x-range", x_range), ("y-range", y_range)):
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"{name}: need A < B (finite), got {lo:g},{hi:g}")
    if radius is None:
        radius = 0.01 * float(np.hypot(x_range[1] - x_range[0], y_range[1] - y_range[0]))
    starts = grid_starts(x_range, y_range, grid)  # type: ignore[arg-type]
    run = Run.sweep(config, starts=starts)
    surface = run.surface
    minima = tuple(p.theta for p in surface.critical_points())
    is_minimum = tuple(p.kind.endswith("minimum") for p in surface.critical_points())
    lr = config.resolved_lr(surface)

    def result(p: MapProgress) -> BasinResult:
        theta = run.theta.copy()
        status = run.status_codes()
        return BasinResult(config, grid, x_range, y_range, starts, theta,  # type: ignore[arg-type]
                           run.loss.copy(), run.steps_done.copy(), status,
                           label_minima(surface, theta, status, radius), minima, p,
                           is_minimum, lr)

    def report(p: MapProgress) -> None:
        if progress is not None:
            progress(result(p))

    final = drive(run, int(steps), on_chunk=report, cancelled=cancelled,
                  chunk_seconds=chunk_seconds,
                  report_seconds=report_seconds)
    return result(final)
