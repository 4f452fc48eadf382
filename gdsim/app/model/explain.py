"""Rows the step inspector adds for curvature and for the update rule (Qt-free).

* :func:`curvature_rows` — λ_max, λ_min, the condition number and the stability threshold
  2/λ_max of the Hessian at the current point, and "η·λ_max = 1.7 < 2: stable" for the rate of
  the next update;
* :func:`update_rule_rows` — the selected optimizer's update rule as an equation with the last
  step's numbers substituted (for Adam: m, v, the bias corrections and the step), so that the
  formulation (which momentum convention, where ε sits) is visible, not only the result.

Each row is ``(key, label, value, full, tooltip)`` as the inspector's extra rows are.
"""

from __future__ import annotations

import math

import numpy as np

from gdsim.app.model.formatting import fmt_number, fmt_vector
from gdsim.app.model.step_snapshot import StepSnapshot
from gdsim.core import curvature

Row = tuple[str, str, str, str, str]

CURVATURE_TOOLTIP = ("The Hessian ∇²L at the current point: its eigenvalues are the curvatures "
                     "along its eigen-directions. Gradient descent with a constant η is stable "
                     "only while η·λ_max < 2.")
RULE_TOOLTIP = "The update rule with this step's numbers substituted."


def curvature_rows(snap: StepSnapshot | None) -> list[Row]:
    """λ_max, λ_min, κ, 2/λ_max and the stability of η_t at the lane's current point."""
    hess = None if snap is None or snap.info is None else snap.info.hessian
    if hess is None or not np.all(np.isfinite(hess)):
        return []
    top = float(curvature.lambda_max(hess))
    low = float(curvature.lambda_min(hess))
    kappa = float(curvature.condition_number(hess))
    threshold = float(curvature.stability_threshold(hess))
    rows: list[Row] = [
        ("curv.lambda_max", "λ_max (sharpness)", fmt_number(top), repr(top), CURVATURE_TOOLTIP),
        ("curv.lambda_min", "λ_min", fmt_number(low), repr(low), CURVATURE_TOOLTIP),
        ("curv.condition", "condition number κ", fmt_number(kappa), repr(kappa),
         "max |λ| / min |λ|: how elongated the local bowl is."),
        ("curv.threshold", "stable η below 2/λ_max", fmt_number(threshold), repr(threshold),
         "The largest constant learning rate for which gradient descent does not diverge along "
         "the sharpest direction (1/λ_max would reach its minimum in one step)."),
    ]
    if snap is not None and math.isfinite(snap.next_lr):
        text = curvature.stability_text(snap.next_lr, top)
        rows.append(("curv.stability", "η·λ_max", text, text, CURVATURE_TOOLTIP))
    return rows


def stability_line(hess: np.ndarray | None, lr: float) -> tuple[float | None, str]:
    """The threshold 2/λ_max of ``hess`` (``None`` without one) and a line for the η control,
    e.g. ``"2/λ_max = 1 · η·λ_max = 1.7 < 2: stable"``."""
    if hess is None or not np.all(np.isfinite(hess)):
        return None, ""
    top = float(curvature.lambda_max(hess))
    threshold = float(curvature.stability_threshold(hess))
    if not math.isfinite(threshold):
        return None, curvature.stability_text(lr, top)
    return threshold, f"2/λ_max = {fmt_number(threshold, 3)} · {curvature.stability_text(lr, top)}"


def _hp(snap: StepSnapshot, name: str, default: float) -> float:
    hyper = snap.info.hyper if snap.info is not None and snap.info.hyper else {}
    value = hyper.get(name, default)
    return float(value) if not isinstance(value, bool) else float(value)


