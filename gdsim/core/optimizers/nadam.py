"""NAdam: Adam with Nesterov momentum and a momentum schedule (``torch.optim.NAdam``).

With learning rate γ, β₁, β₂, ε, weight decay λ and momentum decay ψ, for t = 1, 2, …
(m_0 = v_0 = 0, Π_0 = 1)::

    θ_{t-1} ← θ_{t-1}(1 − γλ)                   (if λ ≠ 0 and decoupled_weight_decay)
    g_t ← g_t + λ θ_{t-1}                       (if λ ≠ 0 otherwise)
    μ_t ← β₁ (1 − ½ · 0.96^{t ψ})
    μ_{t+1} ← β₁ (1 − ½ · 0.96^{(t+1) ψ})
    Π_t ← Π_{t-1} μ_t                           (the state's mu_product)
    m_t ← β₁ m_{t-1} + (1 − β₁) g_t
    v_t ← β₂ v_{t-1} + (1 − β₂) g_t²
    v̂_t ← v_t / (1 − β₂^t)
    θ_t ← θ_{t-1} − γ (1 − μ_t)/(1 − Π_t) · g_t / (√v̂_t + ε)
    θ_t ← θ_t − γ μ_{t+1}/(1 − Π_t μ_{t+1}) · m_t / (√v̂_t + ε)

The two subtractions are applied one after the other, as torch does. ``mu_product`` has shape
``(runs, params)`` (equal across a run's parameters) so that β₁ and ψ may differ per run.

``scale`` is ``1 / (√v̂_t + ε)``: the update was
``θ_t = θ_{t-1} − γ · scale · ((1 − μ_t)/(1 − Π_t) g_t + μ_{t+1}/(1 − Π_{t+1}) m_t)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers._common import (
    DECOUPLED_WEIGHT_DECAY,
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
from gdsim.core.params import ParamSpec


class NAdamState(NamedTuple):
    step: int
    exp_avg: np.ndarray  # (runs, params): m_t
    exp_avg_sq: np.ndarray  # (runs, params): v_t
    mu_product: np.ndarray  # (runs, params): Π_t = μ_1 ⋯ μ_t, constant along params


def nadam_init(theta: np.ndarray, hp: Hyper) -> NAdamState:
    """State for ``theta`` of shape ``(runs, params)``: zero moments, ``mu_product`` = 1."""
    zeros = np.zeros_like(theta)
    return NAdamState(step=0, exp_avg=zeros, exp_avg_sq=zeros, mu_product=np.ones_like(theta))


def _denominator(state: NAdamState, hp: Hyper) -> np.ndarray:
    """``√(v_t / (1 − β₂^t)) + ε``, shape ``(runs, params)``."""
    bias_correction2 = 1 - fpow(hp.get("beta2", 0.999), float(state.step))
    return np.sqrt(state.exp_avg_sq / bias_correction2) + hp.get("eps", 1e-8)


def nadam_update(
    grad: np.ndarray, state: NAdamState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, NAdamState]:
    """One NAdam step; ``grad``, ``theta`` and the state arrays have shape ``(runs, params)``."""
    lr = hp["lr"]
    beta1 = hp.get("beta1", 0.9)
    beta2 = hp.get("beta2", 0.999)
    momentum_decay = hp.get("momentum_decay", 4e-3)
    weight_decay = hp.get("weight_decay", 0.0)
    step = float(state.step + 1)
    if any_nonzero(weight_decay):
        if hp.get("decoupled_weight_decay", False):
            theta = theta * (1 - lr * weight_decay)
        else:
            grad = grad + weight_decay * theta
    mu = beta1 * (1.0 - 0.5 * fpow(0.96, step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * fpow(0.96, (step + 1) * momentum_decay))
    mu_product = state.mu_product * mu
    new_state = NAdamState(
        step=state.step + 1,
        exp_avg=lerp(state.exp_avg, grad, 1 - beta1),
        exp_avg_sq=state.exp_avg_sq * beta2 + (1 - beta2) * grad * grad,
        mu_product=mu_product,
    )
    denom = _denominator(new_state, hp)
    mu_product_next = mu_product * mu_next
    new_theta = theta + (-lr * (1.0 - mu) / (1.0 - mu_product)) * grad / denom
    new_theta = new_theta + ((-lr * mu_next) / (1.0 - mu_product_next)) * new_state.exp_avg / denom
    return new_theta, new_state


def nadam_scale(state: NAdamState, hp: Hyper) -> np.ndarray:
    """``1 / (√v̂_t + ε)``, shape ``(runs, params)``; ones before any step."""
    if state.step == 0:
        return not_started(state.exp_avg)
    return 1.0 / _denominator(state, hp)


NADAM = Optimizer(
    name="nadam",
    family="adam",
    default_lr=0.05,
    vector_state=("exp_avg",),
    title="NAdam",
    summary="Adam with Nesterov momentum: the step looks ahead along the first moment.",
    torch_equivalent="torch.optim.NAdam(params, lr=2e-3)",
    specs=(
        lr_spec(2e-3), beta1_spec(), beta2_spec(), eps_spec(1e-8, "to √v̂"), L2_WEIGHT_DECAY,
        ParamSpec("momentum_decay", 4e-3, "Momentum decay ψ of the schedule "
                  "μ_t = β₁(1 − ½·0.96^{tψ}).", low=0.0, ui_high=0.1, label="Momentum decay ψ"),
        DECOUPLED_WEIGHT_DECAY,
    ),
    init=nadam_init,
    update=nadam_update,
    state_labels={
        "exp_avg": "first moment m",
        "exp_avg_sq": "second moment v",
        "mu_product": "momentum-schedule product Π μ",
    },
    scale=nadam_scale,
)
