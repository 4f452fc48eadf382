"""Tests for the closed-form surfaces (gdsim.core.surfaces.analytic and .one_d).

Every surface in the two registries is checked: its analytic gradient against central finite
differences, its listed critical points against the gradient, the Hessian and (for the
well-known test functions) the literature's values typed in here independently of the code,
its vectorization over any leading shape, the synthetic mini-batch examples, and its default
learning rates (plain gradient descent, and every registered optimizer, from the default start).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdsim.core.optimizers import OPTIMIZERS, full_batch_step
from gdsim.core.params import ParamError
from gdsim.core.surfaces import SURFACES, make_surface
from gdsim.core.surfaces.analytic import ANALYTIC_SURFACES, Bowl, Ellipse, TwoWells
from gdsim.core.surfaces.base import AnalyticSurface
from gdsim.core.surfaces.one_d import ONE_D_SURFACES, DoubleWell, Parabola

ALL = (*ANALYTIC_SURFACES, *ONE_D_SURFACES)
OPTIMIZER_NAMES = tuple(OPTIMIZERS)
N_POINTS = 64  # random points per gradient check (at least 50)

surfaces = pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.name)

# The literature's global minima (SFU Virtual Library of Simulation Experiments; Wikipedia's
# "Test functions for optimization"), typed in independently of the code, with the precision
# the literature gives.
LITERATURE_MINIMA: dict[str, tuple[float, list[tuple[float, ...]], float]] = {
    # name: (loss, minimizers, tolerance of the published digits)
    "bowl": (0.0, [(0.0, 0.0)], 1e-12),
    "parabola": (0.0, [(0.0,)], 1e-12),
    "rosenbrock": (0.0, [(1.0, 1.0)], 1e-12),
    "himmelblau": (0.0, [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                         (3.584428, -1.848126)], 1e-6),
    "beale": (0.0, [(3.0, 0.5)], 1e-12),
    "booth": (0.0, [(1.0, 3.0)], 1e-12),
    "rastrigin": (0.0, [(0.0, 0.0)], 1e-12),
    "ackley": (0.0, [(0.0, 0.0)], 1e-12),
    "goldstein-price": (3.0, [(0.0, -1.0)], 1e-12),
    "styblinski-tang": (-78.33233, [(-2.903534, -2.903534)], 1e-5),
    "six-hump-camel": (-1.031628, [(0.089842, -0.712656), (-0.089842, 0.712656)], 1e-6),
}
# Further published critical points: Goldstein–Price's local minima and six-hump camel's.
LITERATURE_LOCAL_MINIMA: dict[str, list[tuple[tuple[float, ...], float, float]]] = {
    "goldstein-price": [((-0.6, -0.4), 30.0, 1e-9), ((1.8, 0.2), 84.0, 1e-9),
                        ((1.2, 0.8), 840.0, 1e-9)],
    "six-hump-camel": [((1.70361, -0.796084), -0.215464, 1e-5),
                       ((-1.70361, 0.796084), -0.215464, 1e-5)],
}
SADDLE_ONLY = {"saddle", "monkey-saddle"}


# --- helpers -----------------------------------------------------------------------------------


def view_points(surface: AnalyticSurface, rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` points drawn uniformly from the surface's view box: ``(count, dim)``."""
    low, high = np.array(surface.view, dtype=float).T
    return rng.uniform(low, high, (count, surface.dim))


def central_difference(surface: AnalyticSurface, theta: np.ndarray) -> np.ndarray:
    """∇L by central differences with a step relative to |θ|: ``(M, dim)`` → ``(M, dim)``."""
    columns = []
    for k in range(theta.shape[1]):
        h = 1e-6 * np.maximum(1.0, np.abs(theta[:, k]))
        offset = np.zeros_like(theta)
        offset[:, k] = h
        columns.append((surface.loss(theta + offset) - surface.loss(theta - offset)) / (2 * h))
    return np.stack(columns, axis=-1)


