"""Adamax: Adam with the infinity norm in place of the second moment (``torch.optim.Adamax``).

With learning rate γ, β₁, β₂, ε and weight decay λ, for t = 1, 2, … (m_0 = u_0 = 0)::

    g_t ← g_t + λ θ_{t-1}                       (if λ ≠ 0)
    m_t ← β₁ m_{t-1} + (1 − β₁) g_t
    u_t ← max(β₂ u_{t-1}, |g_t| + ε)
    θ_t ← θ_{t-1} − γ m_t / ((1 − β₁^t) u_t)

ε is added to |g_t| inside the maximum, so u_t ≥ ε.

``scale`` is ``1 / u_t``: the update was ``θ_t = θ_{t-1} − γ · scale · m̂_t`` with
m̂_t = m_t / (1 − β₁^t).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers._common import (
    L2_WEIGHT_DECAY,
    any_nonzero,
    beta1_spec,
    beta2_spec,
    eps_spec,
    fpow,
    lerp,
    lr_spec,
    not_started,
)
from gdsim.core.optimizers.base import Hyper, Optimizer


class AdamaxState(NamedTuple):
    step: int
    exp_avg: np.ndarray  # (runs, params): m_t
    exp_inf: np.ndarray  # (runs, params): u_t, the decayed infinity norm of the gradients


def adamax_init(theta: np.ndarray, hp: Hyper) -> AdamaxState:
    """Zero state for ``theta`` of shape ``(runs, params)``."""
    zeros = np.zeros_like(theta)
    return AdamaxState(step=0, exp_avg=zeros, exp_inf=zeros)


def adamax_update(
    grad: np.ndarray, state: AdamaxState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, AdamaxState]:
    """One Adamax step; ``grad``, ``theta`` and the state arrays have shape ``(runs, params)``."""
    beta1 = hp.get("beta1", 0.9)
    weight_decay = hp.get("weight_decay", 0.0)
    if any_nonzero(weight_decay):
        grad = grad + weight_decay * theta
    exp_avg = lerp(state.exp_avg, grad, 1 - beta1)
    exp_inf = np.maximum(state.exp_inf * hp.get("beta2", 0.999), np.abs(grad) + hp.get("eps", 1e-8))
    clr = hp["lr"] / (1 - fpow(beta1, float(state.step + 1)))
    new_theta = theta + -clr * exp_avg / exp_inf
    return new_theta, AdamaxState(step=state.step + 1, exp_avg=exp_avg, exp_inf=exp_inf)


def adamax_scale(state: AdamaxState, hp: Hyper) -> np.ndarray:
    """``1 / u_t``, shape ``(runs, params)``; ones before any step."""
    if state.step == 0:
        return not_started(state.exp_inf)
    return 1.0 / state.exp_inf


ADAMAX = Optimizer(
    name="adamax",
    family="adam",
    default_lr=0.05,
    vector_state=("exp_avg",),
    title="Adamax",
    summary="Adam variant dividing by a decayed maximum of |g| instead of an RMS.",
    torch_equivalent="torch.optim.Adamax(params, lr=2e-3)",
    specs=(lr_spec(2e-3), beta1_spec(), beta2_spec(), eps_spec(1e-8, "to |g| inside the max"),
           L2_WEIGHT_DECAY),
    init=adamax_init,
    update=adamax_update,
    state_labels={"exp_avg": "first moment m", "exp_inf": "infinity norm u"},
    scale=adamax_scale,
)
