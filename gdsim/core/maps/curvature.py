"""Curvature for the maps' theory lines: Hessians, λ_max, stability thresholds.

For gradient descent on a quadratic with Hessian eigenvalues λ, the error along each eigenvector
is multiplied by (1 − ηλ) per step, so the run diverges exactly when η > 2/λ_max. Near a minimum
of any smooth surface the same holds for the Hessian there. Heavy-ball momentum (torch's SGD
with momentum μ and dampening d) and Nesterov momentum have the analogous thresholds derived in
:func:`stable_lr`; adaptive methods have none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gdsim.core.optimizers import get_optimizer
from gdsim.core.surfaces import Surface


def hessian(surface: Surface, theta: np.ndarray) -> np.ndarray:
    """∇²L at ``theta`` ``(runs, params)``: ``(runs, params, params)``.

    The surface's own analytic ``hessian`` when it has one, else central differences of its
    analytic gradient (step 1e-5·max(1, |θⱼ|); exact up to rounding for a quadratic), made
    symmetric.
    """
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    runs, dim = theta.shape
    own = getattr(surface, "hessian", None)
    if callable(own):
        # Surfaces without an analytic Hessian raise NotImplementedError; some older ones
        # take a single point (dim,): only the batched form (runs, dim, dim) is used.
        try:
            with np.errstate(all="ignore"):
                h = np.asarray(own(theta), dtype=float)
            if h.shape == (runs, dim, dim):
                return h
        except (ValueError, NotImplementedError):
            pass
    out = np.empty((runs, dim, dim))
    with np.errstate(all="ignore"):
        for j in range(dim):
            h = 1e-5 * np.maximum(1.0, np.abs(theta[:, j]))
            step = np.zeros_like(theta)
            step[:, j] = h
            out[:, :, j] = (surface.grad(theta + step) - surface.grad(theta - step)) \
                / (2.0 * h[:, None])
    return 0.5 * (out + out.transpose(0, 2, 1))


def eigenvalues(surface: Surface, theta: np.ndarray) -> np.ndarray:
    """The Hessian's eigenvalues at ``theta`` ``(runs, params)``, ascending: ``(runs, params)``."""
    return np.linalg.eigvalsh(hessian(surface, theta))


def is_quadratic(surface: Surface, rtol: float = 1e-6) -> bool:
    """Whether the loss is quadratic: the same Hessian at the view's centre and at four
    fixed pseudo-random points of the view box."""
    low, high = np.array(surface.view, dtype=float).T
    points = np.vstack([(low + high) / 2,
                        np.random.default_rng(0).uniform(low, high, (4, surface.dim))])
    h = hessian(surface, points)
    if not np.all(np.isfinite(h)):
        return False
    scale = max(float(np.abs(h[0]).max()), 1e-300)
    return bool(np.abs(h - h[0]).max() <= rtol * scale)


def stable_lr(optimizer: str, hp: Mapping[str, Any], lam_max: float) -> float | None:
    """The largest stable η for curvature ``lam_max`` (> 0) on a quadratic, or ``None`` when
    the optimizer has no such threshold (adaptive methods) or ``lam_max`` ≤ 0.

    With h = η·λ (λ including an L2 ``weight_decay``), along one eigenvector:

    * ``gd``: e ← (1 − h)e, stable iff h < 2;
    * heavy ball (``momentum``, v ← μv + (1 − d)g, θ ← θ − ηv): the companion matrix has
      trace 1 + μ − h(1 − d) and determinant μ, stable iff η(1 − d)λ < 2(1 + μ);
    * ``nesterov`` (v ← μv + g, θ ← θ − η(g + μv)): trace (1 + μ)(1 − h), determinant μ(1 − h),
      stable iff h < 2(1 + μ)/(1 + 2μ).
    """
    opt = get_optimizer(optimizer)
    lam = float(lam_max) + float(hp.get("weight_decay", 0.0) or 0.0)
    if not lam > 0 or opt.family not in ("gd", "momentum"):
        return None
    mu = float(hp.get("momentum", 0.0) or 0.0)
    if opt.name == "nesterov" or hp.get("nesterov", False):
        return 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * lam)
    damp = float(hp.get("dampening", 0.0) or 0.0)
    if damp >= 1.0:
        return None
    return 2.0 * (1.0 + mu) / ((1.0 - damp) * lam)


def momentum_rate(eta: np.ndarray, mu: np.ndarray, lams: np.ndarray,
                  nesterov: bool = False, dampening: float = 0.0) -> np.ndarray:
    """The asymptotic convergence factor ρ (spectral radius per step) of heavy-ball or
    Nesterov momentum on a quadratic with Hessian eigenvalues ``lams``: the largest |root| of
    z² − (trace)z + det over the eigenvalues (see :func:`stable_lr`). ρ < 1 converges,
    ρ > 1 diverges. ``eta`` and ``mu`` broadcast together; returns their broadcast shape."""
    eta, mu = np.broadcast_arrays(np.asarray(eta, float), np.asarray(mu, float))
    rho = np.zeros(eta.shape)
    for lam in np.atleast_1d(np.asarray(lams, float)):
        h = eta * lam * (1.0 - dampening) if not nesterov else eta * lam
        if nesterov:
            trace, det = (1.0 + mu) * (1.0 - h), mu * (1.0 - h)
        else:
            trace, det = 1.0 + mu - h, mu
        disc = trace * trace - 4.0 * det
        root = np.sqrt(np.abs(disc))
        real = np.maximum(np.abs(trace + root), np.abs(trace - root)) / 2.0
        complex_ = np.sqrt(np.abs(det))
        rho = np.maximum(rho, np.where(disc >= 0, real, complex_))
    return rho


def threshold_lrs(surface: Surface, optimizer: str, hp: Mapping[str, Any],
                  start: np.ndarray) -> dict[str, float]:
    """The stability threshold η at the known minimum nearest ``start`` and at ``start``
    (one entry, ``"quadratic"``, where the Hessian is the same everywhere). Empty when the
    optimizer has no threshold or the curvature there is not positive."""
    start = np.asarray(start, dtype=float).reshape(1, -1)
    if is_quadratic(surface):
        lam = float(eigenvalues(surface, start)[0, -1])
        eta = stable_lr(optimizer, hp, lam)
        return {} if eta is None else {"quadratic": eta}
    out: dict[str, float] = {}
    minima = surface.minima()
    if minima:
        points = np.array([m.theta for m in minima])
        nearest = points[np.argmin(((points - start) ** 2).sum(axis=1))]
        eta = stable_lr(optimizer, hp, float(eigenvalues(surface, nearest)[0, -1]))
        if eta is not None:
            out["minimum"] = eta
    eta = stable_lr(optimizer, hp, float(eigenvalues(surface, start)[0, -1]))
    if eta is not None:
        out["start"] = eta
    return out
