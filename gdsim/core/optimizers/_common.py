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

from collections.abc import Mapping
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


_SPLIT = 134217729.0  # 2²⁷ + 1, Veltkamp's splitting constant for float64


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s, e with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p, e with p = fl(a·b) and p + e = a·b exactly (Dekker, Veltkamp's split)."""
    p = a * b
    ca, cb = _SPLIT * a, _SPLIT * b
    ah, bh = ca - (ca - a), cb - (cb - b)
    al, bl = a - ah, b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def fma(a: Num, b: Num, c: Num) -> np.ndarray:
    """a·b + c rounded once, as torch's CPU kernels compute ``c.add_(b, alpha=a)`` (a fused
    multiply-add); numpy has no FMA, so it is emulated exactly.

    Boldo and Melquiond's emulation (IEEE Trans. Computers 57(4), 2008): the exact product
    u_h + u_l, the exact sum t_h + t_l = c + u_h, then t_h + RO(t_l + u_l) with the middle sum
    rounded to odd. Checked against exact rational arithmetic in the tests. Where a·b or the
    sum is not finite (or |a|, |b| > 2⁹⁹⁶, where the split overflows) the plain a·b + c is used.
    """
    a, b, c = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a, b, c)))
    with np.errstate(all="ignore"):
        uh, ul = _two_prod(a, b)
        th, tl = _two_sum(c, uh)
        z, err = _two_sum(tl, ul)
        even = (z.view(np.int64) & 1) == 0
        fix = (err != 0) & even
        z = np.where(fix, np.nextafter(z, np.where(err > 0, np.inf, -np.inf)), z)
        out = th + z
        plain = a * b + c
    return np.where(np.isfinite(out) & np.isfinite(ul), out, plain)


def labelled(specs: tuple[ParamSpec, ...], labels: Mapping[str, str]) -> tuple[ParamSpec, ...]:
    """``specs`` with the readable labels ``labels`` (name → label) set."""
    return tuple(replace(s, label=labels[s.name]) if s.name in labels else s for s in specs)
