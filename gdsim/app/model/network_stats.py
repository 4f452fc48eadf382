"""What the network views show beside the loss, computed from the recorded history (Qt-free).

* :func:`layer_norms` — per-layer gradient norms |∂L/∂W_ℓ|, |∂L/∂b_ℓ| over the recorded steps,
  one vectorized pass over the history's gradient rows;
* :class:`AccuracyTrack` — the training accuracy after every recorded step, computed once per
  row and kept (a growing run costs only its new rows);
* :func:`decision_grid` — the network's output over a grid of the input plane (a decision map)
  or along the input line (regression's fitted curve).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gdsim.core.surfaces.network import Network


def layer_norms(surface: Network, grad: np.ndarray) -> dict[str, np.ndarray]:
    """|∂L/∂W_ℓ| and |∂L/∂b_ℓ| for gradient rows ``grad`` ``(T, P)``: name → ``(T,)``."""
    grad = np.asarray(grad, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        return surface.layer_gradient_norms(grad.reshape(-1, surface.dim))


@dataclass
class AccuracyTrack:
    """The accuracy at each recorded θ of one lane, extended as rows arrive.

    ``key`` identifies the history it belongs to (its generation and lane); another key starts
    the track again. ``values`` is ``(rows,)``.
    """

    key: tuple = ()
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def update(self, surface: Network, key: tuple, theta: np.ndarray) -> np.ndarray:
        """The accuracies for every row of ``theta`` ``(T, P)``, computing only the new ones."""
        if key != self.key or len(self.values) > len(theta):
            self.key, self.values = key, np.zeros(0)
        new = theta[len(self.values):]
        if len(new):
            finite = np.all(np.isfinite(new), axis=1)
            acc = np.full(len(new), np.nan)
            if finite.any():
                acc[finite] = surface.accuracy(new[finite])
            self.values = np.concatenate([self.values, acc])
        return self.values


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
