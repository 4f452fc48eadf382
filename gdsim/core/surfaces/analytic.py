"""Closed-form test surfaces over two parameters (x, y), with hand-derived gradients.

Minima and domains follow the SFU Virtual Library of Simulation Experiments. Every gradient
below is derived by hand (its formula is in the class docstring) and checked against central
finite differences in ``tests/test_surfaces_analytic.py``; none is computed numerically.

All functions take ``theta`` of shape ``(..., 2)`` — one point ``(2,)``, a batch of runs
``(R, 2)`` or a contour grid ``(G, G, 2)`` — and return the loss ``(...)`` and the gradient
``(..., 2)``. Far from the view box (|θ| ~ 1e6) they stay finite or overflow to ``inf``;
they never raise. The run engine owns any ``np.errstate``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from gdsim.core.params import ParamSpec
from gdsim.core.surfaces.base import AnalyticSurface, CriticalPoint, PointKind


def _xy(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return theta[..., 0], theta[..., 1]


def _stack(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """The gradient ``(..., 2)`` from its components (filled in place: np.stack costs more)."""
    shape = gx.shape if (isinstance(gx, np.ndarray) and isinstance(gy, np.ndarray)
                         and gx.shape == gy.shape) else np.broadcast_shapes(np.shape(gx),
                                                                            np.shape(gy))
    out = np.empty((*shape, 2))
    out[..., 0] = gx
    out[..., 1] = gy
    return out


def _sym(hxx: np.ndarray | float, hxy: np.ndarray | float, hyy: np.ndarray | float,
         shape: tuple[int, ...]) -> np.ndarray:
    """The symmetric 2×2 Hessian ``(*shape, 2, 2)`` from its three entries (broadcast)."""
    out = np.empty((*shape, 2, 2))
    out[..., 0, 0] = hxx
    out[..., 0, 1] = hxy
    out[..., 1, 0] = hxy
    out[..., 1, 1] = hyy
    return out


def _diag(diagonal: np.ndarray) -> np.ndarray:
    """A diagonal Hessian ``(..., d, d)`` from its diagonal ``(..., d)``."""
    d = diagonal.shape[-1]
    out = np.zeros((*diagonal.shape, d))
    idx = np.arange(d)
    out[..., idx, idx] = diagonal
    return out


def depressed_cubic_roots(p: float, q: float) -> tuple[float, ...]:
    """The real roots of t³ + p·t + q = 0, ascending, to machine precision.

    Closed form (trigonometric when there are three real roots, Cardano otherwise), then two
    Newton steps to polish the last bits. A double root is returned once.
    """
    disc = -(4.0 * p**3 + 27.0 * q**2)
    if p < 0.0 and disc > 0.0:
        m = 2.0 * math.sqrt(-p / 3.0)
        phi = math.acos(max(-1.0, min(1.0, 3.0 * q / (p * m))))
        roots = [m * math.cos(phi / 3.0 - 2.0 * math.pi * k / 3.0) for k in range(3)]
    else:
        inner = math.sqrt(max(0.0, q**2 / 4.0 + p**3 / 27.0))
        roots = [math.copysign(abs(-q / 2.0 + inner) ** (1 / 3), -q / 2.0 + inner)
                 + math.copysign(abs(-q / 2.0 - inner) ** (1 / 3), -q / 2.0 - inner)]
    polished = []
    for t in roots:
        for _ in range(2):
            slope = 3.0 * t * t + p
            if slope != 0.0:
                t -= (t**3 + p * t + q) / slope
        polished.append(t)
    out: list[float] = []
    for t in sorted(polished):
        if not out or abs(t - out[-1]) > 1e-9 * max(1.0, abs(t)):
            out.append(t)
    return tuple(out)


# --------------------------------------------------------------------------------------------
class Bowl(AnalyticSurface):
    """The seeds' bowl J(x, y) = x² + y²; ∇J = (2x, 2y)."""

    name = "bowl"
    title = "Bowl"
    formula = "x² + y²"
    summary = "The seeds' convex bowl: from (3, 4) with η = 0.1 one step reaches (2.4, 3.2)."
    param_names = ("x", "y")
    view = ((-5.0, 5.0), (-5.0, 5.0))
    default_start = (3.0, 4.0)
    lrs = {"gd": 0.1, "momentum": 0.05, "adagrad": 1.0, "rmsprop": 0.05, "adadelta": 1.0,
           "radam": 0.5, "adamax": 0.3, "adam": 0.2}
    points = (CriticalPoint((0.0, 0.0), 0.0, "global minimum"),)

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (theta**2).sum(axis=-1), 2.0 * theta

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """∇²J = 2I."""
        theta = np.asarray(theta, dtype=float)
        return _diag(np.full(theta.shape, 2.0))


class Ellipse(AnalyticSurface):
    """An ill-conditioned quadratic L(x, y) = ½(x² + κ·y²); ∇L = (x, κ·y).

    The Hessian is diag(1, κ), so κ (the parameter ``condition``) is its condition number.
    Gradient descent is stable only for η < 2/κ and then creeps along x at rate 1 − η: with
    the default η = 1.8/κ it zigzags across the narrow y direction (factor 1 − 1.8 = −0.8 per
    step) while creeping along x. For κ > 10 the default rates of gd, momentum, nesterov and
    radam (whose first steps are plain momentum steps) are scaled by 10/κ so every κ stays
    stable; the other adaptive methods rescale each coordinate on their own.
    """

    name = "ellipse"
    title = "Elongated bowl"
    formula = "½(x² + κ·y²)"
    summary = "A quadratic with condition number κ: gradient descent zigzags across the valley."
    param_names = ("x", "y")
    specs = AnalyticSurface.specs + (
        ParamSpec("condition", 10.0, "Condition number κ: the curvature along y divided by "
                  "the curvature along x (1 to 10⁶).", low=1.0, high=1e6, log=True,
                  ui_high=1000.0,
                  label="Condition number κ"),
    )
    view = ((-5.0, 5.0), (-3.0, 3.0))
    default_start = (-4.5, 2.0)
    lrs = {"gd": 0.18, "momentum": 0.05, "adagrad": 0.5, "rmsprop": 0.01, "adadelta": 1.0,
           "adamax": 0.2, "adam": 0.1}
    points = (CriticalPoint((0.0, 0.0), 0.0, "global minimum"),)
    _CURVATURE_SCALED: ClassVar[frozenset[str]] = frozenset(
        {"gd", "momentum", "nesterov", "radam"})

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def default_lr(self, optimizer: str) -> float:
        """The table's rate, scaled by 10/κ for the curvature-bound methods when κ > 10."""
        lr = super().default_lr(optimizer)
        if optimizer in self._CURVATURE_SCALED:
            lr *= 10.0 / max(10.0, float(self.params["condition"]))
        return lr

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kappa = float(self.params["condition"])
        x, y = _xy(theta)
        return 0.5 * (x * x + kappa * y * y), _stack(x, kappa * y)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """∇²L = diag(1, κ)."""
        theta = np.asarray(theta, dtype=float)
        return _sym(1.0, 0.0, float(self.params["condition"]), theta.shape[:-1])


