"""Stochastic gradient descent, with optional (Nesterov) momentum: ``torch.optim.SGD``.

With gradient g_t, learning rate γ, weight decay λ, momentum μ and dampening τ::

    g_t ← g_t + λ θ_{t-1}                       (if λ ≠ 0)
    b_t ← g_t                                   (t = 1)
    b_t ← μ b_{t-1} + (1 − τ) g_t               (t > 1)
    g_t ← g_t + μ b_t   (nesterov)   or   g_t ← b_t   (otherwise)      (if μ ≠ 0)
    θ_t ← θ_{t-1} − γ g_t

Plain gradient descent (μ = 0) is the seeds' rule θ ← θ − η ∇L.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers.base import Hyper, Optimizer
from gdsim.core.params import ParamSpec


def any_nonzero(value: float | np.ndarray) -> bool:
    """Whether a hyperparameter is non-zero for at least one run (torch's ``if x != 0``)."""
    if isinstance(value, np.ndarray):
        return bool(np.any(value != 0))
    return value != 0


class SGDState(NamedTuple):
    step: int
    momentum_buffer: np.ndarray  # (runs, params); zeros until the first step


def sgd_init(theta: np.ndarray, hp: Hyper) -> SGDState:
    return SGDState(step=0, momentum_buffer=np.zeros_like(theta))


def sgd_update(
    grad: np.ndarray, state: SGDState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, SGDState]:
    weight_decay = hp.get("weight_decay", 0.0)
    momentum = hp.get("momentum", 0.0)
    if any_nonzero(weight_decay):
        grad = grad + weight_decay * theta
    buf = state.momentum_buffer
    if any_nonzero(momentum):
        if state.step == 0:
            buf = grad
        else:
            buf = momentum * buf + (1.0 - hp.get("dampening", 0.0)) * grad
        grad = grad + momentum * buf if hp.get("nesterov", False) else buf
    return theta - hp["lr"] * grad, SGDState(step=state.step + 1, momentum_buffer=buf)


LR = ParamSpec("lr", 1e-3, "Learning rate η: the step size multiplying the gradient.",
               low=0.0, log=True, ui_low=1e-5, ui_high=10.0, label="Learning rate η")
WEIGHT_DECAY = ParamSpec("weight_decay", 0.0, "L2 penalty λ: adds λθ to the gradient.",
                         low=0.0, ui_high=1.0, label="Weight decay λ")
MOMENTUM = ParamSpec("momentum", 0.9, "Momentum factor μ: the fraction of the previous "
                     "velocity kept at each step.", low=0.0, high=1.0, high_open=True,
                     label="Momentum μ")
DAMPENING = ParamSpec("dampening", 0.0, "Dampening τ: scales the new gradient by (1 − τ) "
                      "when it enters the velocity.", low=0.0, high=1.0, label="Dampening τ")

GD = Optimizer(
    name="gd",
    family="gd",
    default_lr=0.01,
    vector_state=(),
    title="Gradient descent",
    summary="Plain (stochastic) gradient descent: θ ← θ − η∇L.",
    torch_equivalent="torch.optim.SGD(params, lr)",
    specs=(LR, WEIGHT_DECAY),
    init=sgd_init,
    update=sgd_update,
    fixed={"momentum": 0.0, "dampening": 0.0, "nesterov": False},
)

MOMENTUM_SGD = Optimizer(
    name="momentum",
    family="momentum",
    default_lr=0.01,
    vector_state=("momentum_buffer",),
    title="Momentum",
    summary="SGD with heavy-ball momentum: a velocity accumulates past gradients.",
    torch_equivalent="torch.optim.SGD(params, lr, momentum=0.9)",
    specs=(LR, MOMENTUM, DAMPENING, WEIGHT_DECAY),
    init=sgd_init,
    update=sgd_update,
    fixed={"nesterov": False},
    state_labels={"momentum_buffer": "velocity b"},
)

NESTEROV = Optimizer(
    name="nesterov",
    family="momentum",
    default_lr=0.01,
    vector_state=("momentum_buffer",),
    title="Nesterov momentum",
    summary="SGD with Nesterov momentum: the step looks ahead along the velocity.",
    torch_equivalent="torch.optim.SGD(params, lr, momentum=0.9, nesterov=True)",
    specs=(LR, MOMENTUM, WEIGHT_DECAY),
    init=sgd_init,
    update=sgd_update,
    fixed={"nesterov": True, "dampening": 0.0},
    state_labels={"momentum_buffer": "velocity b"},
)
