"""Every built-in surface's analytic Hessian against central differences of its analytic gradient.

The check runs at many random points of each surface's view box (and of a box twice as wide),
for the full-batch Hessian and — for the data surfaces — the mean Hessian of a random mini-batch
against differences of that mini-batch's gradient. Known closed forms are checked by hand.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from gdsim.core import curvature
from gdsim.core.surfaces import make_surface
from gdsim.core.surfaces.analytic import ANALYTIC_SURFACES
from gdsim.core.surfaces.base import Surface
from gdsim.core.surfaces.data import DATA_SURFACES
from gdsim.core.surfaces.one_d import ONE_D_SURFACES

N_POINTS = 80  # random points per surface and box
# The surfaces with hand-derived Hessians (the network's is by differences of its gradient).
ANALYTIC_HESSIANS = [cls.name for cls in (*ANALYTIC_SURFACES, *ONE_D_SURFACES, *DATA_SURFACES)]
names = pytest.mark.parametrize("name", ANALYTIC_HESSIANS)


def random_points(surface: Surface, rng: np.random.Generator, count: int,
                  widen: float = 1.0) -> np.ndarray:
    """``count`` points from the view box scaled by ``widen`` about its centre: ``(count, dim)``."""
    low, high = np.array(surface.view, dtype=float).T
    mid, half = (low + high) / 2, (high - low) / 2 * widen
    return rng.uniform(mid - half, mid + half, (count, surface.dim))


def fd_hessian(grad_fn, theta: np.ndarray) -> np.ndarray:
    """Central differences of the analytic gradient, column by column: ``(M, d, d)``.

    The step is relative to |θₖ| (1e-5·max(1, |θₖ|)); the result is not symmetrised, so the
    analytic Hessian's symmetry is checked too.
    """
    m, d = theta.shape
    out = np.empty((m, d, d))
    for k in range(d):
        h = 1e-5 * np.maximum(1.0, np.abs(theta[:, k]))
        offset = np.zeros_like(theta)
        offset[:, k] = h
        out[:, :, k] = (grad_fn(theta + offset) - grad_fn(theta - offset)) / (2 * h[:, None])
    return out


def assert_hessian_close(analytic: np.ndarray, numeric: np.ndarray, scale: np.ndarray) -> None:
    """Relative 1e-6 of the entry, plus an allowance for the difference quotient's truncation
    and rounding: 1e-6 of the largest gradient/curvature scale at the point."""
    tol = 1e-6 * np.abs(numeric) + 1e-6 * scale[:, None, None]
    bad = np.abs(analytic - numeric) > tol
    assert not bad.any(), (
        f"{bad.sum()} entries differ; worst {np.max(np.abs(analytic - numeric))}")


@names
@pytest.mark.parametrize("widen", [1.0, 2.0])
def test_full_batch_hessian_matches_differences(name: str, widen: float) -> None:
    surface = make_surface(name)
    rng = np.random.default_rng(zlib.crc32(f"{name}{widen}".encode()))
    theta = random_points(surface, rng, N_POINTS, widen)
    analytic = surface.hessian(theta)
    assert analytic.shape == (N_POINTS, surface.dim, surface.dim)
    numeric = fd_hessian(surface.grad, theta)
    scale = np.maximum(1.0, np.abs(numeric).max(axis=(1, 2)) + np.abs(surface.grad(theta)).max(
        axis=1))
    assert_hessian_close(analytic, numeric, scale)
    np.testing.assert_array_equal(analytic, np.swapaxes(analytic, 1, 2))


@names
def test_hessian_vectorizes_over_leading_shape(name: str) -> None:
    surface = make_surface(name)
    rng = np.random.default_rng(7)
    grid = random_points(surface, rng, 12).reshape(3, 4, surface.dim)
    whole = surface.hessian(grid)
    assert whole.shape == (3, 4, surface.dim, surface.dim)
    one = surface.hessian(grid[1, 2])
    assert one.shape == (surface.dim, surface.dim)
    np.testing.assert_allclose(whole[1, 2], one, rtol=1e-12, atol=1e-12)


@names
def test_minibatch_hessian_matches_minibatch_gradient(name: str) -> None:
    surface = make_surface(name)
    rng = np.random.default_rng(11)
    idx = rng.choice(surface.n_examples, size=min(10, surface.n_examples), replace=False)
    examples = tuple(a[idx] for a in surface.examples())
    theta = random_points(surface, rng, 40)
    analytic = surface.hessian_on(theta, *examples)
    numeric = fd_hessian(lambda t: surface.loss_and_grad_on(t, *examples)[1], theta)
    scale = np.maximum(1.0, np.abs(numeric).max(axis=(1, 2)))
    assert_hessian_close(analytic, numeric, scale)


@pytest.mark.parametrize("name", [cls.name for cls in DATA_SURFACES])
def test_data_hessian_is_the_mean_of_example_hessians(name: str) -> None:
    surface = make_surface(name)
    theta = random_points(surface, np.random.default_rng(3), 5)
    per_example = surface.example_hessian(theta, *surface.examples())
    np.testing.assert_allclose(surface.hessian(theta), per_example.mean(axis=1),
                               rtol=1e-12, atol=1e-12)


def test_closed_forms_by_hand() -> None:
    point = np.array([[0.7, -1.3]])
    np.testing.assert_array_equal(make_surface("bowl").hessian(point)[0], [[2, 0], [0, 2]])
    np.testing.assert_array_equal(make_surface("ellipse", {"condition": 25}).hessian(point)[0],
                                  [[1, 0], [0, 25]])
    np.testing.assert_array_equal(make_surface("booth").hessian(point)[0], [[10, 8], [8, 10]])
    # Rosenbrock at its minimum (1, 1): [[802, −400], [−400, 200]].
    np.testing.assert_allclose(make_surface("rosenbrock").hessian(np.array([1.0, 1.0])),
                               [[802, -400], [-400, 200]])
    # Monkey saddle at (1, 0): diag(6, −6).
    np.testing.assert_array_equal(make_surface("monkey-saddle").hessian(np.array([1.0, 0.0])),
                                  [[6, 0], [0, -6]])
    np.testing.assert_array_equal(make_surface("double-well").hessian(np.array([[1.0]])),
                                  [[[8.0]]])
    lin = make_surface("linear-regression")
    x = lin.x
    np.testing.assert_allclose(lin.hessian(np.zeros(2)),
                               2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]]))


def test_bowl_threshold_reads_one() -> None:
    """The bowl x² + y² has λ_max = 2: the stability threshold 2/λ_max is 1."""
    hess = make_surface("bowl").hessian(np.array([[3.0, 4.0]]))
    assert curvature.lambda_max(hess)[0] == 2.0
    assert curvature.stability_threshold(hess)[0] == 1.0


def test_fallback_minibatch_hessian_for_surfaces_without_an_analytic_one() -> None:
    surface = make_surface("network", {"hidden": (3,), "n_examples": 30})
    rng = np.random.default_rng(2)
    examples = tuple(a[:8] for a in surface.examples())
    theta = rng.normal(size=(2, surface.dim))
    hess = surface.hessian_on(theta, *examples)
    assert hess.shape == (2, surface.dim, surface.dim)
    # Differences of the batch gradient along a random direction match H·v.
    v = rng.normal(size=surface.dim)
    h = 1e-5
    diff = (surface.loss_and_grad_on(theta + h * v, *examples)[1]
            - surface.loss_and_grad_on(theta - h * v, *examples)[1]) / (2 * h)
    np.testing.assert_allclose(hess @ v, diff, rtol=1e-5, atol=1e-7)
