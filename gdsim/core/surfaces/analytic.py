"""Closed-form test surfaces over two parameters (x, y), with hand-derived gradients.

Minima and domains follow the SFU Virtual Library of Simulation Experiments.
"""

from __future__ import annotations

import numpy as np

from gdsim.core.surfaces.base import AnalyticSurface, CriticalPoint


class Bowl(AnalyticSurface):
    """The seeds' bowl J(x, y) = x² + y²; ∇J = (2x, 2y)."""

    name = "bowl"
    title = "Bowl"
    formula = "x² + y²"
    summary = "The seeds' convex bowl: from (3, 4) with η = 0.1 one step reaches (2.4, 3.2)."
    param_names = ("x", "y")
    view = ((-5.0, 5.0), (-5.0, 5.0))
    default_start = (3.0, 4.0)
    lrs = {"gd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 1.0, "rmsprop": 0.05,
           "adam": 0.2, "amsgrad": 0.2, "adamw": 0.2, "nadam": 0.2, "radam": 0.5,
           "adamax": 0.3}
    points = (CriticalPoint((0.0, 0.0), 0.0, "global minimum"),)

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (theta**2).sum(axis=-1), 2.0 * theta


ANALYTIC_SURFACES: tuple[type[AnalyticSurface], ...] = (Bowl,)