def assert_gradient_close(surface: AnalyticSurface, theta: np.ndarray) -> None:
    """Analytic vs numeric gradient: relative 1e-6, plus an absolute allowance for the
    finite difference's rounding error, which scales with the loss (ε·|L|/h ≈ 2e−10·|L|)."""
    loss, grad = surface.loss_and_grad(theta)
    numeric = central_difference(surface, theta)
    error = np.linalg.norm(grad - numeric, axis=-1)
    allowed = 1e-6 * np.linalg.norm(numeric, axis=-1) + 1e-8 * np.maximum(1.0, np.abs(loss))
    worst = int(np.argmax(error - allowed))
    assert np.all(error <= allowed), (
        f"{surface.name}: at θ = {theta[worst]} analytic {grad[worst]} vs numeric "
        f"{numeric[worst]}")


def hessian(surface: AnalyticSurface, theta: np.ndarray) -> np.ndarray:
    """The Hessian at ``theta`` ``(dim,)`` by central differences of the analytic gradient."""
    h = 1e-5 * max(1.0, float(np.abs(theta).max()))
    offsets = h * np.eye(surface.dim)
    grads = surface.grad(np.concatenate([theta + offsets, theta - offsets]))
    hess = (grads[: surface.dim] - grads[surface.dim:]) / (2 * h)
    return 0.5 * (hess + hess.T)


def gradient_descent(surface: AnalyticSurface, lr: float, steps: int) -> np.ndarray:
    """Plain full-batch gradient descent θ ← θ − η∇L from the default start; all iterates."""
    theta = np.array(surface.default_start, dtype=float)
    path = [theta]
    for _ in range(steps):
        theta = theta - lr * surface.grad(theta)
        path.append(theta)
    return np.array(path)


def nearest(points: list[tuple[float, ...]], theta: np.ndarray) -> float:
    return min(float(np.linalg.norm(np.array(p) - theta)) for p in points)


# --- description ------------------------------------------------------------------------------


def test_registries_hold_the_briefed_surfaces() -> None:
    names = {cls.name for cls in ALL}
    assert names == {"bowl", "ellipse", "rosenbrock", "himmelblau", "beale", "booth",
                     "rastrigin", "ackley", "six-hump-camel", "styblinski-tang",
                     "goldstein-price", "saddle", "monkey-saddle", "two-wells", "plateau",
                     "parabola", "double-well"}
    for cls in ALL:
        assert SURFACES[cls.name] is cls


@surfaces
def test_description_is_complete(cls: type[AnalyticSurface]) -> None:
    surface = cls()
    assert surface.title and surface.formula and surface.summary and cls.__doc__
    assert surface.param_names in (("x", "y"), ("w",))
    assert len(surface.param_names) == len(surface.view) == len(surface.default_start)
    for (low, high), start in zip(surface.view, surface.default_start, strict=True):
        assert low < start < high
    for name in OPTIMIZER_NAMES:  # each variant has a rate chosen for it or for its family
        assert (name in surface.lrs or OPTIMIZERS[name].family in surface.lrs
                or not OPTIMIZERS[name].surface_rates)  # or a scale-free rate (Newton's η = 1)
    assert all(surface.default_lr(name) > 0 for name in OPTIMIZER_NAMES)
    assert {"n_examples", "example_noise"} <= {spec.name for spec in surface.specs}
    for point in surface.critical_points():
        assert len(point.theta) == surface.dim
        assert point.kind in ("global minimum", "local minimum", "saddle", "local maximum")
        assert all(isinstance(v, float) for v in point.theta)


def test_shape_parameters_are_validated() -> None:
    with pytest.raises(ParamError, match="condition"):
        make_surface("ellipse", {"condition": 0.5})
    with pytest.raises(ParamError, match="width"):
        make_surface("plateau", {"width": 0})
    with pytest.raises(ParamError, match="known"):
        make_surface("rosenbrock", {"a": 1})
    assert make_surface("two-wells", {"a": 3, "b": 0.5}).params["a"] == 3


# --- gradients against finite differences ------------------------------------------------------


@surfaces
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_matches_finite_differences(cls: type[AnalyticSurface], seed: int) -> None:
    surface = cls()
    theta = view_points(surface, np.random.default_rng(seed), N_POINTS)
    assert_gradient_close(surface, theta)


