"""The learning-rate range test (Smith 2015, "Cyclical Learning Rates"; fastai's ``lr_find``).

One run whose rate grows exponentially from η_min to η_max over T steps,
η_t = η_min·(η_max/η_min)^(t/(T−1)), on mini-batches when the config's batch is smaller than N.
As in fastai, the loss recorded for update t is the loss of the batch that update used (at θ_t,
so it shows the effect of the rates before η_t); it is smoothed by a bias-corrected exponential
moving average (β = 0.98), and the test stops once the smoothed loss exceeds 4× its lowest
value or the run diverges. The suggested η is where the smoothed loss falls fastest against
log η (fastai's "steep" suggestion, the slope taken over a few points), skipping the first
tenth of the planned steps and the last 5 points, as fastai does.

Caveat (shown with the result): the suggestion is a heuristic. The loss at step t reflects the
whole ramp so far, not a run at η_t alone; on a deterministic surface the steepest fall often
comes early, well below the largest stable η — compare it with a sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdsim.core.config import RunConfig
from gdsim.core.maps.driver import Cancelled, MapProgress, drive, never
from gdsim.core.maps.sweep import check_range
from gdsim.core.run import Run

CAVEAT = ("The suggestion is a heuristic: each loss reflects the whole ramp so far, not a run "
          "at that η alone. Compare it with a learning-rate sweep.")
BETA = 0.98
SKIP_END = 5
STOP_FACTOR = 4.0


def smooth(loss: np.ndarray, beta: float = BETA) -> np.ndarray:
    """fastai's smoothed loss: a_t = β·a_{t−1} + (1 − β)·l_t, reported as a_t/(1 − β^{t+1})."""
    out = np.empty(len(loss))
    avg = 0.0
    for t, value in enumerate(np.asarray(loss, dtype=float)):
        avg = beta * avg + (1.0 - beta) * value
        out[t] = avg / (1.0 - beta ** (t + 1))
    return out


def suggest(lr: np.ndarray, smoothed: np.ndarray, skip_start: int = 0) -> float | None:
    """The η where the smoothed loss falls fastest against log η (fastai's "steep"),
    skipping the first ``skip_start`` and the last 5 points when enough remain; ``None`` with
    fewer than 3.

    The slope at point k is a centred difference over ±w points, w = 1 + n // 40 (fastai
    differences neighbours: with hundreds of points a step in log η is so small that the
    smoothed curve's wobble decides the answer, not its fall)."""
    n = len(lr)
    lo, hi = (skip_start, n - SKIP_END) if n - skip_start - SKIP_END >= 3 else (0, n)
    x, y = np.log(np.asarray(lr[lo:hi], float)), np.asarray(smoothed[lo:hi], float)
    finite = np.isfinite(y)
    x, y = x[finite], y[finite]
    if len(x) < 3:
        return None
    w = min(1 + n // 40, (len(x) - 1) // 2)
    slope = (y[2 * w:] - y[:-2 * w]) / (x[2 * w:] - x[:-2 * w])
    return float(np.exp(x[w + int(np.argmin(slope))]))


@dataclass
class LRFindResult:
    """The range test so far: arrays ``(n,)`` over the updates made."""

    config: RunConfig
    lr: np.ndarray
    loss: np.ndarray
    smoothed: np.ndarray
    progress: MapProgress
    stopped_early: bool = False  # smoothed loss > 4× its minimum, or diverged
    planned_steps: int = 0

    @property
    def suggestion(self) -> float | None:
        return suggest(self.lr, self.smoothed, self.planned_steps // 10)

    def rows(self) -> list[tuple[int, float, float, float]]:
        """``(step, lr, loss, smoothed_loss)`` per update: the CSV's rows."""
        return [(t, float(a), float(b), float(c))
                for t, (a, b, c) in enumerate(zip(self.lr, self.loss, self.smoothed,
                                                  strict=True))]


def ramp(lr_min: float, lr_max: float, steps: int) -> np.ndarray:
    """η_t for t = 0 … steps − 1, exponential from ``lr_min`` to ``lr_max``."""
    check_range(lr_min, lr_max)
    if steps < 2:
        raise ValueError(f"steps: the range test needs at least 2 steps, got {steps}")
    return lr_min * (lr_max / lr_min) ** (np.arange(steps) / (steps - 1))


def lr_find(config: RunConfig, lr_min: float, lr_max: float, steps: int, *,
            progress: Callable[[LRFindResult], None] | None = None,
            cancelled: Cancelled = never, chunk_seconds: float = 0.05,
            report_seconds: float | None = None) -> LRFindResult:
    """The range test of ``config`` (optimizer, hyperparameters, batch size, start); its own
    rate and schedule are replaced by the ramp, and it does not stop on convergence. One lane,
    so its ``steps`` losses are the result (the history is that of a single run)."""
    rates = ramp(lr_min, lr_max, steps)
    config = config.with_changes(max_steps=int(steps), grad_tol=0.0, loss_tol=0.0)
    run = Run(config, rates=lambda t: rates[min(t, len(rates) - 1)])
    smoothed = np.empty(steps)
    state = {"avg": 0.0, "best": np.inf, "stopped": False}

    def watch(t: int) -> bool:
        """After update t (1-based): smooth the batch loss update t − 1 used; stop on a blow-up."""
        k = t - 1
        value = float(run.trajectory.batch_loss[k, 0])
        state["avg"] = BETA * state["avg"] + (1.0 - BETA) * value
        smoothed[k] = state["avg"] / (1.0 - BETA ** (k + 1))
        state["best"] = min(state["best"], smoothed[k])
        if not np.isfinite(smoothed[k]) or smoothed[k] > STOP_FACTOR * state["best"]:
            state["stopped"] = True
        return state["stopped"]

    def result(p: MapProgress) -> LRFindResult:
        n = int(run.steps)
        return LRFindResult(config, rates[:n].copy(),
                            run.trajectory.batch_loss[:n, 0].copy(), smoothed[:n].copy(), p,
                            state["stopped"] or n < steps and not p.cancelled, int(steps))

    def report(p: MapProgress) -> None:
        if progress is not None:
            progress(result(p))

    final = drive(run, int(steps), on_chunk=report, cancelled=cancelled,
                  chunk_seconds=chunk_seconds,
                  report_seconds=report_seconds, between=watch)
    return result(final)
