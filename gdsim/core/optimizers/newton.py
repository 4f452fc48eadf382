"""Newton's method with damping (beyond torch.optim): θ ← θ − η (H + λI)⁻¹ ∇L.

With H the Hessian of the lane's current batch at θ_{t-1} (analytic, from the surface), damping
λ ≥ 0 and learning rate η::

    A ← H + λI
    θ_t ← θ_{t-1} − η A⁻¹ g_t                    (if A is nonsingular)

On a quadratic with positive-definite H one undamped step (η = 1, λ = 0) lands exactly on the
minimum: the quadratic model is the function. Two failure modes are made visible:

* A *indefinite* (an eigenvalue < 0, e.g. near a saddle): the step still solves A·d = g, so it
  heads for the model's stationary point — the saddle or a maximum, not downhill.
  ``curvature_min`` (λ_min(A)) is kept in the state; damping λ > |λ_min(H)| restores descent.
* A *singular* (|λ|_min ≤ 10⁻¹²·|λ|_max, or non-finite): no step; the lane stops with the status
  ``"singular Hessian"`` (the run loop reads :func:`newton_failure`).

Large λ turns the step into gradient descent with rate η/λ. The rate is scale-free (η = 1 is
the natural choice everywhere).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers._common import labelled, lr_spec
from gdsim.core.optimizers.base import Hyper, Optimizer
from gdsim.core.optimizers.oracle import Oracle
from gdsim.core.params import ParamSpec

SINGULAR_RTOL = 1e-12


class NewtonState(NamedTuple):
    step: int
    direction: np.ndarray  # (runs, params): the last step −A⁻¹g (before η)
    curvature_min: np.ndarray  # (runs,): λ_min(H + λI) at the last step
    curvature_max: np.ndarray  # (runs,): λ_max(H + λI) at the last step
    singular: np.ndarray  # (runs,) bool: the last H + λI was singular (no step taken)


def newton_init(theta: np.ndarray, hp: Hyper) -> NewtonState:
    runs = len(theta)
    return NewtonState(0, np.zeros_like(theta), np.full(runs, np.nan), np.full(runs, np.nan),
                       np.zeros(runs, dtype=bool))


def newton_update(grad: np.ndarray, state: NewtonState, theta: np.ndarray, hp: Hyper,
                  oracle: Oracle) -> tuple[np.ndarray, NewtonState]:
    """One damped Newton step; ``grad``, ``theta`` ``(runs, params)``."""
    runs, dim = theta.shape
    damping = np.asarray(hp.get("damping", 0.0), dtype=float).reshape(-1, 1, 1)
    matrix = oracle.hessian(theta) + damping * np.eye(dim)
    finite = np.isfinite(matrix).all(axis=(1, 2)) & np.isfinite(grad).all(axis=1)
    safe = np.where(finite[:, None, None], matrix, np.eye(dim))
    eig = np.linalg.eigvalsh(safe)
    mags = np.abs(eig)
    singular = ~finite | ~(mags.min(axis=1) > SINGULAR_RTOL * mags.max(axis=1))
    direction = np.zeros_like(theta)
    ok = ~singular
    if ok.any():
        direction[ok] = -np.linalg.solve(safe[ok], grad[ok][..., None])[..., 0]
    new_theta = theta + hp["lr"] * direction
    low = np.where(finite, eig[:, 0], np.nan)
    high = np.where(finite, eig[:, -1], np.nan)
    return new_theta, NewtonState(state.step + 1, direction, low, high, singular)


def newton_failure(state: NewtonState) -> np.ndarray:
    """The lanes whose last H + λI was singular: ``(runs,)`` bool."""
    return state.singular


NEWTON = Optimizer(
    name="newton",
    family="newton",
    default_lr=1.0,
    surface_rates=False,
    needs=frozenset({"hessian"}),
    vector_state=("direction",),
    title="Newton's method",
    summary="Steps to the minimum of the local quadratic model: θ ← θ − η(H + λI)⁻¹∇L.",
    torch_equivalent="(none: beyond torch.optim)",
    specs=labelled((
        lr_spec(1.0),
        ParamSpec("damping", 0.0, "Damping λ added to the Hessian's diagonal: 0 is the pure "
                  "Newton step, large λ gradient descent with rate η/λ.", low=0.0,
                  ui_high=100.0),
    ), {
        "damping": "Damping λ",
    }),
    init=newton_init,
    update=newton_update,
    state_labels={"direction": "Newton direction −(H + λI)⁻¹∇L"},
    failure=newton_failure,
    failure_status="singular Hessian",
)
