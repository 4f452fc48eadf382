"""Surfaces over a single parameter w: the main view is the curve L(w)."""

from __future__ import annotations

import numpy as np

from gdsim.core.surfaces.base import AnalyticSurface, CriticalPoint


class Parabola(AnalyticSurface):
    """The seeds' J(w) = w²; dJ/dw = 2w. From w = 4 with η = 0.2: 4 → 2.4 → 1.44 → 0.864."""

    name = "parabola"
    title = "Parabola"
    formula = "w²"
    summary = "The seeds' J(w) = w²: from w = 4 with η = 0.2 each step multiplies w by 0.6."
    param_names = ("w",)
    view = ((-5.0, 5.0),)
    default_start = (4.0,)
    lrs = {"gd": 0.2, "momentum": 0.05, "nesterov": 0.05, "adagrad": 1.0, "rmsprop": 0.05,
           "adam": 0.2, "amsgrad": 0.2, "adamw": 0.2, "nadam": 0.2, "radam": 0.5,
           "adamax": 0.3}
    points = (CriticalPoint((0.0,), 0.0, "global minimum"),)

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return theta[..., 0] ** 2, 2.0 * theta


ONE_D_SURFACES: tuple[type[AnalyticSurface], ...] = (Parabola,)
