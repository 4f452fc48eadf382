"""The optimizers added with issue 12: Rprop, ASGD, Adafactor, L-BFGS, Newton, Armijo line search.

First steps against hand-derived arithmetic; the closure/Hessian protocol and the run loop's
batched oracle (per-lane batches, masks, evaluation counts, trial points); Newton's one-step
minimum of a quadratic and its singular/indefinite cases; Armijo never increasing the loss; and,
when torch is installed, 200 steps against torch.optim on several surfaces — the closure given
to torch evaluates the same analytic loss and gradient, so only the optimizers' arithmetic is
compared — including L-BFGS with and without strong Wolfe, iterates and function-evaluation
counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from gdsim.core.config import RunConfig
from gdsim.core.optimizers import Oracle, full_batch_step, get_optimizer
from gdsim.core.optimizers.lbfgs import cubic_interpolate
from gdsim.core.run import Run, Status
from gdsim.core.surfaces import make_surface

RTOL = 1e-12
G = (1.0, -2.0, 0.5)


def fixed_steps(name: str, grads: Sequence[float], theta0: float = 1.0, **given: Any
                ) -> list[float]:
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


def close(actual: Sequence[float], expected: Sequence[float]) -> None:
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=0.0)


# --- hand-derived first steps -------------------------------------------------------------------


def test_rprop_by_hand() -> None:
    # Δ₀ = γ = 0.1; step 1: no previous gradient (sign 0, Δ stays); step 2: the sign flips, so
    # Δ ← 0.5Δ and no step; step 3: the stored gradient is 0 (sign 0): a step of Δ = 0.05.
    close(fixed_steps("rprop", G, lr=0.1), [0.9, 0.9, 0.85])
    # A constant sign grows Δ by η₊ = 1.2 each step, up to step_size_max.
    close(fixed_steps("rprop", [1.0] * 3, lr=0.1), [0.9, 0.9 - 0.12, 0.9 - 0.12 - 0.144])
    close(fixed_steps("rprop", [1.0] * 3, lr=0.1, step_size_max=0.11), [0.9, 0.79, 0.68])
    close(fixed_steps("rprop", [-1.0] * 2, lr=0.1, etaplus=2.0), [1.1, 1.3])


def test_asgd_by_hand() -> None:
    lr, lambd, alpha = 0.1, 0.01, 0.75
    theta, eta, expected = 1.0, lr, []
    for t, g in enumerate(G, start=1):
        theta = theta * (1 - lambd * eta) - eta * g
        eta = lr / (1 + lambd * lr * t) ** alpha
        expected.append(theta)
    close(fixed_steps("asgd", G, lr=lr, lambd=lambd), expected)
    # The average θ̄ follows θ while μ = 1, then averages: with t₀ = 1, μ_2 = 1/(2 − 1) = 1 and
    # μ_3... the state after three steps holds θ̄_3 = θ̄_2 + μ_2(θ_3 − θ̄_2) with μ_2 = 1.
    opt = get_optimizer("asgd")
    hp = opt.resolve({"lr": lr, "t0": 1.0})
    th = np.array([[1.0]])
    state = opt.init(th, hp)
    path = []
    for g in (1.0, 1.0, 1.0, 1.0):
        th, state = opt.update(np.array([[g]]), state, th, hp)
        path.append(float(th[0, 0]))
    # μ after steps 1..3: 1/max(1, t − 1) = 1, 1, 1/2; θ̄_4 = θ̄_3 + ½(θ_4 − θ̄_3), θ̄_3 = θ_3.
    np.testing.assert_allclose(state.ax[0, 0], path[2] + 0.5 * (path[3] - path[2]), rtol=RTOL)


def test_adafactor_by_hand() -> None:
    lr, eps2 = 0.01, 1e-3
    theta, v, expected = 1.0, 0.0, []
    for t, g in enumerate(G, start=1):
        weight = t ** -0.8
        alpha = max(eps2, abs(theta)) * min(lr, 1 / math.sqrt(t))  # RMS of one entry = |θ|
        v = v + weight * (g * g - v) if weight < 0.5 else g * g - (g * g - v) * (1 - weight)
        u = g / math.sqrt(v)
        theta = theta - alpha * u / max(1.0, abs(u))
        expected.append(theta)
    close(fixed_steps("adafactor", G), expected)
    # Two entries: the step is relative to RMS(θ) and the update is clipped to RMS ≤ d.
    opt = get_optimizer("adafactor")
    hp = opt.resolve({"lr": 0.1})
    theta0 = np.array([[3.0, 4.0]])
    new, _ = opt.update(np.array([[2.0, -0.5]]), opt.init(theta0, hp), theta0, hp)
    rms = math.sqrt((9 + 16) / 2)
    np.testing.assert_allclose(new, theta0 - rms * 0.1 * np.array([[1.0, -1.0]]), rtol=RTOL)


def test_lbfgs_by_hand_on_the_parabola() -> None:
    """J = w² from w = 4, lr = 1, no line search: t = min(1, 1/|g|₁) = 1/8 gives w = 3; then
    y = 6 − 8, s = −1, H₀ = yᵀs/yᵀy = ½ and the two-loop recursion gives d = −3: w = 0. Three
    evaluations (w = 4, 3, 0); at w = 0 the gradient vanishes and the step ends."""
    surface = make_surface("parabola")
    opt = get_optimizer("lbfgs")
    hp = opt.defaults()
    theta = np.array([[4.0]])
    state = opt.init(theta, hp)
    theta, state = full_batch_step(opt, surface, theta, state, hp)
    assert theta[0, 0] == 0.0
    assert state.func_evals[0] == 3 and state.n_iter[0] == 2
    np.testing.assert_array_equal(state.d, [[-3.0]])
    assert state.H_diag[0] == 0.5 and state.history[0] == 1


def test_cubic_interpolation_by_hand() -> None:
    # f = (x − 1)²: from (0, 1, −2) and (3, 4, 4) the cubic is the parabola, minimum at 1.
    assert cubic_interpolate(0.0, 1.0, -2.0, 3.0, 4.0, 4.0) == pytest.approx(1.0, rel=1e-15)
    assert cubic_interpolate(3.0, 4.0, 4.0, 0.0, 1.0, -2.0) == pytest.approx(1.0, rel=1e-15)
    assert cubic_interpolate(0.0, 1.0, -2.0, 3.0, 4.0, 4.0, bounds=(2.0, 5.0)) == 2.0


def test_cubic_interpolation_on_an_exactly_straight_line() -> None:
    """Equal slopes on a straight line make torch's denominator exactly 0 (seen on a saturated
    logistic loss, where it raised ZeroDivisionError): a falling line extrapolates to the
    bound as torch's IEEE division does, a flat one takes the midpoint."""
    # f = 1 − 2x through x = 0 and x = 2: the minimizer runs off to +∞, clamped.
    assert cubic_interpolate(0.0, 1.0, -2.0, 2.0, -3.0, -2.0, bounds=(2.02, 20.0)) == 20.0
    assert cubic_interpolate(2.0, -3.0, -2.0, 0.0, 1.0, -2.0, bounds=(2.02, 20.0)) == 20.0
    assert cubic_interpolate(0.0, 1.0, 0.0, 2.0, 1.0, 0.0) == 1.0  # flat: 0/0