@pytest.mark.parametrize("name, params", [
    ("ellipse", {"condition": 250.0}), ("two-wells", {"a": 0.5, "b": 3.0}),
    ("plateau", {"width": 0.3, "tilt": 0.01}), ("double-well", {"tilt": -1.2}),
    ("double-well", {"tilt": 2.5}),
])
def test_gradient_matches_finite_differences_with_parameters(name: str, params: dict) -> None:
    surface = make_surface(name, params)
    assert_gradient_close(surface, view_points(surface, np.random.default_rng(7), N_POINTS))


@settings(max_examples=60, deadline=None)
@given(cls=st.sampled_from(ALL), u=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2))
def test_gradient_matches_finite_differences_anywhere_in_view(
    cls: type[AnalyticSurface], u: list[float]
) -> None:
    surface = cls()
    low, high = np.array(surface.view, dtype=float).T
    theta = (low + np.array(u[: surface.dim]) * (high - low))[None, :]
    assert_gradient_close(surface, theta)


def test_ackley_gradient_at_the_origin_is_zero_not_nan() -> None:
    surface = make_surface("ackley")
    loss, grad = surface.loss_and_grad(np.zeros(2))
    assert loss == 0.0
    assert np.array_equal(grad, np.zeros(2))
    # Next to the origin the cone 20(1 − e^(−0.2r)), r = |x|/√2 on the x axis, has slope
    # 4·∂r/∂x = 2√2; the ripples add π·E·sin 2πx ≈ 0.
    _, near = surface.loss_and_grad(np.array([1e-9, 0.0]))
    assert near[0] == pytest.approx(2.0 * np.sqrt(2.0), rel=1e-6)
    assert near[1] == 0.0
    assert_gradient_close(surface, np.array([[1e-3, -2e-3], [0.3, 0.0]]))


# --- critical points ---------------------------------------------------------------------------


@surfaces
def test_listed_points_are_critical_with_their_loss_and_kind(cls: type[AnalyticSurface]) -> None:
    surface = cls()
    points = surface.critical_points()
    assert points
    for point in points:
        theta = np.array(point.theta)
        loss, grad = surface.loss_and_grad(theta)
        assert float(loss) == pytest.approx(point.loss, rel=1e-10, abs=1e-12)
        assert np.linalg.norm(grad) <= 1e-7 * max(1.0, abs(point.loss)), (point, grad)
        if cls.name == "ackley":
            continue  # the cone is not differentiable at its minimum
        eigenvalues = np.linalg.eigvalsh(hessian(surface, theta))
        scale = max(1.0, float(np.abs(eigenvalues).max()))
        if point.kind == "local maximum":
            assert eigenvalues.max() < -1e-6 * scale, (point, eigenvalues)
        elif point.kind == "saddle":
            # Indefinite; the monkey saddle's Hessian vanishes.
            assert eigenvalues.min() <= 1e-6 * scale
            assert eigenvalues.min() < 0 or np.abs(eigenvalues).max() < 1e-4
        else:
            assert eigenvalues.min() > 1e-6 * scale, (point, eigenvalues)


@surfaces
def test_global_minima_are_lowest(cls: type[AnalyticSurface]) -> None:
    surface = cls()
    points = surface.critical_points()
    globals_ = [p for p in points if p.kind == "global minimum"]
    if cls.name in SADDLE_ONLY:
        assert not globals_ and all(p.kind == "saddle" for p in points)
        return
    assert globals_
    lowest = min(p.loss for p in globals_)
    assert all(p.loss == pytest.approx(lowest, abs=1e-9) for p in globals_)
    assert all(p.loss >= lowest - 1e-12 for p in points)
    # Nothing on a fine grid of the view box (nor at random points) is lower.
    axes = [np.linspace(low, high, 401 if surface.dim == 2 else 20001)
            for low, high in surface.view]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    assert surface.loss(grid).min() >= lowest - 1e-9
    assert surface.loss(view_points(surface, np.random.default_rng(3), 20000)).min() >= (
        lowest - 1e-9)


