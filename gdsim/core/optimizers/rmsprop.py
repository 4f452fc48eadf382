"""RMSprop: steps divided by a running RMS of the gradient (``torch.optim.RMSprop``).

With learning rate γ, smoothing α, ε, weight decay λ and momentum μ, for t = 1, 2, …
(v_0 = g^ave_0 = b_0 = 0)::

    g_t ← g_t + λ θ_{t-1}                         (if λ ≠ 0)
    v_t ← α v_{t-1} + (1 − α) g_t²
    ṽ_t ← v_t
    g^ave_t ← α g^ave_{t-1} + (1 − α) g_t          (if centered)
    ṽ_t ← v_t − (g^ave_t)²                         (if centered)
    b_t ← μ b_{t-1} + g_t / (√ṽ_t + ε)              (if μ > 0)
    θ_t ← θ_{t-1} − γ b_t                          (if μ > 0)
    θ_t ← θ_{t-1} − γ g_t / (√ṽ_t + ε)              (otherwise)

ε sits outside the square root (unlike TensorFlow's RMSprop).

``scale`` is ``1 / (√ṽ_t + ε)``, the factor applied to the newest (decayed) gradient; without
momentum the update was exactly ``θ_t = θ_{t-1} − γ · scale · g_t``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers._common import (
    L2_WEIGHT_DECAY,
    any_nonzero,
    eps_spec,
    lerp,
    lr_spec,
    not_started,
)
from gdsim.core.optimizers.base import Hyper, Optimizer
from gdsim.core.optimizers.sgd import MOMENTUM
from gdsim.core.params import ParamSpec


class RMSpropState(NamedTuple):
    step: int
    square_avg: np.ndarray  # (runs, params): v_t
    grad_avg: np.ndarray  # (runs, params): g^ave_t (stays zero unless centered)
    momentum_buffer: np.ndarray  # (runs, params): b_t (stays zero unless μ > 0)


def rmsprop_init(theta: np.ndarray, hp: Hyper) -> RMSpropState:
    """Zero state for ``theta`` of shape ``(runs, params)``."""
    zeros = np.zeros_like(theta)
    return RMSpropState(step=0, square_avg=zeros, grad_avg=zeros, momentum_buffer=zeros)


def _denominator(square_avg: np.ndarray, grad_avg: np.ndarray, hp: Hyper) -> np.ndarray:
    """``√ṽ + ε`` of shape ``(runs, params)``."""
    if hp.get("centered", False):
        avg = np.sqrt(square_avg - grad_avg * grad_avg)
    else:
        avg = np.sqrt(square_avg)
    return avg + hp.get("eps", 1e-8)


def rmsprop_update(
    grad: np.ndarray, state: RMSpropState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, RMSpropState]:
    """One RMSprop step; ``grad``, ``theta`` and the state arrays have shape ``(runs, params)``."""
    alpha = hp.get("alpha", 0.99)
    momentum = hp.get("momentum", 0.0)
    weight_decay = hp.get("weight_decay", 0.0)
    lr = hp["lr"]
    if any_nonzero(weight_decay):
        grad = grad + weight_decay * theta
    square_avg = state.square_avg * alpha + (1 - alpha) * grad * grad
    grad_avg = state.grad_avg
    if hp.get("centered", False):
        grad_avg = lerp(grad_avg, grad, 1 - alpha)
    avg = _denominator(square_avg, grad_avg, hp)
    buf = state.momentum_buffer
    if np.any(momentum > 0):
        with_momentum = momentum > 0
        buf = np.where(with_momentum, buf * momentum + grad / avg, buf)
        new_theta = np.where(with_momentum, theta + -lr * buf, theta + -lr * grad / avg)
    else:
        new_theta = theta + -lr * grad / avg
    return new_theta, RMSpropState(
        step=state.step + 1, square_avg=square_avg, grad_avg=grad_avg, momentum_buffer=buf
    )


def rmsprop_scale(state: RMSpropState, hp: Hyper) -> np.ndarray:
    """``1 / (√ṽ_t + ε)``, shape ``(runs, params)``; ones before any step."""
    if state.step == 0:
        return not_started(state.square_avg)
    return 1.0 / _denominator(state.square_avg, state.grad_avg, hp)


RMSPROP = Optimizer(
    name="rmsprop",
    family="rmsprop",
    default_lr=0.01,
    vector_state=("momentum_buffer",),
    title="RMSprop",
    summary="Divides each step by a running root-mean-square of recent gradients.",
    torch_equivalent="torch.optim.RMSprop(params, lr=1e-2)",
    specs=(
        lr_spec(1e-2),
        ParamSpec("alpha", 0.99, "Smoothing constant α of the squared-gradient average.",
                  low=0.0, high=1.0, label="Smoothing constant α"),
        eps_spec(1e-8, "to √v outside the square root"),
        L2_WEIGHT_DECAY,
        replace(MOMENTUM, default=0.0),
        ParamSpec("centered", False, "Divide by the estimated variance v − (mean g)² instead "
                  "of the raw second moment.", kind="bool", label="Centered"),
    ),
    init=rmsprop_init,
    update=rmsprop_update,
    state_labels={
        "square_avg": "squared-gradient average v",
        "grad_avg": "gradient average g_ave (centered only)",
        "momentum_buffer": "momentum buffer b",
    },
    scale=rmsprop_scale,
)
