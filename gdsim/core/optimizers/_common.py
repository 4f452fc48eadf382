"""Shared pieces of the update rules: torch-exact elementwise helpers and common ParamSpecs.

The helpers reproduce the arithmetic ``torch.optim``'s single-tensor (``foreach=False``) code path
performs on CPU, so that float64 trajectories agree with torch to rounding:

* :func:`lerp` is ``Tensor.lerp_``, which switches formula at weight 0.5;
* :func:`fpow` is Python's ``float ** float`` (C ``pow``), which torch uses for bias corrections.
  numpy's vectorised ``np.power`` may differ from it in the last bit, so arrays of per-run
  hyperparameters are raised element by element instead.

A hyperparameter value (:data:`Num`) is a float shared by every run or an array of shape
``(runs, 1)`` broadcasting over the parameters.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gdsim.core.optimizers.sgd import LR, WEIGHT_DECAY, any_nonzero  # noqa: F401 (re-exported)
from gdsim.core.params import ParamSpec

Num = float | np.ndarray
"""A scalar hyperparameter, or an array of shape ``(runs, 1)`` with one value per run."""


def lerp(start: np.ndarray, end: np.ndarray, weight: Num) -> np.ndarray:
    """``torch.lerp(start, end, weight)`` = ``start + weight·(end − start)``, as torch evaluates it.

    For ``|weight| < 0.5`` torch computes ``start + weight·(end − start)``, otherwise
    ``end − (end − start)·(1 − weight)``. Shapes broadcast; the result is a new array.
    """
    diff = end - start
    if not isinstance(weight, np.ndarray):
        if abs(float(weight)) < 0.5:
            return start + weight * diff
        return end - diff * (1.0 - weight)
    small = np.abs(weight) < 0.5
    return np.where(small, start + weight * diff, end - diff * (1.0 - weight))


def fpow(base: Num, exponent: Num) -> Num:
    """``base ** exponent`` with C ``pow`` semantics, element by element for arrays.

    Returns a float when both arguments are scalars, else an array of their broadcast shape.
    """
    if not isinstance(base, np.ndarray) and not isinstance(exponent, np.ndarray):
        return float(base) ** float(exponent)
    b, e = np.broadcast_arrays(np.asarray(base, dtype=float), np.asarray(exponent, dtype=float))
    if b.size == 0:
        return np.empty(b.shape)
    b0, e0 = float(b.flat[0]), float(e.flat[0])
    if np.all(b == b0) and np.all(e == e0):  # the usual case: every run shares its betas
        return np.full(b.shape, b0 ** e0)
    # Otherwise raise each distinct (base, exponent) pair once.
    pairs, inverse = np.unique(np.stack([b.ravel(), e.ravel()], axis=1), axis=0,
                               return_inverse=True)
    values = np.asarray([x ** y for x, y in pairs.tolist()], dtype=float)
    return values[inverse.reshape(-1)].reshape(b.shape)


def not_started(state_field: np.ndarray) -> np.ndarray:
    """The ``scale`` reported before any update: ones of the state's ``(runs, params)`` shape."""
    return np.ones_like(state_field)


def lr_spec(default: float) -> ParamSpec:
    """The learning rate γ, with an optimizer-specific default (torch's)."""
    return replace(LR, default=default)


def eps_spec(default: float, where: str) -> ParamSpec:
    """ε ≥ 0, the term added for numerical stability; ``where`` says where it sits."""
    return ParamSpec("eps", default, f"Numerical-stability term ε, added {where}.",
                     low=0.0, log=True, ui_low=1e-12, ui_high=1.0, label="Stability term ε")


def beta1_spec(default: float = 0.9) -> ParamSpec:
    return ParamSpec("beta1", default, "Decay rate β₁ of the first-moment (mean gradient) "
                     "average (torch's betas[0]).", low=0.0, high=1.0, high_open=True,
                     label="First-moment decay β₁")


def beta2_spec(default: float = 0.999) -> ParamSpec:
    return ParamSpec("beta2", default, "Decay rate β₂ of the second-moment (squared gradient) "
                     "average (torch's betas[1]).", low=0.0, high=1.0, high_open=True,
                     label="Second-moment decay β₂")


L2_WEIGHT_DECAY = WEIGHT_DECAY
"""Coupled (L2) weight decay λ ≥ 0: adds λθ to the gradient before the rule sees it."""

DECOUPLED_WEIGHT_DECAY = ParamSpec(
    "decoupled_weight_decay", False,
    "Apply weight decay AdamW-style, θ ← θ(1 − γλ), instead of adding λθ to the gradient.",
    kind="bool", label="AdamW-style weight decay")
