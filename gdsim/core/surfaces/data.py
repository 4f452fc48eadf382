"""Data-driven surfaces: the mean loss of a small model over a synthetic, seeded data set.

Each model's gradient comes from an explicit forward pass (storing the intermediate values) and
backward pass (the chain rule, from the loss back to each parameter) — backpropagation, as the
seeds describe it. The loss over the whole data set is the seeds' L(θ) = 1/N Σᵢ l(f_θ(xᵢ), yᵢ).

Shapes follow :mod:`gdsim.core.surfaces.base`: in :meth:`~DataSurface.example_loss_and_grad`
``theta`` is ``(M, dim)`` and ``x``, ``y`` are ``(B,)``; per-example losses are ``(M, B)`` and
per-example gradients ``(M, B, dim)``. The full-batch :meth:`~Surface.loss_and_grad` takes
``theta`` of shape ``(..., dim)``. Where the full-batch loss has sufficient statistics (the
moments of a quadratic: linear regression, the neuron), it is evaluated in O(1) per point instead
of O(N), so a 200×200 contour grid stays fast for any N; the tiny network needs O(N) per distinct
w1 only, and logistic regression O(N) per point (≈ 35 ms for the grid at N = 100).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gdsim.core.params import ParamSpec
from gdsim.core.surfaces.base import CriticalPoint, DataSurface

DATA_N = ParamSpec("n_examples", 100, "Number of data points N.", kind="int", low=2,
                   high=100_000, ui_high=2000, label="Examples N")
DATA_NOISE = ParamSpec("noise", 0.5, "Standard deviation of the noise added to the targets "
                       "(0 to 100).", low=0.0, high=100.0, ui_high=5.0, label="Target noise σ")
TEACHER_RANGE = {"low": -100.0, "high": 100.0}
"""The range of a data set's true weights: wide enough for any lesson, small enough that the
data, the loss (up to ~10⁸ over the view) and its gradient stay finite."""

# Elements per (points × examples) block in the full-batch loops below: small enough that the
# temporaries stay in cache and are recycled by the allocator (a 200×200 grid over 100 logistic
# examples takes ~30 ms in 64k blocks against ~280 ms in 2M blocks, which fault in fresh pages).
_BLOCK = 65_536


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e⁻ᶻ), computed as exp(−softplus(−z)) so it never overflows."""
    return np.exp(-np.logaddexp(0.0, -z))


