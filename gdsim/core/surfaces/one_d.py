"""Surfaces over a single parameter w: the main view is the curve L(w)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdsim.core.params import ParamSpec
from gdsim.core.surfaces.analytic import depressed_cubic_roots
from gdsim.core.surfaces.base import AnalyticSurface, CriticalPoint, PointKind


class Parabola(AnalyticSurface):
    """The seeds' J(w) = w²; dJ/dw = 2w. From w = 4 with η = 0.2: 4 → 2.4 → 1.44 → 0.864."""

    name = "parabola"
    title = "Parabola"
    formula = "w²"
    summary = "The seeds' J(w) = w²: from w = 4 with η = 0.2 each step multiplies w by 0.6."
    param_names = ("w",)
    view = ((-5.0, 5.0),)
    default_start = (4.0,)
    lrs = {"gd": 0.2, "momentum": 0.05, "adagrad": 1.0, "rmsprop": 0.05, "adadelta": 1.0,
           "radam": 0.5, "adamax": 0.3, "adam": 0.2}
    points = (CriticalPoint((0.0,), 0.0, "global minimum"),)

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return theta[..., 0] ** 2, 2.0 * theta


def _double_well_points(c: float) -> tuple[CriticalPoint, ...]:
    """Critical points of (w² − 1)² + c·w: the real roots of 4w³ − 4w + c, in closed form.

    For |c| < 8/(3√3) ≈ 1.54 there are two minima and, between them, a local maximum: the
    hump a run must cross to change well.
    """
    points = []
    for w in depressed_cubic_roots(-1.0, c / 4.0):  # w³ − w + c/4 = 0
        loss = (w * w - 1.0) ** 2 + c * w
        curvature = 12.0 * w * w - 4.0
        points.append((w, loss, curvature > 0.0))
    lowest = min(loss for _, loss, is_min in points if is_min)
    out = []
    for w, loss, is_min in points:
        kind: PointKind = "local maximum"
        if is_min:
            kind = "global minimum" if loss <= lowest + 1e-12 else "local minimum"
        out.append(CriticalPoint((w,), loss, kind))
    return tuple(sorted(out, key=lambda p: p.loss))


class DoubleWell(AnalyticSurface):
    """A tilted double well L(w) = (w² − 1)² + c·w; dL/dw = 4w(w² − 1) + c.

    The tilt c (default 0.3) makes the well near w = −1 deeper (L ≈ −0.305) than the one near
    w = +1 (L ≈ 0.294); a local maximum (L ≈ 1.011 at w ≈ 0.075) separates them. The points
    are the roots of the cubic 4w³ − 4w + c, computed in closed form for the actual c. From
    w = 1.9 gradient descent and the adaptive methods settle in the shallow well; momentum
    carries a run over the hump into the deep one, while Nesterov momentum at the same rate
    brakes in time and stays.
    """

    name = "double-well"
    title = "Double well"
    formula = "(w² − 1)² + c·w"
    summary = "Two wells, one deeper: gradient descent stays in the one it starts above."
    param_names = ("w",)
    specs = AnalyticSurface.specs + (
        ParamSpec("tilt", 0.3, "Tilt c: how much deeper the left well is than the right "
                  "(−10 to 10).", low=-10.0, high=10.0, ui_low=-1.5, ui_high=1.5,
                  label="Tilt c"),
    )
    view = ((-2.0, 2.0),)
    default_start = (1.9,)
    lrs = {"gd": 0.01, "momentum": 0.004, "adagrad": 0.25, "rmsprop": 0.005, "adadelta": 1.0,
           "radam": 0.025, "adam": 0.05}
    points = _double_well_points(0.3)

    def __init__(self, seed: int = 0, **params: Any) -> None:
        super().__init__(seed, **params)
        self._c = float(self.params["tilt"])
        self._points = _double_well_points(self._c)

    def critical_points(self) -> list[CriticalPoint]:
        return list(self._points)

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w = theta[..., 0]
        w2 = w * w
        return (w2 - 1.0) ** 2 + self._c * w, (4.0 * w * (w2 - 1.0) + self._c)[..., None]


ONE_D_SURFACES: tuple[type[AnalyticSurface], ...] = (Parabola, DoubleWell)