def update_rule_rows(snap: StepSnapshot | None) -> list[Row]:
    """The update θ_{t−1} → θ_t written out with its numbers, for the common rules."""
    if snap is None or snap.info is None or not snap.has_step or snap.lr is None \
            or snap.used_grad is None:
        return []
    name = snap.info.optimizer
    state = snap.info.optimizer_state
    lr, g, t = snap.lr, snap.used_grad, snap.t
    delta = snap.delta_theta
    lines: list[tuple[str, str]] = []
    if name in ("gd", "asgd"):
        lines.append(("θ ← θ − η·g", f"Δθ = −{fmt_number(lr)}·{fmt_vector(g)} = "
                      f"{fmt_vector(-lr * g)}"))
    elif name in ("momentum", "nesterov"):
        mu = _hp(snap, "momentum", 0.9)
        b = state["momentum_buffer"]
        lines.append(("b ← μ·b + (1 − τ)·g", f"b = {fmt_vector(b)} (μ = {fmt_number(mu)})"))
        if name == "nesterov":
            lines.append(("θ ← θ − η·(g + μ·b)", f"Δθ = −{fmt_number(lr)}·"
                          f"{fmt_vector(g + mu * b)} = {fmt_vector(-lr * (g + mu * b))}"))
        else:
            lines.append(("θ ← θ − η·b", f"Δθ = −{fmt_number(lr)}·{fmt_vector(b)} = "
                          f"{fmt_vector(-lr * b)}"))
    elif name in ("adam", "amsgrad", "adamw") and "exp_avg" in state:
        b1, b2, eps = _hp(snap, "beta1", 0.9), _hp(snap, "beta2", 0.999), _hp(snap, "eps", 1e-8)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        if name == "amsgrad" or (snap.info.hyper or {}).get("amsgrad"):
            v = state["max_exp_avg_sq"]
        c1, c2 = 1 - b1**t, 1 - b2**t
        m_hat, v_hat = m / c1, v / c2
        step = -lr * m_hat / (np.sqrt(v_hat) + eps)
        lines += [
            ("m ← β₁·m + (1 − β₁)·g", f"m = {fmt_vector(m)}  (β₁ = {fmt_number(b1)}, "
                                     f"g = {fmt_vector(g)})"),
            ("v ← β₂·v + (1 − β₂)·g²", f"v = {fmt_vector(v)}  (β₂ = {fmt_number(b2)})"),
            ("m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)",
             f"1 − β₁^{t} = {fmt_number(c1)}, 1 − β₂^{t} = {fmt_number(c2)}: "
             f"m̂ = {fmt_vector(m_hat)}, v̂ = {fmt_vector(v_hat)}"),
            ("Δθ = −η·m̂/(√v̂ + ε)", f"−{fmt_number(lr)}·{fmt_vector(m_hat)}/(√v̂ + "
                                   f"{fmt_number(eps)}) = {fmt_vector(step)}"),
        ]
        if name == "adamw":
            lines.append(("θ ← θ(1 − ηλ) first", f"λ = {fmt_number(_hp(snap, 'weight_decay', 0))}"))
    elif name == "rmsprop" and "square_avg" in state:
        alpha, eps = _hp(snap, "alpha", 0.99), _hp(snap, "eps", 1e-8)
        v = state["square_avg"]
        lines += [("v ← α·v + (1 − α)·g²", f"v = {fmt_vector(v)}  (α = {fmt_number(alpha)})"),
                  ("Δθ = −η·g/(√v + ε)", f"−{fmt_number(lr)}·{fmt_vector(g)}/(√v + "
                                        f"{fmt_number(eps)})")]
    elif name == "newton" and "direction" in state:
        damping = _hp(snap, "damping", 0.0)
        lines.append(("Δθ = −η·(H + λI)⁻¹·g", f"−{fmt_number(lr)}·(H + {fmt_number(damping)}I)⁻¹"
                      f"·{fmt_vector(g)} = {fmt_vector(lr * state['direction'])}"))
        low = state.get("curvature_min")
        if low is not None and np.size(low) and float(np.ravel(low)[0]) < 0:
            lines.append(("H + λI indefinite", f"λ_min = {fmt_number(float(np.ravel(low)[0]))}"
                          " < 0: the step heads for a saddle or maximum, not downhill"))
    elif name == "gd-linesearch" and "accepted" in state:
        alpha = float(state["accepted"][0])
        trials = snap.info.inner_points
        lines.append(("Δθ = −α·g, α: Armijo", f"α = {fmt_number(alpha)} after "
                      f"{0 if trials is None else len(trials)} trial(s): Δθ = "
                      f"{fmt_vector(-alpha * g)}"))
    elif name == "adagrad" and "sum" in state:
        eps = _hp(snap, "eps", 1e-10)
        lines += [("s ← s + g²", f"s = {fmt_vector(state['sum'])}  (g = {fmt_vector(g)})"),
                  ("Δθ = −η_t·g/(√s + ε)", f"η_t = η/(1 + (t − 1)·lr_decay) = "
                   f"{fmt_number(lr / (1 + (t - 1) * _hp(snap, 'lr_decay', 0.0)))}, "
                   f"ε = {fmt_number(eps)}")]
    elif name == "adadelta" and "square_avg" in state:
        rho, eps = _hp(snap, "rho", 0.9), _hp(snap, "eps", 1e-6)
        lines += [("v ← ρ·v + (1 − ρ)·g²", f"v = {fmt_vector(state['square_avg'])}  "
                                          f"(ρ = {fmt_number(rho)})"),
                  ("Δθ = −η·√(u + ε)/√(v + ε)·g", f"η = {fmt_number(lr)}, ε = {fmt_number(eps)}"),
                  ("u ← ρ·u + (1 − ρ)·Δθ²", f"u = {fmt_vector(state['acc_delta'])}")]
    elif name in ("nadam", "radam", "adamax") and "exp_avg" in state:
        b1, b2 = _hp(snap, "beta1", 0.9), _hp(snap, "beta2", 0.999)
        lines.append(("m ← β₁·m + (1 − β₁)·g", f"m = {fmt_vector(state['exp_avg'])}  "
                                              f"(β₁ = {fmt_number(b1)}, g = {fmt_vector(g)})"))
        if name == "adamax":
            lines += [("u ← max(β₂·u, |g| + ε)", f"u = {fmt_vector(state['exp_inf'])}"),
                      ("Δθ = −η/(1 − β₁ᵗ)·m/u", f"η/(1 − β₁^{t}) = "
                       f"{fmt_number(lr / (1 - b1**t))}")]
        else:
            lines.append(("v ← β₂·v + (1 − β₂)·g²", f"v = {fmt_vector(state['exp_avg_sq'])}  "
                                                   f"(β₂ = {fmt_number(b2)})"))
            if name == "nadam":
                lines.append(("Δθ = −η·(μₜ₊₁·m̂ + (1 − μₜ)·ĝ)/(√v̂ + ε)",
                              "Nesterov momentum with μₜ = β₁(1 − ½·0.96^(t·ψ))"))
            else:
                rho_inf = 2 / (1 - b2) - 1
                rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
                rectified = rho_t > 5
                lines.append(("ρₜ = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)",
                              f"ρₜ = {fmt_number(rho_t)}: " + (
                                  "> 5, the adaptive step rectified by rₜ" if rectified else
                                  "≤ 5, an SGD-with-momentum step η·m̂")))
    elif name == "rprop" and "step_size" in state:
        lines += [("Δᵢ ← Δᵢ·η₊ if gᵢ keeps its sign, Δᵢ·η₋ if it flips",
                   f"Δ = {fmt_vector(state['step_size'])}  (η₋ = "
                   f"{fmt_number(_hp(snap, 'etaminus', 0.5))}, η₊ = "
                   f"{fmt_number(_hp(snap, 'etaplus', 1.2))})"),
                  ("Δθ = −sign(g)·Δ (0 where g flipped)", f"g = {fmt_vector(g)}")]
    elif name == "adafactor" and "variance" in state:
        lines += [("v ← β₂ₜ·v + (1 − β₂ₜ)·g²", f"v = {fmt_vector(state['variance'])}, "
                   f"β₂ₜ = 1 − t^{fmt_number(_hp(snap, 'beta2_decay', -0.8))}"),
                  ("Δθ = −ρₜ·g/max(√v, ε₁)", "ρₜ = min(η, 1/√t)·max(ε₂, RMS(θ)) "
                   "(relative step)")]
    elif name == "lbfgs" and "d" in state:
        stored = int(np.ravel(state.get("history", np.zeros(1)))[0]) \
            if np.size(state.get("history", 0)) else 0
        trials = snap.info.inner_points
        lines += [("d = −H·g (two-loop recursion)", f"d = {fmt_vector(state['d'])} from "
                   f"{stored} stored (s, y) pair(s)"),
                  ("Δθ = t·d", f"t = {fmt_number(float(np.ravel(state['t'])[0]))}"
                   + ("" if trials is None else f" after {len(trials)} evaluation(s)"))]
    else:
        return []
    rows = [(f"rule.{i}", label, text, text, RULE_TOOLTIP) for i, (label, text) in
            enumerate(lines)]
    if delta is not None:
        rows.append(("rule.actual", "actual Δθ", fmt_vector(delta), fmt_vector(delta, 17),
                     "θ_t − θ_{t−1} as the run computed it."))
    return rows
