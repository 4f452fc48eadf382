"""Resilient backpropagation (``torch.optim.Rprop``): steps of a per-parameter size, by sign only.

torch's tuples are split: ``etas`` → ``etaminus``, ``etaplus``; ``step_sizes`` →
``step_size_min``, ``step_size_max``. With Δ_0 = γ (the learning rate at the first update) and
g_0 = 0, for t = 1, 2, …::

    s ← sign(g_t · g_{t-1})
    Δ_t ← clamp(Δ_{t-1} · (η₊ if s > 0, η₋ if s < 0, 1 if s = 0), Δ_min, Δ_max)
    g_t ← 0 where s < 0          (after a sign change: no step, and no sign test next time)
    θ_t ← θ_{t-1} − sign(g_t) · Δ_t
    g_{t-1} ← g_t                 (stored as ``prev``)

The learning rate only sets the first step size (as in torch, a schedule has no later effect);
the step size then grows by η₊ while the gradient keeps its sign and shrinks by η₋ when it flips,
so the rate is scale-free: every surface uses the same default.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdsim.core.optimizers._common import labelled, lr_spec
from gdsim.core.optimizers.base import Hyper, Optimizer
from gdsim.core.params import ParamSpec


class RpropState(NamedTuple):
    step: int
    prev: np.ndarray  # (runs, params): the last gradient used (0 after a sign change)
    step_size: np.ndarray  # (runs, params): Δ_t


def rprop_init(theta: np.ndarray, hp: Hyper) -> RpropState:
    """Zero previous gradient; the step sizes are set to γ at the first update."""
    return RpropState(step=0, prev=np.zeros_like(theta), step_size=np.zeros_like(theta))


def rprop_update(
    grad: np.ndarray, state: RpropState, theta: np.ndarray, hp: Hyper
) -> tuple[np.ndarray, RpropState]:
    """One Rprop step; every array has shape ``(runs, params)``."""
    step_size = state.step_size
    if state.step == 0:
        step_size = np.broadcast_to(np.asarray(hp["lr"], dtype=float), theta.shape).copy()
    sign = np.sign(grad * state.prev)
    factor = np.where(sign > 0, hp.get("etaplus", 1.2),
                      np.where(sign < 0, hp.get("etaminus", 0.5), 1.0))
    step_size = np.clip(step_size * factor, hp.get("step_size_min", 1e-6),
                        hp.get("step_size_max", 50.0))
    grad = np.where(sign < 0, 0.0, grad)
    new_theta = theta - np.sign(grad) * step_size
    return new_theta, RpropState(state.step + 1, grad, step_size)


RPROP = Optimizer(
    name="rprop",
    family="rprop",
    default_lr=0.01,
    surface_rates=False,
    title="Rprop",
    summary="Steps by the gradient's sign only, each parameter's step growing while the sign "
            "holds and shrinking when it flips.",
    torch_equivalent="torch.optim.Rprop(params, lr=1e-2, etas=(0.5, 1.2), "
                     "step_sizes=(1e-6, 50))",
    specs=labelled((
        lr_spec(1e-2),
        ParamSpec("etaminus", 0.5, "Factor η₋ shrinking a step size when the gradient's sign "
                  "flips (torch's etas[0]).", low=0.0, high=1.0, low_open=True, high_open=True),
        ParamSpec("etaplus", 1.2, "Factor η₊ growing a step size while the gradient keeps its "
                  "sign (torch's etas[1]).", low=1.0, low_open=True, ui_high=3.0),
        ParamSpec("step_size_min", 1e-6, "Smallest step size Δ_min (torch's step_sizes[0]).",
                  low=0.0, log=True, ui_low=1e-9, ui_high=1.0),
        ParamSpec("step_size_max", 50.0, "Largest step size Δ_max (torch's step_sizes[1]).",
                  low=0.0, log=True, ui_low=1e-3, ui_high=100.0),
    ), {
        "etaminus": "Shrink factor η₋",
        "etaplus": "Growth factor η₊",
        "step_size_min": "Smallest step Δ_min",
        "step_size_max": "Largest step Δ_max",
    }),
    init=rprop_init,
    update=rprop_update,
    state_labels={"prev": "previous gradient (0 after a sign flip)",
                  "step_size": "per-parameter step size Δ"},
)
