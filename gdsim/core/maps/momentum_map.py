"""The momentum map (after Goh, "Why Momentum Really Works", Distill 2017): a grid over the
learning rate η and the momentum μ, one start, T steps per cell, on any surface.

The cells are lanes of one :class:`~gdsim.core.run.Run` with per-lane η and μ: lane
``j·n_lr + i`` has η_i (cell centres in log η) and μ_j (cell centres in μ). Where the surface is
quadratic and the optimizer is heavy-ball or Nesterov momentum, the result also carries the
theory (:func:`~gdsim.core.maps.curvature.momentum_rate`): the convergence factor ρ of every
cell and the region boundaries — where the stiffest direction stops converging (divergence,
η = 2(1 + μ)/λ_max for the heavy ball, 2(1 + μ)/((1 + 2μ)λ_max) for Nesterov) and where the
roots turn complex (between the two curves of an eigenvalue the error rotates: "ringing";
heavy ball (1 − √μ)² < ηλ < (1 + √μ)², Nesterov ((1 − μ)/(1 + μ))² < ηλ < 1), with the heavy
ball's optimum η* = (2/(√λ_min + √λ_max))², μ* = ((√κ − 1)/(√κ + 1))².
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gdsim.core.config import RunConfig
from gdsim.core.maps.basins import cell_centres
from gdsim.core.maps.curvature import eigenvalues, is_quadratic, momentum_rate
from gdsim.core.maps.driver import Cancelled, MapProgress, drive, never
from gdsim.core.maps.sweep import check_range
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.run import STATUSES, Run
from gdsim.core.surfaces import Surface

MAX_CELLS = 512


def momentum_optimizers() -> list[str]:
    """Optimizers with a numeric ``momentum`` hyperparameter."""
    return [name for name, opt in OPTIMIZERS.items()
            if "momentum" in opt.spec_table and opt.spec_table["momentum"].kind == "float"]


@dataclass
class Theory:
    """The quadratic theory of a momentum map (heavy ball or Nesterov)."""

    eigenvalues: tuple[float, ...]
    rate: np.ndarray  # ρ per cell (n_mu, n_lr)
    curves: dict[str, tuple[np.ndarray, np.ndarray]]  # name → (μ, η) along the boundary
    optimum: tuple[float, float] | None = None  # (η*, μ*), heavy ball only


@dataclass
class MomentumMapResult:
    """A momentum map; lane arrays are ``(n_mu·n_lr,)``, :meth:`image` gives ``(n_mu, n_lr)``
    with row j = μ_j."""

    config: RunConfig
    lr: np.ndarray  # (n_lr,)
    mu: np.ndarray  # (n_mu,)
    final_loss: np.ndarray
    steps: np.ndarray
    status: np.ndarray
    progress: MapProgress
    lr_range: tuple[float, float] = (0.0, 0.0)
    mu_range: tuple[float, float] = (0.0, 1.0)
    theory: Theory | None = field(default=None)

    def image(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values).reshape(len(self.mu), len(self.lr))

    def cell_at(self, lr: float, mu: float) -> tuple[int, int] | None:
        """(i, j) of the cell containing (η, μ), or ``None`` outside the map."""
        (llo, lhi), (mlo, mhi) = np.log(self.lr_range), self.mu_range
        if not lr > 0 or lhi <= llo:
            return None
        i = int(np.floor((np.log(lr) - llo) / (lhi - llo) * len(self.lr)))
        j = int(np.floor((mu - mlo) / (mhi - mlo) * len(self.mu)))
        return (i, j) if 0 <= i < len(self.lr) and 0 <= j < len(self.mu) else None

    def rows(self) -> list[tuple[float, float, float, int, str]]:
        """``(lr, momentum, final_loss, steps, status)`` per cell, μ-major."""
        lr = np.tile(self.lr, len(self.mu))
        mu = np.repeat(self.mu, len(self.lr))
        return [(float(a), float(b), float(c), int(d), STATUSES[int(e)].value)
                for a, b, c, d, e in zip(lr, mu, self.final_loss, self.steps, self.status,
                                         strict=True)]


def quadratic_theory(surface: Surface, optimizer: str, hp: dict, lr: np.ndarray,
                     mu: np.ndarray) -> Theory | None:
    """The theory for a quadratic surface and heavy-ball/Nesterov momentum, else ``None``."""
    if optimizer not in ("momentum", "nesterov") or not is_quadratic(surface):
        return None
    centre = np.array([[(lo + hi) / 2 for lo, hi in surface.view]])
    lams = eigenvalues(surface, centre)[0] + float(hp.get("weight_decay", 0.0))
    if not lams[-1] > 0:
        return None
    nesterov = optimizer == "nesterov"
    damp = 0.0 if nesterov else float(hp.get("dampening", 0.0))
    rate = momentum_rate(lr[None, :], mu[:, None], lams, nesterov=nesterov, dampening=damp)
    fine = np.linspace(0.0 if not nesterov else 1e-3, 0.999, 400)
    lmax, lmin = float(lams[-1]), float(lams[0])
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    optimum = None
    if nesterov:
        curves["divergence"] = (fine, 2 * (1 + fine) / ((1 + 2 * fine) * lmax))
        # complex roots for ((1 − μ)/(1 + μ))² < ηλ < 1
        for name, lam in (("λ_max", lmax), ("λ_min", lmin)):
            if lam > 0:
                curves[f"complex roots ({name}), low"] = (fine, ((1 - fine) / (1 + fine))**2
                                                          / lam)
                curves[f"complex roots ({name}), high"] = (fine, np.full_like(fine, 1 / lam))
    else:
        scale = 1.0 / (1.0 - damp)
        curves["divergence"] = (fine, scale * 2 * (1 + fine) / lmax)
        for name, lam in (("λ_max", lmax), ("λ_min", lmin)):
            if lam > 0:
                curves[f"complex roots ({name}), low"] = (fine, scale * (1 - np.sqrt(fine))**2
                                                          / lam)
                curves[f"complex roots ({name}), high"] = (fine, scale * (1 + np.sqrt(fine))**2
                                                           / lam)
        if lmin > 0:
            kappa = lmax / lmin
            optimum = (scale * (2 / (np.sqrt(lmin) + np.sqrt(lmax)))**2,
                       ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1))**2)
    return Theory(tuple(map(float, lams)), rate, curves, optimum)


def momentum_map(config: RunConfig, lr_min: float, lr_max: float, steps: int, *,
                 lr_points: int = 64, mu_points: int = 64, mu_min: float = 0.0,
                 mu_max: float = 1.0,
                 progress: Callable[[MomentumMapResult], None] | None = None,
                 cancelled: Cancelled = never,
                 chunk_seconds: float = 0.05,
                 report_seconds: float | None = None) -> MomentumMapResult:
    """Map (η, μ) for ``config``'s optimizer (one with a ``momentum`` hyperparameter), start,
    schedule and batch size: ``lr_points`` cells over [lr_min, lr_max] (log) by ``mu_points``
    cells over [mu_min, mu_max] (cell centres, so μ = 0 and μ = 1 are never used)."""
    if config.optimizer not in momentum_optimizers():
        raise ValueError(f"optimizer: the momentum map needs an optimizer with a momentum "
                         f"hyperparameter ({', '.join(momentum_optimizers())}), got "
                         f"{config.optimizer!r}")
    check_range(lr_min, lr_max)
    if not (0.0 <= mu_min < mu_max <= 1.0):
        raise ValueError(f"momentum: need 0 ≤ mu-min < mu-max ≤ 1, got {mu_min:g} and "
                         f"{mu_max:g}")
    for name, n in (("lr-points", lr_points), ("mu-points", mu_points)):
        if not 1 <= n <= MAX_CELLS:
            raise ValueError(f"{name}: must be between 1 and {MAX_CELLS}, got {n}")
    if steps < 1:
        raise ValueError(f"steps: must be at least 1, got {steps}")
    lr = np.exp(cell_centres(np.log(lr_min), np.log(lr_max), lr_points)) \
        if lr_min < lr_max else np.full(lr_points, lr_min)
    mu = cell_centres(mu_min, mu_max, mu_points)
    config = config.with_changes(max_steps=int(steps))
    run = Run.sweep(config, lr=np.tile(lr, mu_points),
                    params={"momentum": np.repeat(mu, lr_points)})
    hp = OPTIMIZERS[config.optimizer].resolve(config.optimizer_params)
    theory = quadratic_theory(run.surface, config.optimizer, hp, lr, mu)

    def result(p: MapProgress) -> MomentumMapResult:
        return MomentumMapResult(config, lr, mu, run.loss.copy(), run.steps_done.copy(),
                                 run.status_codes(), p, (float(lr_min), float(lr_max)),
                                 (float(mu_min), float(mu_max)), theory)

    def report(p: MapProgress) -> None:
        if progress is not None:
            progress(result(p))

    final = drive(run, int(steps), on_chunk=report, cancelled=cancelled,
                  chunk_seconds=chunk_seconds,
                  report_seconds=report_seconds)
    return result(final)
