"""The learning-rate sweep: K rates log-spaced in [η_min, η_max], one start, T steps each.

All K runs are lanes of one :class:`~gdsim.core.run.Run` (one vectorized update per step, no
per-step history). For each rate: the final loss, the steps taken and the status. The sweep also
reports the divergence threshold it found (the smallest swept η from which every larger one
diverged), the theory's stability threshold (2/λ_max for gradient descent, see
:mod:`.curvature`) and the best rate (:func:`best_rate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gdsim.core.config import RunConfig
from gdsim.core.maps.curvature import threshold_lrs
from gdsim.core.maps.driver import Cancelled, MapProgress, drive, never
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.run import STATUSES, Run, Status

_DIVERGED = STATUSES.index(Status.DIVERGED)
MAX_POINTS = 10_000


def check_range(low: float, high: float, what: str = "lr") -> None:
    """Raise ``ValueError`` naming ``what`` unless 0 < low ≤ high, both finite."""
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= high):
        raise ValueError(f"{what}: need 0 < {what}-min ≤ {what}-max (finite), got "
                         f"{low:g} and {high:g}")


def best_rate(lr: np.ndarray, final_loss: np.ndarray, status: np.ndarray,
              tie_tol: float = 1e-12) -> int | None:
    """Index of the best swept rate: the lowest final loss among the lanes that did not
    diverge; losses within ``tie_tol`` of the lowest are ties, won by the larger η (a lane
    stops once |∇L| ≤ grad_tol, so converged lanes' losses differ only in digits below the
    tolerance). ``None`` if every lane diverged."""
    ok = (status != _DIVERGED) & np.isfinite(final_loss)
    if not ok.any():
        return None
    best = float(final_loss[ok].min())
    tied = ok & (final_loss <= best + tie_tol)
    candidates = np.flatnonzero(tied)
    return int(candidates[np.argmax(lr[candidates])])


def divergence_lr(lr: np.ndarray, status: np.ndarray) -> float | None:
    """The smallest swept η (rates ascending) from which every larger swept η diverged;
    ``None`` when the largest did not diverge."""
    diverged = status == _DIVERGED
    if not len(lr) or not diverged[-1]:
        return None
    kept = np.flatnonzero(~diverged)
    first = 0 if not len(kept) else int(kept[-1]) + 1
    return float(lr[first])


@dataclass
class SweepResult:
    """One sweep: arrays ``(K,)`` over the rates, ascending. ``status`` holds indices into
    :data:`gdsim.core.run.STATUSES`; partial results have lanes still ``running``."""

    config: RunConfig
    lr: np.ndarray
    final_loss: np.ndarray
    steps: np.ndarray
    status: np.ndarray
    progress: MapProgress
    thresholds: dict[str, float] = field(default_factory=dict)  # theory, see threshold_lrs

    @property
    def divergence_lr(self) -> float | None:
        return divergence_lr(self.lr, self.status)

    @property
    def best_index(self) -> int | None:
        return best_rate(self.lr, self.final_loss, self.status)

    @property
    def best_lr(self) -> float | None:
        i = self.best_index
        return None if i is None else float(self.lr[i])

    def rows(self) -> list[tuple[float, float, int, str]]:
        """``(lr, final_loss, steps, status)`` per rate: the CSV's rows."""
        return [(float(a), float(b), int(c), STATUSES[int(d)].value)
                for a, b, c, d in zip(self.lr, self.final_loss, self.steps, self.status,
                                      strict=True)]


def sweep_rates(lr_min: float, lr_max: float, points: int) -> np.ndarray:
    """``points`` rates log-spaced from ``lr_min`` to ``lr_max`` inclusive."""
    check_range(lr_min, lr_max)
    if not 1 <= points <= MAX_POINTS:
        raise ValueError(f"points: must be between 1 and {MAX_POINTS}, got {points}")
    return np.geomspace(lr_min, lr_max, points)


def lr_sweep(config: RunConfig, lr_min: float, lr_max: float, points: int, steps: int, *,
             progress: Callable[[SweepResult], None] | None = None,
             cancelled: Cancelled = never, chunk_seconds: float = 0.05,
             report_seconds: float | None = None) -> SweepResult:
    """Sweep the learning rate of ``config`` (its optimizer, hyperparameters, schedule, batch
    size and start) over ``points`` log-spaced rates for ``steps`` updates each.

    ``progress(partial)`` is called after every chunk; ``cancelled()`` stops after a chunk
    and returns the partial result (``result.progress.cancelled``).
    """
    if steps < 1:
        raise ValueError(f"steps: must be at least 1, got {steps}")
    lrs = sweep_rates(lr_min, lr_max, points)
    config = config.with_changes(max_steps=int(steps))
    run = Run.sweep(config, lr=lrs)
    hp = OPTIMIZERS[config.optimizer].resolve(config.optimizer_params)
    thresholds = threshold_lrs(run.surface, config.optimizer, hp, run.start[0])

    def result(p: MapProgress) -> SweepResult:
        return SweepResult(config, lrs, run.loss.copy(), run.steps_done.copy(),
                           run.status_codes(), p, thresholds)

    def report(p: MapProgress) -> None:
        if progress is not None:
            progress(result(p))

    final = drive(run, int(steps), on_chunk=report, cancelled=cancelled,
                  chunk_seconds=chunk_seconds,
                  report_seconds=report_seconds)
    return result(final)