@pytest.mark.parametrize("name", sorted(LITERATURE_MINIMA))
def test_global_minima_match_the_literature(name: str) -> None:
    value, minimizers, tol = LITERATURE_MINIMA[name]
    surface = make_surface(name)
    listed = [p for p in surface.critical_points() if p.kind == "global minimum"]
    assert len(listed) == len(minimizers)
    for point in listed:
        assert point.loss == pytest.approx(value, abs=tol)
        assert nearest(minimizers, np.array(point.theta)) <= tol
    for theta in minimizers:  # the function itself takes the literature's value there
        assert float(surface.loss(np.array(theta))) == pytest.approx(value, abs=10 * tol)


@pytest.mark.parametrize("name", sorted(LITERATURE_LOCAL_MINIMA))
def test_local_minima_match_the_literature(name: str) -> None:
    surface = make_surface(name)
    listed = [p for p in surface.critical_points() if p.kind == "local minimum"]
    for theta, value, tol in LITERATURE_LOCAL_MINIMA[name]:
        matches = [p for p in listed if np.linalg.norm(np.array(p.theta) - theta) <= tol]
        assert len(matches) == 1, theta
        assert matches[0].loss == pytest.approx(value, abs=tol)


def test_himmelblau_has_four_saddles_and_its_maximum_is_not_listed_as_a_minimum() -> None:
    surface = make_surface("himmelblau")
    points = surface.critical_points()
    assert sum(p.kind == "saddle" for p in points) == 4
    assert sum(p.kind == "global minimum" for p in points) == 4
    maximum = np.array([-0.270845, -0.923039])  # L ≈ 181.617 (literature)
    assert float(surface.loss(maximum)) == pytest.approx(181.617, abs=1e-3)
    assert nearest([p.theta for p in points], maximum) > 0.5


def test_styblinski_tang_points_are_the_cubic_roots() -> None:
    roots = np.sort(np.roots([4.0, 0.0, -32.0, 5.0]).real)  # ∂/∂t of ½(t⁴ − 16t² + 5t) ∝ this
    surface = make_surface("styblinski-tang")
    points = surface.critical_points()
    assert len(points) == 8
    minima = [p for p in points if p.kind != "saddle"]
    assert len(minima) == 4
    coords = {round(v, 9) for p in points for v in p.theta}
    np.testing.assert_allclose(sorted(coords), roots, atol=1e-9)
    one_d = 0.5 * (roots**4 - 16 * roots**2 + 5 * roots)
    expected = sorted(one_d[i] + one_d[j] for i in (0, 2) for j in (0, 2))
    np.testing.assert_allclose(sorted(p.loss for p in minima), expected, rtol=1e-12)


@pytest.mark.parametrize("a, b", [(2.0, 1.0), (1.0, 2.0), (1.5, 1.5), (3.0, 0.3), (0.2, 0.1)])
def test_two_wells_points_are_found_for_any_depths(a: float, b: float) -> None:
    surface = TwoWells(a=a, b=b)
    points = surface.critical_points()
    # Independent check: on y = 0 (where all critical points lie), the sign changes of
    # ∂L/∂x on a fine grid count them.
    x = np.linspace(-6.0, 6.0, 600_001)
    gx = surface.grad(np.stack([x, np.zeros_like(x)], axis=-1))[:, 0]
    crossings = x[:-1][np.sign(gx[:-1]) != np.sign(gx[1:])]
    assert len(points) == len(crossings)
    for point, xc in zip(sorted(points, key=lambda p: p.theta[0]), crossings, strict=True):
        assert point.theta[1] == 0.0
        assert point.theta[0] == pytest.approx(xc, abs=1e-4)
    minima = [p for p in points if p.kind != "saddle"]
    saddles = [p for p in points if p.kind == "saddle"]
    assert len(minima) == len(saddles) + 1
    if a == b:  # mirror-image global minima (and here a shallow dimple at the origin)
        deep = [p for p in minima if p.kind == "global minimum"]
        assert len(deep) == 2 and deep[0].theta[0] == pytest.approx(-deep[1].theta[0])
    else:
        deep = min(minima, key=lambda p: p.loss)
        assert deep.kind == "global minimum"
        assert np.sign(deep.theta[0]) == (1.0 if a > b else -1.0)