class Rosenbrock(AnalyticSurface):
    """Rosenbrock's banana valley L = (1 − x)² + 100(y − x²)².

    ∂L/∂x = −2(1 − x) − 400x(y − x²), ∂L/∂y = 200(y − x²). The only critical point is the
    global minimum 0 at (1, 1), at the end of a long, curved, nearly flat valley along y = x²:
    from (−1.5, 2) gradient descent (η = 0.001; the valley walls allow at most about 0.002)
    drops into the valley within a few steps and then crawls round the bend — after 2000
    steps it has only reached (0.56, 0.31). Momentum, Nesterov momentum and Adam reach (1, 1).
    """

    name = "rosenbrock"
    title = "Rosenbrock"
    formula = "(1 − x)² + 100(y − x²)²"
    summary = "A long curved valley: finding it is easy, following it to (1, 1) is slow."
    param_names = ("x", "y")
    view = ((-2.0, 2.0), (-1.0, 3.0))
    default_start = (-1.5, 2.0)
    log_scale = True
    lrs = {"gd": 0.001, "momentum": 0.001, "adagrad": 0.5, "rmsprop": 0.005, "adadelta": 0.25,
           "amsgrad": 0.1, "nadam": 0.02, "radam": 0.005, "adamax": 0.2, "adam": 0.05}
    points = (CriticalPoint((1.0, 1.0), 0.0, "global minimum"),)

    finite_within_bound = True  # |θ| ≤ 4000: L < 3e16, |∇L| < 3e13

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(theta)
        one_minus_x = 1.0 - x
        valley = y - x * x
        loss = one_minus_x * one_minus_x + 100.0 * (valley * valley)
        return loss, self._grad(theta, x, one_minus_x, valley)

    def df(self, theta: np.ndarray) -> np.ndarray:
        x, y = _xy(theta)
        return self._grad(theta, x, 1.0 - x, y - x * x)

    @staticmethod
    def _grad(theta: np.ndarray, x: np.ndarray, one_minus_x: np.ndarray,
              valley: np.ndarray) -> np.ndarray:
        grad = np.empty(np.shape(theta))  # each component written into its column at once
        np.subtract(-2.0 * one_minus_x, 400.0 * x * valley, out=grad[..., 0])
        np.multiply(200.0, valley, out=grad[..., 1])
        return grad

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """∂²L/∂x² = 2 − 400(y − x²) + 800x², ∂²L/∂x∂y = −400x, ∂²L/∂y² = 200."""
        x, y = _xy(np.asarray(theta, dtype=float))
        return _sym(2.0 - 400.0 * (y - x * x) + 800.0 * x * x, -400.0 * x, 200.0, x.shape)


