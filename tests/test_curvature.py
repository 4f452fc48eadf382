"""gdsim.core.curvature: eigenvalues, condition number, stability threshold, model contour."""

from __future__ import annotations

import numpy as np

from gdsim.core import curvature


def test_eigen_of_known_matrices() -> None:
    hess = np.array([[[10.0, 8.0], [8.0, 10.0]], [[2.0, 0.0], [0.0, -2.0]]])
    np.testing.assert_allclose(curvature.lambda_max(hess), [18.0, 2.0])
    np.testing.assert_allclose(curvature.lambda_min(hess), [2.0, -2.0])
    np.testing.assert_allclose(curvature.condition_number(hess), [9.0, 1.0])
    np.testing.assert_allclose(curvature.stability_threshold(hess), [2 / 18, 1.0])


def test_degenerate_and_concave_cases() -> None:
    flat = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert curvature.condition_number(flat) == np.inf
    concave = -np.eye(2)
    assert curvature.stability_threshold(concave) == np.inf
    bad = np.array([[np.nan, 0.0], [0.0, 1.0]])
    assert np.isnan(curvature.lambda_max(bad))
    assert np.isnan(curvature.stability_threshold(bad))


def test_stability_text() -> None:
    assert curvature.stability_text(0.85, 2.0) == "η·λ_max = 1.7 < 2: stable"
    assert curvature.stability_text(1.0, 2.0).endswith("on the edge of stability")
    assert "unstable" in curvature.stability_text(1.2, 2.0)
    assert "no curvature limit" in curvature.stability_text(0.1, -1.0)


def test_half_axes_lengths_and_signs() -> None:
    axes, negative = curvature.half_axes(np.diag([4.0, -1.0]), length=2.0)
    lengths = np.linalg.norm(axes, axis=0)
    np.testing.assert_allclose(sorted(lengths), [1.0, 2.0])  # 2/√4, 2/√1
    assert negative.tolist() == [True, False]  # ascending: −1 first


def test_model_contour_passes_through_point_and_is_a_level_set() -> None:
    hess = np.array([[3.0, 1.0], [1.0, 2.0]])
    grad = np.array([1.0, -2.0])
    pts = curvature.model_contour(grad, hess, n=200)
    assert pts is not None
    q = pts @ grad + 0.5 * np.einsum("ni,ij,nj->n", pts, hess, pts)
    np.testing.assert_allclose(q, 0.0, atol=1e-12)
    assert np.min(np.linalg.norm(pts, axis=1)) < 0.05  # it goes through d = 0
    centre = -np.linalg.solve(hess, grad)
    np.testing.assert_allclose(pts.mean(axis=0)[None], centre[None], atol=0.05)
    assert curvature.model_contour(grad, np.diag([1.0, -1.0])) is None
    assert curvature.model_contour(np.zeros(2), hess) is None
