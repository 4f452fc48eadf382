"""Adafactor (``torch.optim.Adafactor``) for a parameter vector, with relative step sizes.

Each run's θ is one vector parameter of n entries, so the second moment is not factored (torch
factors only matrices). torch's ``eps`` tuple is split into ``eps1`` (torch's default ``None``
means the machine epsilon of the dtype, 2.22·10⁻¹⁶ in float64) and ``eps2``. With learning rate
γ, decay exponent c (``beta2_decay``), clipping threshold d and weight decay λ, for t = 1, 2, …
(v_0 = 0)::

    β̂_t ← t^c                                     (the weight of the new g², 1 at t = 1)
    ρ_t ← min(γ, 1/√t)
    α_t ← max(ε₂, RMS(θ_{t-1})) · ρ_t              (RMS(x) = ‖x‖₂ / √n: a relative step)
    θ_{t-1} ← θ_{t-1}(1 − γλ)                      (if λ ≠ 0)
    v_t ← lerp(v_{t-1}, g_t², β̂_t)
    u_t ← g_t / √max(v_t, ε₁²)
    θ_t ← θ_{t-1} − α_t · u_t / max(1, RMS(u_t)/d)

The step is relative to θ's own size (at least ε₂), so the rate is scale-free: every surface
uses the same default.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers._common import any_nonzero, fma, labelled, lerp, lr_spec
from gdsim.core.optimizers.base import Hyper, Optimizer
from gdsim.core.params import ParamSpec

MACHINE_EPS = float(np.finfo(float).eps)


class AdafactorState(NamedTuple):
    step: int
    variance: np.ndarray  # (runs, params): v_t


def adafactor_init(theta: np.ndarray, hp: Hyper) -> AdafactorState:
    return AdafactorState(step=0, variance=np.zeros_like(theta))


def _rms(x: np.ndarray) -> np.ndarray:
    """‖x‖₂/√n per run: ``(runs, n)`` → ``(runs, 1)``, ‖x‖₂ as torch's ``norm`` evaluates it
    (for two entries √fma(x₁, x₁, x₀²))."""
    n = x.shape[1]
    if n == 1:
        norm = np.abs(x)
    elif n == 2:
        norm = np.sqrt(fma(x[:, 1:], x[:, 1:], x[:, :1] * x[:, :1]))
    else:
        norm = np.sqrt((x * x).sum(axis=1, keepdims=True))
    return norm / n**0.5


def adafactor_update(
    grad: np.ndarray, state: AdafactorState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, AdafactorState]:
    """One Adafactor step; ``grad``, ``theta`` and ``variance`` have shape ``(runs, params)``."""
    lr = hp["lr"]
    step = state.step + 1
    t = float(step)
    beta2_t = t ** hp.get("beta2_decay", -0.8)
    rho = np.minimum(lr, 1 / t**0.5)
    alpha = np.maximum(hp.get("eps2", 1e-3), _rms(theta)) * rho
    weight_decay = hp.get("weight_decay", 0.0)
    if any_nonzero(weight_decay):
        theta = theta * (1 - lr * weight_decay)
    variance = lerp(state.variance, grad * grad, beta2_t)
    eps1 = hp.get("eps1", MACHINE_EPS)
    update = 1.0 / np.sqrt(np.maximum(variance, eps1 * eps1)) * grad
    denom = np.maximum(1.0, _rms(update) / hp.get("d", 1.0))
    return fma(-alpha / denom, update, theta), AdafactorState(step, variance)


ADAFACTOR = Optimizer(
    name="adafactor",
    family="adafactor",
    default_lr=0.01,
    surface_rates=False,
    title="Adafactor",
    summary="RMSprop-like steps relative to θ's own size, with a clipped update.",
    torch_equivalent="torch.optim.Adafactor(params, lr=1e-2, beta2_decay=-0.8, "
                     "eps=(None, 1e-3), d=1.0)",
    specs=labelled((
        lr_spec(1e-2),
        ParamSpec("beta2_decay", -0.8, "Exponent c of the second-moment weight t^c (≤ 0): "
                  "the average lengthens as t grows.", high=0.0, ui_low=-1.0),
        ParamSpec("eps1", MACHINE_EPS, "Floor ε₁ under the root of the second moment "
                  "(torch's eps[0]; its None means the machine epsilon).", low=0.0, log=True,
                  ui_low=1e-16, ui_high=1e-3),
        ParamSpec("eps2", 1e-3, "Smallest scale ε₂ of the relative step (torch's eps[1]).",
                  low=0.0, log=True, ui_low=1e-8, ui_high=1.0),
        ParamSpec("d", 1.0, "Clipping threshold d on the update's RMS.", low=1.0, ui_high=10.0),
        ParamSpec("weight_decay", 0.0, "Decoupled weight decay λ: θ ← θ(1 − γλ).", low=0.0,
                  ui_high=1.0),
    ), {
        "beta2_decay": "Decay exponent c",
        "eps1": "Floor ε₁",
        "eps2": "Smallest scale ε₂",
        "d": "Clipping threshold d",
        "weight_decay": "Decoupled weight decay λ",
    }),
    init=adafactor_init,
    update=adafactor_update,
    state_labels={"variance": "second moment v"},
)
