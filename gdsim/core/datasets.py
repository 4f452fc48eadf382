"""Small synthetic data sets with 2-D inputs (and one 1-D regression set), for the network.

Every generator takes a numpy ``Generator``, the number of points ``n`` and a noise level, and
returns ``(x, y)``: inputs ``(n, d)`` (``d`` = 2, or 1 for ``wave``) and targets ``(n,)``. The
classification sets have labels in {0, 1}, balanced to within one point; inputs lie roughly in
[−1.5, 1.5] so one view box shows them all. ``noise`` is the standard deviation of a Gaussian
jitter added to the inputs (classification) or to the targets (``wave``), in input units.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np

# A string, so that importing this module does not import numpy.random.
Generator: TypeAlias = "Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]"


def _labels(n: int) -> np.ndarray:
    """``n`` labels, half 0 and half 1 (the first ⌈n/2⌉ are 0)."""
    return (np.arange(n) >= (n + 1) // 2).astype(float)


def circles(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 on a circle of radius 0.5 inside class 1 on a circle of radius 1.2."""
    y = _labels(n)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    radius = np.where(y == 0, 0.5, 1.2)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return x + rng.normal(0.0, noise, x.shape), y


def xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Points in the four quadrants: class 1 where the coordinates' signs differ."""
    y = _labels(n)
    sign = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
    magnitude = rng.uniform(0.15, 1.3, (n, 2))
    second = np.where(y == 0, sign, -sign)  # same sign for class 0, opposite for class 1
    x = magnitude * np.stack([sign, second], axis=1)
    return x + rng.normal(0.0, noise, x.shape), y


def moons(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles (scikit-learn's ``make_moons``, centred and scaled)."""
    y = _labels(n)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower)
    x = (x - [0.5, 0.25]) * 1.2
    return x + rng.normal(0.0, noise, x.shape), y


def spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms, 1.5 turns each (TensorFlow Playground's spiral)."""
    y = _labels(n)
    t = rng.uniform(0.0, 1.0, n)
    angle = 3.0 * np.pi * t + np.pi * y  # the second arm is the first turned by π
    radius = 1.4 * t + 0.1
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return x + rng.normal(0.0, noise, x.shape), y


def blobs(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds (spread 0.3 + noise) centred at (−0.7, −0.5) and (0.7, 0.5)."""
    y = _labels(n)
    centre = np.where(y[:, None] == 0, [-0.7, -0.5], [0.7, 0.5])
    return centre + rng.normal(0.0, 0.3 + noise, (n, 2)), y


def wave(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Regression on one input: y = sin(2x) + noise for x ~ U(−1.5, 1.5)."""
    x = rng.uniform(-1.5, 1.5, (n, 1))
    return x, np.sin(2.0 * x[:, 0]) + rng.normal(0.0, noise, n)


CLASSIFICATION: dict[str, Generator] = {
    "circles": circles, "xor": xor, "moons": moons, "spiral": spiral, "blobs": blobs,
}
REGRESSION: dict[str, Generator] = {"wave": wave}
DATASETS: dict[str, Generator] = {**CLASSIFICATION, **REGRESSION}