class Himmelblau(AnalyticSurface):
    """Himmelblau's function L = (x² + y − 11)² + (x + y² − 7)², four equal minima.

    With a = x² + y − 11 and b = x + y² − 7: ∂L/∂x = 4x·a + 2b, ∂L/∂y = 2a + 4y·b.
    Nine critical points: four global minima (L = 0), four saddles between them and a local
    maximum, L ≈ 181.617 at (−0.270845, −0.923039), which is listed nowhere because the
    critical-point kinds have no maximum. Which minimum a run finds depends on the start and
    the optimizer: from (0.5, −4.5) gradient descent goes to (3.584, −1.848), while momentum
    swings round to (3, 2).
    """

    name = "himmelblau"
    title = "Himmelblau"
    formula = "(x² + y − 11)² + (x + y² − 7)²"
    summary = "Four equally deep minima: the start and the optimizer decide which one wins."
    param_names = ("x", "y")
    view = ((-5.0, 5.0), (-5.0, 5.0))
    default_start = (0.5, -4.5)
    log_scale = True
    lrs = {"gd": 0.002, "momentum": 0.0005, "adagrad": 0.5, "rmsprop": 0.01, "adadelta": 0.5,
           "radam": 0.01, "adamax": 0.1, "adam": 0.05}
    points = (
        CriticalPoint((3.0, 2.0), 0.0, "global minimum"),
        CriticalPoint((-2.805118086952745, 3.131312518250573), 0.0, "global minimum"),
        CriticalPoint((-3.779310253377747, -3.283185991286169), 0.0, "global minimum"),
        CriticalPoint((3.5844283403304917, -1.8481265269644036), 0.0, "global minimum"),
        CriticalPoint((3.385154183607021, 0.0738518798377493), 13.311926270405587, "saddle"),
        CriticalPoint((0.08667750455539636, 2.884254701174776), 67.71915008752613, "saddle"),
        CriticalPoint((-3.0730257507643897, -0.08135304428796751), 104.01516291755811,
                      "saddle"),
        CriticalPoint((-0.12796134673068005, -1.9537149802445766), 178.33723920192745,
                      "saddle"),
    )

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(theta)
        a = x * x + y - 11.0
        b = x + y * y - 7.0
        return a * a + b * b, _stack(4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b)

    def df(self, theta: np.ndarray) -> np.ndarray:
        x, y = _xy(theta)
        a = x * x + y - 11.0
        b = x + y * y - 7.0
        return _stack(4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """∂²L/∂x² = 4a + 8x² + 2, ∂²L/∂x∂y = 4(x + y), ∂²L/∂y² = 2 + 4b + 8y²."""
        x, y = _xy(np.asarray(theta, dtype=float))
        a = x * x + y - 11.0
        b = x + y * y - 7.0
        return _sym(4.0 * a + 8.0 * x * x + 2.0, 4.0 * (x + y), 2.0 + 4.0 * b + 8.0 * y * y,
                    x.shape)


class Beale(AnalyticSurface):
    """Beale's function L = r₁² + r₂² + r₃², rₖ = cₖ − x + x·yᵏ, c = (1.5, 2.25, 2.625).

    ∂rₖ/∂x = yᵏ − 1 and ∂rₖ/∂y = k·x·yᵏ⁻¹, so ∂L/∂x = 2 Σ rₖ(yᵏ − 1) and
    ∂L/∂y = 2 Σ rₖ·k·x·yᵏ⁻¹. Global minimum 0 at (3, 0.5) in a flat, narrow, curved trough;
    saddles at (0, 1) (L = 14.203125, on the level line x = 0) and near (0.1005, −2.6445).
    The loss runs from 0 to about 2·10⁵ over the view box, so the gradient's scale varies
    wildly; from (1, 1.5) every optimizer reaches (3, 0.5) along the trough.
    """

    name = "beale"
    title = "Beale"
    formula = "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²"
    summary = "Flat plateaus and sharp ridges: gradients differ by decades across the map."
    param_names = ("x", "y")
    view = ((-4.5, 4.5), (-4.5, 4.5))
    default_start = (1.0, 1.5)
    log_scale = True
    lrs = {"gd": 0.01, "momentum": 0.001, "adagrad": 0.5, "rmsprop": 0.005, "adadelta": 0.5,
           "radam": 0.01, "adamax": 0.2, "adam": 0.05}
    points = (
        CriticalPoint((3.0, 0.5), 0.0, "global minimum"),
        CriticalPoint((0.0, 1.0), 14.203125, "saddle"),
        CriticalPoint((0.10053793732415842, -2.6445135850231245), 9.86451228475556, "saddle"),
    )

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(theta)
        y2 = y * y
        y3 = y2 * y
        r1 = 1.5 - x + x * y
        r2 = 2.25 - x + x * y2
        r3 = 2.625 - x + x * y3
        loss = r1 * r1 + r2 * r2 + r3 * r3
        gx = 2.0 * (r1 * (y - 1.0) + r2 * (y2 - 1.0) + r3 * (y3 - 1.0))
        gy = 2.0 * x * (r1 + 2.0 * r2 * y + 3.0 * r3 * y2)
        return loss, _stack(gx, gy)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """With rₖ as above: ∂²L/∂x² = 2 Σ (yᵏ − 1)²,
        ∂²L/∂x∂y = 2 Σ k·yᵏ⁻¹·(x(yᵏ − 1) + rₖ),
        ∂²L/∂y² = 2x Σ k·(k·x·y²ᵏ⁻² + (k − 1)·rₖ·yᵏ⁻²)."""
        x, y = _xy(np.asarray(theta, dtype=float))
        y2 = y * y
        y3 = y2 * y
        r1 = 1.5 - x + x * y
        r2 = 2.25 - x + x * y2
        r3 = 2.625 - x + x * y3
        hxx = 2.0 * ((y - 1.0) ** 2 + (y2 - 1.0) ** 2 + (y3 - 1.0) ** 2)
        hxy = 2.0 * ((x * (y - 1.0) + r1) + 2.0 * y * (x * (y2 - 1.0) + r2)
                     + 3.0 * y2 * (x * (y3 - 1.0) + r3))
        hyy = 2.0 * x * (x + 2.0 * (2.0 * x * y2 + r2) + 3.0 * (3.0 * x * y2 * y2 + 2.0 * r3 * y))
        return _sym(hxx, hxy, hyy, x.shape)


class Booth(AnalyticSurface):
    """Booth's function L = (x + 2y − 7)² + (2x + y − 5)², a tilted quadratic.

    With a = x + 2y − 7 and b = 2x + y − 5: ∂L/∂x = 2a + 4b, ∂L/∂y = 4a + 2b. The Hessian
    [[10, 8], [8, 10]] has eigenvalues 18 (along (1, 1)) and 2 (along (1, −1)): coupled
    parameters, condition number 9. Global minimum 0 at (1, 3).
    """

    name = "booth"
    title = "Booth"
    formula = "(x + 2y − 7)² + (2x + y − 5)²"
    summary = "A tilted quadratic valley: coupled parameters make gradient descent zigzag."
    param_names = ("x", "y")
    view = ((-10.0, 10.0), (-10.0, 10.0))
    default_start = (-7.0, -2.0)
    log_scale = True
    lrs = {"gd": 0.08, "momentum": 0.01, "adagrad": 2.5, "rmsprop": 0.1, "adadelta": 2.0,
           "radam": 0.1, "adamax": 0.5, "adam": 0.25}
    points = (CriticalPoint((1.0, 3.0), 0.0, "global minimum"),)

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(theta)
        a = x + 2.0 * y - 7.0
        b = 2.0 * x + y - 5.0
        return a * a + b * b, _stack(2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """The constant [[10, 8], [8, 10]]."""
        theta = np.asarray(theta, dtype=float)
        return _sym(10.0, 8.0, 10.0, theta.shape[:-1])


class Rastrigin(AnalyticSurface):
    """Rastrigin's function L = 20 + Σᵢ [xᵢ² − 10 cos(2πxᵢ)] (A = 10, two dimensions).

    ∂L/∂xᵢ = 2xᵢ + 20π sin(2πxᵢ). Global minimum 0 at the origin inside an egg-crate of
    about a hundred local minima near the integer points of the view box (not listed).
    Every optimizer at its default rate stops in the first local minimum it meets: from
    (−4.4, 3.4) that is the one near (−3.98, 2.98), L ≈ 24.9.
    """

    name = "rastrigin"
    title = "Rastrigin"
    formula = "20 + x² − 10 cos 2πx + y² − 10 cos 2πy"
    summary = "An egg-crate of local minima over a bowl: gradient descent stops in the first."
    param_names = ("x", "y")
    view = ((-5.12, 5.12), (-5.12, 5.12))
    default_start = (-4.4, 3.4)
    lrs = {"gd": 0.001, "momentum": 0.0005, "adagrad": 0.5, "rmsprop": 0.005, "adadelta": 0.5,
           "nadam": 0.025, "radam": 0.005, "adam": 0.05}
    points = (CriticalPoint((0.0, 0.0), 0.0, "global minimum"),)

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        two_pi_theta = 2.0 * np.pi * theta
        # Σ [θᵢ² + 10(1 − cos 2πθᵢ)] is the same function, exactly 0 at the origin.
        loss = (theta * theta + 10.0 * (1.0 - np.cos(two_pi_theta))).sum(axis=-1)
        return loss, 2.0 * theta + 20.0 * np.pi * np.sin(two_pi_theta)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Diagonal: ∂²L/∂xᵢ² = 2 + 40π² cos(2πxᵢ)."""
        theta = np.asarray(theta, dtype=float)
        return _diag(2.0 + 40.0 * np.pi**2 * np.cos(2.0 * np.pi * theta))


class Ackley(AnalyticSurface):
    """Ackley's function L = −20 e^(−0.2 r) − e^(½(cos 2πx + cos 2πy)) + e + 20, r = √(½(x²+y²)).

    With E = e^(½(cos 2πx + cos 2πy)): ∂L/∂x = 2x·e^(−0.2 r)/r + π·E·sin 2πx (likewise for
    y). The first term is a cone, not differentiable at the origin; there this gradient is
    defined as 0 (its value is exactly 0 there, so the global minimum is a fixed point).
    Ripples make a local minimum near every integer point; the cone funnels towards 0.
    From (−2.2, 1.7) gradient descent stops in the ripple near (−1.97, 1.97); Adagrad's large
    first steps hop over the ripples into the central hole.
    """

    name = "ackley"
    title = "Ackley"
    formula = "−20 exp(−0.2 √(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + e + 20"
    summary = "A rippled funnel: many small local minima around one deep, sharp hole."
    param_names = ("x", "y")
    view = ((-5.0, 5.0), (-5.0, 5.0))
    default_start = (-2.2, 1.7)
    lrs = {"gd": 0.01, "momentum": 0.005, "adagrad": 1.0, "rmsprop": 0.02, "adadelta": 0.5,
           "nadam": 0.05, "radam": 0.05, "adam": 0.1}
    points = (CriticalPoint((0.0, 0.0), 0.0, "global minimum"),)

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(theta)
        r = np.sqrt(0.5 * (x * x + y * y))
        cone = np.exp(-0.2 * r)
        two_pi_x = 2.0 * np.pi * x
        two_pi_y = 2.0 * np.pi * y
        ripple = np.exp(0.5 * (np.cos(two_pi_x) + np.cos(two_pi_y)))
        loss = 20.0 * (1.0 - cone) + (np.e - ripple)
        positive = r > 0.0
        cone_coef = np.where(positive, 2.0 * cone / np.where(positive, r, 1.0), 0.0)
        gx = cone_coef * x + np.pi * ripple * np.sin(two_pi_x)
        gy = cone_coef * y + np.pi * ripple * np.sin(two_pi_y)
        return loss, _stack(gx, gy)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """The cone's Hessian c·I + (c′(r)/(2r))·θθᵀ with c = 2e^(−0.2r)/r and
        c′ = −2e^(−0.2r)(0.2/r + 1/r²), plus the ripple's: with E as above,
        ∂²/∂x² = π²E(2 cos 2πx − sin² 2πx), ∂²/∂x∂y = −π²E·sin 2πx·sin 2πy.

        At the origin the cone has no Hessian (its curvature grows like 1/r); there, as for the
        gradient, the cone's part is taken as 0 and only the ripple's Hessian is returned.
        """
        x, y = _xy(np.asarray(theta, dtype=float))
        r = np.sqrt(0.5 * (x * x + y * y))
        positive = r > 0.0
        safe_r = np.where(positive, r, 1.0)
        cone = np.exp(-0.2 * r)
        c = np.where(positive, 2.0 * cone / safe_r, 0.0)
        dc = np.where(positive, -2.0 * cone * (0.2 / safe_r + 1.0 / safe_r**2) / (2.0 * safe_r),
                      0.0)
        sx, sy = np.sin(2.0 * np.pi * x), np.sin(2.0 * np.pi * y)
        cx, cy = np.cos(2.0 * np.pi * x), np.cos(2.0 * np.pi * y)
        ripple = np.pi**2 * np.exp(0.5 * (cx + cy))
        return _sym(c + dc * x * x + ripple * (2.0 * cx - sx * sx),
                    dc * x * y - ripple * sx * sy,
                    c + dc * y * y + ripple * (2.0 * cy - sy * sy), x.shape)


class SixHumpCamel(AnalyticSurface):
    """The six-hump camel L = (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y².

    ∂L/∂x = 8x − 8.4x³ + 2x⁵ + y, ∂L/∂y = x − 8y + 16y³. Six minima — two global (−1.031628
    at ±(0.089842, −0.712656)), two at ±(1.703607, −0.796084) (−0.215464) and two at
    ±(1.607105, 0.568651) (2.104250) — seven saddles (one at the origin) and two maxima (not
    listed). The view is the central part of the usual domain [−3, 3] × [−2, 2]. The default
    start (−1.2, 0) lies on the hump near the maximum at (−1.230, −0.162): gradient descent and
    momentum roll down to the local minimum (−1.704, 0.796), while the adaptive methods, whose
    steps follow the gradient's signs more than its size, reach the global one (−0.090, 0.713).
    """

    name = "six-hump-camel"
    title = "Six-hump camel"
    formula = "(4 − 2.1x² + x⁴/3)x² + xy + (4y² − 4)y²"
    summary = "Six minima, two of them global: which one a run ends in depends on the path."
    param_names = ("x", "y")
    view = ((-2.0, 2.0), (-1.0, 1.0))
    default_start = (-1.2, 0.0)
    lrs = {"gd": 0.01, "momentum": 0.002, "adagrad": 0.1, "rmsprop": 0.005, "adadelta": 0.5,
           "adam": 0.03}
    points = (
        CriticalPoint((0.08984201310031807, -0.7126564030207396), -1.0316284534898774,
                      "global minimum"),
        CriticalPoint((-0.08984201310031807, 0.7126564030207396), -1.0316284534898774,
                      "global minimum"),
        CriticalPoint((1.7036067149699812, -0.7960835686726251), -0.21546382438371525,
                      "local minimum"),
        CriticalPoint((-1.7036067149699812, 0.7960835686726251), -0.21546382438371525,
                      "local minimum"),
        CriticalPoint((1.6071047529201976, 0.5686514548841313), 2.1042503103112593,
                      "local minimum"),
        CriticalPoint((-1.6071047529201976, -0.5686514548841313), 2.1042503103112593,
                      "local minimum"),
        CriticalPoint((0.0, 0.0), 0.0, "saddle"),
        CriticalPoint((1.1092053368047865, -0.7682680925095399), 0.5437186009781854, "saddle"),
        CriticalPoint((-1.1092053368047865, 0.7682680925095399), 0.5437186009781854, "saddle"),
        CriticalPoint((1.6380679841897787, 0.22867406904439408), 2.229357197530713, "saddle"),
        CriticalPoint((-1.6380679841897787, -0.22867406904439408), 2.229357197530713,
                      "saddle"),
        CriticalPoint((1.2960702671671092, 0.6050843880386585), 2.229470818029859, "saddle"),
        CriticalPoint((-1.2960702671671092, -0.6050843880386585), 2.229470818029859,
                      "saddle"),
    )

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(theta)
        x2 = x * x
        y2 = y * y
        loss = (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2
        return loss, self.df(theta)

    def df(self, theta: np.ndarray) -> np.ndarray:
        x, y = _xy(theta)
        x2 = x * x
        y2 = y * y
        gx = 8.0 * x - 8.4 * x2 * x + 2.0 * x2 * x2 * x + y
        gy = x - 8.0 * y + 16.0 * y2 * y
        return _stack(gx, gy)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """∂²L/∂x² = 8 − 25.2x² + 10x⁴, ∂²L/∂x∂y = 1, ∂²L/∂y² = −8 + 48y²."""
        x, y = _xy(np.asarray(theta, dtype=float))
        x2 = x * x
        return _sym(8.0 - 25.2 * x2 + 10.0 * x2 * x2, 1.0, -8.0 + 48.0 * y * y, x.shape)


def _styblinski_tang_points() -> tuple[CriticalPoint, ...]:
    """Critical points of ½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ): each coordinate a root of 4t³ − 32t + 5."""
    low, mid, high = depressed_cubic_roots(-8.0, 1.25)  # t³ − 8t + 5/4 = 0

    def g(t: float) -> float:
        return 0.5 * (t**4 - 16.0 * t**2 + 5.0 * t)

    def point(a: float, b: float, kind: PointKind) -> CriticalPoint:
        return CriticalPoint((a, b), g(a) + g(b), kind)

    return (
        point(low, low, "global minimum"),
        point(low, high, "local minimum"),
        point(high, low, "local minimum"),
        point(high, high, "local minimum"),
        point(mid, low, "saddle"),
        point(low, mid, "saddle"),
        point(mid, high, "saddle"),
        point(high, mid, "saddle"),
    )


class StyblinskiTang(AnalyticSurface):
    """The Styblinski–Tang function L = ½ Σᵢ (xᵢ⁴ − 16xᵢ² + 5xᵢ).

    ∂L/∂xᵢ = 2xᵢ³ − 16xᵢ + 2.5. Each coordinate has a deep minimum at t₁ ≈ −2.903534, a
    shallower one at t₃ ≈ 2.746803 and a maximum at t₂ ≈ 0.156731 (the roots of
    4t³ − 32t + 5, computed in closed form): the global minimum −78.33233 at (t₁, t₁), three
    local minima, four saddles and a maximum at (t₂, t₂) (not listed). From (4.8, −0.2)
    gradient descent settles in the local minimum (t₃, t₁) (−64.19561); momentum carries x over
    the ridge at t₂ into the global minimum, Nesterov momentum brakes in time and does not.
    """

    name = "styblinski-tang"
    title = "Styblinski–Tang"
    formula = "½(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)"
    summary = "Four minima in a square: the global one is only a little deeper than the rest."
    param_names = ("x", "y")
    view = ((-5.0, 5.0), (-5.0, 5.0))
    default_start = (4.8, -0.2)
    lrs = {"gd": 0.01, "momentum": 0.004, "adagrad": 0.5, "rmsprop": 0.02, "adadelta": 1.0,
           "radam": 0.01, "adam": 0.1}
    points = _styblinski_tang_points()

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t2 = theta * theta
        loss = 0.5 * (t2 * t2 - 16.0 * t2 + 5.0 * theta).sum(axis=-1)
        return loss, 2.0 * t2 * theta - 16.0 * theta + 2.5

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Diagonal: ∂²L/∂xᵢ² = 6xᵢ² − 16."""
        theta = np.asarray(theta, dtype=float)
        return _diag(6.0 * theta * theta - 16.0)


class GoldsteinPrice(AnalyticSurface):
    """The Goldstein–Price function L = A·B with

    A = 1 + s²·P, s = x + y + 1, P = 19 − 14x + 3x² − 14y + 6xy + 3y²,
    B = 30 + t²·Q, t = 2x − 3y, Q = 18 − 32x + 12x² + 48y − 36xy + 27y².

    By the product rule ∇L = B·∇A + A·∇B, where ∂A/∂x = ∂A/∂y = 2s·P + s²(6x + 6y − 14),
    ∂B/∂x = 4t·Q + t²(24x − 36y − 32), ∂B/∂y = −6t·Q + t²(54y − 36x + 48).
    Global minimum 3 at (0, −1); local minima 30 at (−0.6, −0.4), 84 at (1.8, 0.2) and 840 at
    (1.2, 0.8); saddles 35, 99, 980, 990; a maximum 1155 at (0.8, 0.2) (not listed). The loss
    spans six decades, so a fixed step is either far too small or explosive somewhere: from
    (−1.5, −1.5) gradient descent needs η ≈ 2e−5 (it diverges at 1e−4), and RAdam, whose first
    steps are plain momentum steps, must use a rate so small that it then hardly moves. Adam
    reaches the global minimum; Adagrad, RMSprop and NAdam settle in the local one at 30.
    """

    name = "goldstein-price"
    title = "Goldstein–Price"
    formula = ("[1 + (x+y+1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]"
               "·[30 + (2x−3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]")
    summary = "Steep walls and flat terraces over six decades of loss, with three local minima."
    param_names = ("x", "y")
    view = ((-2.0, 2.0), (-2.0, 2.0))
    default_start = (-1.5, -1.5)
    log_scale = True
    lrs = {"gd": 2e-05, "momentum": 2e-06, "adagrad": 0.5, "rmsprop": 0.01, "adadelta": 50.0,
           "radam": 2e-05, "adam": 0.1}
    points = (
        CriticalPoint((0.0, -1.0), 3.0, "global minimum"),
        CriticalPoint((-0.6, -0.4), 30.0, "local minimum"),
        CriticalPoint((1.8, 0.2), 84.0, "local minimum"),
        CriticalPoint((1.2, 0.8), 840.0, "local minimum"),
        CriticalPoint((-0.4, -0.6), 35.0, "saddle"),
        CriticalPoint((1.2, -0.2), 99.0, "saddle"),
        CriticalPoint((1.4, 0.6), 980.0, "saddle"),
        CriticalPoint((0.6, 0.4), 990.0, "saddle"),
    )

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(theta)
        s = x + y + 1.0
        p = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
        a = 1.0 + s * s * p
        t = 2.0 * x - 3.0 * y
        q = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
        b = 30.0 + t * t * q
        da = 2.0 * s * p + s * s * (6.0 * x + 6.0 * y - 14.0)
        dbx = 4.0 * t * q + t * t * (24.0 * x - 36.0 * y - 32.0)
        dby = -6.0 * t * q + t * t * (54.0 * y - 36.0 * x + 48.0)
        return a * b, _stack(da * b + a * dbx, da * b + a * dby)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """∇²L = B·∇²A + ∇A∇Bᵀ + ∇B∇Aᵀ + A·∇²B, where (with P′ = 6x + 6y − 14)
        every entry of ∇²A is 2P + 4s·P′ + 6s², and with Qx = 24x − 36y − 32,
        Qy = 54y − 36x + 48: ∂²B/∂x² = 8Q + 8t·Qx + 24t², ∂²B/∂x∂y = −12Q + 4t·Qy − 6t·Qx
        − 36t², ∂²B/∂y² = 18Q − 12t·Qy + 54t²."""
        x, y = _xy(np.asarray(theta, dtype=float))
        s = x + y + 1.0
        p = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
        dp = 6.0 * x + 6.0 * y - 14.0
        a = 1.0 + s * s * p
        da = 2.0 * s * p + s * s * dp
        d2a = 2.0 * p + 4.0 * s * dp + 6.0 * s * s
        t = 2.0 * x - 3.0 * y
        q = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
        qx = 24.0 * x - 36.0 * y - 32.0
        qy = 54.0 * y - 36.0 * x + 48.0
        b = 30.0 + t * t * q
        dbx = 4.0 * t * q + t * t * qx
        dby = -6.0 * t * q + t * t * qy
        bxx = 8.0 * q + 8.0 * t * qx + 24.0 * t * t
        bxy = -12.0 * q + 4.0 * t * qy - 6.0 * t * qx - 36.0 * t * t
        byy = 18.0 * q - 12.0 * t * qy + 54.0 * t * t
        return _sym(b * d2a + 2.0 * da * dbx + a * bxx,
                    b * d2a + da * dby + dbx * da + a * bxy,
                    b * d2a + 2.0 * da * dby + a * byy, x.shape)


class Saddle(AnalyticSurface):
    """The saddle L = x² − y²; ∇L = (2x, −2y). No minimum: a saddle at the origin.

    From (−1.9, 0.001) gradient descent slides towards the saddle along x, lingers there while
    the tiny y offset grows by a factor 1 + 2η per step, then escapes downhill along +y (the
    loss is unbounded below, so every run eventually leaves the view). Adaptive methods, whose
    steps do not shrink with the gradient, escape at once.
    """

    name = "saddle"
    title = "Saddle"
    formula = "x² − y²"
    summary = "A saddle point: the gradient vanishes, yet it is no minimum; runs slow and escape."
    param_names = ("x", "y")
    view = ((-2.0, 2.0), (-2.0, 2.0))
    default_start = (-1.9, 0.001)
    lrs = {"gd": 0.05, "momentum": 0.01, "adagrad": 0.2, "rmsprop": 0.01, "adadelta": 1.0,
           "adam": 0.05}
    points = (CriticalPoint((0.0, 0.0), 0.0, "saddle"),)

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(theta)
        return x * x - y * y, _stack(2.0 * x, -2.0 * y)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """The constant diag(2, −2): one positive and one negative curvature."""
        theta = np.asarray(theta, dtype=float)
        return _sym(2.0, 0.0, -2.0, theta.shape[:-1])


class MonkeySaddle(AnalyticSurface):
    """The monkey saddle L = x³ − 3xy²; ∇L = (3x² − 3y², −6xy).

    In polar form L = r³ cos 3φ: three valleys (φ = 60°, 180°, 300°) and three ridges. The
    origin is a degenerate saddle — the gradient there is of order r², so runs that approach
    it along the ridge φ = 0 crawl before turning into a valley. No minimum. From (1.8, 0.001)
    gradient descent crawls towards the origin and turns into the valley at 60°; momentum
    overshoots straight through the saddle into the valley at 180°.
    """

    name = "monkey-saddle"
    title = "Monkey saddle"
    formula = "x³ − 3xy²"
    summary = "A degenerate saddle with three valleys: the gradient fades as r², runs crawl."
    param_names = ("x", "y")
    view = ((-2.0, 2.0), (-2.0, 2.0))
    default_start = (1.8, 0.001)
    lrs = {"gd": 0.05, "momentum": 0.005, "adagrad": 0.2, "rmsprop": 0.01, "adadelta": 1.0,
           "adam": 0.05}
    points = (CriticalPoint((0.0, 0.0), 0.0, "saddle"),)

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = _xy(theta)
        x2 = x * x
        y2 = y * y
        return x * (x2 - 3.0 * y2), _stack(3.0 * (x2 - y2), -6.0 * x * y)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """[[6x, −6y], [−6y, −6x]]: eigenvalues ±6r, zero at the degenerate saddle."""
        x, y = _xy(np.asarray(theta, dtype=float))
        return _sym(6.0 * x, -6.0 * y, -6.0 * x, x.shape)


_WELL_WIDTH = 0.2  # the denominator of the two wells' Gaussian exponents


def _two_wells_f(theta: np.ndarray, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    x, y = _xy(theta)
    y2 = y * y
    e1 = np.exp(-((x - 1.0) ** 2 + y2) / _WELL_WIDTH)
    e2 = np.exp(-((x + 1.0) ** 2 + y2) / _WELL_WIDTH)
    loss = x * x + y2 - a * e1 - b * e2
    k = 2.0 / _WELL_WIDTH
    gx = 2.0 * x + k * (a * (x - 1.0) * e1 + b * (x + 1.0) * e2)
    gy = y * (2.0 + k * (a * e1 + b * e2))
    return loss, _stack(gx, gy)


def _two_wells_hessian(theta: np.ndarray, a: float, b: float) -> np.ndarray:
    """The two wells' Hessian, k = 2/0.2 = 10:
    ∂²L/∂x² = 2 + k[a·e₁(1 − k(x − 1)²) + b·e₂(1 − k(x + 1)²)],
    ∂²L/∂x∂y = −k²·y·[a(x − 1)e₁ + b(x + 1)e₂],
    ∂²L/∂y² = 2 + k(1 − k·y²)(a·e₁ + b·e₂)."""
    x, y = _xy(theta)
    y2 = y * y
    e1 = a * np.exp(-((x - 1.0) ** 2 + y2) / _WELL_WIDTH)
    e2 = b * np.exp(-((x + 1.0) ** 2 + y2) / _WELL_WIDTH)
    k = 2.0 / _WELL_WIDTH
    hxx = 2.0 + k * (e1 * (1.0 - k * (x - 1.0) ** 2) + e2 * (1.0 - k * (x + 1.0) ** 2))
    hxy = -k * k * y * ((x - 1.0) * e1 + (x + 1.0) * e2)
    hyy = 2.0 + k * (1.0 - k * y2) * (e1 + e2)
    return _sym(hxx, hxy, hyy, x.shape)


def _two_wells_points(a: float, b: float) -> tuple[CriticalPoint, ...]:
    """The critical points of the two-wells surface, found numerically.

    ∂L/∂y = y·(2 + 10a·e₁ + 10b·e₂) vanishes only on y = 0 (for a, b ≥ 0), and there
    |10a(x − 1)e₁| ≤ 1.93a, so every critical point lies on the x axis with |x| ≤ a + b.
    The sign changes of ∂L/∂x on a fine grid bracket them; safeguarded Newton steps (the
    second derivative by central differences of the analytic gradient) polish each one. A
    point is a minimum when both Hessian eigenvalues are positive (∂²L/∂y² > 0 always), a
    saddle otherwise.
    """

    def gx(x: float) -> float:
        return float(_two_wells_f(np.array([x, 0.0]), a, b)[1][0])

    def hessian(x: float) -> np.ndarray:
        h = 1e-5
        cols = [(_two_wells_f(np.array([x, 0.0]) + d, a, b)[1]
                 - _two_wells_f(np.array([x, 0.0]) - d, a, b)[1]) / (2 * h)
                for d in (np.array([h, 0.0]), np.array([0.0, h]))]
        hess = np.stack(cols, axis=1)
        return 0.5 * (hess + hess.T)

    reach = a + b + 1.0
    grid = np.linspace(-reach, reach, 20_001)
    slope = _two_wells_f(np.stack([grid, np.zeros_like(grid)], axis=-1), a, b)[1][:, 0]
    found: list[float] = []
    for i in np.flatnonzero(np.sign(slope[:-1]) * np.sign(slope[1:]) <= 0):
        lo, hi = float(grid[i]), float(grid[i + 1])
        g_lo = gx(lo)
        x = 0.5 * (lo + hi)
        for _ in range(60):
            g = gx(x)
            if g == 0.0:
                break
            if (g > 0) == (g_lo > 0):
                lo, g_lo = x, g
            else:
                hi = x
            curvature = hessian(x)[0, 0]
            step = x - g / curvature if curvature != 0.0 else 0.5 * (lo + hi)
            x_new = step if lo < step < hi else 0.5 * (lo + hi)
            if abs(x_new - x) < 1e-15 * max(1.0, abs(x)):
                x = x_new
                break
            x = x_new
        if not found or abs(x - found[-1]) > 1e-9:
            found.append(x)
    points: list[tuple[float, float, bool]] = []
    for x in found:
        loss = float(_two_wells_f(np.array([x, 0.0]), a, b)[0])
        is_min = bool(np.linalg.eigvalsh(hessian(x)).min() > 0.0)
        points.append((float(x) + 0.0, loss, is_min))  # + 0.0 turns −0.0 into 0.0
    lowest = min((loss for _, loss, is_min in points if is_min), default=math.inf)
    out = []
    for x, loss, is_min in points:
        kind: PointKind = "saddle"
        if is_min:
            deepest = loss <= lowest + 1e-12 * max(1.0, abs(lowest))
            kind = "global minimum" if deepest else "local minimum"
        out.append(CriticalPoint((x, 0.0), loss, kind))
    return tuple(sorted(out, key=lambda p: p.loss))


class TwoWells(AnalyticSurface):
    """Two Gaussian wells in a bowl:
    L = x² + y² − a·exp(−((x − 1)² + y²)/0.2) − b·exp(−((x + 1)² + y²)/0.2).

    With e₁, e₂ the two exponentials: ∂L/∂x = 2x + 10a(x − 1)e₁ + 10b(x + 1)e₂ and
    ∂L/∂y = 2y + 10a·y·e₁ + 10b·y·e₂. With a > b the well near (1, 0) is deeper. The minima
    and the saddles between them are computed at construction (see :func:`_two_wells_points`).
    For the defaults a = 2, b = 1: the deep well at (0.905, 0) (L ≈ −1.093), the shallow one at
    (−0.805, 0) (L ≈ −0.179) and the saddle at (−0.301, 0) (L ≈ 0.003). From (−1.5, 1.2)
    gradient descent and the adaptive methods settle in the shallow well; momentum carries a
    run over the saddle into the deep one.
    """

    name = "two-wells"
    title = "Two wells"
    formula = "x² + y² − a·exp(−((x−1)² + y²)/0.2) − b·exp(−((x+1)² + y²)/0.2)"
    summary = "A deep and a shallow well: a local minimum can trap a run for good."
    param_names = ("x", "y")
    specs = AnalyticSurface.specs + (
        ParamSpec("a", 2.0, "Depth of the well near (1, 0) (0 to 100).", low=0.0,
                  high=100.0, ui_high=5.0,
                  label="Right-well depth a"),
        ParamSpec("b", 1.0, "Depth of the well near (−1, 0) (0 to 100).", low=0.0,
                  high=100.0, ui_high=5.0,
                  label="Left-well depth b"),
    )
    view = ((-2.0, 2.0), (-2.0, 2.0))
    default_start = (-1.5, 1.2)
    lrs = {"gd": 0.02, "momentum": 0.005, "adagrad": 0.15, "rmsprop": 0.005, "adadelta": 0.5,
           "adam": 0.05}
    points = _two_wells_points(2.0, 1.0)

    finite_within_bound = True  # checked on the bound sphere by tests/test_run.py

    def __init__(self, seed: int = 0, **params: Any) -> None:
        super().__init__(seed, **params)
        self._a = float(self.params["a"])
        self._b = float(self.params["b"])
        self._points = _two_wells_points(self._a, self._b)

    def critical_points(self) -> list[CriticalPoint]:
        return list(self._points)

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _two_wells_f(theta, self._a, self._b)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """See :func:`_two_wells_hessian`."""
        return _two_wells_hessian(np.asarray(theta, dtype=float), self._a, self._b)


class Plateau(AnalyticSurface):
    """A Gaussian hole in a wide, nearly flat plain with a gently rising rim:
    L = 1 − exp(−(x² + y²)/s) + ε·(x² + y²)²,  s = ``width``, ε = ``tilt``.

    With r² = x² + y²: ∇L = 2θ·(exp(−r²/s)/s + 2ε·r²). The quartic term is a soft outer
    wall whose slope 4εr³ fades quickly inwards, and the hole's slope (2r/s)·exp(−r²/s) is
    negligible until its rim (r ≈ 2√s): between them lies a ring where the gradient is tiny.
    From (−4, 3) (r = 5) gradient descent at η = 0.4 starts at 0.04 per step, slows to under
    0.01 per step on the plateau (r ≈ 3) and crawls for about two hundred steps, then drops
    into the minimum 0 at the origin within a few steps — the only critical point. Adaptive
    methods, which normalise the gradient's size, cross the plateau at their full step size.
    """

    name = "plateau"
    title = "Plateau"
    formula = "1 − exp(−(x² + y²)/s) + ε·(x² + y²)²"
    summary = "A wide, almost flat ring around a deep hole: gradient descent crawls, then drops."
    param_names = ("x", "y")
    specs = AnalyticSurface.specs + (
        ParamSpec("width", 1.0, "Width s of the hole: its radius is about √s.",
                  low=0.0, low_open=True, ui_low=0.1, ui_high=5.0, label="Hole width s"),
        ParamSpec("tilt", 2e-4, "Strength ε of the soft outer wall ε·r⁴ that tilts the "
                  "plateau towards the hole.", low=0.0, ui_high=0.01,
                  label="Outer-wall strength ε"),
    )
    view = ((-5.0, 5.0), (-5.0, 5.0))
    default_start = (-4.0, 3.0)
    lrs = {"gd": 0.4, "momentum": 0.05, "adagrad": 0.25, "rmsprop": 0.01, "adadelta": 1.0,
           "nadam": 0.05, "adam": 0.1}
    points = (CriticalPoint((0.0, 0.0), 0.0, "global minimum"),)

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = float(self.params["width"])
        eps = float(self.params["tilt"])
        r2 = (theta * theta).sum(axis=-1)
        hole = np.exp(-r2 / s)
        loss = (1.0 - hole) + eps * r2 * r2
        return loss, 2.0 * theta * (hole / s + 2.0 * eps * r2)[..., None]

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """With c = exp(−r²/s)/s + 2εr²: ∇²L = 2c·I + 4(2ε − exp(−r²/s)/s²)·θθᵀ."""
        theta = np.asarray(theta, dtype=float)
        s = float(self.params["width"])
        eps = float(self.params["tilt"])
        r2 = (theta * theta).sum(axis=-1)
        hole = np.exp(-r2 / s)
        c = hole / s + 2.0 * eps * r2
        outer = theta[..., :, None] * theta[..., None, :]
        return (2.0 * c)[..., None, None] * np.eye(theta.shape[-1]) + (
            4.0 * (2.0 * eps - hole / (s * s)))[..., None, None] * outer


ANALYTIC_SURFACES: tuple[type[AnalyticSurface], ...] = (
    Bowl, Ellipse, Rosenbrock, Himmelblau, Beale, Booth, Rastrigin, Ackley, SixHumpCamel,
    StyblinskiTang, GoldsteinPrice, Saddle, MonkeySaddle, TwoWells, Plateau,
)
