"""2-D slices of a loss through weight space, for surfaces with more than two parameters.

A slice is the plane θ(α, β) = c + α·d₁ + β·d₂ through a centre ``c`` (the current or the final
θ), spanned by two directions in weight space; its loss L(θ(α, β)) on a grid is what the app
draws as the "loss landscape around the path". A slice is *not* the whole surface: a valley in
the picture may be a ridge in a direction the plane does not contain.

Two ways to choose the plane (Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets"):

- :func:`pca_directions`: the first two principal components of the recorded trajectory
  (relative to the centre), so the path lies as nearly as possible in the plane;
- :func:`filter_normalized_directions`: two Gaussian random directions, each "filter" (a
  unit's incoming weights) rescaled to the norm of the same filter of θ, biases zeroed.

Every grid is evaluated in a few batched calls of the surface's full-batch loss on the plane
(:meth:`~gdsim.core.surfaces.base.Surface.plane_loss`), never a Python loop over grid points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdsim.core.surfaces.base import Surface


@dataclass(frozen=True)
class Plane:
    """The plane θ(α, β) = centre + α·d₁ + β·d₂; ``explained`` is the share of the path's
    variance its directions capture (PCA; ``nan`` for random directions)."""

    centre: np.ndarray  # (P,)
    d1: np.ndarray  # (P,)
    d2: np.ndarray  # (P,)
    explained: float = float("nan")

    def points(self, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """θ at coordinates ``alpha``, ``beta`` (same shape S): ``(*S, P)``."""
        alpha, beta = np.asarray(alpha, float), np.asarray(beta, float)
        return self.centre + alpha[..., None] * self.d1 + beta[..., None] * self.d2

    def project(self, thetas: np.ndarray) -> np.ndarray:
        """Coordinates ``(T, 2)`` of the points of the plane nearest to ``thetas`` ``(T, P)``.

        Least squares against the two directions, so it is exact for directions that are not
        orthogonal (random ones) and equals the dot products for orthonormal ones (PCA).
        """
        basis = np.stack([self.d1, self.d2], axis=1)  # (P, 2)
        offsets = np.atleast_2d(thetas) - self.centre
        coords, *_ = np.linalg.lstsq(basis, offsets.T, rcond=None)
        return coords.T


def pca_directions(trajectory: np.ndarray, centre: np.ndarray) -> Plane:
    """The plane through ``centre`` spanned by the trajectory's first two principal components.

    ``trajectory`` ``(T, P)`` are recorded θ's (T ≥ 1). The components are the top right
    singular vectors of the offsets θ_t − centre (unit length, orthogonal); where the path
    spans fewer than two directions the missing ones are completed orthogonally.
    """
    centre = np.asarray(centre, dtype=float)
    offsets = np.atleast_2d(np.asarray(trajectory, dtype=float)) - centre
    p = centre.shape[0]
    # The thin SVD: T × P with T ≪ P for a network (3,297 weights) costs T²P, not P³.
    _, sv, vt = np.linalg.svd(offsets, full_matrices=False)
    total = float(np.sum(sv * sv))
    explained = float(np.sum(sv[:2] ** 2) / total) if total > 0 else 1.0
    basis = [v for v, value in zip(vt, sv, strict=True) if value > 0][:2]
    rng = np.random.default_rng(0)
    while len(basis) < min(2, p):  # the path spans fewer than two directions: complete it
        candidate = rng.normal(size=p)
        for v in basis:
            candidate -= (candidate @ v) * v
        basis.append(candidate / np.linalg.norm(candidate))
    d1 = basis[0] if p > 0 else np.zeros(0)
    d2 = basis[1] if p > 1 else np.zeros(p)
    return Plane(centre, d1, d2, explained)


MAX_PATH_ROWS = 256
"""The rows of a recorded path a plane is built from (evenly spaced, the last included)."""


def subsample(rows: np.ndarray, limit: int = MAX_PATH_ROWS) -> np.ndarray:
    """At most ``limit`` evenly spaced rows of ``rows`` ``(T, P)``, the first and last kept."""
    if len(rows) <= limit:
        return rows
    keep = np.unique(np.linspace(0, len(rows) - 1, limit).round().astype(int))
    return rows[keep]


def plane_for(surface: Surface, path: np.ndarray, centre: np.ndarray, kind: str) -> Plane:
    """The plane through ``centre`` for a recorded ``path`` ``(T, P)`` of finite rows.

    ``kind`` ``"pca"``: the path's principal components (needs three rows or more; fewer fall
    back to random directions); ``"random"``: filter-normalised random directions drawn from
    the surface's seed, so the same run gives the same plane.
    """
    if kind == "pca" and len(path) >= 3:
        return pca_directions(subsample(path), centre)
    if kind not in ("pca", "random"):
        raise ValueError(f"unknown kind of plane {kind!r} (known: pca, random)")
    filters, biases = network_filters(surface)
    return filter_normalized_directions(centre, filters, biases,
                                        np.random.default_rng(surface.seed))


def filter_normalized_directions(
    centre: np.ndarray, filters: list[slice], biases: list[slice], rng: np.random.Generator
) -> Plane:
    """Two random directions, filter-normalised to θ = ``centre`` (Li et al. 2018).

    ``filters`` are the slices of θ holding one unit's incoming weights each; every filter of a
    Gaussian direction d is scaled to ‖θ_filter‖ (d_f ← d_f / ‖d_f‖ · ‖θ_f‖), and the entries in
    ``biases`` are zeroed, so a step of 1 along d changes each unit by as much as its weights.
    """
    centre = np.asarray(centre, dtype=float)
    directions = []
    for _ in range(2):
        d = rng.normal(size=centre.shape)
        for f in filters:
            norm = np.linalg.norm(d[f])
            d[f] *= (np.linalg.norm(centre[f]) / norm) if norm > 0 else 0.0
        for b in biases:
            d[b] = 0.0
        directions.append(d)
    return Plane(centre, directions[0], directions[1])


def network_filters(surface: Surface) -> tuple[list[slice], list[slice]]:
    """A :class:`~gdsim.core.surfaces.network.Network`'s filters and bias slices in θ.

    A filter is one unit's incoming weights: column j of W_ℓ, which in θ's row-major layout is
    every ``fan_out``-th entry of the layer's weight block starting at j.
    """
    filters, biases = [], []
    for layer in surface.layers:  # type: ignore[attr-defined]
        for j in range(layer.fan_out):
            filters.append(slice(layer.w.start + j, layer.w.stop, layer.fan_out))
        biases.append(layer.b)
    return filters, biases


@dataclass(frozen=True)
class Slice:
    """A loss slice: ``loss[i, j]`` at (``alpha[j]``, ``beta[i]``) of ``plane``."""

    plane: Plane
    alpha: np.ndarray  # (G,)
    beta: np.ndarray  # (G,)
    loss: np.ndarray  # (G, G), rows along beta


def extent_for(plane: Plane, trajectory: np.ndarray, margin: float = 0.25) -> float:
    """A half-width for the grid that shows the whole projected path with ``margin`` to spare."""
    coords = plane.project(trajectory)
    reach = float(np.max(np.abs(coords))) if coords.size else 0.0
    return max(reach * (1.0 + margin), 1e-3)


FLOAT32_RTOL = 1e-5
"""The largest relative error of a float32 slice against float64 that :func:`loss_slice`
accepts at its checked points."""

CHECK_MARGIN = 500
"""How much larger than at the checked points the error anywhere on a float32 grid is assumed
to be (measured: at most 323× over 432 slices of 21 × 21; see :func:`loss_slice`)."""

COLOUR_STEPS = 256
"""The colour steps of the landscape view's map over the slice's range of log₁₀ L."""


def loss_slice(
    surface: Surface,
    plane: Plane,
    half_width: float,
    resolution: int = 51,
    progress: Callable[[float], bool] | None = None,
    dtype: type = np.float32,
) -> Slice:
    """The full-batch loss on a ``resolution`` × ``resolution`` grid of the plane.

    Coordinates run over [−half_width, half_width] on both axes. The grid is evaluated in
    blocks of rows, each one call of ``surface.plane_loss`` (for a network: the first layer's
    pre-activations as a broadcast over the grid, the later layers as batched matmuls; for any
    other surface one batched call of ``surface.loss``); ``progress(fraction)`` is called
    after each block and may return ``False`` to cancel (raising :class:`Cancelled`).

    ``dtype`` float32 (the default) computes a network's slice in single precision, 1.7–2.6×
    faster than float64 (tanh is about 5× faster in float32 here, matmuls and memory traffic
    about 2×). The relative error against float64 measured over 432 slices (circles, spiral,
    moons, wave; hidden 8,8 / 32,32,32 / 16,8,4,2; tanh, relu, sigmoid; untrained and after 300
    Adam steps; PCA and random planes; half-widths from the path's extent to ±20) is typically
    1e-7–1e-5 and at most 2.3e-4 (a 4-layer relu regression at ±5; 2.7e-4 on another CPU,
    whose rounding of the 300 training steps ends at a slightly different point; the bound
    stated and tested is 5e-4). The plot shows log₁₀ L in
    :data:`COLOUR_STEPS` steps over the slice's range, so an error ε moves a pixel by
    0.43·ε / (range/256) steps: 2.3e-4 is a hundredth of a step on a slice spanning 2.5
    decades, but on a nearly flat slice (the ±1e-3 slice around a path of one point can span
    2e-6 of a decade) float32 rounding would be visible noise. So every float32 slice is
    checked: the loss at its lowest and highest points, its centre and its four corners is
    recomputed in float64 by ``surface.loss``; unless that error is at most
    :data:`FLOAT32_RTOL` and, times :data:`CHECK_MARGIN`, at most a tenth of a colour step of
    this slice, the whole slice is recomputed in float64 (of the 432 slices 343 were accepted
    — 201 of the 216 after training — and those were within 0.003 of a colour step at every
    point). ``dtype`` float64 is exact (equal to ``surface.loss`` at each point to rounding);
    other surfaces are always float64.
    """
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2 (got {resolution})")
    coords = np.linspace(-half_width, half_width, resolution)
    loss = _grid_loss(surface, plane, coords, progress, dtype)
    if dtype != np.float64 and not _close_to_float64(surface, plane, coords, loss):
        loss = _grid_loss(surface, plane, coords, progress, np.float64)
    return Slice(plane, coords, coords.copy(), loss)


def _grid_loss(surface: Surface, plane: Plane, coords: np.ndarray,
               progress: Callable[[float], bool] | None, dtype: type) -> np.ndarray:
    resolution = len(coords)
    loss = np.empty((resolution, resolution))
    rows = max(1, resolution // 8)
    for start in range(0, resolution, rows):
        stop = min(resolution, start + rows)
        with np.errstate(over="ignore", invalid="ignore"):
            loss[start:stop] = surface.plane_loss(plane.centre, plane.d1, plane.d2, coords,
                                                  coords[start:stop], dtype)
        if progress is not None and progress(stop / resolution) is False:
            raise Cancelled(f"cancelled after {stop} of {resolution} rows")
    return loss


def _close_to_float64(surface: Surface, plane: Plane, coords: np.ndarray,
                      loss: np.ndarray) -> bool:
    """Whether a reduced-precision ``loss`` grid is as good as float64 for the plot: checked
    at its lowest and highest points, the centre and the corners (see :func:`loss_slice`)."""
    finite = np.isfinite(loss)
    if not finite.any():
        return True  # nothing to show either way
    last, middle = len(coords) - 1, len(coords) // 2
    picks = [np.unravel_index(np.argmin(np.where(finite, loss, np.inf)), loss.shape),
             np.unravel_index(np.argmax(np.where(finite, loss, -np.inf)), loss.shape),
             (middle, middle), (0, 0), (0, last), (last, 0), (last, last)]
    i, j = (np.array(axis) for axis in zip(*picks, strict=True))
    with np.errstate(over="ignore", invalid="ignore"):
        exact = surface.loss(plane.points(coords[j], coords[i]))
    ours = loss[i, j]
    if not np.array_equal(np.isfinite(exact), np.isfinite(ours)):
        return False
    ok = np.isfinite(exact)
    if not ok.any():
        return True
    exact, ours = exact[ok], ours[ok]
    scale = np.where(exact != 0.0, np.abs(exact), 1.0)
    error = float(np.max(np.abs(ours - exact) / scale))
    positive = loss[finite & (loss > 0)]
    span = float(np.log10(positive.max()) - np.log10(positive.min())) if len(positive) else 0.0
    step = span / COLOUR_STEPS * np.log(10.0)  # one colour step, as a relative error of L
    return error <= FLOAT32_RTOL and CHECK_MARGIN * error <= 0.1 * step


class Cancelled(Exception):
    """A slice computation was cancelled through its progress callback."""