def test_two_wells_defaults_have_a_deep_and_a_shallow_well_and_a_saddle() -> None:
    surface = TwoWells()
    kinds = sorted(p.kind for p in surface.critical_points())
    assert kinds == ["global minimum", "local minimum", "saddle"]
    assert [p.theta for p in TwoWells.points] == [p.theta for p in surface.critical_points()]


@pytest.mark.parametrize("tilt", [0.3, 0.0, -0.7, 1.5, 3.0])
def test_double_well_points_are_the_cubic_roots(tilt: float) -> None:
    surface = DoubleWell(tilt=tilt)
    roots = np.roots([4.0, 0.0, -4.0, tilt])
    real = np.sort(roots[np.abs(roots.imag) < 1e-7].real)
    points = sorted(surface.critical_points(), key=lambda p: p.theta[0])
    assert len(points) == len(real)
    np.testing.assert_allclose([p.theta[0] for p in points], real, atol=1e-9)
    for point in points:
        curvature = 12 * point.theta[0] ** 2 - 4
        assert (point.kind == "local maximum") == (curvature < 0)
    if len(points) == 3:
        assert points[1].kind == "local maximum"  # the hump between the wells
        deeper = points[0] if tilt > 0 else points[2]
        assert deeper.kind == "global minimum" or tilt == 0


# --- shapes and far-away points ----------------------------------------------------------------


@surfaces
def test_grid_batch_and_single_point_agree(cls: type[AnalyticSurface]) -> None:
    surface = cls()
    rng = np.random.default_rng(5)
    grid = view_points(surface, rng, 7 * 5).reshape(7, 5, surface.dim)
    loss_grid, grad_grid = surface.loss_and_grad(grid)
    assert loss_grid.shape == (7, 5) and grad_grid.shape == (7, 5, surface.dim)
    batch = grid.reshape(-1, surface.dim)
    loss_batch, grad_batch = surface.loss_and_grad(batch)
    assert loss_batch.shape == (35,) and grad_batch.shape == (35, surface.dim)
    np.testing.assert_array_equal(loss_grid.reshape(-1), loss_batch)
    np.testing.assert_array_equal(grad_grid.reshape(-1, surface.dim), grad_batch)
    for i in (0, 17, 34):
        loss_one, grad_one = surface.loss_and_grad(batch[i])
        assert np.shape(loss_one) == () and grad_one.shape == (surface.dim,)
        assert float(loss_one) == loss_batch[i]
        np.testing.assert_array_equal(grad_one, grad_batch[i])
    assert surface.loss(grid[None]).shape == (1, 7, 5)  # any number of leading axes
    np.testing.assert_array_equal(surface.loss(grid.tolist()), loss_grid)  # plain lists too


@surfaces
def test_far_away_points_do_not_raise(cls: type[AnalyticSurface]) -> None:
    surface = cls()
    theta = np.array([[1e6, -1e6], [-1e6, 3e5], [7e5, 0.0]])[:, : surface.dim]
    with np.errstate(all="ignore"):  # as in the run engine; overflow to inf is acceptable
        loss, grad = surface.loss_and_grad(theta)
        huge = surface.loss_and_grad(np.full(surface.dim, 1e200))
    assert loss.shape == (3,) and grad.shape == theta.shape
    assert not np.isnan(loss).any() and not np.isnan(grad).any()
    assert np.shape(huge[0]) == () and huge[1].shape == (surface.dim,)


# --- the mini-batch machinery ------------------------------------------------------------------