def _damped_newton(
    loss_and_grad: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    hessian: Callable[[np.ndarray], np.ndarray],
    theta: np.ndarray,
    tol: float = 1e-12,
    max_steps: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimize from ``theta`` ``(dim,)`` by Newton steps θ ← θ − t·H⁻¹∇L with backtracking.

    Where the Hessian is not positive definite the step is −t·∇L instead; t is halved until the
    loss does not increase, so every step goes downhill. Stops when max |∇L| < ``tol`` or no
    step decreases the loss. Returns the final θ and its gradient.
    """
    loss, grad = loss_and_grad(theta)
    for _ in range(max_steps):
        if np.max(np.abs(grad)) < tol:
            break
        hess = hessian(theta)
        step = np.linalg.solve(hess, grad) if np.all(np.linalg.eigvalsh(hess) > 0) else grad
        t = 1.0
        while True:
            new_loss, new_grad = loss_and_grad(theta - t * step)
            if new_loss <= loss:
                break
            t *= 0.5
            if t < 1e-12:  # no descent left at floating-point precision
                return theta, grad
        theta, loss, grad = theta - t * step, new_loss, new_grad
    return theta, grad


class LinearRegression(DataSurface):
    """Fit ŷ = w·x + b by mean squared error: l = (w·x + b − y)².

    Forward: ŷ = w·x + b, r = ŷ − y, l = r². Backward: ∂l/∂ŷ = 2r, ∂l/∂w = 2r·x, ∂l/∂b = 2r.
    The full-batch loss is a quadratic in (w, b) whose coefficients are the data's moments, so
    evaluating it on a contour grid costs O(1) per point, not O(N).

    Data: xᵢ ~ U(−2, 2), yᵢ = true_w·xᵢ + true_b + εᵢ with εᵢ ~ N(0, noise²). The Hessian is
    2·[[mean x², mean x], [mean x, 1]] ≈ diag(2.7, 2): a round bowl, where gradient descent
    with η = 0.1 shrinks the error by about 0.75 a step.
    """

    name = "linear-regression"
    title = "Linear regression"
    formula = "1/N Σ (w·xᵢ + b − yᵢ)²"
    summary = "Fit a line to noisy data by mean squared error; θ = (w, b)."
    param_names = ("w", "b")
    specs = (
        DATA_N,
        DATA_NOISE,
        ParamSpec("true_w", 2.0, "Slope of the line the data are drawn from (−100 to 100).",
                  **TEACHER_RANGE, ui_low=-10.0, ui_high=10.0, label="True slope w"),
        ParamSpec("true_b", -1.0, "Intercept of the line the data are drawn from (−100 to "
                  "100).", **TEACHER_RANGE, ui_low=-10.0, ui_high=10.0, label="True intercept b"),
    )
    view = ((-4.0, 6.0), (-5.0, 5.0))
    default_start = (-3.0, 4.0)
    # Curvatures ≈ 2 and 2.7: gd is stable below η = 2/2.7 ≈ 0.74; at 0.1 it comes within 0.05
    # of the minimum in ~30 steps, momentum (which overshoots and spirals in) in ~60, every other
    # method in 30–110. Adadelta's steps start at ~√ε·η and grow slowly: at η = 2 it arrives in
    # ~700 steps (|∇L| < 1e-6 by ~760); kept running past that it drifts into a ~0.06 wobble,
    # since its step tends to η·∇L as the gradients vanish and η·2.7 > 2. torch's η = 1 settles
    # for good but needs ~1150 steps, beyond the default 1000.
    lrs = {"gd": 0.1, "momentum": 0.05, "adagrad": 1.0, "rmsprop": 0.1, "adadelta": 2.0,
           "adamax": 0.3, "adam": 0.2}

    def __init__(self, seed: int = 0, **params: Any) -> None:
        super().__init__(seed, **params)
        x, y = self.x, self.y
        # Sufficient statistics: L(w, b) = w²·Sxx + 2wb·Sx + b² − 2w·Sxy − 2b·Sy + Syy.
        self._sxx, self._sx = float(np.mean(x * x)), float(np.mean(x))
        self._sxy, self._sy = float(np.mean(x * y)), float(np.mean(y))
        self._syy = float(np.mean(y * y))

    def make_data(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        n = self.n_examples
        x = rng.uniform(-2.0, 2.0, n)
        noise = rng.normal(0.0, self.params["noise"], n)
        y = self.params["true_w"] * x + self.params["true_b"] + noise
        return x, y

    def predict(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """ŷ = w·x + b: ``(M, B)``."""
        return theta[:, :1] * x + theta[:, 1:2]

    def example_loss_and_grad(
        self, theta: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """lᵢ = (w·xᵢ + b − yᵢ)² and ∇lᵢ = 2rᵢ·(xᵢ, 1): ``(M, B)`` and ``(M, B, 2)``."""
        w, b = theta[:, :1], theta[:, 1:2]  # (M, 1) each, broadcasting over the batch
        # Forward pass.
        y_hat = w * x + b  # (M, B)
        r = y_hat - y  # residual
        loss = r**2
        # Backward pass.
        dl_dyhat = 2.0 * r  # ∂l/∂ŷ = 2r
        dl_dw = dl_dyhat * x  # ∂ŷ/∂w = x
        dl_db = dl_dyhat  # ∂ŷ/∂b = 1
        return loss, np.stack([dl_dw, dl_db], axis=-1)

    def loss_and_grad(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean over all N examples from the sufficient statistics: O(1) per point."""
        theta = np.asarray(theta, dtype=float)
        w, b = theta[..., 0], theta[..., 1]
        loss = (w * w * self._sxx + 2 * w * b * self._sx + b * b
                - 2 * w * self._sxy - 2 * b * self._sy + self._syy)
        dw = 2 * (w * self._sxx + b * self._sx - self._sxy)
        db = 2 * (w * self._sx + b - self._sy)
        return loss, np.stack([dw, db], axis=-1)

    def critical_points(self) -> list[CriticalPoint]:
        """The least-squares line, the unique minimum (the data's x are not all equal)."""
        design = np.stack([self.x, np.ones_like(self.x)], axis=1)
        (w, b), *_ = np.linalg.lstsq(design, self.y, rcond=None)
        loss = float(self.loss(np.array([w, b])))
        return [CriticalPoint((float(w), float(b)), loss, "global minimum")]


class Neuron(DataSurface):
    """The seeds' single neuron without bias: z = w·x, l = (z − y)², ∂l/∂w = 2(w·x − y)·x.

    Data: xᵢ ~ U(−2, 2), yᵢ = true_w·xᵢ + εᵢ with εᵢ ~ N(0, noise²). The full-batch loss is the
    parabola L(w) = Sxx·w² − 2Sxy·w + Syy (S·· the data's mean products), minimal at
    w* = Σxᵢyᵢ / Σxᵢ² with curvature L'' = 2Sxx ≈ 2.7.
    """

    name = "neuron"
    title = "Single neuron"
    formula = "1/N Σ (w·xᵢ − yᵢ)²"
    summary = "The seeds' single neuron z = w·x with squared error; ∂L/∂w = 2(w·x − y)·x."
    param_names = ("w",)
    specs = (
        DATA_N,
        DATA_NOISE,
        ParamSpec("true_w", 2.0, "Weight of the neuron the data are drawn from (−100 to 100).",
                  **TEACHER_RANGE, ui_low=-10.0, ui_high=10.0, label="True weight w"),
    )
    view = ((-4.0, 6.0),)
    default_start = (-3.0,)
    # L'' ≈ 2.7: gd diverges above η ≈ 0.75 and zig-zags across the minimum above ≈ 0.37;
    # η = 0.1 walks down one side, shrinking the distance to w* by ≈ 0.73 a step (within 0.05
    # in ~16 steps). The others arrive in 20–110 steps, Adadelta (slow start) in ~220.
    lrs = {"gd": 0.1, "momentum": 0.05, "adagrad": 1.0, "rmsprop": 0.1, "adadelta": 10.0,
           "radam": 0.1, "adamax": 0.3, "adam": 0.2}

    def __init__(self, seed: int = 0, **params: Any) -> None:
        super().__init__(seed, **params)
        # Sufficient statistics: L(w) = w²·Sxx − 2w·Sxy + Syy.
        self._sxx = float(np.mean(self.x * self.x))
        self._sxy = float(np.mean(self.x * self.y))
        self._syy = float(np.mean(self.y * self.y))

    def make_data(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        n = self.n_examples
        x = rng.uniform(-2.0, 2.0, n)
        y = self.params["true_w"] * x + rng.normal(0.0, self.params["noise"], n)
        return x, y

    def predict(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """z = w·x: ``(M, B)``."""
        return theta[:, :1] * x

    def example_loss_and_grad(
        self, theta: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """lᵢ = (w·xᵢ − yᵢ)² and ∂lᵢ/∂w = 2(w·xᵢ − yᵢ)·xᵢ: ``(M, B)`` and ``(M, B, 1)``."""
        w = theta[:, :1]  # (M, 1)
        # Forward pass.
        z = w * x  # (M, B)
        r = z - y  # error
        loss = r**2
        # Backward pass.
        dl_dz = 2.0 * r  # ∂l/∂z = 2(z − y)
        dl_dw = dl_dz * x  # ∂z/∂w = x
        return loss, dl_dw[..., None]

    def loss_and_grad(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean over all N examples from the sufficient statistics: O(1) per point."""
        theta = np.asarray(theta, dtype=float)
        w = theta[..., 0]
        loss = w * w * self._sxx - 2.0 * w * self._sxy + self._syy
        return loss, (2.0 * (w * self._sxx - self._sxy))[..., None]

    def critical_points(self) -> list[CriticalPoint]:
        """The unique minimum w* = Σxᵢyᵢ / Σxᵢ² (the x are drawn continuously, so Σx² > 0)."""
        w = self._sxy / self._sxx
        return [CriticalPoint((w,), float(self.loss(np.array([w]))), "global minimum")]


class LogisticRegression(DataSurface):
    """Classify x by p = σ(w·x + b), with the cross-entropy loss.

    Per example: z = w·x + b, l = −[y·log σ(z) + (1 − y)·log(1 − σ(z))] = softplus(z) − y·z,
    computed stably as ``logaddexp(0, z) − y·z``; ∂l/∂z = σ(z) − y, so ∇l = (σ(z) − y)·(x, 1).

    Data: xᵢ ~ U(−3, 3); yᵢ ~ Bernoulli(σ(true_w·xᵢ + true_b)), then each label flipped with
    probability ``noise``. The loss is convex; it has a finite minimum exactly when the two
    classes overlap (no threshold on x separates them), which the defaults make all but certain
    (about 30 of 100 points lie where σ is between 0.1 and 0.9; none of seeds 0–299 is
    separable at N = 100, while at N = 10 about 40% are, and then no minimum is listed). The
    flipped labels pull the fitted weights towards 0: for seed 0 the minimum is at about
    (1.33, −0.75). It is found by Newton's method on the analytic gradient and Hessian,
    H = 1/N Σ σ(zᵢ)(1 − σ(zᵢ))·(xᵢ, 1)(xᵢ, 1)ᵀ.
    """

    name = "logistic-regression"
    title = "Logistic regression"
    formula = "1/N Σ [log(1 + exp(w·xᵢ + b)) − yᵢ·(w·xᵢ + b)]"
    summary = ("Binary classification by cross-entropy: p = σ(w·x + b); a convex bowl that "
               "flattens far from the minimum; θ = (w, b).")
    param_names = ("w", "b")
    specs = (
        DATA_N,
        ParamSpec("noise", 0.05, "Probability that each label is flipped (0.5: pure coin "
                  "flips).", low=0.0, high=0.5, ui_high=0.5, label="Label-flip probability"),
        ParamSpec("true_w", 2.0, "Weight of the logistic model the labels are drawn from "
                  "(−100 to 100).", **TEACHER_RANGE, ui_low=-10.0, ui_high=10.0,
                  label="True weight w"),
        ParamSpec("true_b", -1.0, "Bias of the logistic model the labels are drawn from "
                  "(−100 to 100).", **TEACHER_RANGE, ui_low=-10.0, ui_high=10.0,
                  label="True bias b"),
    )
    view = ((-2.0, 5.0), (-4.0, 3.0))
    default_start = (-1.5, 2.5)
    binary_labels = True  # a data file's y must be 0 or 1
    # The curvature is at most 0.25·(mean x² + 1) ≈ 1 (at w = 0) and ≈ 0.75 over the view, so
    # gd is stable up to η ≈ 2; at η = 1 it comes within 0.05 of the minimum in ~40 steps, the
    # others in 25–110 steps, Adadelta (slow start) in ~260. Momentum's η is kept low enough that
    # its overshoot stays in the view.
    lrs = {"gd": 1.0, "momentum": 0.15, "nesterov": 0.2, "adagrad": 1.0, "rmsprop": 0.05,
           "adadelta": 5.0, "radam": 0.5, "adamax": 0.3, "adam": 0.1}

    def __init__(self, seed: int = 0, **params: Any) -> None:
        super().__init__(seed, **params)
        # The loss's linear part has sufficient statistics: mean(y·z) = w·mean(xy) + b·mean(y).
        self._sxy, self._sy = float(np.mean(self.x * self.y)), float(np.mean(self.y))

    def loss_and_grad(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean over all N examples, in chunks of the ``(M, N)`` logits.

        Same forward and backward pass as :meth:`example_loss_and_grad`, reduced early:
        L = mean softplus(zᵢ) − (w·mean(xy) + b·mean(y)) and ∇L = (mean σ(zᵢ)xᵢ − mean(xy),
        mean σ(zᵢ) − mean(y)), with softplus(z) = max(z, 0) + log1p(e^−|z|) and
        σ(z) = (1 + tanh(z/2))/2, both free of overflow.
        """
        theta = np.asarray(theta, dtype=float)
        flat = theta.reshape(-1, 2)
        loss = np.empty(len(flat))
        grad = np.empty_like(flat)
        n = self.n_examples
        chunk = max(1, _BLOCK // n)
        for start in range(0, len(flat), chunk):
            part = slice(start, start + chunk)
            w, b = flat[part, 0], flat[part, 1]
            z = w[:, None] * self.x + b[:, None]  # (K, N) logits
            e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
            loss[part] = (np.maximum(z, 0.0) + np.log1p(e)).mean(axis=1) - (
                w * self._sxy + b * self._sy)
            sig = 0.5 + 0.5 * np.tanh(0.5 * z)  # σ(z), the cheapest stable form
            grad[part, 0] = sig @ self.x / n - self._sxy
            grad[part, 1] = sig.mean(axis=1) - self._sy
        return loss.reshape(theta.shape[:-1]), grad.reshape(theta.shape)

    def make_data(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        n = self.n_examples
        x = rng.uniform(-3.0, 3.0, n)
        p = _sigmoid(self.params["true_w"] * x + self.params["true_b"])
        y = rng.random(n) < p  # Bernoulli(p)
        flip = rng.random(n) < self.params["noise"]
        return x, (y ^ flip).astype(float)

    @property
    def separable(self) -> bool:
        """Whether a threshold on x separates the classes (then no finite minimum exists).

        With a bias, the 1-D data are (quasi-)separable iff one class is empty or the classes'
        ranges of x do not overlap strictly.
        """
        x0, x1 = self.x[self.y == 0], self.x[self.y == 1]
        if len(x0) == 0 or len(x1) == 0:
            return True
        return not (x0.max() > x1.min() and x1.max() > x0.min())

    def predict(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The probability of class 1, p = σ(w·x + b): ``(M, B)``."""
        return _sigmoid(theta[:, :1] * x + theta[:, 1:2])

    def example_loss_and_grad(
        self, theta: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """lᵢ = softplus(zᵢ) − yᵢzᵢ and ∇lᵢ = (σ(zᵢ) − yᵢ)·(xᵢ, 1): ``(M, B)``, ``(M, B, 2)``."""
        w, b = theta[:, :1], theta[:, 1:2]  # (M, 1) each
        # Forward pass.
        z = w * x + b  # logit, (M, B)
        loss = np.logaddexp(0.0, z) - y * z  # −log p(y | x) = softplus(z) − y·z, no overflow
        # Backward pass.
        dl_dz = _sigmoid(z) - y  # ∂l/∂z = σ(z) − y (softplus' = σ)
        dl_dw = dl_dz * x  # ∂z/∂w = x
        dl_db = dl_dz  # ∂z/∂b = 1
        return loss, np.stack([dl_dw, dl_db], axis=-1)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """The analytic full-batch Hessian at ``theta`` ``(2,)``: ``(2, 2)``.

        H = 1/N Σ σ(zᵢ)(1 − σ(zᵢ))·(xᵢ, 1)(xᵢ, 1)ᵀ: the derivative of ∇l = (σ(z) − y)·(x, 1).
        """
        design = np.stack([self.x, np.ones_like(self.x)], axis=1)  # (N, 2): ∂z/∂θ = (x, 1)
        p = _sigmoid(design @ theta)
        return (design * (p * (1.0 - p))[:, None]).T @ design / self.n_examples

    def critical_points(self) -> list[CriticalPoint]:
        """The unique minimum (the loss is strictly convex), by Newton's method from θ = 0.

        Empty if the data are separable: then the loss keeps falling as |w| → ∞.
        """
        if self.separable:
            return []
        theta, _ = _damped_newton(self.loss_and_grad, self.hessian, np.zeros(2))
        loss = float(self.loss(theta))
        return [CriticalPoint((float(theta[0]), float(theta[1])), loss, "global minimum")]


class TinyNetwork(DataSurface):
    """A two-layer network with one tanh hidden unit: ŷ = w₂·tanh(w₁·x), squared error.

    Forward: h = tanh(w₁x), ŷ = w₂h, r = ŷ − y, l = r². Backward: ∂l/∂ŷ = 2r; ∂l/∂w₂ = 2r·h;
    ∂l/∂h = 2r·w₂; ∂l/∂w₁ = ∂l/∂h·(1 − h²)·x.

    Data: xᵢ ~ U(−2, 2), yᵢ = a·tanh(b·xᵢ) + εᵢ from a teacher a = ``true_w2``,
    b = ``true_w1`` with εᵢ ~ N(0, noise²). Since tanh is odd, (w₁, w₂) and (−w₁, −w₂) compute
    the same function: two symmetric global minima near ±(b, a), and between them a saddle at
    the origin (where ŷ ≡ 0, L = mean y², and the Hessian is [[0, −2Sxy], [−2Sxy, 0]] with
    eigenvalues ±2·mean(xy)). The unstable direction is w₁ = w₂ (for a·b > 0), so a start just
    off the origin lingers on the plateau before it escapes towards one minimum.

    For fixed w₁ the loss is a quadratic in w₂, so the full-batch loss is computed from
    per-w₁ statistics: a contour grid costs O(N) per distinct w₁, not per grid point.
    """

    name = "tiny-network"
    title = "Tiny network"
    formula = "1/N Σ (w2·tanh(w1·xᵢ) − yᵢ)²"
    summary = ("One tanh hidden unit, ŷ = w2·tanh(w1·x): two mirror-image minima and a saddle "
               "at the origin; θ = (w1, w2).")
    param_names = ("w1", "w2")
    specs = (
        DATA_N,
        ParamSpec("noise", 0.2, "Standard deviation of the noise added to the targets "
                  "(0 to 100).", low=0.0, high=100.0, ui_high=5.0, label="Target noise σ"),
        ParamSpec("true_w1", 1.0, "The teacher's input weight b in y = a·tanh(b·x) (−100 to "
                  "100).", **TEACHER_RANGE, ui_low=-5.0, ui_high=5.0,
                  label="Teacher's input weight b"),
        ParamSpec("true_w2", 2.0, "The teacher's output weight a in y = a·tanh(b·x) (−100 to "
                  "100).", **TEACHER_RANGE, ui_low=-5.0, ui_high=5.0,
                  label="Teacher's output weight a"),
    )
    view = ((-3.0, 3.0), (-3.5, 3.5))
    # Just off the saddle, mostly along its unstable direction w1 = w2. Gradient descent
    # (η = 0.1) stays on the plateau L ≈ mean y² for ~11 steps while the offset grows by
    # 1 + η·2·mean(xy) ≈ 1.3 a step, drops to the valley by step ~23, then creeps along the
    # valley floor (curvatures ≈ 0.11 and 1.5 at the minimum) to within 0.05 by step ~160.
    # Adaptive methods normalize the tiny gradient and leave the saddle at once.
    default_start = (0.02, 0.01)
    # The largest curvature in the view is ≈ 33 (at w1 = 0, |w2| = 3.5), so η = 0.1 oscillates
    # there; the default path never goes near it. Adadelta at torch's η = 1 arrives in ~260 steps
    # (at η > 1.4 it would hover around the minimum instead of settling).
    lrs = {"gd": 0.1, "momentum": 0.02, "adagrad": 0.5, "rmsprop": 0.02, "adadelta": 1.0,
           "radam": 0.3, "adamax": 0.1, "adam": 0.05}

    def make_data(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        n = self.n_examples
        x = rng.uniform(-2.0, 2.0, n)
        a, b = self.params["true_w2"], self.params["true_w1"]
        y = a * np.tanh(b * x) + rng.normal(0.0, self.params["noise"], n)
        return x, y

    def predict(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """ŷ = w₂·tanh(w₁·x): ``(M, B)``."""
        return theta[:, 1:2] * np.tanh(theta[:, :1] * x)

    def example_loss_and_grad(
        self, theta: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """lᵢ = (w₂·tanh(w₁xᵢ) − yᵢ)² and its gradient by backpropagation.

        Returns ``(M, B)`` losses and ``(M, B, 2)`` gradients (∂l/∂w₁, ∂l/∂w₂).
        """
        w1, w2 = theta[:, :1], theta[:, 1:2]  # (M, 1) each
        # Forward pass, layer by layer.
        a = w1 * x  # hidden pre-activation, (M, B)
        h = np.tanh(a)  # hidden activation
        y_hat = w2 * h  # output
        r = y_hat - y  # residual
        loss = r**2
        # Backward pass: the chain rule from the loss back to each weight.
        dl_dyhat = 2.0 * r  # ∂l/∂ŷ = 2r
        dl_dw2 = dl_dyhat * h  # ∂ŷ/∂w₂ = h
        dl_dh = dl_dyhat * w2  # ∂ŷ/∂h = w₂
        dl_da = dl_dh * (1.0 - h * h)  # ∂h/∂a = tanh'(a) = 1 − h²
        dl_dw1 = dl_da * x  # ∂a/∂w₁ = x
        return loss, np.stack([dl_dw1, dl_dw2], axis=-1)

    def loss_and_grad(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean over all N examples, grouped by distinct w₁.

        With h = tanh(w₁x) and g = (1 − h²)·x (both depend on w₁ only), the mean loss and
        gradient are
            L = w₂²·mean(h²) − 2w₂·mean(yh) + mean(y²),
            ∂L/∂w₂ = 2(w₂·mean(h²) − mean(yh)),
            ∂L/∂w₁ = 2w₂·(w₂·mean(hg) − mean(yg)),
        so each distinct w₁ costs O(N) and each point O(1) (a grid has only 200 distinct w₁).
        """
        theta = np.asarray(theta, dtype=float)
        flat = theta.reshape(-1, 2)
        w1_values, which = np.unique(flat[:, 0], return_inverse=True)
        hh, yh, hg, yg = (np.empty(len(w1_values)) for _ in range(4))
        chunk = max(1, _BLOCK // self.n_examples)
        for start in range(0, len(w1_values), chunk):
            part = slice(start, start + chunk)
            h = np.tanh(w1_values[part, None] * self.x)  # (K, N)
            g = (1.0 - h * h) * self.x  # ∂h/∂w₁
            hh[part], yh[part] = (h * h).mean(axis=1), (h * self.y).mean(axis=1)
            hg[part], yg[part] = (h * g).mean(axis=1), (g * self.y).mean(axis=1)
        hh, yh, hg, yg = hh[which], yh[which], hg[which], yg[which]
        w2 = flat[:, 1]
        loss = w2 * w2 * hh - 2.0 * w2 * yh + float(np.mean(self.y * self.y))
        d_w1 = 2.0 * w2 * (w2 * hg - yg)
        d_w2 = 2.0 * (w2 * hh - yh)
        return loss.reshape(theta.shape[:-1]), np.stack([d_w1, d_w2], axis=-1).reshape(theta.shape)

    def hessian(self, theta: np.ndarray, step: float = 1e-5) -> np.ndarray:
        """The full-batch Hessian at ``theta`` ``(2,)`` by central differences of the gradient."""
        theta = np.asarray(theta, dtype=float)
        offsets = step * np.eye(2)
        grads = self.grad(np.concatenate([theta + offsets, theta - offsets]))  # (4, 2)
        hess = (grads[:2] - grads[2:]) / (2.0 * step)
        return 0.5 * (hess + hess.T)

    def critical_points(self) -> list[CriticalPoint]:
        """The saddle at the origin and the two mirror-image minima ±(w₁*, w₂*).

        The minima come from damped Newton steps (Hessian by central differences of the analytic
        gradient) started at the teacher's weights (b, a); they are listed only if Newton
        reaches a point with ∇L ≈ 0 and a positive-definite Hessian away from the origin (not,
        e.g., for a teacher with b = 0, whose targets are pure noise).
        """
        mean_y2 = float(np.mean(self.y * self.y))
        points = [CriticalPoint((0.0, 0.0), mean_y2, "saddle")]
        teacher = np.array([self.params["true_w1"], self.params["true_w2"]], dtype=float)
        theta, grad = _damped_newton(self.loss_and_grad, self.hessian, teacher)
        if (np.max(np.abs(grad)) < 1e-8 and np.linalg.norm(theta) > 1e-6
                and np.all(np.linalg.eigvalsh(self.hessian(theta)) > 0)):
            w1, w2 = float(theta[0]), float(theta[1])
            loss = float(self.loss(theta))
            points += [CriticalPoint((w1, w2), loss, "global minimum"),
                       CriticalPoint((-w1, -w2), loss, "global minimum")]
        return points


DATA_SURFACES: tuple[type[DataSurface], ...] = (
    LinearRegression, Neuron, LogisticRegression, TinyNetwork,
)