def test_newton_reaches_a_quadratics_minimum_in_one_undamped_step() -> None:
    for name, start in [("bowl", (3.0, 4.0)), ("booth", (-7.0, -2.0)),
                        ("ellipse", (-4.5, 2.0)), ("parabola", (4.0,))]:
        surface = make_surface(name)
        opt = get_optimizer("newton")
        hp = opt.defaults()
        theta = np.array([start])
        theta, _ = full_batch_step(opt, surface, theta, opt.init(theta, hp), hp)
        (minimum,) = surface.minima()
        np.testing.assert_allclose(theta[0], minimum.theta, atol=1e-14)
    # Linear regression: the least-squares line in one step, through the run loop.
    run = Run(RunConfig(surface="linear-regression", optimizer="newton", max_steps=5))
    run.step()
    (minimum,) = run.surface.minima()
    np.testing.assert_allclose(run.theta[0], minimum.theta, rtol=1e-12, atol=1e-12)


def test_newton_damping_by_hand() -> None:
    surface = make_surface("bowl")  # H = 2I: (H + λI)⁻¹∇L = 2θ/(2 + λ)
    opt = get_optimizer("newton")
    hp = opt.resolve({"damping": 2.0, "lr": 0.5})
    theta = np.array([[3.0, 4.0]])
    new, state = full_batch_step(opt, surface, theta, opt.init(theta, hp), hp)
    np.testing.assert_allclose(new, theta - 0.5 * 2 * theta / 4, rtol=RTOL)
    np.testing.assert_allclose(state.curvature_min, [4.0])