@surfaces
def test_batch_gradients_average_to_the_full_gradient(cls: type[AnalyticSurface]) -> None:
    surface = cls(seed=4, n_examples=37, example_noise=2.5)
    theta = view_points(surface, np.random.default_rng(4), 6)  # (runs, dim)
    full_loss, full_grad = surface.loss_and_grad(theta)
    per_example = [surface.batch_loss_and_grad(theta, np.array([i])) for i in range(37)]
    mean_loss = np.mean([loss for loss, _ in per_example], axis=0)
    mean_grad = np.mean([grad for _, grad in per_example], axis=0)
    np.testing.assert_allclose(mean_loss, full_loss, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(mean_grad, full_grad, rtol=1e-10, atol=1e-9)
    all_loss, all_grad = surface.batch_loss_and_grad(theta, np.arange(37))
    np.testing.assert_allclose(all_loss, full_loss, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(all_grad, full_grad, rtol=1e-10, atol=1e-9)
    # A single example's gradient is tilted: noisy but, averaged, unbiased.
    _, one = per_example[0]
    assert not np.allclose(one, full_grad)


def test_tilts_are_seeded_and_zero_mean() -> None:
    first, again, other = Bowl(seed=3), Bowl(seed=3), Bowl(seed=4)
    np.testing.assert_array_equal(first.tilts, again.tilts)
    assert not np.array_equal(first.tilts, other.tilts)
    np.testing.assert_allclose(first.tilts.sum(axis=0), 0.0, atol=1e-12)
    assert not Bowl(example_noise=0.0).tilts.any()


def test_seed_examples_bowl_and_parabola() -> None:
    bowl = Bowl()
    loss, grad = bowl.loss_and_grad(np.array([3.0, 4.0]))
    assert loss == 25.0
    np.testing.assert_array_equal(grad, [6.0, 8.0])
    assert np.linalg.norm(grad) == 10.0
    step = np.array([3.0, 4.0]) - 0.1 * grad
    np.testing.assert_allclose(step, [2.4, 3.2])
    assert float(bowl.loss(step)) == pytest.approx(16.0)
    parabola = Parabola()
    w = np.array([4.0])
    seen = []
    for _ in range(3):
        w = w - 0.2 * parabola.grad(w)
        seen.append(float(w[0]))
    np.testing.assert_allclose(seen, [2.4, 1.44, 0.864], rtol=1e-12)


# --- default learning rates --------------------------------------------------------------------


@surfaces
def test_gradient_descent_at_the_default_rate_makes_progress(cls: type[AnalyticSurface]) -> None:
    surface = cls()
    lr = surface.default_lr("gd")
    if cls.name in SADDLE_ONLY:  # unbounded below: only a few finite, downhill steps
        path = gradient_descent(surface, lr, 5)
        losses = surface.loss(path)
        assert np.isfinite(path).all() and np.all(np.diff(losses) < 0)
        return
    path = gradient_descent(surface, lr, 200)
    losses = surface.loss(path)
    assert np.isfinite(path).all()
    assert losses[-1] < losses[0]
    assert np.abs(path).max() <= max(abs(v) for box in surface.view for v in box) * 1.5


@surfaces
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_at_its_default_rate_stays_finite(
    cls: type[AnalyticSurface], optimizer: str
) -> None:
    """Each registered optimizer, torch's defaults and the surface's default rate: 300 steps
    from the default start stay finite, inside the divergence bound, and (where the surface has
    a minimum) end lower than they started.

    Exceptions, each the method's known behaviour: a line search (gd-linesearch, L-BFGS)
    follows an unbounded saddle out of the bound at once; pure Newton and L-BFGS without a line
    search are no descent methods (Newton heads for the nearest stationary point, a maximum or
    saddle on Rastrigin and the camel; L-BFGS's fixed step jumps off Ackley's funnel onto its
    plateau, L ≈ 20, to a distance that is chaotic in the start: 101 to 16,226 for starts 1e-9
    apart, beyond the bound on some CPUs' rounding, so there only finiteness is checked)."""
    surface = cls()
    opt = OPTIMIZERS[optimizer]
    hp = {**opt.defaults(), "lr": surface.default_lr(optimizer)}
    theta = np.array([surface.default_start], dtype=float)
    state = opt.init(theta, hp)
    steps = 20 if cls.name in SADDLE_ONLY else 300
    escapes = cls.name in SADDLE_ONLY and optimizer in ("gd-linesearch", "lbfgs")
    with np.errstate(all="ignore"):
        for _ in range(steps):
            theta, state = full_batch_step(opt, surface, theta, state, hp)
            if escapes and np.abs(theta).max() > surface.bound:
                break
    start_loss = float(surface.loss(np.array(surface.default_start)))
    if escapes:  # gone downhill past the bound (or to −inf within one inner loop)
        assert not np.all(np.abs(theta) <= surface.bound) or float(
            surface.loss(theta[0])) < start_loss
        return
    assert np.isfinite(theta).all()
    if optimizer == "lbfgs" and cls.name == "ackley":
        assert float(surface.loss(theta[0])) == pytest.approx(20.0, abs=0.01)  # the plateau
        return
    assert np.abs(theta).max() <= surface.bound
    if optimizer in ("newton", "lbfgs"):
        return
    assert float(surface.loss(theta[0])) < start_loss


def test_ellipse_condition_number_and_scaled_rates() -> None:
    for kappa in (1.0, 10.0, 100.0):
        surface = Ellipse(condition=kappa)
        eigenvalues = np.linalg.eigvalsh(hessian(surface, np.array([0.3, -0.2])))
        np.testing.assert_allclose(eigenvalues, sorted([1.0, kappa]), rtol=1e-6)
        assert float(surface.loss(np.array([2.0, 1.0]))) == pytest.approx(0.5 * (4 + kappa))
        lr = surface.default_lr("gd")
        assert lr * kappa < 2.0  # stable along the steep axis
        path = gradient_descent(surface, lr, 1000)
        assert np.linalg.norm(path[-1]) < 1e-3
    assert Ellipse(condition=100.0).default_lr("adam") == Ellipse().default_lr("adam")
    # At the default κ = 10, gd zigzags across y: the sign of y flips at every step.
    path = gradient_descent(Ellipse(), Ellipse().default_lr("gd"), 6)
    assert np.all(np.sign(path[1:, 1]) != np.sign(path[:-1, 1]))


def test_plateau_slows_gradient_descent_then_drops() -> None:
    surface = make_surface("plateau")
    path = gradient_descent(surface, surface.default_lr("gd"), 1000)
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    arrived = int(np.argmax(np.linalg.norm(path, axis=1) < 1e-3))
    assert 100 < arrived < 1000
    crawl = steps[: arrived - 20]
    assert crawl.min() < steps[0] / 4  # slows down on the plateau ...
    assert steps[:arrived].max() > 10 * crawl.min()  # ... then drops into the hole


@pytest.mark.parametrize("name, expected", [
    # The default runs' documented lessons for plain gradient descent.
    ("rosenbrock", None), ("himmelblau", (3.584428, -1.848126)),
    ("six-hump-camel", (-1.70361, 0.796084)), ("styblinski-tang", (2.746803, -2.903534)),
    ("two-wells", "local minimum"), ("double-well", "local minimum"),
    ("rastrigin", (-3.98, 2.98)), ("goldstein-price", (0.0, -1.0)), ("beale", (3.0, 0.5)),
])
def test_default_gradient_descent_run_shows_the_lesson(name: str, expected: object) -> None:
    surface = make_surface(name)
    end = gradient_descent(surface, surface.default_lr("gd"), 2000)[-1]
    if name == "rosenbrock":  # follows the valley but is still on its way after 2000 steps
        assert abs(end[1] - end[0] ** 2) < 0.05 and 0.0 < end[0] < 0.95
    elif expected == "local minimum":
        (local,) = [p for p in surface.critical_points() if p.kind == "local minimum"]
        assert np.linalg.norm(end - np.array(local.theta)) < 1e-4
    else:
        assert np.linalg.norm(end - np.array(expected)) < 0.01


def test_the_gradient_alone_is_the_gradient_of_loss_and_grad() -> None:
    """``grad`` (a surface's gradient-only ``df``, used by runs that need no loss per step)
    gives bitwise the numbers of ``loss_and_grad``."""
    rng = np.random.default_rng(3)
    for name, cls in SURFACES.items():
        if not issubclass(cls, AnalyticSurface) or name == "custom":
            continue
        surface = make_surface(name, {})
        theta = rng.uniform(-3, 3, (1000, surface.dim))
        np.testing.assert_array_equal(surface.grad(theta), surface.loss_and_grad(theta)[1])
        np.testing.assert_array_equal(surface.grad(theta[0]), surface.loss_and_grad(theta[0])[1])
