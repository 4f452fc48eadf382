"""Tests for the data-driven surfaces (gdsim.core.surfaces.data).

Gradients are checked against central finite differences of the losses, the single neuron
against the seeds' formula ∂L/∂w = 2(w·x − y)·x, full-batch gradient descent against the
closed-form minima, and the listed critical points against the gradient and Hessian.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.params import ParamError
from gdsim.core.surfaces import SURFACES, make_surface
from gdsim.core.surfaces.base import DataSurface
from gdsim.core.surfaces.data import (
    DATA_SURFACES,
    LinearRegression,
    LogisticRegression,
    Neuron,
    TinyNetwork,
)

OPTIMIZER_NAMES = tuple(OPTIMIZERS)
N_POINTS = 40  # random points per gradient check (the brief asks for at least 30)
STEP = 1e-6  # finite-difference step

surfaces = pytest.mark.parametrize("cls", DATA_SURFACES, ids=lambda cls: cls.name)


def random_points(surface: DataSurface, rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` points drawn uniformly from the surface's view box: ``(count, dim)``."""
    low, high = np.array(surface.view, dtype=float).T
    return rng.uniform(low, high, (count, surface.dim))


def central_difference(f: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """∂f/∂θ by central differences: ``theta`` ``(M, dim)``, f ``(M, ...)`` → ``(M, ..., dim)``."""
    columns = []
    for k in range(theta.shape[1]):
        offset = np.zeros_like(theta)
        offset[:, k] = STEP
        columns.append((f(theta + offset) - f(theta - offset)) / (2 * STEP))
    return np.stack(columns, axis=-1)


def hessian(surface: DataSurface, theta: np.ndarray) -> np.ndarray:
    """The full-batch Hessian at ``theta`` ``(dim,)`` by central differences of the gradient."""
    h = 1e-5
    offsets = h * np.eye(surface.dim)
    grads = surface.grad(np.concatenate([theta + offsets, theta - offsets]))
    hess = (grads[: surface.dim] - grads[surface.dim:]) / (2 * h)
    return 0.5 * (hess + hess.T)


def assert_gradient_close(analytic: np.ndarray, numeric: np.ndarray) -> None:
    scale = np.maximum(1.0, np.abs(numeric))
    np.testing.assert_array_less(np.abs(analytic - numeric) / scale, 1e-5)


# --- description -------------------------------------------------------------------------------


@surfaces
def test_registered_and_described(cls: type[DataSurface]) -> None:
    assert SURFACES[cls.name] is cls
    surface = cls()
    assert surface.title and surface.formula and surface.summary
    assert len(surface.param_names) == len(surface.view) == len(surface.default_start)
    for (low, high), start in zip(surface.view, surface.default_start, strict=True):
        assert low < start < high
    spec_names = {spec.name for spec in surface.specs}
    assert {"n_examples", "noise"} <= spec_names
    assert any(name.startswith("true_") for name in spec_names)
    for name in OPTIMIZER_NAMES:  # each variant has a rate chosen for it or for its family
        assert (name in surface.lrs or OPTIMIZERS[name].family in surface.lrs
                or not OPTIMIZERS[name].surface_rates)  # or a scale-free rate (Newton's η = 1)
    assert all(surface.default_lr(name) > 0 for name in OPTIMIZER_NAMES)


# --- gradients against finite differences --------------------------------------------------------


@surfaces
@pytest.mark.parametrize("seed", [0, 1])
def test_full_batch_gradient_matches_finite_differences(cls: type[DataSurface], seed: int) -> None:
    surface = cls(seed=seed)
    theta = random_points(surface, np.random.default_rng(seed), N_POINTS)
    loss, grad = surface.loss_and_grad(theta)
    assert loss.shape == (N_POINTS,) and grad.shape == (N_POINTS, surface.dim)
    assert_gradient_close(grad, central_difference(surface.loss, theta))


@surfaces
def test_example_gradients_match_finite_differences(cls: type[DataSurface]) -> None:
    surface = cls(seed=3)
    rng = np.random.default_rng(3)
    theta = random_points(surface, rng, N_POINTS)
    idx = rng.choice(surface.n_examples, 25, replace=False)
    x, y = surface.x[idx], surface.y[idx]
    losses, grads = surface.example_loss_and_grad(theta, x, y)
    assert losses.shape == (N_POINTS, 25) and grads.shape == (N_POINTS, 25, surface.dim)
    numeric = central_difference(lambda t: surface.example_loss_and_grad(t, x, y)[0], theta)
    assert_gradient_close(grads, numeric)


@surfaces
@pytest.mark.parametrize("batch", [1, 7, 32])
def test_batch_gradient_matches_finite_differences(cls: type[DataSurface], batch: int) -> None:
    surface = cls(seed=4)
    rng = np.random.default_rng(batch)
    theta = random_points(surface, rng, N_POINTS)  # (runs, dim)
    idx = rng.choice(surface.n_examples, batch, replace=False)
    loss, grad = surface.batch_loss_and_grad(theta, idx)
    assert loss.shape == (N_POINTS,) and grad.shape == (N_POINTS, surface.dim)
    numeric = central_difference(lambda t: surface.batch_loss_and_grad(t, idx)[0], theta)
    assert_gradient_close(grad, numeric)


# --- the full batch is the mean of the examples ---------------------------------------------------


@surfaces
def test_full_batch_is_mean_of_examples(cls: type[DataSurface]) -> None:
    """Sufficient statistics (or grouped/reduced passes) equal the mean of per-example values."""
    surface = cls(seed=5)
    theta = random_points(surface, np.random.default_rng(5), N_POINTS)
    losses, grads = surface.example_loss_and_grad(theta, surface.x, surface.y)
    loss, grad = surface.loss_and_grad(theta)
    np.testing.assert_allclose(loss, losses.mean(axis=1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, grads.mean(axis=1), rtol=1e-9, atol=1e-11)
    everything = np.arange(surface.n_examples)
    batch_loss, batch_grad = surface.batch_loss_and_grad(theta, everything)
    np.testing.assert_allclose(batch_loss, loss, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(batch_grad, grad, rtol=1e-9, atol=1e-11)


@surfaces
def test_contour_grid_shape_and_values(cls: type[DataSurface]) -> None:
    """A 200×200 grid (repeated coordinates, any leading shape) gives the per-example means."""
    surface = cls(seed=6)
    axes = [np.linspace(low, high, 200) for low, high in surface.view]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)  # (200, [200,] dim)
    loss, grad = surface.loss_and_grad(grid)
    assert loss.shape == grid.shape[:-1] and grad.shape == grid.shape
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    flat = grid.reshape(-1, surface.dim)
    pick = np.random.default_rng(6).choice(len(flat), 50, replace=False)
    losses, grads = surface.example_loss_and_grad(flat[pick], surface.x, surface.y)
    np.testing.assert_allclose(loss.reshape(-1)[pick], losses.mean(axis=1), rtol=1e-10)
    np.testing.assert_allclose(grad.reshape(-1, surface.dim)[pick], grads.mean(axis=1),
                               rtol=1e-9, atol=1e-11)


@surfaces
def test_predict_is_the_forward_pass(cls: type[DataSurface]) -> None:
    surface = cls(seed=7)
    theta = random_points(surface, np.random.default_rng(7), 5)
    prediction = surface.predict(theta, surface.x)
    losses, _ = surface.example_loss_and_grad(theta, surface.x, surface.y)
    if cls is LogisticRegression:  # the prediction is p(y = 1); the loss is −log p(y)
        expected = -np.log(np.where(surface.y == 1, prediction, 1 - prediction))
    else:
        expected = (prediction - surface.y) ** 2
    np.testing.assert_allclose(losses, expected, rtol=1e-9, atol=1e-12)


# --- the single neuron -------------------------------------------------------------------------


def test_neuron_gradient_hand_example() -> None:
    """w = 0.5, x = 2, y = 3: z = 1, L = (1 − 3)² = 4, ∂L/∂w = 2(1 − 3)·2 = −8."""
    loss, grad = Neuron().example_loss_and_grad(np.array([[0.5]]), np.array([2.0]),
                                                np.array([3.0]))
    assert loss.shape == (1, 1) and grad.shape == (1, 1, 1)
    assert loss[0, 0] == pytest.approx(4.0)
    assert grad[0, 0, 0] == pytest.approx(-8.0)


def test_neuron_gradient_is_the_seeds_formula() -> None:
    surface = Neuron(seed=8)
    w = np.random.default_rng(8).uniform(-4, 6, (N_POINTS, 1))
    x, y = surface.x, surface.y
    _, grads = surface.example_loss_and_grad(w, x, y)
    np.testing.assert_allclose(grads[..., 0], 2 * (w * x - y) * x, rtol=1e-12)
    full = np.mean(2 * (w * x - y) * x, axis=1)
    np.testing.assert_allclose(surface.grad(w)[:, 0], full, rtol=1e-10, atol=1e-12)


# --- gradient descent reaches the closed-form minima ----------------------------------------------


def gradient_descent(surface: DataSurface, lr: float, steps: int) -> np.ndarray:
    """The seeds' rule θ ← θ − η∇L(θ) on the full batch, from the default start."""
    theta = np.array(surface.default_start, dtype=float)
    for _ in range(steps):
        theta = theta - lr * surface.grad(theta)
    return theta


def test_gradient_descent_linear_regression_reaches_least_squares() -> None:
    surface = LinearRegression(seed=9)
    design = np.stack([surface.x, np.ones_like(surface.x)], axis=1)
    solution, *_ = np.linalg.lstsq(design, surface.y, rcond=None)
    theta = gradient_descent(surface, surface.default_lr("gd"), 500)
    np.testing.assert_allclose(theta, solution, rtol=0, atol=1e-8)
    (point,) = surface.critical_points()
    np.testing.assert_allclose(point.theta, solution, rtol=0, atol=1e-12)


def test_gradient_descent_neuron_reaches_closed_form() -> None:
    surface = Neuron(seed=10)
    w_star = np.sum(surface.x * surface.y) / np.sum(surface.x**2)
    theta = gradient_descent(surface, surface.default_lr("gd"), 500)
    assert theta[0] == pytest.approx(w_star, abs=1e-8)
    (point,) = surface.critical_points()
    assert point.theta[0] == pytest.approx(w_star, abs=1e-12)
    assert point.kind == "global minimum"


# --- critical points ----------------------------------------------------------------------------


@surfaces
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_critical_points_have_zero_gradient(cls: type[DataSurface], seed: int) -> None:
    surface = cls(seed=seed)
    points = surface.critical_points()
    assert points, "every default data set has a listed minimum"
    assert any(p.kind == "global minimum" for p in points)
    for point in points:
        theta = np.array(point.theta)
        assert np.max(np.abs(surface.grad(theta))) < 1e-8
        assert point.loss == pytest.approx(float(surface.loss(theta)), rel=1e-12)
        eigenvalues = np.linalg.eigvalsh(hessian(surface, theta))
        if point.kind == "saddle":
            assert eigenvalues.min() < 0 < eigenvalues.max()
        else:
            assert eigenvalues.min() > 0
    # Nothing in the view box is lower than the global minimum.
    lowest = min(p.loss for p in points)
    assert surface.loss(random_points(surface, np.random.default_rng(seed), 2000)).min() >= lowest


def test_tiny_network_saddle_and_symmetric_minima() -> None:
    surface = TinyNetwork(seed=11)
    points = surface.critical_points()
    saddles = [p for p in points if p.kind == "saddle"]
    minima = [p for p in points if p.kind == "global minimum"]
    assert len(saddles) == 1 and len(minima) == 2
    assert saddles[0].theta == (0.0, 0.0)
    assert saddles[0].loss == pytest.approx(np.mean(surface.y**2), rel=1e-12)
    # At the origin ŷ ≈ w1·w2·x, so the Hessian is [[0, −2 mean(xy)], [−2 mean(xy), 0]].
    eigenvalues = np.linalg.eigvalsh(hessian(surface, np.zeros(2)))
    two_sxy = 2 * np.mean(surface.x * surface.y)
    np.testing.assert_allclose(eigenvalues, [-two_sxy, two_sxy], rtol=1e-6)
    first, second = (np.array(p.theta) for p in minima)
    np.testing.assert_allclose(first, -second, rtol=1e-12)
    assert minima[0].loss == pytest.approx(minima[1].loss, rel=1e-12)
    assert minima[0].loss < saddles[0].loss
    for point in minima:
        assert np.all(np.linalg.eigvalsh(hessian(surface, np.array(point.theta))) > 0)
    # Near the teacher (b, a) = (1, 2).
    np.testing.assert_allclose(np.abs(first), [1.0, 2.0], atol=0.3)


def test_tiny_network_default_start_escapes_the_saddle_slowly() -> None:
    """Gradient descent lingers on the plateau L ≈ mean(y²), then reaches a minimum."""
    surface = TinyNetwork()
    lr = surface.default_lr("gd")
    theta = np.array(surface.default_start, dtype=float)
    losses = []
    for _ in range(300):
        losses.append(float(surface.loss(theta)))
        theta = theta - lr * surface.grad(theta)
    plateau = np.mean(surface.y**2)
    assert all(abs(loss - plateau) < 0.1 * plateau for loss in losses[:5])
    minima = [np.array(p.theta) for p in surface.minima()]
    assert min(np.linalg.norm(theta - m) for m in minima) < 0.05


def test_logistic_regression_minimum_and_separable_data() -> None:
    for seed in range(50):
        assert not LogisticRegression(seed=seed).separable
    surface = LogisticRegression(seed=12)
    (point,) = surface.critical_points()
    theta = np.array(point.theta)
    # The minimum's gradient, written out: mean((σ(wx + b) − y)·(x, 1)) = 0.
    p = 1 / (1 + np.exp(-(theta[0] * surface.x + theta[1])))
    np.testing.assert_allclose([np.mean((p - surface.y) * surface.x), np.mean(p - surface.y)],
                               [0.0, 0.0], atol=1e-12)
    # Two points and one label each: a threshold separates them, so no finite minimum exists.
    separable = LogisticRegression(seed=0, n_examples=2)
    assert separable.separable and separable.critical_points() == []


def test_logistic_loss_is_stable_for_huge_logits() -> None:
    surface = LogisticRegression(seed=13)
    theta = np.array([[1e4, 0.0], [-1e4, 0.0], [0.0, 800.0], [0.0, -800.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
        losses, grads = surface.example_loss_and_grad(theta, surface.x, surface.y)
        loss, grad = surface.loss_and_grad(theta)
    assert np.all(np.isfinite(losses)) and np.all(np.isfinite(grads))
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    # A confidently wrong example costs about |z|; a confidently right one about 0.
    z = 1e4 * surface.x[0]
    expected = max(z, 0.0) - surface.y[0] * z
    assert losses[0, 0] == pytest.approx(expected, rel=1e-12, abs=1e-12)


# --- data and parameters ----------------------------------------------------------------------


@surfaces
def test_same_seed_same_data_different_seed_different_data(cls: type[DataSurface]) -> None:
    first, again, other = cls(seed=21), cls(seed=21), cls(seed=22)
    np.testing.assert_array_equal(first.x, again.x)
    np.testing.assert_array_equal(first.y, again.y)
    assert first.x.shape == first.y.shape == (first.n_examples,)
    assert not np.array_equal(first.x, other.x)
    assert not np.array_equal(first.y, other.y)
    assert cls(seed=21, n_examples=37).x.shape == (37,)


@surfaces
@pytest.mark.parametrize(("name", "value"), [("n_examples", 0), ("noise", -0.1)])
def test_invalid_params_name_the_parameter(cls: type[DataSurface], name: str, value: float) -> None:
    with pytest.raises(ParamError, match=name):
        cls(**{name: value})


# --- default runs ---------------------------------------------------------------------------------


@surfaces
def test_default_runs_of_registered_optimizers_do_not_diverge(cls: type[DataSurface]) -> None:
    """Each optimizer the registry has, at the surface's default lr, heads for a minimum."""
    optimizers = pytest.importorskip("gdsim.core.optimizers")
    surface = cls()
    minima = [np.array(p.theta) for p in surface.minima()]
    start = np.array([surface.default_start], dtype=float)  # (runs = 1, dim)
    checked = 0
    for name, optimizer in optimizers.OPTIMIZERS.items():
        if name not in OPTIMIZER_NAMES:
            continue
        if name == "newton":  # not a descent method: see test_newton_is_no_descent_method
            continue
        hp = optimizer.resolve({"lr": surface.default_lr(name)})
        theta, state = start, optimizer.init(start, hp)
        for _ in range(1000):
            theta, state = optimizers.full_batch_step(optimizer, surface, theta, state, hp)
            assert np.all(np.isfinite(theta)) and np.max(np.abs(theta)) < surface.bound
        assert float(surface.loss(theta[0])) < float(surface.loss(start[0]))
        # Adadelta's warm-up is slow by design (see the lrs comments); Adafactor's steps are
        # relative to |θ| (at least ε₂ = 1e-3 of it), so a path through θ ≈ 0 nearly stalls.
        if name not in ("adadelta", "adafactor"):
            distance = min(np.linalg.norm(theta[0] - m) for m in minima)
            assert distance < 0.05, f"{name} ended {distance:.3g} from the minimum"
        checked += 1
    assert checked > 0


def test_newton_is_no_descent_method() -> None:
    """Pure Newton from the default starts: it diverges on logistic regression (the Hessian
    vanishes where the sigmoid saturates), stops on the tiny network's saddle, and lands on the
    quadratics' minima at once; damping makes the logistic run converge."""
    from gdsim.core.optimizers import full_batch_step, get_optimizer

    newton = get_optimizer("newton")

    def run(name: str, steps: int, **given: float) -> np.ndarray:
        surface = make_surface(name)
        hp = newton.resolve(given)
        theta = np.array([surface.default_start], dtype=float)
        state = newton.init(theta, hp)
        with np.errstate(all="ignore"):
            for _ in range(steps):
                theta, state = full_batch_step(newton, surface, theta, state, hp)
        return theta[0]

    assert not np.all(np.abs(run("logistic-regression", 3)) < 1e6)
    (minimum,) = make_surface("logistic-regression").minima()
    assert np.linalg.norm(run("logistic-regression", 200, damping=0.1) - minimum.theta) < 1e-6
    np.testing.assert_allclose(run("tiny-network", 50), [0.0, 0.0], atol=1e-12)
    (line,) = make_surface("linear-regression").minima()
    np.testing.assert_allclose(run("linear-regression", 1), line.theta, rtol=1e-12)
