"""RAdam: Adam with a rectified adaptive step (``torch.optim.RAdam``).

With learning rate γ, β₁, β₂, ε and weight decay λ, for t = 1, 2, … (m_0 = v_0 = 0)::

    ρ_∞ ← 2/(1 − β₂) − 1
    θ_{t-1} ← θ_{t-1}(1 − γλ)                   (if λ ≠ 0 and decoupled_weight_decay)
    g_t ← g_t + λ θ_{t-1}                       (if λ ≠ 0 otherwise)
    m_t ← β₁ m_{t-1} + (1 − β₁) g_t
    v_t ← β₂ v_{t-1} + (1 − β₂) g_t²
    m̂_t ← m_t / (1 − β₁^t)
    ρ_t ← ρ_∞ − 2 t β₂^t / (1 − β₂^t)
    if ρ_t > 5:
        l_t ← √(1 − β₂^t) / (√v_t + ε)
        r_t ← √( (ρ_t − 4)(ρ_t − 2) ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2) ρ_t) )
        θ_t ← θ_{t-1} − γ m̂_t r_t l_t
    else:
        θ_t ← θ_{t-1} − γ m̂_t                   (un-adapted momentum SGD)

The threshold is decided per run (β₂ may differ between runs). With β₂ = 0.999 the
rectified branch starts at t = 6.

``scale`` is ``r_t l_t`` where ρ_t > 5 and 1 elsewhere: the update was
``θ_t = θ_{t-1} − γ · scale · m̂_t``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers._common import (
    DECOUPLED_WEIGHT_DECAY,
    L2_WEIGHT_DECAY,
    Num,
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


class RAdamState(NamedTuple):
    step: int
    exp_avg: np.ndarray  # (runs, params): m_t
    exp_avg_sq: np.ndarray  # (runs, params): v_t


def radam_init(theta: np.ndarray, hp: Hyper) -> RAdamState:
    """Zero state for ``theta`` of shape ``(runs, params)``."""
    zeros = np.zeros_like(theta)
    return RAdamState(step=0, exp_avg=zeros, exp_avg_sq=zeros)


def _rectification(step: float, hp: Hyper) -> tuple[Num, Num, Num]:
    """``(ρ_t > 5, r_t, 1 − β₂^t)``, each a scalar or ``(runs, 1)``; r_t = 1 where ρ_t ≤ 5."""
    beta2 = hp.get("beta2", 0.999)
    bias_correction2 = 1 - fpow(beta2, step)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * fpow(beta2, step) / bias_correction2
    rectified = rho_t > 5.0
    # Where ρ_t ≤ 5 the ratio is unused (and ρ_∞ may be 2 or 4): divide by 1 there instead.
    ratio = (rho_t - 4) * (rho_t - 2) * rho_inf / np.where(
        rectified, (rho_inf - 4) * (rho_inf - 2) * rho_t, 1.0)
    rect = fpow(np.where(rectified, ratio, 1.0), 0.5)
    return rectified, rect, bias_correction2


def _adaptive_lr(exp_avg_sq: np.ndarray, bias_correction2: Num, hp: Hyper) -> np.ndarray:
    """``l_t = √(1 − β₂^t) / (√v_t + ε)``, shape ``(runs, params)``."""
    return fpow(bias_correction2, 0.5) / (np.sqrt(exp_avg_sq) + hp.get("eps", 1e-8))


def radam_update(
    grad: np.ndarray, state: RAdamState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, RAdamState]:
    """One RAdam step; ``grad``, ``theta`` and the state arrays have shape ``(runs, params)``."""
    lr = hp["lr"]
    beta1 = hp.get("beta1", 0.9)
    beta2 = hp.get("beta2", 0.999)
    weight_decay = hp.get("weight_decay", 0.0)
    step = float(state.step + 1)
    if any_nonzero(weight_decay):
        if hp.get("decoupled_weight_decay", False):
            theta = theta * (1 - lr * weight_decay)
        else:
            grad = grad + weight_decay * theta
    exp_avg = lerp(state.exp_avg, grad, 1 - beta1)
    exp_avg_sq = state.exp_avg_sq * beta2 + (1 - beta2) * grad * grad
    bias_corrected_exp_avg = exp_avg / (1 - fpow(beta1, step))
    rectified, rect, bias_correction2 = _rectification(step, hp)
    plain = theta - bias_corrected_exp_avg * lr
    if np.any(rectified):
        adaptive = _adaptive_lr(exp_avg_sq, bias_correction2, hp)
        rectified_theta = theta - bias_corrected_exp_avg * lr * adaptive * rect
        new_theta = np.where(rectified, rectified_theta, plain)
    else:
        new_theta = plain
    return new_theta, RAdamState(step=state.step + 1, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)


def radam_scale(state: RAdamState, hp: Hyper) -> np.ndarray:
    """``r_t l_t`` where ρ_t > 5, else 1; shape ``(runs, params)``; ones before any step."""
    if state.step == 0:
        return not_started(state.exp_avg)
    rectified, rect, bias_correction2 = _rectification(float(state.step), hp)
    ones = np.ones_like(state.exp_avg_sq)
    if not np.any(rectified):
        return ones
    return np.where(rectified, _adaptive_lr(state.exp_avg_sq, bias_correction2, hp) * rect, ones)


RADAM = Optimizer(
    name="radam",
    family="adam",
    default_lr=0.05,
    vector_state=("exp_avg",),
    title="RAdam",
    summary="Adam whose adaptive step is switched on and rectified once its variance is tractable.",
    torch_equivalent="torch.optim.RAdam(params, lr=1e-3)",
    specs=(lr_spec(1e-3), beta1_spec(), beta2_spec(), eps_spec(1e-8, "to √v"),
           L2_WEIGHT_DECAY, DECOUPLED_WEIGHT_DECAY),
    init=radam_init,
    update=radam_update,
    state_labels={"exp_avg": "first moment m", "exp_avg_sq": "second moment v"},
    scale=radam_scale,
)
