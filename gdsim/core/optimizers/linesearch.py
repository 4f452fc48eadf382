"""Gradient descent with Armijo backtracking line search (beyond torch.optim).

With the lane's batch loss f and gradient g at θ, initial step α₀ (``lr``), sufficient-decrease
constant c and shrink factor ρ, the trial steps are α₀, ρα₀, ρ²α₀, … until the Armijo condition

    f(θ − α g) ≤ f(θ) − c·α·‖g‖²

holds; then θ ← θ − α g. After ``max_backtracks`` shrinks without success the lane stays where
it is (no step can increase the loss). Every trial point is evaluated through the batched
closure, so it is counted and recorded (the app draws them); lanes accept after different
numbers of trials. The initial step is scale-free (the search adapts it): every surface uses
α₀ = 1.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers._common import labelled, lr_spec
from gdsim.core.optimizers.base import Hyper, Optimizer
from gdsim.core.optimizers.oracle import Oracle
from gdsim.core.params import ParamSpec


class ArmijoState(NamedTuple):
    step: int
    accepted: np.ndarray  # (runs, 1): the accepted step α (0 if none was accepted)
    trials: np.ndarray  # (runs,) int: trial steps tried in the last update


def armijo_init(theta: np.ndarray, hp: Hyper) -> ArmijoState:
    return ArmijoState(0, np.zeros((len(theta), 1)), np.zeros(len(theta), dtype=np.int64))


def armijo_update(grad: np.ndarray, state: ArmijoState, theta: np.ndarray, hp: Hyper,
                  oracle: Oracle) -> tuple[np.ndarray, ArmijoState]:
    """One backtracking step for every lane; ``grad``, ``theta`` ``(runs, params)``."""
    runs = len(theta)
    c = np.asarray(hp.get("c", 1e-4), dtype=float).reshape(-1)  # (runs,) or (1,)
    rho = hp.get("rho", 0.5)  # float or (runs, 1)
    max_backtracks = int(np.max(hp.get("max_backtracks", 30)))
    limit = np.broadcast_to(np.asarray(hp.get("max_backtracks", 30), float).reshape(-1),
                            (runs,))
    f0 = oracle.loss
    slope = (grad * grad).sum(axis=1)  # ‖g‖²
    alpha = np.broadcast_to(np.asarray(hp["lr"], dtype=float).reshape(-1, 1), (runs, 1)).copy()
    pending = np.ones(runs, dtype=bool)
    accepted = np.zeros((runs, 1))
    trials = np.zeros(runs, dtype=np.int64)
    new_theta = np.array(theta, dtype=float)
    for k in range(max_backtracks + 1):
        pending &= k <= limit
        if not pending.any():
            break
        trial = theta - alpha * grad
        loss, _ = oracle.loss_and_grad(trial, pending)
        trials += pending
        ok = pending & (loss <= f0 - c * alpha[:, 0] * slope)
        new_theta[ok] = trial[ok]
        accepted[ok] = alpha[ok]
        pending &= ~ok
        alpha = np.where(pending[:, None], alpha * rho, alpha)
    return new_theta, ArmijoState(state.step + 1, accepted, trials)


GD_LINESEARCH = Optimizer(
    name="gd-linesearch",
    family="gd-linesearch",
    default_lr=1.0,
    surface_rates=False,
    needs=frozenset({"closure"}),
    title="GD + Armijo line search",
    summary="Gradient descent that halves its trial step until the loss falls enough.",
    torch_equivalent="(none: beyond torch.optim)",
    specs=labelled((
        lr_spec(1.0),
        ParamSpec("c", 1e-4, "Sufficient-decrease constant c in f(θ − αg) ≤ f(θ) − cα‖g‖².",
                  low=0.0, high=1.0, low_open=True, high_open=True, log=True, ui_low=1e-6),
        ParamSpec("rho", 0.5, "Factor ρ shrinking the trial step after each failed test.",
                  low=0.0, high=1.0, low_open=True, high_open=True),
        ParamSpec("max_backtracks", 30, "Most shrinks per step; without success the lane "
                  "stays put.", kind="int", low=0, ui_high=60),
    ), {
        "c": "Armijo constant c",
        "rho": "Shrink factor ρ",
        "max_backtracks": "Most backtracks per step",
    }),
    init=armijo_init,
    update=armijo_update,
    state_labels={"accepted": "accepted step α"},
)