def test_newton_indefinite_goes_to_the_saddle_and_singular_stops() -> None:
    run = Run(RunConfig(surface="saddle", optimizer="newton", max_steps=10))
    run.step()
    np.testing.assert_array_equal(run.theta[0], [0.0, 0.0])  # the model's stationary point
    state = run._group_of(0)[0].state
    assert state.curvature_min[0] == -2.0 and not state.singular[0]
    # damping 2 makes H + λI = diag(4, 0) singular: no step, a clear status.
    stuck = Run(RunConfig(surface="saddle", optimizer="newton",
                          optimizer_params={"damping": 2.0}, max_steps=10))
    stuck.step()
    assert stuck.status() is Status.SINGULAR and stuck.status().value == "singular Hessian"
    np.testing.assert_array_equal(stuck.theta[0], stuck.start[0])
    assert not stuck.running and stuck.status_counts()[Status.SINGULAR] == 1


def test_armijo_by_hand_on_the_bowl() -> None:
    """From (3, 4) with α₀ = 1: θ − g = (−3, −4) has the same loss 25 > 25 − c·1·100; α = ½
    lands on the minimum. Two trials."""
    run = Run(RunConfig(surface="bowl", optimizer="gd-linesearch", max_steps=3))
    run.step()
    np.testing.assert_array_equal(run.theta[0], [0.0, 0.0])
    np.testing.assert_array_equal(run.inner_points(0, 0), [[-3.0, -4.0], [0.0, 0.0]])
    assert run.evaluations(0) == 3  # θ_0 and two trials
    state = run._group_of(0)[0].state
    assert state.accepted[0, 0] == 0.5 and state.trials[0] == 2


@pytest.mark.parametrize("name", ["rosenbrock", "himmelblau", "goldstein-price", "rastrigin",
                                  "ackley", "beale", "tiny-network", "logistic-regression"])
def test_armijo_never_increases_the_loss(name: str) -> None:
    surface = make_surface(name)
    rng = np.random.default_rng(5)
    low, high = np.array(surface.view).T
    starts = rng.uniform(low, high, (16, surface.dim))
    run = Run.sweep(RunConfig(surface=name, optimizer="gd-linesearch", max_steps=100,
                              grad_tol=0.0), starts=starts, record=True)
    run.advance(100)
    losses = run.trajectory.loss[: run.steps + 1]
    assert np.all(np.diff(losses, axis=0) <= 0.0)
    assert np.all(losses[-1] < losses[0])


def test_armijo_on_minibatches_never_increases_the_batch_loss() -> None:
    config = RunConfig(surface="linear-regression", optimizer="gd-linesearch", batch_size=5,
                       max_steps=40, seed=2)
    run = Run(config)
    for t in range(40):
        theta = run.theta.copy()
        idx = run.batch_indices(t)
        before = run.surface.batch_loss_and_grad(theta, idx)[0]
        run.step()
        after = run.surface.batch_loss_and_grad(run.theta, idx)[0]
        assert after[0] <= before[0]


# --- the oracle and the run loop ----------------------------------------------------------------


def test_oracle_counts_and_masks() -> None:
    surface = make_surface("bowl")
    theta = np.array([[1.0, 0.0], [0.0, 2.0]])
    oracle = Oracle(surface.loss(theta), surface.loss_and_grad, surface.hessian)
    oracle.loss_and_grad(theta * 0.5, np.array([True, False]))
    oracle.loss_and_grad(theta * 0.25)
    np.testing.assert_array_equal(oracle.evals, [3, 2])
    np.testing.assert_array_equal(oracle.lane_trials(1), [[0.0, 0.5]])
    assert oracle.hessian(theta).shape == (2, 2, 2) and oracle.hessian_evals == 1
    with pytest.raises(ValueError, match="Hessian"):
        Oracle(np.zeros(1), surface.loss_and_grad).hessian(theta[:1])


