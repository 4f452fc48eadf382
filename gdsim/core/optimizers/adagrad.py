"""Adagrad: steps shrinking with the summed squared gradient (``torch.optim.Adagrad``).

With learning rate γ, lr decay η, weight decay λ, initial accumulator value τ and ε,
for t = 1, 2, …::

    s_0 ← τ
    γ̃_t ← γ / (1 + (t − 1) η)
    g_t ← g_t + λ θ_{t-1}                       (if λ ≠ 0)
    s_t ← s_{t-1} + g_t²
    θ_t ← θ_{t-1} − γ̃_t g_t / (√s_t + ε)         (ε outside the square root)

``scale`` is ``1 / ((1 + (t − 1) η)(√s_t + ε))``: the update was
``θ_t = θ_{t-1} − γ · scale · g_t``.
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


class AdagradState(NamedTuple):
    step: int
    sum: np.ndarray  # (runs, params): s_t, the running sum of squared gradients (starts at τ)


def adagrad_init(theta: np.ndarray, hp: Hyper) -> AdagradState:
    """State for ``theta`` of shape ``(runs, params)``: ``sum`` filled with τ (per run)."""
    initial = hp.get("initial_accumulator_value", 0.0)
    return AdagradState(step=0, sum=np.zeros_like(theta) + initial)


def adagrad_update(
    grad: np.ndarray, state: AdagradState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, AdagradState]:
    """One Adagrad step; ``grad``, ``theta`` and the state arrays have shape ``(runs, params)``."""
    step = float(state.step + 1)
    weight_decay = hp.get("weight_decay", 0.0)
    if any_nonzero(weight_decay):
        grad = grad + weight_decay * theta
    clr = hp["lr"] / (1 + (step - 1) * hp.get("lr_decay", 0.0))
    total = state.sum + grad * grad
    std = np.sqrt(total) + hp.get("eps", 1e-10)
    new_theta = theta + -clr * grad / std
    return new_theta, AdagradState(step=state.step + 1, sum=total)


def adagrad_scale(state: AdagradState, hp: Hyper) -> np.ndarray:
    """``1 / ((1 + (t − 1) η)(√s_t + ε))``, shape ``(runs, params)``; ones before any step."""
    if state.step == 0:
        return not_started(state.sum)
    decay = 1.0 / (1 + (state.step - 1) * hp.get("lr_decay", 0.0))
    return decay / (np.sqrt(state.sum) + hp.get("eps", 1e-10))


ADAGRAD = Optimizer(
    name="adagrad",
    family="adagrad",
    default_lr=0.5,
    vector_state=(),
    title="Adagrad",
    summary="Adaptive steps: each parameter's rate shrinks with its summed squared gradients.",
    torch_equivalent="torch.optim.Adagrad(params, lr=1e-2)",
    specs=(
        lr_spec(1e-2),
        ParamSpec("lr_decay", 0.0, "Learning-rate decay η: step t uses γ / (1 + (t − 1)η).",
                  low=0.0, ui_high=1.0, label="Rate decay"),
        L2_WEIGHT_DECAY,
        ParamSpec("initial_accumulator_value", 0.0, "Initial value τ of the squared-gradient "
                  "sum.", low=0.0, ui_high=1.0, label="Initial accumulator τ"),
        eps_spec(1e-10, "to √s outside the square root"),
    ),
    init=adagrad_init,
    update=adagrad_update,
    state_labels={"sum": "sum of squared gradients s"},
    scale=adagrad_scale,
)
