"""Adam and AMSGrad (``torch.optim.Adam``); :mod:`.adamw` reuses this rule with decoupled decay.

With learning rate γ, decay rates β₁, β₂, ε and weight decay λ, for t = 1, 2, …
(m_0 = v_0 = v^max_0 = 0)::

    θ_{t-1} ← θ_{t-1}(1 − γλ)                   (if λ ≠ 0 and decoupled, i.e. AdamW)
    g_t ← g_t + λ θ_{t-1}                       (if λ ≠ 0 and not decoupled)
    m_t ← β₁ m_{t-1} + (1 − β₁) g_t
    v_t ← β₂ v_{t-1} + (1 − β₂) g_t²
    m̂_t ← m_t / (1 − β₁^t)
    v^max_t ← max(v^max_{t-1}, v_t)
    v̂_t ← v^max_t / (1 − β₂^t)   (amsgrad)    or    v̂_t ← v_t / (1 − β₂^t)   (otherwise)
    θ_t ← θ_{t-1} − γ m̂_t / (√v̂_t + ε)

As in torch's implementation the last line is evaluated as
``θ − (γ / (1 − β₁^t)) · m_t / (√v_t / √(1 − β₂^t) + ε)``. Like torch, the running maximum
v^max is kept only with ``amsgrad``: with it off the state's ``max_exp_avg_sq`` field is v_t
itself (the same array, no work per step), so the state keeps its fields and shapes, and
switching ``amsgrad`` on during a run starts the running maximum at the current v.

``scale`` is ``1 / (√v̂_t + ε)``: the update was ``θ_t = θ_{t-1} − γ · scale · m̂_t``.
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
from gdsim.core.params import ParamSpec


class AdamState(NamedTuple):
    step: int
    exp_avg: np.ndarray  # (runs, params): m_t
    exp_avg_sq: np.ndarray  # (runs, params): v_t
    max_exp_avg_sq: np.ndarray  # (runs, params): v^max_t = max_{s ≤ t} v_s


def adam_init(theta: np.ndarray, hp: Hyper) -> AdamState:
    """Zero state for ``theta`` of shape ``(runs, params)``."""
    zeros = np.zeros_like(theta)
    return AdamState(step=0, exp_avg=zeros, exp_avg_sq=zeros, max_exp_avg_sq=zeros)


def _denominator(state: AdamState, hp: Hyper) -> np.ndarray:
    """``√v̂_t + ε`` (evaluated as ``√v_t / √(1 − β₂^t) + ε``), shape ``(runs, params)``."""
    bias_correction2 = 1 - fpow(hp.get("beta2", 0.999), float(state.step))
    second = state.max_exp_avg_sq if hp.get("amsgrad", False) else state.exp_avg_sq
    return np.sqrt(second) / fpow(bias_correction2, 0.5) + hp.get("eps", 1e-8)


def adam_update(
    grad: np.ndarray, state: AdamState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, AdamState]:
    """One Adam step; ``grad``, ``theta`` and the state arrays have shape ``(runs, params)``."""
    lr = hp["lr"]
    beta1 = hp.get("beta1", 0.9)
    beta2 = hp.get("beta2", 0.999)
    weight_decay = hp.get("weight_decay", 0.0)
    if any_nonzero(weight_decay):
        if hp.get("decoupled_weight_decay", False):
            theta = theta * (1 - lr * weight_decay)
        else:
            grad = grad + weight_decay * theta
    weight = 1 - beta1
    if isinstance(weight, float) and abs(weight) < 0.5:  # lerp's usual branch, inlined
        exp_avg = np.subtract(grad, state.exp_avg)  # m + w·(g − m), in one new array
        exp_avg *= weight
        exp_avg += state.exp_avg
    else:
        exp_avg = lerp(state.exp_avg, grad, weight)
    exp_avg_sq = state.exp_avg_sq * beta2  # v·β₂ + ((1 − β₂)·g)·g
    scaled = np.multiply(grad, 1 - beta2)
    scaled *= grad
    exp_avg_sq += scaled
    amsgrad = hp.get("amsgrad", False)
    new_state = AdamState(state.step + 1, exp_avg, exp_avg_sq,
                          np.maximum(state.max_exp_avg_sq, exp_avg_sq) if amsgrad
                          else exp_avg_sq)
    if type(beta1) is float and type(beta2) is float:  # shared betas: fpow's scalar case
        t = float(new_state.step)
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(new_state.max_exp_avg_sq)  # v^max_t is v_t without amsgrad
        denom /= (1 - beta2**t) ** 0.5
        denom += hp.get("eps", 1e-8)
    else:
        step_size = lr / (1 - fpow(beta1, float(new_state.step)))
        denom = _denominator(new_state, hp)
    new_theta = np.multiply(exp_avg, -step_size)  # θ + (−step·m)/denom
    new_theta /= denom
    new_theta += theta
    return new_theta, new_state


def adam_scale(state: AdamState, hp: Hyper) -> np.ndarray:
    """``1 / (√v̂_t + ε)``, shape ``(runs, params)``; ones before any step."""
    if state.step == 0:
        return not_started(state.exp_avg)
    return 1.0 / _denominator(state, hp)


ADAM_LABELS = {
    "exp_avg": "first moment m",
    "exp_avg_sq": "second moment v",
    "max_exp_avg_sq": "running max of v (amsgrad; v itself while amsgrad is off)",
}

AMSGRAD_FLAG = ParamSpec("amsgrad", False, "Use the running maximum of the second moment "
                         "(AMSGrad) so the effective step size never grows.", kind="bool",
                         label="AMSGrad (running maximum)")

ADAM = Optimizer(
    name="adam",
    family="adam",
    default_lr=0.05,
    vector_state=("exp_avg",),
    title="Adam",
    summary="Momentum on the gradient, divided by the RMS of recent gradients, bias-corrected.",
    torch_equivalent="torch.optim.Adam(params, lr=1e-3)",
    specs=(lr_spec(1e-3), beta1_spec(), beta2_spec(), eps_spec(1e-8, "to √v̂"),
           L2_WEIGHT_DECAY, AMSGRAD_FLAG),
    init=adam_init,
    update=adam_update,
    fixed={"decoupled_weight_decay": False},
    state_labels=ADAM_LABELS,
    scale=adam_scale,
)

AMSGRAD = Optimizer(
    name="amsgrad",
    family="adam",
    default_lr=0.05,
    vector_state=("exp_avg",),
    title="AMSGrad",
    summary="Adam dividing by the running maximum of the second moment.",
    torch_equivalent="torch.optim.Adam(params, lr=1e-3, amsgrad=True)",
    specs=(lr_spec(1e-3), beta1_spec(), beta2_spec(), eps_spec(1e-8, "to √v̂"),
           L2_WEIGHT_DECAY),
    init=adam_init,
    update=adam_update,
    fixed={"amsgrad": True, "decoupled_weight_decay": False},
    state_labels=ADAM_LABELS,
    scale=adam_scale,
)