@pytest.mark.parametrize("name,params", [
    ("lbfgs", {}), ("lbfgs", {"line_search_fn": "strong_wolfe", "history_size": 3}),
    ("gd-linesearch", {}), ("newton", {"damping": 0.5}),
])
def test_batched_lanes_equal_single_runs(name: str, params: dict[str, Any]) -> None:
    """Lanes on different batches and starts, taking different numbers of inner evaluations,
    give what each lane gives alone (to rounding: the surface's batched sums may differ in the
    last bit) with the same evaluation counts."""
    configs = [RunConfig(surface="logistic-regression", optimizer=name, optimizer_params=params,
                         batch_size=b, start=s, max_steps=15, seed=4)
               for b, s in [(None, (-1.5, 2.5)), (7, (0.5, -3.0)), (None, (4.0, 1.0))]]
    together = Run(configs)
    together.advance(15)
    counts = []
    for lane, config in enumerate(configs):
        alone = Run(config)
        alone.advance(15)
        np.testing.assert_allclose(together.theta[lane], alone.theta[0], rtol=1e-10,
                                   atol=1e-13)
        assert together.evaluations(lane) == alone.evaluations(0)
        for t in range(3):
            np.testing.assert_allclose(together.inner_points(lane, t),
                                       alone.inner_points(0, t), rtol=1e-10, atol=1e-13)
        counts.append(alone.evaluations(0))
    if name == "lbfgs":
        assert len(set(counts)) > 1  # the lanes really took different numbers of evaluations


def test_lbfgs_inner_points_form_the_polyline() -> None:
    run = Run(RunConfig(surface="rosenbrock", optimizer="lbfgs",
                        optimizer_params={"line_search_fn": "strong_wolfe"}, max_steps=3))
    run.step()
    points = run.inner_points(0, 0)
    state = run._group_of(0)[0].state
    assert len(points) == state.func_evals[0] - 1 == run.evaluations(0) - 1
    np.testing.assert_array_equal(points[-1], run.theta[0])  # the step ends at the last accepted
    sweep = Run.sweep(RunConfig(surface="rosenbrock", optimizer="lbfgs"),
                      lr=np.array([1.0, 0.5]))
    sweep.step()
    assert sweep.inner_points(0, 0).size == 0 and sweep.evaluations(0) > 1  # counts only


def test_optimizers_need_an_oracle() -> None:
    from gdsim.core.optimizers import apply_update
    opt = get_optimizer("newton")
    theta = np.zeros((1, 2))
    with pytest.raises(ValueError, match="hessian"):
        apply_update(opt, theta, opt.init(theta, {}), theta, opt.defaults())


# --- torch.optim, 200 steps ---------------------------------------------------------------------

TORCH_STEPS = 200
SURFACES = [("rosenbrock", (-1.5, 2.0)), ("himmelblau", (0.5, -4.5)), ("beale", (1.0, 1.5)),
            ("logistic-regression", (-1.5, 2.5))]
CASES: list[tuple[str, dict[str, Any]]] = [
    ("rprop", {}), ("rprop", {"lr": 0.05, "etaminus": 0.3, "etaplus": 1.5,
                              "step_size_min": 1e-4, "step_size_max": 0.5}),
    ("asgd", {"lr": 1e-3}), ("asgd", {"lr": 2e-3, "lambd": 0.05, "alpha": 0.6, "t0": 50.0,
                                      "weight_decay": 0.01}),
    ("adafactor", {}), ("adafactor", {"lr": 0.05, "beta2_decay": -0.5, "eps2": 1e-2, "d": 2.0,
                                      "weight_decay": 0.01}),
    ("lbfgs", {}), ("lbfgs", {"lr": 0.5, "history_size": 5, "max_iter": 7}),
    ("lbfgs", {"line_search_fn": "strong_wolfe"}),
    ("lbfgs", {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 4,
               "tolerance_grad": 1e-9}),
]


def torch_kwargs(name: str, hp: dict[str, Any]) -> dict[str, Any]:
    kw = dict(hp)
    if name == "rprop":
        kw["etas"] = (kw.pop("etaminus"), kw.pop("etaplus"))
        kw["step_sizes"] = (kw.pop("step_size_min"), kw.pop("step_size_max"))
    if name == "adafactor":
        kw["eps"] = (kw.pop("eps1"), kw.pop("eps2"))
    if name == "lbfgs" and kw["line_search_fn"] == "none":
        kw["line_search_fn"] = None
    return kw


TORCH_CLASS = {"rprop": "Rprop", "asgd": "ASGD", "adafactor": "Adafactor", "lbfgs": "LBFGS"}


