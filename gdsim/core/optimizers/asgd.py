"""Averaged stochastic gradient descent (``torch.optim.ASGD``).

With learning rate γ, decay λ (``lambd``), power α, averaging start t₀ and weight decay w, and
η_0 = γ (the rate at the first update), μ_0 = 1, θ̄_0 = 0, for t = 1, 2, …::

    g_t ← g_t + w θ_{t-1}                        (if w ≠ 0)
    θ_t ← θ_{t-1}(1 − λ η_{t-1}) − η_{t-1} g_t
    θ̄_t ← θ̄_{t-1} + μ_{t-1}(θ_t − θ̄_{t-1})      (θ̄_t ← θ_t while μ_{t-1} = 1)
    η_t ← γ_t / (1 + λ γ_t t)^α                  (γ_t: this update's learning rate)
    μ_t ← 1 / max(1, t − t₀)

The path is θ_t; θ̄_t, the Polyak–Ruppert average of the iterates since step t₀, is the
estimate ASGD offers at the end (kept in the state, as torch keeps ``ax``). With torch's defaults
(λ = 10⁻⁴, t₀ = 10⁶) η_t stays within a few per cent of γ for thousands of steps, so ASGD shares
plain gradient descent's instructive rates (family ``gd``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers._common import L2_WEIGHT_DECAY, any_nonzero, fma, fpow, labelled, lr_spec
from gdsim.core.optimizers.base import Hyper, Optimizer
from gdsim.core.params import ParamSpec


class ASGDState(NamedTuple):
    step: int
    eta: np.ndarray  # (runs, 1): η_t, the rate of the next update
    mu: np.ndarray  # (runs, 1): μ_t, the averaging weight of the next update
    ax: np.ndarray  # (runs, params): θ̄_t, the averaged iterate


def asgd_init(theta: np.ndarray, hp: Hyper) -> ASGDState:
    """μ = 1 and θ̄ = 0; η is set to γ at the first update (torch's lazy state)."""
    ones = np.ones((len(theta), 1))
    return ASGDState(step=0, eta=ones, mu=ones, ax=np.zeros_like(theta))


def asgd_update(
    grad: np.ndarray, state: ASGDState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, ASGDState]:
    """One ASGD step; ``grad``, ``theta`` have shape ``(runs, params)``."""
    lr = hp["lr"]
    lambd = hp.get("lambd", 1e-4)
    eta = state.eta
    if state.step == 0:
        eta = np.broadcast_to(np.asarray(lr, dtype=float), (len(theta), 1)).copy()
    weight_decay = hp.get("weight_decay", 0.0)
    if any_nonzero(weight_decay):
        grad = grad + weight_decay * theta
    new_theta = fma(-eta, grad, theta * (1 - lambd * eta))  # torch's add_(g, alpha=−η)
    averaged = state.ax + (new_theta - state.ax) * state.mu
    ax = np.where(state.mu != 1, averaged, new_theta)
    step = state.step + 1
    new_eta = lr / fpow(1 + lambd * lr * float(step), hp.get("alpha", 0.75))
    new_mu = 1 / np.maximum(1.0, step - np.asarray(hp.get("t0", 1e6), dtype=float))
    shape = (len(theta), 1)
    return new_theta, ASGDState(step, np.broadcast_to(new_eta, shape).astype(float),
                                np.broadcast_to(new_mu, shape).astype(float), ax)


ASGD = Optimizer(
    name="asgd",
    family="gd",
    default_lr=0.01,
    title="ASGD",
    summary="Gradient descent with a slowly decaying rate, keeping the average of its iterates.",
    torch_equivalent="torch.optim.ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6)",
    specs=labelled((
        lr_spec(1e-2),
        ParamSpec("lambd", 1e-4, "Decay term λ: shrinks θ by (1 − λη) and slows η's decay.",
                  low=0.0, log=True, ui_low=1e-8, ui_high=1.0),
        ParamSpec("alpha", 0.75, "Power α in η_t = γ / (1 + λγt)^α.", low=0.0, ui_high=2.0),
        ParamSpec("t0", 1e6, "Step t₀ from which the iterates are averaged.", low=0.0,
                  log=True, ui_low=1.0, ui_high=1e6),
        L2_WEIGHT_DECAY,
    ), {
        "lambd": "Decay λ",
        "alpha": "Power α",
        "t0": "Averaging start t₀",
    }),
    init=asgd_init,
    update=asgd_update,
    state_labels={"ax": "averaged iterate θ̄"},
)
