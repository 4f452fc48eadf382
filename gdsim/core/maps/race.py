"""A fair race: each optimizer at a rate tuned for this surface and start, then raced.

Tuning sweeps each optimizer's η (:func:`~gdsim.core.maps.sweep.lr_sweep`, one vectorized batch
per optimizer) over ``points`` rates log-spaced from its default rate /``span`` to ×``span``
and picks :func:`~gdsim.core.maps.sweep.best_rate` (the best final loss within T steps; ties to
the larger η). The race then runs every optimizer at its rate as lanes of one run, recording
each step's loss (a few lanes, so the history is small) and the first step at which the loss is
within 10⁻⁶ of the surface's lowest known minimum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from gdsim.core.config import RunConfig
from gdsim.core.maps.driver import Cancelled, MapProgress, drive, never
from gdsim.core.maps.sweep import SweepResult, lr_sweep
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.run import STATUSES, Run
from gdsim.core.surfaces import make_surface

DEFAULT_OPTIMIZERS = ("gd", "momentum", "nesterov", "rmsprop", "adam")
LOSS_TOL = 1e-6


@dataclass
class RaceResult:
    """The race: one entry per optimizer, in the order given. ``loss`` is ``(steps + 1, n)``
    (the start, then after each update; NaN after a lane stopped: it keeps its last loss)."""

    configs: tuple[RunConfig, ...]
    lr: np.ndarray
    final_loss: np.ndarray
    steps_to_tol: np.ndarray  # −1 where the loss never came within LOSS_TOL of the minimum
    status: np.ndarray
    loss: np.ndarray
    target: float | None  # the lowest known minimum + LOSS_TOL, None without known minima
    tuned: bool
    sweeps: tuple[SweepResult, ...]
    progress: MapProgress

    @property
    def optimizers(self) -> tuple[str, ...]:
        return tuple(c.optimizer for c in self.configs)

    def rows(self) -> list[tuple[str, float, float, int | str, str]]:
        """``(optimizer, lr, final_loss, steps_to_tol, status)`` per optimizer (the CSV's;
        ``steps_to_tol`` is ``""`` when never reached)."""
        return [(c.optimizer, float(a), float(b), "" if s < 0 else int(s),
                 STATUSES[int(d)].value)
                for c, a, b, s, d in zip(self.configs, self.lr, self.final_loss,
                                         self.steps_to_tol, self.status, strict=True)]


def check_optimizers(names: Sequence[str]) -> None:
    if not names:
        raise ValueError("optimizers: name at least one")
    for name in names:
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizers: unknown optimizer {name!r} "
                             f"(known: {', '.join(OPTIMIZERS)})")
    if len(set(names)) != len(names):
        raise ValueError("optimizers: each optimizer only once")


def tune(config: RunConfig, steps: int, *, points: int = 100, span: float = 1000.0,
         cancelled: Cancelled = never, progress: Callable[[SweepResult], None] | None = None,
         ) -> SweepResult:
    """The sweep that tunes ``config``'s optimizer: ``points`` rates from default/``span`` to
    default·``span`` (the surface's default rate for it), ``steps`` updates each."""
    base = config.with_changes(lr=None).resolved_lr()
    return lr_sweep(config, base / span, base * span, points, steps, cancelled=cancelled,
                    progress=progress)


def race(base: RunConfig, optimizers: Sequence[str], steps: int, *, tuned: bool = True,
         points: int = 100, span: float = 1000.0,
         progress: Callable[[str, float], None] | None = None,
         cancelled: Cancelled = never) -> RaceResult:
    """Race ``optimizers`` (default hyperparameters each) on ``base``'s surface and start for
    ``steps`` updates, at tuned rates (``tuned``) or at the surface's default rate for each.

    ``progress(stage, fraction)`` reports "tuning <name>" and "racing" stages.
    """
    check_optimizers(optimizers)
    if steps < 1:
        raise ValueError(f"steps: must be at least 1, got {steps}")
    configs = [base.with_changes(optimizer=name, optimizer_params={}, lr=None,
                                 max_steps=int(steps), label="")
               for name in optimizers]
    sweeps: list[SweepResult] = []
    lrs = []
    for i, config in enumerate(configs):
        if not tuned:
            lrs.append(config.resolved_lr())
            continue
        stage = f"tuning {config.optimizer}"

        def tick(partial: SweepResult, stage: str = stage, i: int = i) -> None:
            if progress is not None:
                progress(stage, (i + partial.progress.fraction) / (len(configs) + 1))

        sweep = tune(config, steps, points=points, span=span, cancelled=cancelled,
                     progress=tick)
        sweeps.append(sweep)
        if sweep.progress.cancelled:
            return _partial(configs, sweeps, tuned, steps)
        best = sweep.best_lr
        lrs.append(sweep.lr[0] if best is None else best)
    configs = [c.with_changes(lr=float(lr)) for c, lr in zip(configs, lrs, strict=True)]
    run = Run(configs, record=False)
    surface = run.surface
    minima = [p.loss for p in surface.minima()]
    target = min(minima) + LOSS_TOL if minima else None
    history = np.full((steps + 1, len(configs)), np.nan)
    history[0] = run.loss
    reached = np.full(len(configs), -1)
    if target is not None:
        reached[run.loss <= target] = 0

    def watch(t: int) -> bool:
        history[t] = np.where(run.steps_done == t, run.loss, np.nan)
        if target is not None:
            new = (reached < 0) & (run.loss <= target)
            reached[new] = t
        return False

    def report(p: MapProgress) -> None:
        if progress is not None:
            base_fraction = len(configs) if tuned else 0
            total = len(configs) + 1 if tuned else 1
            progress("racing", (base_fraction + p.fraction) / total)

    final = drive(run, int(steps), on_chunk=report, cancelled=cancelled, between=watch)
    return RaceResult(tuple(configs), np.array(lrs, float), run.loss.copy(), reached,
                      run.status_codes(), history, target, tuned, tuple(sweeps), final)


def _partial(configs: list[RunConfig], sweeps: list[SweepResult], tuned: bool,
             steps: int) -> RaceResult:
    """A race cancelled while tuning: the sweeps so far, no race."""
    n = len(configs)
    surface = make_surface(configs[0].surface, configs[0].surface_params, configs[0].seed)
    minima = [p.loss for p in surface.minima()]
    return RaceResult(tuple(configs), np.full(n, np.nan), np.full(n, np.nan),
                      np.full(n, -1), np.zeros(n, np.int8), np.full((1, n), np.nan),
                      min(minima) + LOSS_TOL if minima else None, tuned, tuple(sweeps),
                      MapProgress(0, steps, cancelled=True))
