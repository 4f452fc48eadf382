"""Tests of the optimizer rules: hand-derived steps, batching, purity, defaults, validation,
and (when PyTorch is installed) trajectory agreement with ``torch.optim`` in float64.

Everything but the last section needs numpy only.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from gdsim.core.optimizers import OPTIMIZERS, Optimizer, get_optimizer, state_arrays
from gdsim.core.params import ParamError

# --------------------------------------------------------------------------------------------
# helpers


def rosenbrock_grad(theta: np.ndarray) -> np.ndarray:
    """∇ of (1 − x)² + 100(y − x²)² for ``theta`` of shape (runs, 2)."""
    x, y = theta[:, 0:1], theta[:, 1:2]
    return np.hstack([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])


def run_fixed(name: str, grads: Sequence[float], theta0: float = 1.0, **given: Any) -> list[float]:
    """θ_1, θ_2, … for one scalar parameter fed a fixed gradient sequence."""
    opt = get_optimizer(name)
    hp = opt.resolve(given)
    theta = np.array([[theta0]])
    state = opt.init(theta, hp)
    out = []
    for g in grads:
        theta, state = opt.update(np.array([[g]]), state, theta, hp)
        out.append(float(theta[0, 0]))
    return out


def run_trajectory(
    opt: Optimizer, hp: Mapping[str, Any], theta0: np.ndarray, steps: int,
    grad_fn: Callable[[np.ndarray], np.ndarray] = rosenbrock_grad,
) -> tuple[np.ndarray, Any]:
    """Positions after each of ``steps`` updates, shape (steps, runs, params), and final state."""
    theta = theta0
    state = opt.init(theta, hp)
    path = []
    for _ in range(steps):
        theta, state = opt.update(grad_fn(theta), state, theta, hp)
        path.append(theta)
    return np.array(path), state


G = (1.0, -2.0, 0.5)  # the fixed gradient sequence used by the hand-derived tests
RTOL = 1e-12


def close(actual: Sequence[float], expected: Sequence[float]) -> None:
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=0.0)


# --------------------------------------------------------------------------------------------
# registry and defaults


def test_registry_order() -> None:
    assert list(OPTIMIZERS) == [
        "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta",
        "adam", "amsgrad", "adamw", "nadam", "radam", "adamax",
    ]
    with pytest.raises(KeyError, match="adam"):
        get_optimizer("adamm")


# torch.optim defaults (REFERENCE.md; betas split into beta1/beta2), plus the pinned values.
TORCH_DEFAULTS: dict[str, dict[str, Any]] = {
    "gd": dict(lr=1e-3, weight_decay=0, momentum=0, dampening=0, nesterov=False),
    "momentum": dict(lr=1e-3, momentum=0.9, dampening=0, weight_decay=0, nesterov=False),
    "nesterov": dict(lr=1e-3, momentum=0.9, dampening=0, weight_decay=0, nesterov=True),
    "adagrad": dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10),
    "rmsprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False),
    "adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0),
    "adam": dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0, amsgrad=False,
                 decoupled_weight_decay=False),
    "amsgrad": dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0, amsgrad=True,
                    decoupled_weight_decay=False),
    "adamw": dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, amsgrad=False,
                  decoupled_weight_decay=True),
    "nadam": dict(lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0,
                  momentum_decay=4e-3, decoupled_weight_decay=False),
    "radam": dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0,
                  decoupled_weight_decay=False),
    "adamax": dict(lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_defaults_match_torch_table(name: str) -> None:
    opt = get_optimizer(name)
    assert opt.defaults() == TORCH_DEFAULTS[name]
    assert opt.specs[0].name == "lr"
    for spec in opt.specs:
        spec.validate(spec.default, name)  # every default lies in its own valid range


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_labels_and_scale_shapes(name: str) -> None:
    opt = get_optimizer(name)
    hp = opt.defaults()
    theta = np.array([[1.0, -2.0], [0.5, 3.0], [-1.0, 0.25]])
    state = opt.init(theta, hp)
    assert state.step == 0
    for key, value in state_arrays(state).items():
        assert value.shape == theta.shape, key
    if name != "gd":  # gd's only field is the unused momentum buffer of sgd.py
        assert set(opt.state_labels) == set(state_arrays(state))
    if opt.scale is None:
        assert name in ("gd", "momentum", "nesterov")
        return
    np.testing.assert_array_equal(opt.scale(state, hp), np.ones_like(theta))
    theta, state = opt.update(rosenbrock_grad(theta), state, theta, hp)
    assert state.step == 1
    scale = opt.scale(state, hp)
    assert scale.shape == theta.shape and np.all(np.isfinite(scale)) and np.all(scale > 0)


# --------------------------------------------------------------------------------------------
# first three updates against hand-derived arithmetic (θ_0 = 1, gradients 1, −2, 0.5)


def test_gd_by_hand() -> None:
    close(run_fixed("gd", G, lr=0.1), [1.0 - 0.1, 0.9 + 0.2, 1.1 - 0.05])
    # weight decay 0.5 adds 0.5 θ to the gradient
    t1 = 1.0 - 0.1 * (1.0 + 0.5 * 1.0)  # 0.85
    t2 = t1 - 0.1 * (-2.0 + 0.5 * t1)  # 1.0075
    t3 = t2 - 0.1 * (0.5 + 0.5 * t2)  # 0.907125
    close(run_fixed("gd", G, lr=0.1, weight_decay=0.5), [t1, t2, t3])


def test_momentum_by_hand() -> None:
    # b_1 = g_1; b_t = μ b_{t-1} + (1 − τ) g_t; θ ← θ − γ b
    b1 = 1.0
    b2 = 0.9 * b1 + 0.5 * -2.0  # −0.1
    b3 = 0.9 * b2 + 0.5 * 0.5  # 0.16
    close(run_fixed("momentum", G, lr=0.1, momentum=0.9, dampening=0.5),
          [1.0 - 0.1 * b1, 1.0 - 0.1 * (b1 + b2), 1.0 - 0.1 * (b1 + b2 + b3)])


def test_nesterov_by_hand() -> None:
    b1 = 1.0
    b2 = 0.9 * b1 - 2.0  # −1.1
    b3 = 0.9 * b2 + 0.5  # −0.49
    t1 = 1.0 - 0.1 * (1.0 + 0.9 * b1)  # 0.81
    t2 = t1 - 0.1 * (-2.0 + 0.9 * b2)  # 1.109
    t3 = t2 - 0.1 * (0.5 + 0.9 * b3)  # 1.1031
    close(run_fixed("nesterov", G, lr=0.1, momentum=0.9), [t1, t2, t3])


def test_adagrad_by_hand() -> None:
    eps = 1e-10
    close(run_fixed("adagrad", G, lr=0.1), [
        1.0 - 0.1 * 1.0 / (math.sqrt(1.0) + eps),
        1.0 - 0.1 * 1.0 / (1.0 + eps) + 0.1 * 2.0 / (math.sqrt(5.0) + eps),
        1.0 - 0.1 / (1.0 + eps) + 0.2 / (math.sqrt(5.0) + eps) - 0.05 / (math.sqrt(5.25) + eps),
    ])
    # lr_decay η = 0.5, initial accumulator τ = 0.1, eps = 1e-3: γ̃_t = γ / (1 + (t − 1)η)
    eps = 1e-3
    t1 = 1.0 - 0.1 * 1.0 / (math.sqrt(0.1 + 1.0) + eps)
    t2 = t1 - (0.1 / 1.5) * -2.0 / (math.sqrt(1.1 + 4.0) + eps)
    t3 = t2 - (0.1 / 2.0) * 0.5 / (math.sqrt(5.1 + 0.25) + eps)
    close(run_fixed("adagrad", G, lr=0.1, lr_decay=0.5, initial_accumulator_value=0.1, eps=eps),
          [t1, t2, t3])


def test_rmsprop_by_hand() -> None:
    eps = 1e-8
    v1 = 0.01 * 1.0  # α = 0.99
    v2 = 0.99 * v1 + 0.01 * 4.0
    v3 = 0.99 * v2 + 0.01 * 0.25
    t1 = 1.0 - 0.01 * 1.0 / (math.sqrt(v1) + eps)
    t2 = t1 - 0.01 * -2.0 / (math.sqrt(v2) + eps)
    t3 = t2 - 0.01 * 0.5 / (math.sqrt(v3) + eps)
    close(run_fixed("rmsprop", G), [t1, t2, t3])
    # centered, with momentum μ = 0.5, α = 0.9
    v1, a1 = 0.1 * 1.0, 0.1 * 1.0
    v2, a2 = 0.9 * v1 + 0.1 * 4.0, 0.9 * a1 + 0.1 * -2.0
    v3, a3 = 0.9 * v2 + 0.1 * 0.25, 0.9 * a2 + 0.1 * 0.5
    b1 = 1.0 / (math.sqrt(v1 - a1 ** 2) + eps)
    b2 = 0.5 * b1 + -2.0 / (math.sqrt(v2 - a2 ** 2) + eps)
    b3 = 0.5 * b2 + 0.5 / (math.sqrt(v3 - a3 ** 2) + eps)
    close(run_fixed("rmsprop", G, lr=0.01, alpha=0.9, centered=True, momentum=0.5),
          [1.0 - 0.01 * b1, 1.0 - 0.01 * (b1 + b2), 1.0 - 0.01 * (b1 + b2 + b3)])


def test_adadelta_by_hand() -> None:
    eps, rho = 1e-6, 0.9
    v1 = 0.1 * 1.0
    d1 = math.sqrt(0.0 + eps) / math.sqrt(v1 + eps) * 1.0
    u1 = 0.1 * d1 ** 2
    v2 = rho * v1 + 0.1 * 4.0
    d2 = math.sqrt(u1 + eps) / math.sqrt(v2 + eps) * -2.0
    u2 = rho * u1 + 0.1 * d2 ** 2
    v3 = rho * v2 + 0.1 * 0.25
    d3 = math.sqrt(u2 + eps) / math.sqrt(v3 + eps) * 0.5
    close(run_fixed("adadelta", G), [1.0 - d1, 1.0 - d1 - d2, 1.0 - d1 - d2 - d3])
    close(run_fixed("adadelta", G, lr=0.5), [1.0 - 0.5 * d1, 1.0 - 0.5 * (d1 + d2),
                                             1.0 - 0.5 * (d1 + d2 + d3)])


def _adam_by_hand(lr: float, grads: Sequence[float], b1: float, b2: float, eps: float,
                  amsgrad: bool = False, decay: float = 0.0) -> list[float]:
    """Adam written straight from the algorithm box (one scalar parameter, θ_0 = 1)."""
    theta, m, v, vmax, out = 1.0, 0.0, 0.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        theta = theta * (1 - lr * decay)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        m_hat = m / (1 - b1 ** t)
        v_hat = (vmax if amsgrad else v) / (1 - b2 ** t)
        theta = theta - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def test_adam_by_hand() -> None:
    eps = 1e-8
    t1 = 1.0 - 0.1 * 1.0 / (1.0 + eps)  # m̂_1 = g_1, v̂_1 = g_1²
    m2, v2 = 0.9 * 0.1 + 0.1 * -2.0, 0.999 * 0.001 + 0.001 * 4.0
    t2 = t1 - 0.1 * (m2 / (1 - 0.9 ** 2)) / (math.sqrt(v2 / (1 - 0.999 ** 2)) + eps)
    m3, v3 = 0.9 * m2 + 0.1 * 0.5, 0.999 * v2 + 0.001 * 0.25
    t3 = t2 - 0.1 * (m3 / (1 - 0.9 ** 3)) / (math.sqrt(v3 / (1 - 0.999 ** 3)) + eps)
    close(run_fixed("adam", G, lr=0.1), [t1, t2, t3])
    close(run_fixed("adam", G, lr=0.1), _adam_by_hand(0.1, G, 0.9, 0.999, eps))


def test_amsgrad_by_hand() -> None:
    # β₂ = 0.5 makes v fall after the first step, so the maximum v^max = v_1 = 2 is what counts.
    grads, eps = (2.0, 0.1, 0.1), 1e-8
    m1, m2, m3 = 0.2, 0.9 * 0.2 + 0.01, 0.9 * 0.19 + 0.01
    vmax = 0.5 * 4.0
    t1 = 1.0 - 0.1 * (m1 / 0.1) / (math.sqrt(vmax / 0.5) + eps)
    t2 = t1 - 0.1 * (m2 / (1 - 0.81)) / (math.sqrt(vmax / 0.75) + eps)
    t3 = t2 - 0.1 * (m3 / (1 - 0.729)) / (math.sqrt(vmax / 0.875) + eps)
    close(run_fixed("amsgrad", grads, lr=0.1, beta2=0.5), [t1, t2, t3])
    close(run_fixed("adam", grads, lr=0.1, beta2=0.5, amsgrad=True), [t1, t2, t3])
    plain = _adam_by_hand(0.1, grads, 0.9, 0.5, eps)
    assert abs(plain[2] - t3) > 1e-3  # amsgrad really changes the path here
    close(run_fixed("adam", grads, lr=0.1, beta2=0.5), plain)


def test_adamw_by_hand() -> None:
    eps = 1e-8
    t1 = 1.0 * (1 - 0.1 * 0.5) - 0.1 * 1.0 / (1.0 + eps)
    m2, v2 = -0.11, 0.004999
    t2 = t1 * 0.95 - 0.1 * (m2 / 0.19) / (math.sqrt(v2 / (1 - 0.999 ** 2)) + eps)
    m3, v3 = 0.9 * m2 + 0.05, 0.999 * v2 + 0.001 * 0.25
    t3 = t2 * 0.95 - 0.1 * (m3 / 0.271) / (math.sqrt(v3 / (1 - 0.999 ** 3)) + eps)
    close(run_fixed("adamw", G, lr=0.1, weight_decay=0.5), [t1, t2, t3])
    close(run_fixed("adamw", G, lr=0.1, weight_decay=0.5),
          _adam_by_hand(0.1, G, 0.9, 0.999, eps, decay=0.5))


def test_nadam_by_hand() -> None:
    lr, b1, b2, eps, psi = 0.1, 0.9, 0.999, 1e-8, 4e-3
    mu = [b1 * (1 - 0.5 * 0.96 ** (t * psi)) for t in range(1, 5)]  # μ_1 … μ_4
    prod = [mu[0], mu[0] * mu[1], mu[0] * mu[1] * mu[2], mu[0] * mu[1] * mu[2] * mu[3]]
    theta, m, v, expected = 1.0, 0.0, 0.0, []
    for t, g in enumerate(G, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = math.sqrt(v / (1 - b2 ** t)) + eps
        m_hat = mu[t] * m / (1 - prod[t]) + (1 - mu[t - 1]) * g / (1 - prod[t - 1])
        theta = theta - lr * m_hat / denom
        expected.append(theta)
    close(run_fixed("nadam", G, lr=lr), expected)
    # the first step written out in full
    t1 = 1.0 - lr * (mu[1] * 0.1 / (1 - mu[0] * mu[1]) + (1 - mu[0]) * 1.0 / (1 - mu[0])) / (
        math.sqrt(0.001 / 0.001) + eps)
    close(run_fixed("nadam", G[:1], lr=lr), [t1])


def test_radam_by_hand() -> None:
    # ρ_1 = 1, ρ_2 = (1 + 3β₂)/(1 + β₂) < 2, ρ_3 < 3: the first steps are plain momentum.
    t1 = 1.0 - 0.1 * (0.1 / 0.1)
    t2 = t1 - 0.1 * ((0.9 * 0.1 - 0.2) / (1 - 0.81))
    t3 = t2 - 0.1 * ((0.9 * -0.11 + 0.05) / (1 - 0.729))
    close(run_fixed("radam", G, lr=0.1), [t1, t2, t3])
    # constant gradient 1 over 8 steps: m̂_t = 1 and v_t = 1 − β₂^t; rectified from t = 6 on.
    b2, eps, lr = 0.999, 1e-8, 0.1
    rho_inf = 2 / (1 - b2) - 1
    theta, expected, rectified = 1.0, [], []
    for t in range(1, 9):
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                          / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            l_t = math.sqrt(1 - b2 ** t) / (math.sqrt(1 - b2 ** t) + eps)
            theta -= lr * 1.0 * r * l_t
        else:
            theta -= lr * 1.0
        expected.append(theta)
        rectified.append(rho_t > 5)
    assert rectified == [False] * 5 + [True] * 3
    close(run_fixed("radam", [1.0] * 8, lr=lr), expected)


def test_adamax_by_hand() -> None:
    eps = 1e-8
    u1 = max(0.0, 1.0 + eps)
    u2 = max(0.999 * u1, 2.0 + eps)
    u3 = max(0.999 * u2, 0.5 + eps)  # = 0.999 u2: the maximum remembers the large gradient
    t1 = 1.0 - 0.1 / (1 - 0.9) * 0.1 / u1
    t2 = t1 - 0.1 / (1 - 0.81) * -0.11 / u2
    t3 = t2 - 0.1 / (1 - 0.729) * -0.049 / u3
    close(run_fixed("adamax", G, lr=0.1), [t1, t2, t3])


# --------------------------------------------------------------------------------------------
# scale: θ_t − θ_{t-1} = −γ · scale · (direction) for the last update


def _direction(name: str, opt: Optimizer, state: Any, grad: np.ndarray, hp: Mapping[str, Any]):
    t = state.step
    if name in ("adagrad", "rmsprop", "adadelta"):
        return grad
    return state.exp_avg / (1 - hp["beta1"] ** t)  # m̂_t (adam family, radam, adamax)


@pytest.mark.parametrize("name,given", [
    ("adagrad", dict(lr=0.1, lr_decay=0.3)),
    ("rmsprop", dict(centered=True)),
    ("adadelta", {}),
    ("adam", dict(lr=0.05)),
    ("amsgrad", dict(lr=0.05, beta2=0.5)),
    ("adamw", dict(lr=0.05, weight_decay=0.0)),
    ("radam", dict(lr=1e-3)),
    ("radam", dict(lr=1e-3, beta2=0.9)),
    ("adamax", dict(lr=0.05)),
])
def test_scale_is_the_factor_of_the_last_update(name: str, given: dict[str, Any]) -> None:
    opt = get_optimizer(name)
    hp = opt.resolve(given)
    theta = np.array([[-1.5, 2.0], [0.3, -0.7]])
    state = opt.init(theta, hp)
    for _ in range(8):
        grad = rosenbrock_grad(theta)
        new_theta, state = opt.update(grad, state, theta, hp)
        expected = -hp["lr"] * opt.scale(state, hp) * _direction(name, opt, state, grad, hp)
        np.testing.assert_allclose(new_theta - theta, expected, rtol=1e-9, atol=1e-15)
        theta = new_theta


def test_nadam_scale() -> None:
    opt = get_optimizer("nadam")
    hp = opt.resolve(dict(lr=0.05))
    b1, psi = hp["beta1"], hp["momentum_decay"]
    theta = np.array([[-1.5, 2.0]])
    state = opt.init(theta, hp)
    for t in range(1, 6):
        grad = rosenbrock_grad(theta)
        new_theta, state = opt.update(grad, state, theta, hp)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod = state.mu_product
        direction = (1 - mu) / (1 - prod) * grad + mu_next / (1 - prod * mu_next) * state.exp_avg
        np.testing.assert_allclose(new_theta - theta, -hp["lr"] * opt.scale(state, hp) * direction,
                                   rtol=1e-9)
        theta = new_theta


# --------------------------------------------------------------------------------------------
# batching: per-run (runs, 1) hyperparameters reproduce each run alone, bit for bit

PER_RUN: dict[str, tuple[float, float, float]] = {
    "weight_decay": (0.0, 0.01, 0.1),
    "dampening": (0.0, 0.1, 0.5),
    "beta1": (0.9, 0.5, 0.0),
    "beta2": (0.999, 0.9, 0.99),
    "alpha": (0.99, 0.9, 0.5),
    "rho": (0.9, 0.5, 0.99),
    "lr_decay": (0.0, 0.1, 0.5),
    "initial_accumulator_value": (0.0, 0.1, 1.0),
    "momentum_decay": (4e-3, 0.1, 0.0),
}
STARTS = np.array([[-1.5, 2.0], [0.5, -0.5], [1.2, 1.0]])


def _per_run_values(opt: Optimizer, name: str, default: float) -> tuple[float, float, float]:
    if name == "lr":
        return (default, 2 * default, default / 2)
    if name == "eps":
        return (default, 1e-3, 0.1)
    if name == "momentum":
        # rmsprop mixes runs with and without momentum; SGD's momentum is kept non-zero
        # because sgd.py (like torch) ignores dampening only when momentum is exactly 0.
        return (0.0, 0.9, 0.5) if opt.name == "rmsprop" else (0.9, 0.3, 0.6)
    return PER_RUN[name]


@pytest.mark.parametrize("mode", ["per-run", "per-run-flipped-bools", "only-lr-per-run"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_batch_equals_single_runs(name: str, mode: str) -> None:
    """Every numeric hyperparameter as a (runs, 1) array: different values per run, or (last
    mode) the same value in every row but lr; booleans as defaults or all flipped."""
    opt = get_optimizer(name)
    base = opt.defaults()
    columns: dict[str, tuple[float, float, float]] = {}
    shared: dict[str, Any] = {}
    for spec in opt.specs:
        if spec.kind == "bool":
            flip = mode == "per-run-flipped-bools"
            shared[spec.name] = (not spec.default) if flip else spec.default
        else:
            values = _per_run_values(opt, spec.name, spec.default)
            if mode == "only-lr-per-run" and spec.name != "lr":
                values = (values[1],) * 3
            columns[spec.name] = values
    batched_hp = {**base, **shared, **{k: np.array(v).reshape(3, 1) for k, v in columns.items()}}
    path, state = run_trajectory(opt, batched_hp, STARTS, steps=12)
    assert np.all(np.isfinite(path))
    for run in range(3):
        single_hp = {**base, **shared, **{k: v[run] for k, v in columns.items()}}
        single, single_state = run_trajectory(opt, single_hp, STARTS[run:run + 1], steps=12)
        np.testing.assert_array_equal(path[:, run:run + 1], single)
        for key, value in state_arrays(state).items():
            np.testing.assert_array_equal(value[run:run + 1], getattr(single_state, key), key)
        if opt.scale is not None:
            np.testing.assert_array_equal(opt.scale(state, batched_hp)[run:run + 1],
                                          opt.scale(single_state, single_hp))


# --------------------------------------------------------------------------------------------
# purity: inputs are never modified


def _freeze(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    return value


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_rules_are_pure(name: str) -> None:
    opt = get_optimizer(name)
    given = {s.name: True for s in opt.specs if s.kind == "bool"}
    hp: dict[str, Any] = dict(opt.resolve(given))
    hp["lr"] = np.array([[hp["lr"]], [2 * hp["lr"]]])
    if "weight_decay" in hp:
        hp["weight_decay"] = np.array([[0.0], [0.05]])
    if name == "rmsprop":
        hp["momentum"] = np.array([[0.0], [0.5]])
    hp = {k: _freeze(v) for k, v in hp.items()}
    hp_copy = copy.deepcopy(hp)
    theta = _freeze(np.array([[-1.5, 2.0], [0.5, -0.5]]))
    state = opt.init(theta, hp)
    for _ in range(3):
        grad = _freeze(rosenbrock_grad(theta))
        theta_copy, grad_copy = theta.copy(), grad.copy()
        for value in state_arrays(state).values():
            _freeze(value)  # any in-place write to the old state now raises
        old_state = copy.deepcopy(state)
        new_theta, new_state = opt.update(grad, state, theta, hp)
        np.testing.assert_array_equal(theta, theta_copy)
        np.testing.assert_array_equal(grad, grad_copy)
        assert state.step == old_state.step
        for key, value in state_arrays(old_state).items():
            np.testing.assert_array_equal(getattr(state, key), value)
        if opt.scale is not None:
            opt.scale(new_state, hp)
        assert new_theta is not theta
        theta, state = _freeze(new_theta), new_state
    for key, value in hp_copy.items():
        np.testing.assert_array_equal(hp[key], value)


# --------------------------------------------------------------------------------------------
# validation


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_negative_lr_rejected(name: str) -> None:
    with pytest.raises(ParamError, match=r"\(lr\) must be .*\(got -0\.1\)"):
        get_optimizer(name).resolve({"lr": -0.1})


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_negative_weight_decay_rejected(name: str) -> None:
    with pytest.raises(ParamError, match=r"\(weight_decay\) must be .*\(got -0\.01\)"):
        get_optimizer(name).resolve({"weight_decay": -0.01})


@pytest.mark.parametrize("name", ["adam", "amsgrad", "adamw", "nadam", "radam", "adamax"])
def test_beta_ranges(name: str) -> None:
    opt = get_optimizer(name)
    with pytest.raises(ParamError, match=r"\(beta1\) must be .*\(got 1\.0\)"):
        opt.resolve({"beta1": 1.0})
    with pytest.raises(ParamError, match=r"\(beta1\) must be .*\(got -0\.5\)"):
        opt.resolve({"beta1": -0.5})
    with pytest.raises(ParamError, match=r"\(beta2\) must be .*\(got -0\.1\)"):
        opt.resolve({"beta2": -0.1})
    with pytest.raises(ParamError, match=r"\(beta2\) must be .*\(got 1\)"):
        opt.resolve({"beta2": 1})
    assert opt.resolve({"beta1": 0.0, "beta2": 0.0})["beta1"] == 0.0  # torch allows 0


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n not in ("gd", "momentum", "nesterov")])
def test_negative_eps_rejected(name: str) -> None:
    with pytest.raises(ParamError, match=r"\(eps\) must be .*\(got -1e-08\)"):
        get_optimizer(name).resolve({"eps": -1e-8})
    assert get_optimizer(name).resolve({"eps": 0.0})["eps"] == 0.0


@pytest.mark.parametrize("name", ["momentum", "nesterov", "rmsprop"])
def test_negative_momentum_rejected(name: str) -> None:
    with pytest.raises(ParamError, match=r"\(momentum\) must be .*\(got -0\.1\)"):
        get_optimizer(name).resolve({"momentum": -0.1})


def test_nesterov_needs_momentum() -> None:
    with pytest.raises(ParamError, match="momentum"):
        get_optimizer("nesterov").resolve({"momentum": 0.0})


@pytest.mark.parametrize("name,key,value", [
    ("adagrad", "lr_decay", -1.0),
    ("adagrad", "initial_accumulator_value", -0.5),
    ("rmsprop", "alpha", -0.1),
    ("rmsprop", "alpha", 1.5),
    ("adadelta", "rho", 1.5),
    ("adadelta", "rho", -0.1),
    ("nadam", "momentum_decay", -0.004),
    ("momentum", "dampening", -0.5),
])
def test_other_ranges(name: str, key: str, value: float) -> None:
    with pytest.raises(ParamError, match=rf"\({key}\) must be .*\(got {value!r}\)"):
        get_optimizer(name).resolve({key: value})


def test_bad_kinds_and_unknown_names() -> None:
    with pytest.raises(ParamError, match="centered"):
        get_optimizer("rmsprop").resolve({"centered": 2})
    with pytest.raises(ParamError, match="amsgrad"):
        get_optimizer("adam").resolve({"amsgrad": "maybe"})
    with pytest.raises(ParamError, match="betas"):
        get_optimizer("adam").resolve({"betas": (0.9, 0.99)})
    with pytest.raises(ParamError, match="lr"):
        get_optimizer("adam").resolve({"lr": float("nan")})
    assert get_optimizer("rmsprop").resolve({"centered": "true"})["centered"] is True


# --------------------------------------------------------------------------------------------
# agreement with torch.optim (skipped when torch is not installed)

TORCH_CLASS = {
    "gd": "SGD", "momentum": "SGD", "nesterov": "SGD", "adagrad": "Adagrad",
    "rmsprop": "RMSprop", "adadelta": "Adadelta", "adam": "Adam", "amsgrad": "Adam",
    "adamw": "AdamW", "nadam": "NAdam", "radam": "RAdam", "adamax": "Adamax",
}

TORCH_CASES: list[tuple[str, dict[str, Any]]] = [
    ("gd", {}),
    ("gd", dict(lr=5e-4, weight_decay=0.1)),
    ("momentum", {}),
    ("momentum", dict(momentum=0.5, dampening=0.3, weight_decay=0.05)),
    ("nesterov", {}),
    ("nesterov", dict(momentum=0.6, weight_decay=0.05)),
    ("adagrad", {}),
    ("adagrad", dict(lr=0.3, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.5,
                     eps=1e-6)),
    ("rmsprop", {}),
    ("rmsprop", dict(centered=True)),
    ("rmsprop", dict(momentum=0.9, lr=1e-3)),
    ("rmsprop", dict(centered=True, momentum=0.5, weight_decay=0.01, alpha=0.9, lr=3e-3)),
    ("adadelta", {}),
    ("adadelta", dict(lr=0.5, rho=0.95, eps=1e-4, weight_decay=0.01)),
    ("adam", {}),
    ("adam", dict(lr=0.05, weight_decay=0.01)),
    ("adam", dict(lr=0.05, amsgrad=True, beta1=0.8, beta2=0.99)),
    ("amsgrad", {}),
    ("amsgrad", dict(lr=0.05, beta2=0.9)),
    ("adamw", {}),
    ("adamw", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("nadam", {}),
    ("nadam", dict(lr=0.05, weight_decay=0.01, momentum_decay=0.01)),
    ("nadam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, beta2=0.99)),
    ("radam", {}),
    ("radam", dict(lr=3e-3, beta2=0.99, weight_decay=0.01)),
    ("radam", dict(lr=5e-3, weight_decay=0.1, decoupled_weight_decay=True, beta2=0.9)),
    ("adamax", {}),
    ("adamax", dict(lr=0.05, weight_decay=0.01, beta1=0.8)),
]
TORCH_STEPS = 50
TORCH_START = (-1.5, 2.0)


def torch_kwargs(name: str, hp: Mapping[str, Any]) -> dict[str, Any]:
    """Our resolved hyperparameters as the keyword arguments of the torch class."""
    kwargs = dict(hp)
    if "beta1" in kwargs:
        kwargs["betas"] = (kwargs.pop("beta1"), kwargs.pop("beta2"))
    if TORCH_CLASS[name] == "AdamW":
        assert kwargs.pop("decoupled_weight_decay") is True
    return kwargs


def torch_trajectory(torch: Any, name: str, hp: Mapping[str, Any]) -> np.ndarray:
    """Positions after each step of ``torch.optim`` on Rosenbrock with autograd, (steps, 2)."""
    p = torch.tensor(TORCH_START, dtype=torch.float64, requires_grad=True)
    optimizer = getattr(torch.optim, TORCH_CLASS[name])([p], **torch_kwargs(name, hp))
    path = []
    for _ in range(TORCH_STEPS):
        optimizer.zero_grad()
        x, y = p[0], p[1]
        loss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
        loss.backward()
        optimizer.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def our_trajectory(name: str, hp: Mapping[str, Any]) -> np.ndarray:
    path, _ = run_trajectory(get_optimizer(name), hp, np.array([TORCH_START]), TORCH_STEPS)
    return path[:, 0, :]


@pytest.fixture
def torch64() -> Any:
    """torch with float64 as default dtype, so its scalar state (step, NAdam's mu_product) is
    float64 too, as ours is."""
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


@pytest.mark.parametrize("name,given", TORCH_CASES,
                         ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in g.items()) or 'defaults'}"
                              for n, g in TORCH_CASES])
def test_matches_torch_on_rosenbrock(torch64: Any, name: str, given: dict[str, Any]) -> None:
    hp = get_optimizer(name).resolve(given)
    expected = torch_trajectory(torch64, name, hp)
    actual = our_trajectory(name, hp)
    assert np.all(np.isfinite(expected))
    assert np.abs(expected[-1] - expected[0]).max() > 1e-4  # the run really moves
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-12)


def test_every_optimizer_is_compared_with_torch() -> None:
    assert {name for name, _ in TORCH_CASES} == set(OPTIMIZERS)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_defaults_match_torch_signature(name: str) -> None:
    torch = pytest.importorskip("torch")
    cls = getattr(torch.optim, TORCH_CLASS[name])
    signature = inspect.signature(cls.__init__).parameters
    for key, value in torch_kwargs(name, get_optimizer(name).defaults()).items():
        if key in ("nesterov", "amsgrad", "momentum") and name in ("momentum", "nesterov",
                                                                    "amsgrad"):
            continue  # the variant pins or changes these on purpose
        assert signature[key].default == value, key