@pytest.fixture
def torch64() -> Any:
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


def torch_run(torch: Any, name: str, hp: dict[str, Any], surface: Any, start: Sequence[float]
              ) -> tuple[np.ndarray, list[int]]:
    """torch's iterates after each of 200 steps, with a closure evaluating our surface, and
    (for L-BFGS) its cumulative ``func_evals``."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = getattr(torch.optim, TORCH_CLASS[name])([p], **torch_kwargs(name, hp))

    def closure() -> Any:
        loss, grad = surface.loss_and_grad(p.detach().numpy()[None])
        p.grad = torch.from_numpy(grad[0].copy())
        return torch.tensor(float(loss[0]))

    path, evals = [], []
    for _ in range(TORCH_STEPS):
        if name == "lbfgs":
            optimizer.step(closure)
            evals.append(int(optimizer.state[p]["func_evals"]))
        else:
            closure()
            optimizer.step()
        path.append(p.detach().numpy().copy())
    return np.array(path), evals


@pytest.mark.parametrize("surface_name,start", SURFACES, ids=[s for s, _ in SURFACES])
@pytest.mark.parametrize("name,given", CASES,
                         ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in g.items()) or 'defaults'}"
                              for n, g in CASES])
def test_matches_torch_for_200_steps(torch64: Any, name: str, given: dict[str, Any],
                                     surface_name: str, start: tuple[float, float]) -> None:
    surface = make_surface(surface_name)
    opt = get_optimizer(name)
    hp = opt.resolve(given)
    expected, torch_evals = torch_run(torch64, name, hp, surface, start)
    params = {k: v for k, v in given.items() if k != "lr"}
    run = Run(RunConfig(surface=surface_name, optimizer=name, optimizer_params=params,
                        lr=hp["lr"], start=start, max_steps=TORCH_STEPS, grad_tol=0.0))
    run.advance(TORCH_STEPS)
    actual = run.trajectory.theta[1: run.steps + 1, 0]
    assert np.all(np.isfinite(expected))
    assert np.abs(expected[-1] - np.array(start)).max() > 1e-4  # the run really moves
    if run.steps < TORCH_STEPS:  # our run stopped (converged exactly): torch stays put too
        assert run.status() is Status.CONVERGED
        np.testing.assert_allclose(expected[run.steps:], expected[run.steps - 1:-1],
                                   rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(actual, expected[: run.steps], rtol=1e-10, atol=1e-12)
    if name == "lbfgs":
        state = run._group_of(0)[0].state
        assert state.func_evals[0] == torch_evals[run.steps - 1]
        assert run.evaluations(0) == torch_evals[run.steps - 1]


@pytest.mark.parametrize("name", sorted(TORCH_CLASS))
def test_defaults_match_torch_signature(name: str) -> None:
    torch = pytest.importorskip("torch")
    import inspect
    signature = inspect.signature(getattr(torch.optim, TORCH_CLASS[name]).__init__).parameters
    kwargs = torch_kwargs(name, get_optimizer(name).defaults())
    for key, value in kwargs.items():
        default = signature[key].default
        if name == "adafactor" and key == "eps":
            assert default == (None, value[1]) and value[0] == np.finfo(float).eps
        else:
            assert default == value, key
    if name == "lbfgs":  # max_eval is torch's default max_iter·5//4
        assert signature["max_eval"].default is None


def test_fma_is_exact() -> None:
    """The emulated fused multiply-add against exact rational arithmetic, with cancellation."""
    from fractions import Fraction

    from gdsim.core.optimizers._common import fma
    rng = np.random.default_rng(3)
    n = 20_000
    a = rng.normal(size=n) * 2.0 ** rng.integers(-60, 60, n)
    b = rng.normal(size=n) * 2.0 ** rng.integers(-60, 60, n)
    c = rng.normal(size=n) * 2.0 ** rng.integers(-120, 120, n)
    c[: n // 2] = -(a[: n // 2] * b[: n // 2]) * (1 + rng.normal(size=n // 2) * 1e-12)
    out = fma(a, b, c)
    exact = [float(Fraction(x) * Fraction(y) + Fraction(z)) for x, y, z in zip(a, b, c,
                                                                                strict=True)]
    np.testing.assert_array_equal(out, exact)
    assert np.isnan(fma(np.inf, 0.0, 1.0)) and fma(1e300, 1e300, 0.0) == np.inf
