"""Loss surfaces: L(θ) over one or two parameters, vectorized, with analytic gradients.

Every surface is the mean of N per-example losses, L(θ) = 1/N Σᵢ lᵢ(θ), so that a batch size
means the same thing everywhere:

* a :class:`DataSurface` has a real (synthetic, seeded) data set and a model; its per-example
  losses and their gradients come from an explicit forward and backward pass;
* an :class:`AnalyticSurface` (a test function such as Rosenbrock) gets N synthetic examples
  lᵢ(θ) = L(θ) + nᵢ·θ, where the tilts nᵢ are zero-mean Gaussian vectors with standard
  deviation ``example_noise``, centred so that Σ nᵢ = 0. The full-batch loss is exactly the test
  function; a mini-batch gradient ∇L(θ) + mean(n_B) is noisy but unbiased.

Shapes: ``theta`` is ``(..., dim)``; losses are ``(...)``; gradients ``(..., dim)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from gdsim.core.datafile import check_labels_file, check_points_file, read_points
from gdsim.core.optimizers import get_optimizer
from gdsim.core.params import ParamSpec, resolve_params

PointKind = Literal["global minimum", "local minimum", "saddle", "local maximum"]


@dataclass(frozen=True)
class CriticalPoint:
    """A known stationary point: where ∇L = 0."""

    theta: tuple[float, ...]
    loss: float
    kind: PointKind


N_EXAMPLES = ParamSpec(
    "n_examples", 100, "Number of examples N; the loss is the mean of their losses.",
    kind="int", low=1, high=100_000, ui_high=2000, label="Examples N")
EXAMPLE_NOISE = ParamSpec(
    "example_noise", 1.0, "Spread of each example's random tilt: how noisy a "
    "mini-batch gradient is.", low=0.0, ui_high=20.0, label="Per-example noise")

class Surface(ABC):
    """A loss surface: the mean of ``n_examples`` per-example losses.

    Class attributes describe the surface; instances hold its resolved parameters and data.

    Attributes:
        name: command-line name (``"rosenbrock"``).
        title: display name.
        formula: the loss as Unicode text, e.g. ``"(1−x)² + 100(y−x²)²"``.
        summary: one line for ``gdsim list``.
        param_names: names of θ's components (``("x", "y")``, ``("w", "b")``, ``("w",)``).
        specs: the surface's own parameters (shape constants, N, noise, ...).
        view: default view box, one ``(low, high)`` per component of θ.
        default_start: the default start point.
        lrs: instructive default learning rates, keyed by an optimizer's name or by its
            ``family`` (see :meth:`default_lr`).
        log_scale: whether the loss spans decades (the contour map uses a log colour scale).
        bound: |θ| beyond which a run counts as diverged.
        finite_within_bound: a promise that the loss and the gradient are finite, and far from
            overflowing (|L| and |∇L|² below 1e280), at every θ with |θ| ≤ ``bound``, for
            every value of the surface's parameters. Then a run's divergence test ("a
            non-finite value, or |θ| beyond the bound") needs only the bound, and a run that
            records nothing per step evaluates the gradient alone (:meth:`grad`).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    formula: ClassVar[str]
    summary: ClassVar[str]
    param_names: ClassVar[tuple[str, ...]]
    specs: ClassVar[tuple[ParamSpec, ...]] = ()
    view: ClassVar[tuple[tuple[float, float], ...]]
    default_start: ClassVar[tuple[float, ...]]
    lrs: ClassVar[Mapping[str, float]] = {}
    log_scale: ClassVar[bool] = False
    data_driven: ClassVar[bool] = False
    finite_within_bound: ClassVar[bool] = False

    def __init__(self, seed: int = 0, **params: Any) -> None:
        self.params: dict[str, Any] = resolve_params(self.specs, params, owner=self.title)
        self.seed = int(seed)
        self._rng_seed = np.random.SeedSequence([self.seed, 0x5EED])

    @classmethod
    def param_names_for(cls, params: Mapping[str, Any]) -> tuple[str, ...]:
        """θ's component names for these surface parameters (a network's and a custom
        formula's depend on them)."""
        return cls.param_names

    @property
    def dim(self) -> int:
        return len(self.param_names)

    @property
    def n_examples(self) -> int:
        return int(self.params["n_examples"])

    @property
    def bound(self) -> float:
        """|θ| beyond which a run counts as diverged: 1000 view-box widths."""
        return self.bound_for(self.view)

    @staticmethod
    def bound_for(view: Sequence[tuple[float, float]]) -> float:
        """The divergence bound of a view box: 1000 times its widest side."""
        return 1000.0 * max(hi - lo for lo, hi in view)

    def default_lr(self, optimizer: str) -> float:
        """A learning rate for ``optimizer`` that makes the default run instructive.

        The surface's ``lrs`` entry for the variant's name wins, then the entry for its
        family, then the optimizer's own fallback ``default_lr``.
        """
        opt = get_optimizer(optimizer)
        for key in (opt.name, opt.family):
            if key in self.lrs:
                return float(self.lrs[key])
        return float(opt.default_lr)

    def rng(self) -> np.random.Generator:
        """A fresh generator for this surface's data, determined by its seed."""
        return np.random.default_rng(self._rng_seed)

    # --- full-batch evaluation -------------------------------------------------------------
    def loss(self, theta: np.ndarray) -> np.ndarray:
        """Full-batch loss L(θ), shape ``theta.shape[:-1]``."""
        return self.loss_and_grad(theta)[0]

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """Full-batch gradient ∇L(θ), shape ``theta.shape``."""
        return self.loss_and_grad(theta)[1]

    def plane_loss(
        self, centre: np.ndarray, d1: np.ndarray, d2: np.ndarray, alpha: np.ndarray,
        beta: np.ndarray, dtype: type = np.float64,
    ) -> np.ndarray:
        """L(centre + α·d1 + β·d2) on the grid ``beta`` × ``alpha``: ``(len(beta), len(alpha))``.

        Here one batched call of :meth:`loss` on the grid's points, always in float64;
        ``dtype`` is a hint that surfaces with a faster reduced-precision path may take
        (:class:`~gdsim.core.surfaces.network.Network` does).
        """
        alpha, beta = np.asarray(alpha, float), np.asarray(beta, float)
        points = (np.asarray(centre, float) + alpha[None, :, None] * np.asarray(d1, float)
                  + beta[:, None, None] * np.asarray(d2, float))
        return self.loss(points.reshape(-1, self.dim)).reshape(len(beta), len(alpha))

    @abstractmethod
    def loss_and_grad(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Full-batch loss and gradient at ``theta`` of shape ``(..., dim)``."""

    @abstractmethod
    def examples(self) -> tuple[np.ndarray, ...]:
        """The per-example arrays, each indexed by example first (``(N, …)``)."""

    @abstractmethod
    def loss_and_grad_on(
        self, theta: np.ndarray, *examples: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean loss and gradient over the given examples (slices of :meth:`examples`).

        ``theta`` is ``(runs, dim)``; returns ``(runs,)`` and ``(runs, dim)``.
        """

    def batch_loss_and_grad(
        self, theta: np.ndarray, idx: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean loss and gradient over the examples ``idx`` (int array ``(B,)``).

        ``theta`` is ``(runs, dim)``; returns ``(runs,)`` and ``(runs, dim)``. (The run loop
        gathers each epoch's examples once and passes contiguous slices to
        :meth:`loss_and_grad_on` instead — the same numbers, without a gather per step.)
        """
        return self.loss_and_grad_on(theta, *(a[idx] for a in self.examples()))

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Full-batch Hessian ∇²L(θ), analytic: ``theta`` ``(..., dim)`` → ``(..., dim, dim)``.

        Like the loss it is the mean over all N examples. Every built-in surface overrides
        this with its hand-derived second derivatives (checked against central differences of
        the analytic gradient in ``tests/test_hessians.py``).
        """
        raise NotImplementedError(f"surface {self.name!r} has no analytic Hessian")

    def hessian_on(self, theta: np.ndarray, *examples: np.ndarray) -> np.ndarray:
        """Mean Hessian over the given examples: ``theta`` ``(runs, dim)`` → ``(runs, dim, dim)``.

        The built-in analytic and data surfaces override this with their analytic Hessians;
        the fallback (for surfaces without one) is central differences of the analytic batch
        gradient, step 1e-5, symmetrised.
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        m, p = theta.shape
        step = 1e-5
        probes = theta[:, None, :] + step * np.concatenate([np.eye(p), -np.eye(p)])
        grads = self.loss_and_grad_on(probes.reshape(-1, p), *examples)[1].reshape(m, 2 * p, p)
        hess = (grads[:, :p] - grads[:, p:]) / (2.0 * step)
        return 0.5 * (hess + np.swapaxes(hess, -1, -2))

    def critical_points(self) -> list[CriticalPoint]:
        """Known minima and saddle points (may be computed from the data)."""
        return []

    def metrics(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Figures beside the loss that describe a model at ``theta`` ``(M, dim)``, each
        ``(M,)`` (a classifier's accuracy); none for a plain test function."""
        return {}

    def minima(self) -> list[CriticalPoint]:
        return [p for p in self.critical_points() if p.kind.endswith("minimum")]

    def describe(self) -> str:
        return f"{self.title}: L = {self.formula}"


class AnalyticSurface(Surface):
    """A closed-form test function with N synthetic, zero-mean tilted examples.

    Subclasses implement :meth:`f` (loss and gradient of the test function itself).
    """

    specs: ClassVar[tuple[ParamSpec, ...]] = (N_EXAMPLES, EXAMPLE_NOISE)
    points: ClassVar[tuple[CriticalPoint, ...]] = ()

    def __init__(self, seed: int = 0, **params: Any) -> None:
        super().__init__(seed, **params)
        tilts = self.rng().normal(0.0, self.params["example_noise"], (self.n_examples, self.dim))
        self.tilts: np.ndarray = tilts - tilts.mean(axis=0)  # (N, dim), Σ nᵢ = 0

    @abstractmethod
    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The test function and its analytic gradient at ``theta`` ``(..., dim)``."""

    def df(self, theta: np.ndarray) -> np.ndarray:
        """The analytic gradient alone, the very numbers of :meth:`f`'s (a surface may
        override this to skip computing the loss)."""
        return self.f(theta)[1]

    def loss_and_grad(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if type(theta) is not np.ndarray or theta.dtype != np.float64:
            theta = np.asarray(theta, dtype=float)
        return self.f(theta)

    def grad(self, theta: np.ndarray) -> np.ndarray:
        if type(theta) is not np.ndarray or theta.dtype != np.float64:
            theta = np.asarray(theta, dtype=float)
        return self.df(theta)

    def examples(self) -> tuple[np.ndarray, ...]:
        return (self.tilts,)

    def loss_and_grad_on(
        self, theta: np.ndarray, *examples: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        loss, grad = self.f(theta)
        tilt = examples[0].mean(axis=0)  # (dim,)
        return loss + theta @ tilt, grad + tilt

    def critical_points(self) -> list[CriticalPoint]:
        return list(self.points)

    def hessian_on(self, theta: np.ndarray, *examples: np.ndarray) -> np.ndarray:
        """The full-batch :meth:`hessian`: the examples' tilts nᵢ·θ are linear in θ, so every
        example's Hessian is the test function's, exactly, for any mini-batch."""
        return self.hessian(theta)


DATA_FILE = ParamSpec(
    "data", "", "A CSV file of points (columns x and y) to fit instead of generated data; "
    "empty = generate them.", kind="text", high=4096, check=check_points_file,
)
LABELS_FILE = ParamSpec(
    "data", "", "A CSV file of points (columns x and y, y = 0 or 1) to classify instead of "
    "generated data; empty = generate them.", kind="text", high=4096, check=check_labels_file,
)


class DataSurface(Surface):
    """The mean loss of a small model over a data set: synthetic and seeded, or the user's.

    Subclasses set ``x``, ``y`` (arrays ``(N,)``) in :meth:`make_data` and implement the
    per-example forward and backward pass in :meth:`example_loss_and_grad`. Every subclass
    gets the parameter ``data`` (:data:`DATA_FILE`, or :data:`LABELS_FILE` when
    ``binary_labels``): a CSV file of points used instead of :meth:`make_data`, in which case
    ``n_examples`` becomes the number of points read.
    """

    data_driven: ClassVar[bool] = True
    binary_labels: ClassVar[bool] = False  # targets are class labels 0/1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "specs" in cls.__dict__ and all(s.name != "data" for s in cls.specs):
            cls.specs = (*cls.specs, LABELS_FILE if cls.binary_labels else DATA_FILE)

    def __init__(self, seed: int = 0, **params: Any) -> None:
        super().__init__(seed, **params)
        if self.params.get("data"):
            self.x, self.y = read_points(self.params["data"], binary=self.binary_labels)
            self.params["n_examples"] = len(self.x)
        else:
            self.x, self.y = self.make_data(self.rng())

    @abstractmethod
    def make_data(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw the data set: inputs and targets, each ``(N,)``."""

    @abstractmethod
    def example_loss_and_grad(
        self, theta: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-example losses and gradients by a forward and a backward pass.

        ``theta`` is ``(M, dim)``, ``x`` and ``y`` are ``(B,)``; returns ``(M, B)`` losses and
        ``(M, B, dim)`` gradients.
        """

    @abstractmethod
    def predict(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The model's output for inputs ``x`` ``(B,)`` at ``theta`` ``(M, dim)``: ``(M, B)``."""

    def examples(self) -> tuple[np.ndarray, ...]:
        return self.x, self.y

    def loss_and_grad_on(
        self, theta: np.ndarray, *examples: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        loss, grad = self.example_loss_and_grad(theta, *examples)
        return loss.mean(axis=1), grad.mean(axis=1)

    def example_hessian(self, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per-example Hessians ∇²lᵢ: ``theta`` ``(M, dim)``, ``x``, ``y`` ``(B,)`` →
        ``(M, B, dim, dim)``. Data surfaces override this with the analytic second derivatives."""
        raise NotImplementedError(f"surface {self.name!r} has no analytic Hessian")

    def hessian_on(self, theta: np.ndarray, *examples: np.ndarray) -> np.ndarray:
        return self.example_hessian(theta, *examples).mean(axis=1)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Mean of the per-example Hessians over all N examples, in chunks of points."""
        theta = np.asarray(theta, dtype=float)
        flat = theta.reshape(-1, self.dim)
        out = np.empty((len(flat), self.dim, self.dim))
        chunk = max(1, 65_536 // max(1, self.n_examples))
        for start in range(0, len(flat), chunk):
            part = slice(start, start + chunk)
            out[part] = self.example_hessian(flat[part], self.x, self.y).mean(axis=1)
        return out.reshape(*theta.shape, self.dim)

    def loss_and_grad(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean over all N examples, in chunks so a contour grid never holds M×N×dim at once."""
        theta = np.asarray(theta, dtype=float)
        flat = theta.reshape(-1, self.dim)
        loss = np.empty(len(flat))
        grad = np.empty_like(flat)
        chunk = max(1, 2_000_000 // max(1, self.n_examples))
        for start in range(0, len(flat), chunk):
            part = slice(start, start + chunk)
            l_i, g_i = self.example_loss_and_grad(flat[part], self.x, self.y)
            loss[part] = l_i.mean(axis=1)
            grad[part] = g_i.mean(axis=1)
        return loss.reshape(theta.shape[:-1]), grad.reshape(theta.shape)
