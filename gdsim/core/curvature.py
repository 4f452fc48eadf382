"""Curvature of a loss surface from its Hessian: eigenvalues, condition number, stability.

All functions take Hessians ``hess`` of shape ``(..., d, d)`` (from
:meth:`~gdsim.core.surfaces.base.Surface.hessian`) and work on any leading shape, so one call
serves a single point, a batch of runs ``(runs, d, d)`` or a contour grid ``(G, G, d, d)``.

Gradient descent with a constant rate η on a quadratic with Hessian H multiplies the error along
the eigenvector of eigenvalue λ by (1 − η·λ) per step: it is stable only while η·λ_max < 2, so
the largest stable rate is the *stability threshold* 2/λ_max (not 1/λ_max, which is the rate that
reaches the minimum along that direction in one step). Where λ_max ≤ 0 (the surface is locally
concave in every direction) there is no such limit and the threshold is ``inf``.

A Hessian with a non-finite entry gives NaN eigenvalues.
"""

from __future__ import annotations

import numpy as np


def eigen(hess: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues ``(..., d)`` in ascending order and unit eigenvectors ``(..., d, d)``
    (column ``k`` of the last two axes belongs to eigenvalue ``k``) of the symmetric ``hess``."""
    hess = np.asarray(hess, dtype=float)
    finite = np.isfinite(hess).all(axis=(-2, -1))
    if finite.all():
        return np.linalg.eigh(hess)
    safe = np.where(finite[..., None, None], hess, 0.0)
    values, vectors = np.linalg.eigh(safe)
    values = np.where(finite[..., None], values, np.nan)
    vectors = np.where(finite[..., None, None], vectors, np.nan)
    return values, vectors


def eigenvalues(hess: np.ndarray) -> np.ndarray:
    """The eigenvalues ``(..., d)``, ascending."""
    return eigen(hess)[0]


def lambda_max(hess: np.ndarray) -> np.ndarray:
    """The largest eigenvalue (the sharpness), shape ``hess.shape[:-2]``."""
    return eigenvalues(hess)[..., -1]


def lambda_min(hess: np.ndarray) -> np.ndarray:
    """The smallest eigenvalue (negative at a saddle or a maximum), shape ``hess.shape[:-2]``."""
    return eigenvalues(hess)[..., 0]


def condition_number(hess: np.ndarray) -> np.ndarray:
    """max |λ| / min |λ|, shape ``hess.shape[:-2]``: λ_max/λ_min for a positive-definite H;
    ``inf`` where some eigenvalue is 0 (a flat direction), NaN for a non-finite H."""
    mags = np.abs(eigenvalues(hess))
    top, bottom = mags.max(axis=-1), mags.min(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0),
                        np.where(np.isnan(top), np.nan, np.inf))


def stability_threshold(hess: np.ndarray) -> np.ndarray:
    """The largest stable constant learning rate 2/λ_max, ``inf`` where λ_max ≤ 0."""
    top = lambda_max(hess)
    with np.errstate(divide="ignore"):
        return np.where(top > 0, 2.0 / np.where(top > 0, top, 1.0),
                        np.where(np.isnan(top), np.nan, np.inf))


def stability_text(lr: float, top: float) -> str:
    """One line comparing η·λ_max with 2, e.g. ``"η·λ_max = 1.7 < 2: stable"``."""
    if not np.isfinite(top) or not np.isfinite(lr):
        return "η·λ_max undefined (non-finite curvature)"
    if top <= 0:
        return f"λ_max = {top:.3g} ≤ 0: no curvature limit on η here"
    product = lr * top
    if np.isclose(product, 2.0, rtol=1e-9, atol=0.0):
        return f"η·λ_max = {product:.2g} = 2: on the edge of stability"
    if product < 2.0:
        return f"η·λ_max = {product:.2g} < 2: stable"
    return f"η·λ_max = {product:.2g} > 2: unstable (oscillates and grows along the top direction)"


def half_axes(hess: np.ndarray, length: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The curvature axes: eigenvectors scaled to ``length``/√|λ|, and where λ < 0.

    Returns ``(axes, negative)``: ``axes[..., :, k]`` is the half-axis along eigenvector ``k``
    (shape ``(..., d, d)``), ``inf``-long where λ = 0; ``negative`` ``(..., d)`` marks λ < 0 (the
    app draws those axes dashed). For a positive-definite H these are the half-axes of the
    ellipse ½dᵀHd = ½·length² of the quadratic model around the point.
    """
    values, vectors = eigen(hess)
    with np.errstate(divide="ignore"):
        scale = length / np.sqrt(np.abs(values))
    return vectors * scale[..., None, :], values < 0


def model_contour(grad: np.ndarray, hess: np.ndarray, n: int = 96) -> np.ndarray | None:
    """The contour of the second-order model through the current point, as offsets from it.

    The model is q(d) = L + ∇L·d + ½dᵀHd. For a positive-definite ``hess`` ``(d, d)`` (d = 2)
    and a nonzero ``grad`` ``(d,)``, its level set q(d) = q(0) is an ellipse through d = 0
    centred on the Newton step c = −H⁻¹∇L, with ½(d − c)ᵀH(d − c) = ½cᵀHc. Returns ``n + 1``
    points ``(n + 1, d)`` closing the curve, or ``None`` if H is not positive definite or
    ∇L = 0 (then the model has no such ellipse).
    """
    grad = np.asarray(grad, dtype=float)
    values, vectors = eigen(hess)
    if not np.all(np.isfinite(values)) or values[0] <= 0 or not np.any(grad):
        return None
    centre = -vectors @ ((vectors.T @ grad) / values)
    radius2 = float(centre @ (np.asarray(hess) @ centre))
    phi = np.linspace(0.0, 2.0 * np.pi, n + 1)
    circle = np.stack([np.cos(phi), np.sin(phi)], axis=-1)[:, : len(values)]
    return centre + (circle * np.sqrt(radius2 / values)) @ vectors.T
