"""What the network views show beside the loss, computed from the recorded history (Qt-free).

* :class:`RowCache` — per-row results over a recorded path, computed once per row (a growing
  run costs its new rows, a timeline scrub nothing): per-layer gradient norms
  (:func:`layer_norm_cache`) and the training accuracy (:func:`accuracy_cache`);
* :func:`layer_steps` — one step's per-layer gradient norms and step size, for the inspector;
* :func:`decision_grid` — the network's output over a grid of the input plane (a decision map)
  or along the input line (regression's fitted curve).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdsim.core.surfaces.network import Network


class RowCache:
    """Per-row results of a function of θ over a recorded path, computed once per row.

    A growing run costs only its new rows; a rewound prefix of the same record (the timeline)
    or a redraw costs nothing. Each row's fingerprint (its dot product with a fixed random
    vector) tells whether the rows given are still the rows the results were computed from —
    after a reset, an undo or another run they are not, and the cache starts again.
    """

    def __init__(self, compute: Callable[[np.ndarray], np.ndarray]) -> None:
        self.compute = compute  # rows (T, P) -> results (T, ...)
        self.values: np.ndarray | None = None
        self._prints = np.zeros(0)
        self._probe: np.ndarray | None = None

    def _fingerprint(self, rows: np.ndarray) -> np.ndarray:
        if self._probe is None or len(self._probe) != rows.shape[1]:
            self._probe = np.random.default_rng(0).normal(size=rows.shape[1])
        # An elementwise product summed per row, not ``rows @ probe``: BLAS may round a row
        # differently depending on how many rows share the call, and the fingerprint of a row
        # must not depend on its neighbours.
        with np.errstate(all="ignore"):
            return np.multiply(rows, self._probe).sum(axis=1)

    def update(self, rows: np.ndarray) -> np.ndarray:
        """The results for every row of ``rows`` ``(T, P)``."""
        done = 0 if self.values is None else len(self.values)
        if done and len(rows):
            m = min(done, len(rows)) - 1
            same = self._fingerprint(rows[m: m + 1])[0]
            if not (same == self._prints[m] or (np.isnan(same) and np.isnan(self._prints[m]))):
                self.values, self._prints, done = None, np.zeros(0), 0
        if done >= len(rows) and self.values is not None:
            return self.values[: len(rows)]
        new = rows[done:]
        results = self.compute(new)
        prints = self._fingerprint(new)
        self.values = results if self.values is None else np.concatenate([self.values, results])
        self._prints = np.concatenate([self._prints, prints])
        return self.values


def layer_norm_cache(surface: Network) -> RowCache:
    """|∂L/∂W_ℓ| and |∂L/∂b_ℓ| per layer of gradient rows ``(T, P)``: results ``(T, 2L)``,
    columns W1, b1, W2, b2, …"""

    def compute(grad: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            norms = surface.layer_gradient_norms(grad)
        return np.stack(list(norms.values()), axis=1)

    return RowCache(compute)


def accuracy_cache(surface: Network) -> RowCache:
    """The training accuracy at each θ row ``(T, P)`` (NaN for a non-finite row): ``(T,)``."""

    def compute(theta: np.ndarray) -> np.ndarray:
        out = np.full(len(theta), np.nan)
        finite = np.all(np.isfinite(theta), axis=1)
        if finite.any():
            out[finite] = surface.accuracy(theta[finite])
        return out

    return RowCache(compute)


@dataclass(frozen=True)
class LayerStep:
    """One layer's share of a step: the norms of the gradient used, for the weights and the
    biases, and the size of the step in the weights (``None`` before the first step)."""

    number: int
    fan_in: int
    fan_out: int
    grad_w: float
    grad_b: float
    step_w: float | None


def layer_steps(surface: Network, grad: np.ndarray,
                step: np.ndarray | None) -> list[LayerStep]:
    """Per layer of ``surface``: |∂L/∂W|, |∂L/∂b| of ``grad`` ``(P,)`` and |ΔW| of ``step``."""
    out = []
    for number, layer in enumerate(surface.layers, start=1):
        out.append(LayerStep(
            number, layer.fan_in, layer.fan_out,
            math.hypot(*grad[layer.w].tolist()), math.hypot(*grad[layer.b].tolist()),
            None if step is None else math.hypot(*step[layer.w].tolist())))
    return out


def finite_rows(rows: np.ndarray) -> np.ndarray:
    """The rows of ``rows`` ``(T, P)`` whose every component is finite."""
    return rows[np.all(np.isfinite(rows), axis=1)]


@dataclass(frozen=True)
class DecisionGrid:
    """The output over the input space: ``xs`` ``(G,)``, ``ys`` ``(G,)`` and ``values``
    ``(G, G)`` (rows along y) for 2-D inputs; for one input ``ys`` is empty and ``values`` is
    ``(G,)``, the fitted curve."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray


def input_box(surface: Network, margin: float = 0.15) -> tuple[tuple[float, float], ...]:
    """A box around the data's inputs, one ``(low, high)`` per input, with ``margin`` added."""
    low, high = surface.x.min(axis=0), surface.x.max(axis=0)
    pad = margin * np.maximum(high - low, 1e-6)
    return tuple((float(a), float(b)) for a, b in zip(low - pad, high + pad, strict=True))


def decision_grid(surface: Network, theta: np.ndarray, resolution: int = 80) -> DecisionGrid:
    """The network's output at ``theta`` ``(P,)`` on a ``resolution``-point grid of the box."""
    box = input_box(surface)
    xs = np.linspace(*box[0], resolution)
    if surface.input_dim == 1:
        return DecisionGrid(xs, np.zeros(0), surface.predict(theta[None], xs[:, None])[0])
    ys = np.linspace(*box[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    values = surface.predict(theta[None], points)[0].reshape(resolution, resolution)
    return DecisionGrid(xs, ys, values)
