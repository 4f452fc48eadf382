"""AdamW: Adam with decoupled weight decay (``torch.optim.AdamW``).

The rule is :func:`gdsim.core.optimizers.adam.adam_update` with ``decoupled_weight_decay``
fixed on: with learning rate γ and weight decay λ (default 1e-2), each step first shrinks the
parameters, then takes a plain Adam step on the undecayed gradient::

    θ_{t-1} ← θ_{t-1}(1 − γλ)
    m_t ← β₁ m_{t-1} + (1 − β₁) g_t
    v_t ← β₂ v_{t-1} + (1 − β₂) g_t²
    v̂_t ← max(v^max_{t-1}, v_t)/(1 − β₂^t)   (amsgrad)   or   v_t/(1 − β₂^t)
    θ_t ← θ_{t-1} − γ (m_t / (1 − β₁^t)) / (√v̂_t + ε)

``scale`` is Adam's ``1 / (√v̂_t + ε)`` (the decay factor 1 − γλ is not included).
"""

from __future__ import annotations

from dataclasses import replace

from gdsim.core.optimizers._common import beta1_spec, beta2_spec, eps_spec, lr_spec
from gdsim.core.optimizers.adam import ADAM_LABELS, AMSGRAD_FLAG, adam_init, adam_scale, adam_update
from gdsim.core.optimizers.base import Optimizer
from gdsim.core.optimizers.sgd import WEIGHT_DECAY

DECOUPLED_DECAY = replace(
    WEIGHT_DECAY, default=1e-2,
    description="Decoupled weight decay λ: each step first multiplies θ by (1 − γλ).",
)

ADAMW = Optimizer(
    name="adamw",
    family="adam",
    default_lr=0.05,
    vector_state=("exp_avg",),
    title="AdamW",
    summary="Adam with decoupled weight decay: θ shrinks by (1 − γλ) before each Adam step.",
    torch_equivalent="torch.optim.AdamW(params, lr=1e-3)",
    specs=(lr_spec(1e-3), beta1_spec(), beta2_spec(), eps_spec(1e-8, "to √v̂"),
           DECOUPLED_DECAY, AMSGRAD_FLAG),
    init=adam_init,
    update=adam_update,
    fixed={"decoupled_weight_decay": True},
    state_labels=ADAM_LABELS,
    scale=adam_scale,
)
