"""Adadelta: steps in units of past steps, RMS[Δθ]/RMS[g] (``torch.optim.Adadelta``).

With learning rate γ, decay ρ, ε and weight decay λ, for t = 1, 2, … (v_0 = u_0 = 0)::

    g_t ← g_t + λ θ_{t-1}                       (if λ ≠ 0)
    v_t ← ρ v_{t-1} + (1 − ρ) g_t²
    Δx_t ← √(u_{t-1} + ε) / √(v_t + ε) · g_t
    u_t ← ρ u_{t-1} + (1 − ρ) Δx_t²
    θ_t ← θ_{t-1} − γ Δx_t

ε sits inside both square roots; at t = 1 the numerator is √ε.

``scale`` is ``√(u_{t-1} + ε) / √(v_t + ε)``: the update was ``θ_t = θ_{t-1} − γ · scale · g_t``.
To report it after the step, the state also keeps ``prev_acc_delta`` = u_{t-1} (torch does not).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers._common import (
    L2_WEIGHT_DECAY,
    any_nonzero,
    eps_spec,
    lr_spec,
    not_started,
)
from gdsim.core.optimizers.base import Hyper, Optimizer
from gdsim.core.params import ParamSpec


class AdadeltaState(NamedTuple):
    step: int
    square_avg: np.ndarray  # (runs, params): v_t
    acc_delta: np.ndarray  # (runs, params): u_t
    prev_acc_delta: np.ndarray  # (runs, params): u_{t-1}, for ``scale`` only


def adadelta_init(theta: np.ndarray, hp: Hyper) -> AdadeltaState:
    """Zero state for ``theta`` of shape ``(runs, params)``."""
    zeros = np.zeros_like(theta)
    return AdadeltaState(step=0, square_avg=zeros, acc_delta=zeros, prev_acc_delta=zeros)


def adadelta_update(
    grad: np.ndarray, state: AdadeltaState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, AdadeltaState]:
    """One Adadelta step; ``grad``, ``theta`` and the state arrays have shape ``(runs, params)``."""
    rho = hp.get("rho", 0.9)
    eps = hp.get("eps", 1e-6)
    weight_decay = hp.get("weight_decay", 0.0)
    if any_nonzero(weight_decay):
        grad = grad + weight_decay * theta
    square_avg = state.square_avg * rho + (1 - rho) * grad * grad
    std = np.sqrt(square_avg + eps)
    delta = np.sqrt(state.acc_delta + eps) / std * grad
    acc_delta = state.acc_delta * rho + (1 - rho) * delta * delta
    new_theta = theta + -hp["lr"] * delta
    return new_theta, AdadeltaState(
        step=state.step + 1, square_avg=square_avg, acc_delta=acc_delta,
        prev_acc_delta=state.acc_delta,
    )


def adadelta_scale(state: AdadeltaState, hp: Hyper) -> np.ndarray:
    """``√(u_{t-1} + ε) / √(v_t + ε)``, shape ``(runs, params)``; ones before any step."""
    if state.step == 0:
        return not_started(state.square_avg)
    eps = hp.get("eps", 1e-6)
    return np.sqrt(state.prev_acc_delta + eps) / np.sqrt(state.square_avg + eps)


ADADELTA = Optimizer(
    name="adadelta",
    family="adadelta",
    default_lr=1.0,
    vector_state=(),
    title="Adadelta",
    summary="Scales each step by RMS of past updates over RMS of past gradients.",
    torch_equivalent="torch.optim.Adadelta(params, lr=1.0)",
    specs=(
        lr_spec(1.0),
        ParamSpec("rho", 0.9, "Decay rate ρ of the squared-gradient and squared-update "
                  "averages.", low=0.0, high=1.0, label="Decay rate ρ"),
        eps_spec(1e-6, "inside both square roots"),
        L2_WEIGHT_DECAY,
    ),
    init=adadelta_init,
    update=adadelta_update,
    state_labels={
        "square_avg": "squared-gradient average v",
        "acc_delta": "squared-update average u",
        "prev_acc_delta": "previous squared-update average u_{t−1}",
    },
    scale=adadelta_scale,
)
